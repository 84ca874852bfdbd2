/// A geodetic position on the WGS84 ellipsoid: longitude and latitude in degrees (as every file
/// format writes them) and the height above the ellipsoid in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geodetic {
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Height above the ellipsoid, metres.
    pub height_m: f64,
}

impl Geodetic {
    /// A position from longitude and latitude in degrees and the ellipsoidal height in metres.
    pub const fn from_deg(lon_deg: f64, lat_deg: f64, height_m: f64) -> Self {
        Self { lon_deg, lat_deg, height_m }
    }

    /// Longitude in radians.
    pub fn lon(&self) -> f64 {
        self.lon_deg.to_radians()
    }

    /// Latitude in radians.
    pub fn lat(&self) -> f64 {
        self.lat_deg.to_radians()
    }
}
