//! IFC2X3 and IFC4 building models, element by element (CIM levels 6 and 7).
//!
//! IFClite (`ifc-lite-core` reads STEP, `ifc-lite-geometry` tessellates, ADR 0010) does the
//! parsing and the geometry; this file decides what becomes a feature and where it stands, with
//! `ifc_attributes.rs` (names, spatial structure, property sets), `ifc_georef.rs` (placement)
//! and `ifc_style.rs` (colours):
//! - **Features:** every `IfcProduct` with a representation, except openings (they are cut out
//!   of their hosts). Its id is the GlobalId; its attributes are its class, Name, the spatial
//!   structure above it (site, building, storey and its elevation, space) and its property sets
//!   and quantities, typed (`Pset_WallCommon.IsExternal` = true).
//! - **Place:** `--place` when given, else IFC4's `IfcMapConversion` to its `IfcProjectedCRS`,
//!   else the `IfcSite` reference latitude, longitude and elevation with the model context's
//!   true north. A model with none of these is an error that says so: a building must not land
//!   at 0° 0° unnoticed.
//! - **Bad input** never costs the other elements: a truncated file imports what precedes the
//!   cut, unknown classes are counted, and an element the tessellator cannot make (a missing
//!   `#id`, an unsupported geometry, a zero-thickness extrusion) is skipped with a warning naming
//!   its `#id` and class.
//!
//! The whole file is read into memory: STEP references run in both directions, and BIM models
//! are megabytes to a few hundred megabytes, not the gigabytes of a city.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use city_core::{AttributeValue, Attributes, CityObject, Crs, GeometryRef, Lod, ObjectKind, Vec3};
use ifc_lite_core::{AttributeValue as Step, EntityDecoder, EntityScanner, IfcType};
use ifc_lite_geometry::GeometryRouter;
use ifc_lite_geometry::kernel::budget;
use rayon::prelude::*;

use crate::ifc_attributes::{property_attributes, spatial_attributes, text_attribute};
use crate::ifc_georef::{GEOREFERENCE_TYPES, georeference};
pub use crate::ifc_georef::{IfcGeoreference, Placement};
use crate::ifc_style::{Materials, body_color};
use crate::object_sink::hand_over;
use crate::{ImportError, Imported, ImportedObject, ObjectSink, ReadOptions, Skipped, Surface};

/// The IFC stack, for reports: IFClite's parser and tessellator and their version.
pub const IFC_READER: &str = "ifc-lite 28.2";

/// One element with geometry, in the model's own coordinates (metres).
#[derive(Debug, Clone)]
pub struct IfcElement {
    /// GlobalId.
    pub id: String,
    /// `#id` in the file.
    pub step_id: u32,
    /// The IFC class (`IfcWallStandardCase`).
    pub class: String,
    /// Attributes: class, name, spatial structure, property sets and quantities.
    pub attributes: Attributes,
    /// Triangles, metres, in the project's coordinate system.
    pub triangles: Vec<[Vec3; 3]>,
    /// Its surface colour (RGBA, 0-1, as the file gives it) from the first styled item of its
    /// body, if any.
    pub color: Option<[f32; 4]>,
}

/// An IFC model read: its elements, its georeference, what went wrong.
#[derive(Debug)]
pub struct IfcModel {
    /// The schema (`IFC4`, `IFC2X3`).
    pub schema: String,
    /// The elements with geometry, in file order.
    pub elements: Vec<IfcElement>,
    /// The georeference the file gives, if any.
    pub georeference: Option<IfcGeoreference>,
    /// Products with a representation that could not be made, with why.
    pub skipped: Vec<Skipped>,
    /// Warnings that did not cost an element.
    pub warnings: Vec<Skipped>,
}

/// Classes that are products with a representation but not features: openings are cut out of
/// their hosts.
const NOT_FEATURES: [&str; 1] = ["IfcOpeningElement"];

