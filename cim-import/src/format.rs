//! The formats the importer reads, told apart by name (and, for a name that says nothing, by
//! the first bytes), each read through the same call: [`Format::read`] hands the objects to a
//! sink, [`Format::read_all`] keeps them.
use std::io::Read;
use std::path::Path;

use crate::{ImportError, Imported, ObjectSink, ReadOptions};

/// A format the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CityJSON 1.0 / 1.1 / 2.0 (`.json`, `.city.json`).
    CityJson,
    /// CityJSONSeq (`.city.jsonl`, `.jsonl`): streamed, a batch of lines at a time.
    CityJsonSeq,
    /// CityGML 2.0 / 3.0 (`.gml`, `.xml`): streamed, an object at a time.
    CityGml,
    /// GeoJSON footprints in WGS84 (`.geojson`), extruded to LoD1.
    GeoJson,
    /// OSM PBF extracts (`.osm.pbf`, `.pbf`): buildings extruded to LoD1.
    OsmPbf,
    /// IFC2X3 / IFC4 building models (`.ifc`), element by element.
    Ifc,
    /// BIM as glTF (`.glb`, `.gltf`): a node per element; needs a placement.
    GltfBim,
}

impl Format {
    /// The format of `path`: by its name, else by its first bytes (`{` CityJSON, `<` CityGML);
    /// [`ImportError::UnknownFormat`] when neither says.
    pub fn detect(path: &Path) -> Result<Self, ImportError> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let by_name = [
            (".jsonl", Self::CityJsonSeq),
            (".gml", Self::CityGml),
            (".xml", Self::CityGml),
            (".geojson", Self::GeoJson),
            (".pbf", Self::OsmPbf),
            (".ifc", Self::Ifc),
            (".glb", Self::GltfBim),
            (".gltf", Self::GltfBim),
            (".json", Self::CityJson),
        ];
        if let Some((_, f)) = by_name.iter().find(|(ext, _)| name.ends_with(ext)) {
            return Ok(*f);
        }
        let mut head = [0u8; 256];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
        match head[..n].iter().find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF) {
            Some(b'{') => Ok(Self::CityJson),
            Some(b'<') => Ok(Self::CityGml),
            _ => Err(ImportError::UnknownFormat { file: path.to_owned() }),
        }
    }

    /// A building model (IFC, glTF BIM): read before the city, so the city buildings standing
    /// where it stands can make way for it.
    pub fn is_bim(self) -> bool {
        matches!(self, Self::Ifc | Self::GltfBim)
    }

    /// Reads `path`, handing its objects to `sink` (a batch at a time for the streamed formats,
    /// the whole file at once for the others); returns the file's CRS, skipped objects,
    /// warnings and texture images, with no objects.
    pub fn read(self, path: &Path, opts: &ReadOptions, sink: &mut ObjectSink<'_>) -> Result<Imported, ImportError> {
        match self {
            Self::CityJson => crate::cityjson::read_cityjson(path, opts, sink),
            Self::CityJsonSeq => crate::cityjson::read_cityjson_seq(path, opts, sink),
            Self::CityGml => crate::citygml::read_citygml(path, opts, sink),
            Self::GeoJson => crate::geojson_footprints::read_geojson_footprints(path, opts, sink),
            Self::OsmPbf => crate::osm_buildings::read_osm_buildings(path, opts, sink),
            Self::Ifc => crate::ifc::read_ifc(path, opts, sink),
            Self::GltfBim => crate::gltf_bim::read_gltf_bim(path, opts, sink),
        }
    }

    /// Reads all of `path` into memory, objects included (tests, small files, tools).
    pub fn read_all(self, path: &Path, opts: &ReadOptions) -> Result<Imported, ImportError> {
        let mut objects = Vec::new();
        let mut imported = self.read(path, opts, &mut |_, batch| {
            objects.extend(batch);
            Ok(())
        })?;
        imported.objects = objects;
        Ok(imported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_name_then_by_content() {
        for (name, f) in [
            ("a/delft.city.json", Format::CityJson),
            ("x.JSON", Format::CityJson),
            ("b.city.jsonl", Format::CityJsonSeq),
            ("c.gml", Format::CityGml),
            ("c.XML", Format::CityGml),
            ("d.geojson", Format::GeoJson),
            ("e.osm.pbf", Format::OsmPbf),
            ("f.ifc", Format::Ifc),
            ("g.glb", Format::GltfBim),
            ("g.gltf", Format::GltfBim),
        ] {
            assert_eq!(Format::detect(Path::new(name)).unwrap(), f, "{name}");
        }
        let dir = std::env::temp_dir().join(format!("citytwin-format-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        assert_eq!(Format::detect(&write("model", "\u{feff}  {\"type\":\"CityJSON\"}")).unwrap(), Format::CityJson);
        assert_eq!(Format::detect(&write("model.citygml", "\n<?xml version")).unwrap(), Format::CityGml);
        let e = Format::detect(&write("notes.txt", "hello")).unwrap_err();
        assert!(matches!(e, ImportError::UnknownFormat { .. }) && e.to_string().contains("notes.txt"), "{e}");
        let e = Format::detect(&dir.join("missing")).unwrap_err();
        assert!(matches!(e, ImportError::Io { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(Format::Ifc.is_bim() && Format::GltfBim.is_bim() && !Format::CityGml.is_bim());
    }
}
