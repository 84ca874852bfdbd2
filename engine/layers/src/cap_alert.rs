//! OASIS Common Alerting Protocol alerts, versions 1.0, 1.1 and 1.2 (the three differ in their
//! namespace and a few optional fields): every `info` with its event, urgency, severity,
//! certainty, onset and expiry, and every `area` with its polygons (`lat,lon lat,lon ...`,
//! closed, at least 4 points) and circles (`lat,lon radius_km`). A file that is not CAP is an
//! error naming the file and line; a bad polygon or circle is dropped with a warning naming its
//! line, and the rest of the alert is kept.
use std::path::Path;

use crate::LayerError;
use crate::xml_tree::{XmlElement, parse_xml};

/// CAP severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    /// Extraordinary threat to life or property.
    Extreme,
    /// Significant threat.
    Severe,
    /// Possible threat.
    Moderate,
    /// Minimal to no known threat.
    Minor,
    /// Unknown (or missing).
    Unknown,
}

impl Severity {
    /// From CAP's words (`Extreme`...); anything else is `Unknown`.
    pub fn parse(s: &str) -> Self {
        match s {
            "Extreme" => Self::Extreme,
            "Severe" => Self::Severe,
            "Moderate" => Self::Moderate,
            "Minor" => Self::Minor,
            _ => Self::Unknown,
        }
    }
}

/// A circle: centre and radius.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapCircle {
    /// Centre longitude, degrees.
    pub lon_deg: f64,
    /// Centre latitude, degrees.
    pub lat_deg: f64,
    /// Radius, km (0: a point).
    pub radius_km: f64,
}

/// One `area`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapArea {
    /// `areaDesc`.
    pub description: String,
    /// Polygons as rings of `[lon, lat]` degrees, closed.
    pub polygons: Vec<Vec<[f64; 2]>>,
    /// Circles.
    pub circles: Vec<CapCircle>,
    /// `geocode` values (`SAME=006113`), kept as text.
    pub geocodes: Vec<String>,
}

/// One `info` block.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapInfo {
    /// `event` (`Tsunami Warning`).
    pub event: String,
    /// `urgency` as written (`Immediate`, `Expected`, `Future`, `Past`, `Unknown`).
    pub urgency: String,
    /// `severity`.
    pub severity: Severity,
    /// `certainty` as written (`Observed`, `Likely`...).
    pub certainty: String,
    /// `onset` (else `effective`), ms since 1970.
    pub onset_ms: Option<i64>,
    /// `expires`, ms since 1970.
    pub expires_ms: Option<i64>,
    /// `headline`.
    pub headline: String,
    /// Its areas.
    pub areas: Vec<CapArea>,
}

/// An alert. Serialisable as read, so a bench recording replays the alerts that arrived.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapAlert {
    /// `1.0`, `1.1` or `1.2`, from the namespace.
    pub version: String,
    /// `identifier`.
    pub identifier: String,
    /// `sender`.
    pub sender: String,
    /// `sent`, ms since 1970.
    pub sent_ms: Option<i64>,
    /// `status` (`Actual`, `Exercise`, `Test`...).
    pub status: String,
    /// `msgType`: `Alert`, `Update`, `Cancel`, `Ack`, `Error`.
    pub msg_type: String,
    /// `references`: (sender, identifier) of the earlier alerts it updates or cancels.
    pub references: Vec<(String, String)>,
    /// The `info` blocks.
    pub infos: Vec<CapInfo>,
    /// What was dropped, with its line.
    pub warnings: Vec<String>,
}

fn cap_time(s: Option<&str>) -> Option<i64> {
    crate::parse_iso_ms(s?)
}

/// `lat,lon lat,lon ...` to `[lon, lat]` pairs.
fn pairs(text: &str) -> Result<Vec<[f64; 2]>, String> {
    text.split_whitespace()
        .map(|p| {
            let (lat, lon) = p.split_once(',').ok_or_else(|| format!("{p:?} is not lat,lon"))?;
            let (lat, lon): (f64, f64) = (
                lat.parse().map_err(|_| format!("{lat:?} is not a latitude"))?,
                lon.parse().map_err(|_| format!("{lon:?} is not a longitude"))?,
            );
            if !(lat.abs() <= 90.0 && lon.abs() <= 180.0) {
                return Err(format!("{lat},{lon} is outside -90..90, -180..180"));
            }
            Ok([lon, lat])
        })
        .collect()
}

fn read_polygon(text: &str) -> Result<Vec<[f64; 2]>, String> {
    let ring = pairs(text)?;
    if ring.len() < 4 {
        return Err(format!("a polygon needs at least 4 points (the first repeated last), not {}", ring.len()));
    }
    if ring.first() != ring.last() {
        return Err("the polygon is not closed (its last point is not its first)".into());
    }
    Ok(ring)
}

/// The largest circle radius read, km (half the Earth's circumference).
const MAX_RADIUS_KM: f64 = 20_037.5;

fn read_circle(text: &str) -> Result<CapCircle, String> {
    let (centre, radius) = text.trim().split_once(char::is_whitespace).ok_or("a circle is \"lat,lon radius_km\"")?;
    let c = pairs(centre)?;
    let radius_km: f64 = radius.trim().parse().map_err(|_| format!("radius {radius:?} is not a number"))?;
    if !(radius_km >= 0.0 && radius_km.is_finite()) {
        return Err(format!("radius {radius_km} km is negative"));
    }
    // Half the Earth's circumference: a larger circle covers the whole globe, a mistake.
    if radius_km > MAX_RADIUS_KM {
        return Err(format!("radius {radius_km} km is more than half way round the Earth"));
    }
    Ok(CapCircle { lon_deg: c[0][0], lat_deg: c[0][1], radius_km })
}

