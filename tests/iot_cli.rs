//! `citytwin iot stats` against a real Mosquitto broker on a free loopback port: it counts the
//! messages a publisher sends and the ones it refuses.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn iot_stats_counts_messages_and_refusals_from_a_real_broker() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].into_iter().find(|p| std::path::Path::new(p).exists());
    let bin = bin.expect("mosquitto is not installed: apt install mosquitto mosquitto-clients (.ci/run does)");
    let mut broker =
        Command::new(bin).args(["-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
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
