//! [`IndexHandle`]: how a running engine replaces its index without stopping queries.
//!
//! Queries never take a lock per query: a batch takes the current index (`Arc` clone, one
//! brief read lock) and runs on it to the end, however long that takes. A writer builds a whole
//! new [`CityIndex`] off to the side and swaps it in; batches already running finish on the old
//! one, which is freed when the last of them drops it.
use std::sync::{Arc, PoisonError, RwLock};

use crate::CityIndex;

/// A shared, swappable reference to the current index.
#[derive(Clone)]
pub struct IndexHandle {
    current: Arc<RwLock<Arc<CityIndex>>>,
}

impl IndexHandle {
    /// A handle serving `index`.
    pub fn new(index: CityIndex) -> Self {
        Self { current: Arc::new(RwLock::new(Arc::new(index))) }
    }

    /// The index to run a batch on. Holding it keeps that index alive, not the lock.
    pub fn load(&self) -> Arc<CityIndex> {
        // A poisoned lock still holds a complete index: a swap is a single pointer store.
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Serves `index` from now on; returns the one it replaces.
    pub fn swap(&self, index: CityIndex) -> Arc<CityIndex> {
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *guard, Arc::new(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BatchOptions;
    use city_core::Aabb2;

    #[test]
    fn running_batches_finish_on_the_index_they_started_with() {
        let one = Aabb2::new([0.0, 0.0], [1.0, 1.0]).unwrap();
        let handle = IndexHandle::new(CityIndex::from_boxes(&[one]).unwrap());
        let q = [Aabb2::new([0.0, 0.0], [10.0, 10.0]).unwrap()];
        let before = handle.load();
        let reader = {
            let h = handle.clone();
            std::thread::spawn(move || {
                // Each batch sees one whole index: 1 hit (old) or 3 (new), never anything else.
                (0..200)
                    .map(|_| h.load().windows(&q, BatchOptions::sequential()).unwrap().total_hits())
                    .collect::<Vec<_>>()
            })
        };
        let old = handle.swap(CityIndex::from_boxes(&[one, one, one]).unwrap());
        assert!(Arc::ptr_eq(&old, &before));
        assert_eq!(before.windows(&q, BatchOptions::default()).unwrap().total_hits(), 1, "old index intact");
        assert_eq!(handle.load().windows(&q, BatchOptions::default()).unwrap().total_hits(), 3);
        let seen = reader.join().unwrap();
        assert!(seen.iter().all(|&h| h == 1 || h == 3), "{seen:?}");
    }
}
