//! The `[iot]` table of a scene file: the feed (the built-in simulator by default, or an MQTT
//! broker and topics), sensors declared one by one or taken from a known source file, and
//! threshold rules. Read here with the rest of the scene; `city_layers` turns it into sensors
//! and alarm rules.
use serde::Deserialize;

/// Where observations come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// The built-in simulator (no broker, no outside data).
    #[default]
    Simulator,
    /// An MQTT broker.
    Mqtt,
}

/// What a sensor measures: the kinds the layer knows (a typo is an error with its line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    /// Air temperature, Cel.
    AirTemperature,
    /// River or sea level, m.
    WaterLevel,
    /// Fine particles, ug/m3.
    Pm2_5,
    /// Free parking spaces.
    Vacancy,
    /// Electric power, kW.
    Power,
    /// Noise level, dB(A).
    Noise,
}

impl SensorKind {
    /// The SensorThings observed property and UCUM unit.
    pub fn property_and_unit(self) -> (&'static str, &'static str) {
        match self {
            Self::AirTemperature => ("air_temperature", "Cel"),
            Self::WaterLevel => ("water_level", "m"),
            Self::Pm2_5 => ("pm2_5", "ug/m3"),
            Self::Vacancy => ("vacancy", "{spaces}"),
            Self::Power => ("power", "kW"),
            Self::Noise => ("noise", "dB(A)"),
        }
    }
}

/// One declared sensor (one datastream, id = the sensor's id).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneSensor {
    /// Its id (and its datastream's).
    pub id: String,
    /// A name for people (default: the id).
    #[serde(default)]
    pub name: Option<String>,
    /// What it measures.
    pub kind: SensorKind,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Latitude, degrees.
    pub lat_deg: f64,
}

/// A threshold rule: exactly one of `above` and `below`, and the value that clears it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneRule {
    /// The kind of sensor it watches.
    pub kind: SensorKind,
    /// Alarm at or above this.
    #[serde(default)]
    pub above: Option<f64>,
    /// Alarm at or below this.
    #[serde(default)]
    pub below: Option<f64>,
    /// The value that clears the alarm (on the good side).
    pub clear: f64,
    /// A geofence: the rule holds only for sensors inside this ring of `[lon, lat]` degrees
    /// (closed or not). Zone rules come before rules without a zone for the same kind, so a
    /// riverside zone can have a lower water-level threshold than the rest of the city.
    #[serde(default)]
    pub zone: Option<Vec<[f64; 2]>>,
}

/// How to read observations from payloads of another shape than the two built-in ones
/// (SensorThings, plain `{"sensor","t","value"}`): for messages on topics matching `topic`,
/// where in the JSON (RFC 6901 pointers) or in the topic the sensor, value and time are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneMapping {
    /// MQTT topic filter (`+` one level, `#` the rest) this mapping applies to.
    pub topic: String,
    /// JSON pointer to the sensor id (`/device/id`)...
    #[serde(default)]
    pub sensor: Option<String>,
    /// ...or the topic level (0-based) that holds it (`city/temp/S17` -> 2).
    #[serde(default)]
    pub sensor_topic_level: Option<usize>,
    /// JSON pointer to the value (`/readings/temp_c`).
    pub value: String,
    /// JSON pointer to the time (ms or s since 1970, or ISO 8601); absent: the arrival time.
    #[serde(default)]
    pub time: Option<String>,
    /// The value is multiplied by this...
    #[serde(default = "one")]
    pub scale: f64,
    /// ...and this is added (e.g. Fahrenheit to Celsius: scale 0.5556, offset -17.78).
    #[serde(default)]
    pub offset: f64,
}

fn one() -> f64 {
    1.0
}

/// The `[iot]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SceneIot {
    /// The feed (default: the simulator).
    #[serde(default)]
    pub feed: FeedKind,
    /// The broker, HOST:PORT, for `feed = "mqtt"`.
    #[serde(default)]
    pub broker: Option<String>,
    /// Topic filters to subscribe to.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Sensors declared one by one.
    #[serde(default)]
    pub sensors: Vec<SceneSensor>,
    /// Threshold rules.
    #[serde(default)]
    pub rules: Vec<SceneRule>,
    /// User name for the broker.
    #[serde(default)]
    pub username: Option<String>,
    /// The environment variable holding the broker password (never the password itself: scene
    /// files are shared and committed).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Connect with TLS (MQTT over TLS, usually port 8883).
    #[serde(default)]
    pub tls: bool,
    /// The CA certificates (PEM) that sign the broker's certificate, relative to the scene file;
    /// default: the system's bundle (`/etc/ssl/certs/ca-certificates.crt`).
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// Payload mappings for feeds that publish their own JSON shape.
    #[serde(default)]
    pub mappings: Vec<SceneMapping>,
    /// Sensor files (GeoJSON points, or SensorThings `Things` JSON with Locations and
    /// Datastreams), relative to the scene file.
    #[serde(default)]
    pub sensor_files: Vec<std::path::PathBuf>,
    /// The Hong Kong car-park files (`basic_info_all.json` and `vacancy_all.json`), relative to
    /// the scene file, as a source of sensors.
    #[serde(default)]
    pub hk_car_parks: Option<[std::path::PathBuf; 2]>,
}
