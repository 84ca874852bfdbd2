//! Tile streaming in a headless Bevy app (no window, no GPU): loads run on the async compute
//! pool, finished tiles become mesh entities shown by the selection, and a tiny memory budget
//! evicts and despawns what the view does not need.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::PathBuf;

use bevy::prelude::*;
use city_bevy::tile_layers::{CurrentView, Layers, TilePart, TilesetLayer};
use city_bevy::{TilesPlugin, ViewerBasePlugin};
use city_tiles::{StreamOptions, View};

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

fn app(layer: TilesetLayer) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<Mesh>().init_asset::<StandardMaterial>().init_asset::<Image>();
    // Looking down at the root volume from three radii above it.
    let t = layer.streamer.tree.get(layer.streamer.tree.root());
    let c = t.bounds.center;
    let len = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
    let up = c.map(|v| v / len);
    let eye = std::array::from_fn(|i| c[i] + up[i] * t.radius_m * 3.0);
    let view = View::looking_at(eye, c, [0.0, 0.0, 1.0]);
    // The layer is opened here, not from a scene; no camera plugin, so the view stays put.
    app.insert_resource(Layers(vec![layer]))
        .insert_resource(CurrentView(Some(view)))
        .add_plugins((ViewerBasePlugin, TilesPlugin::default()));
    app
}

fn run_until_settled(app: &mut App) {
    for _ in 0..2_000 {
        app.update();
        let layers = app.world().resource::<Layers>();
        if layers.0[0].is_settled() && !layers.0[0].loaded.is_empty() {
            app.update(); // visibility follows the selection one frame later
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("still loading after 2000 frames");
}

#[test]
fn tiles_stream_into_entities_and_a_small_budget_evicts() {
    let path = data("3dtiles/1.0/TilesetWithRequestVolume");
    let layer = TilesetLayer::open("city", &path, StreamOptions::default()).unwrap();
    let mut app = app(layer);
    run_until_settled(&mut app);
    let world = app.world_mut();
    let mut q = world.query::<(&TilePart, &Visibility)>();
    let parts: Vec<(TilePart, Visibility)> = q.iter(world).map(|(p, v)| (*p, *v)).collect();
    assert!(!parts.is_empty(), "no entities spawned");
    assert!(parts.iter().any(|(_, v)| *v == Visibility::Inherited), "nothing shown");
    let layers = world.resource::<Layers>();
    assert!(layers.0[0].streamer.failures.is_empty(), "{:?}", layers.0[0].streamer.failures);
    let held = layers.0[0].loaded.len();

    // The same tileset under a 1 KiB budget: it coarsens, evicts and says so; entities go too.
    let mut small =
        TilesetLayer::open("city", &path, StreamOptions { memory_budget_bytes: 1024, ..Default::default() }).unwrap();
    small.visible = true;
    let mut app = app_with(small);
    // Loads finish on other threads: wait (up to ~10 s) until the budget has been hit.
    // Then 200 more frames for the coarser selection to let tiles go.
    let mut after = None;
    for i in 0..5_000 {
        app.update();
        let layer = &app.world().resource::<Layers>().0[0];
        if after.is_none() && layer.streamer.stats().degraded.is_some() && layer.is_settled() {
            after = Some(i);
        }
        if after.is_some_and(|a| i > a + 200) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let world = app.world_mut();
    let stats = world.resource::<Layers>().0[0].streamer.stats();
    assert!(stats.degraded.is_some(), "over budget, the panel must say so: {stats:?}");
    // And it holds still: a still view does not go on loading and evicting.
    assert_eq!(stats.loading, 0, "{stats:?}");
    let now_held = world.resource::<Layers>().0[0].loaded.len();
    assert!(now_held < held, "a 1 KiB budget should hold fewer tiles ({now_held}) than 1 GiB ({held})");
    let mut q = world.query::<&TilePart>();
    let loaded_tiles: std::collections::HashSet<_> = world.resource::<Layers>().0[0].loaded.keys().copied().collect();
    let spawned: Vec<TilePart> = q.iter(world).copied().collect();
    assert!(spawned.iter().all(|p| loaded_tiles.contains(&p.tile)), "an evicted tile left entities behind");
}

fn app_with(layer: TilesetLayer) -> App {
    app(layer)
}

/// Issue 16: `--frame-budget-ms` is applied, not advised. Frames of 100 ms against a 20 ms
/// budget raise the error threshold and the panel says why; the same frames under a 1 s budget
/// change nothing.
#[test]
fn frames_over_the_frame_budget_drop_detail() {
    let path = data("3dtiles/1.0/TilesetWithRequestVolume");
    let run = |budget_ms: f64| {
        let opts = StreamOptions { frame_budget_ms: Some(budget_ms), ..Default::default() };
        let mut app = app(TilesetLayer::open("city", &path, opts).unwrap());
        app.insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(std::time::Duration::from_millis(100)));
        for _ in 0..30 {
            app.update();
        }
        app.world().resource::<Layers>().0[0].streamer.stats()
    };
    let over = run(20.0);
    assert!(over.degraded.as_deref().is_some_and(|d| d.contains("over the 20 ms budget")), "{over:?}");
    assert!(over.sse_px > StreamOptions::default().max_sse_px, "{over:?}");
    let under = run(1_000.0);
    assert!(under.degraded.is_none() && under.sse_px == StreamOptions::default().max_sse_px, "{under:?}");
}
