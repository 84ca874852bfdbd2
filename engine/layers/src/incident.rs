//! Incidents: what the operations centre shows, fed by CAP alerts. Each `info` with a placed
//! area becomes an incident; an `Update` replaces the incidents of the alerts it references and a
//! `Cancel` removes them; expired alerts, tests and alerts without a placed area are logged and not
//! shown. Every decision goes into the log, the timeline an operator reads.
use city_core::SceneIncident;

use crate::{CapAlert, Severity};

/// The shape of an incident's zone, in degrees.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneShape {
    /// A closed ring of `[lon, lat]`.
    Polygon(Vec<[f64; 2]>),
    /// A circle.
    Circle {
        /// Centre longitude, degrees.
        lon_deg: f64,
        /// Centre latitude, degrees.
        lat_deg: f64,
        /// Radius, metres.
        radius_m: f64,
    },
}

/// One incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// (sender, identifier) of the alert it came from.
    pub source: (String, String),
    /// What (`Tsunami Warning`, `Fire`).
    pub event: String,
    /// How bad.
    pub severity: Severity,
    /// CAP urgency.
    pub urgency: String,
    /// Headline for the list.
    pub headline: String,
    /// When it starts and ends, ms since 1970.
    pub onset_ms: Option<i64>,
    /// See `onset_ms`.
    pub expires_ms: Option<i64>,
    /// Where: the union of these.
    pub zones: Vec<ZoneShape>,
    /// Water above ground, metres (flood scenarios): the zone is drawn this high.
    pub water_level_m: Option<f64>,
}

/// The incidents shown, and the log of what was done with each alert.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    /// Active incidents, in arrival order.
    pub active: Vec<Incident>,
    /// What happened, oldest first (`alert X: updated 2 incidents`).
    pub log: Vec<String>,
}

impl Incidents {
    /// Takes in a CAP alert that came as a message (an MQTT topic carrying CAP XML): applied,
    /// or, when it is not a readable alert, logged with the topic and the line; nothing already
    /// shown changes then. Returns how many incidents it added.
    pub fn apply_message(&mut self, topic: &str, payload: &[u8], now_ms: i64) -> usize {
        let text = match std::str::from_utf8(payload) {
            Ok(t) => t,
            Err(e) => {
                self.log.push(format!("message on {topic}: not UTF-8 text ({e}): not an alert"));
                return 0;
            }
        };
        match CapAlert::parse(text, &format!("message on {topic}")) {
            Ok(alert) => self.apply(&alert, now_ms),
            Err(e) => {
                self.log.push(e.to_string());
                0
            }
        }
    }

    /// Adds a scene's scenario (checked by `Scene::parse`) as an incident from sender `scene`.
    pub fn add_scenario(&mut self, s: &SceneIncident) {
        let zone = match (&s.polygon, s.lon_deg, s.lat_deg, s.radius_m) {
            (Some(ring), ..) => {
                let mut ring = ring.clone();
                if ring.first() != ring.last() {
                    ring.push(ring[0]);
                }
                ZoneShape::Polygon(ring)
            }
            (None, Some(lon_deg), Some(lat_deg), Some(radius_m)) => ZoneShape::Circle { lon_deg, lat_deg, radius_m },
            _ => {
                self.log.push(format!("scenario {:?}: no place: not shown", s.name));
                return;
            }
        };
        let headline = match s.water_level_m {
            Some(w) => format!("{} (water {w} m)", s.name),
            None => s.name.clone(),
        };
        self.active.push(Incident {
            source: ("scene".into(), s.name.clone()),
            event: format!("{:?}", s.kind),
            severity: Severity::parse(&s.severity),
            urgency: "Immediate".into(),
            headline,
            onset_ms: None,
            expires_ms: None,
            zones: vec![zone],
            water_level_m: s.water_level_m,
        });
        self.log.push(format!("scenario {:?}: 1 incident", s.name));
    }

    /// Adds a hazard layer's zones, one incident each from the sender `hazard`: severity from the
    /// depth rank (`rank`, else `rankOrg`: 1 Moderate, 2 Severe, 3 and deeper Extreme), urgency
    /// `Future` (a risk, not an event).
    pub fn add_hazards(&mut self, layer: &str, zones: &[crate::HazardZone]) {
        for z in zones {
            let rank =
                z.attribute("rank").or_else(|| z.attribute("rankOrg")).and_then(|r| r.trim().parse::<u32>().ok());
            let severity = match rank {
                Some(1) => Severity::Moderate,
                Some(2) => Severity::Severe,
                Some(r) if r >= 3 => Severity::Extreme,
                _ => Severity::Unknown,
            };
            self.active.push(Incident {
                source: ("hazard".into(), z.id.clone()),
                event: z.kind.clone(),
                severity,
                urgency: "Future".into(),
                headline: format!(
                    "{layer}: {}{}",
                    z.kind,
                    rank.map(|r| format!(", depth rank {r}")).unwrap_or_default()
                ),
                onset_ms: None,
                expires_ms: None,
                zones: z.polygons.iter().map(|p| ZoneShape::Polygon(p.clone())).collect(),
                water_level_m: None,
            });
        }
        self.log.push(format!("hazard layer {layer}: {} zones", zones.len()));
    }

    /// Applies an alert as of `now_ms`; returns how many incidents it added.
    pub fn apply(&mut self, alert: &CapAlert, now_ms: i64) -> usize {
        let name = format!("alert {} from {}", alert.identifier, alert.sender);
        self.log.extend(alert.warnings.iter().cloned());
        if !matches!(alert.status.as_str(), "Actual" | "Exercise") {
            self.log.push(format!("{name}: status {}: not shown", alert.status));
            return 0;
        }
        let referenced = |i: &Incident| alert.references.iter().any(|(s, id)| *s == i.source.0 && *id == i.source.1);
        match alert.msg_type.as_str() {
            "Cancel" | "Update" => {
                let before = self.active.len();
                self.active.retain(|i| !referenced(i));
                let removed = before - self.active.len();
                let verb = if alert.msg_type == "Cancel" { "cancels" } else { "updates" };
                self.log.push(format!("{name}: {verb} {} alerts, {removed} incidents removed", alert.references.len()));
                if alert.msg_type == "Cancel" {
                    return 0;
                }
            }
            "Alert" => {}
            other => {
                self.log.push(format!("{name}: msgType {other}: nothing to show"));
                return 0;
            }
        }
        if alert.expired(now_ms) {
            self.log.push(format!("{name}: expired: not shown"));
            return 0;
        }
        let mut added = 0;
        for info in &alert.infos {
            let zones: Vec<ZoneShape> = info
                .areas
                .iter()
                .flat_map(|a| {
                    a.polygons.iter().map(|p| ZoneShape::Polygon(p.clone())).chain(a.circles.iter().map(|c| {
                        ZoneShape::Circle { lon_deg: c.lon_deg, lat_deg: c.lat_deg, radius_m: c.radius_km * 1000.0 }
                    }))
                })
                .collect();
            if zones.is_empty() {
                self.log.push(format!("{name}: {}: no polygon or circle (geocodes only): not placed", info.event));
                continue;
            }
            self.active.push(Incident {
                source: (alert.sender.clone(), alert.identifier.clone()),
                event: info.event.clone(),
                severity: info.severity,
                urgency: info.urgency.clone(),
                headline: info.headline.clone(),
                onset_ms: info.onset_ms,
                expires_ms: info.expires_ms,
                zones,
                water_level_m: None,
            });
            added += 1;
        }
        self.log.push(format!("{name}: {added} incidents"));
        added
    }
}
