//! Digital elevation models from GeoTIFF: one band of heights, integer or float, striped or
//! tiled, uncompressed, deflate or LZW, placed by its GeoTIFF tags (`geotiff_georef.rs`).
//! Missing heights: GDAL's `GDAL_NODATA` tag, and NaN.
//!
//! `Dem::read` reads the raster whole (4 bytes a pixel): a 10,000 x 10,000 DEM takes 400 MB;
//! above 2 GiB of heights it is refused. `DemFile` reads windows of it, decoding only the strips
//! or tiles a window overlaps: how DEMs larger than memory are tiled (`terrain_blocks.rs`).
use std::path::{Path, PathBuf};

use city_core::Crs;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;

use crate::ImportError;
use crate::geotiff_georef::{Georeference, georeference};

/// A DEM: heights on a regular grid of pixel centres in a CRS.
#[derive(Debug, Clone)]
pub struct Dem {
    /// The file it came from.
    pub file: PathBuf,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// CRS coordinates (easting first) of the centre of pixel (0, 0).
    pub origin: [f64; 2],
    /// CRS units from one pixel centre to the next along a row and down a column (the second is
    /// negative for the usual north-up raster).
    pub step: [f64; 2],
    /// The CRS, easting first; `None` when the file declares none (`--crs` then says).
    pub crs: Option<Crs>,
    /// Heights row by row from the top; NaN where there is none.
    pub heights: Vec<f32>,
}

/// The most bytes of heights read at once: a 23,000 x 23,000 float32 DEM.
const MAX_DEM_BYTES: usize = 2 << 30;

impl Dem {
    /// Whether `path` names a GeoTIFF (by its extension), which the importer reads as a DEM.
    pub fn is_dem(path: &Path) -> bool {
        path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"))
    }

    /// Reads `file` whole; `crs` is used when the file declares none, and must agree with the
    /// file's when it does not say "user-defined". Above 2 GiB of heights it is refused: read
    /// it by windows ([`DemFile`]).
    pub fn read(file: &Path, crs: Option<&Crs>) -> Result<Self, ImportError> {
        let f = DemFile::open(file, crs)?;
        let (width, height) = (f.header.width, f.header.height);
        if width * height > MAX_DEM_BYTES / 4 {
            return Err(ImportError::Format {
                file: file.to_owned(),
                reason: format!(
                    "{width} x {height} pixels: too large to read whole (over {} GiB of heights)",
                    MAX_DEM_BYTES >> 30
                ),
            });
        }
        f.window(0, 0, width, height)
    }

    /// The raster's geometry without its heights.
    pub fn header(&self) -> Self {
        Self {
            file: self.file.clone(),
            width: self.width,
            height: self.height,
            origin: self.origin,
            step: self.step,
            crs: self.crs.clone(),
            heights: Vec::new(),
        }
    }

    /// The height at pixel (col, row), if there is one.
    pub fn at(&self, col: usize, row: usize) -> Option<f64> {
        if col >= self.width {
            return None;
        }
        let v = *self.heights.get(row * self.width + col)?;
        v.is_finite().then_some(f64::from(v))
    }

    /// CRS coordinates of a (fractional) pixel position, centre-based.
    pub fn coords(&self, col: f64, row: f64) -> [f64; 2] {
        [self.origin[0] + col * self.step[0], self.origin[1] + row * self.step[1]]
    }

    /// The (fractional) pixel position of CRS coordinates.
    pub fn pixel(&self, x: f64, y: f64) -> [f64; 2] {
        [(x - self.origin[0]) / self.step[0], (y - self.origin[1]) / self.step[1]]
    }

    /// The height at a fractional pixel position by bilinear interpolation between the four
    /// pixel centres around it (GDAL's bilinear); `None` outside the grid or where one of the
    /// four has no height.
    pub fn bilinear(&self, col: f64, row: f64) -> Option<f64> {
        let max = [(self.width - 1) as f64, (self.height - 1) as f64];
        if !(col >= 0.0 && row >= 0.0 && col <= max[0] && row <= max[1]) {
            return None;
        }
        let (c0, r0) = (
            (col.floor() as usize).min(self.width.saturating_sub(2)),
            (row.floor() as usize).min(self.height.saturating_sub(2)),
        );
        let (c1, r1) = ((c0 + 1).min(self.width - 1), (r0 + 1).min(self.height - 1));
        let (fx, fy) = (col - c0 as f64, row - r0 as f64);
        let top = self.at(c0, r0)? * (1.0 - fx) + self.at(c1, r0)? * fx;
        let bottom = self.at(c0, r1)? * (1.0 - fx) + self.at(c1, r1)? * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }

    /// Pixels that hold a height.
    pub fn valid_pixels(&self) -> usize {
        self.heights.iter().filter(|v| v.is_finite()).count()
    }
}

/// A GeoTIFF DEM opened without reading its heights: its size and georeference, so windows of
/// it can be read one at a time (strips or tiles decoded as the window needs them), and a DEM
/// larger than memory can be tiled block by block.
#[derive(Debug, Clone)]
pub struct DemFile {
    /// Where it lies: a DEM without heights.
    header: Dem,
    nodata: Option<f64>,
}

