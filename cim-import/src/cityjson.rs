//! CityJSON 1.0 / 1.1 / 2.0 (<https://www.cityjson.org/specs/2.0.1/>) into the city model.
//!
//! Vertices are decoded with the file's `transform` (`real = int * scale + translate`), every
//! geometry type with surfaces is read (MultiSurface, CompositeSurface, Solid, MultiSolid,
//! CompositeSolid, and GeometryInstance through the file's geometry templates), semantic
//! surface types are kept per surface, and one level of detail is chosen per object for tiling.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use city_core::{AttributeValue, Attributes, CityObject, Crs, GeometryRef, Lod, ObjectKind};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

use crate::object_sink::hand_over;
use crate::surface::SurfaceTexture;
use crate::{ImportError, Imported, ImportedObject, LodChoice, ObjectSink, ReadOptions, Skipped, Surface};

/// Surfaces smaller than this (m^2) are degenerate: dropped with a warning.
const MIN_FACE_AREA_M2: f64 = 1e-6;

/// Reads a CityJSON file (whole: CityJSON's shared vertex list needs it) and hands its objects
/// to `sink`.
pub(crate) fn read_cityjson(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    let text = city_core::read_utf8(path).map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
    hand_over(read_cityjson_str(&text, path, opts)?, sink)
}

/// Reads CityJSON text; `file` names it in messages.
pub fn read_cityjson_str(text: &str, file: &Path, opts: &ReadOptions) -> Result<Imported, ImportError> {
    let json: Value = serde_json::from_str(text).map_err(|e| ImportError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let format = |reason: String| ImportError::Format { file: file.to_owned(), reason };
    let header = Header::read(&json, file, opts)?;
    let vertices = decode_vertices(&json["vertices"], &json["transform"]).map_err(format)?;
    let Some(objects) = json["CityObjects"].as_object() else {
        return Err(format("no \"CityObjects\" object".into()));
    };
    let mut imported = Imported {
        file: file.to_owned(),
        crs: header.crs.clone(),
        objects: Vec::new(),
        skipped: Vec::new(),
        warnings: header.warnings.clone(),
        textures: header.textures.iter().flatten().map(|p| p.to_path_buf()).collect(),
    };
    read_objects(&header.ctx(&vertices, &opts.lod), objects, &mut imported);
    Ok(imported)
}

/// CityJSONSeq lines parsed per batch: each batch is parsed on every core, then handed on.
const SEQ_BATCH_LINES: usize = 512;

/// Streams a CityJSONSeq file (`.city.jsonl`): a CityJSON header line, then one
/// CityJSONFeature per line with its own vertices. Lines are read a batch at a time, parsed on
/// every core, and each batch's objects handed to `sink` (with the CRS the header declares)
/// before the next is read: the file is never held in memory. A broken line costs its feature
/// only (listed as skipped, with its line number).
///
/// Returns the file's CRS, skipped features and warnings; its `objects` are empty (they went to
/// `sink`). An error from `sink` stops the reading and is returned.
pub(crate) fn read_cityjson_seq(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    use rayon::prelude::*;
    use std::io::BufRead;
    let io = |source| ImportError::Io { file: path.to_owned(), source };
    // Lines as bytes: a line with bytes that are not UTF-8 is decoded lossily (U+FFFD), not
    // fatal to the file.
    let mut lines = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?).split(b'\n').map(|l| {
        l.map(|bytes| String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    });
    let first = lines
        .next()
        .ok_or_else(|| ImportError::Format { file: path.to_owned(), reason: "empty file".into() })?
        .map_err(io)?;
    let head: Value = serde_json::from_str(first.trim_start_matches('\u{feff}')).map_err(|e| ImportError::Json {
        file: path.to_owned(),
        line: 1,
        column: e.column(),
        message: e.to_string(),
    })?;
    let header = Header::read(&head, path, opts)?;
    // Every CityJSONFeature's vertices are integers scaled by the header's transform: without
    // one they would be read as metres, a thousand times too large, and nothing would say so.
    if !head["transform"].is_object() {
        return Err(ImportError::Format {
            file: path.to_owned(),
            reason: "line 1: the CityJSON header has no \"transform\", which CityJSONSeq requires (its features' \
                     vertices are integers scaled by it)"
                .into(),
        });
    }
    let mut imported = Imported {
        file: path.to_owned(),
        crs: header.crs.clone(),
        objects: Vec::new(),
        skipped: Vec::new(),
        warnings: header.warnings.clone(),
        textures: header.textures.iter().flatten().map(|p| p.to_path_buf()).collect(),
    };
    // Reading the next batch of lines overlaps parsing the current one.
    let mut line_no = 1;
    let mut read_batch = || -> Result<Vec<(usize, String)>, ImportError> {
        let mut batch = Vec::with_capacity(SEQ_BATCH_LINES);
        for line in lines.by_ref().take(SEQ_BATCH_LINES) {
            line_no += 1;
            batch.push((line_no, line.map_err(io)?));
        }
        Ok(batch)
    };
    let mut batch = read_batch()?;
    while !batch.is_empty() {
        let (parsed, next) = rayon::join(
            || -> Vec<Imported> {
                batch.par_iter().map(|(no, line)| read_feature_line(line, *no, path, &head, &header, opts)).collect()
            },
            &mut read_batch,
        );
        let mut objects = Vec::new();
        for p in parsed {
            objects.extend(p.objects);
            imported.skipped.extend(p.skipped);
            imported.warnings.extend(p.warnings);
        }
        sink(imported.crs.as_ref(), objects)?;
        batch = next?;
    }
    Ok(imported)
}

/// One CityJSONFeature line of a CityJSONSeq file: its objects, or why it was skipped.
fn read_feature_line(
    line: &str,
    line_no: usize,
    path: &Path,
    head: &Value,
    header: &Header,
    opts: &ReadOptions,
) -> Imported {
    let mut out = Imported {
        file: path.to_owned(),
        crs: None,
        objects: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        textures: Vec::new(),
    };
    if line.trim().is_empty() {
        return out;
    }
    let skip = |reason: String| Skipped { file: path.to_owned(), id: format!("line {line_no}"), reason };
    let feature: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            out.skipped.push(skip(format!("column {}: not valid JSON: {e}", e.column())));
            return out;
        }
    };
    if feature["type"] != "CityJSONFeature" {
        out.skipped.push(skip(format!("\"type\" is {}, not \"CityJSONFeature\"", feature["type"])));
        return out;
    }
    match (decode_vertices(&feature["vertices"], &head["transform"]), feature["CityObjects"].as_object()) {
        (Ok(vertices), Some(objects)) => read_objects(&header.ctx(&vertices, &opts.lod), objects, &mut out),
        (Err(e), _) => out.skipped.push(skip(e)),
        (_, None) => out.skipped.push(skip("no \"CityObjects\" object".into())),
    }
    out
}

