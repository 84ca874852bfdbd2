//! The PLATEAU flood-risk extents of Numazu load as hazard zones: one per `wtr:WaterBody`, each
//! with every polygon of its surface, coordinates equal to a plain text scan of the `posList`s
//! (latitude first in EPSG:6697, so swapped), and its risk attributes; they become incidents.
//! Broken files: a posList whose length is not a multiple of its dimension is dropped with the
//! line and gml:id, an unknown CRS and a file that is not CityGML are errors naming the file.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use city_layers::{Incidents, read_plateau_flood};

fn numazu() -> std::path::PathBuf {
    city_core::shared_data_file("citygml/plateau/numazu-shi/udx/fld/52385721_fld_6697_l1_op.gml")
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Per `<wtr:WaterBody gml:id="...">`, its id and the numbers of each posList, by text scan.
fn scan(text: &str) -> Vec<(String, Vec<Vec<f64>>)> {
    text.split("<wtr:WaterBody gml:id=\"")
        .skip(1)
        .map(|chunk| {
            let id = chunk[..chunk.find('"').unwrap()].to_owned();
            let lists = chunk
                .split("<gml:posList>")
                .skip(1)
                .map(|p| {
                    p[..p.find("</gml:posList>").unwrap()].split_whitespace().map(|v| v.parse().unwrap()).collect()
                })
                .collect();
            (id, lists)
        })
        .collect()
}

#[test]
fn numazu_flood_extents_are_hazard_zones() {
    let path = numazu();
    let (zones, warnings) = read_plateau_flood(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let expected = scan(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(zones.len(), 3, "the data README lists 3 flood-extent polygons");
    assert_eq!(zones.len(), expected.len());
    for (z, (id, lists)) in zones.iter().zip(&expected) {
        assert_eq!(&z.id, id);
        assert_eq!(z.polygons.len(), lists.len(), "{id}");
        for (ring, list) in z.polygons.iter().zip(lists) {
            let want: Vec<[f64; 2]> = list.chunks(3).map(|p| [p[1], p[0]]).collect();
            assert_eq!(ring, &want, "{id}");
        }
        assert_eq!(z.kind, "river flood (L1)");
        assert!(z.attribute("rankOrg").is_some(), "{:?}", z.attributes);
    }
    let ranks: Vec<&str> = zones.iter().map(|z| z.attribute("rankOrg").unwrap()).collect();
    assert_eq!(ranks, ["1", "2", "1"]);

    let mut incidents = Incidents::default();
    incidents.add_hazards("numazu fld", &zones);
    assert_eq!(incidents.active.len(), 3);
    for (i, z) in incidents.active.iter().zip(&zones) {
        assert_eq!((i.zones.len(), i.source.1.as_str()), (z.polygons.len(), z.id.as_str()));
    }
    assert_eq!(incidents.active[1].severity, city_layers::Severity::Severe, "depth rank 2");
    assert!(incidents.log.last().unwrap().contains("3 zones"), "{:?}", incidents.log);
}

#[test]
fn broken_hazard_files_name_the_file_the_line_and_the_feature() {
    let text = std::fs::read_to_string(numazu()).unwrap();
    let dir = std::env::temp_dir().join(format!("citytwin-hazard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One coordinate dropped from the first posList: 3n - 1 values.
    let at = text.find("<gml:posList>").unwrap() + "<gml:posList>".len();
    let first_value_end = at + text[at..].find(' ').unwrap() + 1;
    let broken = format!("{}{}", &text[..at], &text[first_value_end..]);
    let line = text[..at].lines().count();
    let f = dir.join("short.gml");
    std::fs::write(&f, &broken).unwrap();
    let (zones, warnings) = read_plateau_flood(&f).unwrap();
    assert_eq!(zones.len(), 3, "the other polygons and zones stay");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert!(
        w.contains("short.gml")
            && w.contains(&format!("line {line}"))
            && w.contains("fld_30604215")
            && w.contains("multiple"),
        "{w}"
    );

    let f = dir.join("crs.gml");
    std::fs::write(&f, text.replace("EPSG/0/6697", "EPSG/0/25833")).unwrap();
    let e = read_plateau_flood(&f).unwrap_err().to_string();
    assert!(e.contains("crs.gml") && e.contains("25833"), "{e}");

    let f = dir.join("cap.gml");
    std::fs::write(&f, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>").unwrap();
    let e = read_plateau_flood(&f).unwrap_err().to_string();
    assert!(e.contains("cap.gml") && e.contains("not CityGML"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The importer's GeoJSON sidecar form, with what goes wrong in it: a point feature and an
/// unclosed ring are dropped with warnings naming the file and feature; the good zone keeps its
/// rank (the `uro:` prefix dropped) and its kind; a file that is not a FeatureCollection is an
/// error naming it.
#[test]
fn hazard_geojson_reads_zones_and_reports_broken_features() {
    let dir = std::env::temp_dir().join(format!("citytwin-hazard-geojson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(city_core::HAZARDS_FILE);
    std::fs::write(
        &path,
        r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"z1","geometry":{"type":"MultiPolygon","coordinates":[[[[138.1,35.1],[138.2,35.1],[138.2,35.2],[138.1,35.1]]]]},
  "properties":{"hazard":"river flood (L2)","uro:rankOrg":3}},
 {"type":"Feature","id":"p","geometry":{"type":"Point","coordinates":[138.1,35.1]},"properties":{}},
 {"type":"Feature","id":"open","geometry":{"type":"Polygon","coordinates":[[[138.1,35.1],[138.2,35.1],[138.2,35.2],[138.3,35.3]]]},"properties":{}}
]}"#,
    )
    .unwrap();
    // The tileset folder reads its sidecar.
    let (zones, warnings) = city_layers::read_hazards(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(zones.len(), 1);
    assert_eq!((zones[0].id.as_str(), zones[0].kind.as_str()), ("z1", "river flood (L2)"));
    assert_eq!(zones[0].attribute("rankOrg"), Some("3"));
    assert_eq!(zones[0].polygons[0].len(), 4);
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains("feature 2 (p)") && warnings[0].contains("Point"), "{warnings:?}");
    assert!(warnings[1].contains("feature 3 (open)") && warnings[1].contains("unclosed"), "{warnings:?}");
    let mut incidents = Incidents::default();
    incidents.add_hazards("tileset", &zones);
    assert_eq!(incidents.active[0].severity, city_layers::Severity::Extreme, "depth rank 3");

    std::fs::write(&path, r#"{"type":"Feature","geometry":null}"#).unwrap();
    let e = city_layers::read_hazards(&path).unwrap_err().to_string();
    assert!(e.contains(city_core::HAZARDS_FILE) && e.contains("FeatureCollection"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
