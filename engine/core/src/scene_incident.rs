//! Incident scenarios in a scene file (`[[incidents]]`): exercises and planning cases the
//! operations centre runs without a live alert. A fire or gas leak at a point with a radius, or
//! a flood polygon with a water level; the emergency layer treats them like CAP incidents.
use serde::Deserialize;

/// What kind of scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// A fire.
    Fire,
    /// A gas leak.
    GasLeak,
    /// A flood.
    Flood,
    /// Anything else.
    Other,
}

/// One `[[incidents]]` table: a point and radius, or a polygon.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneIncident {
    /// Its name in the incident list.
    pub name: String,
    /// What it is.
    pub kind: ScenarioKind,
    /// CAP severity: `Extreme`, `Severe`, `Moderate`, `Minor` (default `Severe`).
    #[serde(default = "severe")]
    pub severity: String,
    /// Centre longitude, degrees (with `lat_deg` and `radius_m`).
    #[serde(default)]
    pub lon_deg: Option<f64>,
    /// Centre latitude, degrees.
    #[serde(default)]
    pub lat_deg: Option<f64>,
    /// Radius, metres.
    #[serde(default)]
    pub radius_m: Option<f64>,
    /// Or a ring of `[lon, lat]` degrees (closed or not).
    #[serde(default)]
    pub polygon: Option<Vec<[f64; 2]>>,
    /// Water level above ground, metres (floods).
    #[serde(default)]
    pub water_level_m: Option<f64>,
}

fn severe() -> String {
    "Severe".into()
}

impl SceneIncident {
    /// What is wrong with it, if anything (the scene reader adds the file and line).
    pub fn problem(&self) -> Option<String> {
        let point = [self.lon_deg, self.lat_deg, self.radius_m];
        let given = point.iter().filter(|v| v.is_some()).count();
        match (&self.polygon, given) {
            (Some(_), 0) | (None, 3) => {}
            _ => return Some("give lon_deg, lat_deg and radius_m, or a polygon, not both".into()),
        }
        if let (Some(lon), Some(lat), Some(r)) = (self.lon_deg, self.lat_deg, self.radius_m)
            && !(lon.abs() <= 180.0 && lat.abs() <= 90.0 && r > 0.0 && r.is_finite())
        {
            return Some(format!("centre {lon}, {lat} or radius {r} m out of range"));
        }
        if let Some(p) = &self.polygon {
            let open = p.len() - usize::from(p.len() > 1 && p.first() == p.last());
            // `!(.. <= ..)`: NaN is out of range too.
            if open < 3 || p.iter().any(|q| !(q[0].abs() <= 180.0 && q[1].abs() <= 90.0)) {
                return Some("a polygon needs at least 3 distinct [lon, lat] points in degrees".into());
            }
        }
        if !matches!(self.severity.as_str(), "Extreme" | "Severe" | "Moderate" | "Minor" | "Unknown") {
            return Some(format!("severity {:?}: one of Extreme, Severe, Moderate, Minor, Unknown", self.severity));
        }
        None
    }
}
