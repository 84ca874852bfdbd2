//! `citytwin`: the command line. Parses arguments and calls the engine crates; nothing else.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use city_core::{Aabb2, Crs};
use city_index::{BatchOptions, KnnQuery, QueryResults, SyntheticCity};
use citytwin::query_io::{self, ObjectGeometry, Objects, QueryBatch, QueryKind, box_polygon};
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
enum IotCommand {
    /// Subscribe to an MQTT broker and print, every second, the message rate, the lag between
    /// each observation's time and its arrival, and what was refused (bad JSON, wrong types,
    /// oversized payloads). Payloads are SensorThings observations on
    /// `v1.1/Datastreams(ID)/Observations` or `{"sensor":..,"t":..,"value":..}`.
    Stats {
        /// A scene file whose `[iot]` table gives the broker, topics, sensors and rules: the
        /// observations then also go through the layer, and active alarms are printed.
        #[arg(long)]
        scene: Option<PathBuf>,
        /// The broker, HOST:PORT (1883 when the port is left out); overrides the scene's.
        #[arg(long)]
        broker: Option<String>,
        /// Topic filters to subscribe to (default: the scene's, else everything).
        #[arg(long)]
        topic: Vec<String>,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long)]
        seconds: Option<f64>,
    },
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
    /// Answer a batch of spatial queries over a set of objects, in parallel.
    ///
    /// Objects come from GeoJSON (Polygon/MultiPolygon features; `height` and `min_height`
    /// properties give the z range) or CSV with a header: `id,wkt` or
    /// `id,minx,miny,maxx,maxy` (optionally `minz,maxz`). Queries come from CSV with a header;
    /// the columns depend on the kind (see KIND). Bad lines are reported and skipped.
    ///
    /// Ends with one JSON line on stdout: kind, objects, queries, hits, threads, build_s,
    /// query_s, queries_per_s (and the counts of skipped objects and queries).
    Query {
        /// The kind of query: window (minx,miny,maxx,maxy), window3d
        /// (minx,miny,minz,maxx,maxy,maxz), knn (x,y; with --k), within (x,y,radius),
        /// polygon (wkt), ray (ox,oy,oz,dx,dy,dz), contains (x,y: the footprints holding
        /// each point).
        #[arg(value_enum)]
        kind: QueryKind,
        /// The objects: .geojson/.json, .csv, or a tileset folder from `citytwin import`
        /// (its features.csv, in the tileset's local metres).
        #[arg(long)]
        objects: PathBuf,
        /// The queries: CSV with a header.
        #[arg(long)]
        queries: PathBuf,
        /// Neighbours per knn query.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Worker threads (default: all cores; 1 runs sequentially).
        #[arg(long)]
        threads: Option<usize>,
        /// Write the hits here: .csv (query,object,value) or .geojson (one feature per hit).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Project GeoJSON objects (WGS84 lon/lat) into this CRS first, e.g. EPSG:32650, so
        /// distances are in metres. CSV coordinates are used as they are.
        #[arg(long)]
        crs: Option<String>,
        /// Answer queries in the order given instead of along a Hilbert curve (for
        /// benchmarking the effect of the reordering; the answers are the same).
        #[arg(long)]
        no_reorder: bool,
    },
    /// Publish the built-in simulator's sensors to an MQTT broker, as SensorThings
    /// observations on `v1.1/Datastreams(ID)/Observations`: air temperature (a model fitted
    /// to NOAA's hourly Seattle series) and car-park vacancies (fitted to the Hong Kong feed).
    Simulate {
        /// The broker, HOST:PORT (1883 when the port is left out).
        #[arg(long)]
        broker: String,
        /// Temperature sensors (plus one car park per ten of them).
        #[arg(long, default_value_t = 1000)]
        sensors: usize,
        /// Observations per sensor per second.
        #[arg(long, default_value_t = 1.0)]
        rate: f64,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long)]
        seconds: Option<f64>,
        /// Seed of the simulation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Publish the recorded series (CSV) in this folder instead, as recorded, an hour of
        /// record per second, onto the sensors of the same property (the temperature sensors
        /// for NOAA's `temp`); the car parks stay simulated.
        #[arg(long)]
        replay: Option<PathBuf>,
    },
    /// The impact of CAP alerts on an imported city: for each incident, the buildings inside its
    /// zone and in rings around it, the people in them (estimated from floor area and storeys),
    /// and the scene's sensors inside. Prints a summary, then one JSON line:
    /// {"incidents":..,"buildings":..,"people":..,"sensors":..,"facilities":..}.
    Impact(impact_command::ImpactArgs),
    /// Live IoT feeds, without the window.
    Iot {
        #[command(subcommand)]
        command: IotCommand,
    },
    /// Import city models into an OGC 3D Tiles 1.1 tileset: GLB tiles with EXT_mesh_features and
    /// EXT_structural_metadata (coarse LoD1 blocks above, the chosen LoD in the leaves) and a
    /// features.csv sidecar in the tileset's local ENU metres (see docs/adr/0003).
    Import {
        /// CityJSON (.json, .city.json), CityJSONSeq (.city.jsonl), CityGML 2.0/3.0 (.gml,
        /// .xml), GeoJSON footprints (.geojson), OSM extracts (.osm.pbf), IFC2X3/IFC4 building
        /// models (.ifc, element by element) and BIM as glTF (.glb, .gltf: a node per element,
        /// ids and properties in its extras; needs --place); footprints are extruded to LoD1.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output folder (replaced when the import succeeds).
        #[arg(short, long)]
        out: PathBuf,
        /// The CRS of inputs that declare none, e.g. EPSG:7415 (GeoJSON and OSM are WGS84);
        /// for CityGML it overrides the file's srsName.
        #[arg(long)]
        crs: Option<String>,
        /// Level of detail to tile, e.g. 1.2 or 2.2 (default: each object's highest).
        #[arg(long)]
        lod: Option<String>,
        /// GeoJSON and OSM: the attribute holding the height (metres) when `height` and
        /// `building:levels` are absent.
        #[arg(long)]
        height_attr: Option<String>,
        /// GeoJSON and OSM: the height of buildings that give none, metres (a warning counts
        /// them).
        #[arg(long, default_value_t = 10.0)]
        default_height: f64,
        /// Texture images larger than this (pixels, longer side) are scaled down in the tiles;
        /// 0 embeds them as they are.
        #[arg(long, default_value_t = 2048)]
        max_texture: u32,
        /// Embed each texture image as it is instead of packing the images a tile uses into one
        /// atlas (images whose coordinates repeat are never packed).
        #[arg(long)]
        no_atlas: bool,
        /// IFC: where the model's origin stands, `lat,lon,height[,rotation_deg]` (rotation
        /// counter-clockwise from above; 0 puts the model's +y on true north). Overrides the
        /// model's IfcMapConversion or IfcSite reference point; required when it has neither.
        #[arg(long, allow_hyphen_values = true)]
        place: Option<String>,
        /// With a city and a BIM model together: keep the city's buildings that the BIM
        /// building stands on (by default a city building more than half under the BIM
        /// model's outline is left out, the BIM building replacing it).
        #[arg(long)]
        keep_city_buildings: bool,
    },
    /// Read a CityGML or IFC file without tiling it: objects by kind (IFC: elements by class,
    /// tessellated), the CRS or georeference, warnings, and how fast it read (MB/s, objects/s)
    /// with the peak memory, as a last JSON line.
    Inspect {
        /// A CityGML 2.0/3.0 file (streamed) or an IFC2X3/IFC4 file.
        input: PathBuf,
        /// CityGML: the CRS, instead of the file's srsName.
        #[arg(long)]
        crs: Option<String>,
        /// IFC: write one JSON line per element (GlobalId, class, triangles, and its box in the
        /// model's own coordinates, metres) to this file, for comparison with other tools.
        #[arg(long)]
        elements: Option<PathBuf>,
    },
    /// Write a synthetic city and query files for `citytwin query`: clustered districts over
    /// 40 x 40 km, footprint shapes from the real Wuhan footprints in $CITYTWIN_DATA.
    Generate {
        /// Number of buildings.
        #[arg(long, default_value_t = 1_000_000)]
        objects: usize,
        /// Number of queries of each kind.
        #[arg(long, default_value_t = 100_000)]
        queries: usize,
        /// Random seed: the same seed gives the same city.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Write footprints as `id,wkt` instead of boxes as `id,minx,miny,maxx,maxy`.
        #[arg(long)]
        footprints: bool,
        /// Also write the buildings as LoD1 solids to `city.city.jsonl` (CityJSONSeq 2.0,
        /// EPSG:32649), the input of the import benchmark.
        #[arg(long)]
        cityjsonseq: bool,
        /// Output folder.
        #[arg(short, long)]
        out: PathBuf,
    },
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let command = cli.command.unwrap_or_else(|| Command::View(view_args::ViewArgs::default()));
    match command {
        Command::Query { kind, objects, queries, k, threads, out, crs, no_reorder } => {
            if k == 0 {
                bail!("--k must be at least 1");
            }
            if threads == Some(0) {
                bail!("--threads must be at least 1");
            }
            let crs = crs.map(|c| Crs::parse(&c)).transpose().context("--crs")?;
            let threads = threads.unwrap_or_else(rayon::current_num_threads);
            let pool =
                rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("starting worker threads")?;
            let opts = BatchOptions { parallel: threads > 1, reorder: !no_reorder };
            query(kind, &objects, &queries, k, crs.as_ref(), out.as_deref(), threads, opts, &pool)
        }
        Command::View(args) => view(args),
        Command::Generate { objects, queries, seed, footprints, cityjsonseq, out } => {
            generate(objects, queries, seed, footprints, &out)?;
            if cityjsonseq {
                write_cityjsonseq(objects, seed, &out.join("city.city.jsonl"))?;
            }
            Ok(())
        }
        Command::Impact(args) => impact_command::run(&args),
        Command::Iot { command: IotCommand::Stats { scene, broker, topic, seconds } } => {
            iot_stats(scene.as_deref(), broker, topic, seconds)
        }
        Command::Simulate { broker, sensors, rate, seconds, seed, replay } => {
            simulate(&broker, sensors, rate, seconds, seed, replay.as_deref())
        }
        Command::Inspect { input, crs, elements } => {
            if input.extension().is_some_and(|e| e.eq_ignore_ascii_case("ifc")) {
                inspect_ifc(&input, elements.as_deref())
            } else {
                inspect(&input, crs.as_deref())
            }
        }
        Command::Import {
            inputs,
            out,
            crs,
            lod,
            height_attr,
            default_height,
            max_texture,
            no_atlas,
            place,
            keep_city_buildings,
        } => {
            if !(default_height.is_finite() && default_height > 0.0) {
                bail!("--default-height must be a positive number of metres, not {default_height}");
            }
            let extrude = cim_import::ExtrudeOptions { height_attr, default_height_m: default_height };
            let tiling =
                cim_import::TilingOptions { max_texture_px: max_texture, atlas: !no_atlas, ..Default::default() };
            let place = place
                .map(|p| cim_import::Placement::parse(&p))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--place {e}"))?;
            let ifc = cim_import::IfcOptions { place, keep_city_buildings };
            import(&inputs, &out, crs.as_deref(), lod.as_deref(), &extrude, &tiling, &ifc)
        }
    }
}

