//! A DTM from LAS/LAZ point clouds: the ground points (ASPRS class 2) averaged per cell of a
//! regular grid, then the empty cells (under buildings and water) filled from their neighbours,
//! so the terrain runs on under them. The result is a [`Dem`], tiled like any GeoTIFF.
//!
//! The grid is aligned as the usual tools align it (and as the shared Delft DTM was made): its
//! west edge at the points' least x rounded down to a whole cell, its north edge at their
//! largest y rounded up; a point falls in the cell whose square holds it. So a cell holding
//! ground points has their mean height, exactly.
//!
//! Points stream through a file at a time, a million at a time: memory is the grid's (12 bytes a
//! cell while summing), not the cloud's. The CRS is the files' own (a GeoTIFF-keys or WKT record
//! naming an EPSG code) or `--crs`; files without one need `--crs`.
use std::path::{Path, PathBuf};

use city_core::{AxisOrder, Crs};

use crate::{Dem, ImportError};

/// What a DTM was made of.
#[derive(Debug, Clone, Default)]
pub struct DtmStats {
    /// Points read.
    pub points: u64,
    /// Ground points (class 2) among them.
    pub ground_points: u64,
    /// Cells holding ground points.
    pub cells_measured: usize,
    /// Cells filled from their neighbours.
    pub cells_filled: usize,
    /// Per cell (row by row from the north), whether ground points fell in it.
    pub measured: Vec<bool>,
}

/// Points read per batch.
const BATCH: u64 = 1 << 20;

