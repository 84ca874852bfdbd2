//! Query types that are more than a box, and the best-first heap entry that k-nearest and ray
//! picking share.
use std::cmp::Ordering;

/// The k objects nearest to a point (2D distance to the footprint; 0 inside).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnnQuery {
    /// The point.
    pub point: [f64; 2],
    /// How many neighbours; at least 1.
    pub k: usize,
}

/// Every object within a distance of a point (2D distance to the footprint; 0 inside).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WithinQuery {
    /// The point.
    pub point: [f64; 2],
    /// The distance, metres (same unit as the coordinates); at least 0.
    pub radius: f64,
}

/// What a heap entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EntryKind {
    /// A tree node; `a` = level, `b` = block. Its key is a lower bound for all below it.
    Node,
    /// An object whose key is still the lower bound from its stored box; `a` = id.
    Candidate,
    /// An object with its exact key; `a` = id.
    Exact,
}

/// An entry of a best-first search. Ordered by key, then kind (so at equal keys every bound
/// is refined before an exact answer leaves the heap), then id: answers at equal distance come
/// out by ascending id, which makes them deterministic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeapEntry {
    pub(crate) key: f64,
    pub(crate) kind: EntryKind,
    pub(crate) a: u32,
    pub(crate) b: u32,
}

impl PartialEq for HeapEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for HeapEntry {}

impl PartialOrd for HeapEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HeapEntry {
    /// Reversed, so that std's max-heap pops the smallest key first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key
            .total_cmp(&self.key)
            .then(other.kind.cmp(&self.kind))
            .then(other.a.cmp(&self.a))
            .then(other.b.cmp(&self.b))
    }
}
