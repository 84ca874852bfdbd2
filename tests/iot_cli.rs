//! `citytwin iot stats` and `citytwin simulate` against a real Mosquitto broker on a free
//! loopback port: stats counts the messages a publisher sends and the ones it refuses, and sees
//! every observation the simulator publishes.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Mosquitto broker on a free loopback port, accepting connections.
fn broker() -> (std::process::Child, u16) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].into_iter().find(|p| std::path::Path::new(p).exists());
    let bin = bin.expect("mosquitto is not installed: apt install mosquitto mosquitto-clients (.ci/run does)");
    let broker =
        Command::new(bin).args(["-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (broker, port)
}

#[test]
fn iot_stats_counts_messages_and_refusals_from_a_real_broker() {
    let (mut broker, port) = broker();
    let stats = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["iot", "stats", "--broker", &format!("127.0.0.1:{port}"), "--topic", "city/#", "--seconds", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500)); // connect and subscribe
    let mut publisher = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "city/air", "-l"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let stdin = publisher.stdin.as_mut().unwrap();
        for i in 0..50 {
            writeln!(stdin, r#"{{"sensor":"s{i}","t":1764482400000,"value":{i}}}"#).unwrap();
        }
        writeln!(stdin, "{{not json").unwrap();
    }
    drop(publisher.stdin.take());
    assert!(publisher.wait().unwrap().success());
    let out = stats.wait_with_output().unwrap();
    broker.kill().unwrap();
    broker.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("total: 51 messages, 1 refused, 1 connections"), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("refused: payload on city/air: not JSON"), "{stderr}");
    assert!(stdout.contains("messages/s, lag p50"), "{stdout}");
}

#[test]
fn simulated_sensors_reach_iot_stats_through_the_broker() {
    let (mut broker, port) = broker();
    let addr = format!("127.0.0.1:{port}");
    let stats = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["iot", "stats", "--broker", &addr, "--topic", "v1.1/+/Observations", "--seconds", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // 20 temperature sensors and 2 car parks, 5 times a second for 2 s.
    let sim = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["simulate", "--broker", &addr, "--sensors", "20", "--rate", "5", "--seconds", "2"])
        .output()
        .unwrap();
    assert!(sim.status.success(), "{}", String::from_utf8_lossy(&sim.stderr));
    let published: usize = String::from_utf8_lossy(&sim.stdout).split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(published >= 9 * 22 && published.is_multiple_of(22), "{published}");
    let out = stats.wait_with_output().unwrap();
    broker.kill().unwrap();
    broker.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("total: {published} messages, 0 refused")),
        "published {published}; stdout:\n{stdout}"
    );
}

#[test]
fn iot_stats_with_a_scene_raises_its_alarms() {
    let (mut broker, port) = broker();
    let dir = std::env::temp_dir().join(format!("citytwin-iot-cli-scene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scene = dir.join("river.toml");
    std::fs::write(
        &scene,
        format!(
            "name = \"river\"\n[camera]\nlon_deg = 113.57\nlat_deg = 22.27\ndistance_m = 900\n[iot]\nfeed = \"mqtt\"\n\
             broker = \"127.0.0.1:{port}\"\ntopics = [\"v1.1/+/Observations\"]\n[[iot.sensors]]\nid = \"river-1\"\n\
             kind = \"water_level\"\nlon_deg = 113.57\nlat_deg = 22.27\n[[iot.rules]]\nkind = \"water_level\"\nabove = 3.0\nclear = 2.5\n"
        ),
    )
    .unwrap();
    let stats = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["iot", "stats", "--scene", scene.to_str().unwrap(), "--seconds", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    for level in ["3.4", "2.7", "2.4"] {
        let o = Command::new("mosquitto_pub")
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "v1.1/Datastreams(river-1)/Observations"])
            .args(["-m", &format!(r#"{{"phenomenonTime":"2026-11-30T07:00:00Z","result":{level}}}"#)])
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    let out = stats.wait_with_output().unwrap();
    broker.kill().unwrap();
    broker.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Raised at 3.4, kept at 2.7 (hysteresis), cleared at 2.4.
    let alarms: Vec<&str> = stdout.lines().filter(|l| l.starts_with("alarm")).collect();
    assert_eq!(alarms, ["alarm raised: river-1 = 3.4", "alarm cleared: river-1 = 2.4"], "{stdout}");
}

/// `simulate --replay` publishes NOAA's recorded Seattle temperatures as recorded (in Celsius),
/// hour after hour, to the first temperature sensor.
#[test]
fn simulate_replays_recorded_series_through_the_broker() {
    let (mut broker, port) = broker();
    let noaa = city_core::shared_data_file("iot/noaa-temps-vega").unwrap_or_else(|e| panic!("{e}"));
    // The first hours of the record, read here: `date,temp` in Fahrenheit.
    let text = std::fs::read_to_string(noaa.join("seattle-temps.csv")).unwrap();
    let first: Vec<f64> = text.lines().skip(1).take(2).map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect();
    let sub = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "v1.1/Datastreams(temp-0)/Observations", "-C", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let sim = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["simulate", "--broker", &format!("127.0.0.1:{port}"), "--sensors", "2", "--rate", "4"])
        .args(["--seconds", "2.5", "--replay", noaa.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(sim.status.success(), "{}", String::from_utf8_lossy(&sim.stderr));
    let out = sub.wait_with_output().unwrap();
    broker.kill().unwrap();
    broker.wait().unwrap();
    let results: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["result"].as_f64().unwrap())
        .collect();
    assert_eq!(results.len(), 2);
    for (got, f) in results.iter().zip(&first) {
        assert!((got - (f - 32.0) / 1.8).abs() < 1e-6, "replayed {got}, recorded {f} F");
    }
}

/// Issue 16: the broker forms MQTT tools take. `iot stats` on `mqtt://127.0.0.1:PORT` and the
/// simulator on `[::1]:PORT` meet at the same real broker; a form that is not an MQTT address is
/// an error at start, naming it, not a feed retrying it until `--seconds` ends.
#[test]
fn broker_urls_and_ipv6_addresses_reach_a_real_broker() {
    let (mut broker, port) = broker();
    let stats = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["iot", "stats", "--broker", &format!("mqtt://127.0.0.1:{port}"), "--topic", "v1.1/#", "--seconds", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sim = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["simulate", "--broker", &format!("[::1]:{port}"), "--sensors", "10", "--rate", "2", "--seconds", "1"])
        .output()
        .unwrap();
    let sim_err = String::from_utf8_lossy(&sim.stderr);
    let out = stats.wait_with_output().unwrap();
    broker.kill().unwrap();
    broker.wait().unwrap();
    assert!(sim.status.success(), "{sim_err}");
    let published: usize = String::from_utf8_lossy(&sim.stdout).split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(published >= 11, "{published}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("total: {published} messages, 0 refused, 1 connections")), "{stdout}");

    for bad in ["http://127.0.0.1:1883", "127.0.0.1:port", "[::1:1883"] {
        let t0 = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
            .args(["iot", "stats", "--broker", bad, "--seconds", "5"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains(bad), "{bad}: {stderr}");
        assert!(t0.elapsed() < Duration::from_secs(4), "{bad}: not refused at start");
    }
}
