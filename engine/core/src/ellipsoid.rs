/// A reference ellipsoid, by its semi-major axis and flattening.
///
/// WGS84 and GRS80 (the ellipsoid of CGCS2000, ETRS89 and JGD2011) differ by 0.1 mm in the
/// semi-minor axis. ECEF and ENU use WGS84, the frame of 3D Tiles; GRS80 is here for code that
/// needs the datum's own ellipsoid (datum shifts of projected CRSs happen inside proj4rs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipsoid {
    /// Semi-major axis, metres.
    pub a_m: f64,
    /// Flattening f = (a - b) / a.
    pub f: f64,
}

impl Ellipsoid {
    /// WGS 84 (EPSG:7030), the ellipsoid of GPS, 3D Tiles ECEF and CesiumJS.
    pub const WGS84: Self = Self { a_m: 6_378_137.0, f: 1.0 / 298.257_223_563 };
    /// GRS 80 (EPSG:7019), used by CGCS2000, ETRS89 and JGD2011.
    pub const GRS80: Self = Self { a_m: 6_378_137.0, f: 1.0 / 298.257_222_101 };

    /// Semi-minor axis b = a (1 - f), metres.
    pub fn b_m(&self) -> f64 {
        self.a_m * (1.0 - self.f)
    }

    /// First eccentricity squared, e^2 = f (2 - f).
    pub fn e2(&self) -> f64 {
        self.f * (2.0 - self.f)
    }
}
