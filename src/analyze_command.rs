//! `citytwin analyze`: the planners' analyses from the command line, for batch use. Each prints
//! a summary for people on stderr and ends with one JSON line on stdout (the inputs, counts,
//! seconds and the per-second rate) and writes its outputs.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use city_analysis::{FloodLevel, HeightGrid, Observer, flood, parse_rfc3339, sun_position};
use city_core::Crs;
use rayon::prelude::*;
use serde_json::json;

/// The analyses.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum AnalyzeCommand {
    /// Where the sun is (NREL SPA, within 0.0003 degrees): azimuth clockwise from north and
    /// apparent elevation (with refraction), for one place and time, or for every row of a CSV.
    ///
    /// The JSON line carries `azimuth_deg` and `elevation_deg` (as pvlib's
    /// `apparent_elevation`), and `true_elevation_deg` without refraction.
    Sun(SunArgs),
    /// Water standing at a level, or risen by some metres above a seed point, over a DEM: only
    /// the cells the water reaches from the seed across cell edges flood (a hollow behind a
    /// dyke stays dry). Writes the depth per cell as a GeoTIFF in the DEM's CRS (0 dry, NaN
    /// where the DEM has no height).
    Flood(FloodArgs),
}

/// The options of `citytwin analyze sun`.
#[derive(clap::Args, Debug, Clone)]
pub struct SunArgs {
    /// Longitude, degrees east.
    #[arg(long, allow_negative_numbers = true, required_unless_present = "points")]
    pub lon: Option<f64>,
    /// Latitude, degrees north.
    #[arg(long, allow_negative_numbers = true, required_unless_present = "points")]
    pub lat: Option<f64>,
    /// The instant, RFC 3339 with its UTC offset: 2026-12-21T15:00:00+01:00.
    #[arg(long, required_unless_present = "points")]
    pub at: Option<String>,
    /// Instead of one place and time: a CSV with a header holding `lon`, `lat` and `at` (RFC
    /// 3339) or `unix_s` columns; one output row each, computed in parallel.
    #[arg(long, conflicts_with_all = ["lon", "lat", "at"])]
    pub points: Option<PathBuf>,
    /// Where to write the rows for `--points` (CSV: the input's place and time, then
    /// azimuth_deg, elevation_deg, true_elevation_deg).
    #[arg(short, long, requires = "points")]
    pub output: Option<PathBuf>,
    /// Height above the ellipsoid, metres.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub height: f64,
    /// Air pressure, hPa (refraction).
    #[arg(long, default_value_t = 1013.25)]
    pub pressure: f64,
    /// Air temperature, degrees C (refraction).
    #[arg(long, default_value_t = 12.0, allow_negative_numbers = true)]
    pub temperature: f64,
    /// Terrestrial minus universal time, seconds (default: Espenak and Meeus's polynomial for
    /// the date, as pvlib's `calculate_deltat`; the IERS publishes the measured value).
    #[arg(long)]
    pub delta_t: Option<f64>,
}

/// The options of `citytwin analyze flood`.
#[derive(clap::Args, Debug, Clone)]
pub struct FloodArgs {
    /// The DEM (GeoTIFF, any EPSG CRS; zipped or gzipped too).
    pub dem: PathBuf,
    /// Where the water comes from: LON,LAT in degrees.
    #[arg(long, allow_hyphen_values = true, required_unless_present = "seed_pixel")]
    pub seed: Option<String>,
    /// Or the seed as the DEM's COLUMN,ROW.
    #[arg(long, conflicts_with = "seed")]
    pub seed_pixel: Option<String>,
    /// The water's height (the DEM's height units and datum).
    #[arg(long, allow_negative_numbers = true, required_unless_present = "rise", conflicts_with = "rise")]
    pub level: Option<f64>,
    /// Or how far the water rises above the ground at the seed, metres.
    #[arg(long)]
    pub rise: Option<f64>,
    /// The DEM's CRS when it declares none (EPSG:28992).
    #[arg(long)]
    pub crs: Option<String>,
    /// The depth GeoTIFF to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write the flooded area as a GeoJSON hazard zone (WGS84, a MultiPolygon exact to the
    /// cell, `hazard: flood`): `citytwin impact --hazard` and the viewer's `--hazard` take it, so
    /// the people, sensors and facilities in the water are counted like any incident's.
    #[arg(long)]
    pub zone: Option<PathBuf>,
    /// A tileset folder written by `citytwin import`: its buildings reached by the water, and
    /// the deepest water on each footprint.
    #[arg(long)]
    pub objects: Option<PathBuf>,
    /// Where to write `id,max_depth_m,wet_cells` for each building reached (with --objects).
    #[arg(long, requires = "objects")]
    pub buildings: Option<PathBuf>,
}

