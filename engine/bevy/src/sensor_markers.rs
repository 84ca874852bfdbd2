//! Live sensors on the city: every sensor a small pin (a downward tetrahedron) above its place,
//! coloured by its last value, alarms blinking red. Markers are grouped in square chunks of
//! [`CHUNK_M`], one mesh each, so the renderer culls the chunks out of view and those too far
//! for a marker to cover two pixels: at 100,000 sensors over a city, drawing only what can be seen
//! is most of the cost (one draw call per chunk in view, not per sensor). The geometry is built
//! once; each tick only the colour buffers are replaced, with colours the feed thread has
//! already computed (`city_layers::marker_colors`, run by [`crate::iot_state`]). Clicking near a
//! marker selects it ([`pick_sensor`], called by `feature_picking.rs`).
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, Mesh, PrimitiveTopology};
use bevy::prelude::*;
use city_core::Vec3 as DVec3;
use city_tiles::Mat4 as DMat4;

use crate::camera_control::CameraRig;
use crate::floating_origin::{FloatingOrigin, WorldPlacement};
use crate::iot_state::IotState;
use crate::shared_materials::SharedMaterials;
use crate::split_view::both_halves;
use crate::viewer_state::FeatureColors;

/// Half the size of a marker, metres.
pub const MARKER_R: f32 = 8.0;
/// Vertices per marker: a downward tetrahedron, a pin whose tip points at the place (the
/// material is unlit, so corners are shared between faces). Four triangles: the fewest that read
/// as a solid from every side, which matters at 100,000 markers.
pub const MARKER_VERTICES: usize = 4;
/// Its faces, counter-clockwise seen from outside: the top cap, then the three sides.
const MARKER_FACES: [[u32; 3]; 4] = [[0, 1, 2], [1, 0, 3], [2, 1, 3], [0, 2, 3]];
/// Triangles per marker.
pub const MARKER_TRIANGLES: usize = MARKER_FACES.len();

/// Side of a marker chunk, metres.
pub const CHUNK_M: f64 = 1_000.0;

/// The sensors of each chunk: sensor indices grouped by the [`CHUNK_M`] square of the frame
/// (ENU metres of `state.frame`) they fall in, chunks in a stable order.
pub fn chunk_sensors(state: &IotState) -> Vec<Vec<u32>> {
    let mut by_cell: std::collections::BTreeMap<(i64, i64), Vec<u32>> = std::collections::BTreeMap::new();
    for (i, p) in state.positions.iter().enumerate() {
        let e = state.frame.enu_from_ecef(*p);
        let cell = ((e[0] / CHUNK_M).floor() as i64, (e[1] / CHUNK_M).floor() as i64);
        by_cell.entry(cell).or_default().push(i as u32);
    }
    by_cell.into_values().collect()
}

/// A chunk's mesh positions (ENU metres in `state.frame`) and indices.
pub fn marker_geometry(state: &IotState, sensors: &[u32]) -> (Vec<[f32; 3]>, Vec<u32>) {
    let r = MARKER_R;
    // A triangle 2r across at the top, the tip 2r below it.
    let (c, s) = (r * 0.866, r * 0.5);
    let corners = [[r, 0.0, r], [-s, c, r], [-s, -c, r], [0.0, 0.0, -r]];
    let mut pos = Vec::with_capacity(sensors.len() * MARKER_VERTICES);
    let mut idx = Vec::with_capacity(sensors.len() * MARKER_TRIANGLES * 3);
    for (k, &i) in sensors.iter().enumerate() {
        let e = state.frame.enu_from_ecef(state.positions[i as usize]);
        let c = [e[0] as f32, e[1] as f32, e[2] as f32];
        pos.extend(corners.map(|v| [c[0] + v[0], c[1] + v[1], c[2] + v[2]]));
        let base = (k * MARKER_VERTICES) as u32;
        idx.extend(MARKER_FACES.iter().flatten().map(|i| base + i));
    }
    (pos, idx)
}

/// A chunk's vertex colours from the per-sensor colours.
pub fn chunk_colors(per_sensor: &[[f32; 4]], sensors: &[u32]) -> Vec<[f32; 4]> {
    sensors.iter().flat_map(|&i| std::iter::repeat_n(per_sensor[i as usize], MARKER_VERTICES)).collect()
}

