//! CityGML 2.0 and 3.0, streamed: the file is read event by event (quick-xml) and only one city
//! object's subtree (`cityObjectMember`) is held at a time, so memory is bounded by the largest
//! object, not the file. Buildings and their parts become objects with the surfaces of the level
//! of detail chosen: the semantic boundary surfaces (`boundedBy` in 2.0, `boundary` in 3.0:
//! Wall, Roof, Ground, Closure...) when the object has them at that LoD, else its `lodNSolid` /
//! `lodNMultiSurface` / `lod0FootPrint` geometry, with `xlink:href` references to polygons
//! elsewhere in the object resolved. Attributes: the `bldg:` properties (function, usage,
//! measuredHeight, storeysAboveGround...), generic attributes of both versions, typed, and the
//! PLATEAU `uro:` attributes as `uro:NAME`. Other feature types are read the same way where
//! they have surfaces (WaterBody, Road, Bridge, CityFurniture, vegetation, LandUse); terrain
//! (`ReliefFeature`) gives one object per `TINRelief` component, its triangles as surfaces.
//! Other feature types are counted and skipped with a warning.
//!
//! Coordinates stay in the file's CRS and axis order (EPSG:6697 is latitude first, as GML
//! writes it); the CRS comes from the first `srsName` (URN, compound URN or URL form) unless
//! `--crs` overrides it. DTDs and external entities are never resolved.
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use city_core::{
    AttributeValue, Attributes, CityObject, Crs, GeometryRef, HAZARD_ATTRIBUTE, Lod, ObjectKind, flood_risk_kind,
};

use crate::citygml_appearance::Appearances;
use crate::gml_members::{Node, fail, for_each_member};
use crate::{
    ImportError, Imported, ImportedObject, LodChoice, ObjectSink, ReadOptions, Skipped, Surface, SurfaceTexture,
};

/// The EPSG code of a `srsName`: `EPSG:n`, URNs, compound URNs (`urn:ogc:def:crs,crs:EPSG::25833,
/// crs:EPSG::5783`: the horizontal CRS; heights pass through, ADR 0001) and OGC URLs.
pub fn crs_of_srs_name(srs: &str) -> Result<Crs, String> {
    let first = match srs.strip_prefix("urn:ogc:def:crs,crs:") {
        Some(rest) => format!("urn:ogc:def:crs:{}", rest.split(',').next().unwrap_or(rest)),
        None => srs.to_owned(),
    };
    Crs::parse(&first).map_err(|e| format!("srsName {srs:?}: {e}"))
}

/// Objects handed to the sink at a time.
const BATCH_OBJECTS: usize = 1_000;

/// Reads CityGML from a reader, all its objects at once; `path` names it in messages.
pub fn read_citygml_from(input: impl BufRead, path: &Path, opts: &ReadOptions) -> Result<Imported, ImportError> {
    let mut objects = Vec::new();
    let mut imp = stream_citygml_from(input, path, opts, &mut |_, batch| {
        objects.extend(batch);
        Ok(())
    })?;
    imp.objects = objects;
    Ok(imp)
}

/// Streams a CityGML 2.0 or 3.0 file: objects go to `sink` a batch at a time with the file's
/// CRS, and are not kept; the result holds the CRS, warnings, skipped objects and texture
/// images. A first pass reads the global appearances (PLATEAU writes them after the objects
/// they texture).
pub(crate) fn read_citygml(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    let open = || {
        std::fs::File::open(path)
            .map(|f| std::io::BufReader::with_capacity(1 << 16, f))
            .map_err(|source| ImportError::Io { file: path.to_owned(), source })
    };
    let mut apps = Appearances::default();
    for_each_member(open()?, path, &["appearanceMember"], &mut |member, _| {
        apps.add(&member, path);
        Ok(())
    })?;
    stream_members(open()?, path, opts, &mut apps, sink)
}

/// The CRS: `--crs`, else the file's first `srsName`.
fn resolve_crs(opts: &ReadOptions, srs: Option<&str>) -> Result<Crs, String> {
    match (&opts.crs, srs) {
        (Some(c), _) => Ok(c.clone()),
        (None, Some(s)) => crs_of_srs_name(s).map_err(|r| format!("{r}; give the CRS with --crs")),
        (None, None) => Err("no srsName anywhere: give the CRS with --crs".into()),
    }
}

