//! The one colour scale for numbers: blue through cyan, green and yellow to red. The scene's
//! style ramps an attribute over it (heights, years) and the live sensors' markers their values,
//! so a reading and a building that look alike mean alike. Linear RGB, as the renderer's vertex
//! colours are.

/// The stops the ramp runs through, evenly spaced from 0 to 1.
const STOPS: [[f32; 3]; 5] =
    [[0.02, 0.10, 0.60], [0.0, 0.55, 0.75], [0.10, 0.60, 0.10], [0.90, 0.75, 0.0], [0.75, 0.03, 0.02]];

/// The colour at `t` on the ramp: blue at 0, red at 1, clamped outside; opaque.
///
/// ```
/// let (low, high) = (city_core::color_ramp(0.0), city_core::color_ramp(1.0));
/// assert!(low[2] > low[0] && high[0] > high[2]);
/// assert_eq!(city_core::color_ramp(7.0), high);
/// ```
pub fn color_ramp(t: f64) -> [f32; 4] {
    let t = t.clamp(0.0, 1.0) as f32;
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f32;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f, 1.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_passes_through_its_stops_and_clamps() {
        for (k, s) in STOPS.iter().enumerate() {
            let c = color_ramp(k as f64 / 4.0);
            assert!((0..3).all(|i| (c[i] - s[i]).abs() < 1e-6), "stop {k}: {c:?}");
        }
        assert_eq!(color_ramp(-1.0), color_ramp(0.0));
        assert_eq!(color_ramp(2.0), color_ramp(1.0));
    }
}
