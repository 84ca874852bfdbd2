//! Sensors shaped on OGC SensorThings: a Thing at a Location with Datastreams, each measuring
//! one ObservedProperty in a unit.
use city_core::Geodetic;

/// One datastream: what a sensor measures, and in which unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Datastream {
    /// Its id, unique in the layer (SensorThings `Datastreams(id)`).
    pub id: String,
    /// The observed property (`vacancy`, `air_temperature`, `pm2_5`...).
    pub observed_property: String,
    /// Unit of measurement (UCUM symbol: `Cel`, `ug/m3`, `{spaces}`).
    pub unit: String,
}

/// A Thing with its Location and Datastreams.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensor {
    /// Its id (SensorThings `Things(id)`).
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Where it is.
    pub location: Geodetic,
    /// What it measures.
    pub datastreams: Vec<Datastream>,
}

impl Sensor {
    /// A sensor with one datastream of the same id (most field devices: one reading each).
    pub fn single(id: &str, location: Geodetic, observed_property: &str, unit: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: id.to_owned(),
            location,
            datastreams: vec![Datastream {
                id: id.to_owned(),
                observed_property: observed_property.to_owned(),
                unit: unit.to_owned(),
            }],
        }
    }
}
