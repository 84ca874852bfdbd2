//! Unattended runs: `--screenshot FILE` writes a PNG once every selected tile has loaded and
//! the GPU pipelines are compiled, then exits; `--click X,Y` first picks at that pixel and
//! prints the feature. F12 writes a screenshot at any time.
use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use crate::camera_control::CameraRig;
use crate::feature_picking::pick_at;
use crate::floating_origin::FloatingOrigin;
use crate::tile_layers::Layers;
use crate::viewer_state::FeatureColors;
use crate::wall_view::{MainCamera, WallLayout, WallTile};

/// What an unattended run does.
#[derive(Resource, Debug, Clone, Default)]
pub struct ViewerScript {
    /// Write this PNG when everything has loaded, then exit.
    pub screenshot: Option<PathBuf>,
    /// Pick at this window position (logical pixels) first.
    pub click: Option<Vec2>,
    /// Before the screenshot, fly to each bookmark in turn, waiting at each until it has
    /// loaded (`--tour`: measures frames while streaming against frames at rest).
    pub tour: bool,
    /// Seconds to stay at rest before the screenshot (`--hold`), frames measured over them.
    pub hold_s: f64,
    /// When the hold began (seconds since the start).
    held_since: Option<f64>,
    /// Bookmarks visited so far on the tour.
    toured: usize,
    /// Frames in a row with nothing loading and no pipeline compiling.
    settled_frames: u32,
    /// Frames since the start.
    frames: u32,
    /// The screenshot has been asked for.
    taken: bool,
    /// The click has been done (frames since).
    clicked: Option<u32>,
    /// Frame times (ms) while something was loading, and once everything had.
    loading_ms: Vec<f64>,
    rest_ms: Vec<f64>,
    /// Seconds from the start to the first frame with everything loaded.
    first_complete_s: Option<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

impl ViewerScript {
    /// A script for these options.
    pub fn new(screenshot: Option<PathBuf>, click: Option<Vec2>, tour: bool, hold_s: f64) -> Self {
        Self { screenshot, click, tour, hold_s, ..Default::default() }
    }
}

/// The screenshot of the wall's screen (`col`, `row`): `NAME-COL-ROW.png` beside `path`.
pub fn wall_file(path: &std::path::Path, col: u32, row: u32) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "screenshot".into());
    path.with_file_name(format!("{stem}-{col}-{row}.png"))
}

/// Render pipelines still compiling (copied from the render world each frame): shaders compile
/// in the background, and a frame taken before they are ready is black.
#[derive(Resource, Debug, Default)]
pub struct PipelinesWaiting(pub usize);

/// Runs in the render world's extract: counts pipelines still compiling.
pub fn count_waiting_pipelines(
    mut main: ResMut<'_, bevy::render::MainWorld>,
    cache: Res<'_, bevy::render::render_resource::PipelineCache>,
) {
    if let Some(mut w) = main.get_resource_mut::<PipelinesWaiting>() {
        w.0 = cache.waiting_pipelines().count();
    }
}

