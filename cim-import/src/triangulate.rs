//! Planar polygons with holes into triangles, on their own plane.
//!
//! Each surface is projected onto the plane of its Newell normal, triangulated there by ear
//! cutting (earcutr), and every triangle is wound counter-clockwise seen from the side the
//! normal points to, so the renderer's back-face culling and lighting agree with the model.
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

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Triangulates one surface; `None` for a degenerate one (no area, or earcut found nothing).
pub fn triangulate(s: &Surface) -> Option<Triangles> {
    let n = s.newell_normal();
    let len = dot(n, n).sqrt();
    if len.is_nan() || len <= 0.0 || !len.is_finite() {
        return None;
    }
    let normal = [n[0] / len, n[1] / len, n[2] / len];
    // A basis of the plane: u along the axis least aligned with the normal, crossed twice.
    let axis = if normal[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
    let u = cross(normal, axis);
    let ul = dot(u, u).sqrt();
    let u = [u[0] / ul, u[1] / ul, u[2] / ul];
    let v = cross(normal, u);
    // Project relative to the first vertex, so big projected coordinates keep their precision.
    let origin = s.rings[0][0];
    let mut positions = Vec::new();
    let mut flat = Vec::new();
    let mut holes = Vec::new();
    for (i, ring) in s.rings.iter().enumerate() {
        if i > 0 {
            holes.push(positions.len());
        }
        for &p in ring {
            let d = sub(p, origin);
            flat.extend_from_slice(&[dot(d, u), dot(d, v)]);
            positions.push(p);
        }
    }
    let tri = earcutr::earcut(&flat, &holes, 2).ok()?;
    let mut indices: Vec<[u32; 3]> = tri.chunks_exact(3).map(|t| [t[0] as u32, t[1] as u32, t[2] as u32]).collect();
    for t in &mut indices {
        let [a, b, c] = t.map(|i| positions[i as usize]);
        if dot(cross(sub(b, a), sub(c, a)), normal) < 0.0 {
            t.swap(1, 2);
        }
    }
    (!indices.is_empty()).then_some(Triangles { positions, normal, indices })
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
        };
        let t = triangulate(&wall).unwrap();
        assert!((area(&t) - 58.0).abs() < 1e-6, "area {}", area(&t));
        assert!((t.normal[1] + 1.0).abs() < 1e-12, "normal {:?}", t.normal);
        assert!(t.indices.iter().all(|tri| tri.iter().all(|&i| (i as usize) < t.positions.len())));
    }

    #[test]
    fn degenerate_surfaces_give_nothing() {
        let line = Surface { rings: vec![vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]], semantic: None };
        assert!(triangulate(&line).is_none());
    }
}
