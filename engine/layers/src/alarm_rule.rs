//! Threshold alarms with hysteresis: an alarm rises when a value crosses `raise` and clears only
//! when it comes back past `clear`, so a value hovering at the threshold does not flap. A rule
//! may carry a geofence: it then holds only for the sensors inside its zone.
use city_core::Geodetic;

use crate::LayerError;

/// Which way is bad.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Direction {
    /// High values alarm (water level, PM2.5).
    Above,
    /// Low values alarm (free parking spaces, battery).
    Below,
}

/// A rule on one observed property.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmRule {
    /// The observed property it watches (every datastream of that property).
    pub observed_property: String,
    /// Which way is bad.
    pub direction: Direction,
    /// The value that raises the alarm.
    pub raise: f64,
    /// The value that clears it (on the good side of `raise`).
    pub clear: f64,
    /// The geofence, a ring of `[lon, lat]` degrees: the rule holds only inside it.
    pub zone: Option<Vec<[f64; 2]>>,
}

/// A change of alarm state.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmEvent {
    /// The datastream.
    pub datastream: String,
    /// Raised (true) or cleared.
    pub raised: bool,
    /// The value that did it.
    pub value: f64,
    /// When, ms since 1970.
    pub time_ms: i64,
}

impl AlarmRule {
    /// A rule, checked: `clear` must be on the good side of `raise` (or equal).
    pub fn new(observed_property: &str, direction: Direction, raise: f64, clear: f64) -> Result<Self, LayerError> {
        let ok = raise.is_finite()
            && clear.is_finite()
            && match direction {
                Direction::Above => clear <= raise,
                Direction::Below => clear >= raise,
            };
        if !ok {
            return Err(LayerError::Rule(format!(
                "{observed_property}: clear {clear} must be on the good side of raise {raise} ({direction:?})"
            )));
        }
        Ok(Self { observed_property: observed_property.to_owned(), direction, raise, clear, zone: None })
    }

    /// The same rule, held only inside `zone` (a ring of `[lon, lat]` degrees, at least 3 points).
    pub fn within(mut self, zone: Vec<[f64; 2]>) -> Result<Self, LayerError> {
        if zone.len() < 3 {
            return Err(LayerError::Rule(format!("{}: a zone needs at least 3 points", self.observed_property)));
        }
        self.zone = Some(zone);
        Ok(self)
    }

    /// Whether the rule holds at `at`: everywhere without a zone, else inside it (even-odd test
    /// in degrees, which is exact enough at city scale for zones that do not cross 180 E).
    pub fn covers(&self, at: Geodetic) -> bool {
        let Some(zone) = &self.zone else { return true };
        let (x, y) = (at.lon_deg, at.lat_deg);
        let mut inside = false;
        let mut j = zone.len() - 1;
        for i in 0..zone.len() {
            let ([xi, yi], [xj, yj]) = (zone[i], zone[j]);
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }

    /// The next state after `value`, given whether the alarm is on now.
    pub fn next(&self, on: bool, value: f64) -> bool {
        match (self.direction, on) {
            (Direction::Above, false) => value >= self.raise,
            (Direction::Above, true) => value > self.clear,
            (Direction::Below, false) => value <= self.raise,
            (Direction::Below, true) => value < self.clear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hysteresis_stops_flapping_and_bad_rules_are_refused() {
        let r = AlarmRule::new("water_level", Direction::Above, 3.0, 2.5).unwrap();
        let mut on = false;
        let mut changes = 0;
        for v in [2.9, 3.0, 2.9, 2.8, 3.1, 2.6, 2.5, 2.9] {
            let n = r.next(on, v);
            changes += usize::from(n != on);
            on = n;
        }
        assert_eq!(changes, 2, "raised at 3.0, cleared at 2.5, nothing in between");
        assert!(!on);
        let low = AlarmRule::new("vacancy", Direction::Below, 0.0, 5.0).unwrap();
        assert!(low.next(false, 0.0) && low.next(true, 4.0) && !low.next(true, 5.0));
        assert!(AlarmRule::new("x", Direction::Above, 3.0, 4.0).unwrap_err().to_string().contains("good side"));
    }

    #[test]
    fn a_geofenced_rule_holds_only_inside_its_zone() {
        let square = vec![[113.0, 22.0], [113.1, 22.0], [113.1, 22.1], [113.0, 22.1]];
        let r = AlarmRule::new("water_level", Direction::Above, 2.0, 1.8).unwrap().within(square).unwrap();
        assert!(r.covers(Geodetic::from_deg(113.05, 22.05, 0.0)));
        assert!(!r.covers(Geodetic::from_deg(113.15, 22.05, 0.0)), "east of it");
        assert!(!r.covers(Geodetic::from_deg(113.05, 21.95, 0.0)), "south of it");
        assert!(AlarmRule::new("w", Direction::Above, 2.0, 1.0).unwrap().within(vec![[0.0, 0.0]; 2]).is_err());
    }
}
