//! A terrain tileset from a DEM: a quadtree of glTF meshes. A tile at level `l` of `L` covers
//! `grid * 2^(L-1-l)` pixels a side and is meshed from every `2^(L-1-l)`-th pixel, so each level
//! halves the sample spacing until the leaves use every pixel. Where a tile's samples all have a
//! height, its mesh is a TIN (`terrain_tin.rs`) within a target error that halves with each
//! level (`max_error` at the leaves): few triangles where the ground is flat. Where some are
//! missing, it is the regular grid of its samples, without the triangles touching a hole.
//!
//! A tile's `geometricError` is the real height error of its mesh: the largest difference, in
//! metres, between the mesh and the source surface (the DEM interpolated bilinearly between
//! pixel centres, as GDAL samples it), measured at every pixel centre and every pixel cell's
//! centre the mesh covers. Even a full-resolution mesh differs from the bilinear surface inside a
//! cell (a triangle is flat where the bilinear patch is curved), so no error is 0. A parent's
//! error is never below its children's.
//!
//! Cracks between neighbours (their border vertices differ) are hidden by skirts: each tile's
//! border hangs down by twice its parent's error plus half a metre.
//!
//! Tiles are meshed and measured on every core; the tileset is built beside the output folder
//! and moved into place whole.
use std::path::Path;
use std::time::Instant;

use city_core::{Crs, EnuFrame, Geodetic, Vec3};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

use crate::geo_grid::GeoGrid;
use crate::glb::{Column, PropertyTable, TexturedPart, TileMesh, write_glb};
use crate::imagery::{Imagery, ImageryProblems};
use crate::output_folder::{build_in_place, io};
use crate::terrain_drape::{Drape, TEXTURE_SIZE};
use crate::terrain_tin::{Plane, ceil, floor, scan_rows};
use crate::{Dem, ImportError, Progress};

/// The ground's colour (linear RGBA): sRGB (150, 160, 120), a map's muted olive.
pub const GROUND_COLOR: [f32; 4] = [0.305, 0.352, 0.188, 1.0];

/// How to tile a DEM.
#[derive(Debug, Clone, Copy)]
pub struct TerrainOptions {
    /// Sample spacings along a tile's side (a tile holds at most 2 x grid^2 triangles and its
    /// skirts).
    pub grid: usize,
    /// The leaves' target error at the pixels, in height units (metres); each level up doubles
    /// it. 0 keeps every pixel (regular grids, no TIN).
    pub max_error: f64,
    /// Pixels a side of the blocks a DEM larger than one is read and tiled in
    /// (`terrain_blocks.rs`): 4,096 holds 67 MB of heights a block.
    pub block: usize,
}

impl Default for TerrainOptions {
    fn default() -> Self {
        Self { grid: 64, max_error: 0.1, block: 4096 }
    }
}

/// What a terrain import wrote.
#[derive(Debug, Clone, Default)]
pub struct TerrainSummary {
    /// Pixels with a height.
    pub pixels: usize,
    /// Tiles written.
    pub tiles: usize,
    /// Levels of the quadtree.
    pub levels: usize,
    /// Triangles in the leaves (full resolution), skirts not counted.
    pub leaf_triangles: usize,
    /// Triangles in all tiles, skirts not counted.
    pub triangles: usize,
    /// The root's geometric error, metres.
    pub root_error_m: f64,
    /// The leaves' largest geometric error, metres.
    pub leaf_error_m: f64,
    /// GLB bytes written.
    pub glb_bytes: usize,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Imagery tiles read (tiled sources).
    pub imagery_tiles: usize,
    /// What the user should know (imagery that could not be read).
    pub warnings: Vec<String>,
}

/// A tile of the quadtree: its pixel window, and once meshed its triangles and error.
#[derive(Debug, Clone)]
pub(crate) struct Tile {
    pub level: usize,
    pub x: usize,
    pub y: usize,
    /// Sample columns and rows (pixel indices, ascending; the last is the window's edge).
    pub cols: Vec<usize>,
    pub rows: Vec<usize>,
    /// Vertices as pixel (column, row), their heights, and triangles as three vertex numbers
    /// each.
    pub vertices: Vec<[usize; 2]>,
    pub z: Vec<f64>,
    pub triangles: Vec<u32>,
    /// Height error of this tile's mesh alone, metres.
    pub own_error: f64,
    /// Its geometric error: its own, or its descendants' when larger.
    pub error: f64,
}

impl Tile {
    fn new(level: usize, x: usize, y: usize, cols: Vec<usize>, rows: Vec<usize>) -> Self {
        Self {
            level,
            x,
            y,
            cols,
            rows,
            vertices: Vec::new(),
            z: Vec::new(),
            triangles: Vec::new(),
            own_error: 0.0,
            error: 0.0,
        }
    }

    /// Whether it samples every pixel of its window (a leaf of its quadtree).
    fn every_pixel(&self) -> bool {
        self.cols.windows(2).all(|w| w[1] - w[0] == 1) && self.rows.windows(2).all(|w| w[1] - w[0] == 1)
    }
}