/// Runs `citytwin analyze`.
pub fn run(command: &AnalyzeCommand) -> Result<()> {
    match command {
        AnalyzeCommand::Sun(args) => sun(args),
        AnalyzeCommand::Flood(args) => run_flood(args),
    }
}

fn sun(args: &SunArgs) -> Result<()> {
    let observer = |lon: f64, lat: f64| -> Result<Observer> {
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            bail!("({lon}, {lat}) is no place on Earth: longitude -180..180, latitude -90..90");
        }
        Ok(Observer {
            lon_deg: lon,
            lat_deg: lat,
            height_m: args.height,
            pressure_hpa: args.pressure,
            temperature_c: args.temperature,
        })
    };
    let Some(points) = &args.points else {
        let (lon, lat, at) =
            (args.lon.unwrap_or_default(), args.lat.unwrap_or_default(), args.at.as_deref().unwrap_or(""));
        let unix_s = parse_rfc3339(at).map_err(anyhow::Error::msg).context("--at")?;
        let started = Instant::now();
        let s = sun_position(&observer(lon, lat)?, unix_s, args.delta_t);
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "sun at ({lon}, {lat}) at {at}: azimuth {:.4} deg, elevation {:.4} deg ({:.4} without refraction)",
            s.azimuth_deg, s.elevation_deg, s.true_elevation_deg
        );
        println!(
            "{}",
            json!({
                "analysis": "sun", "lon": lon, "lat": lat, "at": at, "unix_s": unix_s,
                "azimuth_deg": s.azimuth_deg, "elevation_deg": s.elevation_deg,
                "true_elevation_deg": s.true_elevation_deg, "distance_au": s.distance_au,
                "delta_t_s": s.delta_t_s,
                "count": 1, "seconds": seconds,
            })
        );
        return Ok(());
    };
    let rows = read_sun_points(points)?;
    let started = Instant::now();
    let observers = rows.iter().map(|r| observer(r.0, r.1).with_context(|| format!("{}", points.display())));
    let observers: Vec<Observer> = observers.collect::<Result<_>>()?;
    let suns: Vec<_> = rows.par_iter().zip(&observers).map(|(r, o)| sun_position(o, r.2, args.delta_t)).collect();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(out) = &args.output {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("{}: cannot create", out.display()))?,
        );
        writeln!(w, "lon,lat,unix_s,azimuth_deg,elevation_deg,true_elevation_deg")?;
        for (r, s) in rows.iter().zip(&suns) {
            writeln!(w, "{},{},{},{},{},{}", r.0, r.1, r.2, s.azimuth_deg, s.elevation_deg, s.true_elevation_deg)?;
        }
        w.flush()?;
    }
    eprintln!("sun for {} places and times in {seconds:.3} s", rows.len());
    println!(
        "{}",
        json!({
            "analysis": "sun", "points": points, "output": args.output, "count": rows.len(),
            "threads": rayon::current_num_threads(), "seconds": seconds,
            "per_s": rows.len() as f64 / seconds.max(1e-9),
        })
    );
    Ok(())
}

