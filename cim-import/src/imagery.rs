//! Imagery to drape on terrain: a source that gives a colour at a point on the globe. Four
//! kinds, told apart by how they are named (`open_imagery`):
//!
//! - a GeoTIFF file (`.tif`, `.tiff`): RGB or grey, 8 bits, in any EPSG CRS, reprojected
//!   (`imagery_geotiff.rs`);
//! - an MBTiles file (`.mbtiles`): PNG or JPEG tiles in SQLite (`imagery_mbtiles.rs`);
//! - an `http://` or `https://` URL template: XYZ (`{z}/{x}/{y}`), TMS (`{-y}`: rows counted
//!   from the south) or a WMTS RESTful template on the GoogleMapsCompatible matrix set
//!   (`{TileMatrix}/{TileRow}/{TileCol}`), fetched through a disk cache (`imagery_http.rs`).
//!
//! The tiled kinds share the Web Mercator pyramid in `imagery_tiles.rs`. A tile that cannot be
//! had (HTTP 404, a server answering garbage, a broken row in the file) is a problem counted in
//! `ImageryProblems` and shows the ground colour: the terrain and the rest of the imagery are
//! still written.
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::ImportError;

/// A colour source on the globe.
pub trait Imagery: Sync + Send {
    /// The file or URL, for messages.
    fn name(&self) -> &str;
    /// The credit its licence asks for, when known (an MBTiles file's `attribution`, or what the
    /// user gave for a URL).
    fn attribution(&self) -> Option<&str>;
    /// sRGB colours at `points` (longitude, latitude in degrees, WGS 84), for a texture whose
    /// texels are `texel_m` metres across (tiled sources pick their zoom level by it); `None`
    /// where the source has no colour. Tiles that fail are counted in `problems`.
    fn sample(&self, points: &[[f64; 2]], texel_m: f64, problems: &ImageryProblems) -> Vec<Option<[u8; 3]>>;
}

/// What went wrong reading imagery, over a whole import: counts, and the first few messages.
#[derive(Debug, Default)]
pub struct ImageryProblems {
    /// Tiles (or reads) that worked.
    pub ok: AtomicUsize,
    /// Tiles that failed.
    pub failed: AtomicUsize,
    first: Mutex<Vec<String>>,
}

/// How many distinct messages are kept.
const KEPT_MESSAGES: usize = 5;

impl ImageryProblems {
    /// Counts a failure, keeping its message if it is among the first few.
    pub fn fail(&self, message: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if first.len() < KEPT_MESSAGES {
            first.push(message);
        }
    }

    /// Counts a success.
    pub fn succeed(&self) {
        self.ok.fetch_add(1, Ordering::Relaxed);
    }

    /// One warning for people, if anything failed.
    pub fn summary(&self) -> Option<String> {
        let failed = self.failed.load(Ordering::Relaxed);
        (failed > 0).then(|| {
            let first = self.first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            format!(
                "imagery: {failed} of {} tiles could not be read (drawn from a coarser zoom where one could be, \
                 else the ground colour shows): {}",
                failed + self.ok.load(Ordering::Relaxed),
                first.join("; ")
            )
        })
    }
}

/// Options for opening imagery.
#[derive(Debug, Clone, Default)]
pub struct ImageryOptions {
    /// The credit to show (over an MBTiles file's own).
    pub attribution: Option<String>,
    /// Where fetched tiles are kept; `None`: `imagery/` in `city_core::cache_dir()`.
    pub cache: Option<std::path::PathBuf>,
    /// The deepest zoom asked of a URL source; `None`: 19 (OpenStreetMap's).
    pub max_zoom: Option<u8>,
}

/// Opens the imagery named by `source`: a URL template, an `.mbtiles` file, or a GeoTIFF.
pub fn open_imagery(source: &str, opts: &ImageryOptions) -> Result<Box<dyn Imagery>, ImportError> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return Ok(Box::new(crate::imagery_http::url_template(source, opts)?));
    }
    let path = Path::new(source);
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "mbtiles" => {
            let mut pyramid = crate::imagery_mbtiles::open_mbtiles(path)?;
            // The user's credit, where given, over the file's.
            pyramid.attribution = opts.attribution.clone().or(pyramid.attribution);
            Ok(Box::new(pyramid))
        }
        "tif" | "tiff" => {
            Ok(Box::new(crate::imagery_geotiff::GeoTiffImagery::read(path)?.with_attribution(opts.attribution.clone())))
        }
        _ => Err(ImportError::Format {
            file: path.to_owned(),
            reason: "not imagery this reads: give a GeoTIFF (.tif), an MBTiles file (.mbtiles) or an \
                     http(s) URL template with {z}/{x}/{y}"
                .into(),
        }),
    }
}

/// Bilinear sample of an 8-bit RGB raster at a fractional pixel position (pixel centres at
/// whole numbers), clamped to the raster's edge.
pub(crate) fn bilinear_rgb(rgb: &[u8], width: usize, height: usize, col: f64, row: f64) -> [u8; 3] {
    let col = col.clamp(0.0, (width - 1) as f64);
    let row = row.clamp(0.0, (height - 1) as f64);
    let (c0, r0) = (col.floor() as usize, row.floor() as usize);
    let (c1, r1) = ((c0 + 1).min(width - 1), (r0 + 1).min(height - 1));
    let (fx, fy) = (col - c0 as f64, row - r0 as f64);
    let px = |c: usize, r: usize, k: usize| f64::from(rgb[3 * (r * width + c) + k]);
    std::array::from_fn(|k| {
        let top = px(c0, r0, k) * (1.0 - fx) + px(c1, r0, k) * fx;
        let bottom = px(c0, r1, k) * (1.0 - fx) + px(c1, r1, k) * fx;
        (top * (1.0 - fy) + bottom * fy).round() as u8
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_blends_the_four_pixels_around_a_point_and_clamps_at_the_edge() {
        // 2 x 2: black, white / white, black.
        let rgb = [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0];
        assert_eq!(bilinear_rgb(&rgb, 2, 2, 0.0, 0.0), [0, 0, 0]);
        assert_eq!(bilinear_rgb(&rgb, 2, 2, 1.0, 0.0), [255, 255, 255]);
        assert_eq!(bilinear_rgb(&rgb, 2, 2, 0.5, 0.0), [128, 128, 128]);
        assert_eq!(bilinear_rgb(&rgb, 2, 2, 0.5, 0.5), [128, 128, 128]);
        assert_eq!(bilinear_rgb(&rgb, 2, 2, -3.0, 7.0), [255, 255, 255]);
    }

    #[test]
    fn an_unknown_kind_of_source_is_refused_by_name() {
        let e = open_imagery("photo.jp2", &ImageryOptions::default()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("photo.jp2") && e.contains("URL template"), "{e}");
    }
}
