//! Live sensors on the city: every sensor a small diamond above its place, coloured by its last
//! value, alarms blinking red, all in one mesh (one draw call however many sensors), rebuilt
//! when values change. Observations come from the scene's feed: the built-in simulator by
//! default, or MQTT.
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Mesh, PrimitiveTopology};
use bevy::prelude::*;
use city_core::{EnuFrame, Geodetic, ecef_from_geodetic};
use city_layers::{IotLayer, MqttFeed, Simulator};
use city_tiles::Mat4 as DMat4;

use crate::feature_style::ramp;
use crate::floating_origin::WorldPlacement;

/// The live IoT layer and its feed.
#[derive(Resource)]
pub struct IotState {
    /// Sensors, state, alarms.
    pub layer: IotLayer,
    /// The simulator, when it is the feed.
    pub simulator: Option<Simulator>,
    /// The MQTT feed, when it is.
    pub mqtt: Option<MqttFeed>,
    /// Shown or not.
    pub visible: bool,
    /// The frame the markers are drawn in (ENU at the sensors' centre).
    frame: EnuFrame,
    mesh: Option<Handle<Mesh>>,
    since_tick: f64,
    blink: bool,
}

impl IotState {
    /// A layer and its feed.
    pub fn new(layer: IotLayer, simulator: Option<Simulator>, mqtt: Option<MqttFeed>) -> Self {
        let n = layer.sensors.len().max(1) as f64;
        let lon = layer.sensors.iter().map(|s| s.location.lon_deg).sum::<f64>() / n;
        let lat = layer.sensors.iter().map(|s| s.location.lat_deg).sum::<f64>() / n;
        Self {
            layer,
            simulator,
            mqtt,
            visible: true,
            frame: EnuFrame::at(Geodetic::from_deg(lon, lat, 0.0)),
            mesh: None,
            since_tick: 1.0,
            blink: false,
        }
    }
}

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

/// Half the size of a diamond, metres.
const MARKER_R: f32 = 8.0;
/// Vertices per diamond: 8 triangles.
const MARKER_VERTICES: usize = 24;

/// The positions (ENU metres in `frame`) of the diamonds: 8 triangles, 24 vertices each, 16 m
/// across, 30 m above the ground (visible from a few kilometres). Sensors do not move: this is
/// computed once.
pub fn marker_positions(state: &IotState) -> Vec<[f32; 3]> {
    let r = MARKER_R;
    let tips = [[r, 0.0, 0.0], [0.0, r, 0.0], [-r, 0.0, 0.0], [0.0, -r, 0.0]];
    let mut pos = Vec::with_capacity(state.layer.sensors.len() * MARKER_VERTICES);
    for s in &state.layer.sensors {
        let p = state.frame.enu_from_ecef(ecef_from_geodetic(Geodetic { height_m: 30.0, ..s.location }));
        let c = [p[0] as f32, p[1] as f32, p[2] as f32];
        for i in 0..4 {
            let (a, b) = (tips[i], tips[(i + 1) % 4]);
            for z in [r, -r] {
                // Counter-clockwise seen from outside: up-facing for the top, down for the bottom.
                let tri = if z > 0.0 { [a, b, [0.0, 0.0, z]] } else { [b, a, [0.0, 0.0, z]] };
                pos.extend(tri.map(|v| [c[0] + v[0], c[1] + v[1], c[2] + v[2]]));
            }
        }
    }
    pos
}

/// The colour of every marker vertex, from each sensor's state now.
pub fn marker_colors(state: &IotState) -> Vec<[f32; 4]> {
    let mut col = Vec::with_capacity(state.layer.sensors.len() * MARKER_VERTICES);
    for s in &state.layer.sensors {
        let color = match s.datastreams.first() {
            Some(d) => marker_color(
                &d.observed_property,
                state.layer.state(&d.id).and_then(|st| st.last()).map(|l| l.1),
                state.layer.alarm(&d.id),
                state.blink,
            ),
            None => marker_color("", None, false, state.blink),
        };
        col.extend(std::iter::repeat_n(color, MARKER_VERTICES));
    }
    col
}

