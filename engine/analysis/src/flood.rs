//! Connected inundation: water at a level, or risen by some metres above a seed cell, fills the
//! cells below that level that it can reach from the seed across cell edges (4-connected, as
//! water crosses from cell to cell and not through a corner). A hollow behind a dyke stays dry
//! even when it lies lower than the water: a bathtub fill over the whole grid would drown it.
//!
//! The fill is a scanline flood (each run of a row filled at once, the rows above and below
//! searched for new runs), so a grid of 10^8 cells takes one pass and a stack of runs, not of
//! cells; the depths are then computed for every row in parallel.
use rayon::prelude::*;

use crate::height_grid::HeightGrid;

/// Where the water stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloodLevel {
    /// At this height (the grid's height units).
    Absolute(f64),
    /// This many metres above the seed cell's ground.
    Rise(f64),
}

/// A flood's result.
#[derive(Debug, Clone)]
pub struct Flood {
    /// The water's height.
    pub level: f64,
    /// The seed cell (column, row).
    pub seed: (usize, usize),
    /// Water depth per cell, row by row as the grid: 0 where dry, NaN where the grid has no height.
    pub depth: Vec<f32>,
    /// Cells under water.
    pub cells: usize,
    /// Their area, square metres.
    pub area: f64,
    /// The water's volume, square metres times height units.
    pub volume: f64,
    /// The deepest water.
    pub max_depth: f64,
}

/// Why a flood could not start.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FloodError {
    /// The seed is off the grid.
    #[error("the seed ({0}, {1}) is off the grid ({2} x {3} cells)")]
    SeedOffGrid(usize, usize, usize, usize),
    /// The grid has no height at the seed.
    #[error("the grid has no height at the seed (column {0}, row {1}): choose a point on the ground")]
    SeedWithoutHeight(usize, usize),
    /// The water does not reach above the seed's ground.
    #[error("the water ({level:.2}) is not above the ground at the seed ({ground:.2}): nothing floods")]
    SeedAboveWater {
        /// The water's height.
        level: f64,
        /// The ground's height at the seed.
        ground: f64,
    },
}

/// The water spreading from `seed` (column, row) at `level` over `grid`.
pub fn flood(grid: &HeightGrid, seed: (usize, usize), level: FloodLevel) -> Result<Flood, FloodError> {
    let (w, h) = (grid.width, grid.height);
    if seed.0 >= w || seed.1 >= h {
        return Err(FloodError::SeedOffGrid(seed.0, seed.1, w, h));
    }
    let ground = grid.at(seed.0, seed.1).ok_or(FloodError::SeedWithoutHeight(seed.0, seed.1))?;
    let level = match level {
        FloodLevel::Absolute(z) => z,
        FloodLevel::Rise(m) => f64::from(ground) + m,
    };
    if f64::from(ground) >= level {
        return Err(FloodError::SeedAboveWater { level, ground: f64::from(ground) });
    }
    let wet = |c: usize, r: usize| {
        let z = grid.heights[r * w + c];
        z.is_finite() && f64::from(z) < level
    };
    let mut filled = vec![false; w * h];
    // Runs to fill: (row, a column in it that is wet and not yet filled).
    let mut stack = vec![(seed.1, seed.0)];
    while let Some((r, c)) = stack.pop() {
        if filled[r * w + c] {
            continue;
        }
        // The run of wet cells through (c, r).
        let (mut a, mut b) = (c, c);
        while a > 0 && wet(a - 1, r) && !filled[r * w + a - 1] {
            a -= 1;
        }
        while b + 1 < w && wet(b + 1, r) && !filled[r * w + b + 1] {
            b += 1;
        }
        filled[r * w + a..=r * w + b].fill(true);
        // Each run of wet, unfilled cells beside it above and below, once.
        for nr in [r.wrapping_sub(1), r + 1] {
            if nr >= h {
                continue;
            }
            let mut x = a;
            while x <= b {
                if wet(x, nr) && !filled[nr * w + x] {
                    stack.push((nr, x));
                    while x <= b && wet(x, nr) && !filled[nr * w + x] {
                        x += 1;
                    }
                } else {
                    x += 1;
                }
            }
        }
    }
    let mut depth = vec![0f32; w * h];
    depth.par_chunks_mut(w).zip(filled.par_chunks(w)).enumerate().for_each(|(r, (out, f))| {
        for (c, (d, &f)) in out.iter_mut().zip(f).enumerate() {
            let z = grid.heights[r * w + c];
            *d = if !z.is_finite() {
                f32::NAN
            } else if f {
                (level - f64::from(z)) as f32
            } else {
                0.0
            };
        }
    });
    // Per row, as a geographic grid's cells shrink towards the poles.
    let (cells, area, volume, max_depth) = depth
        .par_chunks(w)
        .enumerate()
        .map(|(r, row)| {
            let cell = grid.cell_area_m2(r);
            row.iter().filter(|d| **d > 0.0).fold((0usize, 0.0, 0.0, 0.0f64), |(n, a, v, m), &d| {
                (n + 1, a + cell, v + f64::from(d) * cell, m.max(f64::from(d)))
            })
        })
        .reduce(|| (0, 0.0, 0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3.max(b.3)));
    Ok(Flood { level, seed, depth, cells, area, volume, max_depth })
}

