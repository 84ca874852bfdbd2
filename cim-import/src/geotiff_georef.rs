//! Where a GeoTIFF's pixels lie, from its tags (GeoTIFF 1.1, OGC 19-008r4); shared by DEMs and
//! imagery:
//!
//! - where pixels are: `ModelTiepointTag` + `ModelPixelScaleTag`, or a `ModelTransformationTag`
//!   without rotation;
//! - what a pixel's coordinate means: `GTRasterTypeGeoKey` says PixelIsArea (the tiepoint is the
//!   pixel's corner, the default) or PixelIsPoint (the tiepoint is its centre). Here every
//!   position is a pixel *centre*, so values are samples at points, as GDAL reads both;
//! - the CRS: `ProjectedCSTypeGeoKey` or `GeographicTypeGeoKey` (an EPSG code). Coordinates in a
//!   GeoTIFF are always easting (longitude) first, whatever EPSG's axis order.
use std::io::{Read, Seek};
use std::path::Path;

use city_core::{AxisOrder, Crs};
use tiff::decoder::Decoder;
use tiff::tags::Tag;

use crate::ImportError;

/// GeoKey ids (GeoTIFF 1.1, section 7).
const GT_MODEL_TYPE: u16 = 1024;
const GT_RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const PROJECTED_CS_TYPE: u16 = 3072;
/// `GTRasterTypeGeoKey` = PixelIsPoint.
const RASTER_PIXEL_IS_POINT: u16 = 2;
/// A key value meaning "user-defined": not an EPSG code.
const USER_DEFINED: u16 = 32767;

/// A raster's pixel grid in its CRS.
#[derive(Debug, Clone)]
pub(crate) struct Georeference {
    /// CRS coordinates (easting first) of the centre of pixel (0, 0).
    pub origin: [f64; 2],
    /// CRS units from one pixel centre to the next along a row and down a column.
    pub step: [f64; 2],
    /// The CRS, easting first; `None` when the file declares none.
    pub crs: Option<Crs>,
}

/// Reads the georeference of the image `d` is at; `crs`, when given, wins over the file's.
pub(crate) fn georeference<R: Read + Seek>(
    d: &mut Decoder<R>,
    file: &Path,
    crs: Option<&Crs>,
) -> Result<Georeference, ImportError> {
    let bad = |reason: String| ImportError::Format { file: file.to_owned(), reason };
    let f64s = |d: &mut Decoder<R>, tag: Tag| d.find_tag(tag).ok().flatten().and_then(|v| v.into_f64_vec().ok());
    let keys: Vec<u16> =
        d.find_tag(Tag::GeoKeyDirectoryTag).ok().flatten().and_then(|v| v.into_u16_vec().ok()).unwrap_or_default();
    let key = |id: u16| -> Option<u16> {
        // Header (version, revision, minor, count), then (id, location, count, value) each;
        // location 0 means the value is the short itself.
        keys.get(4..)?.chunks_exact(4).find(|k| k[0] == id && k[1] == 0).map(|k| k[3])
    };
    let pixel_is_point = key(GT_RASTER_TYPE) == Some(RASTER_PIXEL_IS_POINT);
    // The model coordinates of raster point (i, j) = (a + i sx, b - j sy).
    let (a, b, sx, sy) = match (f64s(d, Tag::ModelTiepointTag), f64s(d, Tag::ModelPixelScaleTag)) {
        (Some(tie), Some(scale)) if tie.len() >= 6 && scale.len() >= 2 => {
            (tie[3] - tie[0] * scale[0], tie[4] + tie[1] * scale[1], scale[0], scale[1])
        }
        _ => match f64s(d, Tag::ModelTransformationTag) {
            Some(m) if m.len() >= 16 => {
                if m[1] != 0.0 || m[4] != 0.0 {
                    return Err(bad(
                        "a rotated or sheared raster (ModelTransformationTag): warp it north-up first (gdalwarp)"
                            .into(),
                    ));
                }
                (m[3], m[7], m[0], -m[5])
            }
            _ => {
                return Err(bad("no georeference (no ModelTiepointTag with ModelPixelScaleTag, no \
                                ModelTransformationTag): not a GeoTIFF"
                    .into()));
            }
        },
    };
    if ![a, b, sx, sy].iter().all(|v| v.is_finite()) || sx <= 0.0 || sy == 0.0 {
        return Err(bad(format!("pixel size {sx} x {sy} at ({a}, {b}): not a usable georeference")));
    }
    // Pixel centres: PixelIsArea puts the raster point (0, 0) on the first pixel's corner.
    let half = if pixel_is_point { 0.0 } else { 0.5 };
    let origin = [a + half * sx, b - half * sy];
    let step = [sx, -sy];

    // CRS: the file's EPSG code, else the caller's.
    let geographic = key(GT_MODEL_TYPE) == Some(2);
    let code = if geographic { key(GEOGRAPHIC_TYPE) } else { key(PROJECTED_CS_TYPE).or(key(GEOGRAPHIC_TYPE)) };
    let own = match code {
        Some(c) if c != USER_DEFINED => Some(
            Crs::from_epsg(u32::from(c))
                .map_err(|e| bad(format!("CRS EPSG:{c} from its GeoKeys: {e} (pass --crs to override)")))?,
        ),
        _ => None,
    };
    let crs = match (crs, own) {
        (Some(given), _) => Some(given.clone()),
        (None, own) => own,
    }
    .map(|c| c.with_axis_order(AxisOrder::EastNorth));
    Ok(Georeference { origin, step, crs })
}
