//! The camera never goes under the ground: each frame, the ground under the eye is found (the
//! terrain drawn there, by a ray straight down through its tiles; else the globe) and an eye
//! closer than `EYE_CLEARANCE_M` above it is lifted, with the point it orbits, so the view keeps
//! its direction.
use bevy::prelude::*;
use city_core::{EnuFrame, geodetic_from_ecef};

use crate::camera_control::CameraRig;
use crate::globe::Globe;
use crate::tile_layers::Layers;

/// How close the eye may come to the ground, metres.
pub const EYE_CLEARANCE_M: f64 = 2.0;

/// Below this height the terrain under the eye is looked for (above it, the terrain cannot be
/// near).
const LOOK_BELOW_M: f64 = 10_000.0;

/// The height of the terrain drawn straight under an ECEF point, if any terrain is drawn there.
pub fn terrain_height_under(eye: city_core::Vec3, layers: &Layers) -> Option<f64> {
    let g = geodetic_from_ecef(eye);
    let up = EnuFrame::at(g).axes[2];
    let from: city_core::Vec3 = std::array::from_fn(|i| eye[i] + up[i] * LOOK_BELOW_M);
    let down = up.map(|v| -v);
    // Only the tiles whose bounding sphere the vertical through the eye passes through: their
    // triangles are tested every frame.
    let under = |t: &city_tiles::Tile| {
        let d = city_core::vec3::sub(t.bounds.center, eye);
        let along = city_core::vec3::dot(d, up);
        city_core::vec3::dot(d, d) - along * along <= t.radius_m * t.radius_m
    };
    let tiles = layers.0.iter().enumerate().filter(|(_, l)| l.visible && l.ground).flat_map(|(li, l)| {
        l.last
            .render
            .iter()
            .filter(move |t| under(l.streamer.tree.get(**t)))
            .filter_map(move |t| l.loaded.get(t).map(|lt| (li, *t, &lt.world_from_tile, &lt.contents[..])))
    });
    let hit = city_tiles::pick(from, down, tiles, &|_, _| false)?;
    Some(g.height_m + LOOK_BELOW_M - hit.distance_m)
}

/// Lifts the orbit when the eye is under (or too close to) the ground.
pub fn keep_above_ground(
    mut rig: ResMut<'_, CameraRig>,
    layers: Option<Res<'_, Layers>>,
    globe: Option<Res<'_, Globe>>,
) {
    let (eye, _, _) = rig.orbit.eye();
    let h = geodetic_from_ecef(eye).height_m;
    let globe = globe.filter(|g| g.shown).map_or(f64::NEG_INFINITY, |g| -g.below_m);
    let terrain = layers.filter(|_| h - globe < LOOK_BELOW_M).and_then(|l| terrain_height_under(eye, &l));
    let ground = terrain.map_or(globe, |t| t.max(globe));
    let lift = ground + EYE_CLEARANCE_M - h;
    if lift > 0.0 {
        rig.orbit.target.height_m += lift;
    }
}
