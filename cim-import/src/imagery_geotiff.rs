//! Imagery from a GeoTIFF: 8-bit RGB, RGBA or grey, pixel-interleaved, in any EPSG CRS, placed
//! by its GeoTIFF tags (`geotiff_georef.rs`). Pixels that are GDAL's nodata in every band, or
//! transparent (alpha 0), have no colour: the layers below, or the ground, show there. Each point is taken to the file's CRS and the
//! image sampled bilinearly between pixel centres, as GDAL resamples. Read whole (3 bytes a
//! pixel), up to 2 GiB.
use std::path::Path;

use city_core::{Crs, Geodetic};
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;

use crate::ImportError;
use crate::geotiff_georef::{Georeference, georeference};
use crate::imagery::{Imagery, ImageryProblems, bilinear_rgb};

/// An RGB GeoTIFF held in memory.
pub struct GeoTiffImagery {
    name: String,
    width: usize,
    height: usize,
    place: Georeference,
    crs: Crs,
    /// RGB, row by row from the top.
    rgb: Vec<u8>,
    /// Pixels without colour (GDAL's nodata in every band, or alpha 0), when there are any.
    empty: Option<Vec<bool>>,
    attribution: Option<String>,
}

/// The most bytes of colour read at once.
const MAX_IMAGE_BYTES: usize = 2 << 30;

impl GeoTiffImagery {
    /// Reads `file`.
    pub fn read(file: &Path) -> Result<Self, ImportError> {
        let bad = |reason: String| ImportError::Format { file: file.to_owned(), reason };
        let tiff_err = |what: &str, e: tiff::TiffError| bad(format!("{what}: {e}"));
        let f = std::fs::File::open(file).map_err(|source| ImportError::Io { file: file.to_owned(), source })?;
        let mut d = Decoder::new(std::io::BufReader::new(f)).map_err(|e| tiff_err("not a TIFF file", e))?;
        let (w, h) = d.dimensions().map_err(|e| tiff_err("image size", e))?;
        let samples: u16 = d.find_tag_unsigned(Tag::SamplesPerPixel).ok().flatten().unwrap_or(1);
        if !matches!(samples, 1 | 3 | 4) {
            return Err(bad(format!("{samples} bands per pixel: imagery has 3 (RGB), 4 (RGBA) or 1 (grey)")));
        }
        let planar: u16 = d.find_tag_unsigned(Tag::PlanarConfiguration).ok().flatten().unwrap_or(1);
        if planar == 2 && samples > 1 {
            return Err(bad("bands stored one after another (PlanarConfiguration 2): rewrite it pixel-interleaved \
                            (gdal_translate -co INTERLEAVE=PIXEL)"
                .into()));
        }
        let place = georeference(&mut d, file, None)?;
        let crs = place.crs.clone().ok_or_else(|| {
            bad("no CRS in its GeoKeys: imagery must say where it lies (gdal_edit.py -a_srs EPSG:...)".into())
        })?;
        let mut limits = tiff::decoder::Limits::default();
        limits.decoding_buffer_size = MAX_IMAGE_BYTES;
        d = d.with_limits(limits);
        let pixels = match d.read_image().map_err(|e| match e {
            tiff::TiffError::LimitsExceeded => {
                bad(format!("{w} x {h} pixels: too large to read whole (over {} GiB)", MAX_IMAGE_BYTES >> 30))
            }
            e => tiff_err("reading the pixels", e),
        })? {
            DecodingResult::U8(v) => v,
            _ => {
                return Err(bad(
                    "samples are not 8-bit: imagery is read as 8-bit RGB (gdal_translate -ot Byte -scale)".into(),
                ));
            }
        };
        let (width, height) = (w as usize, h as usize);
        let n = usize::from(samples);
        if pixels.len() != width * height * n {
            return Err(bad(format!("{} samples for {width} x {height} pixels of {n} bands", pixels.len())));
        }
        // No colour: GDAL's nodata in every band, or a transparent alpha (a 4th band).
        let nodata: Option<u8> = d
            .find_tag(Tag::GdalNodata)
            .ok()
            .flatten()
            .and_then(|v| v.into_string().ok())
            .and_then(|s| s.trim().trim_end_matches('\0').parse::<f64>().ok())
            .filter(|v| (0.0..=255.0).contains(v) && v.fract() == 0.0)
            .map(|v| v as u8);
        let empty: Vec<bool> = pixels
            .chunks_exact(n)
            .map(|p| (n == 4 && p[3] == 0) || nodata.is_some_and(|v| p[..n.min(3)].iter().all(|&b| b == v)))
            .collect();
        let empty = empty.iter().any(|&e| e).then_some(empty);
        let rgb = match n {
            3 => pixels,
            1 => pixels.iter().flat_map(|&g| [g, g, g]).collect(),
            _ => pixels.chunks_exact(n).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        };
        Ok(Self { name: file.display().to_string(), width, height, place, crs, rgb, empty, attribution: None })
    }

    /// The same imagery with the credit its licence asks for.
    pub fn with_attribution(self, attribution: Option<String>) -> Self {
        Self { attribution, ..self }
    }
}

impl Imagery for GeoTiffImagery {
    fn name(&self) -> &str {
        &self.name
    }

    fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    fn sample(&self, points: &[[f64; 2]], _texel_m: f64, _problems: &ImageryProblems) -> Vec<Option<[u8; 3]>> {
        let (o, s) = (self.place.origin, self.place.step);
        let max = [(self.width - 1) as f64 + 0.5, (self.height - 1) as f64 + 0.5];
        points
            .iter()
            .map(|&[lon, lat]| {
                let g = Geodetic { lon_deg: lon, lat_deg: lat, height_m: 0.0 };
                let [x, y, _] = self.crs.from_geodetic(g).ok()?;
                let (col, row) = ((x - o[0]) / s[0], (y - o[1]) / s[1]);
                // Inside the image: up to half a pixel beyond the outer pixel centres.
                // Inside the image, and the nearest pixel has colour.
                let inside = col >= -0.5 && row >= -0.5 && col <= max[0] && row <= max[1];
                let nearest = || {
                    let (c, r) =
                        (col.round().clamp(0.0, max[0] - 0.5) as usize, row.round().clamp(0.0, max[1] - 0.5) as usize);
                    r * self.width + c
                };
                (inside && self.empty.as_ref().is_none_or(|e| !e[nearest()]))
                    .then(|| bilinear_rgb(&self.rgb, self.width, self.height, col, row))
            })
            .collect()
    }
}
