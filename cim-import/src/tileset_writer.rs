//! From imported objects to an OGC 3D Tiles 1.1 tileset on disk: coordinates to a local ENU
//! frame at the data's centre (the root `transform`), a binary median split of the objects by
//! count and estimated bytes, one GLB per leaf with the chosen LoD, coarse LoD1 blocks in inner
//! tiles, `tileset.json`, and the `features.csv` sidecar the engine indexes (ADR 0003).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use city_core::{
    AttributeValue, EnuFrame, HAZARD_ATTRIBUTE, HAZARDS_FILE, OCCUPANT_ATTRIBUTES, ObjectKind, STOREY_ATTRIBUTES,
    USE_ATTRIBUTES, Vec3, geodetic_from_ecef,
};
use city_tiles::{FEATURES_FILE, FeatureRow, feature_csv_header};
use geo::{LineString, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::city_store::{CityStore, StoredObject};
use crate::glb::{Column, NO_DATA, PropertyTable, TexturedPart, TileMesh, property_id, write_glb};
use crate::output_folder::io;
use crate::{ImportError, Progress, triangulate_face};

/// How to tile.
#[derive(Debug, Clone)]
pub struct TilingOptions {
    /// A leaf holds at most this many features.
    pub max_features_per_tile: usize,
    /// A leaf's geometry stays under about this many GLB bytes (estimated from vertex counts),
    /// so one detailed building complex does not make a tile a client chokes on.
    pub max_bytes_per_tile: usize,
    /// Texture images larger than this many pixels on their longer side are scaled down (0:
    /// embedded as they are).
    pub max_texture_px: u32,
    /// Pack the images a tile uses into one atlas (`texture_atlas.rs`).
    pub atlas: bool,
}

impl Default for TilingOptions {
    fn default() -> Self {
        Self { max_features_per_tile: 500, max_bytes_per_tile: 4_000_000, max_texture_px: 2048, atlas: true }
    }
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TilingSummary {
    /// Features written (objects with surfaces).
    pub features: usize,
    /// Objects without surfaces in the chosen LoD: not tiled, not in the sidecar.
    pub without_geometry: usize,
    /// Tiles with content.
    pub tiles: usize,
    /// Bytes of GLB written.
    pub glb_bytes: usize,
    /// Hazard zones written to the hazards sidecar (`city_core::HAZARDS_FILE`).
    pub hazards: usize,
    /// With terrain and buildings together: whether the buildings stand on it.
    pub ground: Option<crate::GroundCheck>,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Where one stored object lies in the tileset's ENU frame, and what it weighs.
#[derive(Debug, Clone, Copy)]
struct Placed {
    lo: Vec3,
    hi: Vec3,
    /// Estimated bytes of its triangles in a GLB: 28 per vertex (position, normal, feature
    /// id) and 12 per triangle.
    glb_bytes: usize,
}

/// Writes the tileset of the objects in `store` into `out_dir`, built in a temporary folder
/// beside it and moved into place at the end, so an interrupted run never leaves a tileset that
/// looks whole.
pub fn write_tileset(
    store: &CityStore,
    out_dir: &Path,
    opts: &TilingOptions,
    progress: &dyn Progress,
) -> Result<TilingSummary, ImportError> {
    let start = Instant::now();
    if store.is_empty() {
        return Err(ImportError::NothingToTile { inputs: "the input".into(), skipped: 0, out: out_dir.to_owned() });
    }
    // 1. The local frame: ENU at the centre of the objects' anchors, on the ellipsoid.
    let frame = store.centre_frame();

    let ground = crate::ground_check::check_ground(store, &frame);

    // 2. Each object's box in that frame, and its weight, on every core.
    let placed: Vec<Placed> = store.objects.par_iter().map(|o| place(store, o, &frame)).collect();

    // 3. Build in a work folder beside the target, moved into place only when whole.
    let textures = crate::texture_limit::TextureLimit::new(opts.max_texture_px);
    let city = City { store, placed: &placed, frame: &frame, textures, atlas: opts.atlas };
    let (tiles, glb_bytes, hazards) = crate::output_folder::build_in_place(out_dir, |tmp| {
        city.build_into(tmp, (opts.max_features_per_tile, opts.max_bytes_per_tile), progress)
    })?;
    Ok(TilingSummary {
        features: store.len(),
        without_geometry: store.without_geometry(),
        tiles,
        glb_bytes,
        hazards,
        ground,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// One object's box in the tileset's frame and its estimated GLB bytes.
fn place(store: &CityStore, o: &StoredObject, frame: &EnuFrame) -> Placed {
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for e in store.ecef(o) {
        let p = frame.enu_from_ecef(e);
        for i in 0..3 {
            lo[i] = lo[i].min(p[i]);
            hi[i] = hi[i].max(p[i]);
        }
    }
    let glb_bytes = o
        .surfaces
        .clone()
        .map(|s| {
            let n: usize = store.rings(s).map(<[u32]>::len).sum();
            n * 28 + n.saturating_sub(2) * 12
        })
        .sum();
    Placed { lo, hi, glb_bytes }
}

/// Attribute number -> (property id, numeric), decided once for the whole tileset so that an
/// attribute has the same id and type in every tile (styles read it the same way everywhere).
type Schema = BTreeMap<u32, (String, bool)>;

fn schema_of(store: &CityStore) -> Schema {
    let mut numeric = vec![true; store.keys.len()];
    for o in &store.objects {
        for (k, v) in o.attributes.iter() {
            numeric[*k as usize] &= matches!(v, AttributeValue::Null) || v.as_f64().is_some_and(f64::is_finite);
        }
    }
    let mut taken: BTreeSet<String> = ["id".to_owned(), "kind".to_owned()].into();
    // Property ids in name order, so the same names always get the same ids.
    let mut by_name: Vec<u32> = (0..store.keys.len() as u32).collect();
    by_name.sort_by(|a, b| store.keys[*a as usize].cmp(&store.keys[*b as usize]));
    by_name
        .into_iter()
        .map(|k| {
            let mut id = property_id(&store.keys[k as usize]);
            while !taken.insert(id.clone()) {
                id.push('_');
            }
            (k, (id, numeric[k as usize]))
        })
        .collect()
}

/// The objects to tile: the store, each object's place, and the frame.
struct City<'a> {
    store: &'a CityStore,
    placed: &'a [Placed],
    frame: &'a EnuFrame,
    /// Texture images, prepared once for every tile that uses them.
    textures: crate::texture_limit::TextureLimit,
    /// Pack each tile's images into an atlas.
    atlas: bool,
}

/// What a surface is drawn with besides the vertex data: a texture image (its number in the
/// store) or a material colour (RGBA8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Look {
    Image(u32),
    Color([u8; 4]),
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

impl City<'_> {
    /// Writes the tiles, `tileset.json`, `features.csv` and, when the city holds hazard zones,
    /// their sidecar into `tmp`; returns (tiles, GLB bytes, hazard zones).
    fn build_into(
        &self,
        tmp: &Path,
        (max_features, max_bytes): (usize, usize),
        progress: &dyn Progress,
    ) -> Result<(usize, usize, usize), ImportError> {
        let mut order: Vec<usize> = (0..self.placed.len()).collect();
        let key = |name: &str| self.store.keys.iter().position(|k| &**k == name).map(|k| k as u32);
        let mut writer = Writer {
            placed: self.placed,
            kinds: self.store,
            leaves: Vec::new(),
            storey_key: key("ifc:storey_elevation"),
            class_key: key("ifc:class"),
        };
        let (top, centre, half) = writer.tile(&mut order, "0", (max_features, max_bytes), (0, f64::INFINITY))?;
        // The root only places the tree on the globe: the ENU frame at the data's centre.
        let diagonal = 2.0 * (half[0] * half[0] + half[1] * half[1] + half[2] * half[2]).sqrt();
        let root = json!({
            "transform": self.frame.ecef_from_enu_matrix(),
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
        let schema = schema_of(self.store);
        let total = writer.leaves.len() as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        // Each detailed leaf also formats its rows of the sidecar; the rows are written in leaf
        // order a chunk of leaves at a time, so they are never all in memory.
        let csv_path = tmp.join(FEATURES_FILE);
        let mut csv = std::io::BufWriter::new(std::fs::File::create(&csv_path).map_err(io(&csv_path))?);
        let csv_io = io(&csv_path);
        let mut write_csv = |rows: &[u8]| std::io::Write::write_all(&mut csv, rows);
        let mut failed = write_csv(feature_csv_header().as_bytes()).err();
        let mut glb_bytes = 0;
        for chunk in writer.leaves.chunks(4 * rayon::current_num_threads()) {
            let written: Vec<(usize, String)> = chunk
                .par_iter()
                .map(|leaf| {
                    let glb = self.leaf_glb(leaf, &schema);
                    write(tmp.join(&leaf.uri), &glb)?;
                    let rows = if leaf.coarse { String::new() } else { self.sidecar_rows(leaf) };
                    progress.tiling(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
                    Ok((glb.len(), rows))
                })
                .collect::<Result<_, ImportError>>()?;
            for (bytes, rows) in written {
                glb_bytes += bytes;
                failed = failed.or(write_csv(rows.as_bytes()).err());
            }
        }
        if let Some(e) = failed.or(std::io::Write::flush(&mut csv).err()) {
            return Err(csv_io(e));
        }
        let hazards = self.hazard_features();
        if !hazards.is_empty() {
            let collection = json!({"type": "FeatureCollection", "features": hazards});
            write(tmp.join(HAZARDS_FILE), serde_json::to_string(&collection).unwrap_or_default().as_bytes())?;
        }
        Ok((writer.leaves.len(), glb_bytes, hazards.len()))
    }

    /// The objects that are hazard zones (their [`HAZARD_ATTRIBUTE`] set by the reader) as
    /// GeoJSON features: their footprint in WGS84 longitude, latitude (the emergency layer's
    /// coordinates), `id`, and every attribute as a property.
    fn hazard_features(&self) -> Vec<Value> {
        let key = self.store.keys.iter().position(|k| &**k == HAZARD_ATTRIBUTE);
        let Some(key) = key.map(|k| k as u32) else { return Vec::new() };
        let mut features = Vec::new();
        for o in &self.store.objects {
            if o.footprint.is_empty() || !o.attributes.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let ecef: Vec<Vec3> = self.store.ecef(o).collect();
            let polygons: Vec<Value> = o
                .footprint
                .clone()
                .map(|s| {
                    let rings: Vec<Value> = self
                        .store
                        .rings(s)
                        .map(|ring| {
                            // GeoJSON rings are closed: the first point again at the end.
                            let points: Vec<Value> = ring
                                .iter()
                                .chain(ring.first())
                                .map(|&v| {
                                    let g = geodetic_from_ecef(ecef[v as usize]);
                                    json!([g.lon_deg, g.lat_deg])
                                })
                                .collect();
                            Value::Array(points)
                        })
                        .collect();
                    Value::Array(rings)
                })
                .collect();
            let mut properties = serde_json::Map::new();
            properties.insert("id".into(), json!(&*o.id));
            properties.insert("kind".into(), json!(o.kind.to_string()));
            for (k, v) in o.attributes.iter() {
                properties.insert(self.store.keys[*k as usize].to_string(), v.to_json());
            }
            features.push(json!({
                "type": "Feature",
                "id": &*o.id,
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                "properties": properties,
            }));
        }
        features
    }

    /// The vertices of object `i` in the frame, relative to `centre`.
    fn local_vertices(&self, i: usize, centre: Vec3, out: &mut Vec<Vec3>) {
        out.clear();
        out.extend(self.store.ecef(&self.store.objects[i]).map(|e| {
            let p = self.frame.enu_from_ecef(e);
            [p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]]
        }));
    }

    /// The rows of the feature table (`city_tiles::TilesetFeatures`) for a detailed leaf:
    /// each feature's id, kind, tile, z range and footprint in the frame's metres, as CSV lines.
    fn sidecar_rows(&self, leaf: &Leaf) -> String {
        let mut w = String::new();
        let mut vertices = Vec::new();
        for &i in &leaf.ids {
            let (o, p) = (&self.store.objects[i], &self.placed[i]);
            self.local_vertices(i, [0.0; 3], &mut vertices);
            let ring = |points: &mut dyn Iterator<Item = (f64, f64)>| LineString::from(points.collect::<Vec<_>>());
            let footprint = if o.footprint.is_empty() {
                // No usable footprint: the 2D box of the surfaces.
                let (x0, y0, x1, y1) = (p.lo[0], p.lo[1], p.hi[0], p.hi[1]);
                let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
                MultiPolygon(vec![Polygon::new(ring(&mut corners.into_iter()), vec![])])
            } else {
                MultiPolygon(
                    o.footprint
                        .clone()
                        .map(|s| {
                            // WKT rings are closed: the first point again at the end.
                            let mut rings = self.store.rings(s).map(|r| {
                                ring(&mut r.iter().chain(r.first()).map(|&v| {
                                    let q = vertices[v as usize];
                                    (q[0], q[1])
                                }))
                            });
                            let exterior = rings.next().unwrap_or_else(|| LineString(vec![]));
                            Polygon::new(exterior, rings.collect())
                        })
                        .collect(),
                )
            };
            // What the object says about its people, as its source wrote it (impact analysis
            // reads these: city_layers::Occupancy).
            let attr = |names: &[&str]| {
                names.iter().find_map(|n| {
                    o.attributes.iter().find(|(k, _)| &*self.store.keys[*k as usize] == *n).and_then(|(_, v)| match v {
                        AttributeValue::Null => None,
                        AttributeValue::Text(t) => Some(t.clone()),
                        other => Some(other.to_json().to_string()),
                    })
                })
            };
            FeatureRow {
                id: o.id.to_string(),
                kind: o.kind.to_string(),
                tile: leaf.uri.clone(),
                min_z_m: p.lo[2],
                max_z_m: p.hi[2],
                footprint,
                usage: USE_ATTRIBUTES.iter().filter_map(|n| attr(&[n])).find(|u| u != "yes").unwrap_or_default(),
                storeys: attr(&STOREY_ATTRIBUTES).unwrap_or_default(),
                occupants: attr(&OCCUPANT_ATTRIBUTES).unwrap_or_default(),
            }
            .write_csv(&mut w);
        }
        w
    }

    /// The GLB of one leaf: positions relative to the leaf's centre, glTF y-up, one feature per
    /// object with its attributes in the property table.
    fn leaf_glb(&self, leaf: &Leaf, schema: &Schema) -> Vec<u8> {
        let (ids, centre) = (&leaf.ids, leaf.centre);
        let mut mesh = TileMesh::default();
        let (mut vertices, mut face, mut holes, mut tris) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Triangles with a material (an image of the store, or a colour): their part in
        // `mesh.textured`.
        let mut parts: BTreeMap<Look, usize> = BTreeMap::new();
        let mut uv: Vec<[f32; 2]> = Vec::new();
        let mut emit = |mesh: &mut TileMesh,
                        face: &[Vec3],
                        holes: &[usize],
                        feature: usize,
                        uv: &[[f32; 2]],
                        look: Option<Look>| {
            tris.clear();
            let Some(n) = triangulate_face(face, holes, &mut tris) else { return };
            let base = mesh.positions.len() as u32;
            for (k, d) in face.iter().enumerate() {
                mesh.positions.push([d[0] as f32, d[2] as f32, -d[1] as f32]);
                mesh.normals.push([n[0] as f32, n[2] as f32, -n[1] as f32]);
                mesh.feature_ids.push(feature as f32);
                // glTF's v runs down the image, CityGML's t up it.
                let [u, v] = uv.get(k).copied().unwrap_or([0.0; 2]);
                mesh.uvs.push([u, 1.0 - v]);
            }
            let indices = tris.iter().flat_map(|tri| tri.map(|k| base + k));
            match look {
                Some(look) => {
                    let next = mesh.textured.len();
                    let at = *parts.entry(look).or_insert(next);
                    if at == next {
                        mesh.textured.push(TexturedPart::default());
                    }
                    mesh.textured[at].indices.extend(indices);
                }
                None => mesh.indices.extend(indices),
            }
        };
        for (feature, &i) in ids.iter().enumerate() {
            self.local_vertices(i, centre, &mut vertices);
            if leaf.coarse {
                let p = &self.placed[i];
                let Some(hull) = crate::hull::finite_hull(vertices.iter().map(|v| [v[0], v[1]])) else { continue };
                for s in crate::extrude::extrude(&hull, p.lo[2] - centre[2], p.hi[2] - centre[2]) {
                    holes.clear();
                    face.clear();
                    for (r, ring) in s.rings.iter().enumerate() {
                        if r > 0 {
                            holes.push(face.len());
                        }
                        face.extend_from_slice(ring);
                    }
                    emit(&mut mesh, &face, &holes, feature, &[], None);
                }
                continue;
            }
            for s in self.store.objects[i].surfaces.clone() {
                holes.clear();
                face.clear();
                uv.clear();
                for (r, ring) in self.store.rings(s).enumerate() {
                    if r > 0 {
                        holes.push(face.len());
                    }
                    face.extend(ring.iter().map(|&v| vertices[v as usize]));
                }
                let look = match self.store.texture(s) {
                    Some((img, rings)) => {
                        uv.extend(rings.flatten());
                        Some(Look::Image(img))
                    }
                    None => self.store.color(s).map(Look::Color),
                };
                emit(&mut mesh, &face, &holes, feature, &uv, look);
            }
        }
        // Each image the tile uses, embedded once; one that cannot be read leaves its
        // triangles untextured.
        let mut look_of = vec![Look::Color([0; 4]); parts.len()];
        for (&look, &at) in &parts {
            look_of[at] = look;
        }
        let mut textured = Vec::new();
        for (mut part, look) in std::mem::take(&mut mesh.textured).into_iter().zip(look_of) {
            match look {
                Look::Color(c) => {
                    part.color = c.map(|v| f32::from(v) / 255.0);
                    textured.push(part);
                }
                Look::Image(img) => match self.textures.get(img, &self.store.images[img as usize]) {
                    Some(prepared) => {
                        part.image = prepared.0.clone();
                        part.mime = prepared.1.into();
                        part.color = [1.0; 4];
                        textured.push(part);
                    }
                    None => mesh.indices.append(&mut part.indices),
                },
            }
        }
        mesh.textured = textured;
        if self.atlas {
            crate::texture_atlas::pack_atlas(&mut mesh);
        }
        if mesh.textured.iter().all(|p| p.image.is_empty()) {
            mesh.uvs.clear();
        }
        let objects = |i: usize| &self.store.objects[i];
        let mut table = PropertyTable { count: ids.len(), columns: BTreeMap::new() };
        table
            .columns
            .insert("id".into(), ("id".into(), Column::Text(ids.iter().map(|&i| objects(i).id.to_string()).collect())));
        table.columns.insert(
            "kind".into(),
            ("kind".into(), Column::Text(ids.iter().map(|&i| objects(i).kind.to_string()).collect())),
        );
        // Coarse blocks carry ids and kinds only: the attributes are in the detailed tiles (and
        // the sidecar), and repeating them on every level multiplied the bytes by the depth.
        for (key, (id, numeric)) in schema.iter().filter(|_| !leaf.coarse) {
            let values: Vec<Option<&AttributeValue>> =
                ids.iter().map(|&i| objects(i).attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)).collect();
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
            table.columns.insert(id.clone(), (self.store.keys[*key as usize].to_string(), column));
        }
        write_glb(&mesh, &table)
    }
}

struct Writer<'a> {
    placed: &'a [Placed],
    kinds: &'a CityStore,
    leaves: Vec<Leaf>,
    /// The attribute numbers of a BIM element's storey elevation and IFC class, when the city
    /// has BIM elements.
    storey_key: Option<u32>,
    class_key: Option<u32>,
}

/// IFC classes left out of a building's coarse tiles (its envelope): what is inside it, and the
/// site around it.
const INTERIOR_CLASSES: [&str; 6] =
    ["IfcSpace", "IfcFurnishingElement", "IfcFurniture", "IfcSystemFurnitureElement", "IfcFlowTerminal", "IfcSite"];

impl Writer<'_> {
    /// Orders `ids` for a split and says where: BIM elements of several storeys at the storey
    /// boundary nearest the middle (a storey streams as a whole, and the viewer's storey filter
    /// drops whole tiles); otherwise along the longer horizontal side (`x_longer`) at the median.
    fn split(&self, ids: &mut [usize], x_longer: bool) -> usize {
        let axis = if x_longer { 0 } else { 1 };
        let along = |i: usize| self.placed[i].lo[axis] + self.placed[i].hi[axis];
        // Each object's storey looked up once (not in the sort's comparisons).
        let storey = |i: usize| {
            let key = self.storey_key?;
            self.kinds.objects[i].attributes.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.as_f64())
        };
        let ranked: Vec<(f64, usize)> = ids.iter().map(|&i| (storey(i).unwrap_or(f64::INFINITY), i)).collect();
        let mut storeys: Vec<f64> = ranked.iter().map(|r| r.0).filter(|z| z.is_finite()).collect();
        storeys.sort_by(f64::total_cmp);
        storeys.dedup();
        if storeys.len() >= 2 {
            // Storeys from the bottom (elements without one last), then along the side.
            let mut ranked = ranked;
            ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(along(a.1).total_cmp(&along(b.1))));
            for (slot, (_, i)) in ids.iter_mut().zip(&ranked) {
                *slot = *i;
            }
            let half = ids.len() / 2;
            let boundaries = (1..ranked.len()).filter(|&k| ranked[k].0 != ranked[k - 1].0);
            if let Some(at) = boundaries.min_by_key(|&k| k.abs_diff(half)) {
                return at;
            }
        }
        ids.sort_by(|&a, &b| along(a).total_cmp(&along(b)));
        ids.len() / 2
    }

    /// Whether object `i` is a BIM element inside the building (a space, furniture, an
    /// element its property sets call internal): not part of the envelope in coarse tiles.
    fn is_interior(&self, i: usize) -> bool {
        let o = &self.kinds.objects[i];
        if o.kind != ObjectKind::BimElement {
            return false;
        }
        let class = self.class_key.and_then(|k| o.attributes.iter().find(|(n, _)| *n == k)).map(|(_, v)| v);
        if class.and_then(AttributeValue::as_str).is_some_and(|c| INTERIOR_CLASSES.contains(&c)) {
            return true;
        }
        o.attributes
            .iter()
            .any(|(k, v)| self.kinds.keys[*k as usize].ends_with(".IsExternal") && *v == AttributeValue::Bool(false))
    }

    /// The tile (and its subtree) for the objects in `ids`, split along the longer side at
    /// the median (BIM elements by storey first) until a leaf holds at most `max` of them and about `max_bytes` of GLB.
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
            // roads, whose blocks would be slabs hiding the rest) big enough to see while the
            // tile is shown whole: at least half its geometric error (diagonal / 20), so at
            // least 8 px at the default 16 px error threshold. Smaller ones appear with the
            // children. Positions are in the root's frame (up to a few km: f32 keeps millimetres).
            let big: Vec<usize> = ids
                .iter()
                .copied()
                .filter(|&i| {
                    let p = &self.placed[i];
                    let volumetric = matches!(
                        self.kinds.objects[i].kind,
                        ObjectKind::Building
                            | ObjectKind::BuildingPart
                            | ObjectKind::Bridge
                            | ObjectKind::Tunnel
                            | ObjectKind::BimElement
                            | ObjectKind::Other
                    );
                    volumetric
                        && (p.hi[0] - p.lo[0]).hypot(p.hi[1] - p.lo[1]) >= diagonal / 40.0
                        && !self.is_interior(i)
                })
                .collect();
            let coarse = !big.is_empty() && big.len() <= COARSE_MAX_FEATURES;
            // With blocks, a twentieth of the tile's size keeps them until the tile is small on
            // screen; without content, the error is the tile's size. Never above the parent's.
            let error = if coarse { diagonal / 20.0 } else { diagonal }.min(parent_error);
            let mid = self.split(ids, hi[0] - lo[0] >= hi[1] - lo[1]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReadOptions, read_cityjson_str};

    /// A row of `n` unit cubes in RD, as CityJSON.
    fn cubes(n: usize) -> CityStore {
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
        let imp = read_cityjson_str(&doc.to_string(), Path::new("cubes.json"), &ReadOptions::default()).unwrap();
        let mut store = CityStore::new();
        store.add(&imp.file, imp.crs.as_ref().unwrap(), imp.objects).unwrap();
        store
    }

    fn leaves_of(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("tiles")).unwrap().count()
    }

    #[test]
    fn leaves_split_by_count_and_by_bytes() {
        let out = std::env::temp_dir().join(format!("citytwin-split-{}", std::process::id()));
        let count = TilingOptions {
            max_features_per_tile: 10,
            max_bytes_per_tile: usize::MAX,
            max_texture_px: 0,
            atlas: false,
        };
        let s = write_tileset(&cubes(40), &out, &count, &()).unwrap();
        assert!(s.tiles >= 4, "40 objects, at most 10 a leaf: {} tiles", s.tiles);
        // A cube is 24 vertices and 12 triangles: ~816 bytes. A 2 kB budget holds 2 of them.
        let bytes =
            TilingOptions { max_features_per_tile: 1000, max_bytes_per_tile: 2_000, max_texture_px: 0, atlas: false };
        let s = write_tileset(&cubes(40), &out, &bytes, &()).unwrap();
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
