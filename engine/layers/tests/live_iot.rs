//! The live layer's feed thread: the simulator's observations reach the layer and the owner's
//! views every tick; an unreachable broker at start-up leaves the feed down and retrying, with
//! the reason, while the rest of the layer works.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::time::{Duration, Instant};

use city_core::Geodetic;
use city_layers::{Feeds, IotLayer, LiveIot, MqttFeed, MqttSettings, Sensor, Simulator};

fn sensors(n: usize) -> Vec<Sensor> {
    let at = |i: usize| Geodetic::from_deg(113.5 + i as f64 * 1e-4, 22.2, 0.0);
    (0..n).map(|i| Sensor::single(&format!("t{i}"), at(i), "air_temperature", "Cel")).collect()
}

fn wait<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_simulator_feeds_the_layer_off_the_owners_thread() {
    let s = sensors(500);
    let layer = IotLayer::new(s.clone(), vec![]).unwrap();
    let feeds = Feeds { simulator: Some(Simulator::new(&s, 7)), ..Default::default() };
    let live = LiveIot::start(layer, feeds, Duration::from_millis(50), |l: &IotLayer, tick| (tick, l.counts.applied));
    let (tick, applied) = wait("two ticks", || live.latest().filter(|(t, _)| *t >= 2));
    assert_eq!(applied, tick * 500, "every datastream once a tick");
    assert!(live.layer().state("t499").unwrap().last().is_some());
    let status = live.status();
    assert!(status.simulator && status.mqtt.is_none() && status.ticks >= 2, "{status:?}");
    assert_eq!(status.feed_line(), "feed: built-in simulator");
}

#[test]
fn an_unreachable_broker_shows_as_down_and_retrying() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mqtt = MqttFeed::start(MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: "live-test".into(),
        topics: vec!["#".into()],
        credentials: None,
        tls_ca: None,
        websocket_url: None,
    });
    let s = sensors(10);
    let layer = IotLayer::new(s.clone(), vec![]).unwrap();
    let feeds = Feeds { simulator: Some(Simulator::new(&s, 7)), mqtt: Some(mqtt), ..Default::default() };
    let live = LiveIot::start(layer, feeds, Duration::from_millis(50), |_: &IotLayer, tick| tick);
    let status =
        wait("the refusal", || Some(live.status()).filter(|s| s.mqtt.as_ref().is_some_and(|m| m.last_error.is_some())));
    let line = status.feed_line();
    assert!(line.contains("MQTT down, retrying") && line.contains("built-in simulator"), "{line}");
    assert!(!status.mqtt.unwrap().connected);
    wait("ticks go on", || live.latest().filter(|t| *t >= 3));
    assert!(live.layer().counts.applied >= 30, "the simulator's sensors still update");
}
