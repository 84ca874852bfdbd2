//! Where readers hand objects: every reader, streamed or not, gives its objects to a sink a
//! batch at a time with the CRS the file declares. Streamed readers (CityGML, CityJSONSeq) call
//! it once per batch and never hold the file; the others once with the whole file. The import
//! pipeline's sink packs each batch into the flat store, so the nested form of a city is never
//! held whole.
use city_core::Crs;

use crate::{ImportError, Imported, ImportedObject};

/// Where a reader hands each batch of objects, with the CRS the file declares. An error from
/// the sink stops the reading and is returned by the reader.
pub type ObjectSink<'a> = dyn FnMut(Option<&Crs>, Vec<ImportedObject>) -> Result<(), ImportError> + 'a;

/// Hands a whole file's objects to `sink` at once; the rest of what was read (CRS, skipped
/// objects, warnings, textures) is returned with no objects, as a streamed reader returns it.
pub(crate) fn hand_over(mut imported: Imported, sink: &mut ObjectSink<'_>) -> Result<Imported, ImportError> {
    let objects = std::mem::take(&mut imported.objects);
    sink(imported.crs.as_ref(), objects)?;
    Ok(imported)
}