/// Waits until the city has loaded, then clicks, screenshots and exits as asked.
#[allow(clippy::too_many_arguments)]
pub fn run_script(
    mut commands: Commands<'_, '_>,
    mut script: ResMut<'_, ViewerScript>,
    layers: Res<'_, Layers>,
    waiting: Res<'_, PipelinesWaiting>,
    origin: Res<'_, FloatingOrigin>,
    camera: Single<'_, '_, (&Camera, &GlobalTransform), With<MainCamera>>,
    mut colors: ResMut<'_, FeatureColors>,
    keys: Res<'_, ButtonInput<KeyCode>>,
    time: Res<'_, Time<Real>>,
    mut rig: ResMut<'_, CameraRig>,
    wall: Res<'_, WallLayout>,
    parts: Query<'_, '_, (&WallTile, Option<&bevy::camera::RenderTarget>)>,
) {
    if keys.just_pressed(KeyCode::F12) {
        let name = format!(
            "citytwin-{}.png",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
        );
        info!("screenshot: {name}");
        commands.spawn(Screenshot::primary_window()).observe(save_to_disk(name));
    }
    if script.screenshot.is_none() && script.click.is_none() && !script.tour && script.hold_s <= 0.0 {
        return;
    }
    script.frames += 1;
    let settled = layers.0.iter().all(|l| l.is_settled()) && waiting.0 == 0 && rig.flight.is_none();
    // Frame times, once the shaders have compiled: while tiles load (and decode on other
    // threads) against at rest. Loading must not make frames slower.
    if waiting.0 == 0 && script.frames > 3 {
        let ms = time.delta_secs_f64() * 1000.0;
        if settled { script.rest_ms.push(ms) } else { script.loading_ms.push(ms) }
    }
    if settled && script.first_complete_s.is_none() {
        script.first_complete_s = Some(time.elapsed_secs_f64());
    }
    script.settled_frames = if settled { script.settled_frames + 1 } else { 0 };
    if script.settled_frames < 15 || script.frames < 10 || script.taken {
        return;
    }
    if script.tour && script.toured < rig.bookmarks.len() {
        let pose = rig.bookmarks[script.toured].1;
        info!("tour: flying to {}", rig.bookmarks[script.toured].0);
        rig.fly_to(pose);
        script.toured += 1;
        script.settled_frames = 0;
        return;
    }
    if let Some(at) = script.click {
        match script.clicked {
            None => {
                let picked = pick_at(at, *camera, &origin, &layers, &colors);
                match &picked {
                    Some((_, f)) => {
                        println!("picked: {}", f.id.clone().unwrap_or_else(|| format!("feature {:?}", f.feature)));
                        // What the panel shows, for scripts: attributes, then 1.1 metadata.
                        for (k, v) in &f.attributes {
                            println!("  {k}: {v}");
                        }
                        for m in &f.metadata {
                            println!("  {} metadata {}: {}", m.scope, m.name, m.value);
                        }
                    }
                    None => println!("picked: nothing"),
                }
                colors.picked = picked.map(|(_, f)| f);
                script.clicked = Some(0);
                return;
            }
            // A few frames for the highlight to reach the screen.
            Some(n) if n < 4 => {
                script.clicked = Some(n + 1);
                return;
            }
            Some(_) => {}
        }
    }
    if script.hold_s > 0.0 {
        let now = time.elapsed_secs_f64();
        let since = *script.held_since.get_or_insert(now);
        if since == now {
            // Frames at rest are measured over the hold only.
            script.rest_ms.clear();
        }
        if now - since < script.hold_s {
            return;
        }
    }
    script.taken = true;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!("frames at rest: mean {:.1} ms over {} frames", mean(&script.rest_ms), script.rest_ms.len());
    println!(
        "frames: {} while loading (median {:.1} ms), {} at rest (median {:.1} ms); first complete frame after {:.2} s",
        script.loading_ms.len(),
        median(&script.loading_ms),
        script.rest_ms.len(),
        median(&script.rest_ms),
        script.first_complete_s.unwrap_or(0.0)
    );
    let (loads, distinct) = layers.0.iter().fold((0, 0), |(a, b), x| (a + x.loads, b + x.distinct.len()));
    println!("tile loads: {loads} for {distinct} distinct tiles");
    match script.screenshot.clone() {
        Some(path) => {
            // One picture per screen: the primary window's under the name given, on a wall
            // each screen's as NAME-COL-ROW.png.
            let shots: Vec<(Screenshot, PathBuf)> = if wall.is_wall() {
                parts
                    .iter()
                    .map(|(tile, target)| {
                        let file = wall_file(&path, tile.col, tile.row);
                        match target {
                            Some(bevy::camera::RenderTarget::Window(bevy::window::WindowRef::Entity(w))) => {
                                (Screenshot::window(*w), file)
                            }
                            _ => (Screenshot::primary_window(), file),
                        }
                    })
                    .collect()
            } else {
                vec![(Screenshot::primary_window(), path)]
            };
            let left = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(shots.len()));
            for (shot, file) in shots {
                let left = left.clone();
                commands.spawn(shot).observe(save_to_disk(file.clone())).observe(
                    move |_: On<'_, '_, ScreenshotCaptured>, mut exit: MessageWriter<'_, AppExit>| {
                        info!("wrote {}", file.display());
                        if left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                            exit.write(AppExit::Success);
                        }
                    },
                );
            }
        }
        None if script.click.is_some() || script.tour || script.hold_s > 0.0 => {
            commands.write_message(AppExit::Success);
        }
        None => {}
    }
}
