//! Terrain from a DEM of any size, in bounded memory: read and tiled block by block.
//!
//! A DEM that fits in one block (`TerrainOptions::block` pixels a side) is read whole and tiled
//! as `terrain_tiles.rs` says. A larger one is cut at the quadtree's first level `k` whose tiles
//! span at most a block: each tile there roots a block, a subtree read, meshed, measured and
//! written on its own, a few at a time (one per core). Above `k`, the top levels sample every
//! `2^(L-k)`-th pixel or coarser: those samples are read first (pass 1, block by block), the top
//! tiles meshed from them, and each top tile's error measured exactly against every block it
//! covers as the blocks go by (pass 2): the largest, as for the whole raster. The tiles are the
//! same as tiling the raster whole would make; only the tileset's layout differs: each block's
//! subtree is an external tileset (`block_K_X_Y.json` beside `tileset.json`), so no file holds
//! the whole tree.
//!
//! Memory: the blocks being worked on (4 bytes a pixel of each window, and its meshes), the top
//! levels' samples (`(W/2^(L-k)) x (H/2^(L-k))` heights) and one tile per block (its root,
//! written last, when its parent's error, which sets its skirt, is known). A national DEM of
//! 100,000 x 100,000 pixels in blocks of 4,096 holds 2 x 67 MB of windows, 2.4 MB of top
//! samples and 625 block roots.
use std::path::Path;
use std::time::Instant;

use city_core::Vec3;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

use crate::imagery::{Imagery, ImageryProblems};
use crate::output_folder::{build_in_place, io};
use crate::terrain_drape::Drape;
use crate::terrain_tiles::{
    Grafted, Offset, Place, Quadtree, Tile, Tree, Written, check_meshable, children_of, finish, frame_at_centre,
    levels_for, measure, write_tileset_json,
};
use crate::{DemFile, ImportError, Progress, TerrainOptions, TerrainSummary, write_terrain};

/// Writes the terrain tileset of the DEM in `file` into `out_dir`: whole when it fits in one
/// block, else block by block.
pub fn write_terrain_file(
    file: &DemFile,
    out_dir: &Path,
    opts: &TerrainOptions,
    imagery: &[Box<dyn Imagery>],
    progress: &dyn Progress,
) -> Result<TerrainSummary, ImportError> {
    let header = file.header();
    let (w, h) = (header.width, header.height);
    let grid = opts.grid.max(2);
    let levels = levels_for(w.saturating_sub(1).max(h.saturating_sub(1)).max(1), grid);
    // The shallowest level whose tiles span at most a block.
    let k = (0..levels).find(|&l| grid << (levels - 1 - l) <= opts.block.max(grid)).unwrap_or(levels - 1);
    if k == 0 || w < 2 || h < 2 {
        return write_terrain(&file.window(0, 0, w, h)?, out_dir, opts, imagery, progress);
    }
    let start = Instant::now();
    let stride = 1usize << (levels - k);
    let span = grid << (levels - 1 - k);
    let blocks: Vec<(usize, usize)> =
        (0..(h - 1).div_ceil(span)).flat_map(|by| (0..(w - 1).div_ceil(span)).map(move |bx| (bx, by))).collect();
    let window = |(bx, by): (usize, usize)| file.window(bx * span, by * span, span + 1, span + 1);

    // Pass 1: the samples the top levels use (every stride-th pixel, and the last column and
    // row), block by block; the top tiles meshed from them.
    let with_last = |n: usize| {
        let mut v: Vec<usize> = (0..n).step_by(stride).collect();
        if v.last() != Some(&(n - 1)) {
            v.push(n - 1);
        }
        v
    };
    let (cols, rows) = (with_last(w), with_last(h));
    let slot = |v: usize, n: usize, len: usize| if v == n - 1 { len - 1 } else { v / stride };
    let mut top_heights = vec![f32::NAN; cols.len() * rows.len()];
    for &b in &blocks {
        let win = window(b)?;
        let (c0, r0) = (b.0 * span, b.1 * span);
        for r in rows.iter().copied().filter(|&r| r >= r0 && r < r0 + win.height) {
            for c in cols.iter().copied().filter(|&c| c >= c0 && c < c0 + win.width) {
                top_heights[slot(r, h, rows.len()) * cols.len() + slot(c, w, cols.len())] =
                    win.heights[(r - r0) * win.width + (c - c0)];
            }
        }
    }
    let sample = |c: usize, r: usize| top_heights[slot(r, h, rows.len()) * cols.len() + slot(c, w, cols.len())];
    let mut top = Quadtree::mesh((w, h), &sample, grid, stride, k, opts.max_error * stride as f64);
    let valid_samples = top_heights.iter().filter(|v| v.is_finite()).count();
    drop(top_heights);
    let crs = check_meshable(header, valid_samples)?;
    let frame = frame_at_centre(header, &crs, w, h)?;
    let drape = Drape { layers: imagery, problems: ImageryProblems::default() };
    let drape = (!imagery.is_empty()).then_some(&drape);

    // Every tile, for the progress bar: as many as tiling the raster whole makes.
    let total: usize = (0..levels)
        .map(|l| {
            let s = grid << (levels - 1 - l);
            (w - 1).div_ceil(s) * (h - 1).div_ceil(s)
        })
        .sum();
    let written = std::sync::atomic::AtomicU64::new(0);
    let tick = || {
        let done = written.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress.tiling(done, total as u64);
    };

    let mut summary = TerrainSummary { levels, tiles: total, ..Default::default() };
    let stats = build_in_place(out_dir, |tmp| {
        // Pass 2: each block's subtree below its root, and the top tiles measured over it.
        let done: Vec<Result<Option<Block>, ImportError>> = blocks
            .par_iter()
            .map(|&b| {
                block(
                    tmp,
                    b,
                    &window(b)?,
                    BlockContext { top: &top, crs: &crs, frame: &frame, drape, opts, k, levels, span, size: (w, h) },
                    &tick,
                )
            })
            .collect();
        let mut roots = Vec::new();
        for d in done {
            let Some(b) = d? else { continue };
            for &(l, i, e) in &b.top_errors {
                top.tiles[l][i].own_error = top.tiles[l][i].own_error.max(e);
            }
            summary.pixels += b.pixels;
            summary.leaf_triangles += b.leaf_triangles;
            summary.leaf_error_m = summary.leaf_error_m.max(b.leaf_error);
            roots.push(b);
        }
        let below: FxHashMap<(usize, usize), f64> = roots.iter().map(|b| ((b.bx, b.by), b.root.error)).collect();
        top.propagate(&below);

        // The blocks' roots, now that their parents' errors (their skirts) are known: each
        // with its subtree, an external tileset.
        let grafted: FxHashMap<(usize, usize), Grafted> = roots
            .par_iter()
            .map(|b| {
                let parent = top.index[k - 1].get(&(b.bx / 2, b.by / 2)).map(|&i| top.tiles[k - 1][i].error);
                graft_block(tmp, b, parent, header, &crs, &frame, drape, k, &tick).map(|g| ((b.bx, b.by), g))
            })
            .collect::<Result<_, ImportError>>()?;
        let mut writer = Tree::new(header, &crs, &frame, &top, drape, Offset::ROOT);
        writer.grafted = Some(&grafted);
        writer.folders(tmp)?;
        let (root, stats) = writer.write(tmp, 0, 0, 0, None, [0.0; 3], &tick)?;
        let root = root.ok_or_else(|| ImportError::Format {
            file: header.file.clone(),
            reason: "no tile holds a height".into(),
        })?;
        write_tileset_json(tmp, root, &stats, &frame, drape)?;
        Ok(stats)
    })?;
    summary.glb_bytes = stats.bytes;
    summary.triangles = stats.triangles;
    summary.root_error_m = stats.error;
    summary.seconds = start.elapsed().as_secs_f64();
    finish(&mut summary, drape);
    Ok(summary)
}

