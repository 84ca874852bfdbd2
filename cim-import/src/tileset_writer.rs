//! From imported objects to an OGC 3D Tiles 1.1 tileset on disk: coordinates to a local ENU
//! frame at the data's centre (the root `transform`), a binary median split of the objects by
//! count and estimated bytes, one GLB per leaf with the chosen LoD, coarse LoD1 blocks in inner
//! tiles, `tileset.json`, and the `features.csv` sidecar the engine indexes (ADR 0003).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use city_core::{AttributeValue, Crs, EnuFrame, Vec3, geodetic_from_ecef};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::glb::{Column, NO_DATA, PropertyTable, TileMesh, property_id, write_glb};
use crate::{ImportError, Imported, ImportedObject, Surface, triangulate};

/// How to tile.
#[derive(Debug, Clone)]
pub struct TilingOptions {
    /// The CRS of inputs that declare none (GeoJSON and OSM are always WGS84).
    pub crs: Option<Crs>,
    /// A leaf holds at most this many features.
    pub max_features_per_tile: usize,
    /// A leaf's geometry stays under about this many GLB bytes (estimated from vertex counts),
    /// so one detailed building complex does not make a tile a client chokes on.
    pub max_bytes_per_tile: usize,
}

impl Default for TilingOptions {
    fn default() -> Self {
        Self { crs: None, max_features_per_tile: 500, max_bytes_per_tile: 4_000_000 }
    }
}

/// Reports progress: (what is being done, done so far, total). Called from worker threads.
pub type Progress = dyn Fn(&str, u64, u64) + Sync;

/// What an import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct TilingSummary {
    /// Features written (objects with surfaces).
    pub features: usize,
    /// Objects without surfaces in the chosen LoD: not tiled, not in the sidecar.
    pub without_geometry: usize,
    /// Tiles with content.
    pub tiles: usize,
    /// Bytes of GLB written.
    pub glb_bytes: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// One object ready to tile: ENU surfaces and where it is.
struct Placed {
    /// Estimated bytes of its triangles in a GLB: 28 per vertex (position, normal, feature
    /// id) and 12 per triangle.
    glb_bytes: usize,
    /// The convex hull of the object's vertices seen from above (ENU metres): the outline of
    /// its block in coarse tiles.
    hull: geo::Polygon<f64>,
    /// The footprint in the root's ENU metres, as WKT, for the sidecar.
    footprint_wkt: String,
    id: String,
    kind: String,
    attributes: BTreeMap<String, AttributeValue>,
    surfaces: Vec<Surface>,
    lo: Vec3,
    hi: Vec3,
}

