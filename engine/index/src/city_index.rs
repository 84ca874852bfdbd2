//! [`CityIndex`]: the packed tree plus the exact geometry, and one method per query kind.
use std::sync::OnceLock;

use city_core::{Aabb2, Aabb3, CityObject};
use geo::{BoundingRect, MultiPolygon};

use crate::batch::{self, BatchOptions, QueryResults, Scratch};
use crate::object_store::{ObjectStore, Shape};
use crate::packed_rtree::{NODE_SIZE, NodeRef, PackedRTree};
use crate::query::{EntryKind, HeapEntry};
use crate::{Frustum, IndexError, KnnQuery, Ray, WithinQuery};

/// Collects objects for a [`CityIndex`]; ids are given out in the order objects are added.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    /// In id order until `build` permutes it into leaf order.
    store: ObjectStore,
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `n` objects (no regrowth while adding them).
    pub fn with_capacity(n: usize) -> Self {
        Self { store: ObjectStore { xy: Vec::with_capacity(n), z: Vec::with_capacity(n), footprints: Vec::new() } }
    }

    /// Adds an object known only by its box. Returns its id.
    pub fn push_box(&mut self, b: Aabb3) -> Result<u32, IndexError> {
        self.push(b, None)
    }

    /// Adds an object with a footprint and a z range. Returns its id.
    pub fn push_footprint(&mut self, fp: MultiPolygon<f64>, z_min: f64, z_max: f64) -> Result<u32, IndexError> {
        let index = self.store.xy.len();
        let bad = |reason: String| IndexError::BadObject { index, reason };
        check_polygon(&fp).map_err(|r| bad(format!("footprint: {r}")))?;
        let r = fp.bounding_rect().ok_or_else(|| bad("footprint has no extent".into()))?;
        self.push(Aabb3 { min: [r.min().x, r.min().y, z_min], max: [r.max().x, r.max().y, z_max] }, Some(Box::new(fp)))
    }

    fn push(&mut self, b: Aabb3, footprint: Option<Box<MultiPolygon<f64>>>) -> Result<u32, IndexError> {
        let index = self.store.xy.len();
        Aabb3::new(b.min, b.max).map_err(|e| IndexError::BadObject { index, reason: e.to_string() })?;
        if index >= MAX_OBJECTS {
            return Err(IndexError::TooManyObjects { count: index + 1, max: MAX_OBJECTS });
        }
        self.store.xy.push(b.xy());
        self.store.z.push([b.min[2], b.max[2]]);
        // The footprint list stays empty until the first footprint, then has one entry each.
        if footprint.is_some() && self.store.footprints.is_empty() {
            self.store.footprints.resize(index, None);
        }
        if !self.store.footprints.is_empty() || footprint.is_some() {
            self.store.footprints.push(footprint);
        }
        Ok(index as u32)
    }

    /// Adds a city object (its footprint and z range). Returns its id.
    pub fn push_object(&mut self, o: &CityObject) -> Result<u32, IndexError> {
        self.push_footprint(o.footprint.clone(), o.z_min_m, o.z_max_m)
    }

    /// Number of objects added.
    pub fn len(&self) -> usize {
        self.store.xy.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.store.xy.is_empty()
    }

    /// Bulk-loads the index.
    pub fn build(self) -> CityIndex {
        let ObjectStore { xy, z, mut footprints } = self.store;
        // 2D objects (all z ranges 0..0) keep no z ranges at all.
        let flat = z.iter().all(|r| *r == [0.0, 0.0]);
        let (tree, xy, z) = PackedRTree::build(&xy, (!flat).then_some(z.as_slice()));
        if !footprints.is_empty() {
            footprints = tree.slots[..tree.len()].iter().map(|&id| footprints[id as usize].take()).collect();
        }
        CityIndex { tree, store: ObjectStore { xy, z, footprints }, pos_of_id: OnceLock::new() }
    }
}

/// An immutable spatial index over the objects of a city. See the crate docs.
pub struct CityIndex {
    tree: PackedRTree,
    store: ObjectStore,
    /// Leaf position of each id, built on first use by the by-id accessors.
    pos_of_id: OnceLock<Vec<u32>>,
}