/// What every block shares.
#[derive(Clone, Copy)]
struct BlockContext<'a> {
    top: &'a Quadtree,
    crs: &'a city_core::Crs,
    frame: &'a city_core::EnuFrame,
    drape: Option<&'a Drape<'a>>,
    opts: &'a TerrainOptions,
    k: usize,
    levels: usize,
    span: usize,
    size: (usize, usize),
}

/// A block whose subtree below its root is written: its root (in the whole raster's pixels),
/// where its children's JSON waits, and what it found.
struct Block {
    bx: usize,
    by: usize,
    root: Tile,
    origin: Vec3,
    /// The children subtrees' JSON and what they wrote, kept on disk until the root is written.
    part: std::path::PathBuf,
    /// (level, index, error) of each top tile over this block.
    top_errors: Vec<(usize, usize, f64)>,
    pixels: usize,
    leaf_triangles: usize,
    leaf_error: f64,
}

/// Meshes, measures and writes block `b` (its window `win`) below its root.
fn block(
    tmp: &Path,
    (bx, by): (usize, usize),
    win: &crate::Dem,
    cx: BlockContext<'_>,
    tick: &(dyn Fn() + Sync),
) -> Result<Option<Block>, ImportError> {
    let (c0, r0) = (bx * cx.span, by * cx.span);
    // Pixels counted once: the window's last row and column belong to the next block.
    let (own_w, own_h) = (
        if c0 + win.width >= cx.size.0 { win.width } else { win.width - 1 },
        if r0 + win.height >= cx.size.1 { win.height } else { win.height - 1 },
    );
    let pixels =
        (0..own_h).map(|r| win.heights[r * win.width..][..own_w].iter().filter(|v| v.is_finite()).count()).sum();
    let place = Place { offset: [c0 as f64, r0 as f64] };
    let (c1, r1) = (c0 + win.width - 1, r0 + win.height - 1);
    let top_errors = cx
        .top
        .tiles
        .iter()
        .enumerate()
        .flat_map(|(l, level)| level.iter().enumerate().map(move |(i, t)| (l, i, t)))
        .filter(|(_, _, t)| {
            t.cols[0] < c1 && *t.cols.last().unwrap_or(&0) > c0 && t.rows[0] < r1 && *t.rows.last().unwrap_or(&0) > r0
        })
        .map(|(l, i, t)| (l, i, measure(win, t, place, None)))
        .collect();
    let mut q = Quadtree::build(win, cx.opts.grid.max(2), cx.levels - cx.k, cx.opts.max_error);
    q.propagate(&FxHashMap::default());
    let Some(&ri) = q.index[0].get(&(0, 0)) else { return Ok(None) };
    let writer = Tree::new(win, cx.crs, cx.frame, &q, cx.drape, Offset { level: cx.k, x: bx, y: by });
    writer.folders(tmp)?;
    let root = &q.tiles[0][ri];
    let origin = writer.origin(root)?;
    let mut children = Vec::new();
    for (x, y) in children_of(0, 0) {
        if let (Some(json), w) = writer.write(tmp, 1, x, y, Some(root.error), origin, tick)? {
            children.push(json!({"x": x, "y": y, "json": json, "written": written_json(&w)}));
        }
    }
    let part = tmp.join(format!("block_{}_{bx}_{by}.part", cx.k));
    std::fs::write(&part, serde_json::to_vec(&children).unwrap_or_default()).map_err(io(&part))?;
    let leaves = q.tiles.last().map(Vec::as_slice).unwrap_or_default();
    // The root in the whole raster's pixels.
    let mut root = root.clone();
    root.cols.iter_mut().for_each(|c| *c += c0);
    root.rows.iter_mut().for_each(|r| *r += r0);
    root.vertices.iter_mut().for_each(|v| *v = [v[0] + c0, v[1] + r0]);
    Ok(Some(Block {
        bx,
        by,
        root,
        origin,
        part,
        top_errors,
        pixels,
        leaf_triangles: leaves.iter().map(|t| t.triangles.len() / 3).sum(),
        leaf_error: leaves.iter().map(|t| t.own_error).fold(0.0, f64::max),
    }))
}