/// [`crate::Format::CityGml`] from a reader, in one pass: appearances inside the objects are read,
/// global ones (after the objects) are not; `path` names it in messages.
pub fn stream_citygml_from(
    input: impl BufRead,
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    stream_members(input, path, opts, &mut Appearances::default(), sink)
}

/// The objects of `input`, textured from `apps` (and the appearances inside them).
fn stream_members(
    input: impl BufRead,
    path: &Path,
    opts: &ReadOptions,
    appearances: &mut Appearances,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    let mut out = Imported {
        file: path.to_owned(),
        crs: opts.crs.clone(),
        objects: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        textures: Vec::new(),
    };
    let mut skipped_kinds: HashMap<String, usize> = HashMap::new();
    // Metres per horizontal unit, for judging slopes (footprints): known once a srsName is.
    let mut unit_m: Option<f64> = None;
    let srs = for_each_member(input, path, &["cityObjectMember", "appearanceMember"], &mut |member, srs| {
        if member.name == "appearanceMember" {
            // Global appearances come after the objects they texture: read in a first pass
            // (`read_citygml`), not here.
            return Ok(());
        }
        if unit_m.is_none() {
            unit_m = resolve_crs(opts, srs).ok().map(|c| if c.is_geographic() { METRES_PER_DEGREE } else { 1.0 });
        }
        for feature in &member.children {
            read_feature(feature, None, unit_m.unwrap_or(1.0), opts, appearances, &mut out, &mut skipped_kinds);
        }
        if out.objects.len() >= BATCH_OBJECTS {
            let crs = resolve_crs(opts, srs).map_err(|r| fail(path, member.at, r))?;
            sink(Some(&crs), std::mem::take(&mut out.objects))?;
        }
        Ok(())
    })?;
    for (kind, n) in skipped_kinds {
        let reason = format!("{n} {kind} features skipped (not read yet)");
        out.warnings.push(Skipped { file: path.to_owned(), id: String::new(), reason });
    }
    let crs = resolve_crs(opts, srs.as_deref()).map_err(|r| fail(path, 0, r))?;
    if !out.objects.is_empty() {
        sink(Some(&crs), std::mem::take(&mut out.objects))?;
    }
    out.crs = Some(crs);
    out.textures = appearances.images.iter().map(|p| p.to_path_buf()).collect();
    let warnings = appearances.warnings.drain(..);
    out.warnings.extend(warnings.map(|reason| Skipped { file: path.to_owned(), id: String::new(), reason }));
    Ok(out)
}

/// Metres in a degree of latitude (and, near enough for judging slopes, of longitude).
pub(crate) const METRES_PER_DEGREE: f64 = 111_320.0;

/// Feature types whose geometry is read like a building's.
const SURFACE_FEATURES: [&str; 12] = [
    "Building",
    "BuildingPart",
    "Bridge",
    "BridgePart",
    "Road",
    "Railway",
    "Track",
    "Square",
    "WaterBody",
    "PlantCover",
    "SolitaryVegetationObject",
    "CityFurniture",
];

/// Properties holding a building's parts.
const PART_PROPERTIES: [&str; 3] = ["consistsOfBuildingPart", "buildingPart", "consistsOfBridgePart"];

/// Reads one feature (and its parts) into `out`.
fn read_feature(
    f: &Node,
    parent: Option<&str>,
    unit_m: f64,
    opts: &ReadOptions,
    apps: &mut Appearances,
    out: &mut Imported,
    skipped_kinds: &mut HashMap<String, usize>,
) {
    // Terrain: each TIN component of a relief feature is an object of its own.
    if f.name == "ReliefFeature" {
        for c in f.children.iter().filter(|c| c.name == "reliefComponent").flat_map(|c| &c.children) {
            if c.name == "TINRelief" {
                read_feature(c, None, unit_m, opts, apps, out, skipped_kinds);
            } else {
                *skipped_kinds.entry(format!("{}:{}", c.prefix, c.name)).or_default() += 1;
            }
        }
        return;
    }
    let kind_name = f.name.as_str();
    if !SURFACE_FEATURES.contains(&kind_name) && kind_name != "LandUse" && kind_name != "TINRelief" {
        *skipped_kinds.entry(format!("{}:{}", f.prefix, f.name)).or_default() += 1;
        return;
    }
    let id = f.id().map_or_else(|| format!("{}@{}", f.name, f.at), str::to_owned);
    // Appearances inside the object (3DCityDB exports) before its geometry.
    for a in f.children.iter().filter(|c| c.name == "appearance") {
        apps.add(a, &out.file.clone());
    }
    match read_object(f, &id, parent, unit_m, opts, apps) {
        Ok((o, warnings)) => {
            let file = out.file.clone();
            out.warnings.extend(warnings.into_iter().map(|reason| Skipped {
                file: file.clone(),
                id: id.clone(),
                reason,
            }));
            if o.object.kind == ObjectKind::Terrain {
                out.objects.extend(split_terrain(o, TERRAIN_PIECE_TRIANGLES, unit_m));
            } else {
                out.objects.push(o);
            }
        }
        Err(reason) => out.skipped.push(Skipped { file: out.file.clone(), id: id.clone(), reason }),
    }
    for prop in f.children.iter().filter(|c| PART_PROPERTIES.contains(&c.name.as_str())) {
        for part in &prop.children {
            read_feature(part, Some(&id), unit_m, opts, apps, out, skipped_kinds);
        }
    }
}

