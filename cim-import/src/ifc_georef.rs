//! Where an IFC model stands on the globe: `--place`, IFC4's `IfcMapConversion` to a projected
//! CRS, or the site's reference point with the model's true north (the order `ifc.rs` takes
//! them in).
use city_core::Vec3;
use ifc_lite_core::{AttributeValue as Step, EntityDecoder, IfcType};

/// Where a model without its own georeference stands: `--place lat,lon,height,rotation_deg`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Latitude of the model's origin, degrees.
    pub lat_deg: f64,
    /// Longitude of the model's origin, degrees.
    pub lon_deg: f64,
    /// Ellipsoidal height of the model's origin, metres.
    pub height_m: f64,
    /// How far the model is turned about its origin, degrees counter-clockwise seen from
    /// above: 0 puts its +y axis on true north.
    pub rotation_deg: f64,
}

impl Placement {
    /// Model metres (z up; +y on true north when the rotation is 0) to WGS84 latitude,
    /// longitude and ellipsoidal height (EPSG:4979's axis order), through the east-north-up
    /// frame at the placement.
    pub fn to_wgs84(&self) -> impl Fn(Vec3) -> Vec3 + use<> {
        let frame = city_core::EnuFrame::at(city_core::Geodetic::from_deg(self.lon_deg, self.lat_deg, self.height_m));
        let (sin, cos) = self.rotation_deg.to_radians().sin_cos();
        move |p: Vec3| {
            let enu = [cos * p[0] - sin * p[1], sin * p[0] + cos * p[1], p[2]];
            let g = city_core::geodetic_from_ecef(frame.ecef_from_enu(enu));
            [g.lat_deg, g.lon_deg, g.height_m]
        }
    }

    /// Reads `lat,lon,height,rotation_deg` (the rotation may be left out: 0).
    pub fn parse(text: &str) -> Result<Self, String> {
        let v: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>().map_err(|_| format!("{p:?} is not a number")))
            .collect::<Result<_, _>>()?;
        // Finite everywhere: a NaN rotation or an infinite height would place every vertex at NaN.
        if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
            return Err(format!("{text:?}: {bad} is not a finite number"));
        }
        let ok = |lat: f64, lon: f64| (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
        match v[..] {
            [lat, lon, h] if ok(lat, lon) => Ok(Self { lat_deg: lat, lon_deg: lon, height_m: h, rotation_deg: 0.0 }),
            [lat, lon, h, r] if ok(lat, lon) => Ok(Self { lat_deg: lat, lon_deg: lon, height_m: h, rotation_deg: r }),
            _ => Err(format!("{text:?}: expected lat,lon,height[,rotation_deg] with -90<=lat<=90, -180<=lon<=180")),
        }
    }
}

/// How the model is georeferenced, as found in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum IfcGeoreference {
    /// `IfcMapConversion`: map coordinates = rotate(scale × local) + (eastings, northings,
    /// height), in `crs`.
    MapConversion {
        /// `IfcProjectedCRS.Name`, e.g. `EPSG:25832`.
        crs: String,
        /// Offset, metres of the map.
        origin: Vec3,
        /// The local x axis in map coordinates (abscissa, ordinate).
        x_axis: [f64; 2],
        /// Map units per metre of the model (IFC's Scale, from project units to map units,
        /// over the project unit's metres).
        scale: f64,
    },
    /// `IfcSite` reference point and the true north of the model context.
    Site(Placement),
}

/// The classes the georeference is read from (`IfcMapConversion` and its CRS, the project's
/// units, the site, the model context's true north): the only ones whose place is kept.
pub(crate) const GEOREFERENCE_TYPES: [IfcType; 11] = [
    IfcType::IfcMapConversion,
    IfcType::IfcMapConversionScaled,
    IfcType::IfcRigidOperation,
    IfcType::IfcProjectedCRS,
    IfcType::IfcGeographicCRS,
    IfcType::IfcProject,
    IfcType::IfcWellKnownText,
    IfcType::IfcSIUnit,
    IfcType::IfcConversionBasedUnit,
    IfcType::IfcSite,
    IfcType::IfcGeometricRepresentationContext,
];

/// The model's georeference: an `IfcMapConversion` to a named projected CRS, else the first
/// `IfcSite` with a reference latitude and longitude, turned by the model context's true north.
pub(crate) fn georeference(
    types: &[(u32, IfcType)],
    decoder: &mut EntityDecoder<'_>,
    unit_m: f64,
) -> Option<IfcGeoreference> {
    if let Ok(Some(g)) = ifc_lite_core::GeoRefExtractor::extract(decoder, types)
        && g.has_map_conversion
        && let Some(crs) = g.crs_name.clone()
    {
        return Some(IfcGeoreference::MapConversion {
            crs,
            origin: [g.eastings, g.northings, g.orthogonal_height],
            x_axis: [g.x_axis_abscissa, g.x_axis_ordinate],
            // IFC's Scale takes project units to map units; the geometry is in metres already.
            scale: g.scale / unit_m,
        });
    }
    let mut true_north = None;
    for (id, t) in types {
        if *t == IfcType::IfcGeometricRepresentationContext
            && true_north.is_none()
            && let Ok(ctx) = decoder.decode_by_id(*id)
            && ctx.get_string(1).is_none_or(|k| k.eq_ignore_ascii_case("Model"))
            && let Some(dir) = ctx.get_ref(5)
            && let Ok(d) = decoder.decode_by_id(dir)
            && let Some(r) = d.get_list(0)
        {
            let x = r.first().and_then(Step::as_float);
            let y = r.get(1).and_then(Step::as_float);
            if let (Some(x), Some(y)) = (x, y) {
                true_north = Some([x, y]);
            }
        }
    }
    let site = types.iter().find(|(_, t)| *t == IfcType::IfcSite)?;
    let site = decoder.decode_by_id(site.0).ok()?;
    let angle = |i: usize| -> Option<f64> {
        let parts: Vec<f64> = site.get_list(i)?.iter().filter_map(Step::as_int).map(|v| v as f64).collect();
        let scale = [1.0, 60.0, 3600.0, 3.6e9];
        (!parts.is_empty()).then(|| parts.iter().zip(scale).map(|(v, s)| v / s).sum())
    };
    let (lat, lon) = (angle(9)?, angle(10)?);
    // True north as a direction in the model: the model is turned so that it points north.
    let [tx, ty] = true_north.unwrap_or([0.0, 1.0]);
    Some(IfcGeoreference::Site(Placement {
        lat_deg: lat,
        lon_deg: lon,
        height_m: site.get_float(11).unwrap_or(0.0) * unit_m,
        rotation_deg: 90.0 - ty.atan2(tx).to_degrees(),
    }))
}
