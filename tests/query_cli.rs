//! `citytwin query` end to end: the real Wuhan footprints in, answers checked against a
//! brute-force scan written here with `geo`, and every kind of bad input answered with a clear
//! message naming the file, the line or feature, and the field.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::PathBuf;
use std::process::{Command, Output};

use geo::{Contains, Coord, Intersects, LineString, Point, Polygon};

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

fn citytwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citytwin")).args(args).output().expect("running citytwin")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citytwin-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The last stdout line, parsed.
fn summary(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last =
        text.lines().last().unwrap_or_else(|| panic!("no stdout; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    serde_json::from_str(last).expect("last line is JSON")
}

/// The Wuhan polygons with their GeoJSON ids, read independently of the code under test.
fn wuhan_polygons() -> Vec<(String, Polygon<f64>)> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("geojson/wuhan_buildings.geojson")).unwrap()).unwrap();
    json["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "Polygon")
        .map(|f| {
            let ring: Vec<Coord<f64>> = f["geometry"]["coordinates"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| Coord { x: c[0].as_f64().unwrap(), y: c[1].as_f64().unwrap() })
                .collect();
            (f["properties"]["id"].to_string(), Polygon::new(LineString(ring), vec![]))
        })
        .collect()
}

#[test]
fn contains_join_on_real_footprints_matches_a_brute_force_scan() {
    let polys = wuhan_polygons();
    assert_eq!(polys.len(), 265, "the data README's Wuhan file has 265 polygon features");
    // Query points: the midpoint of each footprint's first edge nudged inward, plus points
    // off every building's box corner, in lon/lat.
    let mut pts = Vec::new();
    for (_, p) in polys.iter().take(60) {
        let c = &p.exterior().0;
        pts.push([(c[0].x + c[1].x) / 2.0, (c[0].y + c[1].y) / 2.0]);
        pts.push([c[0].x - 1e-3, c[0].y - 1e-3]);
    }
    let dir = temp_dir("contains");
    let q = dir.join("points.csv");
    std::fs::write(
        &q,
        format!(
            "id,x,y\n{}",
            pts.iter().enumerate().map(|(i, p)| format!("p{i},{},{}\n", p[0], p[1])).collect::<String>()
        ),
    )
    .unwrap();
    let out_csv = dir.join("hits.csv");
    let out = citytwin(&[
        "query",
        "contains",
        "--objects",
        data("geojson/wuhan_buildings.geojson").to_str().unwrap(),
        "--queries",
        q.to_str().unwrap(),
        "--out",
        out_csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["objects"], 265);
    assert_eq!(s["skipped_objects"], 90, "the 90 label points are skipped");
    assert_eq!(s["queries"], pts.len());
    // Brute force: which polygons cover each point (boundary counts).
    let mut want: Vec<(String, String)> = Vec::new();
    for (i, p) in pts.iter().enumerate() {
        for (id, poly) in &polys {
            if poly.intersects(&Point::new(p[0], p[1])) {
                want.push((format!("p{i}"), id.clone()));
            }
        }
    }
    let text = std::fs::read_to_string(&out_csv).unwrap();
    let mut got: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned())
        })
        .collect();
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    assert_eq!(s["hits"], want.len());
}

#[test]
fn knn_in_metres_after_projecting_wgs84_footprints() {
    // Wuhan lies in UTM zone 50N. The nearest footprints to a point inside a building are the
    // footprints covering it, at distance 0 (tile cuts split some buildings into overlapping
    // features); the next ones are metres away, not degrees.
    let polys = wuhan_polygons();
    let (_, poly) = polys.iter().find(|(_, p)| p.exterior().0.len() == 5).unwrap_or(&polys[0]);
    let c = &poly.exterior().0;
    let inside = [(c[0].x + c[2].x) / 2.0, (c[0].y + c[2].y) / 2.0];
    assert!(poly.contains(&Point::new(inside[0], inside[1])), "test point must be inside");
    let covering: Vec<&String> =
        polys.iter().filter(|(_, p)| p.intersects(&Point::new(inside[0], inside[1]))).map(|(id, _)| id).collect();
    let crs = city_core::Crs::from_epsg(32650).unwrap().with_axis_order(city_core::AxisOrder::EastNorth);
    let p = crs.from_geodetic(city_core::Geodetic::from_deg(inside[0], inside[1], 0.0)).unwrap();
    let dir = temp_dir("knn");
    let q = dir.join("q.csv");
    std::fs::write(&q, format!("x,y\n{},{}\n", p[0], p[1])).unwrap();
    let out_csv = dir.join("hits.csv");
    let k = covering.len() + 2;
    let out = citytwin(&[
        "query",
        "knn",
        "--k",
        &k.to_string(),
        "--crs",
        "EPSG:32650",
        "--objects",
        data("geojson/wuhan_buildings.geojson").to_str().unwrap(),
        "--queries",
        q.to_str().unwrap(),
        "--out",
        out_csv.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_csv).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), k);
    let d: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    for (r, &dist) in rows.iter().zip(&d).take(covering.len()) {
        assert_eq!(dist, 0.0, "{rows:?}");
        assert!(
            covering.iter().any(|id| id.as_str() == r[1]),
            "{} does not cover the point; covering: {covering:?}",
            r[1]
        );
    }
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?} not sorted");
    assert!(d[covering.len()] > 0.01 && d[k - 1] < 2_000.0, "{d:?}: metres, not degrees");
}

