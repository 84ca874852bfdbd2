//! The state of one datastream: its last value, a bounded history, and statistics over a time
//! window. The history is a ring: memory per datastream is fixed however long the feed runs.
/// Observations kept per datastream.
pub const HISTORY: usize = 256;

/// One datastream's state.
#[derive(Debug, Clone, Default)]
pub struct DatastreamState {
    /// (time ms, value), oldest first once full; `next` is where the next one goes.
    ring: Vec<(i64, f64)>,
    next: usize,
    /// The newest observation by time (kept so reading it is O(1): colouring 100,000 markers
    /// a second reads it for each).
    newest: Option<(i64, f64)>,
    /// Observations applied in total.
    pub count: u64,
}

/// Minimum, maximum and mean over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Observations in the window.
    pub count: usize,
}

impl DatastreamState {
    /// Adds an observation. Late ones (older than the newest) are kept in the history too; the
    /// "last" value is the newest by time.
    pub fn push(&mut self, time_ms: i64, value: f64) {
        // The whole ring at the first observation: a datastream's memory is taken once, not
        // grown over its first HISTORY observations (with 100,000 sensors that growth lasts
        // minutes and looks like a leak; the soak test, benches/soak.sh, judges memory by it).
        if self.ring.capacity() == 0 {
            self.ring.reserve_exact(HISTORY);
        }
        if self.ring.len() < HISTORY {
            self.ring.push((time_ms, value));
        } else {
            self.ring[self.next] = (time_ms, value);
        }
        self.next = (self.next + 1) % HISTORY;
        self.count += 1;
        if self.newest.is_none_or(|(t, _)| time_ms >= t) {
            self.newest = Some((time_ms, value));
        }
    }

    /// The newest observation by time.
    pub fn last(&self) -> Option<(i64, f64)> {
        self.newest
    }

    /// The history, oldest first (by arrival).
    pub fn history(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        let (a, b) = if self.ring.len() < HISTORY {
            (&self.ring[..], &[][..])
        } else {
            (&self.ring[self.next..], &self.ring[..self.next])
        };
        a.iter().chain(b).copied()
    }

    /// Statistics of the observations in the last `window_ms` before the newest.
    pub fn window(&self, window_ms: i64) -> Option<WindowStats> {
        let (newest, _) = self.last()?;
        let mut s = WindowStats { min: f64::INFINITY, max: f64::NEG_INFINITY, mean: 0.0, count: 0 };
        for (t, v) in self.history().filter(|(t, _)| *t > newest - window_ms) {
            let _ = t;
            s.min = s.min.min(v);
            s.max = s.max.max(v);
            s.mean += v;
            s.count += 1;
        }
        s.mean /= s.count as f64;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_and_windows_count_right() {
        let mut s = DatastreamState::default();
        for i in 0..1000 {
            s.push(i * 1000, i as f64);
        }
        assert_eq!(s.count, 1000);
        assert_eq!(s.history().count(), HISTORY);
        assert_eq!(s.history().next(), Some((744_000, 744.0)), "oldest kept");
        assert_eq!(s.last(), Some((999_000, 999.0)));
        let w = s.window(10_000).unwrap();
        assert_eq!((w.min, w.max, w.count), (990.0, 999.0, 10));
        assert!((w.mean - 994.5).abs() < 1e-9);
        s.push(5, -1.0); // late
        assert_eq!(s.last(), Some((999_000, 999.0)));
    }

    #[test]
    fn the_ring_takes_its_memory_at_the_first_observation() {
        let mut s = DatastreamState::default();
        assert_eq!(s.ring.capacity(), 0, "no memory before any observation");
        s.push(0, 1.0);
        assert_eq!(s.ring.capacity(), HISTORY);
        for i in 1..10 * HISTORY as i64 {
            s.push(i, 1.0);
        }
        assert_eq!(s.ring.capacity(), HISTORY, "never grown after");
    }
}
