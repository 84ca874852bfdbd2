//! Which feature a ray hits: a ray (say, the cursor's) against the triangles of decoded tile
//! contents, in f64 world coordinates. Works for any tileset, ours or foreign: the hit
//! triangle's feature id (`EXT_mesh_features` or b3dm `_BATCHID`) names the row of the tile's
//! [`FeatureProperties`]. Plain data in, plain data out, so the viewer only turns the cursor
//! into a ray and the answer into a highlight; picking itself is tested here without a window.
use city_core::Vec3;
use city_core::vec3::{cross, dot, sub};

use crate::{DecodedContent, FeatureProperties, Mat4, TileId};

/// What a ray hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Picked {
    /// The layer (tileset) index, as the caller numbered its tilesets.
    pub layer: usize,
    /// The tile.
    pub tile: TileId,
    /// Which of the tile's contents.
    pub content: usize,
    /// The feature id, when the mesh has them.
    pub feature: Option<u32>,
    /// Distance along the ray, metres.
    pub distance_m: f64,
    /// Which mesh part of the content.
    pub part: usize,
    /// The hit triangle's vertices.
    pub corners: [u32; 3],
    /// Where in the triangle: the weight of each corner (barycentric, summing to 1).
    pub weights: [f64; 3],
}

/// Möller-Trumbore: the ray parameter of the hit and the barycentric (u, v) of `b` and `c`, if
/// the ray crosses the triangle (either side).
fn ray_triangle(o: Vec3, d: Vec3, a: Vec3, b: Vec3, c: Vec3) -> Option<(f64, f64, f64)> {
    let (e1, e2) = (sub(b, a), sub(c, a));
    let p = cross(d, e2);
    let det = dot(e1, p);
    if det.abs() < 1e-18 {
        return None;
    }
    let inv = 1.0 / det;
    let s = sub(o, a);
    let u = dot(s, p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = cross(s, e1);
    let v = dot(d, q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let t = dot(e2, q) * inv;
    (t > 0.0).then_some((t, u, v))
}

/// The nearest feature hit by the ray `origin + t dir` (ECEF) among `tiles`: (layer, tile, the
/// tile's world transform, its decoded contents), passing over the features `hidden` says are
/// not drawn (a BIM filter's).
pub fn pick<'a>(
    origin: Vec3,
    dir: Vec3,
    tiles: impl Iterator<Item = (usize, TileId, &'a Mat4, &'a [DecodedContent])>,
    hidden: &dyn Fn(&FeatureProperties, u32) -> bool,
) -> Option<Picked> {
    let len = dot(dir, dir).sqrt();
    if len == 0.0 {
        return None;
    }
    let mut best: Option<Picked> = None;
    for (layer, tile, world_from_tile, contents) in tiles {
        for (ci, content) in contents.iter().enumerate() {
            for (pi, part) in content.meshes.iter().enumerate() {
                let identity = [Mat4::IDENTITY];
                let instances: &[Mat4] = if part.instances.is_empty() { &identity } else { &part.instances };
                for inst in instances {
                    let world_from_mesh = world_from_tile.mul(inst).mul(&part.tile_from_mesh);
                    let mesh_from_world = world_from_mesh.inverse_affine();
                    // Affine maps keep the ray parameter: t here is t in the world.
                    let (o, d) = (mesh_from_world.point(origin), mesh_from_world.vector(dir));
                    let v = |i: u32| part.positions[i as usize].map(f64::from);
                    for tri in part.indices.chunks_exact(3) {
                        let Some((t, bu, bv)) = ray_triangle(o, d, v(tri[0]), v(tri[1]), v(tri[2])) else {
                            continue;
                        };
                        let distance_m = t * len;
                        if best.is_none_or(|b| distance_m < b.distance_m) {
                            let feature = part.feature_ids.as_ref().and_then(|f| f.get(tri[0] as usize).copied());
                            if feature.is_some_and(|f| hidden(&content.properties, f)) {
                                continue;
                            }
                            best = Some(Picked {
                                layer,
                                tile,
                                content: ci,
                                feature,
                                distance_m,
                                part: pi,
                                corners: [tri[0], tri[1], tri[2]],
                                weights: [1.0 - bu - bv, bu, bv],
                            });
                        }
                    }
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MeshPart;

    /// Two unit squares (features 0 and 1) at z = 0 and z = 5 in a tile 1e7 m from the centre.
    fn two_floors() -> (Mat4, Vec<DecodedContent>) {
        let quad = |z: f32, f: u32| MeshPart {
            positions: vec![[0.0, 0.0, z], [1.0, 0.0, z], [1.0, 1.0, z], [0.0, 1.0, z]],
            indices: vec![0, 1, 2, 0, 2, 3],
            feature_ids: Some(vec![f; 4]),
            ..Default::default()
        };
        let content = DecodedContent { meshes: vec![quad(0.0, 0), quad(5.0, 1)], ..Default::default() };
        (Mat4::from_translation([1.0e7, 0.0, 0.0]), vec![content])
    }

    #[test]
    fn the_nearest_feature_along_the_ray_is_picked() {
        let (world, contents) = two_floors();
        let tiles = || std::iter::once((0, TileId(7), &world, contents.as_slice()));
        let down = pick([1.0e7 + 0.5, 0.5, 100.0], [0.0, 0.0, -1.0], tiles(), &|_, _| false).unwrap();
        assert_eq!((down.tile, down.feature), (TileId(7), Some(1)));
        assert!((down.distance_m - 95.0).abs() < 1e-9);
        let up = pick([1.0e7 + 0.5, 0.5, -10.0], [0.0, 0.0, 2.0], tiles(), &|_, _| false).unwrap();
        assert_eq!(up.feature, Some(0));
        assert!((up.distance_m - 10.0).abs() < 1e-9);
        assert!(
            pick([1.0e7 + 3.0, 0.5, 100.0], [0.0, 0.0, -1.0], tiles(), &|_, _| false).is_none(),
            "beside the squares"
        );
    }
}