/// (lon, lat, unix seconds) of each row of a CSV with `lon`, `lat` and `at` or `unix_s` columns.
fn read_sun_points(path: &Path) -> Result<Vec<(f64, f64, f64)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').map(str::trim).collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(lon), Some(lat)) = (col("lon"), col("lat")) else {
        bail!("{}: the header needs lon and lat columns (and at or unix_s), found {header:?}", path.display());
    };
    let (at, unix) = (col("at"), col("unix_s"));
    if at.is_none() && unix.is_none() {
        bail!("{}: the header needs an at (RFC 3339) or unix_s column, found {header:?}", path.display());
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let place = || format!("{} line {}", path.display(), i + 2);
        let num = |k: usize, what: &str| -> Result<f64> {
            f.get(k).and_then(|v| v.parse().ok()).with_context(|| format!("{}: {what} is not a number", place()))
        };
        let t = match (unix, at) {
            (Some(k), _) => num(k, "unix_s")?,
            (None, Some(k)) => {
                parse_rfc3339(f.get(k).copied().unwrap_or("")).map_err(anyhow::Error::msg).with_context(place)?
            }
            (None, None) => unreachable!("checked above"),
        };
        rows.push((num(lon, "lon")?, num(lat, "lat")?, t));
    }
    Ok(rows)
}

fn run_flood(args: &FloodArgs) -> Result<()> {
    let crs = args.crs.as_deref().map(Crs::parse).transpose().context("--crs")?;
    let started = Instant::now();
    // A zipped or gzipped DEM (as portals hand them out) is unpacked beside the output first.
    let unpacked = cim_import::unpack_inputs(std::slice::from_ref(&args.dem), &args.output)?;
    let [dem_file] = unpacked.files.as_slice() else {
        bail!("{}: holds {} DEMs; give one", args.dem.display(), unpacked.files.len());
    };
    let dem = cim_import::Dem::read(dem_file, crs.as_ref())?;
    let Some(crs) = dem.crs.clone() else {
        bail!("{}: declares no CRS: give it with --crs (e.g. --crs EPSG:28992)", args.dem.display());
    };
    // A GeoTIFF's coordinates are easting first whatever the EPSG axis order says (Stereo70,
    // EPSG:3844, is northing first): place the seed the same way.
    let crs = crs.with_axis_order(city_core::AxisOrder::EastNorth);
    let grid = HeightGrid {
        width: dem.width,
        height: dem.height,
        heights: dem.heights,
        origin: dem.origin,
        step: dem.step,
        crs: crs.clone(),
    };
    let read_s = started.elapsed().as_secs_f64();
    let seed = match (&args.seed, &args.seed_pixel) {
        (Some(text), _) => {
            let (lon, lat) = pair(text, "--seed")?;
            grid.pixel_of_lon_lat(lon, lat).with_context(|| {
                format!(
                    "--seed {lon},{lat} is off the DEM {} ({} x {} cells)",
                    args.dem.display(),
                    grid.width,
                    grid.height
                )
            })?
        }
        (None, Some(text)) => {
            let (c, r) = pair(text, "--seed-pixel")?;
            (c as usize, r as usize)
        }
        (None, None) => bail!("give --seed LON,LAT or --seed-pixel COLUMN,ROW"),
    };
    let level = match (args.level, args.rise) {
        (Some(z), _) => FloodLevel::Absolute(z),
        (None, Some(m)) => FloodLevel::Rise(m),
        (None, None) => bail!("give --level Z or --rise METRES"),
    };
    let t = Instant::now();
    let f = flood(&grid, seed, level).with_context(|| format!("{}", args.dem.display()))?;
    let flood_s = t.elapsed().as_secs_f64();
    let size = (grid.width, grid.height);
    citytwin::geotiff_out::write_float_geotiff(&args.output, &f.depth, size, grid.origin, grid.step, &grid.crs)?;
    if let Some(zone) = &args.zone {
        write_zone(zone, &f, &grid, &args.dem)?;
    }
    let reached = match &args.objects {
        Some(dir) => Some(buildings_reached(dir, &f, &grid)?),
        None => None,
    };
    if let (Some(out), Some(reached)) = (&args.buildings, &reached) {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("{}: cannot create", out.display()))?,
        );
        writeln!(w, "id,max_depth_m,wet_cells")?;
        for (id, depth, wet) in reached {
            writeln!(w, "{},{depth:.3},{wet}", citytwin::query_io::csv_field(id))?;
        }
        w.flush()?;
    }
    let cells = grid.width * grid.height;
    if let Some(reached) = &reached {
        eprintln!("{} buildings reached by the water", reached.len());
    }
    eprintln!(
        "flood of {} from column {}, row {} at {:.2}: {} of {cells} cells under water ({:.0} m2, {:.0} m3, \
         deepest {:.2} m) in {flood_s:.3} s -> {}",
        args.dem.display(),
        seed.0,
        seed.1,
        f.level,
        f.cells,
        f.area,
        f.volume,
        f.max_depth,
        args.output.display()
    );
    println!(
        "{}",
        json!({
            "analysis": "flood", "dem": args.dem, "crs": format!("EPSG:{}", crs.epsg()),
            "seed_pixel": [seed.0, seed.1], "level": f.level, "cells": cells, "flooded_cells": f.cells,
            "area_m2": f.area, "volume_m3": f.volume, "max_depth_m": f.max_depth, "output": args.output,
            "zone": args.zone, "buildings_reached": reached.as_ref().map(Vec::len),
            "read_s": read_s, "seconds": flood_s, "cells_per_s": cells as f64 / flood_s.max(1e-9),
        })
    );
    Ok(())
}

