//! The sensor layer in a headless Bevy app (no window, no GPU): the simulator's ticks become
//! one marker mesh of four vertices per sensor whose colours follow the values; alarms put the
//! buildings holding the sensors into the feature colours; the layer toggle hides the markers;
//! an unreachable broker at start-up leaves the app running and its feed line says "down,
//! retrying".
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use city_bevy::iot_state::{IotStart, IotState};
use city_bevy::sensor_markers::{MARKER_VERTICES, SensorMarkers};
use city_bevy::viewer_state::FeatureColors;
use city_bevy::{SensorsPlugin, ViewerBasePlugin};
use city_core::Geodetic;
use city_layers::{AlarmRule, Direction, IotLayer, MqttSettings, Sensor};

/// `n` temperature sensors, 100 a row, 50 m apart.
fn sensors(n: usize) -> Vec<Sensor> {
    let at = |i: usize| Geodetic::from_deg(113.5 + (i % 100) as f64 * 5e-4, 22.2 + (i / 100) as f64 * 5e-4, 0.0);
    (0..n).map(|i| Sensor::single(&format!("t{i}"), at(i), "air_temperature", "Cel")).collect()
}

fn app(start: IotStart) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<Mesh>().init_asset::<StandardMaterial>();
    // The feeds start with the first update (a start-up system).
    app.add_plugins((ViewerBasePlugin, SensorsPlugin(start)));
    app
}

fn start(layer: IotLayer, containers: Vec<Option<String>>) -> IotStart {
    IotStart { layer, containers, simulator: true, replay: None, mqtt: None, error: None, selected: None }
}

fn update_until(app: &mut App, what: &str, done: impl Fn(&mut App) -> bool) {
    let t = Instant::now();
    while !done(app) {
        assert!(t.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The marker chunks' meshes.
fn marker_meshes(app: &mut App) -> Vec<Mesh> {
    let world = app.world_mut();
    let handles: Vec<Handle<Mesh>> =
        world.query_filtered::<&Mesh3d, With<SensorMarkers>>().iter(world).map(|m| m.0.clone()).collect();
    handles.iter().filter_map(|h| world.resource::<Assets<Mesh>>().get(h).cloned()).collect()
}

#[test]
fn markers_are_chunked_meshes_coloured_by_value_and_alarms_restyle_their_buildings() {
    let n = 1_000;
    // Every tenth sensor is in a building; the alarm rule fires for any temperature.
    let containers: Vec<Option<String>> = (0..n).map(|i| (i % 10 == 0).then(|| format!("b{}", i / 10))).collect();
    let rule = AlarmRule::new("air_temperature", Direction::Above, -100.0, -110.0).unwrap();
    let layer = IotLayer::new(sensors(n), vec![rule]).unwrap();
    let mut app = app(start(layer, containers));
    update_until(&mut app, "the marker meshes", |a| !marker_meshes(a).is_empty());
    let meshes = marker_meshes(&mut app);
    // 100 x 10 sensors 50 m apart: 5 km x 0.5 km, in 1 km chunks.
    assert!((5..=12).contains(&meshes.len()), "{} chunks", meshes.len());
    assert_eq!(meshes.iter().map(Mesh::count_vertices).sum::<usize>(), n * MARKER_VERTICES);
    let indices: usize = meshes.iter().map(|m| m.indices().unwrap().len()).sum();
    assert_eq!(indices, n * 3 * city_bevy::sensor_markers::MARKER_TRIANGLES);
    update_until(&mut app, "the buildings in alarm", |a| a.world().resource::<FeatureColors>().alarmed.len() == 100);
    let alarmed = app.world().resource::<FeatureColors>().alarmed.clone();
    assert!(alarmed.windows(2).all(|w| w[0] < w[1]), "sorted, for binary search");
    assert!(alarmed.contains(&"b0".to_owned()) && alarmed.contains(&"b99".to_owned()));

    let world = app.world_mut();
    let shown =
        world.query_filtered::<&Visibility, With<SensorMarkers>>().iter(world).all(|v| *v == Visibility::Inherited);
    assert!(shown, "without a camera every chunk is near enough to show");

    // The toggles: markers hidden, buildings back to their style.
    {
        let mut s = app.world_mut().resource_mut::<IotState>();
        s.visible = false;
        s.restyle_buildings = false;
    }
    app.update();
    let world = app.world_mut();
    let vis: Vec<Visibility> =
        world.query_filtered::<&Visibility, With<SensorMarkers>>().iter(world).copied().collect();
    assert!(!vis.is_empty() && vis.iter().all(|v| *v == Visibility::Hidden), "{vis:?}");
    assert!(app.world().resource::<FeatureColors>().alarmed.is_empty());
}

#[test]
fn values_colour_the_markers_and_a_dead_broker_shows_as_retrying() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mqtt = MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: "headless".into(),
        topics: vec!["#".into()],
        credentials: None,
        tls_ca: None,
        websocket_url: None,
    };
    let layer = IotLayer::new(sensors(50), vec![]).unwrap();
    let mut app = app(IotStart { mqtt: Some(mqtt), ..start(layer, Vec::new()) });
    update_until(&mut app, "the marker meshes", |a| !marker_meshes(a).is_empty());
    update_until(&mut app, "the refusal", |a| {
        a.world().resource::<IotState>().live.status().mqtt.is_some_and(|m| m.last_error.is_some())
    });
    let line = app.world().resource::<IotState>().live.status().feed_line();
    assert!(line.contains("MQTT down, retrying"), "{line}");
    // The simulator's values, not the grey of "no value": temperatures on the ramp.
    update_until(&mut app, "coloured markers", |a| {
        let meshes = marker_meshes(a);
        !meshes.is_empty()
            && meshes.iter().all(|m| match m.attribute(Mesh::ATTRIBUTE_COLOR) {
                Some(bevy::mesh::VertexAttributeValues::Float32x4(c)) => c.iter().all(|c| *c != [0.5, 0.5, 0.5, 1.0]),
                _ => false,
            })
    });
}