/// Writes a block's root over its children (read back from disk) as an external tileset
/// `block_K_X_Y.json`, and returns the tile that stands for it in the top levels.
#[allow(clippy::too_many_arguments)]
fn graft_block(
    tmp: &Path,
    b: &Block,
    parent_error: Option<f64>,
    header: &crate::Dem,
    crs: &city_core::Crs,
    frame: &city_core::EnuFrame,
    drape: Option<&Drape<'_>>,
    k: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<Grafted, ImportError> {
    let bad = |reason: String| ImportError::Format { file: b.part.clone(), reason };
    let text = std::fs::read(&b.part).map_err(io(&b.part))?;
    let children: Vec<Value> = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    std::fs::remove_file(&b.part).map_err(io(&b.part))?;
    let children: FxHashMap<(usize, usize), Grafted> = children
        .into_iter()
        .map(|c| {
            let at = (c["x"].as_u64().unwrap_or(0) as usize, c["y"].as_u64().unwrap_or(0) as usize);
            let mut json = c["json"].clone();
            // Placed again by the root, from the same origin it had when written.
            if let Some(o) = json.as_object_mut() {
                o.remove("transform");
            }
            (at, Grafted { json, written: written_from(&c["written"]) })
        })
        .collect();
    let single = Quadtree { tiles: vec![vec![b.root.clone()]], index: vec![std::iter::once(((0, 0), 0)).collect()] };
    let mut writer = Tree::new(header, crs, frame, &single, drape, Offset { level: k, x: b.bx, y: b.by });
    writer.grafted = Some(&children);
    let (json, written) = writer.write(tmp, 0, 0, 0, parent_error, b.origin, tick)?;
    let mut json = json.ok_or_else(|| bad("the block's root wrote nothing".into()))?;
    if let Some(o) = json.as_object_mut() {
        o.remove("transform");
    }
    let name = format!("block_{k}_{}_{}.json", b.bx, b.by);
    let external = json!({"asset": {"version": "1.1"}, "geometricError": json["geometricError"], "root": json});
    let path = tmp.join(&name);
    std::fs::write(&path, serde_json::to_vec(&external).unwrap_or_default()).map_err(io(&path))?;
    let stand_in = json!({
        "boundingVolume": external["root"]["boundingVolume"],
        "geometricError": external["root"]["geometricError"],
        "refine": "REPLACE",
        "content": {"uri": name},
    });
    Ok(Grafted { json: stand_in, written })
}

fn written_json(w: &Written) -> Value {
    json!({"origin": w.origin, "centre": w.centre, "half": w.half, "error": w.error, "triangles": w.triangles, "bytes": w.bytes})
}

fn written_from(v: &Value) -> Written {
    let v3 = |k: &str| -> Vec3 { std::array::from_fn(|a| v[k][a].as_f64().unwrap_or(0.0)) };
    Written {
        origin: v3("origin"),
        centre: v3("centre"),
        half: v3("half"),
        error: v["error"].as_f64().unwrap_or(0.0),
        triangles: v["triangles"].as_u64().unwrap_or(0) as usize,
        bytes: v["bytes"].as_u64().unwrap_or(0) as usize,
    }
}