/// How a tile's pixel positions map onto the raster its error is measured on: `p - offset` (a
/// top tile measured on one block of the full raster).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub offset: [f64; 2],
}

impl Place {
    pub const SAME: Self = Self { offset: [0.0, 0.0] };

    fn at(&self, v: [usize; 2]) -> [f64; 2] {
        [v[0] as f64 - self.offset[0], v[1] as f64 - self.offset[1]]
    }
}

/// Pixel indices from `start` by `step` up to `end` (inclusive, clamped to `last`), `end` always
/// included.
fn lines(start: usize, step: usize, end: usize, last: usize) -> Vec<usize> {
    let end = end.min(last);
    if start > end {
        return Vec::new();
    }
    let mut v: Vec<usize> = (start..end).step_by(step).collect();
    v.push(end);
    v
}

/// Meshes tile `t`: a TIN of its samples within `target` when they all have a height, else the
/// grid of its samples without the triangles touching a hole.
fn mesh_tile(height: &(dyn Fn(usize, usize) -> f32 + Sync), t: &mut Tile, target: f64) -> Option<f64> {
    let (nc, nr) = (t.cols.len(), t.rows.len());
    let samples: Vec<f32> =
        t.rows.iter().flat_map(|&r| t.cols.iter().map(move |&c| (c, r))).map(|(c, r)| height(c, r)).collect();
    if target > 0.0 && samples.iter().all(|h| h.is_finite()) {
        let tin = crate::tin(&crate::HeightGrid { width: nc, height: nr, heights: &samples }, target);
        t.vertices = tin.vertices.iter().map(|v| [t.cols[v[0] as usize], t.rows[v[1] as usize]]).collect();
        t.z = tin.vertices.iter().map(|v| f64::from(samples[v[1] as usize * nc + v[0] as usize])).collect();
        t.triangles = tin.triangles;
        return Some(tin.max_error);
    }
    t.vertices = t.rows.iter().flat_map(|&r| t.cols.iter().map(move |&c| [c, r])).collect();
    t.z = samples.iter().map(|&h| f64::from(h)).collect();
    let ok = |i: usize, j: usize| samples[j * nc + i].is_finite();
    let id = |i: usize, j: usize| (j * nc + i) as u32;
    for j in 0..nr - 1 {
        for i in 0..nc - 1 {
            if ok(i, j) && ok(i + 1, j) && ok(i + 1, j + 1) {
                t.triangles.extend([id(i, j), id(i + 1, j + 1), id(i + 1, j)]);
            }
            if ok(i, j) && ok(i + 1, j + 1) && ok(i, j + 1) {
                t.triangles.extend([id(i, j), id(i, j + 1), id(i + 1, j + 1)]);
            }
        }
    }
    None
}

/// The largest difference between the tile's mesh and the bilinear source surface anywhere on
/// the mesh. Inside one pixel cell the difference between a triangle's plane and the bilinear
/// patch is `A + Bx + Cy + Dxy`: a saddle with no extremum inside, linear along the cell's edges,
/// quadratic along the triangle's. So its extremes are at pixel centres inside the triangle and
/// on the triangle's edges, where each piece between two grid lines is a quadratic whose peak is
/// found exactly ([`edge_error`]).
///
/// `dem` may be one block of the raster (`place` maps the tile's pixels onto it): then only the
/// part of the mesh over the block is measured, pixel rows and cells outside it left to the
/// blocks that hold them.
pub(crate) fn measure(dem: &Dem, t: &Tile, place: Place, pixel_error: Option<f64>) -> f64 {
    let mut worst = pixel_error.unwrap_or(0.0);
    let mut scratch = Vec::new();
    let (c0, c1, r0, r1) = (t.cols[0], t.cols[t.cols.len() - 1], t.rows[0], t.rows[t.rows.len() - 1]);
    let on_border = |p: [usize; 2], q: [usize; 2]| {
        (p[0] == q[0] && (p[0] == c0 || p[0] == c1)) || (p[1] == q[1] && (p[1] == r0 || p[1] == r1))
    };
    let (w, h) = (dem.width as i64, dem.height as i64);
    for tri in t.triangles.chunks_exact(3) {
        let (za, zb, zc) = (t.z[tri[0] as usize], t.z[tri[1] as usize], t.z[tri[2] as usize]);
        if !(za.is_finite() && zb.is_finite() && zc.is_finite()) {
            continue;
        }
        let at = |k: usize| place.at(t.vertices[tri[k] as usize]);
        let p = [at(0), at(1), at(2)];
        if pixel_error.is_none() {
            let plane = Plane::through([[p[0][0], p[0][1], za], [p[1][0], p[1][1], zb], [p[2][0], p[2][1], zc]]);
            scan_rows(p, |y, x0, x1| {
                let (x0, x1) = (x0.max(0), x1.min(w - 1));
                if y < 0 || y >= h || x0 > x1 {
                    return;
                }
                let row = &dem.heights[y as usize * dem.width..][..dem.width];
                let mut z = plane.at(x0 as f64, y as f64);
                for &h in &row[x0 as usize..=x1 as usize] {
                    if h.is_finite() {
                        worst = worst.max((z - f64::from(h)).abs());
                    }
                    z += plane.gx;
                }
            });
        }
        // Each inner edge once (two triangles share it, one each way round), border edges too.
        // Where the pixel centres were measured, an edge along a row or a column needs no more:
        // the bilinear surface along it is linear between the pixel centres it passes, so the
        // difference peaks at those centres (on rough ground, most edges of a leaf).
        let z = [za, zb, zc];
        for k in 0..3 {
            let (i, j) = (k, (k + 1) % 3);
            let (vi, vj) = (t.vertices[tri[i] as usize], t.vertices[tri[j] as usize]);
            if pixel_error.is_some() && (vi[0] == vj[0] || vi[1] == vj[1]) {
                continue;
            }
            if tri[i] < tri[j] || on_border(vi, vj) {
                worst = worst.max(edge_error(dem, p[i], p[j], z[i], z[j], &mut scratch));
            }
        }
    }
    worst
}

