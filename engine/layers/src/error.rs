use thiserror::Error;

/// Why something was refused. Feeds never stop on these: the layer counts them and goes on.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum LayerError {
    /// A payload that is not an observation.
    #[error("payload on {topic}: {reason}")]
    Payload {
        /// The topic it came on.
        topic: String,
        /// What is wrong.
        reason: String,
    },
    /// An observation for a datastream the layer does not know.
    #[error("unknown datastream {0:?}")]
    UnknownDatastream(String),
    /// A bad rule or sensor declaration.
    #[error("{0}")]
    Rule(String),
    /// A sensor file that cannot be read: the file and what is wrong.
    #[error("{file}: {reason}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
}
