//! The process's resident memory, now and at its peak (Linux `/proc/self/status`), for the
//! summaries of long commands, the soak test and the benchmarks that guard memory.

/// A `kB` field of `/proc/self/status`, in bytes.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The process's peak resident memory (VmHWM), in bytes; `None` where the system does not say.
pub fn peak_resident_bytes() -> Option<u64> {
    status_field("VmHWM:")
}

/// The process's resident memory now (VmRSS), in bytes; `None` where the system does not say.
pub fn resident_bytes() -> Option<u64> {
    status_field("VmRSS:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_grows_when_pages_are_touched_and_the_peak_holds_it() {
        let before = resident_bytes().expect("Linux says");
        let touched = vec![1u8; 64 << 20];
        let during = resident_bytes().expect("Linux says");
        assert!(during >= before + (48 << 20), "{before} -> {during} after touching 64 MiB");
        // Linux raises the high-water mark when memory is given back (and counts RSS in per-thread
        // batches), so the peak is read after the 64 MiB are freed, with a few pages' slack.
        drop(std::hint::black_box(touched));
        let peak = peak_resident_bytes().expect("Linux says");
        assert!(peak + (4 << 20) >= during, "peak {peak} below {during}");
    }
}