/// The largest difference along the mesh edge from `a` to `b` (pixel positions, heights `za`,
/// `zb`) and the bilinear surface. The grid lines cut the edge into pieces, each inside one
/// pixel cell, where the difference is a quadratic of the position whose second-order term is
/// the cell's twist (`h00 - h10 - h01 + h11`) times the piece's extents: so its ends and the
/// cell give its peak exactly. `ts` is scratch space.
fn edge_error(dem: &Dem, a: [f64; 2], b: [f64; 2], za: f64, zb: f64, ts: &mut Vec<f64>) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    // Where the edge crosses the grid lines, in t (0 at a, 1 at b), merged in order.
    ts.clear();
    let crossings = |k: usize, out: &mut Vec<f64>| {
        let (lo, hi) = (a[k].min(b[k]), a[k].max(b[k]));
        let d = b[k] - a[k];
        let lines = (floor(lo) + 1)..=(ceil(hi) - 1);
        if d > 0.0 {
            out.extend(lines.map(|l| (l as f64 - a[k]) / d));
        } else {
            out.extend(lines.rev().map(|l| (l as f64 - a[k]) / d));
        }
    };
    ts.push(0.0);
    crossings(0, ts);
    let split = ts.len();
    crossings(1, ts);
    ts.push(1.0);
    // Both runs are ascending; interleave them when both have crossings.
    if split > 1 && ts.len() > split + 1 {
        ts.sort_by(f64::total_cmp);
    }
    let mut worst = 0.0f64;
    let (wmax, hmax) = (dem.width.saturating_sub(2), dem.height.saturating_sub(2));
    for w in ts.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        if t1 - t0 < 1e-12 {
            continue;
        }
        // The piece's cell, from its middle.
        let tm = (t0 + t1) / 2.0;
        let (xm, ym) = (a[0] + tm * dx, a[1] + tm * dy);
        // Outside this raster (a block's neighbour holds it): not measured here.
        if xm < 0.0 || ym < 0.0 || xm > (dem.width - 1) as f64 || ym > (dem.height - 1) as f64 {
            continue;
        }
        let (c, r) = ((xm as usize).min(wmax), (ym as usize).min(hmax));
        let (Some(h00), Some(h10), Some(h01), Some(h11)) =
            (dem.at(c, r), dem.at(c + 1, r), dem.at(c, r + 1), dem.at(c + 1, r + 1))
        else {
            continue;
        };
        let diff = |t: f64| {
            let (u, v) = (a[0] + t * dx - c as f64, a[1] + t * dy - r as f64);
            let s = (h00 * (1.0 - u) + h10 * u) * (1.0 - v) + (h01 * (1.0 - u) + h11 * u) * v;
            za + t * (zb - za) - s
        };
        let (d0, d1) = (diff(t0), diff(t1));
        worst = worst.max(d0.abs()).max(d1.abs());
        // d(s) = d0 + beta s + gamma s^2 over the piece, s from 0 to 1.
        let gamma = -(h00 - h10 - h01 + h11) * (t1 - t0) * dx * (t1 - t0) * dy;
        if gamma != 0.0 {
            let beta = d1 - d0 - gamma;
            let s = -beta / (2.0 * gamma);
            if s > 0.0 && s < 1.0 {
                worst = worst.max((d0 + beta * s + gamma * s * s).abs());
            }
        }
    }
    worst
}

/// Levels of a quadtree of `grid` cells a tile side whose leaves' cells are single pixels of a
/// raster `cells` pixel spacings across.
pub(crate) fn levels_for(cells: usize, grid: usize) -> usize {
    let mut levels = 1;
    while grid << (levels - 1) < cells {
        levels += 1;
    }
    levels
}

/// A quadtree of meshed tiles over one raster (the whole DEM, one block of it, or the top levels
/// over a decimated copy), with where each tile is in its level's list.
pub(crate) struct Quadtree {
    pub tiles: Vec<Vec<Tile>>,
    pub index: Vec<FxHashMap<(usize, usize), usize>>,
}

