//! Zipped and gzipped inputs, as city models are downloaded (`DenHaag_01.zip`,
//! `52385628_bldg_6697_op.gml.gz`): unpacked to a folder beside the output before anything is
//! read, so every reader (CityGML's two passes, textures next to their model) sees plain files,
//! and memory stays bounded whatever the archive's size. The folder goes when the import ends.
//!
//! Only entries whose names stay inside the archive are unpacked (`../` and absolute names are
//! refused, so an archive cannot write outside its folder); a `.zip` gives every file inside
//! that the importer reads (city models, and DEMs and point clouds for terrain), a `.gz` the
//! one file it holds (its name without `.gz`).
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::{Format, ImportError};

/// An archive kind, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Archive {
    Zip,
    Gzip,
}

fn archive_of(path: &Path) -> Option<Archive> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".zip") {
        Some(Archive::Zip)
    } else if name.ends_with(".gz") {
        Some(Archive::Gzip)
    } else {
        None
    }
}

/// The inputs with every archive replaced by the files in it that the importer reads; the
/// folder they were unpacked into is removed when this is dropped.
pub struct Unpacked {
    /// Plain files to read, archives' contents in place of the archives, in the order given.
    pub files: Vec<PathBuf>,
    folder: Option<PathBuf>,
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        if let Some(f) = &self.folder {
            let _ = std::fs::remove_dir_all(f);
        }
    }
}

/// Unpacks the archives among `inputs` into a folder beside `out` (`.NAME.inputs-PID`).
pub fn unpack_inputs(inputs: &[PathBuf], out: &Path) -> Result<Unpacked, ImportError> {
    let mut unpacked = Unpacked { files: Vec::new(), folder: None };
    for (n, input) in inputs.iter().enumerate() {
        let Some(kind) = archive_of(input) else {
            unpacked.files.push(input.clone());
            continue;
        };
        let folder = unpacked.folder.get_or_insert_with(|| {
            let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "tileset".into());
            parent.join(format!(".{name}.inputs-{}", std::process::id()))
        });
        let here = folder.join(n.to_string());
        std::fs::create_dir_all(&here).map_err(|source| ImportError::Io { file: here.clone(), source })?;
        let found = match kind {
            Archive::Zip => unzip(input, &here)?,
            Archive::Gzip => vec![gunzip(input, &here)?],
        };
        let readable: Vec<PathBuf> = found.into_iter().filter(|f| Format::detect(f).is_ok() || is_terrain(f)).collect();
        if readable.is_empty() {
            return Err(ImportError::EmptyArchive { file: input.clone() });
        }
        unpacked.files.extend(readable);
    }
    Ok(unpacked)
}

/// Every file of a zip archive into `into`; the paths of those a reader could take by name.
fn unzip(path: &Path, into: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let io = |file: &Path| {
        let file = file.to_owned();
        move |source| ImportError::Io { file, source }
    };
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| ImportError::Format {
        file: path.to_owned(),
        reason: format!("not a readable zip archive: {e}"),
    })?;
    let mut readable = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| ImportError::Format { file: path.to_owned(), reason: format!("entry {i}: {e}") })?;
        let Some(name) = entry.enclosed_name() else {
            return Err(ImportError::Format {
                file: path.to_owned(),
                reason: format!("entry {:?} would be written outside the archive's folder", entry.name()),
            });
        };
        let target = into.join(&name);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(io(&target))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut w = std::fs::File::create(&target).map_err(io(&target))?;
        std::io::copy(&mut entry, &mut w).map_err(|e| ImportError::Format {
            file: path.to_owned(),
            reason: format!("entry {:?}: {e}", entry.name()),
        })?;
        if has_model_name(&name) {
            readable.push(target);
        }
    }
    readable.sort();
    // `.xml` is CityGML only when nothing else in the archive is a model: beside `.gml` files
    // it is metadata.
    if readable.iter().any(|p| !p.to_string_lossy().to_ascii_lowercase().ends_with(".xml")) {
        readable.retain(|p| !p.to_string_lossy().to_ascii_lowercase().ends_with(".xml"));
    }
    Ok(readable)
}

/// The one file of a gzip stream into `into`, named as the archive without `.gz`.
fn gunzip(path: &Path, into: &Path) -> Result<PathBuf, ImportError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let inner = name.get(..name.len().saturating_sub(3)).filter(|n| !n.is_empty()).unwrap_or("input");
    let target = into.join(inner);
    let file = std::fs::File::open(path).map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
    let mut w = std::fs::File::create(&target).map_err(|source| ImportError::Io { file: target.clone(), source })?;
    let mut gz = flate2::read::MultiGzDecoder::new(BufReader::new(file));
    std::io::copy(&mut gz as &mut dyn Read, &mut w)
        .map_err(|e| ImportError::Format { file: path.to_owned(), reason: format!("not a readable gzip file: {e}") })?;
    Ok(target)
}

/// Whether a file's name says it is a model the importer reads (images, metadata and readmes
/// inside an archive are unpacked but not read).
fn has_model_name(name: &Path) -> bool {
    let n = name.to_string_lossy().to_ascii_lowercase();
    [".json", ".jsonl", ".gml", ".xml", ".geojson", ".pbf", ".ifc", ".glb", ".gltf"].iter().any(|e| n.ends_with(e))
        || is_terrain(name)
}

/// Whether a file is terrain's input: a DEM (GeoTIFF) or a point cloud (LAS, LAZ).
fn is_terrain(path: &Path) -> bool {
    crate::Dem::is_dem(path) || crate::is_point_cloud(path)
}