/// Reads an IFC file into elements with their geometry and attributes.
pub fn read_ifc_model(path: &Path) -> Result<IfcModel, ImportError> {
    let fail = |reason: String| ImportError::Format { file: path.to_owned(), reason };
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
    // STEP is 7-bit text; anything else is escaped in strings, so a lossy read loses nothing
    // (and copies only when there is something to replace).
    let bytes = match bytes.strip_prefix(city_core::UTF8_BOM) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    let content = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    if !content.trim_start().starts_with("ISO-10303-21") {
        return Err(fail("not an IFC file: a STEP file (ISO-10303-21) starts with `ISO-10303-21;`".into()));
    }
    let schema = header_schema(&content).ok_or_else(|| fail("no FILE_SCHEMA in the STEP header".into()))?;
    if !schema.starts_with("IFC2X3") && !schema.starts_with("IFC4") {
        return Err(fail(format!("schema {schema}: IFC2X3 and IFC4 are read")));
    }
    let warn = |reason: String| Skipped { file: path.to_owned(), id: String::new(), reason };
    let mut warnings = Vec::new();
    if !content.contains("END-ISO-10303-21") {
        warnings.push(warn(format!(
            "the file is truncated after byte {} (no END-ISO-10303-21;): what precedes the cut is imported",
            content.len()
        )));
    }
    for (opened, next) in unclosed_strings(&content) {
        warnings.push(warn(format!(
            "line {opened}: a string is never closed before the record on line {next}: the records between are lost"
        )));
    }

    // 1. Every entity's class and place; relations decoded.
    // One index of where each entity lies (12 bytes an entity), shared by every decoder below.
    let index = ifc_lite_core::ColumnarEntityIndex::from_scan(&content)
        .map_err(|e| fail(format!("{e}: files of 4 GB and more are not read")))?;
    let index = std::sync::Arc::new(index);
    let mut decoder = EntityDecoder::with_arc_columnar_index(&content, index.clone());
    let mut types: Vec<(u32, IfcType)> = Vec::new();
    let mut products: Vec<(u32, IfcType)> = Vec::new();
    let mut unknown: BTreeMap<String, (usize, u32)> = BTreeMap::new();
    let mut parent: HashMap<u32, u32> = HashMap::new();
    let mut definitions: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut styled: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut materials = Materials::default();
    let mut scanner = EntityScanner::new(&content);
    while let Some((id, name, start, end)) = scanner.next_entity() {
        let t = IfcType::from_str(name);
        if let IfcType::Unknown(_) = t {
            let e = unknown.entry(name.to_owned()).or_insert((0, id));
            e.0 += 1;
            continue;
        }
        // Relations are read once: not kept in the decoder's cache.
        let rel = |decoder: &mut EntityDecoder<'_>| decoder.decode_at_uncached(start, end).ok();
        match t {
            IfcType::IfcRelContainedInSpatialStructure => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(container) = r.get_ref(5)
                {
                    for child in r.get_refs(4).unwrap_or_default() {
                        parent.insert(child, container);
                    }
                }
            }
            IfcType::IfcRelAggregates => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(whole) = r.get_ref(4)
                {
                    for child in r.get_refs(5).unwrap_or_default() {
                        parent.entry(child).or_insert(whole);
                    }
                }
            }
            IfcType::IfcRelAssociatesMaterial => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(material) = r.get_ref(5)
                {
                    for object in r.get_refs(4).unwrap_or_default() {
                        materials.of_element.insert(object, material);
                    }
                }
            }
            IfcType::IfcRelDefinesByType => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(t) = r.get_ref(5)
                {
                    for object in r.get_refs(4).unwrap_or_default() {
                        materials.type_of.insert(object, t);
                    }
                }
            }
            IfcType::IfcMaterialDefinitionRepresentation => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(material) = r.get_ref(3)
                {
                    materials.representations.entry(material).or_default().extend(r.get_refs(2).unwrap_or_default());
                }
            }
            IfcType::IfcStyledItem => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(item) = r.get_ref(0)
                {
                    styled.entry(item).or_default().extend(r.get_refs(1).unwrap_or_default());
                }
            }
            IfcType::IfcRelDefinesByProperties => {
                if let Some(r) = rel(&mut decoder)
                    && let Some(def) = r.get_ref(5)
                {
                    for object in r.get_refs(4).unwrap_or_default() {
                        definitions.entry(object).or_default().push(def);
                    }
                }
            }
            _ => {}
        }
        if t.is_subtype_of(IfcType::IfcProduct) {
            products.push((id, t.clone()));
        }
        if GEOREFERENCE_TYPES.contains(&t) {
            types.push((id, t));
        }
    }
    for (name, (n, first)) in &unknown {
        warnings.push(warn(format!("{n} entities of unknown class {name} (first #{first}): not read")));
    }

    // 2. Geometry and attributes, element by element: chunks of elements on every core, each
    // with its own decoder (whose cache of decoded entities goes with the chunk, so memory
    // follows the chunk, not the file) over one shared index of where each entity lies.
    let unit_m = GeometryRouter::with_units(&content, &mut decoder).unit_scale();
    if !(unit_m.is_finite() && unit_m > 0.0) {
        return Err(fail(format!("the project's length unit gives a scale of {unit_m} to metres: not usable")));
    }
    let voids = ifc_lite_geometry::void_index_from_content(&content, &mut decoder);
    let georeference = georeference(&types, &mut decoder, unit_m);
    drop(decoder);
    let context = Context {
        path,
        content: &content,
        index,
        voids: &voids,
        parent: &parent,
        definitions: &definitions,
        styled: &styled,
        materials: &materials,
        unit_m,
    };
    let candidates: Vec<(u32, &IfcType)> =
        products.iter().filter(|(_, t)| !NOT_FEATURES.contains(&t.name())).map(|(id, t)| (*id, t)).collect();
    // IFClite's budget is process-wide; every IFC read in this process wants the same one.
    budget::set_element_cap(Some(OPENING_CUT_BUDGET));
    let done: Vec<Chunk> = candidates.par_chunks(ELEMENTS_PER_CHUNK).map(|chunk| context.elements(chunk)).collect();
    let (mut elements, mut skipped): (Vec<IfcElement>, _) = (Vec::new(), Vec::new());
    for chunk in done {
        elements.extend(chunk.elements);
        skipped.extend(chunk.skipped);
        warnings.extend(chunk.warnings);
    }
    // GlobalIds repeat in some exports: a repeat gets its `#id`, so every feature stays its own.
    let mut seen = std::collections::HashSet::new();
    for e in &mut elements {
        if !seen.insert(e.id.clone()) {
            let renamed = format!("{}#{}", e.id, e.step_id);
            warnings.push(warn(format!("#{} {}: GlobalId {} repeats: kept as {renamed}", e.step_id, e.class, e.id)));
            e.id = renamed;
        }
    }
    Ok(IfcModel { schema, elements, georeference, skipped, warnings })
}

