//! The emergency layer's start for `citytwin view`: the alerts (scene `[emergency]` files and
//! `--alert`), hazard layers (`hazards`, `--hazard`), the scene's scenarios, the city they are analysed against (the first tileset's
//! `features.csv`, in its local metres), facilities and sensors, and the live sources (feeds
//! polled, an MQTT topic on the `[iot]` broker) started on their threads.
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use city_core::{Geodetic, Scene, ecef_from_geodetic};
use city_layers::{CapAlert, IncidentAnalysis, IncidentTimeline, MqttSettings, PeopleModel, start_cap_sources};

/// What the view was asked for besides the scene.
#[derive(Debug, Clone, Default)]
pub struct IncidentOptions {
    /// `--alert` files, after the scene's.
    pub alerts: Vec<PathBuf>,
    /// `--hazard` layers, after the scene's.
    pub hazards: Vec<PathBuf>,
    /// `--facilities`, instead of the scene's.
    pub facilities: Option<PathBuf>,
}

/// The incident layer for `scene`, or `None` when it has no alerts, scenarios or sources.
/// Alert files that cannot be read become timeline steps with their error; a facilities file or
/// tileset that cannot be read stops here with its name.
pub fn incident_start(
    scene: &Scene,
    opts: &IncidentOptions,
) -> Result<Option<city_bevy::incident_layer::IncidentStart>> {
    let em = scene.emergency.clone().unwrap_or_default();
    let files: Vec<PathBuf> = em.alerts.iter().chain(&opts.alerts).cloned().collect();
    // Each tileset's own hazard zones (imported PLATEAU flood extents) come first.
    let own: Vec<PathBuf> = scene.tilesets.iter().filter_map(|t| city_layers::own_hazards_file(&t.path)).collect();
    let hazard_files: Vec<PathBuf> = own.iter().chain(&em.hazards).chain(&opts.hazards).cloned().collect();
    let live = !em.feeds.is_empty() || em.mqtt_topic.is_some();
    if files.is_empty() && hazard_files.is_empty() && scene.incidents.is_empty() && !live {
        return Ok(None);
    }
    let now_ms = city_core::now_ms();
    let alerts = files.iter().map(|f| (f.display().to_string(), CapAlert::read(f))).collect();
    let hazards: Vec<_> = hazard_files
        .iter()
        .map(|f| {
            (
                f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned()),
                city_layers::read_hazards(f),
            )
        })
        .collect();
    // The zones that are features of the analysed (first) tileset are not what they threaten.
    let own_ids = match scene.tilesets.first() {
        Some(t) => city_layers::own_zone_ids(
            &t.path,
            hazard_files
                .iter()
                .zip(&hazards)
                .filter_map(|(f, (_, r))| r.as_ref().ok().map(|(zones, _)| (f.as_path(), zones.as_slice()))),
        ),
        None => Default::default(),
    };
    let timeline = IncidentTimeline::from_sources(&scene.incidents, hazards, alerts, now_ms);
    for step in &timeline.steps {
        for line in &step.log {
            eprintln!("incidents: {line}");
        }
    }

    let dir = scene.tilesets.first().map(|t| t.path.clone()).filter(|p| p.join(city_tiles::FEATURES_FILE).is_file());
    let (analysis, ecef_from_local) = match &dir {
        Some(dir) => {
            let mut objects = citytwin::query_io::read_objects(dir, None)?;
            objects.remove_ids(&own_ids);
            let index = objects.index()?;
            let local_from_ecef = citytwin::sensor_buildings::tileset_local_frame(dir)?;
            let facilities = match opts.facilities.as_ref().or(em.facilities.as_ref()) {
                Some(f) => city_layers::read_facilities(f)?,
                None => Vec::new(),
            };
            let sensors = match &scene.iot {
                Some(iot) => city_layers::IotLayer::from_scene(iot)
                    .context("the scene's [iot] table")?
                    .sensors
                    .iter()
                    .map(|s| (s.id.clone(), [s.location.lon_deg, s.location.lat_deg]))
                    .collect(),
                None => Vec::new(),
            };
            let analysis = IncidentAnalysis {
                index,
                ids: objects.ids,
                occupancy: objects.occupancy,
                project: Box::new(move |lon, lat| {
                    let p = local_from_ecef.point(ecef_from_geodetic(Geodetic::from_deg(lon, lat, 0.0)));
                    [p[0], p[1]]
                }),
                rings_m: em.rings_m.clone(),
                people: PeopleModel::default(),
                facilities,
                nearest: em.nearest,
                sensors,
            };
            (Some(Arc::new(analysis)), local_from_ecef.inverse_affine())
        }
        None => {
            eprintln!("incidents: the first tileset has no features.csv: zones are listed, not analysed or drawn");
            (None, city_tiles::Mat4::IDENTITY)
        }
    };

    let mqtt = match (&em.mqtt_topic, &scene.iot) {
        (Some(topic), Some(iot)) => {
            let mut s = MqttSettings::from_scene(iot, None, &format!("citytwin-cap-{}", std::process::id()))
                .context("the [iot] broker for [emergency] mqtt_topic")?;
            s.topics = vec![topic.clone()];
            Some(s)
        }
        _ => None,
    };
    let live =
        live.then(|| Arc::new(Mutex::new(start_cap_sources(&em.feeds, Duration::from_secs_f64(em.poll_s), mqtt))));
    Ok(Some(city_bevy::incident_layer::IncidentStart {
        timeline,
        analysis,
        ecef_from_local,
        live,
        log: None,
        step: None,
    }))
}
