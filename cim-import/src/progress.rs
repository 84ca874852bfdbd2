//! What a long import tells its caller as it goes: the command line draws a progress bar and
//! prints skipped objects as they are met; a library user may ignore it all (`&()`).
use std::path::Path;

use crate::Skipped;

/// Receives an import's progress. Every method has a default that does nothing; `tiling` is
/// called from worker threads, hence `Sync`.
pub trait Progress: Sync {
    /// A file is being read; `objects` have been read from all files so far.
    fn reading(&self, _file: &Path, _objects: usize) {}
    /// `done` of `total` input files have been read.
    fn files_read(&self, _done: usize, _total: usize) {}
    /// An object was skipped (it is also in the report).
    fn skipped(&self, _what: &Skipped) {}
    /// Something worth a warning that cost no object (it is also in the report).
    fn warning(&self, _what: &Skipped) {}
    /// City buildings left out because a BIM building imported with them stands there.
    fn replaced(&self, _ids: &[String]) {}
    /// `done` of `total` tiles written.
    fn tiling(&self, _done: u64, _total: u64) {}
}

/// No progress wanted.
impl Progress for () {}
