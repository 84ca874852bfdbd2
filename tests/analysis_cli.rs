//! `citytwin analyze` against independent references (issue 19): the sun's position against
//! pvlib's NREL SPA at 10,000 random places and instants, and the flood against a connected-
//! component fill by scipy.ndimage on Delft's AHN3 DTM, its GeoTIFF read back by rasterio
//! (`scripts/analysis-reference.py`). And bad input, named.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

#[path = "support/reference.rs"]
mod reference;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reference::python;
use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

fn citytwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citytwin")).args(args).output().unwrap()
}

/// The last stdout line of a successful run, as JSON.
fn summary(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

fn script(args: &[&str]) -> Value {
    let s = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/analysis-reference.py");
    let o = Command::new(python()).arg(s).args(args).output().unwrap();
    assert!(o.status.success(), "analysis-reference.py {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citytwin-analyze-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_sun_is_where_pvlib_puts_it_at_10000_places_and_instants() {
    let dir = temp("sun");
    let points = dir.join("points.csv");
    let mut rng = city_core::SplitMix64(19);
    let mut csv = String::from("lon,lat,unix_s\n");
    // Everywhere from pole to pole, any instant from 1950 to 2050 (whole seconds, as pvlib's
    // index holds them).
    for _ in 0..10_000 {
        let (lon, lat) = (rng.range(-180.0, 180.0), rng.range(-89.9, 89.9));
        let t = rng.range(-631_152_000.0, 2_524_608_000.0).floor();
        csv.push_str(&format!("{lon},{lat},{t}\n"));
    }
    std::fs::write(&points, csv).unwrap();
    let out = dir.join("sun.csv");
    let s = summary(&citytwin(&["analyze", "sun", "--points", points.to_str().unwrap(), "-o", out.to_str().unwrap()]));
    assert_eq!(s["count"], 10_000);
    let ours: Vec<Vec<f64>> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let theirs = script(&["sun", points.to_str().unwrap()]);
    let theirs = theirs.as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    let (mut worst_az, mut worst_el, mut worst_true, mut near_zenith) = (0.0f64, 0.0f64, 0.0f64, 0);
    for (o, t) in ours.iter().zip(theirs) {
        let t: Vec<f64> = t.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        worst_el = worst_el.max((o[4] - t[1]).abs());
        worst_true = worst_true.max((o[5] - t[2]).abs());
        // The azimuth turns fast under a sun near the zenith: compare it where it is defined to
        // better than the limit (more than 0.5 degrees from the zenith).
        if o[5] > 89.5 {
            near_zenith += 1;
            continue;
        }
        let d = (o[3] - t[0]).rem_euclid(360.0);
        worst_az = worst_az.max(d.min(360.0 - d));
    }
    eprintln!(
        "sun against pvlib at 10,000 places and instants: azimuth within {worst_az:.2e} deg ({near_zenith} near \
         the zenith left out), apparent elevation within {worst_el:.2e} deg, true elevation within {worst_true:.2e} deg"
    );
    assert!(worst_az < 0.01 && worst_el < 0.01 && worst_true < 0.01, "{worst_az} {worst_el} {worst_true}");
    assert!(near_zenith < 10, "{near_zenith} points near the zenith");
}

#[test]
fn one_place_and_time_with_its_utc_offset() {
    // Delft, 21 December 2026, 15:00 local time (UTC+1): the low winter sun in the south-west.
    let s = summary(&citytwin(&[
        "analyze",
        "sun",
        "--lon",
        "4.3668",
        "--lat",
        "52.0116",
        "--at",
        "2026-12-21T15:00:00+01:00",
    ]));
    assert_eq!(s["unix_s"], 1_797_861_600.0, "the offset was not applied");
    let dir = temp("sun-one");
    let points = dir.join("p.csv");
    std::fs::write(&points, "lon,lat,unix_s\n4.3668,52.0116,1797861600\n").unwrap();
    let theirs = script(&["sun", points.to_str().unwrap()]);
    let az = s["azimuth_deg"].as_f64().unwrap();
    let el = s["elevation_deg"].as_f64().unwrap();
    assert!((az - theirs[0][0].as_f64().unwrap()).abs() < 0.01, "{az} against {}", theirs[0][0]);
    assert!((el - theirs[0][1].as_f64().unwrap()).abs() < 0.01, "{el} against {}", theirs[0][1]);
    assert!((200.0..225.0).contains(&az) && (5.0..12.0).contains(&el), "{az} {el}");
}

#[test]
fn the_flood_over_delft_is_the_connected_fill_scipy_makes() {
    let dir = temp("flood");
    let dem = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    // The lowest ground of the DTM (a canal), read here through the importer's own reader.
    let d = cim_import::Dem::read(&dem, None).unwrap();
    let (i, _) = d.heights.iter().enumerate().filter(|(_, h)| h.is_finite()).min_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let (col, row) = (i % d.width, i / d.width);
    let mut flooded = Vec::new();
    for level in ["0.0", "0.3", "0.6"] {
        let out = dir.join(format!("depth-{level}.tif"));
        let seed = format!("{col},{row}");
        let s = summary(&citytwin(&[
            "analyze",
            "flood",
            dem.to_str().unwrap(),
            "--seed-pixel",
            &seed,
            "--level",
            level,
            "-o",
            out.to_str().unwrap(),
        ]));
        let r =
            script(&["flood", dem.to_str().unwrap(), &col.to_string(), &row.to_string(), level, out.to_str().unwrap()]);
        eprintln!("level {level}: {} cells flooded, scipy {}", s["flooded_cells"], r["reference_cells"]);
        assert_eq!(r["differing_cells"], 0, "level {level}: {r}");
        assert_eq!(r["reference_cells"], s["flooded_cells"], "level {level}: {r}");
        assert!(r["same_grid"].as_bool().unwrap() && r["nodata_is_nan"].as_bool().unwrap(), "{r}");
        assert!(r["nan_where_dem_has_none"].as_bool().unwrap(), "{r}");
        assert!(r["max_depth_difference"].as_f64().unwrap() < 1e-4, "{r}");
        flooded.push(s["flooded_cells"].as_u64().unwrap());
    }
    assert!(flooded[0] > 1_000 && flooded[0] < flooded[1] && flooded[1] < flooded[2], "{flooded:?}");
    // The DEM zipped, as portals hand DEMs out (Python's zipfile makes it): the same flood.
    let zipped = dir.join("dtm.zip");
    let o = Command::new(python())
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED).write(sys.argv[1], 'dtm.tif')"])
        .args([&dem, &zipped])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("from-zip.tif");
    let s = summary(&citytwin(&[
        "analyze",
        "flood",
        zipped.to_str().unwrap(),
        "--seed-pixel",
        &format!("{col},{row}"),
        "--level",
        "0.6",
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(s["flooded_cells"].as_u64().unwrap(), flooded[2]);
    // Not a bathtub: at 0.6 m some cells lower than the water stay dry, cut off from the seed.
    let below = d.heights.iter().filter(|h| h.is_finite() && **h < 0.6).count() as u64;
    assert!(below > flooded[2], "{below} cells below 0.6 m, {} flooded", flooded[2]);
}

/// The flood reaches Delft's buildings (imported from `cityjson/delft.json`, made by 3dfier from
/// this very AHN3), and its zone is an incident for `citytwin impact`.
#[test]
fn the_flood_reaches_buildings_and_is_an_incident_zone() {
    let dir = temp("flood-city");
    let city = dir.join("city");
    let o = citytwin(&["import", data("cityjson/delft.json").to_str().unwrap(), "-o", city.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dem = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let (zone, buildings) = (dir.join("zone.geojson"), dir.join("buildings.csv"));
    let s = summary(&citytwin(&[
        "analyze",
        "flood",
        dem.to_str().unwrap(),
        "--seed",
        "4.3668,52.0116",
        "--rise",
        "0.4",
        "-o",
        dir.join("d.tif").to_str().unwrap(),
        "--zone",
        zone.to_str().unwrap(),
        "--objects",
        city.to_str().unwrap(),
        "--buildings",
        buildings.to_str().unwrap(),
    ]));
    let reached = s["buildings_reached"].as_u64().unwrap();
    let rows: Vec<String> = std::fs::read_to_string(&buildings).unwrap().lines().skip(1).map(String::from).collect();
    assert_eq!(rows.len() as u64, reached);
    assert!(reached > 10 && reached < 570, "{reached} of 570 buildings reached");
    // Deepest first, every depth within the flood's deepest.
    let depths: Vec<f64> = rows.iter().map(|r| r.split(',').nth(1).unwrap().parse().unwrap()).collect();
    assert!(depths.windows(2).all(|w| w[0] >= w[1]) && depths[0] <= s["max_depth_m"].as_f64().unwrap() + 1e-3);
    // The zone: one flood feature whose rings enclose the flooded area (the shoelace area of its
    // WGS84 rings, in metres at Delft's latitude, within 1% of the cells' area).
    let z: Value = serde_json::from_str(&std::fs::read_to_string(&zone).unwrap()).unwrap();
    assert_eq!(z["features"][0]["properties"]["hazard"], "flood");
    let area = zone_area_m2(&z, 52.0116);
    let cells = s["area_m2"].as_f64().unwrap();
    assert!((area - cells).abs() < 0.01 * cells, "zone {area:.0} m2 against {cells:.0} m2 of cells");
    // The impact analysis takes it as a hazard zone: the buildings in the water are counted.
    let i = summary(&citytwin(&["impact", "--objects", city.to_str().unwrap(), "--hazard", zone.to_str().unwrap()]));
    assert_eq!(i["incidents"], 1);
    let inside = i["buildings"].as_u64().unwrap();
    assert!(inside >= reached && inside < reached + reached / 5 + 5, "impact {inside}, flood {reached}");
}

/// The area of a zone's WGS84 rings (shoelace, outer rings counter-clockwise and holes
/// clockwise), in square metres near latitude `lat`: a check independent of the flood's cells.
fn zone_area_m2(zone: &Value, lat: f64) -> f64 {
    let (m_lon, m_lat) = (111_320.0 * lat.to_radians().cos(), 111_250.0);
    let mut area = 0.0;
    for polygon in zone["features"][0]["geometry"]["coordinates"].as_array().unwrap() {
        for ring in polygon.as_array().unwrap() {
            let p: Vec<[f64; 2]> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|c| [c[0].as_f64().unwrap() * m_lon, c[1].as_f64().unwrap() * m_lat])
                .collect();
            area += p.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum::<f64>() / 2.0;
        }
    }
    area
}

/// A DEM in degrees (Helsinki, EPSG:4326): the flood's area and volume are in square metres,
/// not square degrees.
#[test]
fn a_flood_over_a_dem_in_degrees_is_measured_in_metres() {
    let dir = temp("flood-4326");
    let dem = data("terrain/helsinki-dem/elevation_model_2021_lapinlahti.tif");
    let zone = dir.join("zone.geojson");
    let s = summary(&citytwin(&[
        "analyze",
        "flood",
        dem.to_str().unwrap(),
        "--seed",
        "24.912,60.168",
        "--rise",
        "2",
        "-o",
        dir.join("d.tif").to_str().unwrap(),
        "--zone",
        zone.to_str().unwrap(),
    ]));
    let z: Value = serde_json::from_str(&std::fs::read_to_string(&zone).unwrap()).unwrap();
    let (area, cells) = (zone_area_m2(&z, 60.168), s["area_m2"].as_f64().unwrap());
    assert!(cells > 1_000.0 && (area - cells).abs() < 0.01 * cells, "zone {area:.0} m2 against {cells:.0} m2 of cells");
    let volume = s["volume_m3"].as_f64().unwrap();
    assert!(volume > cells * 0.01 && volume < cells * s["max_depth_m"].as_f64().unwrap(), "{volume} m3");
}

#[test]
fn bad_analysis_input_is_named() {
    let dir = temp("bad");
    let dem = data("terrain/delft-ahn3/delft_ahn3_dsm_0p5m.tif");
    let out = dir.join("d.tif");
    let err = |o: Output| {
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let flood = |extra: &[&str]| {
        let mut a = vec!["analyze", "flood", dem.to_str().unwrap(), "-o", out.to_str().unwrap()];
        a.extend_from_slice(extra);
        err(citytwin(&a))
    };
    let e = flood(&["--seed", "5.3668,52.0116", "--rise", "1"]);
    assert!(e.contains("off the DEM") && e.contains("delft_ahn3_dsm_0p5m.tif"), "{e}");
    let e = flood(&["--seed-pixel", "10,10", "--level", "-5"]);
    assert!(e.contains("not above the ground"), "{e}");
    let e = flood(&["--seed", "4.3668", "--rise", "1"]);
    assert!(e.contains("expected two numbers"), "{e}");
    let points = dir.join("p.csv");
    std::fs::write(&points, "lon,lat,at\n4.3,52.0,2026-06-21T12:00:00Z\n4.3,fifty,2026-06-21T12:00:00Z\n").unwrap();
    let e = err(citytwin(&["analyze", "sun", "--points", points.to_str().unwrap()]));
    assert!(e.contains("p.csv line 3") && e.contains("lat is not a number"), "{e}");
    let e = err(citytwin(&["analyze", "sun", "--lon", "4", "--lat", "52", "--at", "2026-12-21T15:00:00"]));
    assert!(e.contains("no Z or UTC offset"), "{e}");
}
