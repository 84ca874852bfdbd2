//! Geodetic <-> Earth-centred, Earth-fixed (ECEF) on the WGS84 ellipsoid.
//!
//! ECEF is the frame of 3D Tiles and of the viewer's world; both directions are closed-form, so
//! a round trip returns the input within a few nanometres (f64's own resolution through angles)
//! anywhere near the Earth's surface.
use crate::{Ellipsoid, Geodetic, Vec3};

/// ECEF (metres) of a WGS84 geodetic position.
pub fn ecef_from_geodetic(g: Geodetic) -> Vec3 {
    let e = Ellipsoid::WGS84;
    let (sin_lat, cos_lat) = g.lat().sin_cos();
    let (sin_lon, cos_lon) = g.lon().sin_cos();
    // Prime-vertical radius of curvature.
    let n = e.a_m / (1.0 - e.e2() * sin_lat * sin_lat).sqrt();
    [
        (n + g.height_m) * cos_lat * cos_lon,
        (n + g.height_m) * cos_lat * sin_lon,
        (n * (1.0 - e.e2()) + g.height_m) * sin_lat,
    ]
}

/// WGS84 geodetic position of an ECEF point.
///
/// Vermeille's closed form (J. Geodesy 76, 2002, "Direct transformation from geocentric
/// coordinates to geodetic coordinates"): followed by one refining step; valid everywhere outside a small
/// region around the Earth's centre (radius ~43 km), which no city reaches.
pub fn geodetic_from_ecef(p: Vec3) -> Geodetic {
    let ell = Ellipsoid::WGS84;
    let [x, y, z] = p;
    let a2 = ell.a_m * ell.a_m;
    let e2 = ell.e2();
    let e4 = e2 * e2;
    let xy2 = x * x + y * y;
    let pp = xy2 / a2;
    let q = (1.0 - e2) / a2 * z * z;
    let r = (pp + q - e4) / 6.0;
    let s = e4 * pp * q / (4.0 * r * r * r);
    let t = (1.0 + s + (s * (2.0 + s)).sqrt()).cbrt();
    let u = r * (1.0 + t + 1.0 / t);
    let v = (u * u + e4 * q).sqrt();
    let w = e2 * (u + v - q) / (2.0 * v);
    let k = (u + v + w * w).sqrt() - w;
    let d = k * xy2.sqrt() / (k + e2);
    let dz = (d * d + z * z).sqrt();
    let lat0 = 2.0 * z.atan2(d + dz);
    // One fixed-point step (contraction ~e^2) removes the closed form's last ulps of rounding,
    // and the height comes from the well-conditioned projection onto the normal.
    let p = xy2.sqrt();
    let n0 = ell.a_m / (1.0 - e2 * lat0.sin().powi(2)).sqrt();
    let lat = (z + e2 * n0 * lat0.sin()).atan2(p);
    let (sin_lat, cos_lat) = lat.sin_cos();
    let height_m = p * cos_lat + z * sin_lat - ell.a_m * (1.0 - e2 * sin_lat * sin_lat).sqrt();
    let lon = y.atan2(x);
    Geodetic { lon_deg: lon.to_degrees(), lat_deg: lat.to_degrees(), height_m }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equator_and_pole_land_on_the_axes() {
        let eq = ecef_from_geodetic(Geodetic::from_deg(0.0, 0.0, 0.0));
        assert_eq!(eq, [6_378_137.0, 0.0, 0.0]);
        let pole = ecef_from_geodetic(Geodetic::from_deg(0.0, 90.0, 0.0));
        assert!((pole[2] - Ellipsoid::WGS84.b_m()).abs() < 1e-6, "{pole:?}");
        let back = geodetic_from_ecef([0.0, 0.0, Ellipsoid::WGS84.b_m() + 5.0]);
        assert!((back.lat_deg - 90.0).abs() < 1e-12 && (back.height_m - 5.0).abs() < 1e-9, "{back:?}");
    }

    proptest::proptest! {
        /// ECEF -> geodetic -> ECEF, per axis. An f64 ECEF coordinate is itself quantised to
        /// 0.93 nm at Earth radius, and an f64 latitude to 0.8-1.6 nm of arc, so 1 nm is below
        /// what f64 can carry through angles: a longitude of 144 degrees is itself quantised to
        /// 3.2 nm. Measured over 300,000 cases the worst round trip was 4.2 nm (4.5 ulp); the
        /// bound tested is 5 nm, six orders below the millimetre a city model needs. ENU round trips, which need no
        /// angles, hold 1 nm (`enu_frame.rs`).
        #[test]
        fn round_trip_is_exact_to_a_nanometre(
            lon in -180.0f64..180.0, lat in -89.999f64..89.999, h in -11_000.0f64..100_000.0
        ) {
            let p = ecef_from_geodetic(Geodetic::from_deg(lon, lat, h));
            let q = ecef_from_geodetic(geodetic_from_ecef(p));
            for i in 0..3 {
                proptest::prop_assert!((p[i] - q[i]).abs() <= 5e-9, "axis {i} error {} m at {p:?}", p[i] - q[i]);
            }
        }
    }
}
