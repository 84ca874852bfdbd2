//! `citytwin bench`: a camera path and what the live layers took in, recorded frame by frame
//! (`--record`, usually of a `--tour`) and replayed frame by frame (`--replay`), so two builds,
//! two machines or two settings fly exactly the same path and take in the same events at the
//! same frames. A frame's line holds its camera pose, the sensor feeds' inputs (each tick's time,
//! from which the simulator's observations follow, and every MQTT message) and the alerts that
//! arrived. A replay drives the sensor feeds with those inputs instead of the wall clock and the
//! broker, and hands the alerts to the incident layer instead of its live sources. It ends with
//! one JSON line: frame times (p50, p95, p99, max), tiles and bytes loaded, tiles evicted,
//! resident memory (peak, after warm-up, and its largest later value), the engine's spatial
//! queries answered and the events replayed. `--duration` loops the recording for that long (a
//! tick's time moves on by the recording's span each loop): the soak test.
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy::prelude::*;
use city_core::Geodetic;
use city_layers::{CapAlert, CapArrival, FeedClock, FeedInput, LayerError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::camera_control::CameraRig;
use crate::incident_layer::{IncidentStart, IncidentState};
use crate::iot_state::{IotState, SensorClock, TICK};
use crate::orbit_camera::Orbit;
use crate::tile_layers::Layers;
use crate::viewer_script::PipelinesWaiting;

/// Seconds of a replay that are warm-up at least: shaders compile and the first tiles load.
/// Warm-up lasts until the path has also been flown once (every view seen, its tiles loaded);
/// resident memory is judged after it.
pub const WARM_UP_S: f64 = 30.0;

/// One frame of a recording: where the camera was and what the live layers took in.
#[derive(Debug, Clone)]
pub struct RecordedFrame {
    /// The camera.
    pub pose: Orbit,
    /// The sensor feeds' inputs since the frame before.
    pub sensors: Vec<FeedInput>,
    /// The alerts (and sources' problems) that arrived since the frame before.
    pub alerts: Vec<CapArrival>,
}

/// What a bench run does.
#[derive(Debug, Clone)]
pub enum BenchMode {
    /// Append each frame (pose and inputs) to this file (JSON lines).
    Record(PathBuf),
    /// Replay these frames, one per frame; loop them until `duration_s` when given.
    Replay {
        /// The recording, for the summary.
        path: PathBuf,
        /// The frames.
        frames: Vec<RecordedFrame>,
        /// Loop the recording for this long (seconds); once through when `None`.
        duration_s: Option<f64>,
    },
}

/// The bench's ends of the channels to the live layers.
#[derive(Default)]
struct Taps {
    /// Recording: what the sensor feeds took in.
    sensors_in: Option<Mutex<Receiver<FeedInput>>>,
    /// Recording: what the incident layer took in.
    alerts_in: Option<Mutex<Receiver<CapArrival>>>,
    /// Replay: drives the sensor feeds.
    sensors_out: Option<Sender<FeedInput>>,
    /// Replay: the incident layer's only live source.
    alerts_out: Option<Sender<CapArrival>>,
}

/// A bench run's state.
#[derive(Resource)]
pub struct Bench {
    mode: BenchMode,
    out: Option<std::fs::File>,
    taps: Taps,
    /// A replay's frames (shared: the mode keeps them too).
    frames: std::sync::Arc<[RecordedFrame]>,
    /// How far a tick's time moves on each loop.
    span_ms: i64,
    frame: usize,
    started_s: Option<f64>,
    frame_ms: Vec<f64>,
    rss_at_warm_up: Option<u64>,
    rss_max_after: u64,
    next_sample_s: f64,
    sensor_inputs: usize,
    alerts: usize,
    done: bool,
}

impl Bench {
    /// A run in `mode`, and the clock its sensor feeds run on; `incidents` (when the scene has
    /// them) is wired to the bench. A recording's file is created (replaced) now.
    pub fn new(mode: BenchMode, incidents: Option<&mut IncidentStart>) -> std::io::Result<(Self, FeedClock)> {
        let mut taps = Taps::default();
        let (out, clock) = match &mode {
            BenchMode::Record(p) => {
                let file = std::fs::File::create(p)?;
                let (tx, rx) = channel();
                taps.sensors_in = Some(Mutex::new(rx));
                if let Some(start) = incidents {
                    let (tx, rx) = channel();
                    start.log = Some(tx);
                    taps.alerts_in = Some(Mutex::new(rx));
                }
                (Some(file), FeedClock::Live { tick: TICK, log: Some(tx) })
            }
            BenchMode::Replay { .. } => {
                let (tx, rx) = channel();
                taps.sensors_out = Some(tx);
                if let Some(start) = incidents {
                    let (tx, rx) = channel();
                    start.live = Some(std::sync::Arc::new(Mutex::new(rx)));
                    taps.alerts_out = Some(tx);
                }
                (None, FeedClock::Driven(rx))
            }
        };
        let frames: std::sync::Arc<[RecordedFrame]> = match &mode {
            BenchMode::Replay { frames, .. } => frames.clone().into(),
            BenchMode::Record(_) => Vec::new().into(),
        };
        let bench = Self {
            span_ms: tick_span_ms(&frames),
            frames,
            mode,
            out,
            taps,
            frame: 0,
            started_s: None,
            frame_ms: Vec::new(),
            rss_at_warm_up: None,
            rss_max_after: 0,
            next_sample_s: 0.0,
            sensor_inputs: 0,
            alerts: 0,
            done: false,
        };
        Ok((bench, clock))
    }
}

/// A payload as JSON: its text when it is UTF-8, else its bytes.
fn payload_json(payload: &[u8]) -> Value {
    match std::str::from_utf8(payload) {
        Ok(text) => Value::from(text),
        Err(_) => Value::from(payload.to_vec()),
    }
}

fn payload_from(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Array(a) => a.iter().map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect(),
        _ => None,
    }
}

