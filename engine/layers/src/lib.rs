//! # city_layers
//!
//! Live layers over the city, without a renderer. So far the IoT layer (issue 5, in progress):
//! sensors shaped on OGC SensorThings ([`Sensor`], [`Datastream`], [`Observation`]), payload
//! decoding for SensorThings and plain JSON ([`parse_observation`]), per-datastream state with a
//! bounded history and window statistics ([`DatastreamState`]), threshold alarms with
//! hysteresis ([`AlarmRule`]), the layer that ties them together ([`IotLayer`]), and the Hong
//! Kong car-park feed as a real sensor set ([`read_hk_car_parks`]), and an MQTT feed that
//! reconnects and resubscribes ([`MqttFeed`]). The simulator and the viewer's markers come next.
#![forbid(unsafe_code)]

mod alarm_rule;
mod datastream_state;
mod error;
mod hk_car_parks;
mod iot_from_scene;
mod iot_layer;
mod mqtt_feed;
mod mqtt_publisher;
mod observation;
mod sensor;
mod sensor_join;
mod series_model;
mod simulator;

pub use alarm_rule::{AlarmEvent, AlarmRule, Direction};
pub use datastream_state::{DatastreamState, HISTORY, WindowStats};
pub use error::LayerError;
pub use hk_car_parks::read_hk_car_parks;
pub use iot_layer::{IngestCounts, IotLayer};
pub use mqtt_feed::{FeedEvent, FeedStatus, MqttFeed, MqttSettings};
pub use mqtt_publisher::{MqttPublisher, sensorthings_message};
pub use observation::{MAX_PAYLOAD_BYTES, Observation, datastream_of_topic, parse_iso_ms, parse_observation};
pub use sensor::{Datastream, Sensor};
pub use series_model::{HK_VACANCY, SEATTLE_TEMPERATURE, TemperatureModel, VacancyModel};
pub use simulator::Simulator;
