//! Float rasters written as GeoTIFF (analysis outputs: flood depth), georeferenced so GDAL,
//! QGIS and rasterio place them: ModelPixelScale and ModelTiepoint from the grid (pixel is
//! area, the tie point at the top-left corner of pixel (0, 0)), GeoKeys naming the EPSG code
//! (geographic or projected), and GDAL's nodata tag. Deflate-compressed, one strip per row.
use std::path::Path;

use anyhow::{Context, Result};
use city_core::Crs;
use tiff::encoder::{Compression, DeflateLevel, TiffEncoder, colortype::Gray32Float};
use tiff::tags::Tag;

/// GDAL's private tag for the nodata value, as ASCII.
const GDAL_NODATA: u16 = 42_113;

/// Writes `values` (`width * height`, row by row from the top) to `path`; `origin` is the centre
/// of pixel (0, 0) in `crs` and `step` the distance between pixel centres along a row and down a
/// column (negative for north-up). NaN is written as nodata.
pub fn write_float_geotiff(
    path: &Path,
    values: &[f32],
    (width, height): (usize, usize),
    origin: [f64; 2],
    step: [f64; 2],
    crs: &Crs,
) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut enc = TiffEncoder::new(std::io::BufWriter::new(file))
        .with_context(|| format!("{}: cannot write", path.display()))?
        .with_compression(Compression::Deflate(DeflateLevel::Balanced));
    let mut img = enc.new_image::<Gray32Float>(width as u32, height as u32)?;
    let corner = [origin[0] - step[0] / 2.0, origin[1] - step[1] / 2.0];
    img.encoder().write_tag(Tag::ModelPixelScaleTag, &[step[0].abs(), step[1].abs(), 0.0][..])?;
    img.encoder().write_tag(Tag::ModelTiepointTag, &[0.0, 0.0, 0.0, corner[0], corner[1], 0.0][..])?;
    // GeoKeys: the model type (2 geographic, 1 projected), pixel is area, and the EPSG code.
    let epsg = u16::try_from(crs.epsg()).with_context(|| format!("EPSG:{} does not fit a GeoKey", crs.epsg()))?;
    let (model, key) = if crs.is_geographic() { (2, 2048) } else { (1, 3072) };
    let keys: [u16; 16] = [1, 1, 0, 3, 1024, 0, 1, model, 1025, 0, 1, 1, key, 0, 1, epsg];
    img.encoder().write_tag(Tag::GeoKeyDirectoryTag, &keys[..])?;
    img.encoder().write_tag(Tag::Unknown(GDAL_NODATA), "nan")?;
    img.rows_per_strip(1)?;
    img.write_data(values).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}