/// One recorded frame as a JSON line: the pose in degrees and metres (as a scene's camera is
/// written), then the inputs when there were any.
pub fn frame_line(frame: &RecordedFrame) -> String {
    let o = &frame.pose;
    let mut v = json!({
        "lon_deg": o.target.lon_deg,
        "lat_deg": o.target.lat_deg,
        "height_m": o.target.height_m,
        "distance_m": o.distance_m,
        "heading_deg": o.heading.to_degrees(),
        "pitch_deg": o.pitch.to_degrees(),
    });
    if !frame.sensors.is_empty() {
        v["sensors"] = frame
            .sensors
            .iter()
            .map(|i| match i {
                FeedInput::Tick { now_ms } => json!({ "tick_ms": now_ms }),
                FeedInput::Message { topic, payload } => json!({ "topic": topic, "payload": payload_json(payload) }),
            })
            .collect();
    }
    if !frame.alerts.is_empty() {
        v["alerts"] = frame
            .alerts
            .iter()
            .map(|a| match a {
                CapArrival::Alert { source, alert: Ok(alert) } => json!({ "source": source, "alert": alert }),
                CapArrival::Alert { source, alert: Err(e) } => json!({ "source": source, "error": e.to_string() }),
                CapArrival::Message { topic, payload } => json!({ "topic": topic, "payload": payload_json(payload) }),
                CapArrival::Problem(p) => json!({ "problem": p }),
            })
            .collect();
    }
    v.to_string()
}

