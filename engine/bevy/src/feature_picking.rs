//! Clicking: which feature or sensor is under the cursor. The cursor becomes a ray in f64 world
//! coordinates; the ray against the loaded triangles is `city_tiles::pick` (plain Rust, tested
//! there), the ray against the sensors' markers `sensor_markers::pick_sensor`. This file only
//! joins them to the window, the camera and what is drawn.
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use city_core::Vec3 as DVec3;
use city_tiles::{FeatureProperties, Picked, pick, point_values};

use crate::camera_control::PointerOverPanel;
use crate::floating_origin::FloatingOrigin;
use crate::iot_state::IotState;
use crate::sensor_markers::pick_sensor;
use crate::tile_layers::Layers;
use crate::viewer_state::{FeatureColors, PickedFeature};
use crate::wall_view::MainCamera;

/// The ray (ECEF origin and direction) from the camera through a window position.
pub fn cursor_ray(
    cursor: Vec2,
    camera: (&Camera, &GlobalTransform),
    origin: &FloatingOrigin,
) -> Option<(DVec3, DVec3)> {
    let ray = camera.0.viewport_to_world(camera.1, cursor).ok()?;
    let o = origin.ecef_point([f64::from(ray.origin.x), f64::from(ray.origin.y), f64::from(ray.origin.z)]);
    let d = origin.ecef_vector([f64::from(ray.direction.x), f64::from(ray.direction.y), f64::from(ray.direction.z)]);
    Some((o, d))
}

/// Picks at a window position: the ray from the camera through that pixel against every drawn
/// tile of every visible layer.
pub fn pick_at(
    cursor: Vec2,
    camera: (&Camera, &GlobalTransform),
    origin: &FloatingOrigin,
    layers: &Layers,
    colors: &FeatureColors,
) -> Option<(Picked, PickedFeature)> {
    let (o, d) = cursor_ray(cursor, camera, origin)?;
    let tiles = layers.0.iter().enumerate().filter(|(_, l)| l.visible).flat_map(|(li, l)| {
        l.last
            .render
            .iter()
            .filter_map(move |t| l.loaded.get(t).map(|lt| (li, *t, &lt.world_from_tile, lt.contents.as_slice())))
    });
    // Hidden and see-through (ghosted) BIM elements are looked through, to what is inside.
    let hidden = |props: &FeatureProperties, f: u32| colors.bim.alpha(props, f as usize).is_some();
    let hit = pick(o, d, tiles, &hidden)?;
    let layer = &layers.0[hit.layer];
    let content = &layer.loaded.get(&hit.tile)?.contents[hit.content];
    let mut picked = FeatureColors::describe(
        hit.layer,
        &layer.streamer.tree,
        (hit.tile, hit.content),
        &content.properties,
        hit.feature,
    );
    // Property attributes and textures: their values where the click landed.
    picked.attributes.extend(point_values(content, &hit));
    Some((hit, picked))
}

/// A click (press and release without a drag) picks what is under the cursor: a sensor's
/// marker when one is nearer along the ray than the feature behind it, else the feature.
#[allow(clippy::too_many_arguments)]
pub fn pick_on_click(
    buttons: Res<'_, ButtonInput<MouseButton>>,
    over_panel: Res<'_, PointerOverPanel>,
    window: Single<'_, '_, &Window, With<PrimaryWindow>>,
    camera: Single<'_, '_, (&Camera, &GlobalTransform), With<MainCamera>>,
    origin: Res<'_, FloatingOrigin>,
    layers: Res<'_, Layers>,
    mut colors: ResMut<'_, FeatureColors>,
    mut pressed_at: Local<'_, Option<Vec2>>,
    iot: Option<ResMut<'_, IotState>>,
) {
    let cursor = window.cursor_position();
    if buttons.just_pressed(MouseButton::Left) {
        *pressed_at = if over_panel.0 { None } else { cursor };
    }
    if buttons.just_released(MouseButton::Left)
        && let (Some(start), Some(now)) = (pressed_at.take(), cursor)
        && start.distance(now) < 4.0
    {
        let feature = pick_at(now, *camera, &origin, &layers, &colors);
        if let Some(mut iot) = iot.filter(|s| s.visible) {
            let sensor = cursor_ray(now, *camera, &origin)
                .and_then(|(o, d)| pick_sensor(o, d, &iot.positions))
                .filter(|(_, t)| feature.as_ref().is_none_or(|(hit, _)| *t < hit.distance_m + 1.0));
            if let Some((i, _)) = sensor {
                iot.selected = Some(i);
                colors.picked = None;
                return;
            }
        }
        colors.picked = feature.map(|(_, f)| f);
    }
}
