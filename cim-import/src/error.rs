use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// A file that could not be read at all.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not valid JSON; line and column of the first error.
    #[error("{}: line {line}, column {column}: not valid JSON: {message}", file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The file is JSON but not a model this reader takes (wrong type, unknown version...).
    #[error("{}: {reason}", file.display())]
    Format {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// An object that was skipped, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The file it is in.
    pub file: PathBuf,
    /// The object's id.
    pub id: String,
    /// What was wrong with it.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: object {:?}: {}", self.file.display(), self.id, self.reason)
    }
}