/// The frames of a recording; an error naming the line (and the input) that is not one.
pub fn read_recording(text: &str) -> Result<Vec<RecordedFrame>, String> {
    let mut frames = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |what: String| format!("line {}: {what}", n + 1);
        let v: Value = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let num =
            |k: &str| v[k].as_f64().filter(|x| x.is_finite()).ok_or_else(|| at(format!("{k} is not a finite number")));
        let (lon, lat) = (num("lon_deg")?, num("lat_deg")?);
        if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            return Err(at(format!("{lon}, {lat} is not a place on Earth")));
        }
        let pose = Orbit {
            target: Geodetic::from_deg(lon, lat, num("height_m")?),
            distance_m: num("distance_m")?.max(1.0),
            heading: num("heading_deg")?.to_radians(),
            pitch: num("pitch_deg")?.to_radians(),
        };
        let list = |k: &str| v[k].as_array().map(Vec::as_slice).unwrap_or_default();
        let mut sensors = Vec::new();
        for (i, s) in list("sensors").iter().enumerate() {
            let bad = || at(format!("sensors[{i}] is neither {{\"tick_ms\"}} nor {{\"topic\", \"payload\"}}"));
            sensors.push(if let Some(now_ms) = s["tick_ms"].as_i64() {
                FeedInput::Tick { now_ms }
            } else {
                let topic = s["topic"].as_str().ok_or_else(bad)?.to_string();
                FeedInput::Message { topic, payload: payload_from(&s["payload"]).ok_or_else(bad)? }
            });
        }
        let mut alerts = Vec::new();
        for (i, a) in list("alerts").iter().enumerate() {
            let bad = |why: &str| at(format!("alerts[{i}]: {why}"));
            alerts.push(if let Some(p) = a["problem"].as_str() {
                CapArrival::Problem(p.to_string())
            } else if let Some(topic) = a["topic"].as_str() {
                let payload = payload_from(&a["payload"]).ok_or_else(|| bad("a message without a payload"))?;
                CapArrival::Message { topic: topic.to_string(), payload }
            } else {
                let source = a["source"].as_str().ok_or_else(|| bad("no source, topic or problem"))?.to_string();
                let alert = match a.get("alert") {
                    Some(alert) => {
                        Ok(CapAlert::deserialize(alert).map_err(|e| bad(&format!("not an alert as recorded: {e}")))?)
                    }
                    None => {
                        Err(LayerError::Rule(a["error"].as_str().ok_or_else(|| bad("neither alert nor error"))?.into()))
                    }
                };
                CapArrival::Alert { source, alert }
            });
        }
        frames.push(RecordedFrame { pose, sensors, alerts });
    }
    if frames.is_empty() {
        return Err("no poses".into());
    }
    Ok(frames)
}

/// The span of a recording's ticks, ms (from the first to one tick after the last): how far a
/// tick's time moves on each time a replay loops, so the simulator never goes back in time.
fn tick_span_ms(frames: &[RecordedFrame]) -> i64 {
    let ticks: Vec<i64> = frames
        .iter()
        .flat_map(|f| &f.sensors)
        .filter_map(|i| match i {
            FeedInput::Tick { now_ms } => Some(*now_ms),
            FeedInput::Message { .. } => None,
        })
        .collect();
    match (ticks.iter().min(), ticks.iter().max()) {
        (Some(a), Some(b)) => b - a + TICK.as_millis() as i64,
        _ => 0,
    }
}

/// The value at quantile `q` (0..1) of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Adds `citytwin bench` to the viewer: the bench's state and system, the sensor feeds' clock,
/// and `incidents` (before the incident layer is made from it) wired to the bench. The system
/// runs after the camera has been read and moved by the user (recording) and before it is
/// applied (replay: the pose is set here).
pub fn add_bench(app: &mut App, mode: BenchMode, incidents: Option<&mut IncidentStart>) {
    match Bench::new(mode, incidents) {
        Ok((bench, clock)) => {
            app.insert_resource(bench).insert_resource(SensorClock(Mutex::new(Some(clock)))).add_systems(
                Update,
                run_bench.in_set(crate::plugins::ViewerSet::Input).after(crate::camera_control::camera_input),
            );
        }
        Err(e) => error!("bench: cannot create the recording: {e}"),
    }
}

impl Bench {
    /// Recording: this frame's pose and what the layers took in since the last, as a line.
    fn record(&mut self, pose: Orbit) {
        fn drain<T>(rx: &Option<Mutex<Receiver<T>>>) -> Vec<T> {
            match rx.as_ref().map(Mutex::lock) {
                Some(Ok(rx)) => rx.try_iter().collect(),
                _ => Vec::new(),
            }
        }
        let frame = RecordedFrame { pose, sensors: drain(&self.taps.sensors_in), alerts: drain(&self.taps.alerts_in) };
        self.sensor_inputs += frame.sensors.len();
        self.alerts += frame.alerts.len();
        if let Some(out) = &mut self.out
            && let Err(e) = writeln!(out, "{}", frame_line(&frame))
        {
            error!("bench: cannot write the recording: {e}");
            self.out = None;
        }
    }