/// Triangles in one piece of terrain at most (about): a TIN is cut into square cells so that it
/// tiles like the city around it instead of being one feature in one tile.
const TERRAIN_PIECE_TRIANGLES: usize = 5_000;

/// Cuts a terrain object of more than `max` triangles into square cells by triangle centroid:
/// pieces `ID/I-J` whose parent is the TIN, each with its own footprint and z range.
fn split_terrain(o: ImportedObject, max: usize, unit_m: f64) -> Vec<ImportedObject> {
    let n = o.surfaces.len();
    if n <= max {
        return vec![o];
    }
    let side = (n as f64 / max as f64).sqrt().ceil() as usize;
    let centroid = |s: &Surface| {
        let r = &s.rings[0];
        let k = r.len() as f64;
        [r.iter().map(|p| p[0]).sum::<f64>() / k, r.iter().map(|p| p[1]).sum::<f64>() / k]
    };
    let centres: Vec<[f64; 2]> = o.surfaces.iter().map(centroid).collect();
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for c in &centres {
        for i in 0..2 {
            lo[i] = lo[i].min(c[i]);
            hi[i] = hi[i].max(c[i]);
        }
    }
    let cell = |c: &[f64; 2], i: usize| {
        let t = (c[i] - lo[i]) / (hi[i] - lo[i]).max(f64::MIN_POSITIVE);
        ((t * side as f64) as usize).min(side - 1)
    };
    let mut cells: std::collections::BTreeMap<(usize, usize), Vec<Surface>> = Default::default();
    for (s, c) in o.surfaces.into_iter().zip(&centres) {
        cells.entry((cell(c, 0), cell(c, 1))).or_default().push(s);
    }
    cells
        .into_iter()
        .map(|((i, j), surfaces)| {
            let (z_min_m, z_max_m) = crate::surface::z_range(&surfaces);
            let object = CityObject {
                id: format!("{}/{i}-{j}", o.object.id),
                parent: Some(o.object.id.clone()),
                footprint: crate::cityjson::footprint(&surfaces, unit_m),
                z_min_m,
                z_max_m,
                ..o.object.clone()
            };
            ImportedObject { object, surfaces }
        })
        .collect()
}

/// Polygons of one LoD: (LoD, semantic surface type, surface).
type LodSurfaces = Vec<(u8, Option<String>, Surface)>;

