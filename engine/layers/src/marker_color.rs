//! The colour scale of the live sensors' markers: each sensor's last value on the shared ramp
//! ([`city_core::color_ramp`]) over a range fitted to its property, alarms red and blinking,
//! grey before a first value. It lives with the layer, not the viewer, because the feed thread
//! ([`crate::LiveIot`]) computes every marker's colour there each tick: a frame only copies them.
use city_core::color_ramp;

use crate::IotLayer;

/// A sensor that has reported nothing yet.
pub const NO_VALUE_COLOR: [f32; 4] = [0.5, 0.5, 0.5, 1.0];

/// The colour of a sensor: its last value on a ramp for its property, red when alarmed (and
/// dark red on the other half of the blink), grey without a value.
pub fn marker_color(property: &str, last: Option<f64>, alarm: bool, blink: bool) -> [f32; 4] {
    if alarm {
        return if blink { [0.9, 0.02, 0.02, 1.0] } else { [0.35, 0.0, 0.0, 1.0] };
    }
    let Some(v) = last else { return NO_VALUE_COLOR };
    let t = match property {
        "air_temperature" => (v + 5.0) / 45.0,
        "vacancy" => 1.0 - v / 50.0,
        "water_level" => v / 4.0,
        "pm2_5" => v / 100.0,
        _ => v / 100.0,
    };
    color_ramp(t)
}

/// The colour of every sensor's marker, from its state now: its first datastream's value, red
/// if any of its datastreams is in alarm.
pub fn marker_colors(layer: &IotLayer, blink: bool) -> Vec<[f32; 4]> {
    let mut per_sensor = vec![NO_VALUE_COLOR; layer.sensors.len()];
    let mut alarmed = vec![false; layer.sensors.len()];
    let mut seen = usize::MAX;
    for (si, d, st, alarm) in layer.each_datastream() {
        alarmed[si] |= alarm;
        if si != seen {
            seen = si;
            per_sensor[si] = marker_color(&d.observed_property, st.last().map(|l| l.1), false, blink);
        }
    }
    for (c, a) in per_sensor.iter_mut().zip(alarmed) {
        if a {
            *c = marker_color("", None, true, blink);
        }
    }
    per_sensor
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AlarmRule, Datastream, Direction, Sensor};
    use city_core::Geodetic;

    #[test]
    fn alarms_are_red_and_blink_values_ramp_and_silence_is_grey() {
        let sensor = |id: &str, lon: f64| Sensor {
            id: id.into(),
            name: id.into(),
            location: Geodetic::from_deg(lon, 22.27, 0.0),
            datastreams: vec![Datastream { id: id.into(), observed_property: "water_level".into(), unit: "m".into() }],
        };
        let rule = AlarmRule::new("water_level", Direction::Above, 3.0, 2.5).unwrap();
        let mut layer = IotLayer::new(vec![sensor("a", 113.57), sensor("b", 113.58)], vec![rule]).unwrap();
        layer.ingest("x", br#"{"sensor":"a","t":1,"value":3.5}"#);
        let col = marker_colors(&layer, true);
        assert_eq!(col.len(), 2);
        assert!(col[0][0] > 0.8 && col[0][1] < 0.1, "alarmed: red {:?}", col[0]);
        assert_ne!(marker_colors(&layer, false)[0], col[0], "and blinking");
        assert_eq!(col[1], [0.5, 0.5, 0.5, 1.0], "no value yet: grey");
    }
}
