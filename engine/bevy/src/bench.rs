//! `citytwin bench`: a camera path recorded frame by frame (`--record`, usually of a `--tour`)
//! and replayed frame by frame (`--replay`), so two builds, two machines or two settings fly
//! exactly the same path. A replay ends with one JSON line: frame times (p50, p95, p99, max),
//! tiles and bytes loaded, tiles evicted, resident memory (peak, after warm-up, and its largest
//! later value) and the engine's spatial queries answered. `--duration` loops the path for that
//! long: the soak test.
use std::io::Write;
use std::path::PathBuf;

use bevy::prelude::*;
use city_core::Geodetic;

use crate::camera_control::CameraRig;
use crate::orbit_camera::Orbit;
use crate::tile_layers::Layers;
use crate::viewer_script::PipelinesWaiting;

/// Seconds of a replay that are warm-up at least: shaders compile and the first tiles load.
/// Warm-up lasts until the path has also been flown once (every view seen, its tiles loaded);
/// resident memory is judged after it.
pub const WARM_UP_S: f64 = 30.0;

/// What a bench run does.
#[derive(Debug, Clone)]
pub enum BenchMode {
    /// Append each frame's camera pose to this file (JSON lines).
    Record(PathBuf),
    /// Fly these poses, one per frame; loop them until `duration_s` when given.
    Replay {
        /// The recording, for the summary.
        path: PathBuf,
        /// The poses.
        poses: Vec<Orbit>,
        /// Loop the path for this long (seconds); once through when `None`.
        duration_s: Option<f64>,
    },
}

/// A bench run's state.
#[derive(Resource, Debug)]
pub struct Bench {
    mode: BenchMode,
    out: Option<std::fs::File>,
    frame: usize,
    started_s: Option<f64>,
    frame_ms: Vec<f64>,
    rss_at_warm_up: Option<u64>,
    rss_max_after: u64,
    next_sample_s: f64,
    done: bool,
}

impl Bench {
    /// A run in `mode`; a recording's file is created (replaced) now.
    pub fn new(mode: BenchMode) -> std::io::Result<Self> {
        let out = match &mode {
            BenchMode::Record(p) => Some(std::fs::File::create(p)?),
            BenchMode::Replay { .. } => None,
        };
        Ok(Self {
            mode,
            out,
            frame: 0,
            started_s: None,
            frame_ms: Vec::new(),
            rss_at_warm_up: None,
            rss_max_after: 0,
            next_sample_s: 0.0,
            done: false,
        })
    }
}

/// One recorded pose as a JSON line: degrees and metres, as a scene's camera is written.
pub fn pose_line(o: &Orbit) -> String {
    format!(
        "{{\"lon_deg\":{},\"lat_deg\":{},\"height_m\":{},\"distance_m\":{},\"heading_deg\":{},\"pitch_deg\":{}}}",
        o.target.lon_deg,
        o.target.lat_deg,
        o.target.height_m,
        o.distance_m,
        o.heading.to_degrees(),
        o.pitch.to_degrees()
    )
}

/// The poses of a recording; an error naming the line that is not one.
pub fn read_poses(text: &str) -> Result<Vec<Orbit>, String> {
    let mut poses = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let num = |k: &str| {
            v[k].as_f64().filter(|x| x.is_finite()).ok_or_else(|| format!("line {}: {k} is not a finite number", n + 1))
        };
        let (lon, lat) = (num("lon_deg")?, num("lat_deg")?);
        if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            return Err(format!("line {}: {lon}, {lat} is not a place on Earth", n + 1));
        }
        poses.push(Orbit {
            target: Geodetic::from_deg(lon, lat, num("height_m")?),
            distance_m: num("distance_m")?.max(1.0),
            heading: num("heading_deg")?.to_radians(),
            pitch: num("pitch_deg")?.to_radians(),
        });
    }
    if poses.is_empty() {
        return Err("no poses".into());
    }
    Ok(poses)
}

/// The value at quantile `q` (0..1) of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// `citytwin bench`: the recording or the replay, run after the camera has been read and moved
/// by the user (recording) and before it is applied (replay: the pose is set here).
pub struct BenchPlugin(pub BenchMode);

impl Plugin for BenchPlugin {
    fn build(&self, app: &mut App) {
        match Bench::new(self.0.clone()) {
            Ok(bench) => {
                app.insert_resource(bench).add_systems(
                    Update,
                    run_bench.in_set(crate::plugins::ViewerSet::Input).after(crate::camera_control::camera_input),
                );
            }
            Err(e) => error!("bench: cannot create the recording: {e}"),
        }
    }
}

