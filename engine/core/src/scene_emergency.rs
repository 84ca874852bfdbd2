//! The scene's `[emergency]` table: hazard layers, where alerts come from (CAP files, Atom/RSS feeds polled
//! over HTTP(S), an MQTT topic on the `[iot]` broker), the facilities to list nearest each
//! incident, and the rings drawn around the zones.
use std::path::PathBuf;

use serde::Deserialize;

/// The `[emergency]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneEmergency {
    /// CAP files, played in this order on the timeline (relative to the scene file).
    #[serde(default)]
    pub alerts: Vec<PathBuf>,
    /// Hazard layers: PLATEAU flood-risk extents (`udx/fld/*.gml`), shown as incidents.
    #[serde(default)]
    pub hazards: Vec<PathBuf>,
    /// Atom or RSS feeds of CAP alerts (`https://...`), polled every `poll_s`.
    #[serde(default)]
    pub feeds: Vec<String>,
    /// Seconds between polls of the feeds (default 60).
    #[serde(default = "minute")]
    pub poll_s: f64,
    /// An MQTT topic filter carrying CAP XML, on the `[iot]` table's broker.
    #[serde(default)]
    pub mqtt_topic: Option<String>,
    /// Facilities (OSM-tagged GeoJSON points): the nearest of each kind are listed.
    #[serde(default)]
    pub facilities: Option<PathBuf>,
    /// Rings around each zone, metres, ascending (default 500, 1000, 2000).
    #[serde(default = "rings")]
    pub rings_m: Vec<f64>,
    /// How many facilities of each kind to list (default 3).
    #[serde(default = "three")]
    pub nearest: usize,
}

impl Default for SceneEmergency {
    fn default() -> Self {
        Self {
            alerts: Vec::new(),
            hazards: Vec::new(),
            feeds: Vec::new(),
            poll_s: minute(),
            mqtt_topic: None,
            facilities: None,
            rings_m: rings(),
            nearest: three(),
        }
    }
}

fn minute() -> f64 {
    60.0
}

fn rings() -> Vec<f64> {
    vec![500.0, 1000.0, 2000.0]
}

fn three() -> usize {
    3
}

impl SceneEmergency {
    /// What is wrong with it, if anything (the scene reader adds the file and line).
    pub fn problem(&self, has_broker: bool) -> Option<String> {
        if self.rings_m.windows(2).any(|w| w[0] >= w[1]) || self.rings_m.iter().any(|r| !(*r > 0.0 && r.is_finite())) {
            return Some(format!("rings_m {:?}: give positive distances, ascending", self.rings_m));
        }
        if !(self.poll_s >= 1.0 && self.poll_s.is_finite()) {
            return Some(format!("poll_s = {}: poll at most once a second", self.poll_s));
        }
        if let Some(f) = self.feeds.iter().find(|f| !(f.starts_with("http://") || f.starts_with("https://"))) {
            return Some(format!("feed {f:?}: give an http:// or https:// URL"));
        }
        if self.mqtt_topic.is_some() && !has_broker {
            return Some("mqtt_topic needs the [iot] table's broker".into());
        }
        None
    }
}
