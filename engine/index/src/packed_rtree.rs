//! The packed Hilbert R-tree behind [`crate::CityIndex`].
//!
//! Layout (docs/adr/0002-index-layout.md): boxes sorted along a Hilbert curve, grouped 16 to a
//! node, levels built bottom-up. A node is stored as four arrays of 16 f32 (min x, min y, max x,
//! max y: 256 bytes, four cache lines), so one comparison of a query against a whole node is a
//! handful of SIMD instructions. z ranges live in a separate array that only 3D queries touch.
//!
//! Coordinates are stored relative to the data's centre and rounded outward to f32, so a stored
//! box holds the true box (up to the f64 rounding of subtracting the centre, which the error
//! bound's slack covers): a query never misses an object. Every box that meets the query only
//! within that error is checked again in f64 against the object store.
use city_core::Aabb2;
use wide::f32x16;

use crate::hilbert::{HilbertGrid, radix_sort_by_key};

/// Entries per node: 16 f32 lanes fill four cache lines per coordinate block.
pub(crate) const NODE_SIZE: usize = 16;

/// The x/y extents of the 16 entries of one node, structure-of-arrays.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct XyBlock {
    pub(crate) minx: f32x16,
    pub(crate) miny: f32x16,
    pub(crate) maxx: f32x16,
    pub(crate) maxy: f32x16,
}

/// The z extents of the 16 entries of one node.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct ZBlock {
    pub(crate) minz: f32x16,
    pub(crate) maxz: f32x16,
}

/// An empty lane: min above max, so no query ever intersects it.
const EMPTY_XY: XyBlock = XyBlock {
    minx: f32x16::splat(f32::INFINITY),
    miny: f32x16::splat(f32::INFINITY),
    maxx: f32x16::splat(f32::NEG_INFINITY),
    maxy: f32x16::splat(f32::NEG_INFINITY),
};
const EMPTY_Z: ZBlock = ZBlock { minz: f32x16::splat(f32::INFINITY), maxz: f32x16::splat(f32::NEG_INFINITY) };

/// Rounds toward negative infinity (for finite `x` within f32 range; larger values give
/// infinities, which only make a stored box or a query bigger).
///
/// Branch-free on purpose: whether nearest rounding went up or down is random, and a
/// mispredicted branch per coordinate doubled the bulk load's time.
#[inline]
pub(crate) fn f32_down(x: f64) -> f32 {
    let f = x as f32;
    // One ulp toward -inf: bits - 1 above zero, bits + 1 below (zero counts as -0.0).
    let b = if f == 0.0 { 0x8000_0000 } else { f.to_bits() };
    let below = f32::from_bits(b.wrapping_add(((b >> 31) << 1).wrapping_sub(1)));
    if f64::from(f) > x { below } else { f }
}

/// Query bounds beyond f32's range (a window of 1e300 becomes infinite in f32) clamped to its
/// largest finite values. Stored boxes are finite, so nothing is lost; an infinite bound would
/// also match the padding lanes of partly filled nodes (empty boxes, min +inf and max -inf) and
/// send the walk to children that do not exist.
fn finite<const N: usize>(q: [f32; N]) -> [f32; N] {
    q.map(|v| v.clamp(f32::MIN, f32::MAX))
}

/// Rounds toward positive infinity (see [`f32_down`]).
#[inline]
pub(crate) fn f32_up(x: f64) -> f32 {
    let f = x as f32;
    // One ulp toward +inf: bits + 1 above zero (zero counts as +0.0), bits - 1 below.
    let b = if f == 0.0 { 0 } else { f.to_bits() };
    let above = f32::from_bits(b.wrapping_add(1u32.wrapping_sub((b >> 31) << 1)));
    if f64::from(f) < x { above } else { f }
}

/// A query box in the tree's f32 frame: `[minx, miny, maxx, maxy]`.
pub(crate) type QueryXy = [f32; 4];

/// The bit mask of the lanes of `b` whose box intersects `q`: four SIMD comparisons of 16
/// lanes and a movemask (`wide` picks SSE, AVX or AVX-512 by the build's target features).
#[inline(always)]
pub(crate) fn mask_xy(b: &XyBlock, q: &QueryXy) -> u32 {
    let hit = b.minx.simd_le(f32x16::splat(q[2]))
        & b.maxx.simd_ge(f32x16::splat(q[0]))
        & b.miny.simd_le(f32x16::splat(q[3]))
        & b.maxy.simd_ge(f32x16::splat(q[1]));
    hit.to_bitmask()
}