/// What a CityJSON file or a CityJSONSeq header line says about the whole: version, CRS,
/// geometry templates.
struct Header {
    crs: Option<Crs>,
    templates: Templates,
    /// `appearance.materials`: each one's diffuse colour and opacity (RGBA, 0..1).
    materials: Vec<[f32; 4]>,
    /// `appearance.textures`: each one's image, resolved beside the file (`None` when it is
    /// missing, outside the file's folder, or not a PNG or JPEG: its surfaces stay untextured).
    textures: Vec<Option<Arc<Path>>>,
    /// `appearance.vertices-texture`: the (u, v) that texture values index.
    texture_vertices: Vec<[f32; 2]>,
    warnings: Vec<Skipped>,
}

impl Header {
    /// The smallest face area kept: 1 mm2 in metric CRSs; in degrees any area above zero.
    fn min_area(&self) -> f64 {
        if self.crs.as_ref().is_some_and(Crs::is_geographic) { 0.0 } else { MIN_FACE_AREA_M2 }
    }

    /// What reading objects needs of the header, with these vertices and LoD choice.
    fn ctx<'a>(&'a self, vertices: &'a [[f64; 3]], lod: &'a LodChoice) -> Ctx<'a> {
        Ctx {
            min_area: self.min_area(),
            vertices,
            templates: &self.templates,
            lod,
            materials: &self.materials,
            textures: &self.textures,
            texture_vertices: &self.texture_vertices,
        }
    }

    /// The header of a CityJSON file or CityJSONSeq stream. A reference system that cannot be
    /// read is an error unless the import gives its own CRS (`--crs`), then a warning.
    fn read(json: &Value, file: &Path, opts: &ReadOptions) -> Result<Self, ImportError> {
        let format = |reason: String| ImportError::Format { file: file.to_owned(), reason };
        if json["type"] != "CityJSON" {
            return Err(format(format!("\"type\" is {}, not \"CityJSON\"", json["type"])));
        }
        let version = json["version"].as_str().unwrap_or("");
        if !matches!(version, "1.0" | "1.1" | "2.0") {
            return Err(format(format!(
                "unknown CityJSON version {}: this reader takes 1.0, 1.1 and 2.0",
                json["version"]
            )));
        }
        let templates = Templates::read(&json["geometry-templates"]).map_err(format)?;
        let mut warnings = Vec::new();
        // CityJSON vertices are x, y, z: easting (or longitude) first, whatever EPSG's axis order.
        let crs = match json["metadata"]["referenceSystem"].as_str().map(Crs::parse) {
            Some(Ok(c)) => Some(c.with_axis_order(city_core::AxisOrder::EastNorth)),
            Some(Err(e)) if opts.crs.is_none() => {
                return Err(format(format!("metadata.referenceSystem: {e}: pass --crs EPSG:n to read it in another")));
            }
            Some(Err(e)) => {
                warnings.push(Skipped {
                    file: file.to_owned(),
                    id: String::new(),
                    reason: format!("metadata.referenceSystem: {e}"),
                });
                None
            }
            None => None,
        };
        let appearance = &json["appearance"];
        let materials =
            appearance["materials"].as_array().map(|m| m.iter().map(material_color).collect()).unwrap_or_default();
        let textures = texture_images(&appearance["textures"], file, &mut warnings);
        let texture_vertices = appearance["vertices-texture"]
            .as_array()
            .map(|v| v.iter().map(|uv| [0, 1].map(|k| uv[k].as_f64().unwrap_or(0.0) as f32)).collect())
            .unwrap_or_default();
        Ok(Self { crs, templates, materials, textures, texture_vertices, warnings })
    }
}

