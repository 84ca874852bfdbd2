//! Coordinate reference systems by EPSG code.
//!
//! Definitions come from `crs-definitions` (the EPSG registry as proj4 strings) and the maths
//! from `proj4rs`, both pure Rust: no C library to install, the same answers on every machine.
//! docs/adr/0001-crs-library.md records why, and what it leaves out (geoid and grid shifts).
use std::fmt;

use proj4rs::Proj;

use crate::epsg_axis_order::NORTH_FIRST;
use crate::epsg_towgs84_fixes::ROTATIONS_FLIPPED;
use crate::{CoreError, Geodetic, Vec3, ecef_from_geodetic};

/// The order in which a CRS's first two coordinates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisOrder {
    /// x = easting or longitude first (GeoJSON, CityJSON, most projected CRSs).
    EastNorth,
    /// y = northing or latitude first: what EPSG defines for geographic CRSs (4326, 4490, 6697)
    /// and for the Chinese and Japanese Gauss-Kruger / plane-rectangular grids. GML writes
    /// coordinates in this order (PLATEAU's `lat lon h`).
    NorthEast,
}

/// A coordinate reference system, ready to convert to and from WGS84.
#[derive(Clone)]
pub struct Crs {
    code: u32,
    proj: Proj,
    /// WGS84 geographic, the pivot of every conversion: built once, not per point (building a
    /// `Proj` cost 3% of a whole import).
    wgs84: Proj,
    axis_order: AxisOrder,
}

/// WGS84 geographic, the pivot of every conversion.
fn wgs84() -> Result<Proj, CoreError> {
    Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs")
        .map_err(|e| CoreError::Projection { code: 4326, message: e.to_string() })
}

/// The lowest height accepted, metres below the ellipsoid (the Mariana Trench is 11 km deep).
const MAX_DEPTH_M: f64 = 20_000.0;
/// The highest height accepted, metres (structures, terrain and low flight paths are far below).
const MAX_HEIGHT_M: f64 = 100_000.0;
/// The largest projected easting or northing accepted, metres: two and a half times round the
/// Earth, room for any false easting (Gauss-Kruger zone prefixes reach 4e7 m).
const MAX_PROJECTED_M: f64 = 1.0e8;

/// Whether EPSG defines this CRS northing (or latitude) first, from the EPSG dataset itself
/// (`epsg_axis_order.rs`, generated from PROJ's proj.db): the proj4 strings we read the maths
/// from do not carry axis order.
fn north_first(code: u32) -> bool {
    NORTH_FIRST.binary_search(&code).is_ok()
}

/// The horizontal CRS of a German surveying authorities' (AdV) CRS name, as every German
/// state's LoD2 CityGML declares it (`urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH`: the part before
/// `*`; the height system after it passes through, ADR 0001). AdV data write easting first, so
/// the DHDN Gauss-Krueger zones map to EPSG's easting-first variants (5676-5679).
fn adv_crs(name: &str) -> Option<u32> {
    let horizontal = name.split('*').next()?.trim().to_ascii_uppercase();
    let horizontal = horizontal.strip_suffix("_3D").unwrap_or(&horizontal);
    Some(match horizontal {
        "ETRS89_UTM31" => 25831,
        "ETRS89_UTM32" => 25832,
        "ETRS89_UTM33" => 25833,
        "DE_DHDN_3GK2" => 5676,
        "DE_DHDN_3GK3" => 5677,
        "DE_DHDN_3GK4" => 5678,
        "DE_DHDN_3GK5" => 5679,
        "ETRS89_LAT-LON" | "ETRS89_LAT_LON" => 4258,
        _ => return None,
    })
}

