//! The real Hong Kong car-park feed through the IoT layer: every car park a sensor, the
//! vacancy file's observations applied, an alarm when a car park fills (with hysteresis), and
//! bad payloads counted without losing state.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::PathBuf;

use city_layers::{AlarmRule, Direction, IotLayer, read_hk_car_parks};
use serde_json::Value;

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn car_parks_become_sensors_and_their_vacancies_state_and_alarms() {
    let (info, vac) =
        (data("iot/hk-parking-vacancy/basic_info_all.json"), data("iot/hk-parking-vacancy/vacancy_all.json"));
    let (sensors, observations) = read_hk_car_parks(&info, &vac).unwrap();
    // Counted independently from the raw file.
    let raw: Value =
        serde_json::from_str(std::fs::read_to_string(&info).unwrap().trim_start_matches('\u{feff}')).unwrap();
    assert_eq!(sensors.len(), raw["car_park"].as_array().unwrap().len());
    let raw_vac: Value =
        serde_json::from_str(std::fs::read_to_string(&vac).unwrap().trim_start_matches('\u{feff}')).unwrap();
    let known: usize = raw_vac["car_park"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["vehicle_type"].as_array().unwrap().iter())
        .flat_map(|t| t["service_category"].as_array().unwrap().iter())
        .filter(|c| c["vacancy"].as_f64().unwrap_or(-1.0) >= 0.0)
        .count();
    assert_eq!(observations.len(), known);
    assert!(
        sensors
            .iter()
            .all(|s| (22.0..23.0).contains(&s.location.lat_deg) && (113.8..114.5).contains(&s.location.lon_deg))
    );

    let full = AlarmRule::new("vacancy", Direction::Below, 0.0, 5.0).unwrap();
    let mut layer = IotLayer::new(sensors, vec![full]).unwrap();
    for o in &observations {
        layer.apply(o).unwrap();
    }
    assert_eq!(layer.counts.applied as usize, observations.len());
    let zero = observations
        .iter()
        .filter(|o| o.result == 0.0)
        .map(|o| o.datastream.clone())
        .collect::<std::collections::BTreeSet<_>>();
    let alarms: std::collections::BTreeSet<String> = layer.active_alarms().map(|(_, d)| d.to_owned()).collect();
    assert_eq!(alarms, zero, "full car parks (0 vacancies) alarm");

    // A live update over MQTT-style payloads: a full car park frees 3 spaces (still alarmed,
    // hysteresis), then 6 (cleared); garbage in between is counted and changes nothing.
    let ds = zero.iter().next().unwrap().clone();
    let topic = format!("v1.1/Datastreams({ds})/Observations");
    assert!(layer.ingest(&topic, br#"{"phenomenonTime":"2025-11-15T13:00:00Z","result":3}"#).is_none());
    assert!(layer.alarm(&ds));
    layer.ingest(&topic, b"{\"result\": oops");
    layer.ingest(&topic, br#"{"phenomenonTime":"2025-11-15T13:00:30Z","result":"many"}"#);
    layer.ingest("v1.1/Datastreams(nowhere)/Observations", br#"{"phenomenonTime":"2025-11-15T13:00:30Z","result":1}"#);
    let e = layer.ingest(&topic, br#"{"phenomenonTime":"2025-11-15T13:01:00Z","result":6}"#).unwrap();
    assert!(!e.raised && !layer.alarm(&ds));
    assert_eq!((layer.counts.malformed, layer.counts.unknown), (2, 1));
    assert_eq!(layer.state(&ds).unwrap().last().unwrap().1, 6.0);
    assert!(layer.recent_errors.iter().any(|e| e.contains("not JSON")), "{:?}", layer.recent_errors);
}

#[test]
fn a_scene_declares_sensors_sources_and_rules() {
    let dir = std::env::temp_dir().join(format!("citytwin-iot-scene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scene = dir.join("hk.toml");
    std::fs::write(
        &scene,
        format!(
            "name = \"HK\"\n[camera]\nlon_deg = 114.1\nlat_deg = 22.3\ndistance_m = 5000\n[iot]\n\
             hk_car_parks = [{:?}, {:?}]\n[[iot.sensors]]\nid = \"river-1\"\nkind = \"water_level\"\nlon_deg = 114.1\nlat_deg = 22.4\n\
             [[iot.rules]]\nkind = \"vacancy\"\nbelow = 0\nclear = 5\n[[iot.rules]]\nkind = \"water_level\"\nabove = 3\nclear = 2.5\n",
            data("iot/hk-parking-vacancy/basic_info_all.json"),
            data("iot/hk-parking-vacancy/vacancy_all.json")
        ),
    )
    .unwrap();
    let s = city_core::Scene::read(&scene).unwrap();
    let mut layer = IotLayer::from_scene(s.iot.as_ref().unwrap()).unwrap();
    let (parks, observations) = read_hk_car_parks(
        &data("iot/hk-parking-vacancy/basic_info_all.json"),
        &data("iot/hk-parking-vacancy/vacancy_all.json"),
    )
    .unwrap();
    assert_eq!(layer.sensors.len(), parks.len() + 1);
    assert_eq!(layer.counts.applied as usize, observations.len());
    assert!(layer.active_alarms().count() > 0, "full car parks alarm from the start");
    layer.ingest("city/river", br#"{"sensor":"river-1","t":1,"value":3.4}"#);
    assert!(layer.alarm("river-1"));
    std::fs::remove_dir_all(&dir).unwrap();
}
