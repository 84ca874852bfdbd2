//! Observations, and reading them from the two payload forms a feed may carry:
//!
//! - SensorThings: `{"phenomenonTime": "2025-11-15T12:39:51Z", "result": 2}` published on
//!   `v1.1/Datastreams(ID)/Observations` (the datastream comes from the topic);
//! - plain: `{"sensor": "ID", "t": 1763210391000, "value": 2}` (`t` in ms since 1970, or an
//!   ISO 8601 string), the datastream named by `sensor`.
use serde_json::Value;

use crate::LayerError;

/// One reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The datastream's id.
    pub datastream: String,
    /// When it was observed, ms since 1970-01-01 UTC.
    pub time_ms: i64,
    /// The value.
    pub result: f64,
}

/// Payloads larger than this are refused unread (a sensor reading is tens of bytes).
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Milliseconds since 1970 of an ISO 8601 UTC time (`2025-11-15T12:39:51Z`, fractional
/// seconds and `+hh:mm` offsets allowed; a space instead of `T` too).
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    city_core::parse_iso_time(s).ok().map(|t| (t.unix_s * 1000.0).round() as i64)
}

/// The datastream id in a SensorThings topic (`v1.1/Datastreams(ID)/Observations`).
pub fn datastream_of_topic(topic: &str) -> Option<&str> {
    let i = topic.find("Datastreams(")? + "Datastreams(".len();
    let j = topic[i..].find(')')? + i;
    Some(topic[i..j].trim_matches(['\'', '"']))
}

/// Reads an observation from an MQTT (or any) payload on `topic`.
pub fn parse_observation(topic: &str, payload: &[u8]) -> Result<Observation, LayerError> {
    let bad = |reason: String| LayerError::Payload { topic: topic.to_owned(), reason };
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(bad(format!("{} bytes: larger than {MAX_PAYLOAD_BYTES}", payload.len())));
    }
    let v: Value = serde_json::from_slice(payload).map_err(|e| bad(format!("not JSON: {e}")))?;
    let number = |v: &Value, what: &str| -> Result<f64, LayerError> {
        v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| bad(format!("{what} is {v}, not a number")))
    };
    let time = |v: &Value, what: &str| -> Result<i64, LayerError> {
        match v {
            Value::Number(n) => n.as_i64().ok_or_else(|| bad(format!("{what} {n} is not whole milliseconds"))),
            Value::String(s) => parse_iso_ms(s).ok_or_else(|| bad(format!("{what} {s:?} is not an ISO 8601 time"))),
            other => Err(bad(format!("{what} is {other}, not a time"))),
        }
    };
    if let Some(ds) = datastream_of_topic(topic) {
        // phenomenonTime may be an interval "start/end": the end counts.
        let t = match &v["phenomenonTime"] {
            Value::String(s) => Value::String(s.rsplit('/').next().unwrap_or(s).to_owned()),
            other => other.clone(),
        };
        return Ok(Observation {
            datastream: ds.to_owned(),
            time_ms: time(&t, "phenomenonTime")?,
            result: number(&v["result"], "result")?,
        });
    }
    let sensor =
        v["sensor"].as_str().ok_or_else(|| bad("no \"sensor\" (and the topic names no Datastreams(id))".into()))?;
    Ok(Observation {
        datastream: sensor.to_owned(),
        time_ms: time(&v["t"], "t")?,
        result: number(&v["value"], "value")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_and_both_payload_forms() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso_ms("2025-11-15T12:39:51Z"), Some(1_763_210_391_000));
        assert_eq!(parse_iso_ms("2025-11-15 20:39:51+08:00"), Some(1_763_210_391_000));
        assert_eq!(parse_iso_ms("2025-11-15T12:39:51.250Z"), Some(1_763_210_391_250));
        assert_eq!(parse_iso_ms("2025-13-15T12:39:51Z"), None);
        let o = parse_observation(
            "v1.1/Datastreams(tdc6p11-P)/Observations",
            br#"{"phenomenonTime":"2025-11-15T12:39:51Z","result":7}"#,
        )
        .unwrap();
        assert_eq!((o.datastream.as_str(), o.time_ms, o.result), ("tdc6p11-P", 1_763_210_391_000, 7.0));
        let o = parse_observation("city/sensors", br#"{"sensor":"s1","t":1000,"value":-2.5}"#).unwrap();
        assert_eq!((o.datastream.as_str(), o.time_ms, o.result), ("s1", 1000, -2.5));
        for (payload, expect) in [
            (&b"{not json"[..], "not JSON"),
            (br#"{"sensor":"s1","t":1000,"value":"high"}"#, "not a number"),
            (br#"{"sensor":"s1","t":"yesterday","value":1}"#, "not an ISO 8601"),
            (br#"{"t":1000,"value":1}"#, "no \"sensor\""),
        ] {
            let e = parse_observation("city/sensors", payload).unwrap_err().to_string();
            assert!(e.contains("city/sensors") && e.contains(expect), "{e}");
        }
        let huge = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        assert!(parse_observation("t", &huge).unwrap_err().to_string().contains("larger than"));
    }
}
