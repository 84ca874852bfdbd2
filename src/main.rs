//! `citytwin`: the command line. Parses arguments and calls the engine crates; nothing else.
//!
//! Each subcommand lives in its own `*_command.rs`: its options (clap) and a `run` that calls the
//! engine crates and prints. Nothing here knows how a city is read, indexed or drawn.
use anyhow::Result;
use clap::{Parser, Subcommand};

/// CityTwin: a digital-twin city engine.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// What to do; with none, the viewer opens on the built-in demo city.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the viewer on a scene file (.toml), a tileset (tileset.json or its folder), or,
    /// with nothing given, the built-in demo city (generated on first run and cached).
    ///
    /// Mouse: left-drag turns, right-drag pans, the wheel zooms towards the cursor, a click
    /// picks a building (or a sensor's marker) and shows its attributes (or its time series).
    /// Keys: W/A/S/D/Q/E fly, 1-9 fly to the scene's bookmarks, F12 saves a screenshot. Needs a
    /// display (or xvfb-run).
    View(view_args::ViewArgs),
    /// The viewer's benchmark: record a camera path, replay it frame by frame, and print one
    /// JSON line of frame times, tiles, memory and queries (with --duration, a soak).
    Bench(bench_args::BenchArgs),
    /// Answer a batch of spatial queries over a set of objects, in parallel.
    ///
    /// Objects come from GeoJSON (Polygon/MultiPolygon features; `height` and `min_height`
    /// properties give the z range) or CSV with a header: `id,wkt` or
    /// `id,minx,miny,maxx,maxy` (optionally `minz,maxz`). Queries come from CSV with a header;
    /// the columns depend on the kind (see KIND). Bad lines are reported and skipped.
    ///
    /// Ends with one JSON line on stdout: kind, objects, queries, hits, threads, build_s,
    /// query_s, queries_per_s (and the counts of skipped objects and queries).
    Query(query_command::QueryArgs),
    /// Publish the built-in simulator's sensors to an MQTT broker, as SensorThings
    /// observations on `v1.1/Datastreams(ID)/Observations`: air temperature (a model fitted
    /// to NOAA's hourly Seattle series) and car-park vacancies (fitted to the Hong Kong feed).
    Simulate(simulate_command::SimulateArgs),
    /// The impact of CAP alerts on an imported city: for each incident, the buildings inside its
    /// zone and in rings around it, the people in them (estimated from floor area and storeys),
    /// and the scene's sensors inside. Prints a summary, then one JSON line:
    /// {"incidents":..,"buildings":..,"people":..,"sensors":..,"facilities":..}.
    Impact(impact_command::ImpactArgs),
    /// Live IoT feeds, without the window.
    Iot {
        #[command(subcommand)]
        command: iot_command::IotCommand,
    },
    /// Import city models into an OGC 3D Tiles 1.1 tileset: GLB tiles with EXT_mesh_features and
    /// EXT_structural_metadata (coarse LoD1 blocks above, the chosen LoD in the leaves) and a
    /// features.csv sidecar in the tileset's local ENU metres (see docs/adr/0003).
    Import(import_command::ImportArgs),
    /// Read a CityGML or IFC file without tiling it: objects by kind (IFC: elements by class,
    /// tessellated), the CRS or georeference, warnings, and how fast it read (MB/s, objects/s)
    /// with the peak memory, as a last JSON line. On 3D Tiles (a tileset or one tile): what
    /// decodes, and each tile that does not, with why.
    Inspect(inspect_command::InspectArgs),
    /// Analyses for planners, for batch use: `sun` (the sun's position), `flood` (connected
    /// inundation over a DEM). Each ends with one JSON line: inputs, counts, seconds, rate.
    Analyze {
        #[command(subcommand)]
        command: analyze_command::AnalyzeCommand,
    },
    /// Write a synthetic city and query files for `citytwin query`: clustered districts over
    /// 40 x 40 km, footprint shapes from the real Wuhan footprints in $CITYTWIN_DATA.
    Generate(generate_command::GenerateArgs),
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {}", error_chain(&e));
        std::process::exit(1);
    }
}

/// An error and its causes on one line, each cause once: library errors often say their
/// source's text already ("x.json: No such file"), so a cause the line holds is not repeated.
fn error_chain(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

fn run(cli: Cli) -> Result<()> {
    match cli.command.unwrap_or_else(|| Command::View(view_args::ViewArgs::default())) {
        Command::View(args) => view(args),
        Command::Bench(args) => bench(args),
        Command::Query(args) => query_command::run(&args),
        Command::Generate(args) => generate_command::run(&args),
        Command::Impact(args) => impact_command::run(&args),
        Command::Iot { command } => iot_command::run(command),
        Command::Simulate(args) => simulate_command::run(&args),
        Command::Inspect(args) => inspect_command::run(&args),
        Command::Import(args) => import_command::run(&args),
        Command::Analyze { command } => analyze_command::run(&command),
    }
}

mod analyze_command;
mod bench_args;
mod generate_command;
mod impact_command;
mod import_command;
#[cfg(feature = "viewer")]
mod incident_start;
mod inspect_command;
mod inspect_tiles;
mod iot_command;
mod query_command;
mod simulate_command;
mod view_args;
#[cfg(feature = "viewer")]
mod view_command;

/// `citytwin bench`, when the viewer is built in.
fn bench(args: bench_args::BenchArgs) -> Result<()> {
    #[cfg(feature = "viewer")]
    {
        view_command::bench(args)
    }
    #[cfg(not(feature = "viewer"))]
    {
        let _ = args;
        anyhow::bail!("this citytwin was built without the viewer (cargo feature \"viewer\")")
    }
}

/// `citytwin view`, when the viewer is built in.
fn view(args: view_args::ViewArgs) -> Result<()> {
    #[cfg(feature = "viewer")]
    {
        view_command::run(args)
    }
    #[cfg(not(feature = "viewer"))]
    {
        let _ = args;
        anyhow::bail!("this citytwin was built without the viewer (cargo feature \"viewer\")")
    }
}
