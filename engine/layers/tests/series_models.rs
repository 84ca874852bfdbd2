//! The simulator's models against the real series they were fitted to: refitting NOAA's Seattle
//! 2010 hourly temperatures and the Hong Kong car-park snapshot gives the constants in the code,
//! and a year simulated from the temperature model, refitted, gives the model back.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::PathBuf;

use city_core::Geodetic;
use city_layers::{
    Datastream, HK_VACANCY, SEATTLE_TEMPERATURE, Sensor, Simulator, TemperatureModel, VacancyModel, parse_iso_ms,
};

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: &TemperatureModel, b: &TemperatureModel, tol: f64) -> bool {
    (a.mean - b.mean).abs() < tol
        && (a.year_amp - b.year_amp).abs() < tol
        && (a.year_peak_day - b.year_peak_day).abs() < 3.0
        && (a.day_amp - b.day_amp).abs() < tol
        && (a.day_peak_hour - b.day_peak_hour).abs() < 0.3
        && (a.phi - b.phi).abs() < 0.02
        && (a.sigma - b.sigma).abs() < tol
}

#[test]
fn the_constants_are_the_fit_of_the_real_series() {
    let text = std::fs::read_to_string(data("iot/noaa-temps-vega/seattle-temps.csv")).unwrap();
    let start = parse_iso_ms("2010-01-01T00:00:00Z").unwrap();
    let series: Vec<(f64, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (date, f) = l.split_once(',').unwrap();
            let ms = parse_iso_ms(&format!("{}Z", date.replace('/', "-"))).unwrap();
            ((ms - start) as f64 / 3.6e6, (f.parse::<f64>().unwrap() - 32.0) / 1.8)
        })
        .collect();
    assert_eq!(series.len(), 8_759);
    let fit = TemperatureModel::fit(&series);
    println!("Seattle 2010 fit: {fit:?}");
    assert!(close(&fit, &SEATTLE_TEMPERATURE, 0.05), "refit {fit:?}\n  vs the code's {SEATTLE_TEMPERATURE:?}");

    let raw: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(data("iot/hk-parking-vacancy/vacancy_all.json"))
            .unwrap()
            .trim_start_matches('\u{feff}'),
    )
    .unwrap();
    let vacancies: Vec<f64> = raw["car_park"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["vehicle_type"].as_array().unwrap().iter().filter(|t| t["type"] == "P"))
        .flat_map(|t| t["service_category"].as_array().unwrap().iter())
        .filter_map(|c| c["vacancy"].as_f64())
        .collect();
    let v = VacancyModel::fit(&vacancies);
    println!("HK vacancy fit: {v:?}");
    assert!(
        (v.full_share - HK_VACANCY.full_share).abs() < 0.01
            && (v.ln_mean - HK_VACANCY.ln_mean).abs() < 0.02
            && (v.ln_sd - HK_VACANCY.ln_sd).abs() < 0.02,
        "{v:?}"
    );
}

#[test]
fn a_simulated_year_refits_to_the_model() {
    let sensor = Sensor {
        id: "t".into(),
        name: "t".into(),
        location: Geodetic::from_deg(113.57, 22.27, 0.0),
        datastreams: vec![Datastream {
            id: "t".into(),
            observed_property: "air_temperature".into(),
            unit: "Cel".into(),
        }],
    };
    let mut sim = Simulator::new(&[sensor], 42);
    let start = parse_iso_ms("2026-01-01T00:00:00Z").unwrap();
    let series: Vec<(f64, f64)> =
        (0..8_760).map(|h| (h as f64, sim.observe(start + h * 3_600_000)[0].result)).collect();
    let fit = TemperatureModel::fit(&series);
    // Within the sampling error of one year: the per-sensor offset moves the mean, and the
    // slow AR(1) noise (a day-long memory) and incidents move the amplitudes a little.
    let expected = TemperatureModel { mean: fit.mean, ..SEATTLE_TEMPERATURE };
    assert!(close(&fit, &expected, 0.5), "simulated {fit:?}\n  model {SEATTLE_TEMPERATURE:?}");
    assert_eq!(Simulator::new(&[], 1).observe(0).len(), 0);
}