/// The images of `appearance.textures`, resolved against the file's folder. An image that is
/// missing, leaves that folder (`..`, an absolute path, a link) or is neither PNG nor JPEG is a
/// warning naming it; its surfaces stay untextured (they keep their material colour).
fn texture_images(textures: &Value, file: &Path, warnings: &mut Vec<Skipped>) -> Vec<Option<Arc<Path>>> {
    let mut warn = |i: usize, reason: String| {
        warnings.push(Skipped { file: file.to_owned(), id: format!("appearance.textures[{i}]"), reason });
    };
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (i, t) in textures.as_array().into_iter().flatten().enumerate() {
        let image = t["image"].as_str().unwrap_or("");
        let ty = t["type"].as_str().unwrap_or("").to_ascii_uppercase();
        out.push(if !matches!(ty.as_str(), "PNG" | "JPG" | "JPEG") {
            warn(i, format!("{image:?}: {ty} images are not read (PNG and JPEG are)"));
            None
        } else {
            match crate::inside_folder::file_beside(file, image) {
                Ok(path) => Some(Arc::from(path.as_path())),
                Err(why) if why.ends_with("missing") => {
                    missing.push(image.to_owned());
                    None
                }
                Err(why) => {
                    warn(i, format!("image {why}"));
                    None
                }
            }
        });
    }
    // One line for all missing images (a download often lacks its appearance folder).
    if let Some(first) = missing.first() {
        let more = if missing.len() > 1 { format!(" and {} more", missing.len() - 1) } else { String::new() };
        warnings.push(Skipped {
            file: file.to_owned(),
            id: "appearance.textures".into(),
            reason: format!(
                "{} of {} images missing beside the file ({first}{more}): their surfaces stay untextured",
                missing.len(),
                out.len()
            ),
        });
    }
    out
}

/// A CityJSON material's colour: its `diffuseColor` (0.8 grey when it gives none, as X3D) and
/// `1 - transparency` as alpha.
fn material_color(m: &Value) -> [f32; 4] {
    let c: Vec<f32> = m["diffuseColor"]
        .as_array()
        .map(|c| c.iter().filter_map(|v| v.as_f64()).map(|v| v as f32).collect())
        .unwrap_or_default();
    let [r, g, b] = c[..] else { return [0.8, 0.8, 0.8, 1.0] };
    let transparency = m["transparency"].as_f64().unwrap_or(0.0) as f32;
    [r, g, b, 1.0 - transparency].map(|v| v.clamp(0.0, 1.0))
}