impl Quadtree {
    /// The `levels` levels of tiles of `grid` cells over `dem` that hold part of it, meshed
    /// within `leaf_target` at the last level, twice that each level up, and measured on it.
    pub(crate) fn build(dem: &Dem, grid: usize, levels: usize, leaf_target: f64) -> Self {
        let height = |c: usize, r: usize| dem.heights[r * dem.width + c];
        let mut tree = Self::mesh((dem.width, dem.height), &height, grid, 1, levels, leaf_target);
        tree.tiles.par_iter_mut().flatten().for_each(|t| {
            // A TIN of every pixel knows its largest error at the pixels already.
            t.own_error = measure(dem, t, Place::SAME, Some(t.own_error).filter(|_| t.every_pixel()));
        });
        tree
    }

    /// The tiles of `levels` levels over a raster of `size` pixels whose leaves sample every
    /// `stride`-th pixel, meshed from `height` (errors at their samples kept in `own_error`,
    /// not measured between them).
    pub(crate) fn mesh(
        size: (usize, usize),
        height: &(dyn Fn(usize, usize) -> f32 + Sync),
        grid: usize,
        stride: usize,
        levels: usize,
        leaf_target: f64,
    ) -> Self {
        let mut tiles: Vec<Vec<Tile>> = Vec::with_capacity(levels);
        for level in 0..levels {
            let step = stride << (levels - 1 - level);
            let span = grid * step;
            let n = 1usize << level;
            let mut row = Vec::new();
            for y in 0..n {
                for x in 0..n {
                    let cols = lines(x * span, step, (x + 1) * span, size.0 - 1);
                    let rows = lines(y * span, step, (y + 1) * span, size.1 - 1);
                    if cols.len() >= 2 && rows.len() >= 2 {
                        row.push(Tile::new(level, x, y, cols, rows));
                    }
                }
            }
            tiles.push(row);
        }
        tiles.par_iter_mut().flatten().for_each(|t| {
            let target = leaf_target * f64::from(1u32 << (levels - 1 - t.level).min(31));
            t.own_error = mesh_tile(height, t, target).unwrap_or(0.0);
        });
        let index = tiles.iter().map(|l| l.iter().enumerate().map(|(i, t)| ((t.x, t.y), i)).collect()).collect();
        Self { tiles, index }
    }

