use thiserror::Error;

/// Why an index could not be built or a batch could not run. Each names the object or query
/// (its position in the input) so a caller can point at the file line it came from.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum IndexError {
    /// An object's geometry is unusable (NaN, inverted box, empty polygon).
    #[error("object {index}: {reason}")]
    BadObject {
        /// Position of the object in the input.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A query is unusable (NaN coordinates, k = 0, negative radius...).
    #[error("query {index}: {reason}")]
    BadQuery {
        /// Position of the query in the batch.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// More objects than ids: the index addresses objects with u32.
    #[error("too many objects: {count} (at most {max})")]
    TooManyObjects {
        /// How many were given.
        count: usize,
        /// The most one index holds.
        max: usize,
    },
}