/// The flooded area as one GeoJSON MultiPolygon feature in WGS84: the cells' outline, each
/// corner placed through the DEM's CRS.
fn write_zone(path: &Path, f: &city_analysis::Flood, grid: &HeightGrid, dem: &Path) -> Result<()> {
    // A corner on the grid: (column, row) of a cell's top-left corner, whole numbers.
    let corner = |c: f64, r: f64| -> Result<[f64; 2]> {
        let x = grid.origin[0] + (c - 0.5) * grid.step[0];
        let y = grid.origin[1] + (r - 0.5) * grid.step[1];
        let g = grid.crs.to_geodetic([x, y, 0.0])?;
        Ok([g.lon_deg, g.lat_deg])
    };
    // The cells' rectangles merged into polygons (outer rings and holes) on the grid, where
    // corners are whole numbers and the union is exact; then each vertex placed on the Earth.
    let rects: Vec<geo::Polygon<f64>> = f
        .rectangles(grid.width)
        .into_iter()
        .map(|[c0, r0, c1, r1]| {
            geo::Rect::new(
                geo::coord! { x: c0 as f64, y: r0 as f64 },
                geo::coord! { x: (c1 + 1) as f64, y: (r1 + 1) as f64 },
            )
            .to_polygon()
        })
        .collect();
    let merged = geo::unary_union(&rects);
    let ring = |r: &geo::LineString<f64>, outer: bool| -> Result<Vec<[f64; 2]>> {
        let mut pts: Vec<[f64; 2]> = r.points().map(|p| corner(p.x(), p.y())).collect::<Result<_>>()?;
        // RFC 7946: outer rings counter-clockwise, holes clockwise, whichever way rows run.
        let area2: f64 = pts.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum();
        if (area2 > 0.0) != outer {
            pts.reverse();
        }
        Ok(pts)
    };
    let polygons = merged
        .iter()
        .map(|p| {
            let mut rings = vec![ring(p.exterior(), true)?];
            for hole in p.interiors() {
                rings.push(ring(hole, false)?);
            }
            Ok(rings)
        })
        .collect::<Result<Vec<_>>>()?;
    let doc = json!({
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "properties": {
                "hazard": "flood", "name": format!("flood at {:.2} from {}", f.level, dem.display()),
                "level": f.level, "area_m2": f.area, "max_depth_m": f.max_depth,
            },
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        }],
    });
    std::fs::write(path, doc.to_string()).with_context(|| format!("{}: cannot write", path.display()))
}

