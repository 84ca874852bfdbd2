//! The options of `citytwin bench` (parsed here even without the viewer, so `--help` is the same).
use std::path::PathBuf;

use crate::view_args::ViewArgs;

/// The viewer's benchmark: record a camera path (`--record`, flown by hand or by `--tour`) with
/// what the live layers took in on each frame (the sensor feeds' ticks and MQTT messages, the
/// alerts that arrived), then replay it frame by frame (`--replay`), deterministically: the same
/// poses and the same events on the same frames, whatever the machine (the feeds are driven by
/// the recording, not the clock or the broker). A replay ends with one JSON line: frame times
/// (p50, p95, p99, max, and frames over 4x the median), tiles and bytes loaded, tiles evicted,
/// resident memory (peak, after warm-up: 30 s and the path flown once, and the most after it),
/// the spatial queries the engine answered and the events replayed.
/// `--duration` loops the path for that long: the soak test (benches/README.md).
#[derive(clap::Parser, Debug, Clone)]
pub struct BenchArgs {
    /// A scene (.toml), a tileset.json, or a folder holding one (none: the demo city).
    pub target: Option<PathBuf>,
    /// Write the camera path and the live layers' inputs to this file (JSON lines, one per frame).
    #[arg(long, conflicts_with = "replay", required_unless_present = "replay")]
    pub record: Option<PathBuf>,
    /// Replay this recording, one frame's pose and events per frame, then print the summary.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Loop the path for this many seconds instead of flying it once (a soak: 600).
    #[arg(long, requires = "replay")]
    pub duration: Option<f64>,
    /// While recording, fly to every bookmark in turn (the path recorded), then stop.
    #[arg(long)]
    pub tour: bool,
    /// Memory budget for loaded tiles, MiB.
    #[arg(long = "memory", default_value_t = 1024)]
    pub memory_mib: usize,
    /// Frame-time budget, ms: slower frames drop detail.
    #[arg(long)]
    pub frame_budget_ms: Option<f64>,
    /// Window size.
    #[arg(long, default_value = "1280x720")]
    pub size: String,
    /// N simulated air-temperature sensors on a grid over the view, live during the run
    /// (100000: a large city's network).
    #[arg(long)]
    pub sensors: Option<usize>,
    /// CAP alert files to show as incidents during the run (their zones, the buildings inside).
    #[arg(long = "alert")]
    pub alerts: Vec<PathBuf>,
    /// Hazard layers to show as incidents (PLATEAU flood-risk extents).
    #[arg(long = "hazard")]
    pub hazards: Vec<PathBuf>,
}

impl BenchArgs {
    /// The viewer's options for this run.
    pub fn view(&self) -> ViewArgs {
        ViewArgs {
            target: self.target.clone(),
            memory_mib: self.memory_mib,
            frame_budget_ms: self.frame_budget_ms,
            size: self.size.clone(),
            tour: self.tour && self.record.is_some(),
            sensors: self.sensors,
            alerts: self.alerts.clone(),
            hazards: self.hazards.clone(),
            no_panels: false,
            ..ViewArgs::default()
        }
    }
}
