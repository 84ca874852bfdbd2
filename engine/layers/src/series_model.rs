//! Small models of real sensor series, fitted to real data, for the built-in simulator.
//!
//! Air temperature: a yearly and a daily cosine around a mean, plus AR(1) noise,
//! `T(t) = mean + year_amp cos(2 pi (day - year_peak_day) / 365.25)
//!            + day_amp cos(2 pi (hour - day_peak_hour) / 24) + e(t)`,
//! `e(t) = phi e(t - 1 h) + sigma z`. Fitted by least squares ([`TemperatureModel::fit`]) to the
//! NOAA hourly temperatures of Seattle for 2010 (`iot/noaa-temps-vega/seattle-temps.csv`);
//! `tests/series_models.rs` refits it from the file and checks the constants below.
//!
//! Car-park vacancies: from the Hong Kong snapshot (`iot/hk-parking-vacancy`), the share of
//! car parks that are full and the log-normal spread of the others' vacancies; one snapshot
//! holds no daily cycle, so the simulator's cycle (fullest at 14:00) is an assumption, stated.
use std::f64::consts::TAU;

/// Air temperature, degrees Celsius, hourly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureModel {
    /// Yearly mean.
    pub mean: f64,
    /// Amplitude of the yearly cycle.
    pub year_amp: f64,
    /// Day of the year (0-based) of the yearly peak.
    pub year_peak_day: f64,
    /// Amplitude of the daily cycle.
    pub day_amp: f64,
    /// Hour of the day (local time of the series) of the daily peak.
    pub day_peak_hour: f64,
    /// Lag-one-hour autocorrelation of the residual.
    pub phi: f64,
    /// Standard deviation of the residual's innovations.
    pub sigma: f64,
}

/// Seattle 2010, fitted by `TemperatureModel::fit` (checked by `tests/series_models.rs`).
pub const SEATTLE_TEMPERATURE: TemperatureModel = TemperatureModel {
    mean: 11.12,
    year_amp: 6.75,
    year_peak_day: 203.1,
    day_amp: 2.89,
    day_peak_hour: 15.44,
    phi: 0.964,
    sigma: 0.350,
};

/// Solves the 5 x 5 normal equations (Gaussian elimination with partial pivoting).
fn solve5(mut a: [[f64; 6]; 5]) -> [f64; 5] {
    for c in 0..5 {
        let p = (c..5).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())).unwrap_or(c);
        a.swap(c, p);
        let pivot = a[c];
        for (r, row) in a.iter_mut().enumerate() {
            if r != c && pivot[c] != 0.0 {
                let f = row[c] / pivot[c];
                for (x, p) in row.iter_mut().zip(pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
    }
    std::array::from_fn(|i| if a[i][i] != 0.0 { a[i][5] / a[i][i] } else { 0.0 })
}

impl TemperatureModel {
    /// Fits the model to an hourly series: (hours since the start of the year, degrees C).
    pub fn fit(series: &[(f64, f64)]) -> Self {
        let basis = |h: f64| {
            let (y, d) = (TAU * h / 24.0 / 365.25, TAU * h / 24.0);
            [1.0, y.cos(), y.sin(), d.cos(), d.sin()]
        };
        let mut a = [[0.0; 6]; 5];
        for &(h, t) in series {
            let b = basis(h);
            for r in 0..5 {
                for c in 0..5 {
                    a[r][c] += b[r] * b[c];
                }
                a[r][5] += b[r] * t;
            }
        }
        let x = solve5(a);
        let residual: Vec<f64> =
            series.iter().map(|&(h, t)| t - basis(h).iter().zip(&x).map(|(b, k)| b * k).sum::<f64>()).collect();
        let (num, den): (f64, f64) =
            residual.windows(2).fold((0.0, 0.0), |(n, d), w| (n + w[0] * w[1], d + w[0] * w[0]));
        let phi = if den > 0.0 { num / den } else { 0.0 };
        let innov: Vec<f64> = residual.windows(2).map(|w| w[1] - phi * w[0]).collect();
        let sigma = (innov.iter().map(|e| e * e).sum::<f64>() / innov.len().max(1) as f64).sqrt();
        let phase = |c: f64, s: f64, period: f64| (s.atan2(c) / TAU * period).rem_euclid(period);
        Self {
            mean: x[0],
            year_amp: x[1].hypot(x[2]),
            year_peak_day: phase(x[1], x[2], 365.25),
            day_amp: x[3].hypot(x[4]),
            day_peak_hour: phase(x[3], x[4], 24.0),
            phi,
            sigma,
        }
    }

    /// The model's expected value (no noise) at `hour` hours since the start of the year.
    pub fn expected(&self, hour: f64) -> f64 {
        self.mean
            + self.year_amp * (TAU * (hour / 24.0 - self.year_peak_day) / 365.25).cos()
            + self.day_amp * (TAU * (hour - self.day_peak_hour) / 24.0).cos()
    }
}

/// Car-park vacancies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VacancyModel {
    /// Share of car parks reporting no vacancy.
    pub full_share: f64,
    /// Mean of ln(vacancy) over the others.
    pub ln_mean: f64,
    /// Standard deviation of ln(vacancy) over the others.
    pub ln_sd: f64,
}

/// Hong Kong private-car (`P`) vacancies, 2025-11-15 around 12:40 (fitted by
/// `VacancyModel::fit`, checked by the tests).
pub const HK_VACANCY: VacancyModel = VacancyModel { full_share: 0.143, ln_mean: 1.506, ln_sd: 1.798 };

impl VacancyModel {
    /// Fits to a snapshot of vacancies (unknown ones, negative, left out).
    pub fn fit(vacancies: &[f64]) -> Self {
        let known: Vec<f64> = vacancies.iter().copied().filter(|v| *v >= 0.0).collect();
        let positive: Vec<f64> = known.iter().copied().filter(|v| *v > 0.0).map(f64::ln).collect();
        let n = positive.len().max(1) as f64;
        let ln_mean = positive.iter().sum::<f64>() / n;
        let ln_sd = (positive.iter().map(|x| (x - ln_mean).powi(2)).sum::<f64>() / n).sqrt();
        Self { full_share: (known.len() - positive.len()) as f64 / known.len().max(1) as f64, ln_mean, ln_sd }
    }
}
