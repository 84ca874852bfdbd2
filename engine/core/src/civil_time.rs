//! Calendar dates and ISO 8601 / RFC 3339 times as seconds since 1970-01-01 UTC, without a
//! date library: sensor feeds (`city_layers`) and the sun's position (`city_analysis`) both
//! read times, and one reader keeps them agreeing. Proleptic Gregorian calendar, Howard
//! Hinnant's day-count algorithms.

/// Days since 1970-01-01 of a date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A time read from ISO 8601 text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IsoTime {
    /// Seconds since 1970-01-01 UTC (taken as UTC when the text names no zone).
    pub unix_s: f64,
    /// Whether the text named its zone (`Z` or an offset), as RFC 3339 requires.
    pub zoned: bool,
}

/// Reads `2026-12-21T15:00:00+01:00`: `T`, `t` or a space between date and time, seconds
/// optional and fractional, `Z` or an offset `+hh:mm` / `+hhmm`, or no zone (then UTC, and
/// [`IsoTime::zoned`] says so). The error says what is wrong.
pub fn parse_iso_time(text: &str) -> Result<IsoTime, String> {
    let t = text.trim();
    let (date, rest) = t.split_once(['T', 't', ' ']).ok_or("no T between the date and the time")?;
    let mut d = date.split('-');
    let mut num = |what: &str| d.next().and_then(|s| s.parse::<i64>().ok()).ok_or(format!("no {what}"));
    let (year, month, day) = (num("year")?, num("month")?, num("day")?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err("month or day out of range".into());
    }
    let (clock, offset_min, zoned) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0, true)
    } else if let Some(at) = rest.rfind(['+', '-']) {
        let (c, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let hm = &off[1..];
        let (h, m) = hm.split_once(':').unwrap_or((hm.get(..2).unwrap_or(hm), hm.get(2..).unwrap_or("0")));
        let parse = |s: &str| s.parse::<i64>().map_err(|_| format!("the offset {off:?} is not +hh:mm"));
        (c, sign * (parse(h)? * 60 + if m.is_empty() { 0 } else { parse(m)? }), true)
    } else {
        (rest, 0, false)
    };
    let mut c = clock.split(':');
    let mut field = |what: &str| c.next().map(str::to_owned).ok_or(format!("no {what}"));
    let hh: i64 = field("hour")?.parse().map_err(|_| "the hour is not a number")?;
    let mm: i64 = field("minute")?.parse().map_err(|_| "the minute is not a number")?;
    let ss: f64 = c.next().unwrap_or("0").parse().map_err(|_| "the second is not a number")?;
    if hh > 23 || mm > 59 || !(0.0..61.0).contains(&ss) {
        return Err("time of day out of range".into());
    }
    let days = days_from_civil(year, month as u32, day as u32);
    Ok(IsoTime { unix_s: (days * 86_400 + hh * 3_600 + mm * 60 - offset_min * 60) as f64 + ss, zoned })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_times_read_every_form() {
        for days in [-800_000, -1, 0, 59, 10_957, 20_819, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        let at = |s: &str| parse_iso_time(s).unwrap();
        assert_eq!(at("1970-01-01T00:00:00Z"), IsoTime { unix_s: 0.0, zoned: true });
        assert_eq!(at("2000-03-01T01:00:00+01:00").unix_s, 951_868_800.0);
        assert_eq!(at("2000-03-01T01:00:00+0100").unix_s, 951_868_800.0);
        assert_eq!(at("2000-02-29 23:00-01:00").unix_s, 951_868_800.0);
        assert_eq!(at("2000-03-01T00:00:00.5"), IsoTime { unix_s: 951_868_800.5, zoned: false });
        for bad in ["2026-13-01T00:00:00Z", "2026-12-21", "noon", "2026-12-21T25:00Z"] {
            assert!(parse_iso_time(bad).is_err(), "{bad}");
        }
    }
}
