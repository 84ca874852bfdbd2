//! # city_layers
//!
//! Live layers over the city, without a renderer. So far the IoT layer: sensors shaped on OGC
//! SensorThings ([`Sensor`], [`Datastream`], [`Observation`]) declared in a scene or read from
//! GeoJSON and SensorThings files ([`read_sensor_file`]) or the Hong Kong car parks
//! ([`read_hk_car_parks`]); payload decoding for SensorThings and plain JSON
//! ([`parse_observation`]) and for other shapes through scene mappings ([`PayloadMapping`]);
//! per-datastream state with a bounded history and window statistics ([`DatastreamState`]);
//! threshold and geofence alarms with hysteresis ([`AlarmRule`]); the layer that ties them
//! together ([`IotLayer`]); feeds: MQTT that reconnects and resubscribes ([`MqttFeed`]), the
//! built-in [`Simulator`] from fitted models, and [`Replay`] of recorded series, run on a thread
//! of their own by [`LiveIot`], where the markers' colours are computed too ([`marker_colors`]).
//!
//! And the emergency layer: CAP 1.0-1.2 alerts ([`CapAlert`]), from files, MQTT or Atom/RSS
//! feeds polled over HTTP(S) ([`CapFeedPoller`]), become [`Incidents`] (updates and
//! cancels applied), whose [`impacts`] on the city (objects inside and in rings, people) are
//! computed for all incidents at once through `city_index`, with the [`nearest_facilities`].
#![forbid(unsafe_code)]

mod alarm_rule;
mod broker_address;
mod cap_alert;
mod cap_feed;
mod cap_sources;
mod datastream_state;
mod error;
mod facility;
mod hazard_zones;
mod hk_car_parks;
mod impact;
mod incident;
mod incident_analysis;
mod incident_timeline;
mod iot_from_scene;
mod iot_layer;
mod live_iot;
mod marker_color;
mod mqtt_feed;
mod mqtt_publisher;
mod observation;
mod occupancy;
mod own_hazards;
mod payload_mapping;
mod replay;
mod sensor;
mod sensor_files;
mod sensor_join;
mod series_model;
mod simulator;
mod xml_tree;

pub use alarm_rule::{AlarmEvent, AlarmRule, Direction};
pub use broker_address::{BrokerAddress, MQTT_PORT, MQTTS_PORT};
pub use cap_alert::{CapAlert, CapArea, CapCircle, CapInfo, Severity};
pub use cap_feed::{CapFeedPoller, FeedAlert, FeedEntry, parse_feed};
pub use cap_sources::{CapArrival, start_cap_sources};
pub use datastream_state::{DatastreamState, HISTORY, WindowStats};
pub use error::LayerError;
pub use facility::{Facility, FacilityKind, NearestFacilities, nearest_facilities, read_facilities};
pub use hazard_zones::{HazardZone, read_hazard_geojson, read_hazards, read_plateau_flood};
pub use hk_car_parks::read_hk_car_parks;
pub use impact::{Impact, PeopleModel, impacts, project_zone};
pub use incident::{Incident, Incidents, ZoneShape};
pub use incident_analysis::{IncidentAnalysis, IncidentSummary};
pub use incident_timeline::{HazardRead, IncidentTimeline, TimelineStep};
pub use iot_layer::{IngestCounts, IotLayer};
pub use live_iot::{FeedClock, FeedInput, Feeds, LiveIot, LiveStatus};
pub use marker_color::{NO_VALUE_COLOR, marker_color, marker_colors};
pub use mqtt_feed::{FeedEvent, FeedStatus, MAX_MESSAGE_BYTES, MqttFeed, MqttSettings};
pub use mqtt_publisher::{MqttPublisher, sensorthings_message};
pub use observation::{MAX_PAYLOAD_BYTES, Observation, datastream_of_topic, parse_iso_ms, parse_observation};
pub use occupancy::{BuildingUse, Occupancy};
pub use own_hazards::{own_hazards_file, own_zone_ids};
pub use payload_mapping::{PayloadMapping, SensorSource, topic_matches};
pub use replay::{Replay, Series, read_series_csv};
pub use sensor::{Datastream, Sensor};
pub use sensor_files::{normalise_property, read_sensor_file};
pub use series_model::{HK_VACANCY, SEATTLE_TEMPERATURE, TemperatureModel, VacancyModel};
pub use simulator::Simulator;
pub use xml_tree::{XmlElement, parse_xml};