    /// Each tile's error: its own, or its children's when larger; below the last level,
    /// `below` gives the children's (the blocks' roots, for the top levels).
    pub(crate) fn propagate(&mut self, below: &FxHashMap<(usize, usize), f64>) {
        let levels = self.tiles.len();
        for level in (0..levels).rev() {
            for i in 0..self.tiles[level].len() {
                let (x, y) = (self.tiles[level][i].x, self.tiles[level][i].y);
                let children = children_of(x, y)
                    .iter()
                    .filter_map(|k| match self.index.get(level + 1) {
                        Some(m) => m.get(k).map(|&c| self.tiles[level + 1][c].error),
                        None => below.get(k).copied(),
                    })
                    .fold(0.0, f64::max);
                self.tiles[level][i].error = self.tiles[level][i].own_error.max(children);
            }
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.tiles.iter().map(Vec::len).sum()
    }
}

/// Checks a DEM can be meshed and returns its CRS.
pub(crate) fn check_meshable(dem: &Dem, pixels: usize) -> Result<Crs, ImportError> {
    let crs = dem.crs.clone().ok_or_else(|| ImportError::NoCrs { file: dem.file.clone() })?;
    if dem.width < 2 || dem.height < 2 || pixels == 0 {
        return Err(ImportError::Format {
            file: dem.file.clone(),
            reason: format!("{} x {} pixels, {pixels} with a height: nothing to mesh", dem.width, dem.height),
        });
    }
    Ok(crs)
}

/// The ENU frame the tileset is placed in: at the raster's centre, on the ellipsoid.
pub(crate) fn frame_at_centre(dem: &Dem, crs: &Crs, width: usize, height: usize) -> Result<EnuFrame, ImportError> {
    let centre = dem.coords((width - 1) as f64 / 2.0, (height - 1) as f64 / 2.0);
    let g = crs.to_geodetic([centre[0], centre[1], 0.0]).map_err(|e| ImportError::Format {
        file: dem.file.clone(),
        reason: format!("the raster's centre {centre:?} in {}: {e}", crs.epsg()),
    })?;
    Ok(EnuFrame::at(Geodetic { height_m: 0.0, ..g }))
}

/// Writes `tileset.json` with `root` (placed by the frame at the root's origin) into `tmp`.
pub(crate) fn write_tileset_json(
    tmp: &Path,
    root: Value,
    stats: &Written,
    frame: &EnuFrame,
    drape: Option<&Drape<'_>>,
) -> Result<(), ImportError> {
    let mut root = root;
    let mut m = frame.ecef_from_enu_matrix();
    m[12..15].copy_from_slice(&frame.ecef_from_enu(stats.origin));
    root["transform"] = json!(m);
    let diagonal = 2.0 * stats.half.iter().map(|h| h * h).sum::<f64>().sqrt();
    let mut asset = json!({"version": "1.1", "generator": "CityTwin cim-import (terrain)"});
    if let Some(d) = drape {
        let sources: Vec<&str> = d.layers.iter().map(|l| l.name()).collect();
        asset["extras"] = json!({"imagery": {"sources": sources, "attribution": d.attribution()}});
    }
    let tileset = json!({"asset": asset, "geometricError": diagonal.max(stats.error * 2.0), "root": root});
    let path = tmp.join("tileset.json");
    std::fs::write(&path, serde_json::to_string_pretty(&tileset).unwrap_or_default()).map_err(io(&path))
}

/// Writes the terrain tileset of `dem` into `out_dir` (replaced only when it is empty or an
/// earlier tileset), the whole raster in memory.
pub fn write_terrain(
    dem: &Dem,
    out_dir: &Path,
    opts: &TerrainOptions,
    imagery: &[Box<dyn Imagery>],
    progress: &dyn Progress,
) -> Result<TerrainSummary, ImportError> {
    let drape = Drape { layers: imagery, problems: ImageryProblems::default() };
    let drape = (!imagery.is_empty()).then_some(&drape);
    let start = Instant::now();
    let crs = check_meshable(dem, dem.valid_pixels())?;
    let grid = opts.grid.max(2);
    // Levels: the root's cells are 2^(levels-1) pixels, the leaves' one pixel.
    let levels = levels_for((dem.width - 1).max(dem.height - 1), grid);
    let mut tree = Quadtree::build(dem, grid, levels, opts.max_error);
    tree.propagate(&FxHashMap::default());
    let total = tree.count();
    let frame = frame_at_centre(dem, &crs, dem.width, dem.height)?;

    let written = std::sync::atomic::AtomicU64::new(0);
    let tick = || {
        let done = written.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress.tiling(done, total as u64);
    };
    let mut summary = build_in_place(out_dir, |tmp| {
        let writer = Tree::new(dem, &crs, &frame, &tree, drape, Offset::ROOT);
        writer.folders(tmp)?;
        let (root, stats) = writer.write(tmp, 0, 0, 0, None, [0.0; 3], &tick)?;
        let root = root
            .ok_or_else(|| ImportError::Format { file: dem.file.clone(), reason: "no tile holds a height".into() })?;
        write_tileset_json(tmp, root, &stats, &frame, drape)?;
        Ok(stats)
    })
    .map(|stats| TerrainSummary {
        glb_bytes: stats.bytes,
        triangles: stats.triangles,
        root_error_m: stats.error,
        ..Default::default()
    })?;
    summary.pixels = dem.valid_pixels();
    summary.tiles = total;
    summary.levels = levels;
    let leaves = &tree.tiles[levels - 1];
    summary.leaf_error_m = leaves.iter().map(|t| t.own_error).fold(0.0, f64::max);
    summary.leaf_triangles = leaves.iter().map(|t| t.triangles.len() / 3).sum();
    summary.seconds = start.elapsed().as_secs_f64();
    finish(&mut summary, drape);
    Ok(summary)
}

/// Imagery's counts and warnings into the summary.
pub(crate) fn finish(summary: &mut TerrainSummary, drape: Option<&Drape<'_>>) {
    if let Some(d) = drape {
        summary.imagery_tiles = d.problems.ok.load(std::sync::atomic::Ordering::Relaxed);
        summary.warnings.extend(d.problems.summary());
    }
}

/// What a subtree wrote: its origin (where its transform puts it) and box (centre and half sizes)
/// in the frame, error, triangles, bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Written {
    pub origin: Vec3,
    pub centre: Vec3,
    pub half: Vec3,
    pub error: f64,
    pub triangles: usize,
    pub bytes: usize,
}

/// Where a quadtree's tiles are in the whole tileset: its root's level and position there
/// (a block's), and how its pixels map onto the full raster's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offset {
    pub level: usize,
    pub x: usize,
    pub y: usize,
}

impl Offset {
    pub const ROOT: Self = Self { level: 0, x: 0, y: 0 };
}

/// A written subtree whose root stands in for a tile of the tree above it (a block under the
/// top levels): its tile JSON (without a transform) and what it wrote.
pub(crate) struct Grafted {
    pub json: Value,
    pub written: Written,
}

/// Writes a quadtree's tiles.
pub(crate) struct Tree<'a> {
    dem: &'a Dem,
    crs: &'a Crs,
    frame: &'a EnuFrame,
    tree: &'a Quadtree,
    drape: Option<&'a Drape<'a>>,
    at: Offset,
    /// Below the last level: the subtrees grafted there, by position.
    pub grafted: Option<&'a FxHashMap<(usize, usize), Grafted>>,
}

