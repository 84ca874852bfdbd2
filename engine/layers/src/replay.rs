//! Replaying recorded series as they are: `--replay DIR` plays every CSV series in DIR to the
//! layer's datastreams of the same observed property, an hour of data per second by default.
//!
//! A CSV has a time column (`date`, `time`, `timestamp`; `2010/01/01 00:00`, ISO 8601, or a
//! date alone) and numeric columns. Column names become observed properties; the names NOAA's
//! series use (the Vega copies in the shared data) are known: `temp` is air temperature in
//! degrees Fahrenheit, converted to Celsius; `temp_max`/`temp_min` are already Celsius daily
//! extremes; `precipitation` mm; `wind` m/s. Each datastream gets one of the matching series
//! (in turn when there are several) starting at its own week of the record, so a thousand
//! sensors do not show the same number; the values themselves are the recorded ones, stepwise,
//! never interpolated or smoothed. Observations carry the wall-clock time they are played at.
use std::path::Path;

use crate::sensor_files::normalise_property;
use crate::{LayerError, Observation, Sensor, parse_iso_ms};

/// One recorded series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `file.csv:column`.
    pub name: String,
    /// The observed property it feeds.
    pub property: String,
    /// (time ms, value), by time.
    pub points: Vec<(i64, f64)>,
}

/// A datastream being replayed.
#[derive(Debug, Clone)]
struct Stream {
    datastream: String,
    series: usize,
    offset_ms: i64,
    last_index: Option<usize>,
}

/// A replay of recorded series onto a layer's datastreams.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The series read.
    pub series: Vec<Series>,
    streams: Vec<Stream>,
    /// Data time per wall-clock time (3600: an hour of record per second).
    pub speed: f64,
    started_ms: Option<i64>,
}

/// A conversion of recorded values (Fahrenheit to Celsius...).
type Convert = fn(f64) -> f64;

/// Observed property and value conversion of a known column.
fn column_meaning(column: &str) -> (String, Convert) {
    match column {
        "temp" => ("air_temperature".into(), |f| (f - 32.0) * 5.0 / 9.0),
        "temp_max" => ("air_temperature_max".into(), |c| c),
        "temp_min" => ("air_temperature_min".into(), |c| c),
        "wind" => ("wind_speed".into(), |v| v),
        other => (normalise_property(other), |v| v),
    }
}

/// `2010/01/01 00:00`, `2012/01/01`, ISO 8601.
fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim().replace('/', "-");
    if s.len() == 10 { parse_iso_ms(&format!("{s}T00:00:00Z")) } else { parse_iso_ms(&s) }
}

/// Reads the series of one CSV; errors name the file and line.
pub fn read_series_csv(path: &Path) -> Result<Vec<Series>, LayerError> {
    let file = path.display().to_string();
    let fail = |reason: String| LayerError::File { file: file.clone(), reason };
    let text = city_core::read_utf8(path).map_err(|e| fail(e.to_string()))?;
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines.next().map(|(_, h)| h.split(',').map(str::trim).collect()).unwrap_or_default();
    let time_col = header
        .iter()
        .position(|h| matches!(h.to_ascii_lowercase().as_str(), "date" | "time" | "timestamp" | "phenomenontime"))
        .ok_or_else(|| fail("no time column (date, time or timestamp) in the header".into()))?;
    let base = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // (column, series, conversion)
    let mut series: Vec<(usize, Series, Convert)> = Vec::new();
    for (i, h) in header.iter().enumerate().filter(|(i, _)| *i != time_col) {
        let (property, convert) = column_meaning(h);
        series.push((i, Series { name: format!("{base}:{h}"), property, points: Vec::new() }, convert));
    }
    for (n, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let t = cells
            .get(time_col)
            .and_then(|c| parse_time(c))
            .ok_or_else(|| fail(format!("line {}: time {:?} not understood", n + 1, cells.get(time_col))))?;
        for (col, s, convert) in &mut series {
            // A text column (`weather = rain`) is not a series: its first cell says so.
            if let Ok(v) = cells.get(*col).map_or("", |c| c.trim()).parse::<f64>() {
                s.points.push((t, convert(v)));
            }
        }
    }
    let mut out: Vec<Series> = series.into_iter().map(|(_, s, _)| s).filter(|s| s.points.len() > 1).collect();
    for s in &mut out {
        s.points.sort_by_key(|p| p.0);
    }
    Ok(out)
}

impl Replay {
    /// Reads every `.csv` in `dir` (sorted by name).
    pub fn read_dir(dir: &Path) -> Result<Self, LayerError> {
        let fail = |reason: String| LayerError::File { file: dir.display().to_string(), reason };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| fail(e.to_string()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
            .collect();
        files.sort();
        let mut series = Vec::new();
        for f in &files {
            series.extend(read_series_csv(f)?);
        }
        if series.is_empty() {
            return Err(fail("no CSV series to replay (a time column and numeric columns)".into()));
        }
        Ok(Self { series, streams: Vec::new(), speed: 3600.0, started_ms: None })
    }

    /// Gives every datastream of `sensors` whose property has a series one to replay; returns
    /// the datastream ids now replayed (the rest can go to the simulator).
    pub fn assign(&mut self, sensors: &[Sensor]) -> Vec<String> {
        let week = 7 * 86_400_000;
        let mut taken = Vec::new();
        for d in sensors.iter().flat_map(|s| &s.datastreams) {
            let matching: Vec<usize> =
                (0..self.series.len()).filter(|&i| self.series[i].property == d.observed_property).collect();
            if matching.is_empty() {
                continue;
            }
            let k = self.streams.len();
            let series = matching[k % matching.len()];
            let span = self.span_ms(series).max(1);
            let offset_ms = ((k / matching.len()) as i64 * week) % span;
            self.streams.push(Stream { datastream: d.id.clone(), series, offset_ms, last_index: None });
            taken.push(d.id.clone());
        }
        taken
    }

    /// Datastreams being replayed.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    fn span_ms(&self, series: usize) -> i64 {
        let p = &self.series[series].points;
        p[p.len() - 1].0 - p[0].0
    }

    /// The observations due at wall-clock `now_ms`: each replayed datastream's recorded value
    /// when the record has moved on to a new sample since the last call (all of them on the
    /// first call). The record wraps around at its end.
    pub fn observe(&mut self, now_ms: i64) -> Vec<Observation> {
        let started = *self.started_ms.get_or_insert(now_ms);
        let elapsed = ((now_ms - started) as f64 * self.speed) as i64;
        let mut out = Vec::new();
        for s in &mut self.streams {
            let series = &self.series[s.series];
            let p = &series.points;
            let span = (p[p.len() - 1].0 - p[0].0).max(1);
            let t = p[0].0 + (s.offset_ms + elapsed).rem_euclid(span);
            let i = p.partition_point(|q| q.0 <= t).saturating_sub(1);
            if s.last_index != Some(i) {
                s.last_index = Some(i);
                out.push(Observation { datastream: s.datastream.clone(), time_ms: now_ms, result: p[i].1 });
            }
        }
        out
    }
}