/// The tileset's buildings whose footprints hold flooded cells: (id, the deepest water over
/// the footprint, its wet cells), deepest first. Footprints (the tileset's local metres) are
/// placed on the DEM's grid through ECEF and the DEM's CRS; a footprint smaller than a cell is
/// judged by the cell under its first corner.
fn buildings_reached(dir: &Path, f: &city_analysis::Flood, grid: &HeightGrid) -> Result<Vec<(String, f64, usize)>> {
    use geo::Contains;
    let objects = citytwin::query_io::read_objects(dir, None)?;
    let ecef_from_local = citytwin::sensor_buildings::tileset_local_frame(dir)?.inverse_affine();
    let to_pixel = |p: [f64; 2]| -> Result<[f64; 2]> {
        let g = city_core::geodetic_from_ecef(ecef_from_local.point([p[0], p[1], 0.0]));
        let xy = grid.crs.from_geodetic(city_core::Geodetic::from_deg(g.lon_deg, g.lat_deg, 0.0))?;
        Ok([(xy[0] - grid.origin[0]) / grid.step[0], (xy[1] - grid.origin[1]) / grid.step[1]])
    };
    let mut reached = Vec::new();
    for (id, geometry) in objects.ids.iter().zip(&objects.geometries) {
        let citytwin::query_io::ObjectGeometry::Footprint(footprint, _) = geometry else { continue };
        let (mut deepest, mut wet) = (0.0f64, 0usize);
        for polygon in footprint {
            let ring: Vec<[f64; 2]> =
                polygon.exterior().points().map(|p| to_pixel([p.x(), p.y()])).collect::<Result<_>>()?;
            let in_pixels = geo::Polygon::new(ring.iter().map(|p| geo::coord! { x: p[0], y: p[1] }).collect(), vec![]);
            let (lo, hi) = ring.iter().fold(([f64::MAX; 2], [f64::MIN; 2]), |(lo, hi), p| {
                ([lo[0].min(p[0]), lo[1].min(p[1])], [hi[0].max(p[0]), hi[1].max(p[1])])
            });
            // The cell centres inside, within the footprint's bounds clamped to the grid.
            let span = |lo: f64, hi: f64, n: usize| {
                lo.ceil().max(0.0) as usize..(hi.floor() + 1.0).clamp(0.0, n as f64) as usize
            };
            let mut cells = Vec::new();
            for r in span(lo[1], hi[1], grid.height) {
                for c in span(lo[0], hi[0], grid.width) {
                    if in_pixels.contains(&geo::Point::new(c as f64, r as f64)) {
                        cells.push((c, r));
                    }
                }
            }
            if cells.is_empty()
                && let Some(p) = ring.first()
                && p[0] >= -0.5
                && p[1] >= -0.5
            {
                cells.push((p[0].round() as usize, p[1].round() as usize));
            }
            for (c, r) in cells {
                if c < grid.width
                    && let Some(&d) = f.depth.get(r * grid.width + c)
                    && d > 0.0
                {
                    deepest = deepest.max(f64::from(d));
                    wet += 1;
                }
            }
        }
        if wet > 0 {
            reached.push((id.clone(), deepest, wet));
        }
    }
    reached.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(reached)
}

/// Two numbers written `A,B`.
fn pair(text: &str, what: &str) -> Result<(f64, f64)> {
    let (a, b) = text.split_once(',').with_context(|| format!("{what} {text:?}: expected two numbers, A,B"))?;
    let num = |s: &str| s.trim().parse::<f64>().with_context(|| format!("{what} {text:?}: {s:?} is not a number"));
    Ok((num(a)?, num(b)?))
}
