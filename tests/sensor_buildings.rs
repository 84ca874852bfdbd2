//! Sensors joined to the buildings of a tileset imported from real data (Helsinki's OSM
//! extract, through `citytwin import`): the building the viewer names for each sensor is one
//! whose OSM footprint holds it, checked by brute force over the input footprints, and a sensor
//! in the street is in none.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::process::Command;

use city_core::{EnuFrame, Geodetic, ecef_from_geodetic};
use city_layers::{Datastream, IotLayer, Sensor};
use geo::{Contains, Coord, MapCoords, MultiPolygon, Point};

/// Distance from `p` to the nearest edge of `mp`, metres.
fn edge_distance(mp: &MultiPolygon<f64>, p: [f64; 2]) -> f64 {
    let seg = |a: Coord<f64>, b: Coord<f64>| {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let t = (((p[0] - a.x) * dx + (p[1] - a.y) * dy) / (dx * dx + dy * dy).max(1e-18)).clamp(0.0, 1.0);
        ((a.x + t * dx - p[0]).powi(2) + (a.y + t * dy - p[1]).powi(2)).sqrt()
    };
    mp.0.iter()
        .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
        .flat_map(|ring| ring.lines().map(|l| seg(l.start, l.end)))
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn sensors_land_in_the_buildings_that_hold_them() {
    let pbf = city_core::shared_data_file("osm/Helsinki.osm.pbf").unwrap_or_else(|e| panic!("{e}"));
    let out = std::env::temp_dir().join(format!("citytwin-sensor-buildings-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", pbf.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "import: {}", String::from_utf8_lossy(&o.stderr));

    // The input's footprints (lon/lat), read here, in a local frame of their own.
    let imp = cim_import::Format::OsmPbf.read_all(&pbf, &Default::default()).unwrap();
    let first = imp.objects[0].object.footprint.0[0].exterior().0[0];
    let frame = EnuFrame::at(Geodetic::from_deg(first.x, first.y, 0.0));
    let local = |lon: f64, lat: f64| {
        let e = frame.enu_from_ecef(ecef_from_geodetic(Geodetic::from_deg(lon, lat, 0.0)));
        [e[0], e[1]]
    };
    let footprints: Vec<(String, MultiPolygon<f64>)> = imp
        .objects
        .iter()
        .map(|o| {
            let fp = o.object.footprint.map_coords(|c| {
                let p = local(c.x, c.y);
                Coord { x: p[0], y: p[1] }
            });
            (o.object.id.clone(), fp)
        })
        .collect();
    // Sensors: the vertex average of every building (inside most), and a grid (mostly streets).
    let mut places: Vec<Geodetic> = imp
        .objects
        .iter()
        .map(|o| {
            let ring = &o.object.footprint.0[0].exterior().0;
            let n = (ring.len() - 1) as f64;
            let x = ring[..ring.len() - 1].iter().map(|c| c.x).sum::<f64>() / n;
            let y = ring[..ring.len() - 1].iter().map(|c| c.y).sum::<f64>() / n;
            Geodetic::from_deg(x, y, 0.0)
        })
        .collect();
    for i in 0..30 {
        for j in 0..30 {
            places.push(Geodetic::from_deg(
                first.x - 0.01 + i as f64 * 0.0007,
                first.y - 0.005 + j as f64 * 0.0004,
                0.0,
            ));
        }
    }
    let sensors: Vec<Sensor> = places
        .iter()
        .enumerate()
        .map(|(i, g)| Sensor {
            id: format!("s{i}"),
            name: format!("s{i}"),
            location: *g,
            datastreams: vec![Datastream { id: format!("s{i}"), observed_property: "t".into(), unit: "Cel".into() }],
        })
        .collect();
    let mut layer = IotLayer::new(sensors, vec![]).unwrap();
    let got = citytwin::sensor_buildings::sensor_buildings(&mut layer, &out).unwrap();
    assert_eq!(got.len(), places.len());

    let (mut inside, mut edge) = (0, 0);
    for (g, answer) in places.iter().zip(&got) {
        let p = local(g.lon_deg, g.lat_deg);
        let holders: Vec<&str> = footprints
            .iter()
            .filter(|(_, fp)| fp.contains(&Point::new(p[0], p[1])))
            .map(|(id, _)| id.as_str())
            .collect();
        let near_edge = footprints.iter().any(|(_, fp)| edge_distance(fp, p) < 0.05);
        match answer {
            Some(id) if holders.contains(&id.as_str()) => inside += 1,
            None if holders.is_empty() => {}
            _ if near_edge => edge += 1,
            other => panic!("sensor at {g:?}: joined to {other:?}, held by {holders:?}"),
        }
    }
    assert!(inside > 400, "{inside} of {} sensors found in their building", places.len());
    assert!(edge < 5, "{edge} sensors within 5 cm of an edge disagreed");
    std::fs::remove_dir_all(&out).unwrap();
}
