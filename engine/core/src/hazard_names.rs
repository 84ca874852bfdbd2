//! How hazard zones are named where they are read (the importer's CityGML reader, the emergency
//! layer's PLATEAU reader) and the sidecar the importer writes them to, so that both read the
//! same zone the same way.

/// The attribute the importer sets on a feature that is a hazard zone: what the hazard is.
pub const HAZARD_ATTRIBUTE: &str = "hazard";

/// The file, beside `features.csv`, holding an imported tileset's hazard zones as GeoJSON
/// (RFC 7946: WGS84 longitude, latitude), one feature per zone with its attributes.
pub const HAZARDS_FILE: &str = "hazards.geojson";

/// What a PLATEAU flooding-risk attribute element says the hazard is, with its scale (`L1`, `L2`)
/// when given: `WaterBodyRiverFloodingRiskAttribute` with scale `L1` is `river flood (L1)`.
pub fn flood_risk_kind(risk_element: &str, scale: Option<&str>) -> String {
    let what = match risk_element {
        "WaterBodyRiverFloodingRiskAttribute" => "river flood",
        "WaterBodyHighTideRiskAttribute" => "storm surge",
        "WaterBodyTsunamiRiskAttribute" => "tsunami",
        "WaterBodyInlandFloodingRiskAttribute" => "inland flood",
        _ => "flood",
    };
    match scale {
        Some(s) if !s.is_empty() => format!("{what} ({s})"),
        _ => what.to_owned(),
    }
}
