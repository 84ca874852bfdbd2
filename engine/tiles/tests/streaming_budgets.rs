//! The memory budget holds while a camera flies over a synthetic city, and a still camera
//! settles: no tile is loaded and evicted over and over.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use city_core::{EnuFrame, Geodetic};
use city_tiles::{LoadOutcome, StreamOptions, TileTree, TilesetStreamer, View, synthetic_tileset};

const TILE_BYTES: usize = 1 << 20;

#[test]
fn memory_stays_under_budget_on_a_flight_and_a_still_view_settles() {
    let centre = Geodetic::from_deg(113.57, 22.27, 0.0);
    let tree = TileTree::from_tileset(&synthetic_tileset(4, 20_000.0, centre), "tileset.json").unwrap();
    let budget = 64 * TILE_BYTES;
    let opts = StreamOptions { memory_budget_bytes: budget, max_loads_in_flight: 8, ..Default::default() };
    let mut s = TilesetStreamer::new(tree, opts);
    let frame = EnuFrame::at(centre);
    let up = frame.axes[2];
    // From 12 km up down to 50 m, then along the streets.
    let mut path = Vec::new();
    for i in 0..60 {
        let h = 12_000.0 * 0.92f64.powi(i) + 50.0;
        path.push(([0.0, -h, h], [0.0, 0.0, 0.0]));
    }
    for i in 0..80 {
        let e = -8_000.0 + 200.0 * i as f64;
        path.push(([e, -500.0, 60.0], [e + 1_000.0, 500.0, 0.0]));
    }
    let mut peak = 0;
    let mut degraded = false;
    for (eye, target) in &path {
        let view = View::looking_at(frame.ecef_from_enu(*eye), frame.ecef_from_enu(*target), up);
        let update = s.update(&[view]);
        for job in &update.start {
            s.finished(job.tile, LoadOutcome::Contents { bytes: TILE_BYTES });
        }
        let stats = s.stats();
        peak = peak.max(stats.used_bytes);
        degraded |= stats.degraded.is_some();
        // Loads start only under budget: at most one round of loads above it.
        assert!(stats.used_bytes <= budget + opts.max_loads_in_flight * TILE_BYTES, "{} MiB", stats.used_bytes >> 20);
    }
    assert!(peak > budget / 2, "the flight should need the budget: peak {} MiB", peak >> 20);
    assert!(degraded, "street level over 11,111 tiles needs more than 64 MiB: the panel must say so");
    // A still camera: after settling, no loads and no evictions.
    let (eye, target) = path[path.len() - 1];
    let view = View::looking_at(frame.ecef_from_enu(eye), frame.ecef_from_enu(target), up);
    let mut quiet_frames = 0;
    for _ in 0..200 {
        let update = s.update(std::slice::from_ref(&view));
        for job in &update.start {
            s.finished(job.tile, LoadOutcome::Contents { bytes: TILE_BYTES });
        }
        if update.start.is_empty() && update.evict.is_empty() {
            quiet_frames += 1;
        } else {
            quiet_frames = 0;
        }
    }
    assert!(quiet_frames >= 50, "a still view keeps loading or evicting: livelock");
    assert!(s.stats().rendered > 0);
}

/// Issue 16: the frame budget is honoured. Frames over it raise the error threshold, so fewer
/// tiles are drawn and the panel says why; frames under it bring the detail back.
#[test]
fn frames_over_the_budget_drop_detail_and_fast_frames_restore_it() {
    let centre = Geodetic::from_deg(113.57, 22.27, 0.0);
    let tree = || TileTree::from_tileset(&synthetic_tileset(4, 20_000.0, centre), "tileset.json").unwrap();
    let opts = StreamOptions { frame_budget_ms: Some(50.0), max_loads_in_flight: 1_000, ..Default::default() };
    let mut s = TilesetStreamer::new(tree(), opts);
    let frame = EnuFrame::at(centre);
    let view =
        View::looking_at(frame.ecef_from_enu([0.0, -1_500.0, 800.0]), frame.ecef_from_enu([0.0; 3]), frame.axes[2]);
    // Frames of `ms` until the selection settles; the tiles drawn then.
    let settle = |s: &mut TilesetStreamer, ms: f64| {
        for _ in 0..40 {
            s.note_frame_time(ms);
            let update = s.update(std::slice::from_ref(&view));
            for job in &update.start {
                s.finished(job.tile, LoadOutcome::Contents { bytes: 1_000 });
            }
        }
        s.stats()
    };
    let fast = settle(&mut s, 10.0);
    assert!(fast.degraded.is_none() && fast.sse_px == opts.max_sse_px, "{fast:?}");
    let slow = settle(&mut s, 200.0);
    assert!(slow.rendered < fast.rendered, "drawn at 200 ms a frame: {} of {}", slow.rendered, fast.rendered);
    assert!(slow.degraded.as_deref().is_some_and(|d| d.contains("over the 50 ms budget")), "{slow:?}");
    let again = settle(&mut s, 10.0);
    assert_eq!(again.rendered, fast.rendered);
    assert!(again.degraded.is_none(), "{again:?}");
    // Without a budget, slow frames change nothing.
    let mut free = TilesetStreamer::new(tree(), StreamOptions { frame_budget_ms: None, ..opts });
    assert_eq!(settle(&mut free, 10.0).rendered, settle(&mut free, 500.0).rendered);
}