/// Elements per chunk of the element pass: enough to share the decoded placements and types of
/// neighbouring elements, few enough that a chunk's decoder cache stays small.
const ELEMENTS_PER_CHUNK: usize = 128;

/// What one chunk of the element pass made.
struct Chunk {
    elements: Vec<IfcElement>,
    skipped: Vec<Skipped>,
    /// Elements kept with less than their full geometry (openings cut as boxes), named.
    warnings: Vec<Skipped>,
}

/// The exact-arithmetic work one element's opening cuts may take, counted in IFClite's
/// escalations to exact predicates (about 50,000 a second): a cut that needs more is made as
/// IFClite's axis-aligned box cut instead. IFClite's own default (100,000, about 2 s) lets a
/// few hostile elements hold an import for seconds each; real elements need far less (IFClite
/// measured its corpus: 99% of elements under 13,000), so 20,000 costs no real model its cuts
/// while a pathological one is bounded to a fraction of a second. Deterministic: the same file
/// gives the same geometry on every machine, unlike a wall-clock limit.
const OPENING_CUT_BUDGET: u64 = 20_000;

/// What the element pass shares between chunks.
struct Context<'a> {
    path: &'a Path,
    content: &'a str,
    index: std::sync::Arc<ifc_lite_core::ColumnarEntityIndex>,
    voids: &'a rustc_hash::FxHashMap<u32, Vec<u32>>,
    parent: &'a HashMap<u32, u32>,
    definitions: &'a HashMap<u32, Vec<u32>>,
    /// Representation item -> its `IfcStyledItem` styles.
    styled: &'a HashMap<u32, Vec<u32>>,
    /// Elements' materials and the materials' styled representations.
    materials: &'a Materials,
    unit_m: f64,
}