/// Ids are u32, and the bulk load packs an id beside a 32-bit key in a u64.
const MAX_OBJECTS: usize = u32::MAX as usize;

fn bad_query(index: usize, reason: impl Into<String>) -> IndexError {
    IndexError::BadQuery { index, reason: reason.into() }
}

/// Whether a (multi)polygon is usable: at least one polygon, every ring (holes too) closed,
/// of at least 4 positions, all finite.
fn check_polygon(mp: &MultiPolygon<f64>) -> Result<(), String> {
    if mp.0.is_empty() {
        return Err("empty polygon".into());
    }
    for ring in mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
        if ring.0.len() < 4 {
            return Err(format!("ring of {} positions; a closed ring needs at least 4", ring.0.len()));
        }
        if !ring.is_closed() {
            return Err("ring is not closed".into());
        }
        if let Some(c) = ring.0.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
            return Err(format!("position ({}, {}) is not finite", c.x, c.y));
        }
    }
    Ok(())
}

fn check_point(i: usize, p: [f64; 2]) -> Result<(), IndexError> {
    if p.iter().all(|v| v.is_finite()) { Ok(()) } else { Err(bad_query(i, format!("point {p:?} is not finite"))) }
}

impl CityIndex {
    /// An index over 2D boxes (z range 0..0); ids are positions in `boxes`. Refuses a box
    /// that is not finite or is inverted, naming its position.
    pub fn from_boxes(boxes: &[Aabb2]) -> Result<Self, IndexError> {
        if boxes.len() > MAX_OBJECTS {
            return Err(IndexError::TooManyObjects { count: boxes.len(), max: MAX_OBJECTS });
        }
        if let Some((index, e)) =
            boxes.iter().enumerate().find_map(|(i, b)| Aabb2::new(b.min, b.max).err().map(|e| (i, e)))
        {
            return Err(IndexError::BadObject { index, reason: e.to_string() });
        }
        let (tree, xy, z) = PackedRTree::build(boxes, None);
        Ok(Self { tree, store: ObjectStore { xy, z, footprints: Vec::new() }, pos_of_id: OnceLock::new() })
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Whether the index holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per object held by the tree itself (nodes, z ranges, leaf ids). The exact
    /// geometry it checks against is the objects' own, counted by [`Self::store_bytes`].
    pub fn tree_bytes_per_object(&self) -> f64 {
        if self.is_empty() { 0.0 } else { self.tree.bytes() as f64 / self.len() as f64 }
    }

    /// Bytes of the exact geometry (f64 boxes and z ranges, footprint pointers; not the
    /// footprints' points).
    pub fn store_bytes(&self) -> usize {
        self.store.xy.len() * size_of::<Aabb2>()
            + self.store.z.len() * size_of::<[f64; 2]>()
            + self.store.footprints.len() * size_of::<usize>()
    }

    fn pos(&self, id: u32) -> u32 {
        let map = self.pos_of_id.get_or_init(|| {
            let mut m = vec![0u32; self.len()];
            for (pos, &id) in self.tree.slots[..self.len()].iter().enumerate() {
                m[id as usize] = pos as u32;
            }
            m
        });
        map[id as usize]
    }

    /// The exact shape of an object. Panics if `id` is not in the index.
    pub fn shape(&self, id: u32) -> Shape<'_> {
        self.store.shape(self.pos(id))
    }

    /// The exact 3D box of an object. Panics if `id` is not in the index.
    pub fn bbox(&self, id: u32) -> Aabb3 {
        self.store.bbox3(self.pos(id))
    }

    /// The id at a leaf position.
    #[inline]
    fn id(&self, pos: u32) -> u32 {
        self.tree.slots[pos as usize]
    }

    fn key2(&self, p: [f64; 2]) -> u32 {
        self.tree.grid.key(p)
    }

