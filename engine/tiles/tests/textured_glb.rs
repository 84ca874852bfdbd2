//! A textured tile written by `cim_import` (a primitive per image, the PNG embedded) decodes
//! back to a part with its texture coordinates and the image's pixels; the untextured and the
//! colour-only primitives decode as plain parts with their base colours.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use cim_import::{Column, PropertyTable, TexturedPart, TileMesh, write_glb};
use city_tiles::{Mat4, decode_glb};

#[test]
fn textures_and_material_colours_survive_the_round_trip() {
    // A 2 x 2 PNG: red, green / blue, white.
    let px = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 255, 255]];
    let img = image::RgbaImage::from_fn(2, 2, |x, y| image::Rgba(px[(y * 2 + x) as usize]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    // Three triangles: plain, textured, coloured.
    let mut mesh = TileMesh::default();
    for k in 0..9 {
        mesh.positions.push([k as f32, 0.0, (k % 3) as f32]);
        mesh.normals.push([0.0, 1.0, 0.0]);
        mesh.feature_ids.push(0.0);
        mesh.uvs.push([(k % 2) as f32, (k / 3) as f32 * 0.5]);
    }
    mesh.indices = vec![0, 1, 2];
    mesh.textured.push(TexturedPart {
        image: png.into_inner(),
        mime: "image/png".into(),
        color: [1.0; 4],
        indices: vec![3, 4, 5],
    });
    mesh.textured.push(TexturedPart {
        image: Vec::new(),
        mime: String::new(),
        color: [0.8, 0.3, 0.2, 1.0],
        indices: vec![6, 7, 8],
    });
    let mut table = PropertyTable { count: 1, columns: Default::default() };
    table.columns.insert("id".into(), ("id".into(), Column::Text(vec!["b".into()])));
    let glb = write_glb(&mesh, &table);

    let decoded = decode_glb(&glb, "t.glb", Mat4::IDENTITY).unwrap();
    assert_eq!(decoded.meshes.len(), 3, "{:?}", decoded.notes);
    let textured: Vec<_> = decoded.meshes.iter().filter(|m| m.texture.is_some()).collect();
    assert_eq!(textured.len(), 1);
    let t = textured[0].texture.as_ref().unwrap();
    assert_eq!((t.width, t.height), (2, 2));
    let got: Vec<[u8; 4]> = t.rgba.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect();
    assert_eq!(got, px);
    let uvs = textured[0].uvs.as_ref().unwrap();
    assert_eq!(uvs.len(), textured[0].positions.len());
    for &i in &textured[0].indices {
        let k = i as usize;
        assert_eq!(uvs[k], [(k % 2) as f32, (k / 3) as f32 * 0.5]);
    }
    assert!(decoded.meshes.iter().any(|m| m.texture.is_none() && (m.base_color[0] - 0.8).abs() < 1e-6));
}