impl Context<'_> {
    /// The elements of `chunk` (products with a representation) and the ones skipped, named.
    fn elements(&self, chunk: &[(u32, &IfcType)]) -> Chunk {
        let mut decoder = EntityDecoder::with_arc_columnar_index(self.content, self.index.clone());
        let router = GeometryRouter::with_units(self.content, &mut decoder);
        let (mut elements, mut skipped, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
        for &(id, t) in chunk {
            let class = t.name().to_owned();
            let Ok(entity) = decoder.decode_by_id(id) else {
                let reason = format!("#{id} {class}: the entity cannot be decoded: skipped");
                skipped.push(Skipped { file: self.path.to_owned(), id: String::new(), reason });
                continue;
            };
            if entity.get(6).is_none_or(Step::is_null) {
                continue; // No representation: not a feature (a storey, most sites).
            }
            let global_id = entity.get_string(0).map(str::to_owned).unwrap_or_else(|| format!("#{id}"));
            let skip = |why: String| Skipped {
                file: self.path.to_owned(),
                id: global_id.clone(),
                reason: format!("#{id} {class}: {why}: skipped"),
            };
            let scope = budget::enter_element();
            let mesh = match router.process_element_with_voids(&entity, &mut decoder, self.voids) {
                Ok(m) => Ok(m),
                // Openings that cannot be cut should not cost the element: try it whole.
                Err(_) => router.process_element(&entity, &mut decoder),
            };
            if budget::element_count() >= OPENING_CUT_BUDGET {
                let reason = format!(
                    "#{id} {class}: its openings need more exact arithmetic than {OPENING_CUT_BUDGET} steps \
                     to cut: cut as boxes instead"
                );
                warnings.push(Skipped { file: self.path.to_owned(), id: global_id.clone(), reason });
            }
            drop(scope);
            let mesh = match mesh {
                Ok(m) if !m.is_empty() => m,
                Ok(_) => {
                    let why = "no 3D body the tessellator can make (unsupported or zero-thickness geometry)";
                    skipped.push(skip(why.into()));
                    continue;
                }
                Err(e) => {
                    skipped.push(skip(format!("geometry failed ({e})")));
                    continue;
                }
            };
            let o = mesh.origin;
            let p = |i: u32| {
                let k = 3 * i as usize;
                [
                    o[0] + f64::from(mesh.positions[k]),
                    o[1] + f64::from(mesh.positions[k + 1]),
                    o[2] + f64::from(mesh.positions[k + 2]),
                ]
            };
            let triangles = mesh.indices.chunks_exact(3).map(|t| [p(t[0]), p(t[1]), p(t[2])]).collect();
            let mut attributes = Attributes::new();
            attributes.insert("ifc:class".into(), AttributeValue::Text(class.clone()));
            if let Some(name) = text_attribute(&entity, 2) {
                attributes.insert("name".into(), AttributeValue::Text(name));
            }
            spatial_attributes(id, self.parent, &mut decoder, self.unit_m, &mut attributes);
            for def in self.definitions.get(&id).into_iter().flatten() {
                property_attributes(*def, &mut decoder, &mut attributes);
            }
            let color =
                body_color(&entity, &mut decoder, self.styled).or_else(|| self.materials.color(id, &mut decoder));
            elements.push(IfcElement { id: global_id, step_id: id, class, attributes, triangles, color });
        }
        Chunk { elements, skipped, warnings }
    }
}

/// The first schema named in the header's `FILE_SCHEMA(('IFC4'))`.
fn header_schema(content: &str) -> Option<String> {
    let end = content.find("DATA;").unwrap_or(content.len().min(10_000));
    let header = content.get(..end).unwrap_or(content);
    let at = header.find("FILE_SCHEMA")?;
    let rest = &header[at..];
    let q = rest.find('\'')?;
    let name = &rest[q + 1..];
    Some(name[..name.find('\'')?].trim().to_ascii_uppercase())
}

/// A BIM element as a city object: kind `BimElement`, LoD 4 (interior), its footprint and z
/// range from its surfaces (`geographic`: in degrees, slopes judged in metres). IFC and glTF BIM
/// both make their elements here.
pub(crate) fn bim_object(
    id: String,
    attributes: Attributes,
    surfaces: Vec<Surface>,
    geographic: bool,
) -> ImportedObject {
    let unit = if geographic { crate::citygml::METRES_PER_DEGREE } else { 1.0 };
    let (z_min_m, z_max_m) = crate::surface::z_range(&surfaces);
    ImportedObject {
        object: CityObject {
            id,
            kind: ObjectKind::BimElement,
            parent: None,
            footprint: crate::cityjson::footprint(&surfaces, unit),
            z_min_m,
            z_max_m,
            lods: vec![GeometryRef { lod: Lod { major: 4, minor: 0 }, content_uri: None, feature_id: None }],
            attributes,
        },
        surfaces,
    }
}

/// Reads an IFC file into objects placed on the globe (see the module notes for the order in
/// which places are taken).
pub(crate) fn read_ifc(path: &Path, opts: &ReadOptions, sink: &mut ObjectSink<'_>) -> Result<Imported, ImportError> {
    hand_over(read_placed(path, opts.place)?, sink)
}