/// A proj4 string with its `+towgs84` rotations (the 4th to 6th values) negated: the fix for
/// the codes crs-definitions writes in the other rotation convention (`epsg_towgs84_fixes.rs`).
fn with_rotations_flipped(proj4: &str) -> String {
    proj4
        .split(' ')
        .map(|part| match part.strip_prefix("+towgs84=") {
            Some(values) => {
                let v: Vec<String> = values
                    .split(',')
                    .enumerate()
                    .map(|(i, x)| match (i, x.strip_prefix('-')) {
                        (3..=5, Some(positive)) => positive.to_owned(),
                        (3..=5, None) if x.parse::<f64>().is_ok_and(|n| n != 0.0) => format!("-{x}"),
                        _ => x.to_owned(),
                    })
                    .collect();
                format!("+towgs84={}", v.join(","))
            }
            None => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Crs {
    /// The CRS with this EPSG code, its axes in the order the EPSG registry defines.
    pub fn from_epsg(code: u32) -> Result<Self, CoreError> {
        let def =
            u16::try_from(code).ok().and_then(crs_definitions::from_code).ok_or(CoreError::UnknownEpsg { code })?;
        let proj4 = if ROTATIONS_FLIPPED.contains(&code) {
            std::borrow::Cow::Owned(with_rotations_flipped(def.proj4))
        } else {
            std::borrow::Cow::Borrowed(def.proj4)
        };
        let proj =
            Proj::from_proj_string(&proj4).map_err(|e| CoreError::Projection { code, message: e.to_string() })?;
        let axis_order = if north_first(code) { AxisOrder::NorthEast } else { AxisOrder::EastNorth };
        Ok(Self { code, proj, wgs84: wgs84()?, axis_order })
    }

    /// Reads `EPSG:7415`, `urn:ogc:def:crs:EPSG::7415`, `urn:ogc:def:crs:EPSG:9.8:7415`,
    /// `http(s)://www.opengis.net/def/crs/EPSG/0/7415`, a bare `7415`, or the German surveying
    /// authorities' names (`urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH`, easting first).
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let bad = || CoreError::BadCrsText { text: text.to_owned() };
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(name) = lower.strip_prefix("urn:adv:crs:") {
            let code = adv_crs(name).ok_or_else(bad)?;
            return Ok(Self::from_epsg(code)?.with_axis_order(AxisOrder::EastNorth));
        }
        let code_text = if let Some(rest) = lower.strip_prefix("epsg:") {
            rest
        } else if lower.starts_with("urn:ogc:def:crs:epsg:") || lower.contains("/def/crs/epsg/") {
            lower.rsplit([':', '/']).next().ok_or_else(bad)?
        } else {
            &lower
        };
        let code = code_text.trim().parse::<u32>().map_err(|_| bad())?;
        Self::from_epsg(code)
    }

    /// The same CRS with coordinates read and written in `order` (as pyproj's `always_xy`
    /// does with [`AxisOrder::EastNorth`]). GeoJSON is always longitude first, whatever EPSG says.
    pub fn with_axis_order(mut self, order: AxisOrder) -> Self {
        self.axis_order = order;
        self
    }

    /// The EPSG code.
    pub fn epsg(&self) -> u32 {
        self.code
    }

    /// The order this CRS reads and writes its first two coordinates in.
    pub fn axis_order(&self) -> AxisOrder {
        self.axis_order
    }

    /// Whether coordinates are longitude and latitude in degrees (rather than metres).
    pub fn is_geographic(&self) -> bool {
        self.proj.is_latlong()
    }

    /// (easting/longitude, northing/latitude, height) from coordinates in this CRS's axis order.
    fn east_north(&self, c: Vec3) -> Vec3 {
        match self.axis_order {
            AxisOrder::EastNorth => c,
            AxisOrder::NorthEast => [c[1], c[0], c[2]],
        }
    }

    /// The WGS84 position of a point given in this CRS, in its axis order. Heights pass through
    /// unchanged: a compound CRS's orthometric height (NAP, JGD2011 vertical) is treated as
    /// ellipsoidal, because geoid models are not applied (ADR 0001).
    pub fn to_geodetic(&self, c: Vec3) -> Result<Geodetic, CoreError> {
        for (what, v) in ["x", "y", "z"].into_iter().zip(c) {
            if !v.is_finite() {
                return Err(CoreError::NotFinite { what, value: v });
            }
        }
        let [e, n, h] = self.east_north(c);
        let off = |what, value, range| Err(CoreError::NotOnEarth { what, value, range });
        // Heights: from the deepest trench to well above any structure, with room for
        // ellipsoidal heights; a CRS's units are metres.
        if !(-MAX_DEPTH_M..=MAX_HEIGHT_M).contains(&h) {
            return off("height", h, "-20 km to 100 km");
        }
        if self.is_geographic() {
            if !(-90.0..=90.0).contains(&n) {
                return off("latitude", n, "-90 to 90 degrees");
            }
            // Longitudes written 0..360 are common; beyond that, metres were read as degrees.
            if !(-360.0..=360.0).contains(&e) {
                return off("longitude", e, "-360 to 360 degrees");
            }
        } else {
            // Projections may carry a wild coordinate back onto the globe (wrapping longitudes),
            // so the grid's own numbers are bounded first.
            for (what, v) in [("easting or x", e), ("northing or y", n)] {
                if v.abs() > MAX_PROJECTED_M {
                    return off(what, v, "within 100,000 km of the CRS's origin");
                }
            }
        }
        let mut p = if self.is_geographic() { (e.to_radians(), n.to_radians(), h) } else { (e, n, h) };
        proj4rs::transform::transform(&self.proj, &self.wgs84, &mut p)
            .map_err(|err| CoreError::Projection { code: self.code, message: err.to_string() })?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        // A projected coordinate far outside its grid comes back as no place (or NaN).
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return off("northing or y", n, "inside the CRS's area");
        }
        if !(lon.is_finite() && (-540.0..=540.0).contains(&lon)) {
            return off("easting or x", e, "inside the CRS's area");
        }
        Ok(Geodetic::from_deg(lon, lat, h))
    }

    /// Coordinates in this CRS (in its axis order) of a WGS84 position.
    pub fn from_geodetic(&self, g: Geodetic) -> Result<Vec3, CoreError> {
        let mut p = (g.lon(), g.lat(), g.height_m);
        proj4rs::transform::transform(&self.wgs84, &self.proj, &mut p)
            .map_err(|err| CoreError::Projection { code: self.code, message: err.to_string() })?;
        let (e, n) = if self.is_geographic() { (p.0.to_degrees(), p.1.to_degrees()) } else { (p.0, p.1) };
        Ok(self.east_north([e, n, g.height_m]))
    }

    /// ECEF (WGS84, metres) of a point given in this CRS.
    pub fn to_ecef(&self, c: Vec3) -> Result<Vec3, CoreError> {
        self.to_geodetic(c).map(ecef_from_geodetic)
    }
}

impl fmt::Debug for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{} ({:?})", self.code, self.axis_order)
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_of_an_epsg_code() {
        for text in [
            "EPSG:7415",
            "epsg:7415",
            "urn:ogc:def:crs:EPSG::7415",
            "urn:ogc:def:crs:EPSG:9.8:7415",
            "https://www.opengis.net/def/crs/EPSG/0/7415",
            "http://www.opengis.net/def/crs/EPSG/0/7415",
            " 7415 ",
        ] {
            assert_eq!(Crs::parse(text).map(|c| c.epsg()), Ok(7415), "{text}");
        }
    }

    #[test]
    fn unknown_and_malformed_codes_are_clear_errors() {
        assert_eq!(Crs::from_epsg(999_999).map(|c| c.epsg()), Err(CoreError::UnknownEpsg { code: 999_999 }));
        assert_eq!(Crs::parse("EPSG:1").map(|c| c.epsg()), Err(CoreError::UnknownEpsg { code: 1 }));
        let e = Crs::parse("EPSG:abc").map(|c| c.epsg()).unwrap_err();
        assert!(e.to_string().contains("EPSG:abc"), "{e}");
        let nan = Crs::from_epsg(28992).unwrap().to_geodetic([f64::NAN, 0.0, 0.0]).unwrap_err();
        assert!(matches!(nan, CoreError::NotFinite { what: "x", .. }));
    }

    #[test]
    fn german_adv_names_are_their_epsg_crs_easting_first() {
        for (urn, code) in [
            ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH", 25832),
            ("urn:adv:crs:ETRS89_UTM33*DE_DHHN92_NH", 25833),
            ("urn:adv:crs:ETRS89_UTM32", 25832),
            ("urn:adv:crs:DE_DHDN_3GK4*DE_DHN92_NH", 5678),
            ("URN:ADV:CRS:DE_DHDN_3GK3*DE_DHHN92_NH", 5677),
        ] {
            let c = Crs::parse(urn).unwrap_or_else(|e| panic!("{urn}: {e}"));
            assert_eq!((c.epsg(), c.axis_order()), (code, AxisOrder::EastNorth), "{urn}");
        }
        // Berlin's Rotes Rathaus in UTM 33 (ETRS89), easting first: 13.41 E, 52.52 N.
        let g = Crs::parse("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH")
            .unwrap()
            .to_geodetic([392_000.0, 5_819_900.0, 0.0])
            .unwrap();
        assert!((g.lon_deg - 13.41).abs() < 0.01 && (g.lat_deg - 52.52).abs() < 0.01, "{g:?}");
        assert!(Crs::parse("urn:adv:crs:DE_UNKNOWN_9*X").is_err());
    }

    #[test]
    fn geographic_crs_are_latitude_first_unless_asked() {
        assert_eq!(Crs::from_epsg(6697).unwrap().axis_order(), AxisOrder::NorthEast);
        assert_eq!(Crs::from_epsg(4547).unwrap().axis_order(), AxisOrder::NorthEast);
        assert_eq!(Crs::from_epsg(28992).unwrap().axis_order(), AxisOrder::EastNorth);
        // From the EPSG data, not a list: DHDN Gauss-Krueger zones, Poland's CS92 and SWEREF99 TM
        // are northing first; UTM, LV95, Web Mercator and the AdV's easting-first GK variant are
        // not; compound CRSs follow their horizontal part.
        for (code, order) in [
            (31467, AxisOrder::NorthEast),
            (31468, AxisOrder::NorthEast),
            (2180, AxisOrder::NorthEast),
            (3006, AxisOrder::NorthEast),
            (4979, AxisOrder::NorthEast),
            (5678, AxisOrder::EastNorth),
            (25832, AxisOrder::EastNorth),
            (2056, AxisOrder::EastNorth),
            (3857, AxisOrder::EastNorth),
            (7415, AxisOrder::EastNorth),
        ] {
            assert_eq!(Crs::from_epsg(code).unwrap().axis_order(), order, "EPSG:{code}");
        }
        assert!(NORTH_FIRST.windows(2).all(|w| w[0] < w[1]), "the table must be sorted");
        let xy = Crs::from_epsg(4326).unwrap().with_axis_order(AxisOrder::EastNorth);
        let g = xy.to_geodetic([139.67, 35.28, 3.0]).unwrap();
        assert!((g.lon_deg - 139.67).abs() < 1e-12 && (g.lat_deg - 35.28).abs() < 1e-12);
    }
}