#[test]
fn bad_objects_and_queries_are_reported_with_file_line_and_field_and_skipped() {
    let dir = temp_dir("bad");
    let objects = dir.join("objects.csv");
    std::fs::write(
        &objects,
        "id,minx,miny,maxx,maxy\n\
         good1,0,0,10,10\n\
         nan,NaN,0,1,1\n\
         inf,0,0,inf,1\n\
         inverted,5,5,1,1\n\
         letters,0,zero,1,1\n\
         short,0,0\n\
         good2,20,20,30,30\n",
    )
    .unwrap();
    let queries = dir.join("windows.csv");
    std::fs::write(&queries, "minx,miny,maxx,maxy\n-1,-1,100,100\n9,9,8,8\n1,2,x,4\n").unwrap();
    let out =
        citytwin(&["query", "window", "--objects", objects.to_str().unwrap(), "--queries", queries.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    let o = objects.display().to_string();
    for needle in [
        format!("{o}: line 3: field `minx`: NaN is not a finite number"),
        format!("{o}: line 4: field `maxx`: inf is not a finite number"),
        format!("{o}: line 5: inverted box"),
        format!("{o}: line 6: field `miny`: \"zero\" is not a number"),
        format!("{o}: line 7: field `maxx`: missing"),
        format!("{}: line 3: inverted box", queries.display()),
        format!("{}: line 4: field `maxx`: \"x\" is not a number", queries.display()),
    ] {
        assert!(err.contains(&needle), "stderr lacks {needle:?}:\n{err}");
    }
    let s = summary(&out);
    assert_eq!((s["objects"].as_u64(), s["skipped_objects"].as_u64()), (Some(2), Some(5)));
    assert_eq!((s["queries"].as_u64(), s["skipped_queries"].as_u64(), s["hits"].as_u64()), (Some(1), Some(2), Some(2)));
}

#[test]
fn bad_polygons_geojson_and_arguments_get_clear_errors() {
    let dir = temp_dir("badpoly");
    let objects = dir.join("objects.csv");
    std::fs::write(&objects, "id,wkt\nopen,\"POLYGON((0 0,1 0,1 1,0 1))\"\nempty,POLYGON EMPTY\nline,\"LINESTRING(0 0,1 1)\"\nok,\"POLYGON((0 0,1 0,1 1,0 1,0 0))\"\n").unwrap();
    let q = dir.join("pts.csv");
    std::fs::write(&q, "x,y\n0.5,0.5\n").unwrap();
    let out =
        citytwin(&["query", "contains", "--objects", objects.to_str().unwrap(), "--queries", q.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("line 2: field `wkt`: ring is not closed"), "{err}");
    assert!(err.contains("line 3: field `wkt`: empty polygon"), "{err}");
    assert!(err.contains("line 4: field `wkt`: expected a POLYGON or MULTIPOLYGON"), "{err}");
    assert_eq!(summary(&out)["hits"], 1);

    // k = 0, unknown EPSG, missing columns, broken JSON: errors that stop the run, named.
    let k0 = citytwin(&[
        "query",
        "knn",
        "--k",
        "0",
        "--objects",
        objects.to_str().unwrap(),
        "--queries",
        q.to_str().unwrap(),
    ]);
    assert!(!k0.status.success() && String::from_utf8_lossy(&k0.stderr).contains("--k must be at least 1"));
    let epsg = citytwin(&[
        "query",
        "knn",
        "--crs",
        "EPSG:999999",
        "--objects",
        objects.to_str().unwrap(),
        "--queries",
        q.to_str().unwrap(),
    ]);
    assert!(
        !epsg.status.success() && String::from_utf8_lossy(&epsg.stderr).contains("unknown CRS EPSG:999999"),
        "{}",
        String::from_utf8_lossy(&epsg.stderr)
    );
    let cols = citytwin(&["query", "within", "--objects", objects.to_str().unwrap(), "--queries", q.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&cols.stderr);
    assert!(!cols.status.success() && e.contains("line 1: the header has no `radius` column"), "{e}");
    let broken = dir.join("broken.geojson");
    std::fs::write(&broken, "{\"type\":\"FeatureCollection\",\n\"features\":[{\"type\":\"Feature\",]}").unwrap();
    let j = citytwin(&["query", "contains", "--objects", broken.to_str().unwrap(), "--queries", q.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&j.stderr);
    assert!(!j.status.success() && e.contains(&format!("{}: line 2, column", broken.display())), "{e}");
    let unclosed = dir.join("unclosed.geojson");
    std::fs::write(&unclosed, r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]},"properties":{}}]}"#).unwrap();
    let u = citytwin(&["query", "contains", "--objects", unclosed.to_str().unwrap(), "--queries", q.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&u.stderr);
    assert!(u.status.success() && e.contains("feature 1 (id \"a\"): field `coordinates`: ring is not closed"), "{e}");
    assert_eq!(summary(&u)["objects"], 0);

    // Heights that are not finite numbers, and z ranges upside down, are skipped, not fatal.
    let heights = dir.join("heights.geojson");
    let square = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;
    std::fs::write(
        &heights,
        format!(
            r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","id":"nan","geometry":{square},"properties":{{"height":"NaN"}}}},
            {{"type":"Feature","id":"text","geometry":{square},"properties":{{"height":"tall"}}}},
            {{"type":"Feature","id":"upside","geometry":{square},"properties":{{"height":3,"min_height":9}}}},
            {{"type":"Feature","id":"ok","geometry":{square},"properties":{{"height":"12.5"}}}}]}}"#
        ),
    )
    .unwrap();
    let h = citytwin(&["query", "contains", "--objects", heights.to_str().unwrap(), "--queries", q.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&h.stderr);
    assert!(h.status.success(), "{e}");
    assert!(e.contains("feature 1 (id \"nan\"): field `height`: \"NaN\" is not a finite number"), "{e}");
    assert!(e.contains("feature 2 (id \"text\"): field `height`"), "{e}");
    assert!(e.contains("feature 3 (id \"upside\"): field `height`: min_height 9 is above height 3"), "{e}");
    assert_eq!((summary(&h)["objects"].as_u64(), summary(&h)["hits"].as_u64()), (Some(1), Some(1)));
    let zcsv = dir.join("z.csv");
    std::fs::write(&zcsv, "id,wkt,minz,maxz\nflipped,\"POLYGON((0 0,1 0,1 1,0 0))\",9,3\n").unwrap();
    let z = citytwin(&["query", "contains", "--objects", zcsv.to_str().unwrap(), "--queries", q.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&z.stderr);
    assert!(z.status.success() && e.contains("line 2: field `minz`: minz 9 is above maxz 3"), "{e}");
}

#[test]
fn generated_city_answers_the_same_on_one_and_two_threads() {
    let dir = temp_dir("gen");
    let g = citytwin(&["generate", "--objects", "20000", "--queries", "2000", "-o", dir.to_str().unwrap()]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out_csv = dir.join(format!("hits{threads}.csv"));
        let o = citytwin(&[
            "query",
            "window",
            "--objects",
            dir.join("objects.csv").to_str().unwrap(),
            "--queries",
            dir.join("windows.csv").to_str().unwrap(),
            "--threads",
            threads,
            "--out",
            out_csv.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let s = summary(&o);
        assert_eq!((s["objects"].as_u64(), s["queries"].as_u64()), (Some(20_000), Some(2_000)));
        assert!(s["hits"].as_u64().unwrap() > 2_000, "windows over a clustered city hit something");
        outputs.push(std::fs::read_to_string(out_csv).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
}

/// Issue 17: an unterminated quote costs its own line, not the rest of the file. 1,000 objects,
/// line 6 with a quote that never closes: 999 are kept, and the message names line 6.
#[test]
fn an_unterminated_quote_costs_its_line_only() {
    let dir = temp_dir("quote");
    let objects = dir.join("objects.csv");
    let mut text = String::from("id,minx,miny,maxx,maxy\n");
    for i in 0..1000 {
        let x = f64::from(i) * 10.0;
        if i == 4 {
            text.push_str(&format!("\"broken,{x},0,{},5\n", x + 5.0));
        } else {
            text.push_str(&format!("b{i},{x},0,{},5\n", x + 5.0));
        }
    }
    std::fs::write(&objects, text).unwrap();
    let queries = dir.join("windows.csv");
    std::fs::write(&queries, "minx,miny,maxx,maxy\n-1,-1,100000,100\n").unwrap();
    let out =
        citytwin(&["query", "window", "--objects", objects.to_str().unwrap(), "--queries", queries.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("{}: line 6: a quote opened on this line", objects.display())), "{err}");
    let s = summary(&out);
    assert_eq!(s["objects"].as_u64(), Some(999), "{s}");
    assert_eq!(s["hits"].as_u64(), Some(999), "{s}");
}
