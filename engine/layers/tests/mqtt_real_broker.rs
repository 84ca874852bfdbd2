//! The MQTT feed against a real Mosquitto broker (Debian's `mosquitto`, started here on a free
//! loopback port; `.ci/run` installs it): observations change state and alarms; malformed
//! payloads are counted and nothing else is lost; the broker is stopped and restarted mid-stream
//! and the feed reconnects, resubscribes and goes on with its state kept. Prints the latency
//! from publish to arrival (p50, p99) and the rate through the broker.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use city_core::{Geodetic, now_ms};
use city_layers::{AlarmRule, Direction, FeedEvent, IotLayer, MqttFeed, MqttSettings, Sensor};

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
    let at = Geodetic::from_deg(113.57, 22.27, 0.0);
    let sensors: Vec<Sensor> =
        (0..100).map(|i| Sensor::single(&format!("river-{i}"), at, "water_level", "m")).collect();
    let rule = AlarmRule::new("water_level", Direction::Above, 3.0, 2.5).unwrap();
    let mut layer = IotLayer::new(sensors, vec![rule]).unwrap();
    let mut feed = MqttFeed::start(MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: format!("citytwin-test-{}", std::process::id()),
        topics: vec!["city/#".into(), "v1.1/+/Observations".into()],
        credentials: None,
        tls_ca: None,
        websocket_url: None,
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

fn run(cmd: &str, args: &[&str], dir: &std::path::Path) {
    let o = Command::new(cmd).args(args).current_dir(dir).output().unwrap();
    assert!(o.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A scene's whole `[iot]` table against a broker that wants TLS and a password: sensors from a
/// GeoJSON file, a vendor payload read through a mapping, and a geofenced rule stricter than
/// the city-wide one. A wrong password leaves the feed down, saying why.
#[test]
fn tls_a_password_a_payload_mapping_and_a_geofence_through_a_real_broker() {
    let dir = std::env::temp_dir().join(format!("citytwin-mqtt-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A CA and a server certificate for localhost, made here with openssl.
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=citytwin test CA",
        ],
        &dir,
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
        &dir,
    );
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
        &dir,
    );
    run("mosquitto_passwd", &["-c", "-b", "passwd", "ops", "s3cret"], &dir);
    // Mosquitto started as root reads its files as the `mosquitto` user: these are throwaway.
    for f in ["server.key", "passwd"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(
        dir.join("mosquitto.conf"),
        format!(
            "listener {port}\ncafile {d}/ca.crt\ncertfile {d}/server.crt\nkeyfile {d}/server.key\n\
             allow_anonymous false\npassword_file {d}/passwd\n",
            d = dir.display()
        ),
    )
    .unwrap();
    let mut b = Command::new(mosquitto())
        .args(["-c", &dir.join("mosquitto.conf").display().to_string()])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("mosquitto.log")).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "mosquitto (TLS) did not start on port {port}: {}",
            std::fs::read_to_string(dir.join("mosquitto.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Two river gauges inside the riverside zone, one outside it.
    std::fs::write(
        dir.join("gauges.geojson"),
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[113.551,22.251]},"properties":{"id":"river-in","kind":"water_level"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[113.552,22.252]},"properties":{"id":"river-in-2","kind":"water_level"}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[113.60,22.30]},"properties":{"id":"river-out","name":"upstream","observed_property":"Water Level","unit":"m"}}]}"#,
    )
    .unwrap();
    let scene = format!(
        "name = \"tls\"\n[camera]\nlon_deg = 113.55\nlat_deg = 22.25\ndistance_m = 500\n\
         [iot]\nfeed = \"mqtt\"\nbroker = \"localhost:{port}\"\ntopics = [\"vendor/#\"]\ntls = true\nca_file = \"ca.crt\"\n\
         username = \"ops\"\npassword_env = \"CITYTWIN_TEST_MQTT_PASSWORD\"\nsensor_files = [\"gauges.geojson\"]\n\
         [[iot.mappings]]\ntopic = \"vendor/+/up\"\nsensor_topic_level = 1\nvalue = \"/readings/level_cm\"\ntime = \"/ts\"\nscale = 0.01\n\
         [[iot.rules]]\nkind = \"water_level\"\nabove = 3.0\nclear = 2.5\n\
         [[iot.rules]]\nkind = \"water_level\"\nabove = 2.0\nclear = 1.8\nzone = [[113.54, 22.24], [113.56, 22.24], [113.56, 22.26], [113.54, 22.26]]\n"
    );
    std::fs::write(dir.join("scene.toml"), scene).unwrap();
    let iot = city_core::Scene::read(&dir.join("scene.toml")).unwrap().iot.unwrap();
    let mut layer = IotLayer::from_scene(&iot).unwrap();
    assert_eq!(layer.sensors.len(), 3);

    // Without the password in the environment: a clear error before any connection.
    let e = MqttSettings::from_scene(&iot, None, "t").unwrap_err().to_string();
    assert!(e.contains("CITYTWIN_TEST_MQTT_PASSWORD"), "{e}");
    // A wrong password: the feed stays down and says why.
    let env = |password: &'static str| move |_: &str| Some(password.to_owned());
    let wrong = MqttSettings::from_scene_with_env(&iot, None, "t-wrong", env("wrong")).unwrap();
    let mut bad_feed = MqttFeed::start(wrong);
    wait_for(&mut bad_feed, &mut layer, "the refusal", |_, f| f.status.last_error.is_some());
    assert!(!bad_feed.status.connected, "{:?}", bad_feed.status);
    drop(bad_feed);

    let settings = MqttSettings::from_scene_with_env(&iot, None, "t-right", env("s3cret")).unwrap();
    assert!(settings.tls_ca.is_some() && settings.credentials.is_some());
    let mut feed = MqttFeed::start(settings);
    wait_for(&mut feed, &mut layer, "the TLS connection", |_, f| f.status.connected);
    let ts = now_ms() / 1000;
    for (id, cm) in [("river-in", 250), ("river-out", 250), ("river-in-2", 150)] {
        let o = Command::new("mosquitto_pub")
            .args(["-h", "localhost", "-p", &port.to_string(), "--cafile", &dir.join("ca.crt").display().to_string()])
            .args(["-u", "ops", "-P", "s3cret", "-t", &format!("vendor/{id}/up")])
            .args(["-m", &format!(r#"{{"readings":{{"level_cm":{cm}}},"ts":{ts}}}"#)])
            .output()
            .unwrap();
        assert!(o.status.success(), "mosquitto_pub over TLS: {}", String::from_utf8_lossy(&o.stderr));
    }
    wait_for(&mut feed, &mut layer, "three mapped observations", |l, _| l.counts.applied >= 3);
    let last = layer.state("river-in").unwrap().last().unwrap();
    assert_eq!(last.0, ts * 1000, "the time from the payload, seconds to ms");
    assert!((last.1 - 2.5).abs() < 1e-9, "250 cm is 2.5 m: {}", last.1);
    assert!(layer.alarm("river-in"), "inside the zone 2.5 m is over its 2.0 m threshold");
    assert!(!layer.alarm("river-out"), "outside it the city-wide 3.0 m holds");
    assert!(!layer.alarm("river-in-2"), "1.5 m is under both");
    b.kill().unwrap();
    b.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// CAP alerts arriving on an MQTT topic: a real alert from the shared data becomes an incident,
/// a message that is not CAP is logged with its topic, and the incident stays.
#[test]
fn cap_alerts_arrive_over_mqtt() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut b = broker(port);
    let mut feed = MqttFeed::start(MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: "cap-test".into(),
        topics: vec!["alerts/#".into()],
        credentials: None,
        tls_ca: None,
        websocket_url: None,
    });
    let mut incidents = city_layers::Incidents::default();
    let start = Instant::now();
    while !feed.status.connected {
        assert!(start.elapsed() < Duration::from_secs(20), "no connection: {:?}", feed.status);
        feed.next_event(Duration::from_millis(100));
    }
    let cap = city_core::shared_data_file("emergency/cap/v1dot2_appendix_adot3.xml").unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "alerts/nws", "-f", cap.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    publish(port, "alerts/nws", "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>");
    let mut messages = 0;
    while messages < 2 {
        match feed.next_event(Duration::from_secs(20)) {
            Some(FeedEvent::Message { topic, payload, .. }) => {
                messages += 1;
                // Judged at the alert's own time: the spec's example expired long ago.
                incidents.apply_message(&topic, &payload, 0);
            }
            Some(_) => {}
            None => panic!("only {messages} of 2 messages arrived"),
        }
    }
    assert_eq!(incidents.active.len(), 1, "{:?}", incidents.log);
    assert!(!incidents.active[0].zones.is_empty());
    assert!(
        incidents.log.iter().any(|l| l.contains("message on alerts/nws") && l.contains("not a CAP alert")),
        "{:?}",
        incidents.log
    );
    b.kill().unwrap();
    b.wait().unwrap();
}

/// MQTT over WebSockets, as browser clients and many cloud brokers speak it: Mosquitto with a
/// `protocol websockets` listener beside its TCP one; the feed, given `ws://127.0.0.1:PORT/mqtt`
/// the way a user writes it, receives what `mosquitto_pub` sends over TCP.
#[test]
fn a_ws_url_connects_over_websockets() {
    let free = || TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (tcp, ws) = (free(), free());
    let dir = std::env::temp_dir().join(format!("citytwin-ws-broker-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {tcp} 127.0.0.1\nallow_anonymous true\nlistener {ws} 127.0.0.1\nprotocol websockets\n"),
    )
    .unwrap();
    let mut b = Command::new(mosquitto())
        .args(["-c", conf.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", ws)).is_err() || TcpStream::connect(("127.0.0.1", tcp)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "mosquitto did not open its listeners");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("ws://127.0.0.1:{ws}/mqtt");
    let iot = city_core::SceneIot { topics: vec!["city/#".into()], ..Default::default() };
    let settings = MqttSettings::from_scene(&iot, Some(&url), "ws-test").unwrap();
    assert_eq!(settings.websocket_url.as_deref(), Some(url.as_str()));
    let mut feed = MqttFeed::start(settings);
    let start = Instant::now();
    while !feed.status.connected {
        assert!(start.elapsed() < Duration::from_secs(20), "no WebSocket connection: {:?}", feed.status);
        feed.next_event(Duration::from_millis(100));
    }
    let mut got = None;
    let start = Instant::now();
    while got.is_none() {
        assert!(start.elapsed() < Duration::from_secs(20), "nothing arrived over WebSockets: {:?}", feed.status);
        publish(tcp, "city/river", r#"{"sensor":"river-1","t":1,"value":2.5}"#);
        if let Some(FeedEvent::Message { topic, payload, .. }) = feed.next_event(Duration::from_millis(300)) {
            got = Some((topic, payload));
        }
    }
    let (topic, payload) = got.unwrap();
    assert_eq!(topic, "city/river");
    assert!(String::from_utf8_lossy(&payload).contains("river-1"));
    b.kill().unwrap();
    b.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17: a retained message over the size limit is refused and counted, and the connection
/// stays up: no reconnect loop in which the broker hands it over again and good observations are
/// lost. A 2 MB retained message, then an observation: one connection, one refusal, the
/// observation taken in.
#[test]
fn an_oversized_retained_message_is_refused_without_a_reconnect() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut b = broker(port);
    let big = "x".repeat(2 * city_layers::MAX_MESSAGE_BYTES);
    let file = std::env::temp_dir().join(format!("citytwin-big-{}.txt", std::process::id()));
    std::fs::write(&file, &big).unwrap();
    let o = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "city/big", "-r", "-f", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let at = Geodetic::from_deg(113.57, 22.27, 0.0);
    let mut layer = IotLayer::new(vec![Sensor::single("river-1", at, "water_level", "m")], vec![]).unwrap();
    let mut feed = MqttFeed::start(MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: format!("citytwin-big-{}", std::process::id()),
        topics: vec!["city/#".into()],
        credentials: None,
        tls_ca: None,
        websocket_url: None,
    });
    wait_for(&mut feed, &mut layer, "the oversized message", |_, f| f.status.oversized == 1);
    publish(port, "city/river", r#"{"sensor":"river-1","t":1764482400000,"value":1.5}"#);
    wait_for(&mut feed, &mut layer, "the observation after it", |l, _| {
        l.state("river-1").is_some_and(|s| s.count == 1)
    });
    std::thread::sleep(Duration::from_millis(500));
    feed.drain(&mut layer);
    assert_eq!((feed.status.connections, feed.status.oversized), (1, 1), "{:?}", feed.status);
    assert!(feed.status.connected);
    b.kill().unwrap();
    b.wait().unwrap();
    let _ = std::fs::remove_file(&file);
}

/// A bench recording's promise (`citytwin bench --record/--replay`): the inputs a live feed
/// thread logged (each tick's time, every MQTT message from a real broker), driven into a fresh
/// layer, leave it exactly as the live run left it: the simulator's observations and the
/// broker's, value for value.
#[test]
fn a_logged_live_feed_replays_to_the_same_layer() {
    use city_layers::{FeedClock, FeedInput, Feeds, LiveIot, Simulator};
    use std::sync::mpsc::channel;

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut b = broker(port);
    let at = Geodetic::from_deg(113.57, 22.27, 0.0);
    let air: Vec<Sensor> =
        (0..200).map(|i| Sensor::single(&format!("air-{i}"), at, "air_temperature", "Cel")).collect();
    let river: Vec<Sensor> = (0..5).map(|i| Sensor::single(&format!("river-{i}"), at, "water_level", "m")).collect();
    let all: Vec<Sensor> = air.iter().chain(&river).cloned().collect();
    let settings = MqttSettings {
        host: "127.0.0.1".into(),
        port,
        client_id: format!("citytwin-replay-test-{}", std::process::id()),
        topics: vec!["city/#".into()],
        credentials: None,
        tls_ca: None,
        websocket_url: None,
    };
    let (log, logged) = channel();
    let feeds = Feeds {
        simulator: Some(Simulator::new(&air, 11)),
        mqtt: Some(MqttFeed::start(settings)),
        ..Default::default()
    };
    let clock = FeedClock::Live { tick: Duration::from_millis(40), log: Some(log) };
    let live = LiveIot::start_with(IotLayer::new(all.clone(), vec![]).unwrap(), feeds, clock, |_: &IotLayer, t| t);
    let start = Instant::now();
    while !live.status().mqtt.is_some_and(|m| m.connected) {
        assert!(start.elapsed() < Duration::from_secs(20), "no connection: {:?}", live.status());
        std::thread::sleep(Duration::from_millis(20));
    }
    for i in 0..5 {
        let t = 1_764_482_400_000_i64 + i * 60_000;
        publish(port, "city/river", &format!(r#"{{"sensor":"river-{i}","t":{t},"value":{}.25}}"#, i + 1));
    }
    publish(port, "city/river", "{not json");
    while live.layer().state("river-4").is_none_or(|s| s.count == 0) || live.status().ticks < 5 {
        assert!(start.elapsed() < Duration::from_secs(30), "the messages did not arrive: {:?}", live.status());
        std::thread::sleep(Duration::from_millis(20));
    }
    let recorded = live.stop();
    let inputs: Vec<FeedInput> = logged.try_iter().collect();
    let ticks = inputs.iter().filter(|i| matches!(i, FeedInput::Tick { .. })).count() as u64;
    assert_eq!(inputs.len() as u64 - ticks, 6, "five observations and the bad payload were logged");

    let (drive, driven) = channel();
    let feeds = Feeds { simulator: Some(Simulator::new(&air, 11)), ..Default::default() };
    let replay =
        LiveIot::start_with(IotLayer::new(all, vec![]).unwrap(), feeds, FeedClock::Driven(driven), |_: &IotLayer, t| t);
    for i in inputs {
        drive.send(i).unwrap();
    }
    while replay.status().ticks < ticks || replay.layer().counts.malformed < 1 {
        assert!(start.elapsed() < Duration::from_secs(40), "the replay stalled: {:?}", replay.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    let replayed = replay.stop();
    assert_eq!(replayed.counts, recorded.counts);
    for s in recorded.sensors.iter() {
        let (a, b) = (recorded.state(&s.id).unwrap(), replayed.state(&s.id).unwrap());
        assert_eq!((a.count, a.last()), (b.count, b.last()), "{}", s.id);
    }
    assert_eq!(replayed.state("river-3").unwrap().last().map(|(_, v)| v), Some(4.25));
    b.kill().unwrap();
    b.wait().unwrap();
}