/// The sensor whose marker the ray `origin + t dir` (ECEF) passes closest to, within the
/// marker's size or 0.6 degrees of the line of sight (so far markers stay clickable), in front
/// of the eye; with its distance along the ray, metres.
pub fn pick_sensor(origin: DVec3, dir: DVec3, positions: &[DVec3]) -> Option<(usize, f64)> {
    let len = (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]).sqrt();
    if len == 0.0 {
        return None;
    }
    let d = dir.map(|v| v / len);
    let mut best: Option<(usize, f64, f64)> = None;
    for (i, p) in positions.iter().enumerate() {
        let v = [p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]];
        let t = v[0] * d[0] + v[1] * d[1] + v[2] * d[2];
        if t <= 0.0 {
            continue;
        }
        let off = [v[0] - t * d[0], v[1] - t * d[1], v[2] - t * d[2]];
        let miss = (off[0] * off[0] + off[1] * off[1] + off[2] * off[2]).sqrt();
        if miss > (f64::from(MARKER_R) * 1.5).max(t * 0.01) {
            continue;
        }
        // The one nearest the line of sight, as seen (angle), wins.
        if best.is_none_or(|(_, _, a)| miss / t < a) {
            best = Some((i, t, miss / t));
        }
    }
    best.map(|(i, t, _)| (i, t))
}

/// The marker chunks, once built (on the feed's first tick).
#[derive(Resource, Debug, Default)]
pub struct MarkerChunks(pub Vec<MarkerChunk>);

/// One chunk of markers.
#[derive(Debug, Clone)]
pub struct MarkerChunk {
    /// Its sensors (indices into the layer's sensors).
    pub sensors: Vec<u32>,
    /// Its mesh.
    pub mesh: Handle<Mesh>,
    /// Its centre (ECEF) and the radius around it holding its markers, metres.
    pub centre: DVec3,
    /// See `centre`.
    pub radius_m: f64,
}

/// Markers smaller than this on screen, pixels, are not drawn: a speck of two pixels is the
/// least that shows a colour (CesiumJS's `distanceDisplayCondition` does the same job).
pub const MIN_MARKER_PX: f64 = 2.0;

/// Beyond this distance a marker is under [`MIN_MARKER_PX`]: `2 MARKER_R` seen across `fov_y`
/// spread over `viewport_px` rows.
pub fn marker_far_limit_m(fov_y: f64, viewport_px: f64) -> f64 {
    2.0 * f64::from(MARKER_R) * viewport_px / fov_y / MIN_MARKER_PX
}

/// Each frame: the newest colours from the feed thread into the chunks' meshes (built on the
/// first tick), the buildings in alarm into the feature colours, and each chunk shown when the
/// layer is on and the chunk is near enough for its markers to cover [`MIN_MARKER_PX`].
#[allow(clippy::too_many_arguments)]
pub fn update_sensors(
    mut commands: Commands<'_, '_>,
    state: Option<ResMut<'_, IotState>>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    materials: Res<'_, SharedMaterials>,
    mut colors: ResMut<'_, FeatureColors>,
    origin: Option<Res<'_, FloatingOrigin>>,
    rig: Option<Res<'_, CameraRig>>,
    windows: Query<'_, '_, &Window>,
    mut vis: Query<'_, '_, (&mut Visibility, &SensorMarkers)>,
    mut chunks: ResMut<'_, MarkerChunks>,
) {
    let Some(mut state) = state else { return };
    let far = match (&rig, windows.iter().next()) {
        (Some(rig), Some(w)) => marker_far_limit_m(rig.fov_y, f64::from(w.resolution.physical_height())),
        _ => f64::INFINITY,
    };
    let eye = origin.map(|o| o.origin);
    for (mut v, m) in &mut vis {
        let Some(chunk) = chunks.0.get(m.0) else { continue };
        let near = eye.is_none_or(|e| {
            let d = (0..3).map(|k| (chunk.centre[k] - e[k]).powi(2)).sum::<f64>().sqrt();
            d - chunk.radius_m < far
        });
        let want = if state.visible && near { Visibility::Inherited } else { Visibility::Hidden };
        if *v != want {
            *v = want;
        }
    }
    // Touch the feature colours only on a change: a change restyles every drawn tile.
    let want: &[String] = if state.restyle_buildings { &state.alarmed_buildings } else { &[] };
    if colors.alarmed != want {
        colors.alarmed = want.to_vec();
    }
    let Some(view) = state.live.latest() else { return };
    state.alarmed_buildings = view.alarmed_buildings;
    if chunks.0.is_empty() {
        // Positions are ENU metres; the entity's placement takes them to ECEF, the floating
        // origin to the screen. No normals: the material is unlit.
        let place = DMat4(state.frame.ecef_from_enu_matrix());
        for (k, sensors) in chunk_sensors(&state).into_iter().enumerate() {
            let (pos, idx) = marker_geometry(&state, &sensors);
            let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
                .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, pos)
                .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, chunk_colors(&view.colors, &sensors))
                .with_inserted_indices(Indices::U32(idx));
            let h = meshes.add(mesh);
            commands.spawn((
                Mesh3d(h.clone()),
                MeshMaterial3d(materials.markers.clone()),
                Transform::default(),
                Visibility::Hidden,
                WorldPlacement(place),
                SensorMarkers(k),
                both_halves(),
            ));
            let n = sensors.len() as f64;
            let centre: DVec3 =
                std::array::from_fn(|c| sensors.iter().map(|&i| state.positions[i as usize][c]).sum::<f64>() / n);
            let radius_m = sensors
                .iter()
                .map(|&i| (0..3).map(|c| (state.positions[i as usize][c] - centre[c]).powi(2)).sum::<f64>().sqrt())
                .fold(0.0, f64::max);
            chunks.0.push(MarkerChunk { sensors, mesh: h, centre, radius_m });
        }
        return;
    }
    for chunk in &chunks.0 {
        if let Some(mut m) = meshes.get_mut(&chunk.mesh) {
            m.insert_attribute(Mesh::ATTRIBUTE_COLOR, chunk_colors(&view.colors, &chunk.sensors));
        }
    }
}