/// Writes the tileset of `inputs` into `out_dir`, built in a temporary folder beside it and
/// moved into place at the end, so an interrupted run never leaves a tileset that looks whole.
pub fn write_tileset(
    inputs: Vec<Imported>,
    out_dir: &Path,
    opts: &TilingOptions,
    progress: &Progress,
) -> Result<TilingSummary, ImportError> {
    let start = Instant::now();
    // 1. The local frame: ENU at the centre of the data, from each input's box in its own CRS
    //    (a scan, no copies).
    let mut crs_of = Vec::with_capacity(inputs.len());
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for imp in &inputs {
        let crs = imp.crs.clone().or_else(|| opts.crs.clone()).ok_or_else(|| ImportError::Format {
            file: imp.file.clone(),
            reason: "the file declares no CRS: pass --crs EPSG:n".into(),
        })?;
        let (mut a, mut b) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for p in imp.objects.iter().flat_map(|o| o.surfaces.iter().flat_map(|s| s.rings.iter().flatten())) {
            for i in 0..3 {
                a[i] = a[i].min(p[i]);
                b[i] = b[i].max(p[i]);
            }
        }
        if a[0].is_finite() {
            for corner in [a, b, [a[0], b[1], a[2]], [b[0], a[1], b[2]]] {
                let e = crs
                    .to_ecef(corner)
                    .map_err(|e| ImportError::Format { file: imp.file.clone(), reason: e.to_string() })?;
                for i in 0..3 {
                    lo[i] = lo[i].min(e[i]);
                    hi[i] = hi[i].max(e[i]);
                }
            }
        }
        crs_of.push(crs);
    }
    if !lo[0].is_finite() {
        return Err(ImportError::Format {
            file: inputs.first().map(|i| i.file.clone()).unwrap_or_default(),
            reason: "no object with geometry to tile".into(),
        });
    }
    let centre = geodetic_from_ecef(std::array::from_fn(|i| (lo[i] + hi[i]) * 0.5));
    let frame = EnuFrame::at(city_core::Geodetic { height_m: 0.0, ..centre });

    // 2. Each object straight to ENU, on every core, consuming the input as it goes: one copy
    //    of the geometry alive at a time, not three.
    let mut placed: Vec<Placed> = Vec::new();
    let mut without_geometry = 0;
    for (imp, crs) in inputs.into_iter().zip(&crs_of) {
        let file = imp.file;
        without_geometry += imp.objects.iter().filter(|o| o.surfaces.is_empty()).count();
        let converted: Vec<Placed> = imp
            .objects
            .into_par_iter()
            .filter(|o| !o.surfaces.is_empty())
            .map(|o| place(o, crs, &frame).map_err(|e| ImportError::Format { file: file.clone(), reason: e }))
            .collect::<Result<_, _>>()?;
        placed.extend(converted);
    }
    // 2. Build in a temporary folder beside the target. The target is replaced only if it is
    //    empty or an earlier tileset: `-o .` or `-o ~/work` must never delete someone's files.
    if out_dir.exists() {
        let empty = std::fs::read_dir(out_dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !out_dir.join("tileset.json").is_file() {
            return Err(ImportError::Format {
                file: out_dir.to_owned(),
                reason: "the output folder holds files and no tileset.json: refusing to replace it".into(),
            });
        }
    }
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "tileset".into());
    let tmp: PathBuf = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let io = |file: &Path| {
        let file = file.to_owned();
        move |source| ImportError::Io { file, source }
    };
    std::fs::create_dir_all(tmp.join("tiles")).map_err(io(&tmp))?;

    // Build; on any failure leave nothing half-written behind.
    let (tiles, glb_bytes) =
        match build_into(&placed, &frame, &tmp, (opts.max_features_per_tile, opts.max_bytes_per_tile), progress) {
            Ok(counts) => counts,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };

    // 3. Into place.
    let replace = || -> Result<(), ImportError> {
        if out_dir.exists() {
            std::fs::remove_dir_all(out_dir).map_err(io(out_dir))?;
        }
        std::fs::rename(&tmp, out_dir).map_err(io(out_dir))
    };
    if let Err(e) = replace() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    Ok(TilingSummary {
        features: placed.len(),
        without_geometry,
        tiles,
        glb_bytes,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Writes the tiles, `tileset.json` and `features.csv` into `tmp`; returns (tiles, GLB bytes).
fn build_into(
    placed: &[Placed],
    frame: &EnuFrame,
    tmp: &Path,
    (max_features, max_bytes): (usize, usize),
    progress: &Progress,
) -> Result<(usize, usize), ImportError> {
    let io = |file: &Path| {
        let file = file.to_owned();
        move |source| ImportError::Io { file, source }
    };
    let mut order: Vec<usize> = (0..placed.len()).collect();
    let mut writer = Writer { placed, leaves: Vec::new() };
    let (top, centre, half) = writer.tile(&mut order, "0", (max_features, max_bytes), (0, f64::INFINITY))?;
    // The root only places the tree on the globe: the ENU frame at the data's centre.
    let diagonal = 2.0 * (half[0] * half[0] + half[1] * half[1] + half[2] * half[2]).sqrt();
    let root = json!({
        "transform": frame.ecef_from_enu_matrix(),
        "boundingVolume": {"box": box_json(centre, half)},
        "geometricError": diagonal,
        "refine": "REPLACE",
        "children": [top],
    });
    let tileset = json!({
        "asset": {"version": "1.1", "generator": "CityTwin cim-import"},
        "geometricError": diagonal * 2.0,
        "root": root,
    });
    let write = |path: PathBuf, bytes: &[u8]| std::fs::write(&path, bytes).map_err(io(&path));
    write(tmp.join("tileset.json"), serde_json::to_string_pretty(&tileset).unwrap_or_default().as_bytes())?;
    // Triangulation and GLB encoding on every core; each leaf writes its own file.
    let schema = schema_of(placed);
    let total = writer.leaves.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let sizes: Vec<usize> = writer
        .leaves
        .par_iter()
        .map(|leaf| {
            let glb = leaf_glb(placed, leaf, &schema);
            let written = write(tmp.join(&leaf.uri), &glb).map(|()| glb.len());
            progress("tiles", done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
            written
        })
        .collect::<Result<_, _>>()?;
    let mut csv = String::from("id,kind,tile,minz,maxz,wkt\n");
    for leaf in writer.leaves.iter().filter(|l| !l.coarse) {
        for &i in &leaf.ids {
            let p = &placed[i];
            csv.push_str(&format!(
                "{},{},{},{},{},\"{}\"\n",
                csv_field(&p.id),
                p.kind,
                leaf.uri,
                p.lo[2],
                p.hi[2],
                p.footprint_wkt
            ));
        }
    }
    write(tmp.join("features.csv"), csv.as_bytes())?;
    Ok((sizes.len(), sizes.iter().sum()))
}

/// One object into the tileset's frame: surfaces in ENU, its box, its coarse outline and its
/// footprint as WKT for the sidecar.
fn place(o: ImportedObject, crs: &Crs, frame: &EnuFrame) -> Result<Placed, String> {
    let enu =
        |p: Vec3| crs.to_ecef(p).map(|e| frame.enu_from_ecef(e)).map_err(|e| format!("object {:?}: {e}", o.object.id));
    let surfaces = o
        .surfaces
        .iter()
        .map(|s| {
            let rings = s
                .rings
                .iter()
                .map(|r| r.iter().map(|&p| enu(p)).collect::<Result<Vec<_>, _>>())
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Surface { rings, semantic: s.semantic.clone() })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for p in surfaces.iter().flat_map(|s| s.rings.iter().flatten()) {
        for i in 0..3 {
            lo[i] = lo[i].min(p[i]);
            hi[i] = hi[i].max(p[i]);
        }
    }
    // The footprint at the object's base, in ENU, for the sidecar.
    let mut polygons = Vec::new();
    for poly in &o.object.footprint.0 {
        let mut rings = Vec::new();
        for r in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let pts =
                r.0.iter()
                    .map(|c| enu([c.x, c.y, o.object.z_min_m]).map(|e| format!("{} {}", e[0], e[1])))
                    .collect::<Result<Vec<_>, _>>()?;
            rings.push(format!("({})", pts.join(",")));
        }
        if poly.exterior().0.len() >= 4 {
            polygons.push(format!("({})", rings.join(",")));
        }
    }
    let footprint_wkt = if polygons.is_empty() {
        // No usable footprint: the 2D box of the surfaces.
        let (x0, y0, x1, y1) = (lo[0], lo[1], hi[0], hi[1]);
        format!("POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))")
    } else {
        format!("MULTIPOLYGON({})", polygons.join(","))
    };
    let hull = {
        use geo::ConvexHull;
        let pts: geo::MultiPoint<f64> =
            surfaces.iter().flat_map(|s| s.rings.iter().flatten()).map(|p| geo::Point::new(p[0], p[1])).collect();
        pts.convex_hull()
    };
    let glb_bytes = surfaces
        .iter()
        .map(|s| {
            let n: usize = s.rings.iter().map(Vec::len).sum();
            n * 28 + n.saturating_sub(2) * 12
        })
        .sum();
    Ok(Placed {
        glb_bytes,
        hull,
        id: o.object.id,
        kind: o.object.kind.to_string(),
        attributes: o.object.attributes,
        surfaces,
        lo,
        hi,
        footprint_wkt,
    })
}

/// Attribute name -> (property id, numeric), decided once for the whole tileset so that an
/// attribute has the same id and type in every tile (styles read it the same way everywhere).
type Schema = BTreeMap<String, (String, bool)>;

fn schema_of(placed: &[Placed]) -> Schema {
    let mut numeric: BTreeMap<&str, bool> = BTreeMap::new();
    for p in placed {
        for (name, v) in &p.attributes {
            let n = numeric.entry(name.as_str()).or_insert(true);
            *n &= matches!(v, AttributeValue::Null) || v.as_f64().is_some_and(f64::is_finite);
        }
    }
    let mut taken: BTreeSet<String> = ["id".to_owned(), "kind".to_owned()].into();
    numeric
        .into_iter()
        .map(|(name, numeric)| {
            let mut id = property_id(name);
            while !taken.insert(id.clone()) {
                id.push('_');
            }
            (name.to_owned(), (id, numeric))
        })
        .collect()
}

struct Writer<'a> {
    placed: &'a [Placed],
    leaves: Vec<Leaf>,
}

/// A tile with content: which objects, and the centre its positions are relative to.
struct Leaf {
    uri: String,
    ids: Vec<usize>,
    centre: Vec3,
    /// An inner tile's content: each object as its LoD1 block (convex hull x z range), shown
    /// until the children load (REPLACE refinement).
    coarse: bool,
}

/// Inner tiles with at most this many objects carry coarse content; above, they are empty (a
/// city's upper levels would otherwise hold every building again).
const COARSE_MAX_FEATURES: usize = 4_000;

/// The GLB of one leaf: positions relative to the leaf's centre, glTF y-up, one feature per
/// object with its attributes in the property table.
fn leaf_glb(placed: &[Placed], leaf: &Leaf, schema: &Schema) -> Vec<u8> {
    let (ids, centre) = (&leaf.ids, leaf.centre);
    let mut mesh = TileMesh::default();
    // Coarse blocks carry ids and kinds only: the attributes are in the detailed tiles (and
    // the sidecar), and repeating them on every level multiplied the bytes by the depth.
    for (feature, &i) in ids.iter().enumerate() {
        let block;
        let surfaces = if leaf.coarse {
            block = crate::extrude::extrude(&placed[i].hull, placed[i].lo[2], placed[i].hi[2]);
            &block
        } else {
            &placed[i].surfaces
        };
        for s in surfaces {
            let Some(t) = triangulate(s) else { continue };
            let base = mesh.positions.len() as u32;
            let n = t.normal;
            for p in &t.positions {
                let d = [p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]];
                mesh.positions.push([d[0] as f32, d[2] as f32, -d[1] as f32]);
                mesh.normals.push([n[0] as f32, n[2] as f32, -n[1] as f32]);
                mesh.feature_ids.push(feature as f32);
            }
            mesh.indices.extend(t.indices.iter().flat_map(|tri| tri.map(|k| base + k)));
        }
    }
    let mut table = PropertyTable { count: ids.len(), columns: BTreeMap::new() };
    table.columns.insert("id".into(), ("id".into(), Column::Text(ids.iter().map(|&i| placed[i].id.clone()).collect())));
    table
        .columns
        .insert("kind".into(), ("kind".into(), Column::Text(ids.iter().map(|&i| placed[i].kind.clone()).collect())));
    for (name, (id, numeric)) in schema.iter().filter(|_| !leaf.coarse) {
        let values: Vec<Option<&AttributeValue>> = ids.iter().map(|&i| placed[i].attributes.get(name)).collect();
        if values.iter().all(Option::is_none) {
            continue; // absent from this tile (glTF forbids the empty views it would need)
        }
        let column = if *numeric {
            Column::Float64(values.iter().map(|v| v.and_then(AttributeValue::as_f64).unwrap_or(NO_DATA)).collect())
        } else {
            let texts: Vec<String> = values.iter().map(|v| v.map(text_of).unwrap_or_default()).collect();
            if texts.iter().all(String::is_empty) {
                continue;
            }
            Column::Text(texts)
        };
        table.columns.insert(id.clone(), (name.clone(), column));
    }
    write_glb(&mesh, &table)
}

impl Writer<'_> {
    /// The tile (and its subtree) for the objects in `ids`, split along the longer side at
    /// the median until a leaf holds at most `max` of them and about `max_bytes` of GLB.
    /// Returns the tile's JSON and its box (centre, half sizes) in the root's ENU frame.
    fn tile(
        &mut self,
        ids: &mut [usize],
        name: &str,
        (max, max_bytes): (usize, usize),
        (depth, parent_error): (usize, f64),
    ) -> Result<(Value, Vec3, Vec3), ImportError> {
        let max = max.max(1);
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for &i in ids.iter() {
            for a in 0..3 {
                lo[a] = lo[a].min(self.placed[i].lo[a]);
                hi[a] = hi[a].max(self.placed[i].hi[a]);
            }
        }
        let centre: Vec3 = std::array::from_fn(|a| (lo[a] + hi[a]) * 0.5);
        let half: Vec3 = std::array::from_fn(|a| ((hi[a] - lo[a]) * 0.5).max(0.01));
        let diagonal = (half[0] * half[0] + half[1] * half[1] + half[2] * half[2]).sqrt() * 2.0;
        let bytes: usize = ids.iter().map(|&i| self.placed[i].glb_bytes).sum();
        if (ids.len() > max || (bytes > max_bytes && ids.len() > 1)) && depth < 16 {
            // Coarse content: the blocks of the volumetric objects (not terrain, land use or
            // roads, whose blocks would be slabs hiding the rest) big enough to see when the tile
            // is shown whole (a hundredth of its size), in the root's frame (positions up to a
            // few km: f32 keeps millimetres).
            let big: Vec<usize> = ids
                .iter()
                .copied()
                .filter(|&i| {
                    let p = &self.placed[i];
                    let volumetric = matches!(
                        p.kind.as_str(),
                        "Building" | "BuildingPart" | "Bridge" | "Tunnel" | "BimElement" | "Other"
                    );
                    volumetric && (p.hi[0] - p.lo[0]).hypot(p.hi[1] - p.lo[1]) >= diagonal / 100.0
                })
                .collect();
            let coarse = !big.is_empty() && big.len() <= COARSE_MAX_FEATURES;
            // With blocks, a twentieth of the tile's size keeps them until the tile is small on
            // screen; without content, the error is the tile's size. Never above the parent's.
            let error = if coarse { diagonal / 20.0 } else { diagonal }.min(parent_error);
            let axis = if hi[0] - lo[0] >= hi[1] - lo[1] { 0 } else { 1 };
            let key = |i: &usize| self.placed[*i].lo[axis] + self.placed[*i].hi[axis];
            ids.sort_by(|a, b| key(a).total_cmp(&key(b)));
            let mid = ids.len() / 2;
            let (a, b) = ids.split_at_mut(mid);
            let children = vec![
                self.tile(a, &format!("{name}0"), (max, max_bytes), (depth + 1, error))?.0,
                self.tile(b, &format!("{name}1"), (max, max_bytes), (depth + 1, error))?.0,
            ];
            let mut tile = json!({
                "boundingVolume": {"box": box_json(centre, half)},
                "geometricError": error,
                "children": children,
            });
            if coarse {
                let uri = format!("tiles/{name}.glb");
                self.leaves.push(Leaf { uri: uri.clone(), ids: big, centre: [0.0; 3], coarse: true });
                tile["content"] = json!({"uri": uri});
            }
            return Ok((tile, centre, half));
        }
        // A leaf: its GLB is built later, in parallel with the others.
        let uri = format!("tiles/{name}.glb");
        self.leaves.push(Leaf { uri: uri.clone(), ids: ids.to_vec(), centre, coarse: false });
        let mut translate = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        translate[12..15].copy_from_slice(&centre);
        let tile = json!({
            "transform": translate,
            "boundingVolume": {"box": box_json([0.0; 3], half)},
            "geometricError": 0.0,
            "content": {"uri": uri},
        });
        Ok((tile, centre, half))
    }
}

/// A 3D Tiles axis-aligned `box`: centre and three half-axes.
fn box_json(c: Vec3, h: Vec3) -> Value {
    json!([c[0], c[1], c[2], h[0], 0.0, 0.0, 0.0, h[1], 0.0, 0.0, 0.0, h[2]])
}

/// Text for a non-numeric attribute: strings as they are, the rest as JSON.
fn text_of(v: &AttributeValue) -> String {
    match v {
        AttributeValue::Text(s) => s.clone(),
        AttributeValue::Null => String::new(),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Int(i) => i.to_string(),
        AttributeValue::Float(f) => f.to_string(),
        AttributeValue::List(_) | AttributeValue::Map(_) => v.to_json().to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CityJsonOptions, read_cityjson_str};

    /// A row of `n` unit cubes in RD, as CityJSON.
    fn cubes(n: usize) -> Imported {
        let mut vertices = Vec::new();
        let mut objects = serde_json::Map::new();
        for i in 0..n {
            let b = vertices.len();
            let x = (i * 2000) as i64;
            for (dx, dy, dz) in [
                (0, 0, 0),
                (1000, 0, 0),
                (1000, 1000, 0),
                (0, 1000, 0),
                (0, 0, 1000),
                (1000, 0, 1000),
                (1000, 1000, 1000),
                (0, 1000, 1000),
            ] {
                vertices.push(json!([x + dx, dy, dz]));
            }
            let f = |v: [usize; 4]| json!([v.map(|k| b + k)]);
            let shell = json!([
                f([0, 3, 2, 1]),
                f([4, 5, 6, 7]),
                f([0, 1, 5, 4]),
                f([1, 2, 6, 5]),
                f([2, 3, 7, 6]),
                f([3, 0, 4, 7])
            ]);
            objects.insert(
                format!("c{i}"),
                json!({"type": "Building", "geometry": [{"type": "Solid", "lod": "1", "boundaries": [shell]}]}),
            );
        }
        let doc = json!({"type": "CityJSON", "version": "2.0", "transform": {"scale": [0.001, 0.001, 0.001], "translate": [85000.0, 447000.0, 0.0]},
            "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/28992"}, "CityObjects": objects, "vertices": vertices});
        read_cityjson_str(&doc.to_string(), Path::new("cubes.json"), &CityJsonOptions::default()).unwrap()
    }

    fn leaves_of(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("tiles")).unwrap().count()
    }

    #[test]
    fn leaves_split_by_count_and_by_bytes() {
        let out = std::env::temp_dir().join(format!("citytwin-split-{}", std::process::id()));
        let count = TilingOptions { max_features_per_tile: 10, max_bytes_per_tile: usize::MAX, ..Default::default() };
        let s = write_tileset(vec![cubes(40)], &out, &count, &|_, _, _| {}).unwrap();
        assert!(s.tiles >= 4, "40 objects, at most 10 a leaf: {} tiles", s.tiles);
        // A cube is 24 vertices and 12 triangles: ~816 bytes. A 2 kB budget holds 2 of them.
        let bytes = TilingOptions { max_features_per_tile: 1000, max_bytes_per_tile: 2_000, ..Default::default() };
        let s = write_tileset(vec![cubes(40)], &out, &bytes, &|_, _, _| {}).unwrap();
        let csv = std::fs::read_to_string(out.join("features.csv")).unwrap();
        let mut per_tile = std::collections::BTreeMap::new();
        for line in csv.lines().skip(1) {
            *per_tile.entry(line.split(',').nth(2).unwrap().to_owned()).or_insert(0) += 1;
        }
        assert!(per_tile.values().all(|&n| n <= 2), "{per_tile:?}");
        assert_eq!(per_tile.values().sum::<usize>(), 40);
        assert!(leaves_of(&out) >= s.tiles && s.tiles >= 20);
        std::fs::remove_dir_all(&out).unwrap();
    }
}
