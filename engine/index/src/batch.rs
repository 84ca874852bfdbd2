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

/// One worker's answers: the hits of every chunk it took, one after the other, and where
/// each chunk starts. A worker is one rayon fold accumulator (a few per thread), so a batch
/// allocates a handful of buffers, not one per chunk or per query.
#[derive(Default)]
struct Worker {
    scratch: Scratch,
    ids: Vec<u32>,
    values: Vec<f64>,
    /// (chunk index, offset of its first hit in `ids`), with the hit count of each query of
    /// the chunk in `lens`, in chunk order.
    chunks: Vec<(u32, usize)>,
    lens: Vec<u32>,
}

/// Queries per chunk: small enough to balance two threads on a skewed batch.
const CHUNK: usize = 256;

/// Queries per gather task when laying out the answers by query.
const GATHER: usize = 4096;

/// Answers `n` queries with `answer(scratch, query_index, ids_out, values_out)`.
///
/// `key(i)` is the Hilbert key of query `i`, used when `opts.reorder` is set.
pub(crate) fn run<A>(n: usize, key: impl Fn(usize) -> u32 + Sync, opts: BatchOptions, answer: A) -> QueryResults
where
    A: Fn(&mut Scratch, usize, &mut Vec<u32>, &mut Vec<f64>) + Sync,
{
    let reordered = opts.reorder && n > CHUNK;
    let order: Vec<u32> = if reordered {
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
    let take_chunk = |mut w: Worker, (ci, chunk): (usize, &[u32])| {
        w.chunks.push((ci as u32, w.ids.len()));
        for &q in chunk {
            let before = w.ids.len();
            answer(&mut w.scratch, q as usize, &mut w.ids, &mut w.values);
            w.lens.push((w.ids.len() - before) as u32);
        }
        w
    };
    let workers: Vec<Worker> = if opts.parallel {
        order.par_chunks(CHUNK).enumerate().fold(Worker::default, take_chunk).collect()
    } else {
        vec![order.chunks(CHUNK).enumerate().fold(Worker::default(), take_chunk)]
    };
    let with_values = workers.iter().any(|w| !w.values.is_empty());

    // Where each query's answer sits: (worker, start in its buffers), and its length.
    let mut src = vec![(0u32, 0usize); n];
    let mut counts = vec![0u32; n];
    for (wi, w) in workers.iter().enumerate() {
        let mut lens = w.lens.iter();
        for &(ci, mut start) in &w.chunks {
            let c0 = ci as usize * CHUNK;
            for &q in &order[c0..(c0 + CHUNK).min(n)] {
                let len = *lens.next().expect("one length per query");
                src[q as usize] = (wi as u32, start);
                counts[q as usize] = len;
                start += len as usize;
            }
        }
    }
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    for &c in &counts {
        offsets.push(offsets[offsets.len() - 1] + c as usize);
    }
    let total = offsets[n];

    // One worker that took the queries in the order given already holds the final layout.
    if workers.len() == 1 && !reordered {
        let w = workers.into_iter().next().expect("one worker");
        return QueryResults { offsets, ids: w.ids, values: w.values };
    }

    // Gather each query's answer into its place, in parallel over disjoint ranges.
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
            let (w, s) = src[q];
            let (w, len) = (&workers[w as usize], counts[q] as usize);
            out_ids[at..at + len].copy_from_slice(&w.ids[s..s + len]);
            if with_values {
                out_vals[at..at + len].copy_from_slice(&w.values[s..s + len]);
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
