//! The MQTT feed against a real Mosquitto broker (Debian's `mosquitto`, started here on a free
//! loopback port; `.ci/run` installs it): observations change state and alarms; malformed
//! payloads are counted and nothing else is lost; the broker is stopped and restarted mid-stream
//! and the feed reconnects, resubscribes and goes on with its state kept. Prints the latency
//! from publish to arrival (p50, p99) and the rate through the broker.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use city_core::Geodetic;
use city_layers::{AlarmRule, Datastream, Direction, FeedEvent, IotLayer, MqttFeed, MqttSettings, Sensor};

fn mosquitto() -> &'static str {
    for p in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"] {
        if std::path::Path::new(p).exists() {
            return p;
        }
    }
    panic!("mosquitto is not installed: apt install mosquitto mosquitto-clients (.ci/run does)");
}

/// A broker on `port`, up and accepting connections.
fn broker(port: u16) -> Child {
    let child = Command::new(mosquitto())
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "mosquitto did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn publish(port: u16, topic: &str, payload: &str) {
    let o = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", topic, "-m", payload])
        .output()
        .unwrap();
    assert!(o.status.success(), "mosquitto_pub: {}", String::from_utf8_lossy(&o.stderr));
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn wait_for(feed: &mut MqttFeed, layer: &mut IotLayer, what: &str, done: impl Fn(&IotLayer, &MqttFeed) -> bool) {
    let start = Instant::now();
    while !done(layer, feed) {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}: {:?}", feed.status);
        feed.drain(layer);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn state_and_alarms_survive_bad_payloads_and_a_broker_restart() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut b = broker(port);
    let sensors: Vec<Sensor> = (0..100)
        .map(|i| Sensor {
            id: format!("river-{i}"),
            name: format!("river gauge {i}"),
            location: Geodetic::from_deg(113.57, 22.27, 0.0),
            datastreams: vec![Datastream {
                id: format!("river-{i}"),
                observed_property: "water_level".into(),
                unit: "m".into(),
            }],
        })
        .collect();
    let rule = AlarmRule::new("water_level", Direction::Above, 3.0, 2.5).unwrap();
    let mut layer = IotLayer::new(sensors, vec![rule]).unwrap();
    let mut feed = MqttFeed::start(MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: format!("citytwin-test-{}", std::process::id()),
        topics: vec!["city/#".into(), "v1.1/+/Observations".into()],
        credentials: None,
    });
    wait_for(&mut feed, &mut layer, "the first connection", |_, f| f.status.connected);

    publish(
        port,
        "v1.1/Datastreams(river-7)/Observations",
        r#"{"phenomenonTime":"2026-11-30T06:00:00Z","result":3.2}"#,
    );
    wait_for(&mut feed, &mut layer, "the alarm", |l, _| l.alarm("river-7"));
    // Malformed payloads: counted, logged, nothing else changes.
    publish(port, "city/river", "{not json");
    publish(port, "city/river", r#"{"sensor":"river-7","t":1,"value":"high"}"#);
    publish(port, "city/river", r#"{"sensor":"nowhere","t":1,"value":1}"#);
    publish(port, "city/river", &format!(r#"{{"sensor":"river-7","t":1,"value":1,"pad":"{}"}}"#, "x".repeat(70_000)));
    publish(port, "city/river", r#"{"sensor":"river-8","t":1764482400000,"value":1.0}"#);
    wait_for(&mut feed, &mut layer, "the good payload after the bad ones", |l, _| {
        l.state("river-8").is_some_and(|s| s.count == 1)
    });
    assert_eq!((layer.counts.malformed, layer.counts.unknown), (3, 1), "{:?}", layer.recent_errors);
    assert!(layer.alarm("river-7"), "bad payloads must not clear the alarm");

    // The broker goes away and comes back on the same port.
    b.kill().unwrap();
    b.wait().unwrap();
    wait_for(&mut feed, &mut layer, "the disconnect", |_, f| !f.status.connected);
    let mut b = broker(port);
    wait_for(&mut feed, &mut layer, "the reconnection", |_, f| f.status.connected && f.status.connections >= 2);
    publish(
        port,
        "v1.1/Datastreams(river-7)/Observations",
        r#"{"phenomenonTime":"2026-11-30T06:05:00Z","result":2.4}"#,
    );
    wait_for(&mut feed, &mut layer, "the clear after the restart", |l, _| !l.alarm("river-7"));
    assert_eq!(layer.state("river-7").unwrap().count, 2, "the state from before the restart is kept");

    // Latency and rate through the broker: 2,000 observations in one mosquitto_pub session.
    let mut pubber = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "city/river", "-l"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let n = 2_000;
    let start = Instant::now();
    {
        let stdin = pubber.stdin.as_mut().unwrap();
        for i in 0..n {
            writeln!(stdin, r#"{{"sensor":"river-{}","t":{},"value":1.0}}"#, i % 100, now_ms()).unwrap();
        }
    }
    drop(pubber.stdin.take());
    let mut latencies = Vec::new();
    while latencies.len() < n {
        match feed.next_event(Duration::from_secs(20)) {
            Some(FeedEvent::Message { payload, .. }) => {
                let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
                latencies.push(now_ms() - v["t"].as_i64().unwrap());
                layer.ingest("city/river", &payload);
            }
            Some(_) => {}
            None => panic!("only {} of {n} messages arrived", latencies.len()),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    pubber.wait().unwrap();
    latencies.sort();
    let (p50, p99) = (latencies[n / 2], latencies[n * 99 / 100]);
    println!(
        "through mosquitto: {n} observations in {secs:.2} s ({:.0}/s); publish-to-arrival p50 {p50} ms, p99 {p99} ms",
        n as f64 / secs
    );
    assert!(p99 < 2_000, "p99 {p99} ms");
    b.kill().unwrap();
    b.wait().unwrap();
}
