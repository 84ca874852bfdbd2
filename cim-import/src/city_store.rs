//! The objects of an import, packed flat and in ECEF, between reading and tiling.
//!
//! A reader's [`ImportedObject`] is convenient (nested `Vec`s per ring, attributes in a
//! `BTreeMap`) but costs kilobytes per building in small allocations: 100,000 of them held at
//! once were 11 times the size of the input. The store keeps what the tiler needs in a few big
//! arrays instead, so a streamed CityJSONSeq costs about its own size:
//!
//! - each object's distinct vertices once, as f32 offsets (ECEF metres) from an f64 anchor
//!   (the object's first vertex): half a millimetre at 5 km from the anchor, far finer within
//!   a building;
//! - rings as object-local vertex numbers, surfaces as runs of rings, the footprint as more
//!   surfaces (its points are usually the ground vertices already stored);
//! - attribute names interned once per store, values beside their name's number.
//!
//! Coordinates go to ECEF as objects arrive, so inputs in different CRSs share one store and the
//! tileset's local frame is chosen only when everything has been read.
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use city_core::{AttributeValue, Crs, ObjectKind, Vec3};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::{ImportError, ImportedObject, Skipped};

/// One object in the store.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    /// ECEF of the object's first vertex: its other vertices are offsets from here.
    pub anchor: Vec3,
    /// The object's vertices in [`CityStore::offsets`].
    pub vertices: Range<u32>,
    /// The object's surfaces of the chosen LoD, as surface numbers.
    pub surfaces: Range<u32>,
    /// Its footprint polygons (outer ring, holes), at its lowest height, as surface numbers.
    pub footprint: Range<u32>,
    /// The id as the source wrote it.
    pub id: Box<str>,
    /// What it is.
    pub kind: ObjectKind,
    /// (name number in [`CityStore::keys`], value).
    pub attributes: Box<[(u32, AttributeValue)]>,
}

/// The objects of an import, flat and in ECEF (see the module documentation).
#[derive(Debug, Clone)]
pub struct CityStore {
    pub(crate) objects: Vec<StoredObject>,
    /// Vertex offsets from their object's anchor, ECEF metres.
    pub(crate) offsets: Vec<[f32; 3]>,
    /// Vertex numbers (within the object) of every ring, one ring after the other.
    ring_vertices: Vec<u32>,
    /// Ring r is `ring_vertices[ring_starts[r]..ring_starts[r + 1]]`.
    ring_starts: Vec<u32>,
    /// Surface s is rings `surface_starts[s]..surface_starts[s + 1]`; its first ring is the
    /// outer one.
    surface_starts: Vec<u32>,
    /// Texture coordinates of every ring vertex, parallel to `ring_vertices` ((0, 0) on
    /// untextured surfaces).
    ring_uvs: Vec<[f32; 2]>,
    /// Per surface, its texture image's number in `images` (`NO_TEXTURE` for none).
    surface_textures: Vec<u32>,
    /// Per surface, its material colour as RGBA8 (alpha 0: none).
    surface_colors: Vec<[u8; 4]>,
    /// Texture images, by number.
    pub(crate) images: Vec<Arc<Path>>,
    image_numbers: HashMap<Arc<Path>, u32>,
    /// Attribute names, by number.
    pub(crate) keys: Vec<Box<str>>,
    key_numbers: HashMap<Box<str>, u32>,
    /// Objects read without surfaces in the chosen LoD: counted, not stored.
    pub(crate) without_geometry: usize,
}

/// More geometry than 32-bit indices hold.
struct TooLarge;

impl Default for CityStore {
    fn default() -> Self {
        Self::new()
    }
}

/// The texture number of an untextured surface.
const NO_TEXTURE: u32 = u32::MAX;

/// Objects converted per rayon task at least: enough to amortise a task and a part's arrays.
const MIN_OBJECTS_PER_TASK: usize = 64;

