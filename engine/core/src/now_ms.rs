//! The wall clock as the live layers count time: milliseconds since 1970 (UTC). Observations,
//! alerts and their expiry are all stamped this way, so every crate asks the same function
//! instead of each writing its own.

/// Milliseconds since 1970-01-01 UTC now; 0 on a clock set before 1970 (never an error: a
/// wrong clock must not stop a feed).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_after_2020() {
        // 2020-01-01T00:00:00Z.
        assert!(now_ms() > 1_577_836_800_000);
    }
}
