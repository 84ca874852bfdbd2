//! Which feature is under the cursor: the cursor's ray against the triangles of the loaded
//! tiles, in f64 world coordinates. Works for any tileset, ours or foreign: the hit triangle's
//! feature id (`EXT_mesh_features` or b3dm `_BATCHID`) names the row of the tile's properties.
use city_core::Vec3 as DVec3;
use city_tiles::{DecodedContent, Mat4 as DMat4, TileId};

/// What a ray hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Picked {
    /// The layer (tileset) index.
    pub layer: usize,
    /// The tile.
    pub tile: TileId,
    /// Which of the tile's contents.
    pub content: usize,
    /// The feature id, when the mesh has them.
    pub feature: Option<u32>,
    /// Distance along the ray, metres.
    pub distance_m: f64,
}

fn sub(a: DVec3, b: DVec3) -> DVec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn cross(a: DVec3, b: DVec3) -> DVec3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}
fn dot(a: DVec3, b: DVec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Möller-Trumbore: the ray parameter of the hit, if the ray crosses the triangle (either side).
fn ray_triangle(o: DVec3, d: DVec3, a: DVec3, b: DVec3, c: DVec3) -> Option<f64> {
    let (e1, e2) = (sub(b, a), sub(c, a));
    let p = cross(d, e2);
    let det = dot(e1, p);
    if det.abs() < 1e-18 {
        return None;
    }
    let inv = 1.0 / det;
    let s = sub(o, a);
    let u = dot(s, p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = cross(s, e1);
    let v = dot(d, q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let t = dot(e2, q) * inv;
    (t > 0.0).then_some(t)
}

/// The nearest feature hit by the ray `origin + t dir` (ECEF) among `tiles`: (layer, tile, the
/// tile's world transform, its decoded contents), passing over the features `hidden` says are
/// not drawn (a BIM filter's).
pub fn pick<'a>(
    origin: DVec3,
    dir: DVec3,
    tiles: impl Iterator<Item = (usize, TileId, &'a DMat4, &'a [DecodedContent])>,
    hidden: &dyn Fn(&city_tiles::FeatureProperties, u32) -> bool,
) -> Option<Picked> {
    let len = dot(dir, dir).sqrt();
    if len == 0.0 {
        return None;
    }
    let mut best: Option<Picked> = None;
    for (layer, tile, world_from_tile, contents) in tiles {
        for (ci, content) in contents.iter().enumerate() {
            for part in &content.meshes {
                let identity = [DMat4::IDENTITY];
                let instances: &[DMat4] = if part.instances.is_empty() { &identity } else { &part.instances };
                for inst in instances {
                    let world_from_mesh = world_from_tile.mul(inst).mul(&part.tile_from_mesh);
                    let mesh_from_world = world_from_mesh.inverse_affine();
                    // Affine maps keep the ray parameter: t here is t in the world.
                    let (o, d) = (mesh_from_world.point(origin), mesh_from_world.vector(dir));
                    let v = |i: u32| part.positions[i as usize].map(f64::from);
                    for tri in part.indices.chunks_exact(3) {
                        let Some(t) = ray_triangle(o, d, v(tri[0]), v(tri[1]), v(tri[2])) else { continue };
                        let distance_m = t * len;
                        if best.is_none_or(|b| distance_m < b.distance_m) {
                            let feature = part.feature_ids.as_ref().and_then(|f| f.get(tri[0] as usize).copied());
                            if feature.is_some_and(|f| hidden(&content.properties, f)) {
                                continue;
                            }
                            best = Some(Picked { layer, tile, content: ci, feature, distance_m });
                        }
                    }
                }
            }
        }
    }
    best
}

/// The ray (ECEF origin and direction) from the camera through a window position.
pub fn cursor_ray(
    cursor: bevy::math::Vec2,
    camera: (&bevy::camera::Camera, &bevy::transform::components::GlobalTransform),
    origin: &crate::floating_origin::FloatingOrigin,
) -> Option<(DVec3, DVec3)> {
    let ray = camera.0.viewport_to_world(camera.1, cursor).ok()?;
    let o = origin.ecef_point([f64::from(ray.origin.x), f64::from(ray.origin.y), f64::from(ray.origin.z)]);
    let d = origin.ecef_vector([f64::from(ray.direction.x), f64::from(ray.direction.y), f64::from(ray.direction.z)]);
    Some((o, d))
}

/// Picks at a window position: the ray from the camera through that pixel against every drawn
/// tile of every visible layer.
pub fn pick_at(
    cursor: bevy::math::Vec2,
    camera: (&bevy::camera::Camera, &bevy::transform::components::GlobalTransform),
    origin: &crate::floating_origin::FloatingOrigin,
    layers: &crate::tile_layers::Layers,
    colors: &crate::viewer_state::FeatureColors,
) -> Option<(Picked, crate::viewer_state::PickedFeature)> {
    let (o, d) = cursor_ray(cursor, camera, origin)?;
    let tiles = layers.0.iter().enumerate().filter(|(_, l)| l.visible).flat_map(|(li, l)| {
        l.last
            .render
            .iter()
            .filter_map(move |t| l.loaded.get(t).map(|lt| (li, *t, &lt.world_from_tile, lt.contents.as_slice())))
    });
    // Hidden and see-through (ghosted) BIM elements are looked through, to what is inside.
    let hidden = |props: &city_tiles::FeatureProperties, f: u32| colors.bim.alpha(props, f as usize).is_some();
    let hit = pick(o, d, tiles, &hidden)?;
    let layer = &layers.0[hit.layer];
    let props = &layer.loaded.get(&hit.tile)?.contents[hit.content].properties;
    Some((hit, crate::viewer_state::FeatureColors::describe(hit.layer, hit.tile, props, hit.feature)))
}

/// A click (press and release without a drag) picks what is under the cursor: a sensor's
/// marker when one is nearer along the ray than the feature behind it, else the feature.
#[allow(clippy::too_many_arguments)]
pub fn pick_on_click(
    buttons: bevy::prelude::Res<'_, bevy::prelude::ButtonInput<bevy::prelude::MouseButton>>,
    over_panel: bevy::prelude::Res<'_, crate::camera_control::PointerOverPanel>,
    window: bevy::prelude::Single<'_, '_, &bevy::window::Window, bevy::prelude::With<bevy::window::PrimaryWindow>>,
    camera: bevy::prelude::Single<
        '_,
        '_,
        (&bevy::camera::Camera, &bevy::transform::components::GlobalTransform),
        bevy::prelude::With<crate::wall_view::MainCamera>,
    >,
    origin: bevy::prelude::Res<'_, crate::floating_origin::FloatingOrigin>,
    layers: bevy::prelude::Res<'_, crate::tile_layers::Layers>,
    mut colors: bevy::prelude::ResMut<'_, crate::viewer_state::FeatureColors>,
    mut pressed_at: bevy::prelude::Local<'_, Option<bevy::math::Vec2>>,
    iot: Option<bevy::prelude::ResMut<'_, crate::iot_state::IotState>>,
) {
    use bevy::prelude::MouseButton;
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
                .and_then(|(o, d)| crate::sensor_markers::pick_sensor(o, d, &iot.positions))
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

#[cfg(test)]
mod tests {
    use super::*;
    use city_tiles::MeshPart;

    /// Two unit squares (features 0 and 1) at z = 0 and z = 5 in a tile 1e7 m from the centre.
    fn two_floors() -> (DMat4, Vec<DecodedContent>) {
        let quad = |z: f32, f: u32| MeshPart {
            positions: vec![[0.0, 0.0, z], [1.0, 0.0, z], [1.0, 1.0, z], [0.0, 1.0, z]],
            indices: vec![0, 1, 2, 0, 2, 3],
            feature_ids: Some(vec![f; 4]),
            ..Default::default()
        };
        let content = DecodedContent { meshes: vec![quad(0.0, 0), quad(5.0, 1)], ..Default::default() };
        (DMat4::from_translation([1.0e7, 0.0, 0.0]), vec![content])
    }

    #[test]
    fn the_nearest_feature_along_the_ray_is_picked() {
        let (world, contents) = two_floors();
        let tiles = || std::iter::once((0, TileId(7), &world, contents.as_slice()));
        let down = pick([1.0e7 + 0.5, 0.5, 100.0], [0.0, 0.0, -1.0], tiles(), &|_, _| false).unwrap();
        assert_eq!((down.tile, down.feature), (TileId(7), Some(1)));
        assert!((down.distance_m - 95.0).abs() < 1e-9);
        let up = pick([1.0e7 + 0.5, 0.5, -10.0], [0.0, 0.0, 2.0], tiles(), &|_, _| false).unwrap();
        assert_eq!(up.feature, Some(0));
        assert!((up.distance_m - 10.0).abs() < 1e-9);
        assert!(
            pick([1.0e7 + 3.0, 0.5, 100.0], [0.0, 0.0, -1.0], tiles(), &|_, _| false).is_none(),
            "beside the squares"
        );
    }
}