impl DemFile {
    /// Opens `file`, reading its tags; `crs` as for [`Dem::read`].
    pub fn open(file: &Path, crs: Option<&Crs>) -> Result<Self, ImportError> {
        let mut d = decoder(file)?;
        let bad = |reason: String| ImportError::Format { file: file.to_owned(), reason };
        let (w, h) = d.dimensions().map_err(|e| bad(format!("image size: {e}")))?;
        let samples: u16 = d.find_tag_unsigned(Tag::SamplesPerPixel).ok().flatten().unwrap_or(1);
        if samples != 1 {
            return Err(bad(format!("{samples} bands per pixel: a DEM has one (heights)")));
        }
        let Georeference { origin, step, crs } = georeference(&mut d, file, crs)?;
        let nodata: Option<f64> = d
            .find_tag(Tag::GdalNodata)
            .ok()
            .flatten()
            .and_then(|v| v.into_string().ok())
            .and_then(|s| s.trim().trim_end_matches('\0').parse().ok());
        let (width, height) = (w as usize, h as usize);
        let header = Dem { file: file.to_owned(), width, height, origin, step, crs, heights: Vec::new() };
        Ok(Self { header, nodata })
    }

    /// The window of `w` x `h` pixels from pixel (c0, r0) as a DEM of its own (its origin the
    /// window's first pixel), reading only the strips or tiles it overlaps.
    pub fn window(&self, c0: usize, r0: usize, w: usize, h: usize) -> Result<Dem, ImportError> {
        let g = &self.header;
        let bad = |reason: String| ImportError::Format { file: g.file.clone(), reason };
        let (w, h) = (w.min(g.width.saturating_sub(c0)), h.min(g.height.saturating_sub(r0)));
        let mut heights = vec![f32::NAN; w * h];
        if w > 0 && h > 0 {
            let mut d = decoder(&g.file)?;
            let mut limits = tiff::decoder::Limits::default();
            limits.decoding_buffer_size = MAX_DEM_BYTES;
            d = d.with_limits(limits);
            let (cw, ch) = d.chunk_dimensions();
            let (cw, ch) = (cw.max(1) as usize, ch.max(1) as usize);
            let across = g.width.div_ceil(cw);
            for cy in r0 / ch..=(r0 + h - 1) / ch {
                for cx in c0 / cw..=(c0 + w - 1) / cw {
                    let index = (cy * across + cx) as u32;
                    let chunk = d.read_chunk(index).map_err(|e| match e {
                        tiff::TiffError::LimitsExceeded => {
                            bad(format!("a strip or tile over {} GiB: too large to read", MAX_DEM_BYTES >> 30))
                        }
                        e => bad(format!("reading the heights (chunk {index}): {e}")),
                    })?;
                    let values = as_heights(chunk).map_err(&bad)?;
                    let (dw, dh) = d.chunk_data_dimensions(index);
                    let (dw, dh) = (dw as usize, dh as usize);
                    // Tiles come padded to the full tile size, edge strips cut short.
                    let stride = if values.len() >= cw * ch { cw } else { dw };
                    if values.len() < stride * dh.saturating_sub(1) + dw {
                        return Err(bad(format!("chunk {index}: {} heights for {dw} x {dh} pixels", values.len())));
                    }
                    let (x0, y0) = (cx * cw, cy * ch);
                    for y in y0.max(r0)..(y0 + dh).min(r0 + h) {
                        for x in x0.max(c0)..(x0 + dw).min(c0 + w) {
                            heights[(y - r0) * w + (x - c0)] = values[(y - y0) * stride + (x - x0)];
                        }
                    }
                }
            }
        }
        for v in &mut heights {
            // Heights beyond 20 km of the geoid are no data however the file spells it.
            if self.nodata.is_some_and(|n| f64::from(*v) == n || (n.is_nan() && v.is_nan())) || v.abs() > 20_000.0 {
                *v = f32::NAN;
            }
        }
        let origin = [g.origin[0] + c0 as f64 * g.step[0], g.origin[1] + r0 as f64 * g.step[1]];
        Ok(Dem { width: w, height: h, origin, heights, ..g.header() })
    }

    /// The raster's geometry: a DEM without heights (`width`, `height`, `file`, `crs`...).
    pub fn header(&self) -> &Dem {
        &self.header
    }
}

fn decoder(file: &Path) -> Result<Decoder<std::io::BufReader<std::fs::File>>, ImportError> {
    let f = std::fs::File::open(file).map_err(|source| ImportError::Io { file: file.to_owned(), source })?;
    Decoder::new(std::io::BufReader::new(f))
        .map_err(|e| ImportError::Format { file: file.to_owned(), reason: format!("not a TIFF file: {e}") })
}

/// Decoded samples as f32 heights, whatever their type.
fn as_heights(chunk: DecodingResult) -> Result<Vec<f32>, String> {
    Ok(match chunk {
        DecodingResult::F32(v) => v,
        DecodingResult::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::I32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::U32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U8(v) => v.into_iter().map(f32::from).collect(),
        other => return Err(format!("heights stored as {}: not supported", sample_type(&other))),
    })
}

fn sample_type(r: &DecodingResult) -> &'static str {
    match r {
        DecodingResult::F16(_) => "16-bit floats",
        DecodingResult::U64(_) | DecodingResult::I64(_) => "64-bit integers",
        _ => "this sample type",
    }
}
