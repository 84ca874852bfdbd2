//! Running a batch of queries: in order or along a Hilbert curve, on one thread or all.
//!
//! Every query kind goes through [`run`]: the kind supplies a function that answers one query
//! into a worker's buffers; `run` decides the order, splits the batch into chunks for rayon,
//! and records where each query's hits landed. Scratch space (traversal stacks, heaps) lives
//! per worker and is reused, so the inner loop allocates nothing once buffers have grown, and
//! answers are never copied after they are found.
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

/// The answers to a batch, by query. Kinds that measure something (k-nearest and
/// within-distance: the distance; ray pick: the ray parameter of the hit) carry it in
/// [`QueryResults::values`], parallel to the ids.
///
/// Layout: the hits stay in the buffers of the workers that found them (a handful per batch,
/// never one per query), and each query records where its run of hits starts. So answers are
/// never copied into place after a parallel or reordered batch; reading query `i` is one
/// lookup and a slice.
#[derive(Debug, Clone, Default)]
pub struct QueryResults {
    segments: Vec<Segment>,
    spans: Vec<Span>,
    total: usize,
}

/// One worker's hits.
#[derive(Debug, Clone, Default)]
struct Segment {
    ids: Vec<u32>,
    values: Vec<f64>,
}

/// Where one query's hits are: `segments[segment].ids[start..start + len]`.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    segment: u32,
    len: u32,
    start: usize,
}

impl QueryResults {
    /// Number of queries answered.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The ids answering query `i`.
    pub fn get(&self, i: usize) -> &[u32] {
        let s = self.spans[i];
        &self.segments[s.segment as usize].ids[s.start..s.start + s.len as usize]
    }

    /// The values (distance, ray parameter) answering query `i`; empty for kinds without.
    pub fn values(&self, i: usize) -> &[f64] {
        let s = self.spans[i];
        let v = &self.segments[s.segment as usize].values;
        if v.is_empty() { &[] } else { &v[s.start..s.start + s.len as usize] }
    }

    /// The answers, query by query.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Total number of hits over all queries.
    pub fn total_hits(&self) -> usize {
        self.total
    }

    /// An order-independent fingerprint of the hits: the sum over hits of
    /// `(id + 1) * (query + 1)`, wrapping at 2^64. The peer benchmarks compute the same.
    pub fn checksum(&self) -> u64 {
        self.iter().enumerate().fold(0u64, |acc, (q, ids)| {
            ids.iter().fold(acc, |a, &id| a.wrapping_add((u64::from(id) + 1).wrapping_mul(q as u64 + 1)))
        })
    }
}

/// Equal when every query has the same ids and values in the same order, however the batch
/// was split between workers.
impl PartialEq for QueryResults {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && (0..self.len()).all(|i| self.get(i) == other.get(i) && self.values(i) == other.values(i))
    }
}

/// Per-worker scratch space, reused across the queries of a chunk.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) stack: Vec<NodeRef>,
    pub(crate) heap: BinaryHeap<crate::query::HeapEntry>,
    pub(crate) best: Vec<(f64, u32)>,
}

/// One worker's answers: the hits of every chunk it took, one after the other, and the hit
/// count of each query, in the order taken. A worker is one rayon fold accumulator (a few per
/// thread), so a batch allocates a handful of buffers, not one per chunk or per query.
#[derive(Default)]
struct Worker {
    scratch: Scratch,
    hits: Segment,
    /// The chunks taken (their index in the batch), in order.
    chunks: Vec<u32>,
    lens: Vec<u32>,
}

/// Queries answered by every batch of this process, for the viewer's bench summary.
static ANSWERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many spatial queries this process has answered (every kind, every index).
pub fn queries_answered() -> u64 {
    ANSWERED.load(std::sync::atomic::Ordering::Relaxed)
}

/// At most this many queries per chunk: small enough to balance two threads on a skewed batch.
const CHUNK: usize = 256;

/// Answers `n` queries with `answer(scratch, query_index, ids_out, values_out)`.
///
/// `key(i)` is the Hilbert key of query `i`, used when `opts.reorder` is set.
pub(crate) fn run<A>(n: usize, key: impl Fn(usize) -> u32 + Sync, opts: BatchOptions, answer: A) -> QueryResults
where
    A: Fn(&mut Scratch, usize, &mut Vec<u32>, &mut Vec<f64>) + Sync,
{
    // Small batches (a few frustums) still get split across threads.
    let chunk = if opts.parallel { (n / (4 * rayon::current_num_threads())).clamp(1, CHUNK) } else { CHUNK };
    let order: Vec<u32> = if opts.reorder && n > chunk {
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
    let take_chunk = |mut w: Worker, (ci, queries): (usize, &[u32])| {
        w.chunks.push(ci as u32);
        for &q in queries {
            let before = w.hits.ids.len();
            answer(&mut w.scratch, q as usize, &mut w.hits.ids, &mut w.hits.values);
            w.lens.push((w.hits.ids.len() - before) as u32);
        }
        w
    };
    let workers: Vec<Worker> = if opts.parallel {
        order.par_chunks(chunk).enumerate().fold(Worker::default, take_chunk).collect()
    } else {
        vec![order.chunks(chunk).enumerate().fold(Worker::default(), take_chunk)]
    };

    // Record where each query's hits sit; the hits themselves stay where they are.
    let mut spans = vec![Span::default(); n];
    let mut total = 0;
    let mut segments = Vec::with_capacity(workers.len());
    for (wi, w) in workers.into_iter().enumerate() {
        let mut lens = w.lens.iter();
        let mut start = 0usize;
        for &ci in &w.chunks {
            let c0 = ci as usize * chunk;
            for &q in &order[c0..(c0 + chunk).min(n)] {
                let len = lens.next().copied().unwrap_or(0);
                spans[q as usize] = Span { segment: wi as u32, len, start };
                start += len as usize;
            }
        }
        total += w.hits.ids.len();
        segments.push(w.hits);
    }
    ANSWERED.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    QueryResults { segments, spans, total }
}
