//! A terrain tileset from a DEM: a quadtree of glTF meshes, each tile a regular grid of
//! `grid` x `grid` cells over its part of the raster, every level halving the cell size until a
//! cell is one pixel. Vertices are pixel centres with the pixel's own height (no resampling).
//!
//! A tile's `geometricError` is the real height error of its mesh: the largest difference, in
//! metres, between the mesh and the source surface (the DEM interpolated bilinearly between
//! pixel centres, as GDAL samples it), measured at every pixel centre and every pixel cell's
//! centre inside the tile. Leaves, at full resolution, still differ from the bilinear surface
//! inside each cell (a triangle is flat where the bilinear patch is curved): their error is that
//! difference, not 0. A parent's error is never below its children's.
//!
//! Cracks between neighbours at different levels are hidden by skirts: each tile's edges hang
//! down by twice its parent's error plus half a metre.
//!
//! Triangles touching a pixel without height are left out (holes stay holes). Tiles are written
//! level by level, each level's tiles on every core; the tileset is built beside the output
//! folder and moved into place whole.
use std::path::Path;
use std::time::Instant;

use city_core::{Crs, EnuFrame, Geodetic, Vec3};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

use crate::glb::{Column, PropertyTable, TexturedPart, TileMesh, write_glb};
use crate::output_folder::{build_in_place, io};
use crate::{Dem, ImportError, Progress};

/// The ground's colour (linear RGBA): sRGB (150, 160, 120), a map's muted olive.
pub const GROUND_COLOR: [f32; 4] = [0.305, 0.352, 0.188, 1.0];

/// How to tile a DEM.
#[derive(Debug, Clone, Copy)]
pub struct TerrainOptions {
    /// Cells along a tile's side (a tile holds up to 2 x grid^2 triangles and its skirts).
    pub grid: usize,
}