/// Marks a chunk of markers (its index in [`MarkerChunks`]).
#[derive(Component, Debug, Clone, Copy)]
pub struct SensorMarkers(pub usize);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iot_state::marker_ecef;
    use city_core::{Geodetic, ecef_from_geodetic};
    use city_layers::{Datastream, IotLayer, Sensor, marker_colors};

    /// The colours themselves are tested with `city_layers::marker_colors`.
    #[test]
    fn chunks_take_their_sensors_colours_and_clicks_find_the_nearest_marker() {
        let sensor = |id: &str, lon: f64| Sensor {
            id: id.into(),
            name: id.into(),
            location: Geodetic::from_deg(lon, 22.27, 0.0),
            datastreams: vec![Datastream { id: id.into(), observed_property: "water_level".into(), unit: "m".into() }],
        };
        let rule = city_layers::AlarmRule::new("water_level", city_layers::Direction::Above, 3.0, 2.5).unwrap();
        let mut layer = IotLayer::new(vec![sensor("a", 113.57), sensor("b", 113.58)], vec![rule]).unwrap();
        layer.ingest("x", br#"{"sensor":"a","t":1,"value":3.5}"#);
        let col = marker_colors(&layer, true);
        let per_vertex = chunk_colors(&col, &[1, 0]);
        assert_eq!(per_vertex.len(), 2 * MARKER_VERTICES);
        assert_eq!((per_vertex[0], per_vertex[MARKER_VERTICES]), (col[1], col[0]));
        // A 16 m marker over 720 rows of 50 degrees covers two pixels out to 6.6 km.
        assert!((marker_far_limit_m(50f64.to_radians(), 720.0) - 6_600.0).abs() < 50.0);

        // Looking down at b from 2 km up: b is picked, a (1 km away) is not.
        let positions: Vec<DVec3> = layer.sensors.iter().map(|s| marker_ecef(s.location)).collect();
        let eye = ecef_from_geodetic(Geodetic::from_deg(113.58, 22.27, 2_030.0));
        let down = [positions[1][0] - eye[0], positions[1][1] - eye[1], positions[1][2] - eye[2]];
        let (i, t) = pick_sensor(eye, down, &positions).unwrap();
        assert_eq!(i, 1);
        assert!((t - 2_000.0).abs() < 1.0, "{t}");
        // 100 m off at 2 km is 2.9 degrees: nothing.
        let aside = ecef_from_geodetic(Geodetic::from_deg(113.58 + 100.0 / 103_000.0, 22.27, 30.0));
        let off = [aside[0] - eye[0], aside[1] - eye[1], aside[2] - eye[2]];
        assert_eq!(pick_sensor(eye, off, &positions), None);
        assert_eq!(pick_sensor(eye, down.map(|v| -v), &positions), None, "behind the eye");
    }
}