/// The bit mask of the lanes of `b` whose z range intersects `[q0, q1]`.
#[inline(always)]
pub(crate) fn mask_z(b: &ZBlock, q0: f32, q1: f32) -> u32 {
    (b.minz.simd_le(f32x16::splat(q1)) & b.maxz.simd_ge(f32x16::splat(q0))).to_bitmask()
}

/// A reference to one node: its level (0 = leaves) and its index in that level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NodeRef {
    pub(crate) level: u32,
    pub(crate) block: u32,
}

/// The tree. Immutable once built.
pub(crate) struct PackedRTree {
    /// `xy[0]` holds the leaves, the last level the root block.
    pub(crate) xy: Vec<Vec<XyBlock>>,
    /// z ranges, same shape as `xy`.
    pub(crate) z: Vec<Vec<ZBlock>>,
    /// The object id in each leaf lane (`u32::MAX` for padding).
    pub(crate) slots: Vec<u32>,
    /// Subtracted from every coordinate before rounding to f32.
    pub(crate) origin: [f64; 3],
    /// How far a stored coordinate may lie from the true one (x/y, z), plus f64 slack.
    pub(crate) err_xy: f64,
    pub(crate) err_z: f64,
    /// Grid for Hilbert keys of objects and queries.
    pub(crate) grid: HilbertGrid,
    /// The largest |coordinate - origin| of any stored box.
    pub(crate) span: f64,
    len: usize,
}

