//! Local east-north-up frames: the frame a city is modelled in, and the frame of a tileset's
//! root transform, so that tile vertices stay small numbers.
use crate::{Geodetic, Vec3, ecef_from_geodetic};

/// A local East-North-Up frame tangent to the WGS84 ellipsoid at an origin.
///
/// `ecef_from_enu` and `enu_from_ecef` are exact inverses (an orthonormal rotation plus a
/// translation), so a round trip loses only f64 rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnuFrame {
    /// The origin as a geodetic position.
    pub origin: Geodetic,
    /// The origin in ECEF, metres.
    pub origin_ecef: Vec3,
    /// Rows are the east, north and up unit vectors expressed in ECEF.
    pub axes: [Vec3; 3],
}

impl EnuFrame {
    /// The ENU frame at a geodetic origin.
    pub fn at(origin: Geodetic) -> Self {
        let (sin_lat, cos_lat) = origin.lat().sin_cos();
        let (sin_lon, cos_lon) = origin.lon().sin_cos();
        let east = [-sin_lon, cos_lon, 0.0];
        let north = [-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat];
        let up = [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat];
        Self { origin, origin_ecef: ecef_from_geodetic(origin), axes: [east, north, up] }
    }

    /// ECEF of a point given in this frame's east, north, up metres.
    pub fn ecef_from_enu(&self, enu: Vec3) -> Vec3 {
        let [e, n, u] = self.axes;
        std::array::from_fn(|i| self.origin_ecef[i] + e[i] * enu[0] + n[i] * enu[1] + u[i] * enu[2])
    }

    /// East, north, up metres of an ECEF point in this frame.
    pub fn enu_from_ecef(&self, ecef: Vec3) -> Vec3 {
        let d = [ecef[0] - self.origin_ecef[0], ecef[1] - self.origin_ecef[1], ecef[2] - self.origin_ecef[2]];
        self.axes.map(|axis| axis[0] * d[0] + axis[1] * d[1] + axis[2] * d[2])
    }

    /// The 4x4 column-major matrix taking ENU to ECEF, as 3D Tiles writes a tile `transform`.
    pub fn ecef_from_enu_matrix(&self) -> [f64; 16] {
        let [e, n, u] = self.axes;
        let o = self.origin_ecef;
        [
            e[0], e[1], e[2], 0.0, //
            n[0], n[1], n[2], 0.0, //
            u[0], u[1], u[2], 0.0, //
            o[0], o[1], o[2], 1.0,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodetic_from_ecef;

    #[test]
    fn up_is_the_ellipsoid_normal() {
        let f = EnuFrame::at(Geodetic::from_deg(113.57, 22.27, 0.0));
        let above = geodetic_from_ecef(f.ecef_from_enu([0.0, 0.0, 100.0]));
        assert!((above.height_m - 100.0).abs() < 1e-8, "{above:?}");
        assert!((above.lon_deg - 113.57).abs() < 1e-12 && (above.lat_deg - 22.27).abs() < 1e-12);
    }

    #[test]
    fn east_points_east() {
        let f = EnuFrame::at(Geodetic::from_deg(4.36, 52.01, 0.0));
        let east = geodetic_from_ecef(f.ecef_from_enu([1000.0, 0.0, 0.0]));
        assert!(east.lon_deg > 4.36 && (east.lat_deg - 52.01).abs() < 1e-3, "{east:?}");
    }

    proptest::proptest! {
        /// ECEF -> ENU -> ECEF, per axis, from points on the f64 ECEF grid (see `ecef.rs`).
        #[test]
        fn enu_round_trip(lon in -180.0f64..180.0, lat in -89.0f64..89.0,
                          e in -5e4f64..5e4, n in -5e4f64..5e4, u in -1e3f64..1e4) {
            let f = EnuFrame::at(Geodetic::from_deg(lon, lat, 20.0));
            let p = f.ecef_from_enu([e, n, u]);
            let q = f.ecef_from_enu(f.enu_from_ecef(p));
            for i in 0..3 {
                proptest::prop_assert!((p[i] - q[i]).abs() < 1e-9, "axis {i} error {} m", p[i] - q[i]);
            }
        }
    }
}