    /// Replay: frame `k` (counting on through loops) handed to the layers; its pose.
    fn replay(&mut self, k: usize) -> Orbit {
        let frame = &self.frames[k % self.frames.len()];
        let shift = (k / self.frames.len()) as i64 * self.span_ms;
        if let Some(tx) = &self.taps.sensors_out {
            for input in &frame.sensors {
                let input = match input {
                    FeedInput::Tick { now_ms } => FeedInput::Tick { now_ms: now_ms + shift },
                    other => other.clone(),
                };
                self.sensor_inputs += usize::from(tx.send(input).is_ok());
            }
        }
        if let Some(tx) = &self.taps.alerts_out {
            for a in &frame.alerts {
                self.alerts += usize::from(tx.send(a.clone()).is_ok());
            }
        }
        frame.pose
    }
}

/// Each frame: records the pose and inputs, or replays the next frame's and measures; at the
/// end of a replay prints the summary and exits.
pub fn run_bench(
    mut bench: ResMut<'_, Bench>,
    mut rig: ResMut<'_, CameraRig>,
    time: Res<'_, Time<Real>>,
    waiting: Res<'_, PipelinesWaiting>,
    layers: Res<'_, Layers>,
    (iot, incidents): (Option<Res<'_, IotState>>, Option<Res<'_, IncidentState>>),
    mut exit: MessageWriter<'_, AppExit>,
) {
    let b = &mut *bench;
    if b.done {
        return;
    }
    let now = time.elapsed_secs_f64();
    b.frame += 1;
    let (frames, duration_s, path) = match &b.mode {
        BenchMode::Record(_) => {
            b.record(rig.orbit);
            return;
        }
        BenchMode::Replay { duration_s, path, .. } => (b.frames.clone(), *duration_s, path.clone()),
    };
    // Frames count once the shaders have compiled (before, a frame waits on them).
    let started = *b.started_s.get_or_insert(now);
    if waiting.0 == 0 && b.frame > 3 {
        b.frame_ms.push(time.delta_secs_f64() * 1000.0);
    }
    if now >= b.next_sample_s {
        b.next_sample_s = now + 1.0;
        let rss = city_core::resident_bytes().unwrap_or(0);
        if now - started >= WARM_UP_S && b.frame > frames.len() {
            b.rss_at_warm_up.get_or_insert(rss);
            b.rss_max_after = b.rss_max_after.max(rss);
        }
    }
    let finished = match duration_s {
        Some(d) => now - started >= d,
        None => b.frame > frames.len(),
    };
    if !finished {
        rig.flight = None;
        rig.orbit = b.replay(b.frame - 1);
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
        "poses": frames.len(),
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
        "sensor_inputs_replayed": b.sensor_inputs,
        "sensor_ticks": iot.map(|s| s.live.status().ticks),
        "alerts_replayed": b.alerts,
        "incident_steps": incidents.map(|s| s.timeline.steps.len()),
    });
    println!("{summary}");
    exit.write(AppExit::Success);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pose() -> Orbit {
        Orbit { target: Geodetic::from_deg(113.57, 22.27, 3.0), distance_m: 700.0, heading: 0.6, pitch: 0.5 }
    }

    #[test]
    fn frames_written_are_read_back_and_bad_recordings_name_the_line() {
        let still = RecordedFrame { pose: pose(), sensors: Vec::new(), alerts: Vec::new() };
        let xml = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>A1</identifier><sender>s</sender>\
                   <sent>2026-11-30T10:00:00Z</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>\
                   <info><event>Flood</event><severity>Severe</severity><area><areaDesc>x</areaDesc>\
                   <circle>22.27,113.57 1.5</circle></area></info></alert>";
        let alert = CapAlert::parse(xml, "a.xml").expect("a CAP alert");
        let busy = RecordedFrame {
            pose: pose(),
            sensors: vec![
                FeedInput::Tick { now_ms: 1_796_000_000_123 },
                FeedInput::Message { topic: "t/1".into(), payload: br#"{"result": 21.5}"#.to_vec() },
                FeedInput::Message { topic: "t/2".into(), payload: vec![0xff, 0x00, 0x7b] },
            ],
            alerts: vec![
                CapArrival::Alert { source: "feed (entry 1)".into(), alert: Ok(alert.clone()) },
                CapArrival::Alert {
                    source: "feed (entry 2)".into(),
                    alert: Err(LayerError::Rule("line 3: no <alert>".into())),
                },
                CapArrival::Message { topic: "cap".into(), payload: xml.as_bytes().to_vec() },
                CapArrival::Problem("feed http://x: HTTP 503".into()),
            ],
        };
        let text = format!("{}\n\n{}\n", frame_line(&still), frame_line(&busy));
        let back = read_recording(&text).expect("two frames");
        assert_eq!(back.len(), 2);
        let p = back[1].pose;
        assert!((p.target.lon_deg - 113.57).abs() < 1e-12 && (p.target.lat_deg - 22.27).abs() < 1e-12);
        assert!((p.heading - 0.6).abs() < 1e-12 && (p.pitch - 0.5).abs() < 1e-12);
        assert_eq!(p.distance_m, 700.0);
        assert!(back[0].sensors.is_empty() && back[0].alerts.is_empty());
        assert_eq!(back[1].sensors, busy.sensors, "ticks and messages, bytes that are not UTF-8 included");
        match &back[1].alerts[..] {
            [
                CapArrival::Alert { alert: Ok(a), source },
                CapArrival::Alert { alert: Err(e), .. },
                CapArrival::Message { payload, .. },
                CapArrival::Problem(p),
            ] => {
                assert_eq!((a, source.as_str()), (&alert, "feed (entry 1)"), "the alert as read, circle and all");
                assert_eq!(e.to_string(), "line 3: no <alert>");
                assert_eq!(payload, xml.as_bytes());
                assert!(p.contains("503"));
            }
            other => panic!("{other:?}"),
        }
        let e = read_recording(&format!("{}\n{{\"lon_deg\": 1}}\n", frame_line(&still))).unwrap_err();
        assert!(e.contains("line 2") && e.contains("lat_deg"), "{e}");
        let e = read_recording(&frame_line(&still).replace("113.57", "514")).unwrap_err();
        assert!(e.contains("line 1") && e.contains("not a place"), "{e}");
        let e = read_recording(&frame_line(&busy).replace("\"tick_ms\"", "\"tock\"")).unwrap_err();
        assert!(e.contains("line 1") && e.contains("sensors[0]"), "{e}");
        let e = read_recording(&frame_line(&busy).replace("\"severity\":\"Severe\"", "\"severity\":7")).unwrap_err();
        assert!(e.contains("alerts[0]") && e.contains("not an alert"), "{e}");
        assert!(read_recording("").unwrap_err().contains("no poses"));
    }

    #[test]
    fn a_replay_drives_the_feeds_and_moves_ticks_on_when_it_loops() {
        let frame = |ticks: &[i64]| RecordedFrame {
            pose: pose(),
            sensors: ticks.iter().map(|&now_ms| FeedInput::Tick { now_ms }).collect(),
            alerts: vec![CapArrival::Problem("p".into())],
        };
        let frames = vec![frame(&[10_000]), frame(&[]), frame(&[12_000])];
        let mode = BenchMode::Replay { path: "r.jsonl".into(), frames, duration_s: None };
        let mut incidents = IncidentStart {
            timeline: Default::default(),
            analysis: None,
            ecef_from_local: city_tiles::Mat4::IDENTITY,
            live: None,
            log: None,
            step: None,
        };
        let (mut bench, clock) = Bench::new(mode, Some(&mut incidents)).expect("no file to make");
        let FeedClock::Driven(ticks) = clock else { panic!("a replay drives the feeds") };
        for k in 0..6 {
            assert!((bench.replay(k).distance_m - 700.0).abs() < 1e-9);
        }
        let got: Vec<FeedInput> = ticks.try_iter().collect();
        // The span is first to last tick plus one tick: 3 s, added on each loop.
        let want: Vec<FeedInput> =
            [10_000, 12_000, 13_000, 15_000].into_iter().map(|now_ms| FeedInput::Tick { now_ms }).collect();
        assert_eq!(got, want);
        let live = incidents.live.expect("the alerts come from the bench");
        assert_eq!(live.lock().unwrap().try_iter().count(), 6, "each frame's alert, each loop");
        assert_eq!((bench.sensor_inputs, bench.alerts), (4, 6));
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