impl CityStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            objects: Vec::new(),
            offsets: Vec::new(),
            ring_vertices: Vec::new(),
            ring_starts: vec![0],
            surface_starts: vec![0],
            ring_uvs: Vec::new(),
            surface_textures: Vec::new(),
            surface_colors: Vec::new(),
            images: Vec::new(),
            image_numbers: HashMap::new(),
            keys: Vec::new(),
            key_numbers: HashMap::new(),
            without_geometry: 0,
        }
    }

    /// Objects stored (those with surfaces).
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether no object is stored.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Objects that had no surfaces in the chosen LoD: not tiled, not in the sidecar.
    pub fn without_geometry(&self) -> usize {
        self.without_geometry
    }

    /// Bytes the store holds on the heap (capacities, attribute values not counted): what an
    /// import's memory is mostly made of.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.objects.capacity() * size_of::<StoredObject>()
            + self
                .objects
                .iter()
                .map(|o| o.id.len() + o.attributes.len() * size_of::<(u32, AttributeValue)>())
                .sum::<usize>()
            + self.offsets.capacity() * 12
            + (self.ring_vertices.capacity() + self.ring_starts.capacity() + self.surface_starts.capacity()) * 4
            + self.ring_uvs.capacity() * 8
            + self.surface_textures.capacity() * 4
            + self.surface_colors.capacity() * 4
    }

    /// Adds objects read from `file`, whose coordinates are in `crs`, converting them to ECEF on
    /// every core. The objects are consumed: their nested form is freed as the flat one grows.
    pub fn add(&mut self, file: &Path, crs: &Crs, objects: Vec<ImportedObject>) -> Result<Vec<Skipped>, ImportError> {
        // Each rayon split converts its run of objects into a small store of its own, freeing
        // the nested form as it goes; the parts are then appended in order. An object with a
        // coordinate that is no place on Earth in `crs` (NaN, 1e308, latitude 95, metres read as
        // degrees) is skipped with its id and the coordinate: it must not take the others, or
        // the tileset's bounds, with it.
        let parts: Vec<(CityStore, Vec<Skipped>)> = objects
            .into_par_iter()
            .with_min_len(MIN_OBJECTS_PER_TASK)
            .fold(
                || (CityStore::new(), Vec::new()),
                |(mut part, mut skipped), o| {
                    if let Err(e) = part.push(&o, crs) {
                        skipped.push(Skipped {
                            file: file.to_owned(),
                            id: o.object.id.to_string(),
                            reason: format!("skipped: {e}"),
                        });
                    }
                    (part, skipped)
                },
            )
            .collect();
        let mut skipped = Vec::new();
        for (part, s) in parts {
            self.append(part).map_err(|TooLarge| ImportError::TooLarge { file: file.to_owned() })?;
            skipped.extend(s);
        }
        Ok(skipped)
    }

    /// The number of a texture image, interned on first sight.
    fn image(&mut self, path: &Arc<Path>) -> u32 {
        if let Some(&k) = self.image_numbers.get(path) {
            return k;
        }
        let k = self.images.len() as u32;
        self.images.push(path.clone());
        self.image_numbers.insert(path.clone(), k);
        k
    }

    /// The number of an attribute name, interned on first sight.
    fn key(&mut self, name: &str) -> u32 {
        if let Some(&k) = self.key_numbers.get(name) {
            return k;
        }
        let k = self.keys.len() as u32;
        self.keys.push(name.into());
        self.key_numbers.insert(name.into(), k);
        k
    }

    /// Stores one object (or counts it, when it has no surfaces).
    fn push(&mut self, o: &ImportedObject, crs: &Crs) -> Result<(), city_core::CoreError> {
        if o.surfaces.is_empty() {
            self.without_geometry += 1;
            return Ok(());
        }
        // Distinct vertices, by their exact bits: a solid's corners are shared by three faces,
        // so each is projected once, not three times.
        let mut number: FxHashMap<[u64; 3], u32> = FxHashMap::default();
        let mut source: Vec<Vec3> = Vec::new();
        let mut vertex = |p: Vec3| -> u32 {
            *number.entry(p.map(f64::to_bits)).or_insert_with(|| {
                source.push(p);
                source.len() as u32 - 1
            })
        };
        let vertex_base = self.ring_vertices.len();
        let first_surface = self.surface_starts.len() as u32 - 1;
        // Where each list ends now: an object whose coordinates do not convert is taken out
        // again, leaving the store as it was.
        let mark = [
            self.ring_vertices.len(),
            self.ring_uvs.len(),
            self.ring_starts.len(),
            self.surface_starts.len(),
            self.surface_textures.len(),
            self.surface_colors.len(),
        ];
        for s in &o.surfaces {
            for (r, ring) in s.rings.iter().enumerate() {
                self.ring_vertices.extend(ring.iter().map(|&p| vertex(p)));
                self.ring_starts.push(self.ring_vertices.len() as u32);
                match &s.texture {
                    Some(t) => self.ring_uvs.extend_from_slice(&t.uv[r]),
                    None => self.ring_uvs.extend(std::iter::repeat_n([0.0; 2], ring.len())),
                }
            }
            self.surface_starts.push(self.ring_starts.len() as u32 - 1);
            let texture = s.texture.as_ref().map_or(NO_TEXTURE, |t| self.image(&t.image));
            self.surface_textures.push(texture);
            // Alpha 0 marks "no colour": a fully transparent material is not drawn either way.
            let color = s.color.map_or([0; 4], |c| c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
            self.surface_colors.push(color);
        }
        let first_footprint = self.surface_starts.len() as u32 - 1;
        for poly in &o.object.footprint.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                // geo closes rings (last point = first); the store keeps them open.
                let open = &ring.0[..ring.0.len().saturating_sub(1)];
                if open.len() < 3 {
                    continue;
                }
                self.ring_vertices.extend(open.iter().map(|c| vertex([c.x, c.y, o.object.z_min_m])));
                self.ring_uvs.extend(std::iter::repeat_n([0.0; 2], open.len()));
                self.ring_starts.push(self.ring_vertices.len() as u32);
            }
            if self.ring_starts.len() as u32 - 1 > *self.surface_starts.last().unwrap_or(&0) {
                self.surface_starts.push(self.ring_starts.len() as u32 - 1);
                self.surface_textures.push(NO_TEXTURE);
                self.surface_colors.push([0; 4]);
            }
        }
        let end = self.surface_starts.len() as u32 - 1;
        debug_assert!(self.ring_vertices.len() >= vertex_base);
        let ecef: Vec<Vec3> = match source.iter().map(|&p| crs.to_ecef(p)).collect::<Result<_, _>>() {
            Ok(e) => e,
            Err(e) => {
                self.ring_vertices.truncate(mark[0]);
                self.ring_uvs.truncate(mark[1]);
                self.ring_starts.truncate(mark[2]);
                self.surface_starts.truncate(mark[3]);
                self.surface_textures.truncate(mark[4]);
                self.surface_colors.truncate(mark[5]);
                return Err(e);
            }
        };
        let anchor = ecef[0];
        let first_vertex = self.offsets.len() as u32;
        self.offsets.extend(ecef.iter().map(|e| std::array::from_fn(|i| (e[i] - anchor[i]) as f32)));
        let attributes = o.object.attributes.iter().map(|(k, v)| (self.key(k), v.clone())).collect();
        self.objects.push(StoredObject {
            anchor,
            vertices: first_vertex..self.offsets.len() as u32,
            surfaces: first_surface..first_footprint,
            footprint: first_footprint..end,
            id: o.object.id.as_str().into(),
            kind: o.object.kind,
            attributes,
        });
        Ok(())
    }

    /// Moves another store's objects to the end of this one.
    fn append(&mut self, part: CityStore) -> Result<(), TooLarge> {
        let too_big = || TooLarge;
        let vertex_shift = u32::try_from(self.offsets.len()).map_err(|_| too_big())?;
        let ring_vertex_shift = u32::try_from(self.ring_vertices.len()).map_err(|_| too_big())?;
        let ring_shift = self.ring_starts.len() as u32 - 1;
        let surface_shift = self.surface_starts.len() as u32 - 1;
        if self.ring_vertices.len() + part.ring_vertices.len() > u32::MAX as usize {
            return Err(too_big());
        }
        // The part's attribute names, renumbered into ours.
        let keys: Vec<u32> = part.keys.iter().map(|k| self.key(k)).collect();
        self.offsets.extend_from_slice(&part.offsets);
        self.ring_vertices.extend_from_slice(&part.ring_vertices);
        self.ring_uvs.extend_from_slice(&part.ring_uvs);
        let images: Vec<u32> = part.images.iter().map(|p| self.image(p)).collect();
        self.surface_textures
            .extend(part.surface_textures.iter().map(|&t| if t == NO_TEXTURE { t } else { images[t as usize] }));
        self.surface_colors.extend_from_slice(&part.surface_colors);
        self.ring_starts.extend(part.ring_starts[1..].iter().map(|&s| s + ring_vertex_shift));
        self.surface_starts.extend(part.surface_starts[1..].iter().map(|&s| s + ring_shift));
        let shift = |r: &Range<u32>, by: u32| r.start + by..r.end + by;
        self.objects.extend(part.objects.into_iter().map(|mut o| {
            o.vertices = shift(&o.vertices, vertex_shift);
            o.surfaces = shift(&o.surfaces, surface_shift);
            o.footprint = shift(&o.footprint, surface_shift);
            for (k, _) in o.attributes.iter_mut() {
                *k = keys[*k as usize];
            }
            o
        }));
        self.without_geometry += part.without_geometry;
        Ok(())
    }

    /// The rings of surface `s`, each as the object-local numbers of its vertices.
    pub(crate) fn rings(&self, s: u32) -> impl Iterator<Item = &[u32]> + '_ {
        let rings = self.surface_starts[s as usize] as usize..self.surface_starts[s as usize + 1] as usize;
        rings.map(|r| &self.ring_vertices[self.ring_starts[r] as usize..self.ring_starts[r + 1] as usize])
    }

    /// Surface `s`'s texture image (a number in `images`) and, per ring, its vertices' texture
    /// coordinates; `None` for an untextured surface.
    pub(crate) fn texture(&self, s: u32) -> Option<(u32, impl Iterator<Item = &[[f32; 2]]> + '_)> {
        let t = *self.surface_textures.get(s as usize)?;
        if t == NO_TEXTURE {
            return None;
        }
        let rings = self.surface_starts[s as usize] as usize..self.surface_starts[s as usize + 1] as usize;
        Some((t, rings.map(|r| &self.ring_uvs[self.ring_starts[r] as usize..self.ring_starts[r + 1] as usize])))
    }

    /// Surface `s`'s material colour (RGBA8), if it has one.
    pub(crate) fn color(&self, s: u32) -> Option<[u8; 4]> {
        self.surface_colors.get(s as usize).copied().filter(|c| c[3] > 0)
    }

    /// The ECEF position of every vertex of `o`.
    /// The frame a tileset of the store is built in: east-north-up at the centre of the
    /// objects' anchors, on the ellipsoid.
    pub(crate) fn centre_frame(&self) -> city_core::EnuFrame {
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for o in &self.objects {
            for i in 0..3 {
                lo[i] = lo[i].min(o.anchor[i]);
                hi[i] = hi[i].max(o.anchor[i]);
            }
        }
        let centre = city_core::geodetic_from_ecef(std::array::from_fn(|i| (lo[i] + hi[i]) * 0.5));
        city_core::EnuFrame::at(city_core::Geodetic { height_m: 0.0, ..centre })
    }

    /// Moves object `i` up by `metres` (down when negative) along the vertical at its anchor:
    /// its vertices are offsets from the anchor, so the anchor alone moves.
    pub fn lift(&mut self, i: usize, metres: f64) {
        if let Some(o) = self.objects.get_mut(i) {
            let g = city_core::geodetic_from_ecef(o.anchor);
            let (sin_lat, cos_lat) = g.lat().sin_cos();
            let (sin_lon, cos_lon) = g.lon().sin_cos();
            let up = [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat];
            for (a, u) in o.anchor.iter_mut().zip(up) {
                *a += u * metres;
            }
        }
    }

    pub(crate) fn ecef(&self, o: &StoredObject) -> impl Iterator<Item = Vec3> + '_ {
        let a = o.anchor;
        self.offsets[o.vertices.start as usize..o.vertices.end as usize]
            .iter()
            .map(move |d| [a[0] + f64::from(d[0]), a[1] + f64::from(d[1]), a[2] + f64::from(d[2])])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Surface;
    use city_core::{Attributes, CityObject};
    use geo::{MultiPolygon, polygon};

    fn cube(id: &str, x: f64, attrs: &[(&str, f64)]) -> ImportedObject {
        let c = |dx: f64, dy: f64, dz: f64| [x + dx, 447_000.0 + dy, dz];
        let face = |r: [[f64; 3]; 4]| Surface { rings: vec![r.to_vec()], semantic: None, texture: None, color: None };
        let surfaces = vec![
            face([c(0., 0., 0.), c(0., 1., 0.), c(1., 1., 0.), c(1., 0., 0.)]),
            face([c(0., 0., 1.), c(1., 0., 1.), c(1., 1., 1.), c(0., 1., 1.)]),
            face([c(0., 0., 0.), c(1., 0., 0.), c(1., 0., 1.), c(0., 0., 1.)]),
        ];
        let footprint =
            MultiPolygon(vec![polygon![(x: x, y: 447_000.0), (x: x + 1.0, y: 447_000.0), (x: x + 1.0, y: 447_001.0)]]);
        let attributes: Attributes = attrs.iter().map(|(k, v)| ((*k).to_owned(), AttributeValue::Float(*v))).collect();
        let object = CityObject {
            id: id.into(),
            kind: ObjectKind::Building,
            parent: None,
            footprint,
            z_min_m: 0.0,
            z_max_m: 1.0,
            lods: vec![],
            attributes,
        };
        ImportedObject { object, surfaces }
    }

    #[test]
    fn shared_corners_are_stored_once_and_come_back_where_crs_puts_them() {
        let rd = Crs::from_epsg(28992).unwrap();
        let mut store = CityStore::new();
        let objects: Vec<ImportedObject> =
            (0..1200).map(|i| cube(&format!("c{i}"), 85_000.0 + 3.0 * i as f64, &[("h", i as f64)])).collect();
        let expect: Vec<Vec3> = objects[1000].surfaces[1].rings[0].iter().map(|&p| rd.to_ecef(p).unwrap()).collect();
        store.add(Path::new("cubes"), &rd, objects).unwrap();
        assert_eq!(store.len(), 1200);
        let o = &store.objects[1000];
        assert_eq!(&*o.id, "c1000");
        // Floor, roof and one wall: 12 ring vertices, the cube's 8 corners, each stored once;
        // the footprint (on the floor) adds none of its own.
        assert_eq!(o.vertices.len(), 8);
        assert_eq!(o.surfaces.len(), 3);
        assert_eq!(o.footprint.len(), 1);
        let ecef: Vec<Vec3> = store.ecef(o).collect();
        let roof: Vec<Vec3> =
            store.rings(o.surfaces.start + 1).next().unwrap().iter().map(|&v| ecef[v as usize]).collect();
        for (got, want) in roof.iter().zip(&expect) {
            let d = (0..3).map(|i| (got[i] - want[i]).powi(2)).sum::<f64>().sqrt();
            assert!(d < 1e-4, "{got:?} vs {want:?}: {d} m");
        }
        // Attribute names are interned across the parallel parts.
        assert_eq!(store.keys.len(), 1);
        assert_eq!(store.objects[1199].attributes[0], (0, AttributeValue::Float(1199.0)));
    }
}