/// One object: its surfaces at the chosen LoD, footprint, z range and attributes.
fn read_object(
    f: &Node,
    id: &str,
    parent: Option<&str>,
    unit_m: f64,
    opts: &ReadOptions,
    apps: &Appearances,
) -> Result<(ImportedObject, Vec<String>), String> {
    let mut warnings = Vec::new();
    // Polygons with a gml:id anywhere in the object, for xlink:href.
    let mut by_id: HashMap<&str, &Node> = HashMap::new();
    index_ids(f, &mut by_id);
    let mut found: LodSurfaces = Vec::new();
    // Relief components say their LoD in a `lod` element rather than in property names.
    let own_lod = f.child("lod").and_then(|l| l.text.trim().parse::<u8>().ok());
    collect(f, own_lod, None, &by_id, apps, None, &mut found, &mut warnings)?;
    let mut lods: Vec<u8> = found.iter().map(|(l, _, _)| *l).collect();
    lods.sort_unstable();
    lods.dedup();
    let chosen = match &opts.lod {
        LodChoice::Highest => lods.last().copied(),
        LodChoice::Exact(l) => lods.iter().copied().find(|x| Lod { major: *x, minor: 0 } == *l),
    };
    let at_lod: Vec<&(u8, Option<String>, Surface)> = found.iter().filter(|(l, _, _)| Some(*l) == chosen).collect();
    // Boundary surfaces carry semantics; a solid at the same LoD repeats them (often by href).
    let semantic = at_lod.iter().any(|(_, s, _)| s.is_some());
    let mut surfaces: Vec<Surface> = at_lod
        .into_iter()
        .filter(|(_, s, _)| !semantic || s.is_some())
        .map(|(_, sem, s)| Surface { semantic: sem.clone(), ..s.clone() })
        .collect();
    // In the file's units (degrees for a geographic CRS), so only what has no area at all.
    surfaces.retain(|s| {
        let ok = s.rings[0].len() >= 3 && s.area() > 0.0;
        if !ok {
            warnings.push("dropped a degenerate polygon".into());
        }
        ok
    });
    let (z_min_m, z_max_m) = crate::surface::z_range(&surfaces);
    let object = CityObject {
        id: id.to_owned(),
        kind: ObjectKind::from_cityjson_type(&f.name),
        parent: parent.map(str::to_owned),
        footprint: crate::cityjson::footprint(&surfaces, unit_m),
        z_min_m,
        z_max_m,
        lods: lods
            .into_iter()
            .map(|l| GeometryRef { lod: Lod { major: l, minor: 0 }, content_uri: None, feature_id: None })
            .collect(),
        attributes: attributes(f),
    };
    Ok((ImportedObject { object, surfaces }, warnings))
}

fn index_ids<'a>(n: &'a Node, out: &mut HashMap<&'a str, &'a Node>) {
    if let Some(id) = n.id() {
        out.insert(id, n);
    }
    for c in &n.children {
        index_ids(c, out);
    }
}

/// The LoD of a geometry property (`lod2Solid`, `lod0FootPrint`, `lod1MultiSurface`).
fn lod_of_property(name: &str) -> Option<u8> {
    let rest = name.strip_prefix("lod")?;
    let d = rest.chars().next()?.to_digit(10)?;
    (rest.len() > 1).then_some(d as u8)
}

/// Boundary surface types (2.0 `bldg:`, 3.0 `con:`).
fn is_boundary_surface(name: &str) -> bool {
    name.ends_with("Surface")
        && matches!(
            name,
            "WallSurface"
                | "RoofSurface"
                | "GroundSurface"
                | "ClosureSurface"
                | "FloorSurface"
                | "InteriorWallSurface"
                | "CeilingSurface"
                | "OuterCeilingSurface"
                | "OuterFloorSurface"
                | "OuterInstallation"
        )
}

/// Walks `n` for geometry: under a `lodN...` property every polygon (hrefs resolved) is taken
/// with that LoD, the semantic of the boundary surface it is in, and the material colour of the
/// nearest element a material targets. Parts and appearances are
/// not walked (parts are objects of their own).
#[allow(clippy::too_many_arguments)]
fn collect(
    n: &Node,
    lod: Option<u8>,
    semantic: Option<&str>,
    by_id: &HashMap<&str, &Node>,
    apps: &Appearances,
    color: Option<[f32; 4]>,
    out: &mut LodSurfaces,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    for c in &n.children {
        let name = c.name.as_str();
        if PART_PROPERTIES.contains(&name) || name == "appearance" || name == "Envelope" {
            continue;
        }
        // A material may target this element (a MultiSurface, a boundary surface) or a polygon.
        let color = c.id().and_then(|id| apps.color(id)).or(color);
        if name == "Polygon" || name == "Triangle" {
            if let Some(l) = lod
                && let Some(s) = polygon(c, apps, color, warnings)?
            {
                out.push((l, semantic.map(str::to_owned), s));
            }
            continue;
        }
        if let (Some(l), Some(href)) = (lod, c.attr("xlink:href").or_else(|| c.attr("href"))) {
            let key = href.trim_start_matches('#');
            match by_id.get(key) {
                Some(target) if target.name == "Polygon" => {
                    let color = target.id().and_then(|id| apps.color(id)).or(color);
                    if let Some(s) = polygon(target, apps, color, warnings)? {
                        out.push((l, semantic.map(str::to_owned), s));
                    }
                }
                Some(target) => collect(target, Some(l), semantic, by_id, apps, color, out, warnings)?,
                None => warnings.push(format!("byte {}: xlink:href {href:?} points at nothing in this object", c.at)),
            }
            continue;
        }
        let lod = lod_of_property(name).or(lod);
        let semantic = if is_boundary_surface(name) { Some(name) } else { semantic };
        collect(c, lod, semantic, by_id, apps, color, out, warnings)?;
    }
    Ok(())
}