/// The four children of tile (x, y), in the next level's numbering.
pub(crate) fn children_of(x: usize, y: usize) -> [(usize, usize); 4] {
    [(2 * x, 2 * y), (2 * x + 1, 2 * y), (2 * x, 2 * y + 1), (2 * x + 1, 2 * y + 1)]
}

impl<'a> Tree<'a> {
    pub(crate) fn new(
        dem: &'a Dem,
        crs: &'a Crs,
        frame: &'a EnuFrame,
        tree: &'a Quadtree,
        drape: Option<&'a Drape<'a>>,
        at: Offset,
    ) -> Self {
        Self { dem, crs, frame, tree, drape, at, grafted: None }
    }

    /// A tile's path in the tileset: level, x, y of the whole tileset.
    fn uri(&self, t: &Tile) -> String {
        let (level, x, y) = (self.at.level + t.level, (self.at.x << t.level) + t.x, (self.at.y << t.level) + t.y);
        format!("tiles/{level}/{x}/{y}.glb")
    }

    /// The folders its tiles go into.
    pub(crate) fn folders(&self, tmp: &Path) -> Result<(), ImportError> {
        for t in self.tree.tiles.iter().flatten() {
            let uri = self.uri(t);
            let dir = tmp.join(&uri[..uri.rfind('/').unwrap_or(0)]);
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
        Ok(())
    }

    /// Writes tile (level, x, y) and its subtree; returns its JSON (with its transform relative
    /// to `parent_centre`) and what it wrote. `parent_error`: the skirt's depth comes from it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write(
        &self,
        tmp: &Path,
        level: usize,
        x: usize,
        y: usize,
        parent_error: Option<f64>,
        parent_centre: Vec3,
        tick: &(dyn Fn() + Sync),
    ) -> Result<(Option<Value>, Written), ImportError> {
        let Some(&i) = self.tree.index.get(level).and_then(|m| m.get(&(x, y))) else {
            return Ok((None, Written::default()));
        };
        let t = &self.tree.tiles[level][i];
        let error = t.error;
        let skirt = 2.0 * parent_error.unwrap_or(error) + 0.5;
        let (glb, lo, hi, centre, triangles) = self.mesh(t, skirt)?;
        // Draped, a tile is as coarse as its texels too: the error is at least a texel's width,
        // so viewers refine where the imagery would blur, as they do where the heights would.
        let declared = match self.drape {
            Some(_) => error.max((hi[0] - lo[0]).max(hi[1] - lo[1]) / TEXTURE_SIZE as f64),
            None => error,
        };
        let boxed: Vec3 = std::array::from_fn(|a| (lo[a] + hi[a]) / 2.0);
        let half: Vec3 = std::array::from_fn(|a| ((hi[a] - lo[a]) / 2.0).max(0.01));
        let uri = self.uri(t);
        let path = tmp.join(&uri);
        std::fs::write(&path, &glb).map_err(io(&path))?;
        tick();
        let mut written = Written { origin: centre, centre: boxed, half, error: declared, triangles, bytes: glb.len() };
        let last = level + 1 == self.tree.tiles.len();
        let results: Vec<Result<(Option<Value>, Written), ImportError>> = match (last, self.grafted) {
            (false, _) => children_of(x, y)
                .par_iter()
                .map(|&(cx, cy)| self.write(tmp, level + 1, cx, cy, Some(error), centre, tick))
                .collect(),
            // The subtrees below the last level, already written: placed under this tile.
            (true, Some(grafted)) => children_of(x, y)
                .iter()
                .filter_map(|k| grafted.get(k))
                .map(|g| {
                    let mut json = g.json.clone();
                    let mut m = IDENTITY;
                    for a in 0..3 {
                        m[12 + a] = g.written.origin[a] - centre[a];
                    }
                    json["transform"] = json!(m);
                    Ok((Some(json), g.written))
                })
                .collect(),
            (true, None) => Vec::new(),
        };
        let mut children = Vec::new();
        let (mut blo, mut bhi) = (lo, hi);
        for r in results {
            let (json, w) = r?;
            if let Some(json) = json {
                children.push(json);
                written.triangles += w.triangles;
                written.bytes += w.bytes;
                for a in 0..3 {
                    blo[a] = blo[a].min(w.centre[a] - w.half[a]);
                    bhi[a] = bhi[a].max(w.centre[a] + w.half[a]);
                }
            }
        }
        // The box holds the children too (their skirts may hang lower).
        let bcentre: Vec3 = std::array::from_fn(|a| (blo[a] + bhi[a]) / 2.0 - centre[a]);
        let bhalf: Vec3 = std::array::from_fn(|a| ((bhi[a] - blo[a]) / 2.0).max(0.01));
        let mut translate = IDENTITY;
        for a in 0..3 {
            translate[12 + a] = centre[a] - parent_centre[a];
        }
        let mut tile = json!({
            "transform": translate,
            "boundingVolume": {"box": [
                bcentre[0], bcentre[1], bcentre[2],
                bhalf[0], 0.0, 0.0, 0.0, bhalf[1], 0.0, 0.0, 0.0, bhalf[2]]},
            "geometricError": declared,
            "refine": "REPLACE",
            "content": {"uri": uri},
        });
        if !children.is_empty() {
            tile["children"] = json!(children);
        }
        written.half = bhalf;
        written.centre = std::array::from_fn(|a| bcentre[a] + centre[a]);
        Ok((Some(tile), written))
    }

