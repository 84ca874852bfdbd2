//! The live IoT layer in the viewer: what the viewer opens it with ([`IotStart`]: the layer,
//! which building holds each sensor, the feeds asked for) and the resource it lives in
//! ([`IotState`]). The feeds run on their own thread (`city_layers::LiveIot`); every tick that
//! thread also computes the markers' colours (`city_layers::marker_colors`) and the buildings in
//! alarm, so a frame only copies them. The feeds start at start-up ([`start_sensors`]), not while
//! the plugins are built. Drawing the markers is `sensor_markers.rs`, the panel `sensor_panel.rs`.
use std::time::Duration;

use bevy::prelude::*;
use city_core::{EnuFrame, Geodetic, Vec3 as DVec3, ecef_from_geodetic};
use city_layers::{FeedClock, Feeds, IotLayer, LiveIot, MqttFeed, MqttSettings, Replay, Simulator, marker_colors};

/// The live layer as the viewer opens it.
#[derive(Debug, Clone)]
pub struct IotStart {
    /// Sensors, rules, mappings, and the sources' first observations.
    pub layer: IotLayer,
    /// Per sensor (in order), the id of the building (or, failing one, the zone) holding it, if
    /// the city's footprints were joined (`citytwin view` does it for tilesets with a
    /// `features.csv`).
    pub containers: Vec<Option<String>>,
    /// Run the built-in simulator (for the datastreams not replayed).
    pub simulator: bool,
    /// Recorded series to replay (`--replay DIR`).
    pub replay: Option<Replay>,
    /// The MQTT broker, when the scene's feed is one.
    pub mqtt: Option<MqttSettings>,
    /// Why the scene's feed could not be set up (shown in the panel; the layer still opens).
    pub error: Option<String>,
    /// The sensor whose panel is open at start (`--select-sensor`).
    pub selected: Option<String>,
}

/// What the feed thread hands the frame each tick.
#[derive(Debug, Clone, Default)]
pub struct MarkerView {
    /// One colour per sensor.
    pub colors: Vec<[f32; 4]>,
    /// Ids of the buildings holding a sensor in alarm, sorted.
    pub alarmed_buildings: Vec<String>,
}

/// The live IoT layer, where its markers are and the user's choices about them.
#[derive(Resource)]
pub struct IotState {
    /// The layer and its feeds.
    pub live: LiveIot<MarkerView>,
    /// Marker centres, ECEF (sensors do not move), for picking.
    pub positions: Vec<DVec3>,
    /// Per sensor, the building holding it.
    pub containers: Vec<Option<String>>,
    /// Markers shown.
    pub visible: bool,
    /// Buildings holding a sensor in alarm drawn in the alarm colour.
    pub restyle_buildings: bool,
    /// The sensor whose panel is open.
    pub selected: Option<usize>,
    /// The frame the marker mesh is built in (ENU at the sensors' centre).
    pub frame: EnuFrame,
    /// The buildings in alarm as last drawn.
    pub alarmed_buildings: Vec<String>,
}

/// Markers float this high above the ground (visible over low buildings from kilometres).
pub const MARKER_HEIGHT_M: f64 = 30.0;

/// Where a sensor's marker is: for picking, and for tests and scripts that aim at it.
pub fn marker_ecef(location: Geodetic) -> DVec3 {
    ecef_from_geodetic(Geodetic { height_m: MARKER_HEIGHT_M, ..location })
}

/// The live layer to start (taken by [`start_sensors`]).
#[derive(Resource, Debug, Clone)]
pub struct SensorsToStart(pub IotStart);

/// What drives the feeds instead of the wall clock alone (a bench recording logs what they take
/// in; a replay drives them), taken by [`start_sensors`].
#[derive(Resource)]
pub struct SensorClock(pub std::sync::Mutex<Option<FeedClock>>);

/// Start-up: starts the feeds of the layer asked for and makes the [`IotState`] the other
/// systems find. Exclusive, to take the layer (100,000 sensors, say) without copying it.
pub fn start_sensors(world: &mut World) {
    if let Some(SensorsToStart(start)) = world.remove_resource::<SensorsToStart>() {
        let clock = world
            .remove_resource::<SensorClock>()
            .and_then(|c| c.0.into_inner().ok().flatten())
            .unwrap_or(FeedClock::Live { tick: TICK, log: None });
        world.insert_resource(IotState::start_with(start, clock));
    }
}

/// A tick: once a second, as sensors report; alarms blink on one tick and off the next.
pub const TICK: Duration = Duration::from_secs(1);

impl IotState {
    /// Starts the feeds: the replay takes the datastreams it has series for, the simulator the
    /// rest; MQTT beside them when asked.
    pub fn start(start: IotStart) -> Self {
        Self::start_with(start, FeedClock::Live { tick: TICK, log: None })
    }

    /// [`IotState::start`], the feeds driven by `clock`.
    pub fn start_with(start: IotStart, clock: FeedClock) -> Self {
        let IotStart { layer, containers, simulator, mut replay, mqtt, error, selected } = start;
        let replayed = replay.as_mut().map(|r| r.assign(&layer.sensors)).unwrap_or_default();
        let simulator = simulator.then(|| {
            let rest: Vec<_> = layer
                .sensors
                .iter()
                .filter(|s| !s.datastreams.iter().any(|d| replayed.contains(&d.id)))
                .cloned()
                .collect();
            Simulator::new(&rest, 1)
        });
        let n = layer.sensors.len().max(1) as f64;
        let lon = layer.sensors.iter().map(|s| s.location.lon_deg).sum::<f64>() / n;
        let lat = layer.sensors.iter().map(|s| s.location.lat_deg).sum::<f64>() / n;
        let positions = layer.sensors.iter().map(|s| marker_ecef(s.location)).collect();
        let selected = selected.and_then(|id| layer.sensors.iter().position(|s| s.id == id));
        // A driven clock replays what MQTT brought when it was recorded: no broker now.
        let mqtt = mqtt.filter(|_| matches!(clock, FeedClock::Live { .. }));
        let feeds = Feeds { simulator, replay, mqtt: mqtt.map(MqttFeed::start), error };
        let holders = containers.clone();
        let live = LiveIot::start_with(layer, feeds, clock, move |layer: &IotLayer, tick| MarkerView {
            colors: marker_colors(layer, tick % 2 == 1),
            alarmed_buildings: alarmed_buildings(layer, &holders),
        });
        Self {
            live,
            positions,
            containers,
            visible: true,
            restyle_buildings: true,
            selected,
            frame: EnuFrame::at(Geodetic::from_deg(lon, lat, 0.0)),
            alarmed_buildings: Vec::new(),
        }
    }
}

/// The buildings holding a sensor whose alarm is on, sorted and without repeats.
pub fn alarmed_buildings(layer: &IotLayer, containers: &[Option<String>]) -> Vec<String> {
    let mut out: Vec<String> = layer
        .sensors
        .iter()
        .zip(containers)
        .filter(|(s, c)| c.is_some() && s.datastreams.iter().any(|d| layer.alarm(&d.id)))
        .filter_map(|(_, c)| c.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
