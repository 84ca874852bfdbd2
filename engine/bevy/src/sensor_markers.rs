//! Live sensors on the city: every sensor a small pin (a downward tetrahedron) above its place, coloured by its
//! last value, alarms blinking red, all in one mesh (one draw call however many sensors). The
//! geometry is built once; each tick only the colour buffer is replaced, with colours the feed
//! thread has already computed ([`crate::iot_state`]). Clicking near a marker selects it.
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, Mesh, PrimitiveTopology};
use bevy::prelude::*;
use city_core::{Vec3 as DVec3, ecef_from_geodetic};
use city_layers::IotLayer;
use city_tiles::Mat4 as DMat4;

use crate::feature_style::ramp;
use crate::floating_origin::WorldPlacement;
use crate::iot_state::IotState;
use crate::viewer_state::FeatureColors;

/// The colour of a sensor: its last value on a ramp for its property, red when alarmed (and
/// dark red on the other half of the blink), grey without a value.
pub fn marker_color(property: &str, last: Option<f64>, alarm: bool, blink: bool) -> [f32; 4] {
    if alarm {
        return if blink { [0.9, 0.02, 0.02, 1.0] } else { [0.35, 0.0, 0.0, 1.0] };
    }
    let Some(v) = last else { return [0.5, 0.5, 0.5, 1.0] };
    let t = match property {
        "air_temperature" => (v + 5.0) / 45.0,
        "vacancy" => 1.0 - v / 50.0,
        "water_level" => v / 4.0,
        "pm2_5" => v / 100.0,
        _ => v / 100.0,
    };
    ramp(t)
}

/// Half the size of a marker, metres.
pub const MARKER_R: f32 = 8.0;
/// Markers float this high above the ground (visible over low buildings from kilometres).
pub const MARKER_HEIGHT_M: f64 = 30.0;
/// Vertices per marker: a downward tetrahedron, a pin whose tip points at the place (the
/// material is unlit, so corners are shared between faces). Four triangles: the fewest that read
/// as a solid from every side, which matters at 100,000 markers.
pub const MARKER_VERTICES: usize = 4;
/// Its faces, counter-clockwise seen from outside: the top cap, then the three sides.
const MARKER_FACES: [[u32; 3]; 4] = [[0, 1, 2], [1, 0, 3], [2, 1, 3], [0, 2, 3]];
/// Triangles per marker.
pub const MARKER_TRIANGLES: usize = MARKER_FACES.len();

/// The marker mesh's positions (ENU metres in `state.frame`) and indices.
pub fn marker_geometry(state: &IotState) -> (Vec<[f32; 3]>, Vec<u32>) {
    let r = MARKER_R;
    // A triangle 2r across at the top, the tip 2r below it.
    let (c, s) = (r * 0.866, r * 0.5);
    let corners = [[r, 0.0, r], [-s, c, r], [-s, -c, r], [0.0, 0.0, -r]];
    let mut pos = Vec::with_capacity(state.positions.len() * MARKER_VERTICES);
    let mut idx = Vec::with_capacity(state.positions.len() * MARKER_TRIANGLES * 3);
    for (k, p) in state.positions.iter().enumerate() {
        let e = state.frame.enu_from_ecef(*p);
        let c = [e[0] as f32, e[1] as f32, e[2] as f32];
        pos.extend(corners.map(|v| [c[0] + v[0], c[1] + v[1], c[2] + v[2]]));
        let base = (k * MARKER_VERTICES) as u32;
        idx.extend(MARKER_FACES.iter().flatten().map(|i| base + i));
    }
    (pos, idx)
}

/// The colour of every marker vertex, from each sensor's state now: its first datastream's
/// value, red if any of its datastreams is in alarm.
pub fn marker_colors(layer: &IotLayer, blink: bool) -> Vec<[f32; 4]> {
    let mut per_sensor = vec![[0.5, 0.5, 0.5, 1.0]; layer.sensors.len()];
    let mut alarmed = vec![false; layer.sensors.len()];
    let mut seen = usize::MAX;
    for (si, d, st, alarm) in layer.each_datastream() {
        alarmed[si] |= alarm;
        if si != seen {
            seen = si;
            per_sensor[si] = marker_color(&d.observed_property, st.last().map(|l| l.1), false, blink);
        }
    }
    let mut col = Vec::with_capacity(layer.sensors.len() * MARKER_VERTICES);
    for (c, a) in per_sensor.into_iter().zip(alarmed) {
        let c = if a { marker_color("", None, true, blink) } else { c };
        col.extend(std::iter::repeat_n(c, MARKER_VERTICES));
    }
    col
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

/// Each frame: the newest colours from the feed thread into the marker mesh (built on the first
/// tick), the buildings in alarm into the feature colours, and the layer toggle applied.
pub fn update_sensors(
    mut commands: Commands<'_, '_>,
    state: Option<ResMut<'_, IotState>>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    materials: Res<'_, crate::viewer_state::SharedMaterials>,
    mut colors: ResMut<'_, FeatureColors>,
    mut vis: Query<'_, '_, &mut Visibility, With<SensorMarkers>>,
) {
    let Some(mut state) = state else { return };
    let want = if state.visible { Visibility::Inherited } else { Visibility::Hidden };
    for mut v in &mut vis {
        if *v != want {
            *v = want;
        }
    }
    let alarmed = if state.restyle_buildings { state.alarmed_buildings.clone() } else { Vec::new() };
    if colors.alarmed != alarmed {
        colors.alarmed = alarmed;
    }
    let Some(view) = state.live.latest() else { return };
    state.alarmed_buildings = view.alarmed_buildings;
    match state.mesh.clone() {
        Some(h) => {
            if let Some(mut m) = meshes.get_mut(&h) {
                m.insert_attribute(Mesh::ATTRIBUTE_COLOR, view.colors);
            }
        }
        None => {
            // Positions are ENU metres; the entity's placement takes them to ECEF, the floating
            // origin to the screen.
            // No normals: the material is unlit.
            let (pos, idx) = marker_geometry(&state);
            let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
                .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, pos)
                .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, view.colors)
                .with_inserted_indices(Indices::U32(idx));
            let h = meshes.add(mesh);
            let place = DMat4(state.frame.ecef_from_enu_matrix());
            commands.spawn((
                Mesh3d(h.clone()),
                MeshMaterial3d(materials.markers.clone()),
                Transform::default(),
                want,
                WorldPlacement(place),
                SensorMarkers,
            ));
            state.mesh = Some(h);
        }
    }
}

/// Marks the markers' entity.
#[derive(Component, Debug, Clone, Copy)]
pub struct SensorMarkers;

/// Where a sensor's marker is: for tests and scripts that aim at it.
pub fn marker_ecef(location: city_core::Geodetic) -> DVec3 {
    ecef_from_geodetic(city_core::Geodetic { height_m: MARKER_HEIGHT_M, ..location })
}

#[cfg(test)]
mod tests {
    use super::*;
    use city_core::Geodetic;
    use city_layers::{Datastream, Sensor};

    #[test]
    fn alarms_are_red_values_ramp_and_clicks_find_the_nearest_marker() {
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
        assert_eq!(col.len(), 2 * MARKER_VERTICES);
        assert!(col[..MARKER_VERTICES].iter().all(|c| c[0] > 0.8 && c[1] < 0.1), "alarmed: red {:?}", col[0]);
        assert_ne!(marker_colors(&layer, false)[0], col[0], "and blinking");
        assert_eq!(col[MARKER_VERTICES], [0.5, 0.5, 0.5, 1.0], "no value yet: grey");

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
