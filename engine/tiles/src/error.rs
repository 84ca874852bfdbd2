use std::fmt;

use thiserror::Error;

/// Why a tileset, a subtree or a tile's content could not be used. Each names the file (URI)
/// and, where there is one, the place in it.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TilesError {
    /// The JSON does not parse; line and column of the first error.
    #[error("{uri}: line {line}, column {column}: {message}")]
    Json {
        /// The file.
        uri: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The file parses but breaks the 3D Tiles spec; `at` is a JSON path or a byte offset.
    #[error("{uri}: {at}: {reason}")]
    Format {
        /// The file.
        uri: String,
        /// Where: `root.children[2].boundingVolume`, `byte 28`...
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The content could not be fetched (missing file, HTTP error, timeout, URI outside the
    /// tileset's folder).
    #[error("{uri}: {reason}")]
    Load {
        /// The file or URL.
        uri: String,
        /// What went wrong.
        reason: String,
    },
    /// A folder without the feature table `citytwin import` writes: a tileset from elsewhere,
    /// or not a tileset at all.
    #[error("{dir} is a folder without features.csv: not a tileset written by `citytwin import`")]
    NotImported {
        /// The folder.
        dir: String,
    },
    /// The content's format is valid but not one this reader decodes (Draco, a cmpt...).
    #[error("{uri}: not supported: {what}")]
    Unsupported {
        /// The file.
        uri: String,
        /// What is missing.
        what: String,
    },
}

impl TilesError {
    /// A format error at a place in a file.
    pub fn format(uri: &str, at: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Self::Format { uri: uri.to_owned(), at: at.to_string(), reason: reason.to_string() }
    }

    /// JSON that does not parse, with serde's line and column.
    pub fn json(uri: &str, e: &serde_json::Error) -> Self {
        Self::Json { uri: uri.to_owned(), line: e.line(), column: e.column(), message: e.to_string() }
    }
}
