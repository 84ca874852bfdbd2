//! The exact f64 geometry of every indexed object, in the tree's leaf order: what the tree's
//! f32 boxes are checked against when they are too close to a query's edge to decide, and
//! what distance, polygon and ray tests run on. Leaf order puts the geometry of objects that
//! are near each other in space near each other in memory, so exact checks hit warm caches.
use city_core::{Aabb2, Aabb3};
use geo::{Coord, Distance, Euclidean, Intersects, MultiPolygon, Point, Rect};

use crate::Ray;

/// The exact 2D shape of an object.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    /// Only a box is known (CSV input, sensors): the box is the shape.
    Box(Aabb2),
    /// A footprint.
    Footprint(&'a MultiPolygon<f64>),
}

/// Boxes, z ranges and footprints by leaf position.
#[derive(Debug, Default)]
pub(crate) struct ObjectStore {
    pub(crate) xy: Vec<Aabb2>,
    /// Empty when every object spans z 0..0 (2D input, from `from_boxes` or a builder whose
    /// objects all have z 0..0).
    pub(crate) z: Vec<[f64; 2]>,
    /// Empty when no object has a footprint; else one entry per object.
    pub(crate) footprints: Vec<Option<Box<MultiPolygon<f64>>>>,
}

fn rect(b: &Aabb2) -> Rect<f64> {
    Rect::new(Coord { x: b.min[0], y: b.min[1] }, Coord { x: b.max[0], y: b.max[1] })
}

impl ObjectStore {
    /// The shape at leaf position `pos`.
    #[inline]
    pub(crate) fn shape(&self, pos: u32) -> Shape<'_> {
        match self.footprints.get(pos as usize) {
            Some(Some(fp)) => Shape::Footprint(fp),
            _ => Shape::Box(self.xy[pos as usize]),
        }
    }

    /// The z range at `pos`.
    #[inline]
    pub(crate) fn z(&self, pos: u32) -> [f64; 2] {
        self.z.get(pos as usize).copied().unwrap_or([0.0, 0.0])
    }

    /// The 3D box at `pos`.
    #[inline]
    pub(crate) fn bbox3(&self, pos: u32) -> Aabb3 {
        let z = self.z(pos);
        self.xy[pos as usize].with_z(z[0], z[1])
    }

    /// 2D distance from a point to the object (0 inside).
    #[inline]
    pub(crate) fn distance(&self, pos: u32, p: [f64; 2]) -> f64 {
        match self.shape(pos) {
            Shape::Box(b) => b.distance_to_point(p),
            Shape::Footprint(fp) => Euclidean.distance(fp, &Point::new(p[0], p[1])),
        }
    }

    /// Whether the object's footprint shares a point with the polygon.
    pub(crate) fn intersects_polygon(&self, pos: u32, poly: &MultiPolygon<f64>) -> bool {
        match self.shape(pos) {
            Shape::Box(b) => rect(&b).intersects(poly),
            Shape::Footprint(fp) => fp.intersects(poly),
        }
    }

    /// Whether the point lies in the object's footprint, boundary included.
    pub(crate) fn covers_point(&self, pos: u32, p: [f64; 2]) -> bool {
        match self.shape(pos) {
            Shape::Box(b) => b.contains_point(p),
            Shape::Footprint(fp) => fp.intersects(&Point::new(p[0], p[1])),
        }
    }

    /// Where the ray first enters the object's prism (footprint x z range), if it does.
    pub(crate) fn ray_entry(&self, pos: u32, ray: &Ray) -> Option<f64> {
        let z = self.z(pos);
        match self.shape(pos) {
            Shape::Box(bx) => {
                let c =
                    [[bx.min[0], bx.min[1]], [bx.max[0], bx.min[1]], [bx.max[0], bx.max[1]], [bx.min[0], bx.max[1]]];
                ray.prism_entry(z, |p| bx.contains_point(p), (0..4).map(|i| (c[i], c[(i + 1) % 4])))
            }
            Shape::Footprint(fp) => {
                let edges = fp.0.iter().flat_map(|poly| {
                    std::iter::once(poly.exterior())
                        .chain(poly.interiors())
                        .flat_map(|ring| ring.lines().map(|l| ([l.start.x, l.start.y], [l.end.x, l.end.y])))
                });
                ray.prism_entry(z, |p| fp.intersects(&Point::new(p[0], p[1])), edges)
            }
        }
    }
}