mod impact_command;
#[cfg(feature = "viewer")]
mod incident_start;
mod view_args;
#[cfg(feature = "viewer")]
mod view_command;

/// HOST:PORT (default port 1883).
fn broker_address(broker: &str) -> Result<(String, u16)> {
    Ok(match broker.rsplit_once(':') {
        Some((h, p)) => {
            (h.to_owned(), p.parse::<u16>().with_context(|| format!("--broker {broker:?}: the port is not a number"))?)
        }
        None => (broker.to_owned(), 1883),
    })
}

/// `citytwin simulate`: the simulator's observations to a broker.
fn simulate(
    broker: &str,
    sensors: usize,
    rate: f64,
    seconds: Option<f64>,
    seed: u64,
    replay: Option<&Path>,
) -> Result<()> {
    use city_layers::{MqttPublisher, Replay, Sensor, Simulator};
    if !(rate > 0.0 && rate.is_finite()) {
        bail!("--rate must be a positive number of observations per second, not {rate}");
    }
    let (host, port) = broker_address(broker)?;
    let centre = citytwin::demo_city::centre();
    let sensor = |id: String, property: &str, unit: &str, k: usize| {
        let at = city_core::Geodetic::from_deg(
            centre.lon_deg + (k % 50) as f64 * 1e-3,
            centre.lat_deg + (k / 50) as f64 * 1e-3,
            0.0,
        );
        Sensor::single(&id, at, property, unit)
    };
    let mut all: Vec<Sensor> = (0..sensors).map(|i| sensor(format!("temp-{i}"), "air_temperature", "Cel", i)).collect();
    all.extend((0..sensors / 10).map(|i| sensor(format!("carpark-{i}"), "vacancy", "{spaces}", i * 10)));
    let mut replay = replay.map(Replay::read_dir).transpose().context("--replay")?;
    let replayed = replay.as_mut().map(|r| r.assign(&all)).unwrap_or_default();
    let simulated: Vec<Sensor> =
        all.iter().filter(|s| !s.datastreams.iter().any(|d| replayed.contains(&d.id))).cloned().collect();
    let mut sim = Simulator::new(&simulated, seed);
    let publisher = MqttPublisher::connect(
        &host,
        port,
        &format!("citytwin-simulate-{}", std::process::id()),
        std::time::Duration::from_secs(10),
    )?;
    eprintln!("publishing {} datastreams at {rate}/s to {broker}", all.len());
    let start = Instant::now();
    let period = std::time::Duration::from_secs_f64(1.0 / rate);
    let mut published = 0usize;
    let now_ms =
        || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    while seconds.is_none_or(|s| start.elapsed().as_secs_f64() < s) {
        let tick = Instant::now();
        let mut obs = sim.observe(now_ms());
        if let Some(r) = replay.as_mut() {
            obs.extend(r.observe(now_ms()));
        }
        publisher.publish(&obs)?;
        published += obs.len();
        if let Some(rest) = period.checked_sub(tick.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    publisher.close();
    println!("published {published} observations in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// `citytwin iot stats`: a feed's health, printed once a second.
fn iot_stats(scene: Option<&Path>, broker: Option<String>, topics: Vec<String>, seconds: Option<f64>) -> Result<()> {
    use city_layers::{FeedEvent, IotLayer, MqttFeed, MqttSettings, parse_observation};
    let iot = match scene {
        Some(p) => Some(city_core::Scene::read(p)?.iot.with_context(|| format!("{}: no [iot] table", p.display()))?),
        None => None,
    };
    let mut layer = iot.as_ref().map(IotLayer::from_scene).transpose()?;
    let mut settings = MqttSettings::from_scene(
        &iot.clone().unwrap_or_default(),
        broker.as_deref(),
        &format!("citytwin-iot-stats-{}", std::process::id()),
    )
    .context("pass --broker HOST:PORT or give a broker in the scene's [iot] table")?;
    if !topics.is_empty() {
        settings.topics = topics;
    }
    let broker = format!("{}:{}", settings.host, settings.port);
    let mut feed = MqttFeed::start(settings);
    let start = Instant::now();
    let (mut window_start, mut count, mut bad, mut lags) = (Instant::now(), 0u64, 0u64, Vec::new());
    let (mut total, mut total_bad) = (0u64, 0u64);
    let now_ms =
        || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    while seconds.is_none_or(|s| start.elapsed().as_secs_f64() < s) {
        match feed.next_event(std::time::Duration::from_millis(100)) {
            Some(FeedEvent::Message { topic, payload, .. }) => {
                count += 1;
                if let Some(l) = layer.as_mut()
                    && let Some(e) = l.ingest(&topic, &payload)
                {
                    println!("alarm {}: {} = {}", if e.raised { "raised" } else { "cleared" }, e.datastream, e.value);
                }
                let decoded = match &layer {
                    Some(l) => l.decode(&topic, &payload, now_ms()),
                    None => parse_observation(&topic, &payload),
                };
                match decoded {
                    Ok(o) => lags.push(now_ms() - o.time_ms),
                    Err(e) => {
                        bad += 1;
                        eprintln!("refused: {e}");
                    }
                }
            }
            Some(FeedEvent::Connected) => eprintln!("connected to {broker}"),
            Some(FeedEvent::Disconnected(why)) => eprintln!("feed down ({why}); retrying"),
            None => {}
        }
        if window_start.elapsed().as_secs_f64() >= 1.0 {
            lags.sort_unstable();
            let pct = |q: f64| lags.get(((lags.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0);
            println!(
                "{:.0} messages/s, lag p50 {} ms p99 {} ms, {bad} refused{}{}",
                count as f64 / window_start.elapsed().as_secs_f64(),
                pct(0.5),
                pct(0.99),
                layer.as_ref().map(|l| format!(", {} alarms active", l.active_alarms().count())).unwrap_or_default(),
                if feed.status.connected { "" } else { " (feed down)" }
            );
            total += count;
            total_bad += bad;
            (window_start, count, bad) = (Instant::now(), 0, 0);
            lags.clear();
        }
    }
    total += count;
    total_bad += bad;
    println!("total: {total} messages, {total_bad} refused, {} connections", feed.status.connections);
    Ok(())
}

fn view(args: view_args::ViewArgs) -> Result<()> {
    #[cfg(feature = "viewer")]
    {
        view_command::run(args)
    }
    #[cfg(not(feature = "viewer"))]
    {
        let _ = args;
        bail!("this citytwin was built without the viewer (cargo feature \"viewer\")")
    }
}

#[allow(clippy::too_many_arguments)]
fn query(
    kind: QueryKind,
    objects_path: &Path,
    queries_path: &Path,
    k: usize,
    crs: Option<&Crs>,
    out: Option<&Path>,
    threads: usize,
    opts: BatchOptions,
    pool: &rayon::ThreadPool,
) -> Result<()> {
    let objects = query_io::read_objects(objects_path, crs)?;
    for d in &objects.skipped {
        eprintln!("skipped object: {d}");
    }
    let queries = query_io::read_queries(queries_path, kind)?;
    for d in &queries.skipped {
        eprintln!("skipped query: {d}");
    }
    let t = Instant::now();
    let index = pool.install(|| objects.index())?;
    let build_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let results = pool.install(|| match &queries.batch {
        QueryBatch::Window(q) => index.windows(q, opts),
        QueryBatch::Window3d(q) => index.windows_3d(q, opts),
        QueryBatch::Knn(p) => index.nearest(&p.iter().map(|&point| KnnQuery { point, k }).collect::<Vec<_>>(), opts),
        QueryBatch::Within(q) => index.within_distance(q, opts),
        QueryBatch::Polygon(q) => index.polygons(q, opts),
        QueryBatch::Ray(q) => index.ray_picks(q, opts),
        QueryBatch::Contains(p) => index.join_points(p, opts),
    })?;
    let query_s = t.elapsed().as_secs_f64();

    if let Some(path) = out {
        write_results(path, &objects, &queries.ids, &results).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "{} objects indexed ({} skipped) in {:.3} s; {} {} queries ({} skipped) in {:.3} s on {} thread(s): {} hits",
        objects.ids.len(),
        objects.skipped.len(),
        build_s,
        queries.batch.len(),
        kind.name(),
        queries.skipped.len(),
        query_s,
        threads,
        results.total_hits()
    );
    let line = serde_json::json!({
        "kind": kind.name(),
        "objects": objects.ids.len(),
        "queries": queries.batch.len(),
        "hits": results.total_hits(),
        "threads": threads,
        "build_s": build_s,
        "query_s": query_s,
        "queries_per_s": if query_s > 0.0 { queries.batch.len() as f64 / query_s } else { 0.0 },
        "skipped_objects": objects.skipped.len(),
        "skipped_queries": queries.skipped.len(),
    });
    println!("{line}");
    Ok(())
}

/// Writes hits as CSV (`query,object,value`) or GeoJSON (a feature per hit, with the object's
/// geometry and `query`, `object`, `value` properties).
fn write_results(path: &Path, objects: &Objects, query_ids: &[String], r: &QueryResults) -> Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    let geojson = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
    if geojson {
        writeln!(w, "{{\"type\":\"FeatureCollection\",\"features\":[")?;
    } else {
        writeln!(w, "query,object,value")?;
    }
    let mut first = true;
    for (q, query_id) in query_ids.iter().enumerate().take(r.len()) {
        let values = r.values(q);
        for (j, &id) in r.get(q).iter().enumerate() {
            let value = values.get(j).copied();
            let object = &objects.ids[id as usize];
            if geojson {
                let geometry = match &objects.geometries[id as usize] {
                    ObjectGeometry::Box(b) => geojson::Geometry::from(&geo::Geometry::Polygon(box_polygon(&Aabb2 {
                        min: [b.min[0], b.min[1]],
                        max: [b.max[0], b.max[1]],
                    }))),
                    ObjectGeometry::Footprint(mp, _) => {
                        geojson::Geometry::from(&geo::Geometry::MultiPolygon(mp.clone()))
                    }
                };
                let feature = serde_json::json!({
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": { "query": query_id, "object": object, "value": value },
                });
                write!(w, "{}{feature}", if first { "" } else { ",\n" })?;
                first = false;
            } else {
                let v = value.map(|v| v.to_string()).unwrap_or_default();
                writeln!(w, "{},{},{v}", query_io::csv_field(query_id), query_io::csv_field(object))?;
            }
        }
    }
    if geojson {
        writeln!(w, "\n]}}")?;
    }
    w.flush()?;
    Ok(())
}

fn import(
    inputs: &[PathBuf],
    out: &Path,
    crs: Option<&str>,
    lod: Option<&str>,
    extrude: &cim_import::ExtrudeOptions,
    tiling: &cim_import::TilingOptions,
    ifc: &cim_import::IfcOptions,
) -> Result<()> {
    // CityJSON, GeoJSON and OSM write easting (longitude) first, whatever EPSG's axis order.
    let crs =
        crs.map(Crs::parse).transpose().context("--crs")?.map(|c| c.with_axis_order(city_core::AxisOrder::EastNorth));
    let lod = match lod {
        None => cim_import::LodChoice::Highest,
        Some(l) => cim_import::LodChoice::Exact(
            city_core::Lod::parse(l).with_context(|| format!("--lod {l:?}: expected e.g. 1, 1.2 or 2.2"))?,
        ),
    };
    let opts = cim_import::CityJsonOptions { lod };
    let start = Instant::now();
    let bar = indicatif::ProgressBar::new(inputs.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Objects go into the flat store as each file (or each batch of a CityJSONSeq) is read, so
    // the nested form of the whole city is never held at once.
    let mut store = cim_import::CityStore::new();
    let (mut objects, mut skipped) = (0, 0);
    // The CRS of a file: its own, else --crs, else an error naming the file.
    let crs_of = |file: &Path, declared: Option<&Crs>| -> Result<Crs, cim_import::ImportError> {
        declared.or(crs.as_ref()).cloned().ok_or_else(|| cim_import::ImportError::Format {
            file: file.to_owned(),
            reason: "the file declares no CRS: pass --crs EPSG:n".into(),
        })
    };
    // BIM models first: the city buildings standing where they stand are then left out
    // (unless --keep-city-buildings), so the tileset does not hold a building twice.
    let is_ifc = |p: &&PathBuf| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["ifc", "glb", "gltf"].contains(&e.to_ascii_lowercase().as_str()))
    };
    let ordered: Vec<&PathBuf> = inputs.iter().filter(is_ifc).chain(inputs.iter().filter(|p| !is_ifc(p))).collect();
    let mut sites = cim_import::BimSites::default();
    for path in ordered {
        bar.set_message(format!("reading {}", path.display()));
        let name = path.to_string_lossy().to_ascii_lowercase();
        let streamed = [".gml", ".xml", ".jsonl"].iter().any(|e| name.ends_with(e));
        let imp = if streamed {
            // Streamed: a batch of objects at a time into the store.
            let mut sink = |declared: Option<&Crs>, batch: Vec<cim_import::ImportedObject>| {
                objects += batch.len();
                let crs = crs_of(path, declared)?;
                store.add(path, &crs, sites.admit(&crs, batch))?;
                bar.set_message(format!("reading {}: {objects} objects", path.display()));
                Ok(())
            };
            if name.ends_with(".jsonl") {
                cim_import::stream_cityjson_seq(path, &opts, &mut sink)?
            } else {
                let gml = cim_import::CityGmlOptions { lod: opts.lod.clone(), crs: crs.clone() };
                cim_import::stream_citygml(path, &gml, &mut sink)?
            }
        } else {
            let imp = if name.ends_with(".geojson") {
                cim_import::read_geojson_footprints(path, extrude)?
            } else if name.ends_with(".ifc") {
                cim_import::read_ifc(path, ifc)?
            } else if name.ends_with(".glb") || name.ends_with(".gltf") {
                cim_import::read_gltf_bim(path, ifc.place)?
            } else if name.ends_with(".pbf") {
                cim_import::read_osm_buildings(path, extrude)?
            } else {
                cim_import::read_cityjson(path, &opts)?
            };
            let mut imp = imp;
            objects += imp.objects.len();
            let crs = crs_of(path, imp.crs.as_ref())?;
            if is_ifc(&path) {
                if !ifc.keep_city_buildings
                    && let Some(outline) = cim_import::BimOutline::of(&imp)?
                {
                    sites.add(outline);
                }
                store.add(path, &crs, std::mem::take(&mut imp.objects))?;
            } else {
                store.add(path, &crs, sites.admit(&crs, std::mem::take(&mut imp.objects)))?;
            }
            imp
        };
        for s in &imp.skipped {
            bar.suspend(|| eprintln!("skipped: {s}"));
        }
        for w in &imp.warnings {
            bar.suspend(|| eprintln!("warning: {w}"));
        }
        skipped += imp.skipped.len();
        bar.inc(1);
    }
    let replaced = &sites.replaced;
    if !replaced.is_empty() {
        let shown: Vec<&str> = replaced.iter().take(10).map(String::as_str).collect();
        bar.suspend(|| {
            eprintln!(
                "{} city buildings replaced by the BIM model standing there (--keep-city-buildings keeps them): {}{}",
                replaced.len(),
                shown.join(", "),
                if replaced.len() > shown.len() { ", ..." } else { "" }
            )
        });
    }
    bar.set_message("tiling");
    let tiles_bar = bar.clone();
    let progress = move |_: &str, done: u64, total: u64| {
        tiles_bar.set_length(total);
        tiles_bar.set_position(done);
    };
    let summary = cim_import::write_tileset(&store, out, tiling, &progress)?;
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "{objects} objects read, {skipped} skipped (listed above); {} features in {} tiles, {:.1} MB of GLB; \
         {} without geometry in the chosen LoD; {seconds:.2} s ({:.0} objects/s), peak memory {}; -> {}",
        summary.features,
        summary.tiles,
        summary.glb_bytes as f64 / 1e6,
        summary.without_geometry,
        objects as f64 / seconds.max(1e-9),
        peak_memory().map(|b| format!("{:.0} MiB", b as f64 / 1_048_576.0)).unwrap_or_else(|| "unknown".into()),
        out.display()
    );
    if let Some(g) = &summary.ground {
        let worst =
            g.worst.as_ref().map(|(id, d)| format!("; the largest difference {d:+.2} m ({id})")).unwrap_or_default();
        eprintln!(
            "buildings on the terrain: {} within {} m, {} above it, {} below it, {} without terrain below{worst}",
            g.on_ground,
            cim_import::ON_GROUND_M,
            g.above,
            g.below,
            g.outside
        );
    }
    if summary.hazards > 0 {
        eprintln!(
            "{} hazard zones -> {} (read by `citytwin impact` and `citytwin view` on this tileset)",
            summary.hazards,
            out.join(city_core::HAZARDS_FILE).display()
        );
    }
    Ok(())
}

/// The synthetic city as CityJSONSeq: one CityJSONFeature per building, an LoD1 solid from its
/// footprint, 3-60 m tall, coordinates in millimetres (transform scale 0.001).
fn write_cityjsonseq(n: usize, seed: u64, path: &Path) -> Result<()> {
    let templates = citytwin::data_dir::real_footprint_templates()?;
    let city = SyntheticCity::generate(n, seed, &templates);
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    let header = serde_json::json!({
        "type": "CityJSON", "version": "2.0",
        "transform": {"scale": [0.001, 0.001, 0.001], "translate": [500_000.0, 2_440_000.0, 0.0]},
        "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/32649"},
        "CityObjects": {}, "vertices": [],
    });
    writeln!(w, "{header}")?;
    for i in 0..n {
        let ring: Vec<[i64; 2]> = city
            .footprint(i)
            .exterior()
            .0
            .iter()
            .map(|c| [((c.x - 500_000.0) * 1000.0).round() as i64, ((c.y - 2_440_000.0) * 1000.0).round() as i64])
            .collect();
        let mut ring = ring[..ring.len().saturating_sub(1)].to_vec(); // CityJSON rings are open
        // Counter-clockwise seen from above, so roofs face up and walls out.
        let twice_area: i64 = (0..ring.len())
            .map(|j| {
                let (a, b) = (ring[j], ring[(j + 1) % ring.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum();
        if twice_area < 0 {
            ring.reverse();
        }
        let height = 3_000 + (i as i64 * 7_919) % 57_000;
        let k = ring.len();
        let mut vertices: Vec<[i64; 3]> = ring.iter().map(|p| [p[0], p[1], 0]).collect();
        vertices.extend(ring.iter().map(|p| [p[0], p[1], height]));
        // Floor (reversed), roof, walls.
        let floor: Vec<usize> = (0..k).rev().collect();
        let roof: Vec<usize> = (k..2 * k).collect();
        let mut shell = vec![vec![floor], vec![roof]];
        for j in 0..k {
            let n = (j + 1) % k;
            shell.push(vec![vec![j, n, k + n, k + j]]);
        }
        let feature = serde_json::json!({
            "type": "CityJSONFeature", "id": format!("b{i}"),
            "CityObjects": {format!("b{i}"): {"type": "Building", "attributes": {"height": height as f64 / 1000.0, "storeys": height / 3_000},
                "geometry": [{"type": "Solid", "lod": "1", "boundaries": [shell]}]}},
            "vertices": vertices,
        });
        writeln!(w, "{feature}")?;
    }
    w.flush()?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// `citytwin inspect` on IFC: reads and tessellates every element, counts them by class, and
/// optionally writes each element's box (model coordinates) as JSON lines.
fn inspect_ifc(input: &Path, elements: Option<&Path>) -> Result<()> {
    let start = Instant::now();
    let model = cim_import::read_ifc_model(input)?;
    let seconds = start.elapsed().as_secs_f64().max(1e-9);
    let bytes = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    for s in &model.skipped {
        eprintln!("skipped: {s}");
    }
    let mut classes: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut triangles = 0;
    for e in &model.elements {
        *classes.entry(&e.class).or_default() += 1;
        triangles += e.triangles.len();
    }
    if let Some(path) = elements {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        for e in &model.elements {
            let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
            for p in e.triangles.iter().flatten() {
                for k in 0..3 {
                    (lo[k], hi[k]) = (lo[k].min(p[k]), hi[k].max(p[k]));
                }
            }
            let line = serde_json::json!({"id": e.id, "class": e.class, "triangles": e.triangles.len(), "min": lo, "max": hi, "color": e.color});
            writeln!(w, "{line}")?;
        }
        w.flush()?;
    }
    let by_class: Vec<String> = classes.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "{}: {} {}, {} elements ({}), {triangles} triangles; georeference {:?}; {} warnings, {} skipped",
        input.display(),
        model.schema,
        cim_import::IFC_READER,
        model.elements.len(),
        by_class.join(", "),
        model.georeference,
        model.warnings.len(),
        model.skipped.len()
    );
    println!(
        "{{\"bytes\":{bytes},\"elements\":{},\"skipped\":{},\"triangles\":{triangles},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1},\"elements_per_s\":{:.0},\"peak_mib\":{}}}",
        model.elements.len(),
        model.skipped.len(),
        bytes as f64 / 1e6 / seconds,
        model.elements.len() as f64 / seconds,
        peak_memory().map_or("null".into(), |b| format!("{:.0}", b as f64 / 1_048_576.0))
    );
    Ok(())
}

/// `citytwin inspect`: streams a CityGML file and counts what it holds.
fn inspect(input: &Path, crs: Option<&str>) -> Result<()> {
    let crs = crs.map(Crs::parse).transpose().context("--crs")?;
    let opts = cim_import::CityGmlOptions { crs, ..Default::default() };
    let start = Instant::now();
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    let (mut objects, mut surfaces) = (0usize, 0usize);
    let imp = cim_import::stream_citygml(input, &opts, &mut |_, batch| {
        objects += batch.len();
        for o in batch {
            *kinds.entry(o.object.kind.to_string()).or_default() += 1;
            surfaces += o.surfaces.len();
        }
        Ok(())
    })?;
    let seconds = start.elapsed().as_secs_f64().max(1e-9);
    let bytes = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    for w in &imp.warnings {
        eprintln!("warning: {w}");
    }
    for s in &imp.skipped {
        eprintln!("skipped: {s}");
    }
    let by_kind: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "{}: {objects} objects ({}), {surfaces} surfaces, CRS EPSG:{}; {} warnings, {} skipped",
        input.display(),
        by_kind.join(", "),
        imp.crs.as_ref().map_or(0, Crs::epsg),
        imp.warnings.len(),
        imp.skipped.len()
    );
    println!(
        "{{\"bytes\":{bytes},\"objects\":{objects},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1},\"objects_per_s\":{:.0},\"peak_mib\":{}}}",
        bytes as f64 / 1e6 / seconds,
        objects as f64 / seconds,
        peak_memory().map_or("null".into(), |b| format!("{:.0}", b as f64 / 1_048_576.0))
    );
    Ok(())
}

/// The process's peak resident memory (Linux: VmHWM), in bytes.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn generate(n: usize, queries: usize, seed: u64, footprints: bool, out: &Path) -> Result<()> {
    let templates = citytwin::data_dir::real_footprint_templates()?;
    let city = SyntheticCity::generate(n, seed, &templates);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, header: &str, rows: &mut dyn Iterator<Item = String>| -> Result<()> {
        let path = out.join(name);
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        writeln!(w, "{header}")?;
        for r in rows {
            writeln!(w, "{r}")?;
        }
        w.flush()?;
        eprintln!("wrote {}", path.display());
        Ok(())
    };
    if footprints {
        write(
            "objects.csv",
            "id,wkt",
            &mut (0..n).map(|i| {
                let ring: Vec<String> =
                    city.footprint(i).exterior().0.iter().map(|c| format!("{:.3} {:.3}", c.x, c.y)).collect();
                format!("b{i},\"POLYGON(({}))\"", ring.join(","))
            }),
        )?;
    } else {
        write(
            "objects.csv",
            "id,minx,miny,maxx,maxy",
            &mut city
                .boxes
                .iter()
                .enumerate()
                .map(|(i, b)| format!("b{i},{},{},{},{}", b.min[0], b.min[1], b.max[0], b.max[1])),
        )?;
    }
    let windows = city.windows(queries, seed.wrapping_add(1), 150.0, 250.0);
    write(
        "windows.csv",
        "minx,miny,maxx,maxy",
        &mut windows.iter().map(|b| format!("{},{},{},{}", b.min[0], b.min[1], b.max[0], b.max[1])),
    )?;
    let points = city.points(queries, seed.wrapping_add(2));
    write("points.csv", "x,y", &mut points.iter().map(|p| format!("{},{}", p[0], p[1])))?;
    write("within.csv", "x,y,radius", &mut points.iter().map(|p| format!("{},{},100", p[0], p[1])))?;
    write(
        "polygons.csv",
        "wkt",
        &mut windows.iter().map(|w| {
            let c = w.center();
            format!(
                "\"POLYGON(({} {},{} {},{} {},{} {},{} {}))\"",
                w.min[0], c[1], c[0], w.min[1], w.max[0], c[1], c[0], w.max[1], w.min[0], c[1]
            )
        }),
    )?;
    write(
        "rays.csv",
        "ox,oy,oz,dx,dy,dz",
        &mut points.iter().map(|p| format!("{},{},150,300,300,-150", p[0] - 300.0, p[1] - 300.0)),
    )?;
    Ok(())
}
