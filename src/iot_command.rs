//! `citytwin iot`: live IoT feeds without the window (`iot stats`: a feed's health, once a
//! second).
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

/// `citytwin iot` subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum IotCommand {
    /// Subscribe to an MQTT broker and print, every second, the message rate, the lag between
    /// each observation's time and its arrival, and what was refused (bad JSON, wrong types,
    /// oversized payloads). Payloads are SensorThings observations on
    /// `v1.1/Datastreams(ID)/Observations` or `{"sensor":..,"t":..,"value":..}`.
    Stats {
        /// A scene file whose `[iot]` table gives the broker, topics, sensors and rules: the
        /// observations then also go through the layer, and active alarms are printed.
        #[arg(long)]
        scene: Option<PathBuf>,
        /// The broker: HOST:PORT, [IPv6]:PORT, mqtt://HOST:PORT or mqtts://HOST:PORT (TLS, with the
        /// system's CA bundle unless the scene names one), or over WebSockets ws://HOST:PORT/PATH
        /// or wss://; 1883 (8883 for TLS) when the port is left out. Overrides the scene's.
        #[arg(long)]
        broker: Option<String>,
        /// Topic filters to subscribe to (default: the scene's, else everything).
        #[arg(long)]
        topic: Vec<String>,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long)]
        seconds: Option<f64>,
    },
}

/// Runs a `citytwin iot` subcommand.
pub fn run(command: IotCommand) -> Result<()> {
    match command {
        IotCommand::Stats { scene, broker, topic, seconds } => iot_stats(scene.as_deref(), broker, topic, seconds),
    }
}

/// `citytwin iot stats`: a feed's health, printed once a second.
fn iot_stats(scene: Option<&Path>, broker: Option<String>, topics: Vec<String>, seconds: Option<f64>) -> Result<()> {
    use city_layers::{FeedEvent, IotLayer, MqttFeed, MqttSettings, parse_observation};
    let iot = match scene {
        Some(p) => Some(city_core::Scene::read(p)?.iot.with_context(|| format!("{}: no [iot] table", p.display()))?),
        None => None,
    };
    let mut layer = iot.as_ref().map(IotLayer::from_scene).transpose()?;
    let mut settings = MqttSettings::from_scene(
        &iot.clone().unwrap_or_default(),
        broker.as_deref(),
        &format!("citytwin-iot-stats-{}", std::process::id()),
    )
    .context("pass --broker HOST:PORT or give a broker in the scene's [iot] table")?;
    if !topics.is_empty() {
        settings.topics = topics;
    }
    let broker = settings.websocket_url.clone().unwrap_or_else(|| format!("{}:{}", settings.host, settings.port));
    let mut feed = MqttFeed::start(settings);
    let start = Instant::now();
    let (mut window_start, mut count, mut bad, mut lags) = (Instant::now(), 0u64, 0u64, Vec::new());
    let (mut total, mut total_bad) = (0u64, 0u64);
    while seconds.is_none_or(|s| start.elapsed().as_secs_f64() < s) {
        match feed.next_event(std::time::Duration::from_millis(100)) {
            Some(FeedEvent::Message { topic, payload, .. }) => {
                count += 1;
                if let Some(l) = layer.as_mut()
                    && let Some(e) = l.ingest(&topic, &payload)
                {
                    println!("alarm {}: {} = {}", if e.raised { "raised" } else { "cleared" }, e.datastream, e.value);
                }
                let decoded = match &layer {
                    Some(l) => l.decode(&topic, &payload, city_core::now_ms()),
                    None => parse_observation(&topic, &payload),
                };
                match decoded {
                    Ok(o) => lags.push(city_core::now_ms() - o.time_ms),
                    Err(e) => {
                        bad += 1;
                        eprintln!("refused: {e}");
                    }
                }
            }
            Some(FeedEvent::Connected) => eprintln!("connected to {broker}"),
            Some(FeedEvent::Disconnected(why)) => eprintln!("feed down ({why}); retrying"),
            Some(FeedEvent::Oversized { topic, bytes }) => {
                eprintln!("refused: a {bytes}-byte message on {topic} (too large)")
            }
            None => {}
        }
        if window_start.elapsed().as_secs_f64() >= 1.0 {
            lags.sort_unstable();
            let pct = |q: f64| lags.get(((lags.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0);
            println!(
                "{:.0} messages/s, lag p50 {} ms p99 {} ms, {bad} refused{}{}",
                count as f64 / window_start.elapsed().as_secs_f64(),
                pct(0.5),
                pct(0.99),
                layer.as_ref().map(|l| format!(", {} alarms active", l.active_alarms().count())).unwrap_or_default(),
                if feed.status.connected { "" } else { " (feed down)" }
            );
            total += count;
            total_bad += bad;
            (window_start, count, bad) = (Instant::now(), 0, 0);
            lags.clear();
        }
    }
    total += count;
    total_bad += bad;
    println!("total: {total} messages, {total_bad} refused, {} connections", feed.status.connections);
    Ok(())
}
