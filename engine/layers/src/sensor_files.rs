//! Sensors from files, in the two forms cities publish them:
//!
//! - **GeoJSON**: a FeatureCollection of Points, each with `id` (or the feature's id), `name`,
//!   and either `kind` (one of the scene's sensor kinds) or `observed_property` and `unit`;
//!   its one datastream has the id `datastream`, or the sensor's;
//! - **SensorThings**: the answer of `GET /v1.1/Things?$expand=Locations,Datastreams($expand=ObservedProperty)`,
//!   `{"value": [Thing, ...]}` (or the bare array): each Thing with `@iot.id`, `name`,
//!   `Locations[0].location` (a GeoJSON Point) and `Datastreams` with `@iot.id`,
//!   `unitOfMeasurement.symbol` and `ObservedProperty.name`.
//!
//! Observed-property names are normalised to lower snake case (`Air Temperature` ->
//! `air_temperature`, `PM2.5` -> `pm2_5`) so a scene's rules match them. An entry that cannot
//! be read is an error naming the file and the entry's place (`features[3]`, `value[0]`).
use std::path::Path;

use city_core::{Geodetic, SensorKind};
use serde_json::Value;

use crate::{Datastream, LayerError, Sensor};

/// `Air Temperature` -> `air_temperature`.
pub fn normalise_property(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// An id: a string, or a number written as text.
fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `[lon, lat]` of a GeoJSON Point.
fn point_of(g: &Value) -> Option<Geodetic> {
    if g["type"] != "Point" {
        return None;
    }
    let c = g["coordinates"].as_array()?;
    let (lon, lat) = (c.first()?.as_f64()?, c.get(1)?.as_f64()?);
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then(|| Geodetic::from_deg(lon, lat, 0.0))
}

/// Reads the sensors of a GeoJSON or SensorThings file.
pub fn read_sensor_file(path: &Path) -> Result<Vec<Sensor>, LayerError> {
    let file = path.display().to_string();
    let fail = |reason: String| LayerError::File { file: file.clone(), reason };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| fail(format!("not JSON: {e}")))?;
    if v["type"] == "FeatureCollection" {
        read_geojson(&v).map_err(fail)
    } else if v["value"].is_array() || v.is_array() {
        read_sensorthings(v.get("value").unwrap_or(&v)).map_err(fail)
    } else {
        Err(fail("neither a GeoJSON FeatureCollection nor SensorThings Things ({\"value\": [...]})".into()))
    }
}

fn read_geojson(v: &Value) -> Result<Vec<Sensor>, String> {
    let features = v["features"].as_array().ok_or("FeatureCollection without features")?;
    let mut sensors = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let place = format!("features[{i}]");
        let p = &f["properties"];
        let id = id_of(&p["id"]).or_else(|| id_of(&f["id"])).ok_or_else(|| format!("{place}: no id"))?;
        let location =
            point_of(&f["geometry"]).ok_or_else(|| format!("{place} ({id}): geometry is not a Point in degrees"))?;
        let (property, unit) = match (&p["kind"], &p["observed_property"]) {
            (Value::String(k), _) => {
                let kind: SensorKind = serde_json::from_value(Value::String(k.clone()))
                    .map_err(|_| format!("{place} ({id}): unknown kind {k:?}"))?;
                let (p, u) = kind.property_and_unit();
                (p.to_owned(), u.to_owned())
            }
            (_, Value::String(o)) => (normalise_property(o), p["unit"].as_str().unwrap_or("").to_owned()),
            _ => return Err(format!("{place} ({id}): give kind, or observed_property and unit")),
        };
        let name = p["name"].as_str().map_or_else(|| id.clone(), str::to_owned);
        let ds = id_of(&p["datastream"]).unwrap_or_else(|| id.clone());
        sensors.push(Sensor {
            datastreams: vec![Datastream { id: ds, observed_property: property, unit }],
            id,
            name,
            location,
        });
    }
    Ok(sensors)
}

fn read_sensorthings(things: &Value) -> Result<Vec<Sensor>, String> {
    let things = things.as_array().ok_or("value is not an array")?;
    let mut sensors = Vec::with_capacity(things.len());
    for (i, t) in things.iter().enumerate() {
        let place = format!("value[{i}]");
        let id = id_of(&t["@iot.id"]).ok_or_else(|| format!("{place}: a Thing without @iot.id"))?;
        let location = t["Locations"]
            .as_array()
            .and_then(|l| l.iter().find_map(|l| point_of(&l["location"])))
            .ok_or_else(|| format!("{place} (Thing {id}): no Location with a GeoJSON Point"))?;
        let mut datastreams = Vec::new();
        for (j, d) in t["Datastreams"].as_array().map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
            let ds = id_of(&d["@iot.id"]).ok_or_else(|| format!("{place}.Datastreams[{j}]: no @iot.id"))?;
            let property = d["ObservedProperty"]["name"]
                .as_str()
                .or_else(|| d["name"].as_str())
                .ok_or_else(|| format!("{place}.Datastreams[{j}] ({ds}): no ObservedProperty name"))?;
            datastreams.push(Datastream {
                id: ds,
                observed_property: normalise_property(property),
                unit: d["unitOfMeasurement"]["symbol"].as_str().unwrap_or("").to_owned(),
            });
        }
        if datastreams.is_empty() {
            return Err(format!("{place} (Thing {id}): no Datastreams (expand them: $expand=Datastreams)"));
        }
        let name = t["name"].as_str().map_or_else(|| id.clone(), str::to_owned);
        sensors.push(Sensor { id, name, location, datastreams });
    }
    Ok(sensors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_names_normalise() {
        assert_eq!(normalise_property("Air Temperature"), "air_temperature");
        assert_eq!(normalise_property("PM2.5"), "pm2_5");
        assert_eq!(normalise_property(" water-level (m) "), "water_level_m");
    }
}