/// Reads every object of a `CityObjects` map into `out`; bad ones are skipped by id.
fn read_objects(ctx: &Ctx<'_>, objects: &serde_json::Map<String, Value>, out: &mut Imported) {
    let first = out.objects.len();
    for (id, o) in objects {
        let mut face_warnings = Vec::new();
        match read_object(ctx, id, o, &mut face_warnings) {
            Ok(obj) => out.objects.push(obj),
            Err(reason) => out.skipped.push(Skipped { file: out.file.clone(), id: id.clone(), reason }),
        }
        let file = out.file.clone();
        out.warnings.extend(face_warnings.into_iter().map(|reason| Skipped {
            file: file.clone(),
            id: id.clone(),
            reason,
        }));
    }
    inherit_from_children(&mut out.objects[first..], objects);
}

/// Real coordinates of every vertex.
fn decode_vertices(v: &Value, transform: &Value) -> Result<Vec<[f64; 3]>, String> {
    let list = v.as_array().ok_or("no \"vertices\" array")?;
    let (scale, translate) = if transform.is_null() {
        ([1.0; 3], [0.0; 3])
    } else {
        let three = |key: &str| -> Result<[f64; 3], String> {
            let a = transform[key]
                .as_array()
                .filter(|a| a.len() == 3)
                .ok_or(format!("transform.{key} is not 3 numbers"))?;
            let n = |i: usize| {
                a[i].as_f64().filter(|v| v.is_finite()).ok_or(format!("transform.{key}[{i}] is not a number"))
            };
            Ok([n(0)?, n(1)?, n(2)?])
        };
        (three("scale")?, three("translate")?)
    };
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let c = |k: usize| p.get(k).and_then(Value::as_f64).filter(|v| v.is_finite());
            match (c(0), c(1), c(2)) {
                (Some(x), Some(y), Some(z)) => {
                    Ok([x * scale[0] + translate[0], y * scale[1] + translate[1], z * scale[2] + translate[2]])
                }
                _ => Err(format!("vertex {i} is not three numbers: {p}")),
            }
        })
        .collect()
}

/// The file's geometry templates: geometries whose indices point into their own vertex list.
struct Templates {
    geometries: Vec<Value>,
    vertices: Vec<[f64; 3]>,
}

impl Templates {
    fn read(t: &Value) -> Result<Self, String> {
        if t.is_null() {
            return Ok(Self { geometries: Vec::new(), vertices: Vec::new() });
        }
        let geometries = t["templates"].as_array().cloned().ok_or("geometry-templates without \"templates\"")?;
        let vertices =
            decode_vertices(&t["vertices-templates"], &Value::Null).map_err(|e| format!("geometry-templates: {e}"))?;
        Ok(Self { geometries, vertices })
    }
}

struct Ctx<'a> {
    /// Smallest face area kept, in the file's units squared (0 for degrees: any area counts).
    min_area: f64,
    vertices: &'a [[f64; 3]],
    templates: &'a Templates,
    lod: &'a LodChoice,
    /// The file's materials, by index (`appearance.materials`).
    materials: &'a [[f32; 4]],
    /// The file's texture images, by index (`appearance.textures`).
    textures: &'a [Option<Arc<Path>>],
    /// The texture coordinates texture values index (`appearance.vertices-texture`).
    texture_vertices: &'a [[f32; 2]],
}

/// A geometry's LoD, as a string or a number.
fn lod_of(g: &Value) -> Option<Lod> {
    match &g["lod"] {
        Value::String(s) => Lod::parse(s),
        Value::Number(n) => Lod::parse(&n.to_string()),
        _ => None,
    }
}

