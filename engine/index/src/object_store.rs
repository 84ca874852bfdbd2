//! The exact f64 geometry of every indexed object, by id: what the tree's f32 boxes are checked
//! against when they are too close to a query's edge to decide, and what distance, polygon and
//! ray tests run on.
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

/// Boxes for every object; footprints for those that have one.
#[derive(Debug, Default)]
pub(crate) struct ObjectStore {
    pub(crate) boxes: Vec<Aabb3>,
    /// Empty when no object has a footprint; else one entry per object.
    pub(crate) footprints: Vec<Option<Box<MultiPolygon<f64>>>>,
}

fn rect(b: &Aabb2) -> Rect<f64> {
    Rect::new(Coord { x: b.min[0], y: b.min[1] }, Coord { x: b.max[0], y: b.max[1] })
}

impl ObjectStore {
    /// The shape of object `id`.
    #[inline]
    pub(crate) fn shape(&self, id: u32) -> Shape<'_> {
        match self.footprints.get(id as usize) {
            Some(Some(fp)) => Shape::Footprint(fp),
            _ => Shape::Box(self.boxes[id as usize].xy()),
        }
    }

    /// 2D distance from a point to the object (0 inside).
    pub(crate) fn distance(&self, id: u32, p: [f64; 2]) -> f64 {
        match self.shape(id) {
            Shape::Box(b) => b.distance_to_point(p),
            Shape::Footprint(fp) => Euclidean.distance(fp, &Point::new(p[0], p[1])),
        }
    }

    /// Whether the object's footprint shares a point with the polygon.
    pub(crate) fn intersects_polygon(&self, id: u32, poly: &MultiPolygon<f64>) -> bool {
        match self.shape(id) {
            Shape::Box(b) => rect(&b).intersects(poly),
            Shape::Footprint(fp) => fp.intersects(poly),
        }
    }

    /// Whether the point lies in the object's footprint, boundary included.
    pub(crate) fn covers_point(&self, id: u32, p: [f64; 2]) -> bool {
        match self.shape(id) {
            Shape::Box(b) => b.contains_point(p),
            Shape::Footprint(fp) => fp.intersects(&Point::new(p[0], p[1])),
        }
    }

    /// Where the ray first enters the object's prism (footprint x z range), if it does.
    pub(crate) fn ray_entry(&self, id: u32, ray: &Ray) -> Option<f64> {
        let b = &self.boxes[id as usize];
        let z = [b.min[2], b.max[2]];
        match self.shape(id) {
            Shape::Box(bx) => {
                let c = [[bx.min[0], bx.min[1]], [bx.max[0], bx.min[1]], [bx.max[0], bx.max[1]], [bx.min[0], bx.max[1]]];
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