impl PackedRTree {
    /// Bulk-loads the boxes (object ids are their positions) with their z ranges (all 0..0
    /// when `z` is `None`). Also returns the boxes and z ranges permuted into leaf order, so
    /// that the exact geometry of neighbouring leaves sits side by side in memory.
    pub(crate) fn build(xy: &[Aabb2], z: Option<&[[f64; 2]]>) -> (Self, Vec<Aabb2>, Vec<[f64; 2]>) {
        let n = xy.len();
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for b in xy {
            for i in 0..2 {
                lo[i] = lo[i].min(b.min[i]);
                hi[i] = hi[i].max(b.max[i]);
            }
        }
        (lo[2], hi[2]) = (0.0, 0.0);
        for r in z.unwrap_or(&[]) {
            lo[2] = lo[2].min(r[0]);
            hi[2] = hi[2].max(r[1]);
        }
        if n == 0 {
            let empty = Self {
                xy: Vec::new(),
                z: Vec::new(),
                slots: Vec::new(),
                origin: [0.0; 3],
                err_xy: 0.0,
                err_z: 0.0,
                grid: HilbertGrid::new([0.0; 2], [0.0; 2]),
                span: 0.0,
                len: 0,
            };
            return (empty, Vec::new(), Vec::new());
        }
        let origin: [f64; 3] = std::array::from_fn(|i| ((lo[i] + hi[i]) * 0.5).round());
        let grid = HilbertGrid::new([lo[0], lo[1]], [hi[0], hi[1]]);

        let mut order: Vec<u64> =
            xy.iter().enumerate().map(|(i, b)| (u64::from(grid.key(b.center())) << 32) | i as u64).collect();
        radix_sort_by_key(&mut order);

        // Gather first, convert after: the gather is a tight loop of independent cache misses
        // that the CPU overlaps; the conversion's data-dependent branches would stall it.
        let slots_dense: Vec<u32> = order.iter().map(|k| (k & 0xFFFF_FFFF) as u32).collect();
        drop(order);
        let xy_sorted: Vec<Aabb2> = slots_dense.iter().map(|&id| xy[id as usize]).collect();
        let z_sorted: Vec<[f64; 2]> =
            z.map(|z| slots_dense.iter().map(|&id| z[id as usize]).collect()).unwrap_or_default();

        let blocks = n.div_ceil(NODE_SIZE);
        let mut leaves = vec![EMPTY_XY; blocks];
        let mut zleaves = vec![EMPTY_Z; blocks];
        let mut slots = slots_dense;
        slots.resize(blocks * NODE_SIZE, u32::MAX);
        let (mut err_xy, mut err_z) = (0.0f64, 0.0f64);
        let (zmin0, zmax0) = (f32_down(-origin[2]), f32_up(-origin[2]));
        for (pos, b) in xy_sorted.iter().enumerate() {
            let (blk, lane) = (pos / NODE_SIZE, pos % NODE_SIZE);
            let (x0, y0) = (b.min[0] - origin[0], b.min[1] - origin[1]);
            let (x1, y1) = (b.max[0] - origin[0], b.max[1] - origin[1]);
            let (sx0, sy0, sx1, sy1) = (f32_down(x0), f32_down(y0), f32_up(x1), f32_up(y1));
            let l = &mut leaves[blk];
            l.minx.as_mut_array()[lane] = sx0;
            l.miny.as_mut_array()[lane] = sy0;
            l.maxx.as_mut_array()[lane] = sx1;
            l.maxy.as_mut_array()[lane] = sy1;
            err_xy = err_xy
                .max(x0 - f64::from(sx0))
                .max(y0 - f64::from(sy0))
                .max(f64::from(sx1) - x1)
                .max(f64::from(sy1) - y1);
            let zl = &mut zleaves[blk];
            let (sz0, sz1) = if let Some(r) = z_sorted.get(pos) {
                let (z0, z1) = (r[0] - origin[2], r[1] - origin[2]);
                let (sz0, sz1) = (f32_down(z0), f32_up(z1));
                err_z = err_z.max(z0 - f64::from(sz0)).max(f64::from(sz1) - z1);
                (sz0, sz1)
            } else {
                (zmin0, zmax0)
            };
            zl.minz.as_mut_array()[lane] = sz0;
            zl.maxz.as_mut_array()[lane] = sz1;
        }
        // Slack for the f64 rounding of `v - origin` and of the query shifts: four ulps of the
        // largest relative coordinate.
        let span = (0..3).map(|i| (hi[i] - origin[i]).abs().max((lo[i] - origin[i]).abs())).fold(0.0, f64::max);
        let slack = span * 4.0 * f64::EPSILON + f64::MIN_POSITIVE;
        let mut xy = vec![leaves];
        let mut z = vec![zleaves];
        while xy.last().is_some_and(|l| l.len() > 1) {
            let (child_xy, child_z) = (&xy[xy.len() - 1], &z[z.len() - 1]);
            let parents = child_xy.len().div_ceil(NODE_SIZE);
            let mut pxy = vec![EMPTY_XY; parents];
            let mut pz = vec![EMPTY_Z; parents];
            for (c, (cb, cz)) in child_xy.iter().zip(child_z).enumerate() {
                let (p, lane) = (c / NODE_SIZE, c % NODE_SIZE);
                let fold_min = |a: &f32x16| a.as_array().iter().copied().fold(f32::INFINITY, f32::min);
                let fold_max = |a: &f32x16| a.as_array().iter().copied().fold(f32::NEG_INFINITY, f32::max);
                pxy[p].minx.as_mut_array()[lane] = fold_min(&cb.minx);
                pxy[p].miny.as_mut_array()[lane] = fold_min(&cb.miny);
                pxy[p].maxx.as_mut_array()[lane] = fold_max(&cb.maxx);
                pxy[p].maxy.as_mut_array()[lane] = fold_max(&cb.maxy);
                pz[p].minz.as_mut_array()[lane] = fold_min(&cz.minz);
                pz[p].maxz.as_mut_array()[lane] = fold_max(&cz.maxz);
            }
            xy.push(pxy);
            z.push(pz);
        }
        let tree = Self { xy, z, slots, origin, err_xy: err_xy + slack, err_z: err_z + slack, grid, span, len: n };
        (tree, xy_sorted, z_sorted)
    }

    /// Number of objects.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The root node, if the tree holds anything.
    pub(crate) fn root(&self) -> Option<NodeRef> {
        (!self.xy.is_empty()).then(|| NodeRef { level: (self.xy.len() - 1) as u32, block: 0 })
    }

    /// Bytes held by the tree: node blocks of every level and the leaf slot ids.
    pub(crate) fn bytes(&self) -> usize {
        let xy: usize = self.xy.iter().map(|l| l.len() * size_of::<XyBlock>()).sum();
        let z: usize = self.z.iter().map(|l| l.len() * size_of::<ZBlock>()).sum();
        xy + z + self.slots.len() * size_of::<u32>()
    }