fn read_object(ctx: &Ctx<'_>, id: &str, o: &Value, warnings: &mut Vec<String>) -> Result<ImportedObject, String> {
    let kind = ObjectKind::from_cityjson_type(o["type"].as_str().ok_or("no \"type\"")?);
    let attributes: Attributes = match &o["attributes"] {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), AttributeValue::from(v))).collect(),
        _ => Attributes::new(),
    };
    let parent = o["parents"].as_array().and_then(|p| p.first()).and_then(Value::as_str).map(str::to_owned);
    let geometries: &[Value] = match &o["geometry"] {
        Value::Array(g) => g,
        Value::Null => &[],
        other => return Err(format!("\"geometry\" is {other}, not an array")),
    };

    // The LoD of each geometry; a GeometryInstance has its template's.
    let lod = |g: &Value| -> Option<Lod> {
        if g["type"] == "GeometryInstance" {
            let t = g["template"].as_u64()? as usize;
            lod_of(ctx.templates.geometries.get(t)?)
        } else {
            lod_of(g)
        }
    };
    let mut lods: Vec<Lod> = geometries.iter().filter_map(lod).collect();
    if lods.is_empty() && !geometries.is_empty() {
        return Err(format!("none of its {} geometries has a \"lod\" that can be read", geometries.len()));
    }
    lods.sort();
    lods.dedup();
    let chosen = match ctx.lod {
        LodChoice::Highest => lods.last().copied(),
        LodChoice::Exact(l) => lods.contains(l).then_some(*l),
    };
    let mut surfaces = Vec::new();
    if let Some(chosen) = chosen {
        for (gi, g) in geometries.iter().enumerate().filter(|(_, g)| lod(g) == Some(chosen)) {
            let before = surfaces.len();
            let dropped =
                read_geometry(ctx, g, &mut surfaces).map_err(|e| format!("geometry {gi} (LoD {chosen}): {e}"))?;
            if dropped > 0 {
                warnings.push(format!(
                    "geometry {gi}: {dropped} surfaces drawn untextured: their texture values do not fit their rings \
                     (a count, an image or a texture vertex index out of place)"
                ));
            }
            // Drop degenerate faces with a warning, keep the rest.
            let mut kept = before;
            for i in before..surfaces.len() {
                let area = surfaces[i].area();
                if surfaces[i].rings[0].len() < 3 || area.is_nan() || area <= ctx.min_area {
                    warnings.push(format!("geometry {gi}: dropped a degenerate face (area {area:.2e} m2)"));
                } else if surfaces[i].outer_ring_self_intersects() {
                    warnings.push(format!("geometry {gi}: dropped a face whose ring crosses itself"));
                } else {
                    surfaces.swap(kept, i);
                    kept += 1;
                }
            }
            surfaces.truncate(kept);
        }
    }

    let (z_min_m, z_max_m) = crate::surface::z_range(&surfaces);
    let object = CityObject {
        id: id.to_owned(),
        kind,
        parent,
        footprint: footprint(&surfaces, 1.0),
        z_min_m,
        z_max_m,
        lods: lods.into_iter().map(|lod| GeometryRef { lod, content_uri: None, feature_id: None }).collect(),
        attributes,
    };
    Ok(ImportedObject { object, surfaces })
}