/// A `gml:Polygon`: exterior then interiors, each closed ring made open.
fn polygon(
    p: &Node,
    apps: &Appearances,
    color: Option<[f32; 4]>,
    warnings: &mut Vec<String>,
) -> Result<Option<Surface>, String> {
    let mut rings = Vec::new();
    // Texture coordinates per ring, while every ring so far has them from the same image.
    let mut uv: Option<(u32, Vec<Vec<[f32; 2]>>)> = Some((u32::MAX, Vec::new()));
    for (k, ring) in p.children.iter().filter(|c| c.name == "exterior" || c.name == "interior").enumerate() {
        let Some(lr) = ring.child("LinearRing") else { continue };
        let pts = match ring_points(lr) {
            Ok(p) => p,
            Err(e) => {
                let id = p.id().unwrap_or("?");
                warnings.push(format!("byte {}: polygon {id}: {e}: dropped", lr.at));
                if k == 0 {
                    return Ok(None);
                }
                continue;
            }
        };
        uv = match (uv, lr.id().and_then(|id| apps.ring(id))) {
            (Some((img, mut list)), Some((image, coords))) if img == u32::MAX || img == image => {
                // Coordinates as written close the ring like its points: drop the repeat.
                let open = if coords.len() == pts.len() + 1 { &coords[..pts.len()] } else { coords };
                if open.len() == pts.len() {
                    list.push(open.to_vec());
                    Some((image, list))
                } else {
                    let id = lr.id().unwrap_or("?");
                    warnings.push(format!(
                        "byte {}: ring {id}: {} texture coordinates for {} points: untextured",
                        lr.at,
                        coords.len(),
                        pts.len()
                    ));
                    None
                }
            }
            _ => None,
        };
        rings.push(pts);
    }
    if rings.is_empty() {
        return Ok(None);
    }
    let texture = uv.filter(|(image, list)| *image != u32::MAX && list.len() == rings.len());
    let texture = texture.map(|(image, uv)| SurfaceTexture { image: apps.image(image), uv });
    let color = if texture.is_some() { None } else { color };
    Ok(Some(Surface { rings, semantic: None, texture, color }))
}

/// A LinearRing's points (`posList`, or `pos` elements), open.
fn ring_points(lr: &Node) -> Result<Vec<[f64; 3]>, String> {
    let mut pts: Vec<[f64; 3]> = Vec::new();
    if let Some(pl) = lr.child("posList") {
        let dim: usize = pl.attr("srsDimension").and_then(|d| d.parse().ok()).unwrap_or(3);
        if !(2..=3).contains(&dim) {
            return Err(format!("srsDimension {dim}"));
        }
        let values: Vec<f64> = pl
            .text
            .split_whitespace()
            .map(|v| v.parse::<f64>().map_err(|_| format!("{v:?} is not a number")))
            .collect::<Result<_, _>>()?;
        if !values.len().is_multiple_of(dim) {
            return Err(format!("posList has {} values, not a multiple of its dimension {dim}", values.len()));
        }
        pts.extend(values.chunks_exact(dim).map(|c| [c[0], c[1], if dim == 3 { c[2] } else { 0.0 }]));
    } else {
        for pos in lr.children.iter().filter(|c| c.name == "pos") {
            let v: Vec<f64> = pos
                .text
                .split_whitespace()
                .map(|v| v.parse::<f64>().map_err(|_| format!("{v:?} is not a number")))
                .collect::<Result<_, _>>()?;
            match v.as_slice() {
                [x, y, z] => pts.push([*x, *y, *z]),
                [x, y] => pts.push([*x, *y, 0.0]),
                _ => return Err(format!("a pos of {} values", v.len())),
            }
        }
    }
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return Err(format!("a ring of {} points", pts.len()));
    }
    Ok(pts)
}

/// Simple properties kept as attributes (2.0 `bldg:` and 3.0 names).
const PROPERTIES: [&str; 11] = [
    "class",
    "function",
    "usage",
    "yearOfConstruction",
    "yearOfDemolition",
    "roofType",
    "measuredHeight",
    "storeysAboveGround",
    "storeysBelowGround",
    "creationDate",
    "name",
];

