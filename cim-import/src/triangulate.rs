//! Planar polygons with holes into triangles, on their own plane.
//!
//! Each surface is projected onto the plane of its Newell normal, triangulated there by ear
//! cutting (earcutr), and every triangle is wound counter-clockwise seen from the side the
//! normal points to, so the renderer's back-face culling and lighting agree with the model.
use city_core::vec3::{cross, dot, sub};

use crate::Surface;

/// A triangulated surface: its vertices (file CRS, f64), its unit normal, and triangles as
/// triples of indices into `positions`, each counter-clockwise around `normal`.
#[derive(Debug, Clone, PartialEq)]
pub struct Triangles {
    /// Vertices, outer ring first, then the holes.
    pub positions: Vec<[f64; 3]>,
    /// The surface's unit normal.
    pub normal: [f64; 3],
    /// Triangles.
    pub indices: Vec<[u32; 3]>,
}

/// Triangulates one surface; `None` for a degenerate one (no area, or earcut found nothing).
pub fn triangulate(s: &Surface) -> Option<Triangles> {
    let mut positions = Vec::new();
    let mut holes = Vec::new();
    for (i, ring) in s.rings.iter().enumerate() {
        if i > 0 {
            holes.push(positions.len());
        }
        positions.extend_from_slice(ring);
    }
    let mut indices = Vec::new();
    let normal = triangulate_face(&positions, &holes, &mut indices)?;
    Some(Triangles { positions, normal, indices })
}

/// Newell's normal of a ring, made unit; `None` without area.
fn unit_normal(ring: &[[f64; 3]]) -> Option<[f64; 3]> {
    let n = crate::surface::newell(ring);
    let len = dot(n, n).sqrt();
    (len.is_finite() && len > 0.0).then(|| [n[0] / len, n[1] / len, n[2] / len])
}

/// Triangulates one face given flat: the outer ring's points, then each hole's, holes starting
/// at the indices in `holes`. Appends triangles (indices into `points`, counter-clockwise around
/// the normal) to `out` and returns the unit normal; `None` for a degenerate face.
///
/// Triangles and convex quads, most of a city's faces (every wall of an LoD1 or LoD2 building),
/// are cut directly; the rest go through ear cutting on the face's plane.
pub fn triangulate_face(points: &[[f64; 3]], holes: &[usize], out: &mut Vec<[u32; 3]>) -> Option<[f64; 3]> {
    let outer_end = holes.first().copied().unwrap_or(points.len());
    let normal = unit_normal(&points[..outer_end])?;
    let facing = |t: [u32; 3]| {
        let [a, b, c] = t.map(|i| points[i as usize]);
        dot(cross(sub(b, a), sub(c, a)), normal)
    };
    if holes.is_empty() && points.len() == 3 {
        out.push([0, 1, 2]);
        return Some(normal);
    }
    if holes.is_empty() && points.len() == 4 {
        // Convex (both halves face the normal) along one diagonal or the other.
        for pair in [[[0, 1, 2], [0, 2, 3]], [[1, 2, 3], [1, 3, 0]]] {
            if pair.iter().all(|&t| facing(t) > 0.0) {
                out.extend(pair);
                return Some(normal);
            }
        }
    }
    // A basis of the plane: u along the axis least aligned with the normal, crossed twice.
    let axis = if normal[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
    let u = cross(normal, axis);
    let ul = dot(u, u).sqrt();
    let u = [u[0] / ul, u[1] / ul, u[2] / ul];
    let v = cross(normal, u);
    // Project relative to the first vertex, so big projected coordinates keep their precision.
    let origin = points[0];
    let flat: Vec<f64> = points
        .iter()
        .flat_map(|&p| {
            let d = sub(p, origin);
            [dot(d, u), dot(d, v)]
        })
        .collect();
    let tri = earcutr::earcut(&flat, holes, 2).ok()?;
    let before = out.len();
    for t in tri.chunks_exact(3) {
        let mut t = [t[0] as u32, t[1] as u32, t[2] as u32];
        if facing(t) < 0.0 {
            t.swap(1, 2);
        }
        out.push(t);
    }
    (out.len() > before).then_some(normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(t: &Triangles) -> f64 {
        t.indices
            .iter()
            .map(|tri| {
                let [a, b, c] = tri.map(|i| t.positions[i as usize]);
                0.5 * dot(cross(sub(b, a), sub(c, a)), t.normal)
            })
            .sum()
    }

    #[test]
    fn a_wall_with_a_window_keeps_its_area_and_faces_outward() {
        // A 10 x 6 m wall in the plane y = 447000 (facing -y), with a 2 x 1 m window.
        let (x, y) = (85_000.0, 447_000.0);
        let wall = Surface {
            rings: vec![
                vec![[x, y, 0.0], [x + 10.0, y, 0.0], [x + 10.0, y, 6.0], [x, y, 6.0]],
                vec![[x + 2.0, y, 2.0], [x + 2.0, y, 3.0], [x + 4.0, y, 3.0], [x + 4.0, y, 2.0]],
            ],
            semantic: Some("WallSurface".into()),
            texture: None,
            color: None,
        };
        let t = triangulate(&wall).unwrap();
        assert!((area(&t) - 58.0).abs() < 1e-6, "area {}", area(&t));
        assert!((t.normal[1] + 1.0).abs() < 1e-12, "normal {:?}", t.normal);
        assert!(t.indices.iter().all(|tri| tri.iter().all(|&i| (i as usize) < t.positions.len())));
    }

    #[test]
    fn quads_are_cut_along_the_diagonal_inside() {
        // An L-ish concave quad (the dent at vertex 3): only the 1-3 diagonal lies inside.
        let q = [[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [4.0, 4.0, 0.0], [3.0, 1.0, 0.0]];
        let mut tris = Vec::new();
        let n = triangulate_face(&q, &[], &mut tris).unwrap();
        assert_eq!(n, [0.0, 0.0, 1.0]);
        let t = Triangles { positions: q.to_vec(), normal: n, indices: tris };
        let expected = 4.0; // shoelace: (0 + 16 - 8 + 0) / 2
        assert!((area(&t) - expected).abs() < 1e-9, "area {} vs {expected}", area(&t));
        assert!(t.indices.iter().all(|&tri| {
            let [a, b, c] = tri.map(|i| q[i as usize]);
            dot(cross(sub(b, a), sub(c, a)), n) > 0.0
        }));
    }

    #[test]
    fn degenerate_surfaces_give_nothing() {
        let line = Surface {
            rings: vec![vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]],
            semantic: None,
            texture: None,
            color: None,
        };
        assert!(triangulate(&line).is_none());
    }
}
