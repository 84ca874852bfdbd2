//! Decoded tile content to Bevy meshes. Triangles are unshared (three vertices each) so every
//! vertex can carry its feature's colour and, when the content has no normals, its face's flat
//! normal (glTF says a client computes flat normals then).
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Mesh, PrimitiveTopology};
use city_tiles::{MeshPart, PointCloud};

/// The colour of each drawn vertex of a part, given a colour per feature id (None: no id).
pub fn vertex_colors(part: &MeshPart, color_of: &dyn Fn(Option<u32>) -> [f32; 4]) -> Vec<[f32; 4]> {
    let mut cache: Vec<Option<[f32; 4]>> = Vec::new();
    part.indices
        .iter()
        .map(|&i| {
            let f = part.feature_ids.as_ref().and_then(|f| f.get(i as usize).copied());
            let Some(f) = f else { return color_of(None) };
            let slot = f as usize;
            if slot < 1 << 20 {
                if cache.len() <= slot {
                    cache.resize(slot + 1, None);
                }
                *cache[slot].get_or_insert_with(|| color_of(Some(f)))
            } else {
                color_of(Some(f))
            }
        })
        .collect()
}

/// A triangle mesh for a part, coloured per feature.
pub fn triangle_mesh(part: &MeshPart, color_of: &dyn Fn(Option<u32>) -> [f32; 4]) -> Mesh {
    let positions: Vec<[f32; 3]> = part.indices.iter().map(|&i| part.positions[i as usize]).collect();
    let normals: Vec<[f32; 3]> = match &part.normals {
        Some(n) if n.len() == part.positions.len() => part.indices.iter().map(|&i| n[i as usize]).collect(),
        _ => positions
            .chunks_exact(3)
            .flat_map(|t| {
                let (a, b, c) = (t[0], t[1], t[2]);
                let (u, v) = ([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]);
                let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
                let l = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt().max(1e-20);
                [[n[0] / l, n[1] / l, n[2] / l]; 3]
            })
            .collect(),
    };
    let colors = vertex_colors(part, color_of);
    let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors);
    match &part.uvs {
        Some(uv) if uv.len() == part.positions.len() && part.texture.is_some() => {
            let uv: Vec<[f32; 2]> = part.indices.iter().map(|&i| uv[i as usize]).collect();
            mesh.with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, uv)
        }
        _ => mesh,
    }
}

/// A textured part's material: its image as an sRGB texture, lit like the other surfaces and
/// multiplied by the feature colours (white unless a style or a highlight colours it).
pub fn textured_material(
    texture: &city_tiles::TextureImage,
    images: &mut bevy::asset::Assets<bevy::image::Image>,
    materials: &mut bevy::asset::Assets<bevy::pbr::StandardMaterial>,
) -> bevy::asset::Handle<bevy::pbr::StandardMaterial> {
    materials.add(bevy::pbr::StandardMaterial {
        base_color_texture: Some(texture_image(texture, images)),
        perceptual_roughness: 0.9,
        cull_mode: None,
        double_sided: true,
        ..Default::default()
    })
}

/// A decoded texture as an sRGB image asset.
pub fn texture_image(
    texture: &city_tiles::TextureImage,
    images: &mut bevy::asset::Assets<bevy::image::Image>,
) -> bevy::asset::Handle<bevy::image::Image> {
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
    images.add(bevy::image::Image::new(
        Extent3d { width: texture.width.max(1), height: texture.height.max(1), depth_or_array_layers: 1 },
        TextureDimension::D2,
        texture.rgba.clone(),
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::default(),
    ))
}

/// A point mesh.
pub fn point_mesh(p: &PointCloud) -> Mesh {
    let colors = p.colors.clone().unwrap_or_else(|| vec![[0.9, 0.9, 0.9, 1.0]; p.positions.len()]);
    Mesh::new(PrimitiveTopology::PointList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, p.positions.clone())
        .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_drawn_vertex_gets_its_features_colour_and_a_face_normal() {
        let part = MeshPart {
            positions: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [5.0, 5.0, 0.0]],
            indices: vec![0, 1, 2, 1, 3, 2],
            feature_ids: Some(vec![0, 0, 0, 1]),
            ..Default::default()
        };
        let color = |f: Option<u32>| [f.map_or(0.5, |f| f as f32), 0.0, 0.0, 1.0];
        let c = vertex_colors(&part, &color);
        assert_eq!(c.iter().map(|c| c[0]).collect::<Vec<_>>(), [0.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        let m = triangle_mesh(&part, &color);
        assert_eq!(m.count_vertices(), 6);
        let Some(bevy::mesh::VertexAttributeValues::Float32x3(n)) = m.attribute(Mesh::ATTRIBUTE_NORMAL) else {
            panic!("no normals")
        };
        assert!(n.iter().all(|n| (n[2] - 1.0).abs() < 1e-6), "counter-clockwise in xy faces +z: {n:?}");
    }
}
