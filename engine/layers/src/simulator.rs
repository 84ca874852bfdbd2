//! The built-in feed: realistic observations for every datastream of a layer, with no broker and
//! no outside data, so the demo city is alive out of the box. Air temperature follows the model
//! fitted to NOAA's Seattle series (daily and yearly cycles, AR(1) noise) with a per-sensor
//! offset and rare incidents (a fire's heat: +8 C decaying over two hours); car-park vacancies
//! follow the Hong Kong snapshot's spread with a daily cycle; anything else is a bounded random
//! walk. Deterministic for a seed.
use std::f64::consts::TAU;

use city_core::SplitMix64;

use crate::series_model::{HK_VACANCY, SEATTLE_TEMPERATURE};
use crate::{Observation, Sensor};

/// Incidents per sensor-hour.
const INCIDENT_RATE: f64 = 2e-4;

enum Stream {
    Temperature { offset: f64, noise: f64, incident: f64 },
    Vacancy { capacity: f64, noise: f64 },
    Walk { value: f64 },
}

/// Simulated datastreams.
pub struct Simulator {
    streams: Vec<(String, Stream)>,
    rng: SplitMix64,
    last_ms: Option<i64>,
}

/// Hours since the start of the (UTC) year of a time in ms.
fn hour_of_year(ms: i64) -> f64 {
    let hours = ms as f64 / 3.6e6;
    hours.rem_euclid(365.25 * 24.0)
}

impl Simulator {
    /// A simulator for every datastream of `sensors`.
    pub fn new(sensors: &[Sensor], seed: u64) -> Self {
        let mut rng = SplitMix64(seed);
        let mut streams = Vec::new();
        for s in sensors {
            for d in &s.datastreams {
                let stream = match d.observed_property.as_str() {
                    "air_temperature" | "temperature" => {
                        Stream::Temperature { offset: rng.normal() * 0.8, noise: 0.0, incident: 0.0 }
                    }
                    "vacancy" => {
                        let capacity = (HK_VACANCY.ln_mean + HK_VACANCY.ln_sd * rng.normal()).exp().max(5.0) * 1.6;
                        Stream::Vacancy { capacity: capacity.round(), noise: 0.0 }
                    }
                    _ => Stream::Walk { value: 50.0 },
                };
                streams.push((d.id.clone(), stream));
            }
        }
        Self { streams, rng, last_ms: None }
    }

    /// One observation per datastream at `time_ms`, the noise advanced from the last call.
    pub fn observe(&mut self, time_ms: i64) -> Vec<Observation> {
        let dt_h = self.last_ms.map_or(1.0, |l| ((time_ms - l) as f64 / 3.6e6).max(0.0));
        self.last_ms = Some(time_ms);
        let m = SEATTLE_TEMPERATURE;
        // AR(1) over dt hours: phi^dt, with the innovation scaled to keep the same variance.
        let phi = m.phi.powf(dt_h);
        let stationary_sd = m.sigma / (1.0 - m.phi * m.phi).sqrt();
        let innovation_sd = stationary_sd * (1.0 - phi * phi).sqrt();
        let h = hour_of_year(time_ms);
        let hour_of_day = h.rem_euclid(24.0);
        let rng = &mut self.rng;
        self.streams
            .iter_mut()
            .map(|(id, s)| {
                let result = match s {
                    Stream::Temperature { offset, noise, incident } => {
                        *noise = *noise * phi + innovation_sd * rng.normal();
                        *incident *= 0.5f64.powf(dt_h);
                        if rng.unit() < INCIDENT_RATE * dt_h {
                            *incident = 8.0;
                        }
                        m.expected(h) + *offset + *noise + *incident
                    }
                    Stream::Vacancy { capacity, noise } => {
                        // Assumed cycle (one snapshot holds none): fullest at 14:00, emptiest at 02:00.
                        let occupancy = 0.55 + 0.4 * (TAU * (hour_of_day - 14.0) / 24.0).cos();
                        *noise = (*noise * 0.9f64.powf(dt_h * 4.0) + 0.05 * rng.normal()).clamp(-0.3, 0.3);
                        (*capacity * (1.0 - (occupancy + *noise).clamp(0.0, 1.0))).round()
                    }
                    Stream::Walk { value } => {
                        *value = (*value + rng.normal() * dt_h.sqrt()).clamp(0.0, 100.0);
                        *value
                    }
                };
                Observation { datastream: id.clone(), time_ms, result }
            })
            .collect()
    }
}