/// The attributes of a feature: simple properties, generic attributes (2.0 `gen:stringAttribute
/// name=..`, 3.0 `gen:StringAttribute` with `gen:name`), typed, and `uro:` leaves.
fn attributes(f: &Node) -> Attributes {
    let mut a = Attributes::new();
    for c in &f.children {
        let name = c.name.as_str();
        if PROPERTIES.contains(&name) && c.children.is_empty() && !c.text.is_empty() {
            // creationDate is a date in 2.0 and a dateTime in 3.0: the date is what both say.
            let text = if name == "creationDate" { c.text.get(..10).unwrap_or(&c.text) } else { c.text.as_str() };
            a.entry(name.to_owned()).or_insert_with(|| AttributeValue::infer(text));
        }
        // 3.0 writes the measured height as con:height/Height with its references.
        if name == "height"
            && let Some(h) = c.child("Height")
            && h.child("status").is_none_or(|s| s.text == "measured")
            && let Some(v) = h.child("value")
        {
            a.entry("measuredHeight".to_owned()).or_insert_with(|| AttributeValue::infer(&v.text));
        }
        if name == "genericAttribute" {
            for g in &c.children {
                generic(g, &mut a);
            }
        } else if name.ends_with("Attribute") && c.prefix == "gen" {
            generic(c, &mut a);
        }
        if c.prefix == "uro" {
            uro_leaves(c, &mut a);
        }
    }
    // A PLATEAU flood-risk extent is a hazard zone: named so, the tiler lists it in the
    // tileset's hazards sidecar for the emergency layer.
    if let Some(risk) = f.child("floodingRiskAttribute").and_then(|r| r.children.first()) {
        let scale = risk.child("scale").map(|s| s.text.as_str());
        a.insert(HAZARD_ATTRIBUTE.to_owned(), AttributeValue::Text(flood_risk_kind(&risk.name, scale)));
    }
    a
}

fn generic(g: &Node, a: &mut Attributes) {
    let name = g.attr("name").map(str::to_owned).or_else(|| g.child("name").map(|n| n.text.clone()));
    let Some(name) = name else { return };
    let text = g.child("value").map(|v| v.text.as_str()).unwrap_or_default();
    let value = match g.name.to_ascii_lowercase().as_str() {
        "intattribute" | "doubleattribute" | "measureattribute" => AttributeValue::infer(text),
        _ => AttributeValue::Text(text.to_owned()),
    };
    a.insert(name, value);
}

fn uro_leaves(n: &Node, a: &mut Attributes) {
    if n.children.is_empty() {
        if !n.text.is_empty() {
            a.entry(format!("uro:{}", n.name)).or_insert_with(|| AttributeValue::infer(&n.text));
        }
        return;
    }
    for c in &n.children {
        uro_leaves(c, a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_tin_is_cut_into_cells_keeping_every_triangle() {
        // 100 x 100 squares of 10 m, two triangles each: 20,000 triangles.
        let mut surfaces = Vec::new();
        for i in 0..100 {
            for j in 0..100 {
                let (x, y) = (f64::from(i) * 10.0, f64::from(j) * 10.0);
                let z = f64::from(i + j) * 0.1;
                surfaces.push(Surface {
                    rings: vec![vec![[x, y, z], [x + 10.0, y, z], [x, y + 10.0, z]]],
                    semantic: None,
                    texture: None,
                    color: None,
                });
                surfaces.push(Surface {
                    rings: vec![vec![[x + 10.0, y, z], [x + 10.0, y + 10.0, z], [x, y + 10.0, z]]],
                    semantic: None,
                    texture: None,
                    color: None,
                });
            }
        }
        let o = ImportedObject {
            object: CityObject {
                id: "tin".into(),
                kind: ObjectKind::Terrain,
                parent: None,
                footprint: geo::MultiPolygon(vec![]),
                z_min_m: 0.0,
                z_max_m: 19.8,
                lods: Vec::new(),
                attributes: Attributes::new(),
            },
            surfaces,
        };
        let pieces = split_terrain(o, 5_000, 1.0);
        assert_eq!(pieces.len(), 4, "20,000 triangles in cells of at most about 5,000: 2 x 2");
        assert_eq!(pieces.iter().map(|p| p.surfaces.len()).sum::<usize>(), 20_000);
        for p in &pieces {
            assert_eq!(p.object.parent.as_deref(), Some("tin"));
            assert!(p.object.id.starts_with("tin/"));
            let b = p.object.bbox2().unwrap();
            assert!(b.max[0] - b.min[0] <= 520.0 && b.max[1] - b.min[1] <= 520.0, "{b:?}");
            assert!(p.object.z_max_m > p.object.z_min_m);
        }
    }
}