impl Default for TerrainOptions {
    fn default() -> Self {
        Self { grid: 64 }
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
}

/// A tile of the quadtree: its pixel window and, once measured, its error.
#[derive(Debug, Clone)]
struct Tile {
    level: usize,
    x: usize,
    y: usize,
    /// Vertex columns and rows (pixel indices, ascending; the last is the window's edge).
    cols: Vec<usize>,
    rows: Vec<usize>,
    /// Height error of this tile's mesh alone, metres.
    own_error: f64,
    /// Its geometric error: its own, or its descendants' when larger.
    error: f64,
}

impl Tile {
    fn uri(&self) -> String {
        format!("tiles/{}/{}/{}.glb", self.level, self.x, self.y)
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

/// The cell of `lines` holding position `p` (clamped to the last cell).
fn cell_of(lines: &[usize], p: f64) -> usize {
    let i = lines.partition_point(|&l| (l as f64) <= p);
    i.saturating_sub(1).min(lines.len().saturating_sub(2))
}

/// The mesh's height at fractional pixel (c, r) inside the tile: the cell's two triangles split
/// along the diagonal from its top-left to its bottom-right corner. `None` where a corner has no
/// height.
fn mesh_height(dem: &Dem, t: &Tile, c: f64, r: f64) -> Option<f64> {
    let (i, j) = (cell_of(&t.cols, c), cell_of(&t.rows, r));
    let (c0, c1, r0, r1) = (t.cols[i], t.cols[i + 1], t.rows[j], t.rows[j + 1]);
    let u = (c - c0 as f64) / (c1 - c0) as f64;
    let v = (r - r0 as f64) / (r1 - r0) as f64;
    let (h00, h11) = (dem.at(c0, r0)?, dem.at(c1, r1)?);
    if u >= v {
        // Upper-right triangle: (0,0), (1,0), (1,1).
        let h10 = dem.at(c1, r0)?;
        Some(h00 + (h10 - h00) * u + (h11 - h10) * v)
    } else {
        // Lower-left triangle: (0,0), (1,1), (0,1).
        let h01 = dem.at(c0, r1)?;
        Some(h00 + (h11 - h01) * u + (h01 - h00) * v)
    }
}

/// The largest difference between the tile's mesh and the bilinear source surface, at every
/// pixel centre and pixel cell centre in the tile.
fn measure(dem: &Dem, t: &Tile) -> f64 {
    let (Some(&c_end), Some(&r_end)) = (t.cols.last(), t.rows.last()) else { return 0.0 };
    let mut worst = 0.0f64;
    for r in t.rows[0]..=r_end {
        for c in t.cols[0]..=c_end {
            let mut check = |cf: f64, rf: f64| {
                if let (Some(m), Some(s)) = (mesh_height(dem, t, cf, rf), dem.bilinear(cf, rf)) {
                    worst = worst.max((m - s).abs());
                }
            };
            check(c as f64, r as f64);
            if c < c_end && r < r_end {
                check(c as f64 + 0.5, r as f64 + 0.5);
            }
        }
    }
    worst
}

/// Writes the terrain tileset of `dem` into `out_dir` (replaced only when it is empty or an
/// earlier tileset).
pub fn write_terrain(
    dem: &Dem,
    out_dir: &Path,
    opts: &TerrainOptions,
    progress: &dyn Progress,
) -> Result<TerrainSummary, ImportError> {
    let start = Instant::now();
    let crs = dem.crs.clone().ok_or_else(|| ImportError::NoCrs { file: dem.file.clone() })?;
    if dem.width < 2 || dem.height < 2 || dem.valid_pixels() == 0 {
        return Err(ImportError::Format {
            file: dem.file.clone(),
            reason: format!(
                "{} x {} pixels, {} with a height: nothing to mesh",
                dem.width,
                dem.height,
                dem.valid_pixels()
            ),
        });
    }
    let grid = opts.grid.max(2);
    // Levels: the root's cells are 2^(levels-1) pixels, the leaves' one pixel.
    let cells = (dem.width - 1).max(dem.height - 1);
    let mut levels = 1;
    while grid << (levels - 1) < cells {
        levels += 1;
    }
    // The tiles of every level that hold part of the raster.
    let mut tiles: Vec<Vec<Tile>> = Vec::with_capacity(levels);
    for level in 0..levels {
        let step = 1usize << (levels - 1 - level);
        let span = grid * step;
        let n = 1usize << level;
        let mut row = Vec::new();
        for y in 0..n {
            for x in 0..n {
                let cols = lines(x * span, step, (x + 1) * span, dem.width - 1);
                let rows = lines(y * span, step, (y + 1) * span, dem.height - 1);
                if cols.len() >= 2 && rows.len() >= 2 {
                    row.push(Tile { level, x, y, cols, rows, own_error: 0.0, error: 0.0 });
                }
            }
        }
        tiles.push(row);
    }
    tiles.par_iter_mut().flatten().for_each(|t| t.own_error = measure(dem, t));
    let total: usize = tiles.iter().map(Vec::len).sum();
    // Where each tile is in its level's list; errors from the leaves up.
    let index: Vec<FxHashMap<(usize, usize), usize>> =
        tiles.iter().map(|l| l.iter().enumerate().map(|(i, t)| ((t.x, t.y), i)).collect()).collect();
    for level in (0..levels).rev() {
        for i in 0..tiles[level].len() {
            let (x, y) = (tiles[level][i].x, tiles[level][i].y);
            let children = children_of(x, y)
                .iter()
                .filter_map(|k| index.get(level + 1).and_then(|m| m.get(k)))
                .map(|&c| tiles[level + 1][c].error)
                .fold(0.0, f64::max);
            tiles[level][i].error = tiles[level][i].own_error.max(children);
        }
    }

    // A frame at the raster's centre; every vertex to it through ECEF.
    let centre = dem.coords((dem.width - 1) as f64 / 2.0, (dem.height - 1) as f64 / 2.0);
    let g = crs.to_geodetic([centre[0], centre[1], 0.0]).map_err(|e| ImportError::Format {
        file: dem.file.clone(),
        reason: format!("the raster's centre {centre:?} in {}: {e}", crs.epsg()),
    })?;
    let frame = EnuFrame::at(Geodetic { height_m: 0.0, ..g });

    let written = std::sync::atomic::AtomicU64::new(0);
    let mut summary = build_in_place(out_dir, |tmp| {
        for t in tiles.iter().flatten() {
            let dir = tmp.join(format!("tiles/{}/{}", t.level, t.x));
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
        let tree = Tree { dem, crs: &crs, frame: &frame, tiles: &tiles, index: &index };
        let (root, stats) = tree.write(tmp, 0, 0, 0, None, [0.0; 3], &|| {
            let done = written.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.tiling(done, total as u64);
        })?;
        let mut root = root
            .ok_or_else(|| ImportError::Format { file: dem.file.clone(), reason: "no tile holds a height".into() })?;
        // The root places the tree on the globe: the frame, moved to the root tile's origin.
        let c = stats.origin;
        let mut m = frame.ecef_from_enu_matrix();
        m[12..15].copy_from_slice(&frame.ecef_from_enu(c));
        root["transform"] = json!(m);
        let diagonal = 2.0 * stats.half.iter().map(|h| h * h).sum::<f64>().sqrt();
        let tileset = json!({
            "asset": {"version": "1.1", "generator": "CityTwin cim-import (terrain)"},
            "geometricError": diagonal.max(stats.error * 2.0),
            "root": root,
        });
        let path = tmp.join("tileset.json");
        std::fs::write(&path, serde_json::to_string_pretty(&tileset).unwrap_or_default()).map_err(io(&path))?;
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
    let leaves = &tiles[levels - 1];
    summary.leaf_error_m = leaves.iter().map(|t| t.own_error).fold(0.0, f64::max);
    summary.leaf_triangles = leaves.iter().map(|t| triangles_of(dem, t).len() / 3).sum();
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

/// What a subtree wrote: its origin (where its transform puts it) and box (centre and half sizes)
/// in the frame, error, triangles, bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Written {
    origin: Vec3,
    centre: Vec3,
    half: Vec3,
    error: f64,
    triangles: usize,
    bytes: usize,
}

struct Tree<'a> {
    dem: &'a Dem,
    crs: &'a Crs,
    frame: &'a EnuFrame,
    tiles: &'a [Vec<Tile>],
    index: &'a [FxHashMap<(usize, usize), usize>],
}

/// The four children of tile (x, y), in the next level's numbering.
fn children_of(x: usize, y: usize) -> [(usize, usize); 4] {
    [(2 * x, 2 * y), (2 * x + 1, 2 * y), (2 * x, 2 * y + 1), (2 * x + 1, 2 * y + 1)]
}

/// The vertex indices (into the tile's grid, row-major) of the triangles that have a height
/// at all three corners, counter-clockwise seen from above.
fn triangles_of(dem: &Dem, t: &Tile) -> Vec<u32> {
    let nc = t.cols.len();
    let mut out = Vec::with_capacity((nc - 1) * (t.rows.len() - 1) * 6);
    let ok = |i: usize, j: usize| dem.at(t.cols[i], t.rows[j]).is_some();
    for j in 0..t.rows.len() - 1 {
        for i in 0..nc - 1 {
            let id = |i: usize, j: usize| (j * nc + i) as u32;
            // Rows run south (down the raster), so (i, j) -> (i+1, j) -> (i+1, j+1) is clockwise
            // seen from above for north-up rasters; written the other way round.
            if ok(i, j) && ok(i + 1, j) && ok(i + 1, j + 1) {
                out.extend([id(i, j), id(i + 1, j + 1), id(i + 1, j)]);
            }
            if ok(i, j) && ok(i + 1, j + 1) && ok(i, j + 1) {
                out.extend([id(i, j), id(i, j + 1), id(i + 1, j + 1)]);
            }
        }
    }
    out
}

impl Tree<'_> {
    /// Writes tile (level, x, y) and its subtree; returns its JSON (with its transform relative
    /// to `parent_centre`) and what it wrote. `parent_error`: the skirt's depth comes from it.
    #[allow(clippy::too_many_arguments)]
    fn write(
        &self,
        tmp: &Path,
        level: usize,
        x: usize,
        y: usize,
        parent_error: Option<f64>,
        parent_centre: Vec3,
        tick: &(dyn Fn() + Sync),
    ) -> Result<(Option<Value>, Written), ImportError> {
        let Some(&i) = self.index.get(level).and_then(|m| m.get(&(x, y))) else {
            return Ok((None, Written::default()));
        };
        let t = &self.tiles[level][i];
        let error = t.error;
        let skirt = 2.0 * parent_error.unwrap_or(error) + 0.5;
        let (glb, lo, hi, triangles) = self.mesh(t, skirt)?;
        let centre: Vec3 = std::array::from_fn(|a| (lo[a] + hi[a]) / 2.0);
        let half: Vec3 = std::array::from_fn(|a| ((hi[a] - lo[a]) / 2.0).max(0.01));
        let path = tmp.join(t.uri());
        std::fs::write(&path, &glb).map_err(io(&path))?;
        tick();
        let mut written = Written { origin: centre, centre, half, error, triangles, bytes: glb.len() };
        let kids: Vec<(usize, usize)> =
            if level + 1 < self.tiles.len() { children_of(x, y).to_vec() } else { Vec::new() };
        let results: Vec<Result<(Option<Value>, Written), ImportError>> =
            kids.par_iter().map(|&(cx, cy)| self.write(tmp, level + 1, cx, cy, Some(error), centre, tick)).collect();
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
        let mut translate = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        for a in 0..3 {
            translate[12 + a] = centre[a] - parent_centre[a];
        }
        let mut tile = json!({
            "transform": translate,
            "boundingVolume": {"box": [
                bcentre[0], bcentre[1], bcentre[2],
                bhalf[0], 0.0, 0.0, 0.0, bhalf[1], 0.0, 0.0, 0.0, bhalf[2]]},
            "geometricError": error,
            "refine": "REPLACE",
            "content": {"uri": t.uri()},
        });
        if !children.is_empty() {
            tile["children"] = json!(children);
        }
        written.half = bhalf;
        written.centre = std::array::from_fn(|a| bcentre[a] + centre[a]);
        Ok((Some(tile), written))
    }

    /// The tile's GLB, its box in the frame (low, high corners) and its triangle count
    /// (skirts not counted).
    fn mesh(&self, t: &Tile, skirt: f64) -> Result<(Vec<u8>, Vec3, Vec3, usize), ImportError> {
        let (nc, nr) = (t.cols.len(), t.rows.len());
        // Vertices in the frame (ENU, f64), NaN height where the pixel has none.
        let mut enu: Vec<Vec3> = Vec::with_capacity(nc * nr);
        for &r in &t.rows {
            for &c in &t.cols {
                let [x, y] = self.dem.coords(c as f64, r as f64);
                let h = self.dem.at(c, r).unwrap_or(0.0);
                let ecef = self.crs.to_ecef([x, y, h]).map_err(|e| ImportError::Format {
                    file: self.dem.file.clone(),
                    reason: format!("pixel ({c}, {r}) at ({x}, {y}): {e}"),
                })?;
                enu.push(self.frame.enu_from_ecef(ecef));
            }
        }
        let mut indices = triangles_of(self.dem, t);
        let triangles = indices.len() / 3;
        // Normals: the sum of the faces around each vertex.
        let mut normals = vec![[0.0f64; 3]; enu.len()];
        for tri in indices.chunks_exact(3) {
            let [a, b, c] = [enu[tri[0] as usize], enu[tri[1] as usize], enu[tri[2] as usize]];
            let (u, v) = (sub(b, a), sub(c, a));
            let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            for &i in tri {
                for k in 0..3 {
                    normals[i as usize][k] += n[k];
                }
            }
        }
        // Skirts: each edge's vertices again, lowered; a quad per edge segment, facing out.
        let up = [0.0, 0.0, 1.0];
        let edges: [Vec<usize>; 4] = [
            (0..nc).collect(),                                  // first row (north), west to east
            (0..nr).map(|j| j * nc + nc - 1).collect(),         // last column (east), southwards
            (0..nc).rev().map(|i| (nr - 1) * nc + i).collect(), // last row (south), westwards
            (0..nr).rev().map(|j| j * nc).collect(),            // first column (west), northwards
        ];
        let used: Vec<bool> = {
            let mut u = vec![false; enu.len()];
            indices.iter().for_each(|&i| u[i as usize] = true);
            u
        };
        for edge in &edges {
            for pair in edge.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if !(used[a] && used[b]) {
                    continue;
                }
                let base = enu.len() as u32;
                for &v in &[a, b] {
                    let p = enu[v];
                    enu.push([p[0] - up[0] * skirt, p[1] - up[1] * skirt, p[2] - up[2] * skirt]);
                    normals.push(normals[v]);
                }
                // Walking the edges clockwise seen from above, these face outwards.
                indices.extend([a as u32, b as u32, base, b as u32, base + 1, base]);
            }
        }
        // A raster whose rows run north (or columns west) mirrors the grid: turn every triangle.
        if self.dem.step[0] * self.dem.step[1] > 0.0 {
            indices.chunks_exact_mut(3).for_each(|t| t.swap(1, 2));
        }
        let keep: Vec<usize> = {
            let mut u = vec![false; enu.len()];
            indices.iter().for_each(|&i| u[i as usize] = true);
            (0..enu.len()).filter(|&i| u[i]).collect()
        };
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for &i in &keep {
            for a in 0..3 {
                lo[a] = lo[a].min(enu[i][a]);
                hi[a] = hi[a].max(enu[i][a]);
            }
        }
        let centre: Vec3 = std::array::from_fn(|a| (lo[a] + hi[a]) / 2.0);
        // Only the vertices a triangle uses, renumbered.
        let mut new_index = vec![u32::MAX; enu.len()];
        let mut mesh = TileMesh::default();
        for &i in &keep {
            new_index[i] = mesh.positions.len() as u32;
            let d = sub(enu[i], centre);
            let n = normals[i];
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            // Up-facing whichever way the raster runs (the winding is turned below if need be).
            let s = if n[2] < 0.0 { -len } else { len };
            let n = if len > 0.0 { [n[0] / s, n[1] / s, n[2] / s] } else { up };
            // glTF is y-up: (east, up, -north).
            mesh.positions.push([d[0] as f32, d[2] as f32, -d[1] as f32]);
            mesh.normals.push([n[0] as f32, n[2] as f32, -n[1] as f32]);
            mesh.feature_ids.push(0.0);
        }
        // One colour-only part: ground in a muted olive (linear RGB), told apart from buildings.
        mesh.textured = vec![TexturedPart {
            color: GROUND_COLOR,
            indices: indices.iter().map(|&i| new_index[i as usize]).collect(),
            ..Default::default()
        }];
        let name = self.dem.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut table = PropertyTable { count: 1, ..Default::default() };
        table.columns.insert("layer".into(), ("layer".into(), Column::Text(vec!["terrain".into()])));
        table.columns.insert("source".into(), ("source".into(), Column::Text(vec![name])));
        Ok((write_glb(&mesh, &table), lo, hi, triangles))
    }
}

fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