    /// The tile's vertices in the frame (ENU, f64).
    /// Through a grid of exact transforms (`geo_grid.rs`) where that takes fewer transforms
    /// than the vertices; vertex by vertex otherwise.
    fn enu(&self, t: &Tile) -> Result<Vec<Vec3>, ImportError> {
        let from = [t.cols[0] as f64, t.rows[0] as f64];
        let to = [t.cols[t.cols.len() - 1] as f64, t.rows[t.rows.len() - 1] as f64];
        let n = GeoGrid::nodes_for(self.dem, self.crs, from, to);
        let grid = if n * n < t.vertices.len() { Some(GeoGrid::new(self.dem, self.crs, from, to, n)?) } else { None };
        t.vertices
            .iter()
            .zip(&t.z)
            .map(|(&[c, r], &h)| {
                let h = if h.is_finite() { h } else { 0.0 };
                let ecef = match &grid {
                    Some(g) => g.ecef(c as f64, r as f64, h),
                    None => {
                        let [x, y] = self.dem.coords(c as f64, r as f64);
                        self.crs.to_ecef([x, y, h]).map_err(|e| ImportError::Format {
                            file: self.dem.file.clone(),
                            reason: format!("pixel ({c}, {r}) at ({x}, {y}): {e}"),
                        })?
                    }
                };
                Ok(self.frame.enu_from_ecef(ecef))
            })
            .collect()
    }

    /// Where the tile's transform puts it: the centre of its surface's box (skirts aside, so
    /// it is known before the skirts' depth is).
    pub(crate) fn origin(&self, t: &Tile) -> Result<Vec3, ImportError> {
        Ok(surface_centre(&self.enu(t)?, &t.triangles))
    }

    /// The tile's GLB, its box in the frame (low, high corners) and its triangle count
    /// (skirts not counted).
    fn mesh(&self, t: &Tile, skirt: f64) -> Result<(Vec<u8>, Vec3, Vec3, Vec3, usize), ImportError> {
        let mut enu = self.enu(t)?;
        let origin = surface_centre(&enu, &t.triangles);
        // Texture coordinates over the tile's pixel window.
        let (c0, c1) = (t.cols[0], t.cols[t.cols.len() - 1]);
        let (r0, r1) = (t.rows[0], t.rows[t.rows.len() - 1]);
        let texture = match self.drape {
            Some(d) => d.texture(self.dem, self.crs, (c0 as f64, r0 as f64), (c1 as f64, r1 as f64))?,
            None => None,
        };
        let mut uvs: Vec<[f32; 2]> = t
            .vertices
            .iter()
            .map(|&[c, r]| [(c - c0) as f32 / (c1 - c0) as f32, (r - r0) as f32 / (r1 - r0) as f32])
            .collect();
        // Each triangle counter-clockwise seen from above (whichever way the raster runs), and
        // the normals: the sum of the faces around each vertex.
        let mut indices = t.triangles.clone();
        let mut normals = vec![[0.0f64; 3]; enu.len()];
        for tri in indices.chunks_exact_mut(3) {
            let [a, b, c] = [enu[tri[0] as usize], enu[tri[1] as usize], enu[tri[2] as usize]];
            let (u, v) = (sub(b, a), sub(c, a));
            let mut n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            if n[2] < 0.0 {
                tri.swap(1, 2);
                n = n.map(|x| -x);
            }
            for &i in tri.iter() {
                for k in 0..3 {
                    normals[i as usize][k] += n[k];
                }
            }
        }
        let triangles = indices.len() / 3;
        // Skirts: below every triangle edge on the tile's border, a wall facing out (the
        // triangle is on the edge's left, seen from above).
        let on_border = |p: [usize; 2], q: [usize; 2]| {
            (p[0] == q[0] && (p[0] == c0 || p[0] == c1)) || (p[1] == q[1] && (p[1] == r0 || p[1] == r1))
        };
        let mut walls = Vec::new();
        for tri in indices.chunks_exact(3) {
            for k in 0..3 {
                let (p, q) = (tri[k], tri[(k + 1) % 3]);
                if on_border(t.vertices[p as usize], t.vertices[q as usize]) {
                    walls.push((p, q));
                }
            }
        }
        for (p, q) in walls {
            let base = enu.len() as u32;
            for v in [p, q] {
                let e = enu[v as usize];
                enu.push([e[0], e[1], e[2] - skirt]);
                normals.push(normals[v as usize]);
                uvs.push(uvs[v as usize]);
            }
            indices.extend([p, base, q, q, base, base + 1]);
        }
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        let mut used = vec![false; enu.len()];
        indices.iter().for_each(|&i| used[i as usize] = true);
        for e in enu.iter().zip(&used).filter(|(_, u)| **u).map(|(e, _)| e) {
            for a in 0..3 {
                lo[a] = lo[a].min(e[a]);
                hi[a] = hi[a].max(e[a]);
            }
        }
        // Only the vertices a triangle uses, renumbered, relative to the surface's centre.
        let mut new_index = vec![u32::MAX; enu.len()];
        let mut mesh = TileMesh::default();
        for i in (0..enu.len()).filter(|&i| used[i]) {
            new_index[i] = mesh.positions.len() as u32;
            let d = sub(enu[i], origin);
            let n = normals[i];
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            let n = if len > 0.0 { [n[0] / len, n[1] / len, n[2] / len] } else { [0.0, 0.0, 1.0] };
            // glTF is y-up: (east, up, -north).
            mesh.positions.push([d[0] as f32, d[2] as f32, -d[1] as f32]);
            mesh.normals.push([n[0] as f32, n[2] as f32, -n[1] as f32]);
            mesh.feature_ids.push(0.0);
            if texture.is_some() {
                mesh.uvs.push(uvs[i]);
            }
        }
        let indices = indices.iter().map(|&i| new_index[i as usize]).collect();
        mesh.textured = vec![match texture {
            // The imagery, lit as it is (white base colour), crediting its sources.
            Some(image) => {
                mesh.copyright = self.drape.and_then(Drape::attribution);
                TexturedPart { image, mime: "image/jpeg".into(), color: [1.0; 4], indices }
            }
            // One colour-only part: ground in a muted olive (linear RGB), told apart from buildings.
            None => TexturedPart { color: GROUND_COLOR, indices, ..Default::default() },
        }];
        let name = self.dem.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut table = PropertyTable { count: 1, ..Default::default() };
        table.columns.insert("layer".into(), ("layer".into(), Column::Text(vec!["terrain".into()])));
        table.columns.insert("source".into(), ("source".into(), Column::Text(vec![name])));
        Ok((write_glb(&mesh, &table), lo, hi, origin, triangles))
    }
}

