//! What every reader is told: one options type for all formats, so the import pipeline and
//! tests call any reader the same way ([`crate::Format::read`]). Each reader uses the fields
//! that mean something for its format and ignores the others.
use city_core::Crs;

use crate::{ExtrudeOptions, LodChoice, Placement};

/// How to read a file, whatever its format.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The level of detail to keep surfaces for (CityJSON, CityJSONSeq, CityGML).
    pub lod: LodChoice,
    /// CityGML: the CRS instead of the file's `srsName`. The other formats ignore it here; the
    /// import pipeline gives it to the objects of files that declare no CRS.
    pub crs: Option<Crs>,
    /// GeoJSON and OSM footprints: how to extrude them to LoD1.
    pub extrude: ExtrudeOptions,
    /// IFC and glTF BIM: where the model's origin stands (overrides an IFC model's own
    /// georeference; required for glTF).
    pub place: Option<Placement>,
}
