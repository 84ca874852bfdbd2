//! The Hong Kong Transport Department's car-park feed (data.gov.hk): `basic_info_all.json`
//! (each car park: id, names, latitude, longitude) and `vacancy_all.json` (vacant spaces per
//! vehicle type, with the local time of the last update). Each car park becomes a sensor with
//! one `vacancy` datastream per vehicle type (`{park_id}-{type}`); the vacancy file gives the
//! first observations (`-1`, "unknown", is skipped).
use std::path::Path;

use city_core::Geodetic;
use serde_json::Value;

use crate::{Datastream, LayerError, Observation, Sensor, parse_iso_ms};

fn read_json(path: &Path) -> Result<Value, LayerError> {
    let fail = |reason: String| LayerError::File { file: path.display().to_string(), reason };
    let text = city_core::read_utf8(path).map_err(|e| fail(e.to_string()))?;
    // The files start with a byte-order mark.
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| fail(format!("line {}, column {}: {e}", e.line(), e.column())))
}

/// The car parks as sensors, and the observations the vacancy file holds.
pub fn read_hk_car_parks(basic_info: &Path, vacancy: &Path) -> Result<(Vec<Sensor>, Vec<Observation>), LayerError> {
    let info = read_json(basic_info)?;
    let vac = read_json(vacancy)?;
    let parks = info["car_park"].as_array().ok_or_else(|| LayerError::File {
        file: basic_info.display().to_string(),
        reason: "no \"car_park\" array".into(),
    })?;
    let mut vacancies: std::collections::HashMap<&str, &Value> = Default::default();
    for v in vac["car_park"].as_array().into_iter().flatten() {
        if let Some(id) = v["park_id"].as_str() {
            vacancies.insert(id, v);
        }
    }
    let mut sensors = Vec::new();
    let mut observations = Vec::new();
    for p in parks {
        let (Some(id), Some(lat), Some(lon)) = (p["park_id"].as_str(), p["latitude"].as_f64(), p["longitude"].as_f64())
        else {
            continue;
        };
        let mut datastreams = Vec::new();
        for vt in vacancies.get(id).and_then(|v| v["vehicle_type"].as_array()).into_iter().flatten() {
            let Some(ty) = vt["type"].as_str() else { continue };
            let ds = format!("{id}-{ty}");
            for c in vt["service_category"].as_array().into_iter().flatten() {
                let (Some(n), Some(t)) = (c["vacancy"].as_f64(), c["lastupdate"].as_str()) else { continue };
                // Local Hong Kong time, UTC+8.
                if let (true, Some(ms)) = (n >= 0.0, parse_iso_ms(&format!("{t}+08:00"))) {
                    observations.push(Observation { datastream: ds.clone(), time_ms: ms, result: n });
                }
            }
            if !datastreams.iter().any(|d: &Datastream| d.id == ds) {
                datastreams.push(Datastream { id: ds, observed_property: "vacancy".into(), unit: "{spaces}".into() });
            }
        }
        sensors.push(Sensor {
            id: id.to_owned(),
            name: p["name_en"].as_str().unwrap_or(id).to_owned(),
            location: Geodetic::from_deg(lon, lat, 0.0),
            datastreams,
        });
    }
    Ok((sensors, observations))
}