impl Flood {
    /// The flooded cells as few axis-aligned rectangles (first column, first row, last column,
    /// last row, inclusive): each row's runs, a run merged with the one below it when both span
    /// the same columns. What a zone polygon is made from: a hazard zone the impact analysis
    /// reads, exact to the cell.
    pub fn rectangles(&self, width: usize) -> Vec<[usize; 4]> {
        let mut done = Vec::new();
        // Rectangles still growing downwards, by their columns.
        let mut open: std::collections::HashMap<(usize, usize), usize> = std::collections::HashMap::new();
        for (r, row) in self.depth.chunks(width).enumerate() {
            let mut next = std::collections::HashMap::new();
            let mut c = 0;
            while c < width {
                if row[c] > 0.0 {
                    let a = c;
                    while c + 1 < width && row[c + 1] > 0.0 {
                        c += 1;
                    }
                    let top = open.remove(&(a, c)).unwrap_or(r);
                    next.insert((a, c), top);
                }
                c += 1;
            }
            done.extend(open.drain().map(|((a, b), top)| [a, top, b, r - 1]));
            open = next;
        }
        let rows = self.depth.len() / width.max(1);
        done.extend(open.drain().map(|((a, b), top)| [a, top, b, rows - 1]));
        done.sort_unstable_by_key(|q| (q[1], q[0]));
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&str]) -> HeightGrid {
        // Digits are heights; '.' is no height.
        let width = rows[0].len();
        let heights =
            rows.iter().flat_map(|r| r.chars().map(|c| c.to_digit(10).map_or(f32::NAN, |d| d as f32))).collect();
        HeightGrid {
            width,
            height: rows.len(),
            heights,
            origin: [0.0, 0.0],
            step: [1.0, -1.0],
            crs: city_core::Crs::from_epsg(28992).unwrap(),
        }
    }

    #[test]
    fn water_fills_what_it_reaches_and_not_the_hollow_behind_the_dyke() {
        let g = grid(&["1119111", "1119101", "1119111", "11111.1"]);
        let f = flood(&g, (0, 0), FloodLevel::Absolute(2.0)).unwrap();
        // Left of the dyke (column 3) and round its foot in the last row, including the hollow
        // at (5, 1) which is reached round the end of the dyke; the no-height cell stays NaN.
        let wet: Vec<bool> = f.depth.iter().map(|d| *d > 0.0).collect();
        assert_eq!(f.cells, wet.iter().filter(|w| **w).count());
        assert!(!wet[3] && wet[5 + 7] && f.depth[5 + 3 * 7].is_nan());
        assert_eq!(f.cells, 7 * 4 - 3 - 1);
        assert!((f.max_depth - 2.0).abs() < 1e-9, "the hollow is 2 deep");
        // Sealed: the hollow behind a closed ring stays dry.
        let g = grid(&["11111", "19991", "19091", "19991", "11111"]);
        let f = flood(&g, (0, 0), FloodLevel::Rise(1.5)).unwrap();
        assert_eq!(f.depth[2 + 2 * 5], 0.0, "the hollow inside the ring is not reached");
        assert_eq!(f.cells, 16);
        assert!((f.volume - 16.0 * 1.5).abs() < 1e-9);
    }

    #[test]
    fn the_flooded_cells_are_covered_by_rectangles_exactly_once() {
        let g = grid(&["1119111", "1119101", "1119111", "11111.1"]);
        let f = flood(&g, (0, 0), FloodLevel::Absolute(2.0)).unwrap();
        let rects = f.rectangles(7);
        let mut covered = vec![0; 28];
        for [c0, r0, c1, r1] in &rects {
            for r in *r0..=*r1 {
                for c in *c0..=*c1 {
                    covered[r * 7 + c] += 1;
                }
            }
        }
        for (i, d) in f.depth.iter().enumerate() {
            assert_eq!(covered[i], usize::from(*d > 0.0), "cell {i}");
        }
        // Left and right of the dyke, then the last row in its two runs round the missing cell.
        assert_eq!(rects, [[0, 0, 2, 2], [4, 0, 6, 2], [0, 3, 4, 3], [6, 3, 6, 3]]);
    }

    #[test]
    fn a_seed_that_cannot_flood_is_refused_by_name() {
        let g = grid(&["15", ".1"]);
        assert_eq!(flood(&g, (2, 0), FloodLevel::Rise(1.0)).unwrap_err(), FloodError::SeedOffGrid(2, 0, 2, 2));
        assert_eq!(flood(&g, (0, 1), FloodLevel::Rise(1.0)).unwrap_err(), FloodError::SeedWithoutHeight(0, 1));
        assert!(matches!(flood(&g, (1, 0), FloodLevel::Absolute(3.0)), Err(FloodError::SeedAboveWater { .. })));
    }
}