    /// Answers one window in 2D (box semantics, touching counts).
    fn window_one(&self, s: &mut Scratch, q: &Aabb2, out: &mut Vec<u32>) {
        let (outer, inner) = (self.tree.outer_query(q.min, q.max), self.tree.inner_query(q.min, q.max));
        let (xy, slots) = (&self.store.xy, &self.tree.slots);
        self.tree.visit_window(&outer, &inner, None, &mut s.stack, |pos, certain| {
            if certain || xy[pos as usize].intersects(q) {
                out.push(slots[pos as usize]);
            }
        });
    }

    /// Objects whose 2D box intersects each window (closed boxes: touching counts).
    pub fn windows(&self, queries: &[Aabb2], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, q) in queries.iter().enumerate() {
            Aabb2::new(q.min, q.max).map_err(|e| bad_query(i, e.to_string()))?;
        }
        Ok(batch::run(
            queries.len(),
            |i| self.key2(queries[i].center()),
            opts,
            |s, i, ids, _| self.window_one(s, &queries[i], ids),
        ))
    }

    /// Objects whose 3D box intersects each 3D window.
    pub fn windows_3d(&self, queries: &[Aabb3], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, q) in queries.iter().enumerate() {
            Aabb3::new(q.min, q.max).map_err(|e| bad_query(i, e.to_string()))?;
        }
        Ok(batch::run(
            queries.len(),
            |i| self.key2(queries[i].xy().center()),
            opts,
            |s, i, ids, _| {
                let q = &queries[i];
                let (outer, inner) =
                    (self.tree.outer_query(q.xy().min, q.xy().max), self.tree.inner_query(q.xy().min, q.xy().max));
                let z = self.tree.z_queries(q.min[2], q.max[2]);
                self.tree.visit_window(&outer, &inner, Some(z), &mut s.stack, |pos, certain| {
                    if certain || self.store.bbox3(pos).intersects(q) {
                        ids.push(self.id(pos));
                    }
                });
            },
        ))
    }

    /// Best-first k-nearest search (Hjaltason and Samet) over nodes: pops the node with the
    /// smallest lower bound; a leaf's objects get their exact distance at once (their geometry
    /// sits side by side in leaf order) and go into the sorted list of the k best. The search
    /// ends when the closest unexpanded node is farther than the k-th best.
    fn knn_one(&self, s: &mut Scratch, q: &KnnQuery, ids: &mut Vec<u32>, dists: &mut Vec<f64>) {
        let Some(root) = self.tree.root() else { return };
        let o = self.tree.origin;
        let p_rel = [q.point[0] - o[0], q.point[1] - o[1]];
        let p32 = [p_rel[0] as f32, p_rel[1] as f32];
        // Node distances come from f32 boxes in f32 arithmetic; subtracting the margin makes
        // them lower bounds of the true f64 distances.
        let margin = self.tree.f32_distance_margin(p_rel[0].abs().max(p_rel[1].abs()));
        let (heap, best) = (&mut s.heap, &mut s.best);
        heap.clear();
        best.clear();
        heap.push(HeapEntry { key: 0.0, kind: EntryKind::Node, a: root.level, b: root.block });
        let mut bound = f64::INFINITY;
        while let Some(e) = heap.pop() {
            // Equal keys go on: a node at exactly the k-th distance may hold a smaller id.
            if e.key > bound {
                break;
            }
            let node = NodeRef { level: e.a, block: e.b };
            let (lanes, used) = self.tree.lane_distances_sq(node, p32);
            for (lane, &d2) in lanes.iter().enumerate() {
                if used & (1 << lane) == 0 {
                    continue; // a padding lane
                }
                // Beyond f32's range (a point ~1e19 away) the bound is unknown: take 0.
                let key = if d2.is_finite() { (f64::from(d2).sqrt() - margin).max(0.0) } else { 0.0 };
                if key > bound {
                    continue;
                }
                let child = node.block * NODE_SIZE as u32 + lane as u32;
                if node.level > 0 {
                    heap.push(HeapEntry { key, kind: EntryKind::Node, a: node.level - 1, b: child });
                    continue;
                }
                let entry = (self.store.distance(child, q.point), self.id(child));
                if best.len() == q.k && entry >= best[q.k - 1] {
                    continue;
                }
                // Insertion into a short sorted list: a shift loop beats `Vec::insert`'s memmove.
                if best.len() < q.k {
                    best.push(entry);
                } else {
                    best[q.k - 1] = entry;
                }
                let mut i = best.len() - 1;
                while i > 0 && best[i - 1] > best[i] {
                    best.swap(i - 1, i);
                    i -= 1;
                }
                if best.len() == q.k {
                    bound = best[q.k - 1].0;
                }
            }
        }
        for &(d, id) in best.iter() {
            ids.push(id);
            dists.push(d);
        }
    }

    /// The `k` nearest objects to each point, nearest first (ties by ascending id), with their
    /// distances in [`QueryResults::values`].
    pub fn nearest(&self, queries: &[KnnQuery], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, q) in queries.iter().enumerate() {
            check_point(i, q.point)?;
            if q.k == 0 {
                return Err(bad_query(i, "k must be at least 1"));
            }
        }
        Ok(batch::run(
            queries.len(),
            |i| self.key2(queries[i].point),
            opts,
            |s, i, ids, vals| self.knn_one(s, &queries[i], ids, vals),
        ))
    }

    /// Every object within `radius` of each point, with its distance.
    pub fn within_distance(&self, queries: &[WithinQuery], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, q) in queries.iter().enumerate() {
            check_point(i, q.point)?;
            if !(q.radius >= 0.0 && q.radius.is_finite()) {
                return Err(bad_query(i, format!("radius {} must be finite and >= 0", q.radius)));
            }
        }
        Ok(batch::run(
            queries.len(),
            |i| self.key2(queries[i].point),
            opts,
            |s, i, ids, vals| {
                let WithinQuery { point: p, radius: r } = queries[i];
                // Padded by a few ulps: p - r rounded up could otherwise cut a box at exactly r.
                let pad = (p[0].abs().max(p[1].abs()) + r) * 4.0 * f64::EPSILON;
                let (min, max) = ([p[0] - r - pad, p[1] - r - pad], [p[0] + r + pad, p[1] + r + pad]);
                let outer = self.tree.outer_query(min, max);
                self.tree.visit_window(&outer, &outer, None, &mut s.stack, |pos, _| {
                    let d = self.store.distance(pos, p);
                    if d <= r {
                        ids.push(self.id(pos));
                        vals.push(d);
                    }
                });
            },
        ))
    }

    /// Objects whose footprint (or box) intersects each polygon: a box filter on the tree,
    /// then an exact test with `geo`.
    pub fn polygons(&self, queries: &[MultiPolygon<f64>], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        let mut rects = Vec::with_capacity(queries.len());
        for (i, q) in queries.iter().enumerate() {
            check_polygon(q).map_err(|r| bad_query(i, r))?;
            let r = q.bounding_rect().ok_or_else(|| bad_query(i, "empty polygon"))?;
            let b =
                Aabb2::new([r.min().x, r.min().y], [r.max().x, r.max().y]).map_err(|e| bad_query(i, e.to_string()))?;
            rects.push(b);
        }
        Ok(batch::run(
            queries.len(),
            |i| self.key2(rects[i].center()),
            opts,
            |s, i, ids, _| {
                let r = rects[i];
                let outer = self.tree.outer_query(r.min, r.max);
                self.tree.visit_window(&outer, &outer, None, &mut s.stack, |pos, _| {
                    if self.store.intersects_polygon(pos, &queries[i]) {
                        ids.push(self.id(pos));
                    }
                });
            },
        ))
    }

    /// Zones -> objects: for each zone, the objects intersecting it (a polygon batch).
    pub fn join_zones(&self, zones: &[MultiPolygon<f64>], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        self.polygons(zones, opts)
    }

    /// Points -> containing footprints: for each point, the objects whose footprint covers it
    /// (boundary included); usually one, none in the street, several where parts overlap.
    pub fn join_points(&self, points: &[[f64; 2]], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, p) in points.iter().enumerate() {
            check_point(i, *p)?;
        }
        Ok(batch::run(
            points.len(),
            |i| self.key2(points[i]),
            opts,
            |s, i, ids, _| {
                let p = points[i];
                let (outer, inner) = (self.tree.outer_query(p, p), self.tree.inner_query(p, p));
                self.tree.visit_window(&outer, &inner, None, &mut s.stack, |pos, certain| {
                    let is_box = matches!(self.store.shape(pos), Shape::Box(_));
                    if (certain && is_box) || self.store.covers_point(pos, p) {
                        ids.push(self.id(pos));
                    }
                });
            },
        ))
    }

    /// Objects whose 3D box is not entirely outside any plane of each frustum.
    pub fn frustums(&self, queries: &[Frustum], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, f) in queries.iter().enumerate() {
            if !f.is_finite() {
                return Err(bad_query(i, "frustum plane is not finite"));
            }
        }
        // Frustums have no useful centre to sort by; they are few per batch anyway.
        let opts = BatchOptions { reorder: false, ..opts };
        Ok(batch::run(
            queries.len(),
            |_| 0,
            opts,
            |s, i, ids, _| {
                let f = &queries[i];
                let Some(root) = self.tree.root() else { return };
                let stack = &mut s.stack;
                stack.clear();
                stack.push(root);
                let m = self.tree.err_xy.max(self.tree.err_z);
                while let Some(node) = stack.pop() {
                    for lane in 0..NODE_SIZE {
                        if !self.tree.lane_used(node, lane) {
                            continue;
                        }
                        let (lo, hi) = self.tree.lane_box(node, lane);
                        // Grown by the rounding margin: never cull what might be visible.
                        if f.box_outside(lo.map(|v| v - m), hi.map(|v| v + m)) {
                            continue;
                        }
                        let child = node.block * NODE_SIZE as u32 + lane as u32;
                        if node.level == 0 {
                            if f.intersects(&self.store.bbox3(child)) {
                                ids.push(self.id(child));
                            }
                        } else {
                            stack.push(NodeRef { level: node.level - 1, block: child });
                        }
                    }
                }
            },
        ))
    }

    /// The first object each ray hits (exactly, against the footprint extruded over its z
    /// range), with the ray parameter of the hit; no answer when it hits nothing. Ties at the
    /// same parameter go to the lowest id.
    pub fn ray_picks(&self, rays: &[Ray], opts: BatchOptions) -> Result<QueryResults, IndexError> {
        for (i, r) in rays.iter().enumerate() {
            r.check().map_err(|e| bad_query(i, e))?;
        }
        Ok(batch::run(
            rays.len(),
            |i| self.key2([rays[i].origin[0], rays[i].origin[1]]),
            opts,
            |s, i, ids, vals| {
                let ray = &rays[i];
                let Some(root) = self.tree.root() else { return };
                let heap = &mut s.heap;
                heap.clear();
                heap.push(HeapEntry { key: 0.0, kind: EntryKind::Node, a: root.level, b: root.block });
                let m = self.tree.err_xy.max(self.tree.err_z);
                while let Some(e) = heap.pop() {
                    match e.kind {
                        EntryKind::Node => {
                            let node = NodeRef { level: e.a, block: e.b };
                            for lane in 0..NODE_SIZE {
                                if !self.tree.lane_used(node, lane) {
                                    continue;
                                }
                                let (lo, hi) = self.tree.lane_box(node, lane);
                                let Some((t0, _)) = ray.slab(lo.map(|v| v - m), hi.map(|v| v + m)) else { continue };
                                let child = node.block * NODE_SIZE as u32 + lane as u32;
                                heap.push(if node.level == 0 {
                                    HeapEntry { key: t0, kind: EntryKind::Candidate, a: self.id(child), b: child }
                                } else {
                                    HeapEntry { key: t0, kind: EntryKind::Node, a: node.level - 1, b: child }
                                });
                            }
                        }
                        EntryKind::Candidate => {
                            if let Some(t) = self.store.ray_entry(e.b, ray) {
                                heap.push(HeapEntry { key: t, kind: EntryKind::Exact, a: e.a, b: e.b });
                            }
                        }
                        EntryKind::Exact => {
                            ids.push(e.a);
                            vals.push(e.key);
                            break;
                        }
                    }
                }
            },
        ))
    }
}
