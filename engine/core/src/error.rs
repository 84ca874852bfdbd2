use thiserror::Error;

/// Everything that can go wrong in `city_core`. Errors carry what was asked for, so a caller can
/// name the file and place it came from without re-deriving it.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// The EPSG code is not in the CRS table we ship (`crs-definitions`).
    #[error("unknown CRS EPSG:{code}: not in the built-in CRS table")]
    UnknownEpsg {
        /// The code asked for.
        code: u32,
    },
    /// A CRS string that is neither `EPSG:n`, an OGC URN/URL with an EPSG code, nor a bare number.
    #[error("cannot read CRS {text:?}: expected EPSG:n, urn:ogc:def:crs:EPSG::n or an OGC URL")]
    BadCrsText {
        /// The text as given.
        text: String,
    },
    /// The projection library refused the definition or the point.
    #[error("CRS EPSG:{code}: {message}")]
    Projection {
        /// The CRS involved.
        code: u32,
        /// What the projection library said.
        message: String,
    },
    /// A coordinate was NaN or infinite.
    #[error("coordinate {what} is not finite: {value}")]
    NotFinite {
        /// Which coordinate.
        what: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A coordinate that is a number but cannot be a place on Earth in its CRS (a latitude of
    /// 95, metres read as degrees, a height of 1e308): the file's CRS is wrong, or the value is.
    #[error("{what} {value} is not on Earth in this CRS ({range})")]
    NotOnEarth {
        /// Which coordinate (`latitude`, `longitude`, `height`...).
        what: &'static str,
        /// The offending value.
        value: f64,
        /// The range it must lie in.
        range: &'static str,
    },
    /// A box whose minimum exceeds its maximum.
    #[error("inverted box: min {min:?} > max {max:?}")]
    InvertedBox {
        /// The minimum corner.
        min: Vec<f64>,
        /// The maximum corner.
        max: Vec<f64>,
    },
    /// A scene file that cannot be read: the file, the line and what is wrong.
    #[error("{file}: line {line}: {message}")]
    Scene {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A data file the tests or benchmarks need is not there.
    #[error("data file {path} not found: set CITYTWIN_DATA to the folder holding CityTwin's public data (see README)")]
    MissingData {
        /// The path looked for.
        path: String,
    },
}
