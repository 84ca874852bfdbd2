//! The IoT layer a scene file asks for: its declared sensors, the sensors of the source files it
//! names (the Hong Kong car parks), and its threshold rules.
use city_core::{Geodetic, SceneIot};

use crate::{AlarmRule, Datastream, Direction, IotLayer, LayerError, Sensor, read_hk_car_parks};

impl IotLayer {
    /// Builds the layer of a scene's `[iot]` table (paths already resolved by `Scene::read`);
    /// the car-park files' own observations are applied.
    pub fn from_scene(iot: &SceneIot) -> Result<Self, LayerError> {
        let mut sensors: Vec<Sensor> = iot
            .sensors
            .iter()
            .map(|s| {
                let (property, unit) = s.kind.property_and_unit();
                Sensor {
                    id: s.id.clone(),
                    name: s.name.clone().unwrap_or_else(|| s.id.clone()),
                    location: Geodetic::from_deg(s.lon_deg, s.lat_deg, 0.0),
                    datastreams: vec![Datastream {
                        id: s.id.clone(),
                        observed_property: property.into(),
                        unit: unit.into(),
                    }],
                }
            })
            .collect();
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
                match (r.above, r.below) {
                    (Some(a), None) => AlarmRule::new(property, Direction::Above, a, r.clear),
                    (None, Some(b)) => AlarmRule::new(property, Direction::Below, b, r.clear),
                    _ => Err(LayerError::Rule(format!("{property}: give exactly one of above and below"))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut layer = IotLayer::new(sensors, rules)?;
        for o in &first {
            layer.apply(o)?;
        }
        Ok(layer)
    }
}