/// The whole model's elements, placed.
fn read_placed(path: &Path, place: Option<Placement>) -> Result<Imported, ImportError> {
    let model = read_ifc_model(path)?;
    let fail = |reason: String| ImportError::Format { file: path.to_owned(), reason };
    let place =
        place.map(IfcGeoreference::Site).or(model.georeference.clone()).ok_or_else(|| ImportError::NoPlacement {
            file: path.to_owned(),
            what: "the model",
            detail: " (no IfcMapConversion, no IfcSite RefLatitude/RefLongitude)",
        })?;
    // Every point into the CRS the objects are given in.
    let (crs, to_crs): (Crs, Box<dyn Fn(Vec3) -> Vec3>) = match place {
        IfcGeoreference::MapConversion { crs, origin, x_axis, scale } => {
            let c = Crs::parse(&crs)
                .map_err(|e| fail(format!("IfcProjectedCRS {crs:?}: {e}; place it with --place instead")))?
                .with_axis_order(city_core::AxisOrder::EastNorth);
            let n = x_axis[0].hypot(x_axis[1]).max(f64::MIN_POSITIVE);
            let (cos, sin) = (x_axis[0] / n, x_axis[1] / n);
            let f = move |p: Vec3| {
                let (x, y) = (p[0] * scale, p[1] * scale);
                [origin[0] + cos * x - sin * y, origin[1] + sin * x + cos * y, origin[2] + p[2] * scale]
            };
            (c, Box::new(f))
        }
        IfcGeoreference::Site(pl) => {
            // A reference point that is no place on Earth would put the building somewhere
            // arbitrary without a word: say which, and how to place it instead.
            if !((-90.0..=90.0).contains(&pl.lat_deg) && (-180.0..=180.0).contains(&pl.lon_deg)) {
                return Err(fail(format!(
                    "IfcSite RefLatitude {} / RefLongitude {} is not a place on Earth: give --place lat,lon,height",
                    pl.lat_deg, pl.lon_deg
                )));
            }
            // WGS84 latitude, longitude, height (EPSG:4979, latitude first) through the ENU frame
            // at the reference point.
            let c = Crs::from_epsg(4979).map_err(|e| fail(e.to_string()))?;
            (c, Box::new(pl.to_wgs84()))
        }
    };
    let objects = model
        .elements
        .into_iter()
        .map(|e| {
            // Each distinct vertex converted once (a mesh repeats it in about six triangles).
            let mut converted: HashMap<[u64; 3], Vec3> = HashMap::new();
            let mut convert = |p: Vec3| *converted.entry(p.map(f64::to_bits)).or_insert_with(|| to_crs(p));
            let surfaces: Vec<Surface> = e
                .triangles
                .iter()
                .map(|t| Surface { rings: vec![t.map(&mut convert).to_vec()], color: e.color, ..Surface::default() })
                .collect();
            bim_object(e.id, e.attributes, surfaces, crs.is_geographic())
        })
        .collect();
    Ok(Imported {
        file: path.to_owned(),
        crs: Some(crs),
        objects,
        skipped: model.skipped,
        warnings: model.warnings,
        textures: Vec::new(),
    })
}

/// Where a quoted string runs on into the next record (a `'` never closed): the parser then
/// drops every record up to the next `;` it finds, silently. Each as (line the string opens on,
/// line of the record it runs into). A line that starts with `#123=` inside a string is taken
/// as a new record, which no exporter writes inside a string.
fn unclosed_strings(content: &str) -> Vec<(usize, usize)> {
    let data = content.find("DATA;").unwrap_or(0);
    let mut found = Vec::new();
    let (mut line, mut opened) = (content[..data].matches('\n').count() + 1, None);
    let bytes = content.as_bytes();
    for (i, &b) in bytes.iter().enumerate().skip(data) {
        match b {
            // `''` inside a string is an escaped quote: it closes and reopens, which is the same.
            b'\'' => opened = if opened.is_some() { None } else { Some(line) },
            b'\n' => {
                line += 1;
                let rest = &bytes[i + 1..];
                let digits = rest.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
                let record = rest.first() == Some(&b'#') && digits > 0 && rest.get(1 + digits) == Some(&b'=');
                if let (Some(at), true) = (opened, record) {
                    found.push((at, line));
                    opened = None;
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::unclosed_strings;

    #[test]
    fn a_string_running_into_the_next_record_is_found_with_its_lines() {
        let good = "HEADER;\nENDSEC;\nDATA;\n#1=IFCWALL('a''b',$);\n#2=IFCWALL('c',$);\nENDSEC;\n";
        assert_eq!(unclosed_strings(good), vec![]);
        let bad = "HEADER;\nENDSEC;\nDATA;\n#1=IFCWALL('a,$);\n#2=IFCWALL('c',$);\n#3=IFCWALL('d',$);\n";
        assert_eq!(unclosed_strings(bad), vec![(4, 5)]);
    }
}