impl CapAlert {
    /// Reads an alert from a file.
    pub fn read(path: &Path) -> Result<Self, LayerError> {
        let file = path.display().to_string();
        let text =
            city_core::read_utf8(path).map_err(|e| LayerError::File { file: file.clone(), reason: e.to_string() })?;
        Self::parse(&text, &file)
    }

    /// Parses alert XML; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Self, LayerError> {
        let fail = |line: usize, reason: String| LayerError::File {
            file: file.to_owned(),
            reason: format!("line {line}: {reason}"),
        };
        let root = parse_xml(text).map_err(|(line, e)| fail(line, e))?;
        Self::from_element(&root, file)
    }

    /// Reads an alert from its parsed `<alert>` element (one embedded in an Atom entry, say);
    /// `file` names where it came from in messages.
    pub(crate) fn from_element(root: &XmlElement, file: &str) -> Result<Self, LayerError> {
        let fail = |line: usize, reason: String| LayerError::File {
            file: file.to_owned(),
            reason: format!("line {line}: {reason}"),
        };
        let version = match root.xmlns.as_deref() {
            Some(ns) if root.name == "alert" && ns.starts_with("urn:oasis:names:tc:emergency:cap:") => {
                ns.rsplit(':').next().unwrap_or_default().to_owned()
            }
            Some("http://www.incident.com/cap/1.0") if root.name == "alert" => "1.0".to_owned(),
            _ => {
                return Err(fail(
                    root.line,
                    format!(
                        "not a CAP alert: the root is <{}> in namespace {:?}",
                        root.name,
                        root.xmlns.as_deref().unwrap_or("")
                    ),
                ));
            }
        };
        let need = |el: &XmlElement, name: &str| {
            el.text_of(name).map(str::to_owned).ok_or_else(|| fail(el.line, format!("<{}> has no <{name}>", el.name)))
        };
        let mut warnings = Vec::new();
        let references = root
            .text_of("references")
            .map(|r| {
                r.split_whitespace()
                    .filter_map(|t| {
                        let mut it = t.split(',');
                        Some((it.next()?.to_owned(), it.next()?.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut infos = Vec::new();
        for info in root.children_named("info") {
            let mut areas = Vec::new();
            for area in info.children_named("area") {
                let mut a = CapArea {
                    description: area.text_of("areaDesc").unwrap_or_default().to_owned(),
                    ..Default::default()
                };
                // NWS writes `<polygon></polygon>` for areas given by geocode only.
                for p in area.children_named("polygon").filter(|p| !p.text.is_empty()) {
                    match read_polygon(&p.text) {
                        Ok(ring) => a.polygons.push(ring),
                        Err(e) => warnings.push(format!("{file}: line {}: polygon dropped: {e}", p.line)),
                    }
                }
                for c in area.children_named("circle") {
                    match read_circle(&c.text) {
                        Ok(circle) => a.circles.push(circle),
                        Err(e) => warnings.push(format!("{file}: line {}: circle dropped: {e}", c.line)),
                    }
                }
                for g in area.children_named("geocode") {
                    if let (Some(n), Some(v)) = (g.text_of("valueName"), g.text_of("value")) {
                        a.geocodes.push(format!("{n}={v}"));
                    }
                }
                areas.push(a);
            }
            infos.push(CapInfo {
                event: need(info, "event")?,
                urgency: info.text_of("urgency").unwrap_or("Unknown").to_owned(),
                severity: Severity::parse(info.text_of("severity").unwrap_or("Unknown")),
                certainty: info.text_of("certainty").unwrap_or("Unknown").to_owned(),
                onset_ms: cap_time(info.text_of("onset").or_else(|| info.text_of("effective"))),
                expires_ms: cap_time(info.text_of("expires")),
                headline: info.text_of("headline").unwrap_or_default().to_owned(),
                areas,
            });
        }
        let sent = root.text_of("sent");
        let sent_ms = cap_time(sent);
        if let (Some(text), None) = (sent, sent_ms) {
            let line = root.child("sent").map_or(root.line, |s| s.line);
            warnings.push(format!("{file}: line {line}: sent {text:?} is not a CAP time (2026-12-07T10:00:00+08:00)"));
        }
        Ok(Self {
            version,
            identifier: need(root, "identifier")?,
            sender: need(root, "sender")?,
            sent_ms,
            status: need(root, "status")?,
            msg_type: need(root, "msgType")?,
            references,
            infos,
            warnings,
        })
    }

    /// Whether every info has expired at `now_ms` (infos without `expires` never do).
    pub fn expired(&self, now_ms: i64) -> bool {
        !self.infos.is_empty() && self.infos.iter().all(|i| i.expires_ms.is_some_and(|e| e < now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_and_circles_are_checked() {
        assert_eq!(read_polygon("1,2 1,3 2,3 1,2").unwrap(), vec![[2.0, 1.0], [3.0, 1.0], [3.0, 2.0], [2.0, 1.0]]);
        assert!(read_polygon("1,2 1,3 1,2").unwrap_err().contains("at least 4"));
        assert!(read_polygon("1,2 1,3 2,3 2,2").unwrap_err().contains("not closed"));
        assert!(read_polygon("1,2 1,3 91,3 1,2").unwrap_err().contains("outside"));
        let c = read_circle("32.9525,-115.5527 2.5").unwrap();
        assert_eq!((c.lon_deg, c.lat_deg, c.radius_km), (-115.5527, 32.9525, 2.5));
        assert!(read_circle("32.9,-115.5 -1").unwrap_err().contains("negative"));
        assert!(read_circle("32.9,-115.5").is_err());
    }
}