/// Once a second: the feed's observations into the layer, then the markers redrawn.
pub fn update_sensors(
    mut commands: Commands<'_, '_>,
    state: Option<ResMut<'_, IotState>>,
    time: Res<'_, Time>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    materials: Res<'_, crate::viewer_state::SharedMaterials>,
    mut vis: Query<'_, '_, &mut Visibility, With<SensorMarkers>>,
) {
    let Some(mut state) = state else { return };
    state.since_tick += time.delta_secs_f64();
    if state.since_tick < 0.5 {
        return;
    }
    state.since_tick = 0.0;
    state.blink = !state.blink;
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let IotState { layer, simulator, mqtt, .. } = &mut *state;
    if let Some(sim) = simulator {
        for o in sim.observe(now_ms) {
            let _ = layer.apply(&o);
        }
    }
    if let Some(feed) = mqtt {
        feed.drain(layer);
    }
    let col = marker_colors(&state);
    match state.mesh.clone() {
        Some(h) => {
            if let Some(mut m) = meshes.get_mut(&h) {
                m.insert_attribute(Mesh::ATTRIBUTE_COLOR, col);
            }
        }
        None => {
            // Positions are ENU metres; the entity's placement takes them to ECEF, the floating
            // origin to the screen.
            let pos = marker_positions(&state);
            let normals = vec![[0.0, 0.0, 1.0]; pos.len()];
            let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
                .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, pos)
                .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
                .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, col);
            let h = meshes.add(mesh);
            let place = DMat4(state.frame.ecef_from_enu_matrix());
            commands.spawn((
                Mesh3d(h.clone()),
                MeshMaterial3d(materials.markers.clone()),
                Transform::default(),
                Visibility::Inherited,
                WorldPlacement(place),
                SensorMarkers,
            ));
            state.mesh = Some(h);
        }
    }
    let want = if state.visible { Visibility::Inherited } else { Visibility::Hidden };
    for mut v in &mut vis {
        *v = want;
    }
}

/// Marks the markers' entity.
#[derive(Component, Debug, Clone, Copy)]
pub struct SensorMarkers;

/// The sensors panel: how many, the feed, the alarms.
pub fn sensor_panel(mut contexts: bevy_egui::EguiContexts<'_, '_>, state: Option<ResMut<'_, IotState>>) -> Result {
    use bevy_egui::egui;
    let Some(mut state) = state else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    egui::Window::new("Sensors").anchor(egui::Align2::RIGHT_TOP, [-8.0, 150.0]).default_width(220.0).show(ctx, |ui| {
        let visible = &mut state.visible;
        ui.checkbox(visible, "show sensors");
        let c = state.layer.counts.clone();
        ui.label(format!("{} sensors, {} observations", state.layer.sensors.len(), c.applied));
        let feed = match (&state.simulator, &state.mqtt) {
            (Some(_), _) => "feed: built-in simulator".to_owned(),
            (_, Some(f)) if f.status.connected => format!("feed: MQTT, up ({} messages)", f.status.messages),
            (_, Some(f)) => format!("feed: MQTT, down, retrying ({})", f.status.last_error.clone().unwrap_or_default()),
            _ => "no feed".to_owned(),
        };
        ui.label(feed);
        if c.malformed + c.unknown > 0 {
            ui.label(format!("refused: {} malformed, {} unknown", c.malformed, c.unknown));
        }
        let alarms: Vec<String> = state.layer.active_alarms().map(|(s, d)| format!("{} ({d})", s.name)).collect();
        ui.label(format!("{} alarms", alarms.len()));
        for a in alarms.iter().take(8) {
            ui.colored_label(egui::Color32::from_rgb(220, 40, 40), a);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use city_layers::{Datastream, Sensor};

    #[test]
    fn markers_sit_above_their_sensors_and_alarms_are_red() {
        let sensor = |id: &str, lon: f64| Sensor {
            id: id.into(),
            name: id.into(),
            location: Geodetic::from_deg(lon, 22.27, 0.0),
            datastreams: vec![Datastream { id: id.into(), observed_property: "water_level".into(), unit: "m".into() }],
        };
        let rule = city_layers::AlarmRule::new("water_level", city_layers::Direction::Above, 3.0, 2.5).unwrap();
        let mut layer = IotLayer::new(vec![sensor("a", 113.57), sensor("b", 113.58)], vec![rule]).unwrap();
        layer.ingest("x", br#"{"sensor":"a","t":1,"value":3.5}"#);
        let state = IotState::new(layer, None, None);
        let (pos, col) = (marker_positions(&state), marker_colors(&state));
        assert_eq!(pos.len(), 48);
        // Sensor b is about 1 km east of a.
        let cx = |k: usize| pos[k * 24..(k + 1) * 24].iter().map(|p| p[0]).sum::<f32>() / 24.0;
        assert!(((cx(1) - cx(0)) - 1031.0).abs() < 5.0, "{} m", cx(1) - cx(0));
        assert!(pos.iter().all(|p| p[2] > 21.0 && p[2] < 39.0), "30 m up, +-8 m");
        assert!(col[..24].iter().all(|c| c[0] > c[1] && c[1] < 0.1), "alarmed: red {:?}", col[0]);
        assert_eq!(col[24], [0.5, 0.5, 0.5, 1.0], "no value yet: grey");
    }
}
