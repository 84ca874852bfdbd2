//! The IoT layer a scene file asks for: its declared sensors, the sensors of the source files it
//! names (sensor files, the Hong Kong car parks), its threshold and geofence rules, its payload
//! mappings, and the MQTT settings of its broker.
use city_core::{Geodetic, SceneIot};

use crate::{
    AlarmRule, BrokerAddress, Direction, IotLayer, LayerError, MqttSettings, PayloadMapping, Sensor, read_hk_car_parks,
    read_sensor_file,
};

impl IotLayer {
    /// Builds the layer of a scene's `[iot]` table (paths already resolved by `Scene::read`);
    /// the car-park files' own observations are applied.
    pub fn from_scene(iot: &SceneIot) -> Result<Self, LayerError> {
        let mut sensors: Vec<Sensor> = iot
            .sensors
            .iter()
            .map(|s| {
                let (property, unit) = s.kind.property_and_unit();
                let sensor = Sensor::single(&s.id, Geodetic::from_deg(s.lon_deg, s.lat_deg, 0.0), property, unit);
                Sensor { name: s.name.clone().unwrap_or_else(|| s.id.clone()), ..sensor }
            })
            .collect();
        for f in &iot.sensor_files {
            sensors.extend(read_sensor_file(f)?);
        }
        let mut first = Vec::new();
        if let Some([info, vacancy]) = &iot.hk_car_parks {
            let (parks, observations) = read_hk_car_parks(info, vacancy)?;
            sensors.extend(parks);
            first = observations;
        }
        let rules = iot
            .rules
            .iter()
            .map(|r| {
                let (property, _) = r.kind.property_and_unit();
                let rule = match (r.above, r.below) {
                    (Some(a), None) => AlarmRule::new(property, Direction::Above, a, r.clear),
                    (None, Some(b)) => AlarmRule::new(property, Direction::Below, b, r.clear),
                    _ => Err(LayerError::Rule(format!("{property}: give exactly one of above and below"))),
                }?;
                match &r.zone {
                    Some(zone) => rule.within(zone.clone()),
                    None => Ok(rule),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut layer = IotLayer::new(sensors, rules)?;
        layer.mappings = iot.mappings.iter().map(PayloadMapping::from_scene).collect();
        for o in &first {
            layer.apply(o)?;
        }
        Ok(layer)
    }
}

/// The system's CA bundle (Debian, Ubuntu, Alpine), for TLS without a `ca_file`.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

impl MqttSettings {
    /// The broker settings of a scene's `[iot]` table: `broker` in any form [`BrokerAddress`]
    /// reads (`HOST:PORT`, `[IPv6]:PORT`, `mqtt://`, `mqtts://`...; port 1883, or 8883 with TLS,
    /// when left out; `mqtts://` turns TLS on), topics (all, `#`, when none), the user and the password from
    /// the environment variable it names, the CA file for TLS. `broker` overrides the scene's.
    pub fn from_scene(iot: &SceneIot, broker: Option<&str>, client_id: &str) -> Result<Self, LayerError> {
        Self::from_scene_with_env(iot, broker, client_id, |var| std::env::var(var).ok())
    }

    /// [`MqttSettings::from_scene`] with the environment given (tests, and hosts that keep
    /// secrets elsewhere).
    pub fn from_scene_with_env(
        iot: &SceneIot,
        broker: Option<&str>,
        client_id: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, LayerError> {
        let broker = broker
            .map(str::to_owned)
            .or_else(|| iot.broker.clone())
            .ok_or_else(|| LayerError::Broker("no broker: give one as HOST:PORT or mqtt://HOST:PORT".into()))?;
        let address = BrokerAddress::parse(&broker, iot.tls)?;
        // The address's scheme and the scene's `tls` must agree: a plain `mqtt://` with
        // `tls = true` is a mistake to report, not to guess about.
        let tls = match address.tls {
            Some(false) if iot.tls => {
                return Err(LayerError::Broker(format!(
                    "broker {broker:?} is plain MQTT but the scene says tls = true"
                )));
            }
            Some(t) => t,
            None => iot.tls,
        };
        let websocket_url = address.websocket_url();
        let BrokerAddress { host, port, .. } = address;
        let credentials = match (&iot.username, &iot.password_env) {
            (Some(user), Some(var)) => {
                let password = env(var).ok_or_else(|| LayerError::MissingEnv(var.clone()))?;
                Some((user.clone(), password))
            }
            (Some(user), None) => Some((user.clone(), String::new())),
            (None, _) => None,
        };
        let tls_ca = if tls {
            let ca = iot.ca_file.clone().unwrap_or_else(|| SYSTEM_CA_BUNDLE.into());
            Some(std::fs::read(&ca).map_err(|e| LayerError::File {
                file: ca.display().to_string(),
                reason: format!("the CA certificates for TLS: {e}"),
            })?)
        } else {
            None
        };
        Ok(Self {
            host,
            port,
            client_id: client_id.to_owned(),
            topics: if iot.topics.is_empty() { vec!["#".into()] } else { iot.topics.clone() },
            credentials,
            tls_ca,
            websocket_url,
        })
    }
}
