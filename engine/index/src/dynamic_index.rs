//! [`DynamicIndex`]: for what moves or changes while the city runs.
//!
//! Live sensors come and go and incidents grow; rebuilding a million-object packed tree for each
//! change would be wasteful, and these layers hold thousands of objects, not millions. rstar's
//! R*-tree takes inserts and removals in O(log n) and answers the same queries.
use city_core::Aabb2;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A mutable R*-tree of boxes with caller-chosen ids.
#[derive(Debug, Default, Clone)]
pub struct DynamicIndex {
    tree: RTree<Entry>,
}

fn entry(id: u32, b: &Aabb2) -> Entry {
    GeomWithData::new(Rectangle::from_corners(b.min, b.max), id)
}

impl DynamicIndex {
    /// An index bulk-loaded with `(id, box)` pairs.
    pub fn bulk_load(items: impl IntoIterator<Item = (u32, Aabb2)>) -> Self {
        Self { tree: RTree::bulk_load(items.into_iter().map(|(id, b)| entry(id, &b)).collect()) }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an entry.
    pub fn insert(&mut self, id: u32, b: Aabb2) {
        self.tree.insert(entry(id, &b));
    }

    /// Removes the entry with this id and box; returns whether it was there.
    pub fn remove(&mut self, id: u32, b: Aabb2) -> bool {
        self.tree.remove(&entry(id, &b)).is_some()
    }

    /// Ids of entries whose box intersects the window (touching counts).
    pub fn window(&self, q: &Aabb2, out: &mut Vec<u32>) {
        out.extend(self.tree.locate_in_envelope_intersecting(AABB::from_corners(q.min, q.max)).map(|e| e.data));
    }

    /// The `k` nearest ids to a point, nearest first.
    pub fn nearest(&self, p: [f64; 2], k: usize, out: &mut Vec<u32>) {
        out.extend(self.tree.nearest_neighbor_iter(p).take(k).map(|e| e.data));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_and_removes_change_answers() {
        let b = |x: f64| Aabb2::new([x, 0.0], [x + 1.0, 1.0]).unwrap();
        let mut idx = DynamicIndex::bulk_load([(1, b(0.0)), (2, b(10.0))]);
        idx.insert(3, b(5.0));
        let mut out = vec![];
        idx.window(&Aabb2::new([4.0, 0.0], [6.0, 1.0]).unwrap(), &mut out);
        assert_eq!(out, [3]);
        assert!(idx.remove(3, b(5.0)));
        assert!(!idx.remove(3, b(5.0)));
        out.clear();
        idx.nearest([5.2, 0.5], 1, &mut out);
        assert_eq!(out, [1]);
        assert_eq!(idx.len(), 2);
    }
}
