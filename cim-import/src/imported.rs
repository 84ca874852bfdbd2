use std::path::PathBuf;

use city_core::{CityObject, Crs};

use crate::{Skipped, Surface};

/// One object as read: the model object, and the surfaces of the level of detail chosen.
#[derive(Debug, Clone)]
pub struct ImportedObject {
    /// Id, kind, parent, footprint, z range, LoDs present, attributes.
    pub object: CityObject,
    /// The surfaces of the chosen LoD (empty for objects without 3D geometry).
    pub surfaces: Vec<Surface>,
}

/// Everything read from one file.
#[derive(Debug)]
pub struct Imported {
    /// The file.
    pub file: PathBuf,
    /// The CRS the file declares, if it declares one.
    pub crs: Option<Crs>,
    /// The objects, in file order.
    pub objects: Vec<ImportedObject>,
    /// Objects that were skipped, with the reason.
    pub skipped: Vec<Skipped>,
    /// Things worth a warning that did not cost an object (a degenerate face dropped...).
    pub warnings: Vec<Skipped>,
    /// Texture images, by the index surfaces give (`SurfaceTexture::image`).
    pub textures: Vec<PathBuf>,
}