/// Each frame: records the pose, or sets the next one and measures; at the end of a replay
/// prints the summary and exits.
pub fn run_bench(
    mut bench: ResMut<'_, Bench>,
    mut rig: ResMut<'_, CameraRig>,
    time: Res<'_, Time<Real>>,
    waiting: Res<'_, PipelinesWaiting>,
    layers: Res<'_, Layers>,
    mut exit: MessageWriter<'_, AppExit>,
) {
    let b = &mut *bench;
    if b.done {
        return;
    }
    let now = time.elapsed_secs_f64();
    b.frame += 1;
    let (poses, duration_s, path) = match &b.mode {
        BenchMode::Record(_) => {
            if let Some(out) = &mut b.out
                && let Err(e) = writeln!(out, "{}", pose_line(&rig.orbit))
            {
                error!("bench: cannot write the recording: {e}");
                b.out = None;
            }
            return;
        }
        BenchMode::Replay { poses, duration_s, path } => (poses, *duration_s, path.clone()),
    };
    // Frames count once the shaders have compiled (before, a frame waits on them).
    let started = *b.started_s.get_or_insert(now);
    if waiting.0 == 0 && b.frame > 3 {
        b.frame_ms.push(time.delta_secs_f64() * 1000.0);
    }
    if now >= b.next_sample_s {
        b.next_sample_s = now + 1.0;
        let rss = city_core::resident_bytes().unwrap_or(0);
        if now - started >= WARM_UP_S && b.frame > poses.len() {
            b.rss_at_warm_up.get_or_insert(rss);
            b.rss_max_after = b.rss_max_after.max(rss);
        }
    }
    let finished = match duration_s {
        Some(d) => now - started >= d,
        None => b.frame > poses.len(),
    };
    if !finished {
        rig.flight = None;
        rig.orbit = poses[(b.frame - 1) % poses.len()];
        return;
    }
    b.done = true;
    let mut ms = b.frame_ms.clone();
    ms.sort_by(f64::total_cmp);
    let mib = |b: u64| (b as f64 / 1_048_576.0 * 10.0).round() / 10.0;
    let (loaded, bytes, evicted) =
        layers.0.iter().fold((0, 0, 0), |(a, b, c), l| (a + l.tiles_loaded, b + l.bytes_loaded, c + l.evicted));
    let summary = serde_json::json!({
        "bench": "replay",
        "recording": path.display().to_string(),
        "poses": poses.len(),
        "poses_flown": b.frame - 1,
        "frames": ms.len(),
        "seconds": (now - started),
        "warm_up": format!("{WARM_UP_S} s and the path flown once"),
        "frame_ms": {
            "p50": quantile(&ms, 0.5),
            "p95": quantile(&ms, 0.95),
            "p99": quantile(&ms, 0.99),
            "max": ms.last().copied().unwrap_or(0.0),
        },
        "over_4x_median": ms.iter().filter(|&&m| m > 4.0 * quantile(&ms, 0.5)).count(),
        "tiles_loaded": loaded,
        "bytes_loaded": bytes,
        "tiles_evicted": evicted,
        "peak_rss_mib": mib(city_core::peak_resident_bytes().unwrap_or(0)),
        "rss_after_warm_up_mib": b.rss_at_warm_up.map(mib),
        "rss_max_after_warm_up_mib": b.rss_at_warm_up.map(|_| mib(b.rss_max_after)),
        "queries": city_index::queries_answered(),
    });
    println!("{summary}");
    exit.write(AppExit::Success);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poses_written_are_read_back_and_bad_recordings_name_the_line() {
        let o = Orbit { target: Geodetic::from_deg(113.57, 22.27, 3.0), distance_m: 700.0, heading: 0.6, pitch: 0.5 };
        let text = format!("{}\n\n{}\n", pose_line(&o), pose_line(&o));
        let back = read_poses(&text).expect("two poses");
        assert_eq!(back.len(), 2);
        assert!((back[1].target.lon_deg - 113.57).abs() < 1e-12 && (back[1].target.lat_deg - 22.27).abs() < 1e-12);
        assert!((back[0].heading - 0.6).abs() < 1e-12 && (back[0].pitch - 0.5).abs() < 1e-12);
        assert_eq!(back[0].distance_m, 700.0);
        let e = read_poses(&format!("{}\n{{\"lon_deg\": 1}}\n", pose_line(&o))).unwrap_err();
        assert!(e.contains("line 2") && e.contains("lat_deg"), "{e}");
        let e = read_poses(&pose_line(&o).replace("113.57", "514")).unwrap_err();
        assert!(e.contains("line 1") && e.contains("not a place"), "{e}");
        assert!(read_poses("").unwrap_err().contains("no poses"));
    }

    #[test]
    fn quantiles_of_sorted_frame_times() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 51.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
