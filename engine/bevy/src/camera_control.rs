//! The camera systems: input to the orbit (skipped while the pointer is over a panel), flights
//! to bookmarks, and each frame the floating origin and the Bevy camera from the f64 orbit.
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use city_core::{Vec3 as DVec3, ecef_from_geodetic};
use city_tiles::View;

use crate::floating_origin::FloatingOrigin;
use crate::orbit_camera::{Flight, Orbit};
use crate::split_view::{SplitRight, SplitView, spawn_right_camera};
use crate::tile_layers::CurrentView;
use crate::wall_view::{MainCamera, WallLayout, WallTile, projection_for, spawn_cameras};

/// The camera's state.
#[derive(Resource, Debug, Clone)]
pub struct CameraRig {
    /// Where it is.
    pub orbit: Orbit,
    /// A flight in progress.
    pub flight: Option<Flight>,
    /// Keys 1-9 fly to these.
    pub bookmarks: Vec<(String, Orbit)>,
    /// Vertical field of view, radians.
    pub fov_y: f64,
}

impl CameraRig {
    /// Starts a smooth flight to `to`.
    pub fn fly_to(&mut self, to: Orbit) {
        self.flight = Some(Flight { from: self.orbit, to, t: 0.0, duration: 1.5 });
    }
}

/// Start-up: the 3D cameras. The primary window's (and, on a wall, one per further screen:
/// `wall_view.rs`) and, in split mode, the right half's (`split_view.rs`).
pub fn spawn_view_cameras(
    mut commands: Commands<'_, '_>,
    wall: Res<'_, WallLayout>,
    split: Option<Res<'_, SplitView>>,
) {
    spawn_cameras(&mut commands, &wall);
    if split.is_some() {
        spawn_right_camera(&mut commands);
    }
}

/// Whether egui has the pointer (set by the panels each frame).
#[derive(Resource, Debug, Default)]
pub struct PointerOverPanel(pub bool);

/// Where the cursor's ray meets the horizontal plane through the orbit's target (ECEF).
pub fn cursor_ground_point(
    rig: &CameraRig,
    origin: &FloatingOrigin,
    camera: (&Camera, &GlobalTransform),
    cursor: Vec2,
) -> Option<DVec3> {
    let ray = camera.0.viewport_to_world(camera.1, cursor).ok()?;
    let o = origin.ecef_point([f64::from(ray.origin.x), f64::from(ray.origin.y), f64::from(ray.origin.z)]);
    let d = origin.ecef_vector([f64::from(ray.direction.x), f64::from(ray.direction.y), f64::from(ray.direction.z)]);
    let t = ecef_from_geodetic(rig.orbit.target);
    let up = rig.orbit.enu()[2];
    let denom: f64 = (0..3).map(|i| d[i] * up[i]).sum();
    if denom.abs() < 1e-9 {
        return None;
    }
    let s: f64 = (0..3).map(|i| (t[i] - o[i]) * up[i]).sum::<f64>() / denom;
    (s > 0.0).then(|| std::array::from_fn(|i| o[i] + d[i] * s))
}

