//! Payloads of other shapes: a city's broker carries whatever its vendors publish
//! (`{"dev":{"id":"S17"},"readings":{"temp_f":71.2},"ts":1763210391}`), so a scene file can say,
//! per topic filter, where the sensor id, the value and the time are: JSON pointers (RFC 6901),
//! or a topic level for the id, with a linear unit conversion for the value.
use city_core::SceneMapping;
use serde_json::Value;

use crate::{LayerError, Observation, parse_iso_ms};

/// Where the sensor id is.
#[derive(Debug, Clone, PartialEq)]
pub enum SensorSource {
    /// At this JSON pointer.
    Pointer(String),
    /// In this level of the topic (0-based).
    TopicLevel(usize),
}

/// A payload mapping for one topic filter.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadMapping {
    /// MQTT topic filter.
    pub filter: String,
    /// Where the sensor id is.
    pub sensor: SensorSource,
    /// JSON pointer to the value.
    pub value: String,
    /// JSON pointer to the time; none: the arrival time.
    pub time: Option<String>,
    /// value * scale + offset.
    pub scale: f64,
    /// See `scale`.
    pub offset: f64,
}

/// Whether `topic` matches the MQTT filter `filter` (`+` is one level, a final `#` the rest).
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    let mut t = topic.split('/');
    for f in filter.split('/') {
        match (f, t.next()) {
            ("#", _) => return true,
            ("+", Some(_)) => {}
            (f, Some(level)) if f == level => {}
            _ => return false,
        }
    }
    t.next().is_none()
}

impl PayloadMapping {
    /// The mapping a scene declares (checked by `Scene::parse`).
    pub fn from_scene(m: &SceneMapping) -> Self {
        let sensor = match (&m.sensor, m.sensor_topic_level) {
            (Some(p), _) => SensorSource::Pointer(p.clone()),
            (None, level) => SensorSource::TopicLevel(level.unwrap_or(0)),
        };
        Self {
            filter: m.topic.clone(),
            sensor,
            value: m.value.clone(),
            time: m.time.clone(),
            scale: m.scale,
            offset: m.offset,
        }
    }

    /// Whether it applies to messages on `topic`.
    pub fn matches(&self, topic: &str) -> bool {
        topic_matches(&self.filter, topic)
    }

    /// Reads an observation; `arrival_ms` is the time when the payload carries none.
    pub fn parse(&self, topic: &str, payload: &[u8], arrival_ms: i64) -> Result<Observation, LayerError> {
        let bad = |reason: String| LayerError::Payload { topic: topic.to_owned(), reason };
        if payload.len() > crate::MAX_PAYLOAD_BYTES {
            return Err(bad(format!("{} bytes: larger than {}", payload.len(), crate::MAX_PAYLOAD_BYTES)));
        }
        let v: Value = serde_json::from_slice(payload).map_err(|e| bad(format!("not JSON: {e}")))?;
        let at = |p: &str| v.pointer(p).ok_or_else(|| bad(format!("nothing at {p} (mapping for {})", self.filter)));
        let datastream = match &self.sensor {
            SensorSource::Pointer(p) => match at(p)? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => return Err(bad(format!("sensor at {p} is {other}, not an id"))),
            },
            SensorSource::TopicLevel(l) => topic
                .split('/')
                .nth(*l)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| bad(format!("no topic level {l} for the sensor id")))?
                .to_owned(),
        };
        let raw = at(&self.value)?;
        let value = match raw {
            Value::Number(n) => n.as_f64(),
            // Some devices send numbers as text.
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|x| x.is_finite())
        .ok_or_else(|| bad(format!("value at {} is {raw}, not a number", self.value)))?;
        let time_ms = match &self.time {
            None => arrival_ms,
            Some(p) => match at(p)? {
                // Seconds or milliseconds since 1970: anything below 1e11 is seconds (1e11 s is
                // the year 5138; 1e11 ms is 1973).
                Value::Number(n) => match n.as_f64() {
                    Some(x) if x.abs() < 1e11 => (x * 1000.0).round() as i64,
                    Some(x) => x.round() as i64,
                    None => return Err(bad(format!("time at {p} is {n}"))),
                },
                Value::String(s) => parse_iso_ms(s).ok_or_else(|| bad(format!("time {s:?} is not ISO 8601")))?,
                other => return Err(bad(format!("time at {p} is {other}, not a time"))),
            },
        };
        Ok(Observation { datastream, time_ms, result: value * self.scale + self.offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_like_mqtt() {
        assert!(topic_matches("city/#", "city/a/b"));
        assert!(topic_matches("city/+/temp", "city/s1/temp"));
        assert!(!topic_matches("city/+/temp", "city/s1/temp/x"));
        assert!(!topic_matches("city/+/temp", "town/s1/temp"));
        assert!(topic_matches("#", "anything/at/all"));
        assert!(!topic_matches("city/a", "city"));
    }

    #[test]
    fn a_vendor_payload_is_read_through_its_mapping() {
        let m = PayloadMapping {
            filter: "vendor/+/up".into(),
            sensor: SensorSource::Pointer("/dev/id".into()),
            value: "/readings/temp_f".into(),
            time: Some("/ts".into()),
            scale: 5.0 / 9.0,
            offset: -32.0 * 5.0 / 9.0,
        };
        let o =
            m.parse("vendor/x/up", br#"{"dev":{"id":"S17"},"readings":{"temp_f":212},"ts":1763210391}"#, 0).unwrap();
        assert_eq!((o.datastream.as_str(), o.time_ms), ("S17", 1_763_210_391_000));
        assert!((o.result - 100.0).abs() < 1e-9, "{}", o.result);
        let by_topic = PayloadMapping { sensor: SensorSource::TopicLevel(1), time: None, ..m.clone() };
        let o = by_topic.parse("vendor/S18/up", br#"{"readings":{"temp_f":"32"}}"#, 42).unwrap();
        assert_eq!((o.datastream.as_str(), o.time_ms), ("S18", 42));
        assert!(o.result.abs() < 1e-9);
        for (payload, expect) in [
            (&br#"{"dev":{"id":"S17"},"ts":1}"#[..], "nothing at /readings/temp_f"),
            (br#"{"dev":{"id":"S17"},"readings":{"temp_f":true},"ts":1}"#, "not a number"),
            (br#"{"dev":{"id":[1]},"readings":{"temp_f":1},"ts":1}"#, "not an id"),
            (br#"{"dev":{"id":"S17"},"readings":{"temp_f":1},"ts":"noon"}"#, "not ISO 8601"),
            (b"[", "not JSON"),
        ] {
            let e = m.parse("vendor/x/up", payload, 0).unwrap_err().to_string();
            assert!(e.contains(expect) && e.contains("vendor/x/up"), "{e}");
        }
    }
}
