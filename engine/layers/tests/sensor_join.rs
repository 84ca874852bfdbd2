//! Sensors joined to the buildings of a city imported from real data (the Helsinki OSM
//! extract) through city_index give exactly the answer of a brute-force scan.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::PathBuf;

use city_core::{EnuFrame, Geodetic, ecef_from_geodetic};
use city_index::IndexBuilder;
use city_layers::{Datastream, IotLayer, Sensor};
use geo::{Coord, Intersects, MapCoords, MultiPolygon, Point};

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_index_join_matches_brute_force_on_helsinki() {
    let imp = cim_import::Format::OsmPbf.read_all(&data("osm/Helsinki.osm.pbf"), &Default::default()).unwrap();
    // Footprints in local metres around the extract's centre.
    let lons: Vec<f64> = imp
        .objects
        .iter()
        .flat_map(|o| o.object.footprint.0.iter().flat_map(|p| p.exterior().0.iter().map(|c| c.x)))
        .collect();
    let lats: Vec<f64> = imp
        .objects
        .iter()
        .flat_map(|o| o.object.footprint.0.iter().flat_map(|p| p.exterior().0.iter().map(|c| c.y)))
        .collect();
    let (lon0, lat0) = (lons.iter().sum::<f64>() / lons.len() as f64, lats.iter().sum::<f64>() / lats.len() as f64);
    let frame = EnuFrame::at(Geodetic::from_deg(lon0, lat0, 0.0));
    let project = |g: Geodetic| {
        let e = frame.enu_from_ecef(ecef_from_geodetic(Geodetic { height_m: 0.0, ..g }));
        [e[0], e[1]]
    };
    let local: Vec<MultiPolygon<f64>> = imp
        .objects
        .iter()
        .map(|o| {
            o.object.footprint.map_coords(|c| {
                let p = project(Geodetic::from_deg(c.x, c.y, 0.0));
                Coord { x: p[0], y: p[1] }
            })
        })
        .collect();
    let mut b = IndexBuilder::new();
    for fp in &local {
        b.push_footprint(fp.clone(), 0.0, 10.0).unwrap();
    }
    let index = b.build();
    // Sensors: one at the first vertex-average of every third building (inside or on the edge
    // of most), and a grid over the whole extract (mostly in the streets).
    let mut sensors = Vec::new();
    for (i, o) in imp.objects.iter().enumerate().step_by(3) {
        let ring = &o.object.footprint.0[0].exterior().0;
        let n = (ring.len() - 1) as f64;
        let (x, y) = (
            ring[..ring.len() - 1].iter().map(|c| c.x).sum::<f64>() / n,
            ring[..ring.len() - 1].iter().map(|c| c.y).sum::<f64>() / n,
        );
        sensors.push((format!("b{i}"), Geodetic::from_deg(x, y, 0.0)));
    }
    let (lo_lon, hi_lon) = lons.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (lo_lat, hi_lat) = lats.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    for i in 0..40 {
        for j in 0..40 {
            let g = Geodetic::from_deg(
                lo_lon + (hi_lon - lo_lon) * (i as f64 + 0.5) / 40.0,
                lo_lat + (hi_lat - lo_lat) * (j as f64 + 0.5) / 40.0,
                0.0,
            );
            sensors.push((format!("g{i}-{j}"), g));
        }
    }
    let sensors: Vec<Sensor> = sensors
        .into_iter()
        .map(|(id, location)| Sensor {
            datastreams: vec![Datastream { id: id.clone(), observed_property: "t".into(), unit: "Cel".into() }],
            name: id.clone(),
            id,
            location,
        })
        .collect();
    let mut layer = IotLayer::new(sensors, vec![]).unwrap();
    let joined = layer.join_to(&index, project).unwrap();
    // Brute force: every sensor against every footprint.
    let mut inside = 0;
    for (s, hits) in layer.sensors.iter().zip(&joined) {
        let p = project(s.location);
        let mut expected: Vec<u32> = local
            .iter()
            .enumerate()
            .filter(|(_, fp)| fp.intersects(&Point::new(p[0], p[1])))
            .map(|(i, _)| i as u32)
            .collect();
        let mut got = hits.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "sensor {}", s.id);
        inside += usize::from(!got.is_empty());
    }
    assert!(inside > 100 && inside < layer.sensors.len(), "{inside} of {} sensors in a building", layer.sensors.len());
    assert_eq!(layer.container(0), joined[0].iter().min().copied());
}