/// Mouse and keys to the orbit.
#[allow(clippy::too_many_arguments)]
pub fn camera_input(
    mut rig: ResMut<'_, CameraRig>,
    buttons: Res<'_, ButtonInput<MouseButton>>,
    keys: Res<'_, ButtonInput<KeyCode>>,
    motion: Res<'_, AccumulatedMouseMotion>,
    scroll: Res<'_, AccumulatedMouseScroll>,
    over_panel: Res<'_, PointerOverPanel>,
    time: Res<'_, Time>,
    origin: Res<'_, FloatingOrigin>,
    window: Single<'_, '_, &Window, With<PrimaryWindow>>,
    camera: Single<'_, '_, (&Camera, &GlobalTransform), With<MainCamera>>,
) {
    let digits = [
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ];
    for (i, k) in digits.iter().enumerate() {
        if keys.just_pressed(*k)
            && let Some((_, pose)) = rig.bookmarks.get(i).cloned()
        {
            rig.fly_to(pose);
        }
    }
    if over_panel.0 {
        return;
    }
    let d = motion.delta;
    let height = f64::from(window.height().max(1.0));
    if buttons.pressed(MouseButton::Left) && d != Vec2::ZERO {
        rig.flight = None;
        rig.orbit.rotate(f64::from(d.x) * 0.005, f64::from(d.y) * 0.005);
    }
    if (buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle)) && d != Vec2::ZERO {
        rig.flight = None;
        // One screen height of drag moves the view by what it shows.
        let metres_per_px = 2.0 * rig.orbit.distance_m * (rig.fov_y * 0.5).tan() / height;
        rig.orbit.pan(-f64::from(d.x) * metres_per_px, f64::from(d.y) * metres_per_px, 0.0);
    }
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    if lines != 0.0 {
        rig.flight = None;
        let towards = window.cursor_position().and_then(|c| cursor_ground_point(&rig, &origin, *camera, c));
        rig.orbit.zoom(0.85f64.powf(f64::from(lines)), towards);
    }
    // Fly mode: W/A/S/D along the ground, Q/E down and up, faster with Shift.
    let speed = rig.orbit.distance_m * if keys.pressed(KeyCode::ShiftLeft) { 2.0 } else { 0.6 } * time.delta_secs_f64();
    let axis = |pos: KeyCode, neg: KeyCode| f64::from(i8::from(keys.pressed(pos)) - i8::from(keys.pressed(neg)));
    let (r, f, u) =
        (axis(KeyCode::KeyD, KeyCode::KeyA), axis(KeyCode::KeyW, KeyCode::KeyS), axis(KeyCode::KeyE, KeyCode::KeyQ));
    if r != 0.0 || f != 0.0 || u != 0.0 {
        rig.flight = None;
        rig.orbit.pan(r * speed, f * speed, u * speed);
    }
}

/// What `apply_camera` sets on each 3D camera: pose, projection, viewport; which screen part it
/// draws, and whether it is split mode's right half.
type ViewCamera<'a> = (&'a mut Transform, &'a mut Projection, &'a mut Camera, &'a WallTile, Has<SplitRight>);

/// The orbit (or flight) to the floating origin, the Bevy cameras (one per screen of a wall)
/// and the selection view: on a wall, the whole large view, so one selection serves every
/// screen.
#[allow(clippy::too_many_arguments)]
pub fn apply_camera(
    mut rig: ResMut<'_, CameraRig>,
    time: Res<'_, Time>,
    mut origin: ResMut<'_, FloatingOrigin>,
    mut view: ResMut<'_, CurrentView>,
    wall: Res<'_, WallLayout>,
    window: Single<'_, '_, &Window, With<PrimaryWindow>>,
    mut cameras: Query<'_, '_, ViewCamera<'_>, With<Camera3d>>,
    split: Option<Res<'_, SplitView>>,
) {
    if let Some(mut flight) = rig.flight {
        let (pose, arrived) = flight.step(time.delta_secs_f64());
        rig.orbit = pose;
        rig.flight = (!arrived).then_some(flight);
    }
    let (eye, forward, up) = rig.orbit.eye();
    *origin = FloatingOrigin::at(eye);
    let f = origin.render_vector(forward);
    let u = origin.render_vector(up);
    let to = |v: DVec3| Vec3::new(v[0] as f32, v[1] as f32, v[2] as f32);
    let near = (rig.orbit.distance_m * 1e-3).clamp(0.05, 50.0) as f32;
    let far = (rig.orbit.distance_m * 50.0 + 50_000.0) as f32;
    // A single window follows its own size (it may be resized); a wall keeps its layout.
    let mut layout = *wall;
    let window_size = UVec2::new(window.physical_width().max(1), window.physical_height().max(1));
    if !layout.is_wall() {
        layout.size = window_size;
    }
    // Split mode: each camera draws its half of the window; both halves show the same view.
    let halves = split.is_some().then(|| crate::split_view::halves(window_size));
    if let Some((left, _)) = &halves {
        layout.size = left.physical_size;
    }
    for (mut transform, mut projection, mut camera, tile, right) in &mut cameras {
        *transform = Transform::IDENTITY.looking_to(to(f), to(u));
        *projection = projection_for(&layout, *tile, rig.fov_y as f32, near, far);
        if let Some((l, r)) = &halves {
            let want = if right { r } else { l };
            if camera
                .viewport
                .as_ref()
                .is_none_or(|v| v.physical_position != want.physical_position || v.physical_size != want.physical_size)
            {
                camera.viewport = Some(want.clone());
            }
        }
    }
    let full = layout.full_size();
    let (w, h) = (f64::from(full.x), f64::from(full.y));
    view.0 = Some(View::perspective(eye, forward, up, rig.fov_y, w / h, h));
}
