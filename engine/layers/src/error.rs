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
    /// A bad rule or sensor declaration (a zone of two points, a datastream id used twice...).
    #[error("{0}")]
    Rule(String),
    /// The spatial index refused the geometry of an analysis (`what`: `impact`, `sensor join`).
    #[error("{what}: {source}")]
    Index {
        /// The analysis that built or queried the index.
        what: &'static str,
        /// What the index said.
        source: city_index::IndexError,
    },
    /// No broker given, or one that cannot be reached or written to.
    #[error("{0}")]
    Broker(String),
    /// A credential named by an environment variable that is not set.
    #[error("password_env: the environment variable {0} is not set")]
    MissingEnv(String),
    /// A sensor file that cannot be read: the file and what is wrong.
    #[error("{file}: {reason}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
}