    /// A query box in the f32 frame, rounded outward: every stored box that might intersect
    /// the true query intersects this one.
    pub(crate) fn outer_query(&self, min: [f64; 2], max: [f64; 2]) -> QueryXy {
        let o = self.origin;
        finite([f32_down(min[0] - o[0]), f32_down(min[1] - o[1]), f32_up(max[0] - o[0]), f32_up(max[1] - o[1])])
    }

    /// A query box shrunk by the rounding error: a stored box that intersects it certainly
    /// holds a true box that intersects the true query, so no f64 check is needed.
    pub(crate) fn inner_query(&self, min: [f64; 2], max: [f64; 2]) -> QueryXy {
        let (o, e) = (self.origin, self.err_xy);
        finite([
            f32_up(min[0] - o[0] + e),
            f32_up(min[1] - o[1] + e),
            f32_down(max[0] - o[0] - e),
            f32_down(max[1] - o[1] - e),
        ])
    }

    /// z range in the f32 frame: (outer, inner) as for [`Self::outer_query`] and [`Self::inner_query`].
    pub(crate) fn z_queries(&self, min_z: f64, max_z: f64) -> ([f32; 2], [f32; 2]) {
        let (o, e) = (self.origin[2], self.err_z);
        let z = finite([f32_down(min_z - o), f32_up(max_z - o), f32_up(min_z - o + e), f32_down(max_z - o - e)]);
        ([z[0], z[1]], [z[2], z[3]])
    }

    /// Visits every object whose stored box intersects `outer` (and, when given, whose z range
    /// intersects `z_outer`). `visit(pos, certain)`: `pos` is the object's leaf position (see
    /// [`Self::slots`]); `certain` when the box also meets the inner query, i.e. when the
    /// object intersects the true query without an f64 check.
    #[inline]
    pub(crate) fn visit_window(
        &self,
        outer: &QueryXy,
        inner: &QueryXy,
        z: Option<([f32; 2], [f32; 2])>,
        stack: &mut Vec<NodeRef>,
        mut visit: impl FnMut(u32, bool),
    ) {
        let Some(root) = self.root() else { return };
        stack.clear();
        stack.push(root);
        while let Some(NodeRef { level, block }) = stack.pop() {
            let (lvl, blk) = (level as usize, block as usize);
            let node = &self.xy[lvl][blk];
            let mut m = mask_xy(node, outer);
            let zb = &self.z[lvl][blk];
            if let Some((zo, _)) = z {
                m &= mask_z(zb, zo[0], zo[1]);
            }
            if m == 0 {
                continue;
            }
            if lvl == 0 {
                let mut certain = mask_xy(node, inner);
                if let Some((_, zi)) = z {
                    certain &= mask_z(zb, zi[0], zi[1]);
                }
                let base = blk * NODE_SIZE;
                while m != 0 {
                    let lane = m.trailing_zeros() as usize;
                    m &= m - 1;
                    visit((base + lane) as u32, certain & (1 << lane) != 0);
                }
            } else {
                // Touch every child before descending into any, so their cache misses overlap
                // instead of following one another (a portable, safe stand-in for prefetch).
                let mut touch = 0.0f32;
                while m != 0 {
                    let lane = m.trailing_zeros();
                    m &= m - 1;
                    let child = block * NODE_SIZE as u32 + lane;
                    touch += self.touch(level - 1, child);
                    stack.push(NodeRef { level: level - 1, block: child });
                }
                std::hint::black_box(touch);
            }
        }
    }

    /// Reads one value from each cache line of a node's x/y block and returns their sum, for
    /// the caller to pass to `black_box` after issuing several: the loads then run in parallel.
    #[inline(always)]
    pub(crate) fn touch(&self, level: u32, block: u32) -> f32 {
        let c = &self.xy[level as usize][block as usize];
        c.minx.as_array()[0] + c.miny.as_array()[0] + c.maxx.as_array()[0] + c.maxy.as_array()[0]
    }