/// The centre of the box of the vertices the triangles use.
fn surface_centre(enu: &[Vec3], triangles: &[u32]) -> Vec3 {
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for &i in triangles {
        for a in 0..3 {
            lo[a] = lo[a].min(enu[i as usize][a]);
            hi[a] = hi[a].max(enu[i as usize][a]);
        }
    }
    std::array::from_fn(|a| if lo[a].is_finite() { (lo[a] + hi[a]) / 2.0 } else { 0.0 })
}

/// The 4 x 4 identity, column-major.
const IDENTITY: [f64; 16] = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];

fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The measured error bounds the difference everywhere: at 4,000 random points of a rough
    /// DEM, the mesh (a TIN at a loose target) is never further from the bilinear surface.
    #[test]
    fn the_measured_error_bounds_the_mesh_everywhere() {
        let (w, h) = (41, 33);
        let mut rng = city_core::SplitMix64(5);
        let heights: Vec<f32> = (0..w * h).map(|_| (rng.unit() * 3.0) as f32).collect();
        let dem = Dem {
            file: "rough.tif".into(),
            width: w,
            height: h,
            origin: [0.0, 0.0],
            step: [1.0, -1.0],
            crs: None,
            heights,
        };
        for target in [2.0, 0.8, 0.0] {
            let mut t = Tile::new(0, 0, 0, lines(0, 1, w - 1, w - 1), lines(0, 1, h - 1, h - 1));
            let tin_error = mesh_tile(&|c, r| dem.heights[r * dem.width + c], &mut t, target);
            let declared = measure(&dem, &t, Place::SAME, tin_error);
            let mut seen: f64 = 0.0;
            for _ in 0..4_000 {
                let q = [rng.unit() * (w - 1) as f64, rng.unit() * (h - 1) as f64];
                for tri in t.triangles.chunks_exact(3) {
                    let [a, b, c] = [0, 1, 2].map(|k| t.vertices[tri[k] as usize]);
                    let p = [a, b, c].map(|v| [v[0] as f64, v[1] as f64]);
                    let o = |u: [f64; 2], v: [f64; 2], w: [f64; 2]| {
                        (v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])
                    };
                    let area = o(p[0], p[1], p[2]);
                    let (w0, w1, w2) = (o(p[1], p[2], q) / area, o(p[2], p[0], q) / area, o(p[0], p[1], q) / area);
                    if w0 >= 0.0 && w1 >= 0.0 && w2 >= 0.0 {
                        let z = [a, b, c].map(|v| dem.at(v[0], v[1]).unwrap_or(f64::NAN));
                        let m = w0 * z[0] + w1 * z[1] + w2 * z[2];
                        seen = seen.max((m - dem.bilinear(q[0], q[1]).unwrap_or(f64::NAN)).abs());
                        break;
                    }
                }
            }
            assert!(seen <= declared + 1e-9, "target {target}: {seen} seen, {declared} declared");
            assert!(seen > 0.5 * declared, "target {target}: the bound is tight ({seen} seen, {declared} declared)");
        }
    }
}
