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
    /// The file is not a model this reader takes (wrong type, unknown version, broken XML or
    /// STEP...): the parser's own message, with the place where it has one.
    #[error("{}: {reason}", file.display())]
    Format {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Neither the name nor the first bytes say which format the file is in.
    #[error(
        "{}: not a format the importer reads (CityJSON .json/.city.json, CityJSONSeq .city.jsonl, CityGML .gml/.xml, \
         GeoJSON .geojson, OSM .osm.pbf, IFC .ifc, glTF .glb/.gltf)",
        file.display()
    )]
    UnknownFormat {
        /// The file.
        file: PathBuf,
    },
    /// A zip or gzip input with no file in it that the importer reads.
    #[error("{}: the archive holds no file the importer reads (CityJSON, CityGML, GeoJSON, OSM, IFC, glTF; GeoTIFF DEMs, LAS/LAZ point clouds)", file.display())]
    EmptyArchive {
        /// The archive.
        file: PathBuf,
    },
    /// The file declares no CRS and the import was given none.
    #[error("{}: the file declares no CRS: pass --crs EPSG:n", file.display())]
    NoCrs {
        /// The file.
        file: PathBuf,
    },
    /// A BIM model with no georeference of its own, and no placement given.
    #[error("{}: {what} has no georeference{detail}: place it with --place lat,lon,height,rotation_deg", file.display())]
    NoPlacement {
        /// The file.
        file: PathBuf,
        /// `the model`, `glTF`.
        what: &'static str,
        /// What was looked for, e.g. ` (no IfcMapConversion, no IfcSite RefLatitude/RefLongitude)`.
        detail: &'static str,
    },
    /// A coordinate that the CRS cannot convert (outside its domain, not finite).
    #[error("{}: object {id:?}: {source}", file.display())]
    Coordinates {
        /// The file.
        file: PathBuf,
        /// The object.
        id: String,
        /// What the conversion said.
        source: city_core::CoreError,
    },
    /// More geometry than one tileset's 32-bit indices hold.
    #[error("{}: more geometry than one import can index (over 4 billion vertices)", file.display())]
    TooLarge {
        /// The file whose objects overflowed it.
        file: PathBuf,
    },
    /// Nothing read had geometry in the chosen level of detail.
    #[error("{inputs}: no object with geometry to tile ({skipped} skipped, named above); nothing written to {}", out.display())]
    NothingToTile {
        /// The input files, named for the message.
        inputs: String,
        /// How many objects were skipped as bad.
        skipped: usize,
        /// The output folder.
        out: PathBuf,
    },
    /// The output folder holds other files: it is never replaced.
    #[error("{}: the output folder holds files and no tileset.json: refusing to replace it", out.display())]
    NotATileset {
        /// The output folder.
        out: PathBuf,
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