    /// The x/y box of one lane of a node, back in f64 world coordinates (outward-rounded, so
    /// it holds the true box of everything below it).
    #[inline]
    pub(crate) fn lane_box(&self, node: NodeRef, lane: usize) -> ([f64; 3], [f64; 3]) {
        let b = &self.xy[node.level as usize][node.block as usize];
        let z = &self.z[node.level as usize][node.block as usize];
        let o = self.origin;
        let at = |v: &f32x16, i: usize| f64::from(v.as_array()[lane]) + o[i];
        ([at(&b.minx, 0), at(&b.miny, 1), at(&z.minz, 2)], [at(&b.maxx, 0), at(&b.maxy, 1), at(&z.maxz, 2)])
    }

    /// Whether a lane holds an entry (padding lanes are empty).
    #[inline]
    pub(crate) fn lane_used(&self, node: NodeRef, lane: usize) -> bool {
        let b = &self.xy[node.level as usize][node.block as usize];
        b.minx.as_array()[lane] <= b.maxx.as_array()[lane]
    }

    /// Squared 2D distances, in f32, from `p` (relative to the origin) to the boxes of the 16
    /// lanes of a node (one SIMD pass), and the mask of lanes in use (padding lanes are not).
    /// The caller turns distances into lower bounds with [`Self::f32_distance_margin`]; a lane
    /// in use whose distance overflowed f32 must count as near, not as padding.
    #[inline]
    pub(crate) fn lane_distances_sq(&self, node: NodeRef, p: [f32; 2]) -> ([f32; NODE_SIZE], u32) {
        let b = &self.xy[node.level as usize][node.block as usize];
        let (px, py, zero) = (f32x16::splat(p[0]), f32x16::splat(p[1]), f32x16::ZERO);
        let dx = (b.minx - px).max(px - b.maxx).max(zero);
        let dy = (b.miny - py).max(py - b.maxy).max(zero);
        ((dx * dx + dy * dy).to_array(), b.minx.simd_le(b.maxx).to_bitmask())
    }

    /// How far below the true distance a bound from [`Self::lane_distances_sq`] must be taken:
    /// the stored boxes' own rounding, plus f32 arithmetic on coordinates up to `reach` from
    /// the origin (eight ulps: the point's rounding, the subtraction, squares, sum and root).
    #[inline]
    pub(crate) fn f32_distance_margin(&self, reach: f64) -> f64 {
        self.err_xy + 8.0 * f64::from(f32::EPSILON) * (self.span + reach)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directed_rounding_brackets_the_value() {
        for x in [
            0.0,
            -0.0,
            1e-50,
            -1e-50,
            0.1,
            -0.1,
            85_000.123_456_789,
            -447_000.987_654_321,
            5_820_156.036_2,
            -1e-40,
            1e30,
        ] {
            let (d, u) = (f32_down(x), f32_up(x));
            assert!(f64::from(d) <= x && f64::from(u) >= x, "{x}: {d} {u}");
            assert!(u == d || u == d.next_up(), "{x}: not adjacent: {d} {u}");
            assert!(d.is_finite() && u.is_finite(), "{x}");
        }
    }

    #[test]
    fn root_holds_every_box_and_ids_are_a_permutation() {
        let boxes: Vec<Aabb2> = (0..1000)
            .map(|i| {
                let x = f64::from(i % 37) * 13.7 + 85_000.0;
                let y = f64::from(i / 37) * 9.1 + 447_000.0;
                Aabb2::new([x, y], [x + 5.0, y + 7.0]).unwrap()
            })
            .collect();
        let z = vec![[0.0, 10.0]; boxes.len()];
        let (t, sorted, _) = PackedRTree::build(&boxes, Some(&z));
        for (pos, b) in sorted.iter().enumerate() {
            assert_eq!(*b, boxes[t.slots[pos] as usize]);
        }
        let mut ids: Vec<u32> = t.slots.iter().copied().filter(|&s| s != u32::MAX).collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..1000).collect::<Vec<_>>());
        let root = t.root().unwrap();
        for b in &boxes {
            let inside = (0..NODE_SIZE).filter(|&l| t.lane_used(root, l)).any(|l| {
                let (lo, hi) = t.lane_box(root, l);
                (0..2).all(|i| lo[i] <= b.min[i] && hi[i] >= b.max[i]) && lo[2] <= 0.0 && hi[2] >= 10.0
            });
            assert!(inside, "{b:?} not under the root");
        }
        assert!(t.err_xy < 1e-3, "rounding error {} m for a 500 m city", t.err_xy);
    }
}
