//! Running a batch of queries: in order or along a Hilbert curve, on one thread or all, into
//! one flat result layout.
//!
//! Every query kind goes through [`run`]: the kind supplies a function that answers one query
//! into a chunk's buffers; `run` decides the order, splits the batch into chunks for rayon, and
//! lays the answers out by query. Scratch space (traversal stacks, heaps) lives per chunk
//! worker and is reused, so the inner loop allocates nothing once buffers have grown.
use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::hilbert::radix_sort_by_key;
use crate::packed_rtree::NodeRef;

/// How to run a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Spread the batch over rayon's thread pool. Answers are identical either way.
    pub parallel: bool,
    /// Answer queries in Hilbert order of their centres rather than in the order given, so
    /// that consecutive queries touch the same nodes (warm caches). Results still come back in
    /// the order given. Costs a sort of the batch (~3 ms per 100,000 queries).
    pub reorder: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self { parallel: true, reorder: true }
    }
}

impl BatchOptions {
    /// One thread, Hilbert-ordered.
    pub fn sequential() -> Self {
        Self { parallel: false, reorder: true }
    }
}

/// The answers to a batch, by query: the ids of query `i` are `ids[offsets[i]..offsets[i+1]]`.
/// Kinds that measure something (k-nearest and within-distance: distance; ray pick: the ray
/// parameter of the hit) carry it in `values`, parallel to `ids`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryResults {
    offsets: Vec<usize>,
    ids: Vec<u32>,
    values: Vec<f64>,
}

impl QueryResults {
    /// Number of queries answered.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids answering query `i`.
    pub fn get(&self, i: usize) -> &[u32] {
        &self.ids[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The values (distance, ray parameter) answering query `i`; empty for kinds without.
    pub fn values(&self, i: usize) -> &[f64] {
        if self.values.is_empty() { &[] } else { &self.values[self.offsets[i]..self.offsets[i + 1]] }
    }

    /// Total number of hits over all queries.
    pub fn total_hits(&self) -> usize {
        self.ids.len()
    }

    /// The flat offsets (length = queries + 1).
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// All ids, query after query.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// An order-independent fingerprint of the hits: the sum over hits of
    /// `(id + 1) * (query + 1)`, wrapping at 2^64. The peer benchmarks compute the same.
    pub fn checksum(&self) -> u64 {
        (0..self.len()).fold(0u64, |acc, q| {
            self.get(q).iter().fold(acc, |a, &id| a.wrapping_add((u64::from(id) + 1).wrapping_mul(q as u64 + 1)))
        })
    }
}

/// Per-worker scratch space, reused across the queries of a chunk.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) stack: Vec<NodeRef>,
    pub(crate) heap: BinaryHeap<crate::query::HeapEntry>,
    pub(crate) best: Vec<(f64, u32)>,
}

/// One chunk's answers, in the chunk's query order.
struct ChunkOut {
    ids: Vec<u32>,
    values: Vec<f64>,
    lens: Vec<u32>,
}

/// Queries per chunk: small enough to balance two threads on a skewed batch, large enough
/// that the per-chunk buffers are reused many times.
const CHUNK: usize = 256;

/// Queries per gather task when laying out reordered answers.
const GATHER: usize = 4096;

/// Answers `n` queries with `answer(scratch, query_index, ids_out, values_out)`.
///
/// `key(i)` is the Hilbert key of query `i`, used when `opts.reorder` is set.
pub(crate) fn run<A>(n: usize, key: impl Fn(usize) -> u32 + Sync, opts: BatchOptions, answer: A) -> QueryResults
where
    A: Fn(&mut Scratch, usize, &mut Vec<u32>, &mut Vec<f64>) + Sync,
{
    let order: Vec<u32> = if opts.reorder && n > CHUNK {
        let mut keyed: Vec<u64> = if opts.parallel {
            (0..n).into_par_iter().map(|i| (u64::from(key(i)) << 32) | i as u64).collect()
        } else {
            (0..n).map(|i| (u64::from(key(i)) << 32) | i as u64).collect()
        };
        radix_sort_by_key(&mut keyed);
        keyed.into_iter().map(|k| k as u32).collect()
    } else {
        (0..n as u32).collect()
    };
    let in_order = order.iter().enumerate().all(|(i, &q)| i == q as usize);

    let do_chunk = |scratch: &mut Scratch, chunk: &[u32]| {
        let mut out = ChunkOut { ids: Vec::new(), values: Vec::new(), lens: Vec::with_capacity(chunk.len()) };
        for &q in chunk {
            let before = out.ids.len();
            answer(scratch, q as usize, &mut out.ids, &mut out.values);
            out.lens.push((out.ids.len() - before) as u32);
        }
        out
    };
    let chunks: Vec<ChunkOut> = if opts.parallel {
        order.par_chunks(CHUNK).map_init(Scratch::default, do_chunk).collect()
    } else {
        let mut scratch = Scratch::default();
        order.chunks(CHUNK).map(|c| do_chunk(&mut scratch, c)).collect()
    };
    let with_values = chunks.iter().any(|c| !c.values.is_empty());

    // Where each query's answer sits: (chunk, start within the chunk), and its length.
    let mut src = vec![(0u32, 0u32); n];
    let mut counts = vec![0u32; n];
    for (c, (chunk, out)) in order.chunks(CHUNK).zip(&chunks).enumerate() {
        let mut start = 0u32;
        for (&q, &len) in chunk.iter().zip(&out.lens) {
            src[q as usize] = (c as u32, start);
            counts[q as usize] = len;
            start += len;
        }
    }
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    for &c in &counts {
        offsets.push(offsets[offsets.len() - 1] + c as usize);
    }
    let total = offsets[n];

    if in_order {
        let mut ids = Vec::with_capacity(total);
        let mut values = Vec::with_capacity(if with_values { total } else { 0 });
        for out in &chunks {
            ids.extend_from_slice(&out.ids);
            values.extend_from_slice(&out.values);
        }
        return QueryResults { offsets, ids, values };
    }

    // Reordered: gather each query's answer into its place, in parallel over disjoint ranges.
    let mut ids = vec![0u32; total];
    let mut values = vec![0f64; if with_values { total } else { 0 }];
    let mut pieces = Vec::with_capacity(n.div_ceil(GATHER));
    let (mut rest_ids, mut rest_vals) = (ids.as_mut_slice(), values.as_mut_slice());
    for q0 in (0..n).step_by(GATHER) {
        let q1 = (q0 + GATHER).min(n);
        let len = offsets[q1] - offsets[q0];
        let (a, b) = rest_ids.split_at_mut(len);
        rest_ids = b;
        let vlen = if with_values { len } else { 0 };
        let (va, vb) = rest_vals.split_at_mut(vlen);
        rest_vals = vb;
        pieces.push((q0..q1, a, va));
    }
    let gather = |(range, out_ids, out_vals): (std::ops::Range<usize>, &mut [u32], &mut [f64])| {
        let mut at = 0;
        for q in range {
            let (c, s) = src[q];
            let (c, s, len) = (c as usize, s as usize, counts[q] as usize);
            out_ids[at..at + len].copy_from_slice(&chunks[c].ids[s..s + len]);
            if with_values {
                out_vals[at..at + len].copy_from_slice(&chunks[c].values[s..s + len]);
            }
            at += len;
        }
    };
    if opts.parallel {
        pieces.into_par_iter().for_each(gather);
    } else {
        pieces.into_iter().for_each(gather);
    }
    QueryResults { offsets, ids, values }
}
