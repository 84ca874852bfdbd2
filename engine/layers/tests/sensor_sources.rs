//! Sensors and series from files: the Hong Kong car parks written out as a SensorThings `Things`
//! answer and as GeoJSON read back to the same sensors; NOAA's recorded temperatures replayed
//! value for value; broken files named with the place that is wrong.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};

use city_layers::{Datastream, Replay, Sensor, read_hk_car_parks, read_sensor_file, read_series_csv};
use serde_json::json;

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citytwin-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn car_parks() -> Vec<Sensor> {
    let dir = data("iot/hk-parking-vacancy");
    read_hk_car_parks(&dir.join("basic_info_all.json"), &dir.join("vacancy_all.json")).unwrap().0
}

#[test]
fn the_hk_car_parks_round_trip_through_sensorthings_and_geojson() {
    let parks = car_parks();
    assert!(parks.len() > 400, "{} car parks", parks.len());
    let dir = temp_dir("sensor-files");
    // As a SensorThings server answers `Things?$expand=Locations,Datastreams($expand=ObservedProperty)`.
    let things: Vec<_> = parks
        .iter()
        .map(|p| {
            json!({
                "@iot.id": p.id, "name": p.name,
                "Locations": [{"location": {"type": "Point", "coordinates": [p.location.lon_deg, p.location.lat_deg]}}],
                "Datastreams": p.datastreams.iter().map(|d| json!({
                    "@iot.id": d.id, "unitOfMeasurement": {"symbol": d.unit},
                    "ObservedProperty": {"name": d.observed_property.replace('_', " ").to_uppercase()},
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let st = dir.join("things.json");
    std::fs::write(&st, json!({ "value": things }).to_string()).unwrap();
    let back = read_sensor_file(&st).unwrap();
    assert_eq!(back, parks, "SensorThings round trip");

    let features: Vec<_> = parks
        .iter()
        .map(|p| {
            let d = &p.datastreams[0];
            json!({"type": "Feature", "id": p.id,
                "geometry": {"type": "Point", "coordinates": [p.location.lon_deg, p.location.lat_deg]},
                "properties": {"name": p.name, "datastream": d.id, "observed_property": d.observed_property, "unit": d.unit}})
        })
        .collect();
    let gj = dir.join("parks.geojson");
    std::fs::write(&gj, json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    let back = read_sensor_file(&gj).unwrap();
    assert_eq!(back.len(), parks.len());
    for (a, b) in back.iter().zip(&parks) {
        assert_eq!((&a.id, &a.name, a.location, &a.datastreams[0]), (&b.id, &b.name, b.location, &b.datastreams[0]));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn broken_sensor_files_name_the_file_and_the_entry() {
    let dir = temp_dir("sensor-files-bad");
    let cases = [
        ("a.json", "{\"value\": [".to_owned(), "not JSON"),
        ("b.json", json!({"hello": 1}).to_string(), "neither a GeoJSON"),
        (
            "c.geojson",
            json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.5, 22.2]}, "properties": {"id": "ok", "kind": "noise"}},
                {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "properties": {"id": "s2", "kind": "noise"}}]})
            .to_string(),
            "features[1] (s2): geometry is not a Point",
        ),
        (
            "d.geojson",
            json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.5, 22.2]}, "properties": {"id": "s1", "kind": "humidty"}}]})
            .to_string(),
            "features[0] (s1): unknown kind \"humidty\"",
        ),
        (
            "e.json",
            json!({"value": [{"@iot.id": 7, "Locations": [{"location": {"type": "Point", "coordinates": [113.5, 22.2]}}]}]})
                .to_string(),
            "value[0] (Thing 7): no Datastreams",
        ),
    ];
    for (name, text, expect) in cases {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let e = read_sensor_file(&p).unwrap_err().to_string();
        assert!(e.contains(name) && e.contains(expect), "{name}: {e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The recorded hourly values of a Vega/NOAA CSV, read here independently: (date text, degrees F).
fn recorded(path: &Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (ti, vi) =
        (header.iter().position(|h| *h == "date").unwrap(), header.iter().position(|h| *h == "temp").unwrap());
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[ti].to_owned(), c[vi].parse().unwrap())
        })
        .collect()
}

#[test]
fn noaa_series_replay_as_recorded() {
    let dir = data("iot/noaa-temps-vega");
    let seattle = recorded(&dir.join("seattle-temps.csv"));
    let series = read_series_csv(&dir.join("seattle-temps.csv")).unwrap();
    assert_eq!(series.len(), 1, "one numeric column");
    assert_eq!((series[0].property.as_str(), series[0].points.len()), ("air_temperature", seattle.len()));
    assert!((series[0].points[0].1 - (seattle[0].1 - 32.0) / 1.8).abs() < 1e-9, "F to C");
    assert_eq!(series[0].points[1].0 - series[0].points[0].0, 3_600_000, "hourly");

    let mut replay = Replay::read_dir(&dir).unwrap();
    // seattle-temps (temp), sf-temps (temp), seattle-weather (precipitation, temp_max, temp_min, wind).
    assert_eq!(replay.series.iter().filter(|s| s.property == "air_temperature").count(), 2);
    let sensor = |id: &str, property: &str| Sensor {
        id: id.into(),
        name: id.into(),
        location: city_core::Geodetic::from_deg(113.5, 22.2, 0.0),
        datastreams: vec![Datastream { id: id.into(), observed_property: property.into(), unit: "Cel".into() }],
    };
    let sensors = [
        sensor("a", "air_temperature"),
        sensor("b", "air_temperature"),
        sensor("c", "air_temperature"),
        sensor("p", "vacancy"),
    ];
    let taken = replay.assign(&sensors);
    assert_eq!(taken, ["a", "b", "c"], "no recorded vacancy series: p stays with the simulator");
    let t0 = 1_800_000_000_000;
    let first = replay.observe(t0);
    assert_eq!(first.len(), 3);
    // a: Seattle from its first hour; b: San Francisco; c: Seattle a week in.
    let sf = recorded(&dir.join("sf-temps.csv"));
    let c_of = |f: f64| (f - 32.0) / 1.8;
    let expect = [c_of(seattle[0].1), c_of(sf[0].1), c_of(seattle[7 * 24].1)];
    for (o, e) in first.iter().zip(expect) {
        assert!((o.result - e).abs() < 1e-9, "{}: {} vs {e}", o.datastream, o.result);
        assert_eq!(o.time_ms, t0, "played at the wall-clock time");
    }
    assert!(replay.observe(t0 + 500).is_empty(), "half an hour of record: no new sample yet");
    let next = replay.observe(t0 + 1_000);
    assert_eq!(next.len(), 3, "an hour of record per second");
    assert!((next[0].result - c_of(seattle[1].1)).abs() < 1e-9);
}

#[test]
fn a_broken_series_names_its_file_and_line() {
    let dir = temp_dir("replay-bad");
    std::fs::write(dir.join("x.csv"), "date,temp\n2010/01/01 00:00,39.4\nyesterday,40\n").unwrap();
    let e = Replay::read_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("x.csv") && e.contains("line 3"), "{e}");
    std::fs::write(dir.join("x.csv"), "when,temp\n").unwrap();
    assert!(Replay::read_dir(&dir).unwrap_err().to_string().contains("no time column"));
    std::fs::remove_file(dir.join("x.csv")).unwrap();
    assert!(Replay::read_dir(&dir).unwrap_err().to_string().contains("no CSV series"));
    std::fs::remove_dir_all(&dir).unwrap();
}