/// Appends the surfaces of one geometry. Returns how many surfaces lost a texture the file
/// gives them because its values do not fit the rings (their geometry is kept, untextured).
fn read_geometry<'a>(ctx: &Ctx<'_>, g: &'a Value, out: &mut Vec<Surface>) -> Result<usize, String> {
    let ty = g["type"].as_str().unwrap_or("");
    if ty == "GeometryInstance" {
        return read_instance(ctx, g, out);
    }
    let b = &g["boundaries"];
    // Semantic type per surface index, when given.
    let sem_types: Vec<Option<String>> = g["semantics"]["surfaces"]
        .as_array()
        .map(|s| s.iter().map(|s| s["type"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let values = &g["semantics"]["values"];
    let sem = |v: &Value| v.as_u64().and_then(|i| sem_types.get(i as usize).cloned().flatten());
    // Material colours: the first theme (by name), one `value` for every surface or `values`
    // shaped like the boundaries; an index that is null or out of range leaves a surface plain.
    let theme = g["material"].as_object().and_then(|m| m.values().next());
    let material = |v: &Value| v.as_u64().and_then(|i| ctx.materials.get(i as usize)).copied();
    let everywhere = theme.and_then(|t| material(&t["value"]));
    let mvalues = theme.map_or(&Value::Null, |t| &t["values"]);
    let color = |v: &Value| everywhere.or_else(|| material(v));
    let vertex = |v: &Value| -> Result<[f64; 3], String> {
        let i = v.as_u64().ok_or_else(|| format!("vertex index {v} is not a non-negative integer"))? as usize;
        ctx.vertices
            .get(i)
            .copied()
            .ok_or_else(|| format!("vertex index {i} out of range ({} vertices)", ctx.vertices.len()))
    };
    // Textures: the first theme (by name), `values` shaped like the boundaries down to each
    // ring: [image, uv index of each ring vertex...], or [null] for an untextured ring.
    let tvalues = g["texture"].as_object().and_then(|m| m.values().next()).map_or(&Value::Null, |t| &t["values"]);
    let dropped = std::cell::Cell::new(0);
    let texture = |rings: &[Vec<[f64; 3]>], tv: &Value| -> Option<SurfaceTexture> {
        let values = tv.as_array()?;
        if values.iter().all(|r| r.get(0).is_none_or(Value::is_null)) {
            return None; // untextured
        }
        let read = || -> Option<SurfaceTexture> {
            let mut image: Option<Arc<Path>> = None;
            let mut uv = Vec::with_capacity(rings.len());
            if values.len() != rings.len() {
                return None;
            }
            for (v, ring) in values.iter().zip(rings) {
                let v = v.as_array()?;
                let img = ctx.textures.get(v.first()?.as_u64()? as usize)?.clone()?;
                if image.as_ref().is_some_and(|i| *i != img) {
                    return None; // one image per surface, as CityGML's
                }
                image = Some(img);
                let coords: Vec<[f32; 2]> = v[1..]
                    .iter()
                    .map(|i| i.as_u64().and_then(|i| ctx.texture_vertices.get(i as usize)).copied())
                    .collect::<Option<_>>()?;
                if coords.len() != ring.len() {
                    return None;
                }
                uv.push(coords);
            }
            Some(SurfaceTexture { image: image?, uv })
        };
        let t = read();
        if t.is_none()
            && values.iter().any(|r| {
                r.get(0)
                    .and_then(Value::as_u64)
                    .is_some_and(|i| ctx.textures.get(i as usize).is_some_and(Option::is_some))
            })
        {
            dropped.set(dropped.get() + 1);
        }
        t
    };
    let surface =
        |s: &Value, semantic: Option<String>, color: Option<[f32; 4]>, tv: &Value| -> Result<Surface, String> {
            let rings = s.as_array().ok_or("a surface is not an array of rings")?;
            let rings = rings
                .iter()
                .map(|r| r.as_array().ok_or("a ring is not an array".to_string())?.iter().map(vertex).collect())
                .collect::<Result<Vec<Vec<[f64; 3]>>, String>>()?;
            if rings.is_empty() {
                return Err("a surface without rings".into());
            }
            let texture = texture(&rings, tv);
            Ok(Surface { rings, semantic, texture, color })
        };
    let arr = |v: &'a Value, what: &str| -> Result<&'a [Value], String> {
        v.as_array().map(Vec::as_slice).ok_or_else(|| format!("{what} is not an array"))
    };
    match ty {
        "MultiSurface" | "CompositeSurface" => {
            for (i, s) in arr(b, "boundaries")?.iter().enumerate() {
                out.push(surface(s, sem(&values[i]), color(&mvalues[i]), &tvalues[i])?);
            }
        }
        "Solid" => {
            for (si, shell) in arr(b, "boundaries")?.iter().enumerate() {
                for (i, s) in arr(shell, "a shell")?.iter().enumerate() {
                    out.push(surface(s, sem(&values[si][i]), color(&mvalues[si][i]), &tvalues[si][i])?);
                }
            }
        }
        "MultiSolid" | "CompositeSolid" => {
            for (di, solid) in arr(b, "boundaries")?.iter().enumerate() {
                for (si, shell) in arr(solid, "a solid")?.iter().enumerate() {
                    for (i, s) in arr(shell, "a shell")?.iter().enumerate() {
                        out.push(surface(s, sem(&values[di][si][i]), color(&mvalues[di][si][i]), &tvalues[di][si][i])?);
                    }
                }
            }
        }
        // Points and lines have no surfaces to tile.
        "MultiPoint" | "MultiLineString" => {}
        other => return Err(format!("unknown geometry type {other:?}")),
    }
    Ok(dropped.get())
}

/// A GeometryInstance: the template's surfaces, transformed by the 4x4 matrix (row-major, as
/// CityJSON writes it) and moved to the reference point.
fn read_instance(ctx: &Ctx<'_>, g: &Value, out: &mut Vec<Surface>) -> Result<usize, String> {
    let t = g["template"].as_u64().ok_or("GeometryInstance without \"template\"")? as usize;
    let template = ctx.templates.geometries.get(t).ok_or_else(|| format!("template {t} does not exist"))?;
    if template["type"] == "GeometryInstance" {
        return Err(format!("template {t} is itself a GeometryInstance (templates may not nest)"));
    }
    let reference = g["boundaries"]
        .get(0)
        .and_then(Value::as_u64)
        .and_then(|i| ctx.vertices.get(i as usize))
        .copied()
        .ok_or("GeometryInstance reference point is missing or out of range")?;
    let m: Vec<f64> =
        g["transformationMatrix"].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
    if m.len() != 16 {
        return Err("transformationMatrix is not 16 numbers".into());
    }
    let inner = Ctx { vertices: &ctx.templates.vertices, ..*ctx };
    let start = out.len();
    let dropped = read_geometry(&inner, template, out).map_err(|e| format!("template {t}: {e}"))?;
    for p in out[start..].iter_mut().flat_map(|s| s.rings.iter_mut().flatten()) {
        let [x, y, z] = *p;
        *p = std::array::from_fn(|r| m[4 * r] * x + m[4 * r + 1] * y + m[4 * r + 2] * z + m[4 * r + 3] + reference[r]);
    }
    Ok(dropped)
}

/// The 2D footprint of the surfaces: the ground surfaces if the file marks them, else every
/// face if all are near horizontal (a sheet such as water, terrain or land use, whose polygons
/// may be wound either way), else the faces that look down (the bottom of a solid), else those
/// that look up (roofs), else the convex hull of every vertex.
///
/// `unit_m` is the metres of one horizontal unit (1 in a projected CRS, about 111,320 for the
/// degrees of a geographic one), so that a slope is judged in metres over metres.
pub(crate) fn footprint(surfaces: &[Surface], unit_m: f64) -> MultiPolygon<f64> {
    let steep = |s: &Surface, sign: f64| {
        // Scaling x and y by k scales the Newell normal's x and y by k and its z by k².
        let n = s.newell_normal();
        let (h, v) = ((n[0] * n[0] + n[1] * n[1]) * unit_m * unit_m, n[2] * unit_m * unit_m);
        sign * v > 0.5 * (h + v * v).sqrt()
    };
    let ground: Vec<&Surface> = surfaces.iter().filter(|s| s.semantic.as_deref() == Some("GroundSurface")).collect();
    let pick = if !ground.is_empty() {
        ground
    } else if surfaces.iter().all(|s| steep(s, -1.0) || steep(s, 1.0)) {
        // A sheet (water, terrain, a flood extent): every polygon, whichever way it is wound.
        surfaces.iter().collect()
    } else if surfaces.iter().any(|s| steep(s, -1.0)) {
        surfaces.iter().filter(|s| steep(s, -1.0)).collect()
    } else {
        surfaces.iter().filter(|s| steep(s, 1.0)).collect()
    };
    let ring2d = |r: &Vec<[f64; 3]>| LineString::from(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect::<Vec<_>>());
    if !pick.is_empty() {
        return MultiPolygon(
            pick.iter().map(|s| Polygon::new(ring2d(&s.rings[0]), s.rings[1..].iter().map(ring2d).collect())).collect(),
        );
    }
    let points = surfaces.iter().flat_map(|s| s.rings.iter().flatten()).map(|p| [p[0], p[1]]);
    MultiPolygon(crate::hull::finite_hull(points).into_iter().collect())
}

/// Objects without geometry of their own (a Building whose parts carry it) take the footprints
/// and z range of their children.
fn inherit_from_children(objects: &mut [ImportedObject], json: &serde_json::Map<String, Value>) {
    let at: HashMap<String, usize> = objects.iter().enumerate().map(|(i, o)| (o.object.id.clone(), i)).collect();
    for i in 0..objects.len() {
        if !objects[i].surfaces.is_empty() {
            continue;
        }
        let children: Vec<usize> = json[&objects[i].object.id]["children"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).filter_map(|c| at.get(c).copied()).collect())
            .unwrap_or_default();
        let with_geometry: Vec<usize> = children.into_iter().filter(|&c| !objects[c].surfaces.is_empty()).collect();
        if with_geometry.is_empty() {
            continue;
        }
        let polygons: Vec<Polygon<f64>> =
            with_geometry.iter().flat_map(|&c| objects[c].object.footprint.0.clone()).collect();
        let z_min = with_geometry.iter().map(|&c| objects[c].object.z_min_m).fold(f64::INFINITY, f64::min);
        let z_max = with_geometry.iter().map(|&c| objects[c].object.z_max_m).fold(f64::NEG_INFINITY, f64::max);
        let o = &mut objects[i].object;
        o.footprint = MultiPolygon(polygons);
        (o.z_min_m, o.z_max_m) = (z_min, z_max);
    }
}
