//! `citytwin simulate`: the built-in simulator's sensors (or recorded series) published to an
//! MQTT broker as SensorThings observations, for load tests and demos without real sensors.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The options of `citytwin simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimulateArgs {
    /// The broker: HOST:PORT, [IPv6]:PORT or mqtt://HOST:PORT (1883 when the port is left out).
    #[arg(long)]
    pub broker: String,
    /// Temperature sensors (plus one car park per ten of them).
    #[arg(long, default_value_t = 1000)]
    pub sensors: usize,
    /// Observations per sensor per second.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Publish the recorded series (CSV) in this folder instead, as recorded, an hour of
    /// record per second, onto the sensors of the same property (the temperature sensors
    /// for NOAA's `temp`); the car parks stay simulated.
    #[arg(long)]
    pub replay: Option<PathBuf>,
}

/// Runs `citytwin simulate`.
pub fn run(a: &SimulateArgs) -> Result<()> {
    simulate(&a.broker, a.sensors, a.rate, a.seconds, a.seed, a.replay.as_deref())
}

/// `citytwin simulate`: the simulator's observations to a broker.
fn simulate(
    broker: &str,
    sensors: usize,
    rate: f64,
    seconds: Option<f64>,
    seed: u64,
    replay: Option<&Path>,
) -> Result<()> {
    use city_layers::{MqttPublisher, Replay, Sensor, Simulator};
    if !(rate > 0.0 && rate.is_finite()) {
        bail!("--rate must be a positive number of observations per second, not {rate}");
    }
    let address = city_layers::BrokerAddress::parse(broker, false).context("--broker")?;
    if address.tls == Some(true) || address.websocket_path.is_some() {
        bail!("--broker {broker:?}: the simulator publishes over plain MQTT only (mqtt://, tcp:// or HOST:PORT)");
    }
    let (host, port) = (address.host, address.port);
    let centre = citytwin::demo_city::centre();
    let sensor = |id: String, property: &str, unit: &str, k: usize| {
        let at = city_core::Geodetic::from_deg(
            centre.lon_deg + (k % 50) as f64 * 1e-3,
            centre.lat_deg + (k / 50) as f64 * 1e-3,
            0.0,
        );
        Sensor::single(&id, at, property, unit)
    };
    let mut all: Vec<Sensor> = (0..sensors).map(|i| sensor(format!("temp-{i}"), "air_temperature", "Cel", i)).collect();
    all.extend((0..sensors / 10).map(|i| sensor(format!("carpark-{i}"), "vacancy", "{spaces}", i * 10)));
    let mut replay = replay.map(Replay::read_dir).transpose().context("--replay")?;
    let replayed = replay.as_mut().map(|r| r.assign(&all)).unwrap_or_default();
    let simulated: Vec<Sensor> =
        all.iter().filter(|s| !s.datastreams.iter().any(|d| replayed.contains(&d.id))).cloned().collect();
    let mut sim = Simulator::new(&simulated, seed);
    let publisher = MqttPublisher::connect(
        &host,
        port,
        &format!("citytwin-simulate-{}", std::process::id()),
        std::time::Duration::from_secs(10),
    )?;
    eprintln!("publishing {} datastreams at {rate}/s to {broker}", all.len());
    let start = Instant::now();
    let period = std::time::Duration::from_secs_f64(1.0 / rate);
    let mut published = 0usize;
    while seconds.is_none_or(|s| start.elapsed().as_secs_f64() < s) {
        let tick = Instant::now();
        let mut obs = sim.observe(city_core::now_ms());
        if let Some(r) = replay.as_mut() {
            obs.extend(r.observe(city_core::now_ms()));
        }
        publisher.publish(&obs)?;
        published += obs.len();
        if let Some(rest) = period.checked_sub(tick.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    publisher.close();
    println!("published {published} observations in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