/// The EPSG code a LAS file's CRS records name, if any.
fn epsg_of(header: &las::Header) -> Option<u32> {
    if let Ok(Some(tiff)) = header.get_geotiff_crs()
        && let Some(k) = tiff.get_projected_crs_geo_key_value().or(tiff.get_geodetic_crs_geo_key_value())
        && (1024..32767).contains(&k)
    {
        return Some(u32::from(k));
    }
    // WKT: the last AUTHORITY["EPSG","n"] (or ID["EPSG",n]) is the whole CRS's.
    let wkt = String::from_utf8_lossy(header.get_wkt_crs_bytes()?).into_owned();
    let at = wkt.rfind("\"EPSG\"")?;
    let digits: String =
        wkt[at + 6..].chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The DTM of the ground points of `files` at `cell_m` metres (CRS units); `crs` is used when
/// the files declare none.
pub fn dtm_from_point_clouds(
    files: &[PathBuf],
    crs: Option<&Crs>,
    cell_m: f64,
) -> Result<(Dem, DtmStats), ImportError> {
    let first = files.first().ok_or_else(|| ImportError::Format {
        file: PathBuf::from("(no file)"),
        reason: "no point cloud given".into(),
    })?;
    let las_err = |file: &Path, e: las::Error| ImportError::Format { file: file.to_owned(), reason: e.to_string() };
    if !(cell_m.is_finite() && cell_m > 0.0) {
        return Err(ImportError::Format { file: first.clone(), reason: format!("cell size {cell_m}: not a size") });
    }
    // The extent and CRS from the headers.
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    let mut own: Option<u32> = None;
    for f in files {
        let reader = las::Reader::from_path(f).map_err(|e| las_err(f, e))?;
        let h = reader.header();
        let b = h.bounds();
        let code = epsg_of(h);
        match (code, own) {
            (Some(a), Some(b)) if a != b => {
                return Err(ImportError::Format {
                    file: f.clone(),
                    reason: format!("EPSG:{a}, where {} is EPSG:{b}: give clouds in one CRS", first.display()),
                });
            }
            (Some(a), _) => own = Some(a),
            _ => {}
        }
        if h.number_of_points() == 0 {
            continue;
        }
        if ![b.min.x, b.min.y, b.max.x, b.max.y].iter().all(|v| v.is_finite()) || b.min.x > b.max.x || b.min.y > b.max.y
        {
            return Err(ImportError::Format { file: f.clone(), reason: format!("header bounds {b:?} are not a box") });
        }
        (lo[0], lo[1], hi[0], hi[1]) = (lo[0].min(b.min.x), lo[1].min(b.min.y), hi[0].max(b.max.x), hi[1].max(b.max.y));
    }
    if !lo[0].is_finite() {
        return Err(ImportError::Format { file: first.clone(), reason: "no points".into() });
    }
    let crs = match (crs, own) {
        (Some(c), _) => c.clone(),
        (None, Some(code)) => Crs::from_epsg(code)
            .map_err(|e| ImportError::Format { file: first.clone(), reason: format!("its CRS EPSG:{code}: {e}") })?,
        (None, None) => return Err(ImportError::NoCrs { file: first.clone() }),
    }
    .with_axis_order(AxisOrder::EastNorth);
    let x0 = (lo[0] / cell_m).floor() * cell_m;
    let y1 = (hi[1] / cell_m).ceil() * cell_m;
    let width = (((hi[0] - x0) / cell_m).ceil() as usize).max(1);
    let height = (((y1 - lo[1]) / cell_m).ceil() as usize).max(1);
    if width.saturating_mul(height) > 1 << 29 {
        return Err(ImportError::Format {
            file: first.clone(),
            reason: format!("{width} x {height} cells of {cell_m} m: too large a grid; give a larger --cell"),
        });
    }

    // Sum and count the ground points per cell.
    let mut sum = vec![0.0f64; width * height];
    let mut count = vec![0u32; width * height];
    let mut stats = DtmStats::default();
    for f in files {
        let mut reader = las::Reader::from_path(f).map_err(|e| las_err(f, e))?;
        loop {
            let batch = reader.read_points(BATCH).map_err(|e| las_err(f, e))?;
            if batch.is_empty() {
                break;
            }
            stats.points += batch.len() as u64;
            for (((x, y), z), class) in batch.x().zip(batch.y()).zip(batch.z()).zip(batch.classification()) {
                if class != 2 || !(x.is_finite() && y.is_finite() && z.is_finite()) {
                    continue;
                }
                let col = ((x - x0) / cell_m).floor();
                let row = ((y1 - y) / cell_m).floor();
                if col < 0.0 || row < 0.0 {
                    continue;
                }
                let (col, row) = ((col as usize).min(width - 1), (row as usize).min(height - 1));
                sum[row * width + col] += z;
                count[row * width + col] += 1;
                stats.ground_points += 1;
            }
        }
    }
    let mut heights: Vec<f32> =
        sum.iter().zip(&count).map(|(&s, &n)| if n > 0 { (s / f64::from(n)) as f32 } else { f32::NAN }).collect();
    drop(sum);
    drop(count);
    stats.measured = heights.iter().map(|h| h.is_finite()).collect();
    stats.cells_measured = stats.measured.iter().filter(|&&m| m).count();
    if stats.cells_measured == 0 {
        return Err(ImportError::Format {
            file: first.clone(),
            reason: format!("{} points, none classified ground (class 2): no terrain to make", stats.points),
        });
    }
    stats.cells_filled = fill_holes(&mut heights, width, height);
    let dem = Dem {
        file: first.clone(),
        width,
        height,
        origin: [x0 + cell_m / 2.0, y1 - cell_m / 2.0],
        step: [cell_m, -cell_m],
        crs: Some(crs),
        heights,
    };
    Ok((dem, stats))
}

/// Fills the cells without a height, ring by ring from the edges of the holes inwards: each
/// takes the mean of its measured or already filled 8 neighbours. Returns the cells filled.
fn fill_holes(heights: &mut [f32], width: usize, height: usize) -> usize {
    let mut filled = 0;
    let mut todo: Vec<usize> = (0..heights.len()).filter(|&i| !heights[i].is_finite()).collect();
    while !todo.is_empty() {
        let mut next = Vec::new();
        let mut values = Vec::new();
        for &i in &todo {
            let (c, r) = ((i % width) as i64, (i / width) as i64);
            let (mut s, mut n) = (0.0f64, 0u32);
            for dr in -1..=1 {
                for dc in -1..=1 {
                    let (cc, rr) = (c + dc, r + dr);
                    if (dc, dr) != (0, 0) && cc >= 0 && rr >= 0 && (cc as usize) < width && (rr as usize) < height {
                        let v = heights[rr as usize * width + cc as usize];
                        if v.is_finite() {
                            s += f64::from(v);
                            n += 1;
                        }
                    }
                }
            }
            if n > 0 {
                values.push((i, (s / f64::from(n)) as f32));
            } else {
                next.push(i);
            }
        }
        if values.is_empty() {
            break; // nothing measured anywhere near: leave the rest empty
        }
        filled += values.len();
        for (i, v) in values {
            heights[i] = v;
        }
        todo = next;
    }
    filled
}

/// Whether `path` names a LAS or LAZ point cloud (by its extension).
pub fn is_point_cloud(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("las") || e.eq_ignore_ascii_case("laz"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_fill_from_their_edges_inwards() {
        // 5 x 1: measured at both ends, three empty between.
        let mut h = vec![1.0, f32::NAN, f32::NAN, f32::NAN, 5.0];
        assert_eq!(fill_holes(&mut h, 5, 1), 3);
        assert_eq!(h[1], 1.0, "its only measured neighbour");
        assert_eq!(h[3], 5.0);
        assert_eq!(h[2], 3.0, "the mean of the two filled beside it");
        let mut none = vec![f32::NAN; 4];
        assert_eq!(fill_holes(&mut none, 2, 2), 0, "nothing to fill from");
    }
}
