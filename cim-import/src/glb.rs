//! One tile's content as a binary glTF: one mesh of all the tile's features, with
//! `EXT_mesh_features` (a feature id per vertex) and `EXT_structural_metadata` (a property
//! table with each feature's attributes, numbers as numbers). Textured surfaces get a primitive
//! per image, the image embedded in the BIN chunk as the source file had it (JPEG or PNG).
//!
//! The JSON is built with `gltf-json`; the GLB container (header, JSON chunk, BIN chunk) is a
//! dozen lines of the glTF 2.0 spec, section 4.4, written here.
use std::collections::BTreeMap;

use gltf_json as json;
use json::validation::{Checked::Valid, USize64};
use serde_json::{Map, Value, json};

/// Triangles of one tile, in glTF's y-up frame, f32, relative to the tile's transform.
#[derive(Debug, Default, Clone)]
pub struct TileMesh {
    /// Vertex positions.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals (unit length).
    pub normals: Vec<[f32; 3]>,
    /// The feature (row of the property table) each vertex belongs to.
    pub feature_ids: Vec<f32>,
    /// Triangles without a texture, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
    /// Texture coordinates per vertex (empty when nothing in the tile is textured; untextured
    /// vertices hold (0, 0)).
    pub uvs: Vec<[f32; 2]>,
    /// Textured triangles, one part per image.
    pub textured: Vec<TexturedPart>,
    /// The credit the glTF's `asset.copyright` carries (imagery's attribution); clients such as
    /// CesiumJS show it.
    pub copyright: Option<String>,
}

/// The triangles of a tile drawn with one material: a texture image, or a colour.
#[derive(Debug, Default, Clone)]
pub struct TexturedPart {
    /// The image file's bytes, embedded as they are (empty: a colour-only material).
    pub image: Vec<u8>,
    /// The material's base colour (linear RGBA; white under a texture).
    pub color: [f32; 4],
    /// Its MIME type (`image/jpeg`, `image/png`).
    pub mime: String,
    /// Its triangles.
    pub indices: Vec<u32>,
}

/// A column of the property table.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; features without the attribute hold `NO_DATA`.
    Float64(Vec<f64>),
    /// Text (and any value that is neither a number nor absent, as JSON text).
    Text(Vec<String>),
}

/// The value written for a feature that lacks a numeric attribute (declared as `noData`).
pub const NO_DATA: f64 = -1.0e300;

/// The property table of a tile: one row per feature, in feature-id order.
#[derive(Debug, Default, Clone)]
pub struct PropertyTable {
    /// Rows.
    pub count: usize,
    /// Columns by property name (a valid schema identifier) with the source name.
    pub columns: BTreeMap<String, (String, Column)>,
}

/// Appends `bytes` to the binary buffer at an 8-byte boundary (what
/// `EXT_structural_metadata` requires of property values, and enough for every accessor);
/// returns the new buffer view's index.
fn push_view(
    root: &mut json::Root,
    bin: &mut Vec<u8>,
    bytes: &[u8],
    target: Option<json::buffer::Target>,
) -> json::Index<json::buffer::View> {
    while !bin.len().is_multiple_of(8) {
        bin.push(0);
    }
    let view = json::buffer::View {
        buffer: json::Index::new(0),
        byte_length: USize64::from(bytes.len()),
        byte_offset: Some(USize64::from(bin.len())),
        byte_stride: None,
        name: None,
        target: target.map(Valid),
        extensions: Default::default(),
        extras: Default::default(),
    };
    bin.extend_from_slice(bytes);
    root.push(view)
}

fn accessor(
    root: &mut json::Root,
    view: json::Index<json::buffer::View>,
    count: usize,
    component: json::accessor::ComponentType,
    type_: json::accessor::Type,
    bounds: Option<(Value, Value)>,
) -> json::Index<json::Accessor> {
    let (min, max) = bounds.map_or((None, None), |(a, b)| (Some(a), Some(b)));
    root.push(json::Accessor {
        buffer_view: Some(view),
        byte_offset: None,
        count: USize64::from(count),
        component_type: Valid(json::accessor::GenericComponentType(component)),
        extensions: Default::default(),
        extras: Default::default(),
        type_: Valid(type_),
        min,
        max,
        name: None,
        normalized: false,
        sparse: None,
    })
}

/// The GLB bytes of one tile.
pub fn write_glb(mesh: &TileMesh, table: &PropertyTable) -> Vec<u8> {
    use json::accessor::{ComponentType as C, Type as T};
    let mut root = json::Root {
        asset: json::Asset {
            generator: Some("CityTwin cim-import".into()),
            copyright: mesh.copyright.clone(),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut bin = Vec::new();
    let bytes = |v: &[[f32; 3]]| v.iter().flatten().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();

    let (mut lo, mut hi) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    for p in &mesh.positions {
        for i in 0..3 {
            lo[i] = lo[i].min(p[i]);
            hi[i] = hi[i].max(p[i]);
        }
    }
    let n = mesh.positions.len();
    let array = Some(json::buffer::Target::ArrayBuffer);
    let v = push_view(&mut root, &mut bin, &bytes(&mesh.positions), array);
    let pos = accessor(&mut root, v, n, C::F32, T::Vec3, Some((json!(lo), json!(hi))));
    let v = push_view(&mut root, &mut bin, &bytes(&mesh.normals), array);
    let nor = accessor(&mut root, v, n, C::F32, T::Vec3, None);
    let fids: Vec<u8> = mesh.feature_ids.iter().flat_map(|f| f.to_le_bytes()).collect();
    let v = push_view(&mut root, &mut bin, &fids, array);
    let fid = accessor(&mut root, v, n, C::F32, T::Scalar, None);
    // 16-bit indices when every vertex can be reached with them (most tiles): half the bytes.
    let index_accessor = |root: &mut json::Root, bin: &mut Vec<u8>, indices: &[u32]| {
        let (idx_bytes, idx_type): (Vec<u8>, _) = if n <= usize::from(u16::MAX) {
            (indices.iter().flat_map(|&i| (i as u16).to_le_bytes()).collect(), C::U16)
        } else {
            (indices.iter().flat_map(|i| i.to_le_bytes()).collect(), C::U32)
        };
        let v = push_view(root, bin, &idx_bytes, Some(json::buffer::Target::ElementArrayBuffer));
        accessor(root, v, indices.len(), idx_type, T::Scalar, None)
    };
    let idx = (!mesh.indices.is_empty()).then(|| index_accessor(&mut root, &mut bin, &mesh.indices));
    let uv = (!mesh.uvs.is_empty()).then(|| {
        let b: Vec<u8> = mesh.uvs.iter().flatten().flat_map(|f| f.to_le_bytes()).collect();
        let v = push_view(&mut root, &mut bin, &b, array);
        accessor(&mut root, v, n, C::F32, T::Vec2, None)
    });
    let mut parts = Vec::new();
    for part in &mesh.textured {
        let indices = index_accessor(&mut root, &mut bin, &part.indices);
        let view = (!part.image.is_empty()).then(|| push_view(&mut root, &mut bin, &part.image, None));
        parts.push((indices, view, part.mime.clone(), part.color));
    }

    // The property table's columns, each 8-byte aligned.
    let mut class_props = Map::new();
    let mut table_props = Map::new();
    for (name, (source, column)) in &table.columns {
        match column {
            Column::Float64(values) => {
                let b: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
                let view = push_view(&mut root, &mut bin, &b, None);
                class_props.insert(
                    name.clone(),
                    json!({"name": source, "type": "SCALAR", "componentType": "FLOAT64", "noData": NO_DATA}),
                );
                table_props.insert(name.clone(), json!({"values": view.value()}));
            }
            Column::Text(values) => {
                let mut text = Vec::new();
                let mut offsets = Vec::with_capacity(values.len() + 1);
                for s in values {
                    offsets.push(text.len() as u32);
                    text.extend_from_slice(s.as_bytes());
                }
                offsets.push(text.len() as u32);
                let vals = push_view(&mut root, &mut bin, &text, None);
                let offs = push_view(
                    &mut root,
                    &mut bin,
                    &offsets.iter().flat_map(|o| o.to_le_bytes()).collect::<Vec<_>>(),
                    None,
                );
                class_props.insert(name.clone(), json!({"name": source, "type": "STRING"}));
                table_props.insert(
                    name.clone(),
                    json!({"values": vals.value(), "stringOffsets": offs.value(), "stringOffsetType": "UINT32"}),
                );
            }
        }
    }
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    root.push(json::Buffer {
        byte_length: USize64::from(bin.len()),
        name: None,
        uri: None,
        extensions: Default::default(),
        extras: Default::default(),
    });

    let material = root.push(json::Material {
        pbr_metallic_roughness: json::material::PbrMetallicRoughness {
            base_color_factor: json::material::PbrBaseColorFactor([0.85, 0.85, 0.82, 1.0]),
            metallic_factor: json::material::StrengthFactor(0.0),
            roughness_factor: json::material::StrengthFactor(0.9),
            ..Default::default()
        },
        ..Default::default()
    });
    let mut attributes = BTreeMap::new();
    attributes.insert(Valid(json::mesh::Semantic::Positions), pos);
    attributes.insert(Valid(json::mesh::Semantic::Normals), nor);
    attributes.insert(Valid(json::mesh::Semantic::Extras("FEATURE_ID_0".into())), fid);
    let mut prim_ext = json::extensions::mesh::Primitive::default();
    prim_ext.others.insert(
        "EXT_mesh_features".into(),
        json!({"featureIds": [{"featureCount": table.count, "attribute": 0, "propertyTable": 0}]}),
    );
    let primitive = |attributes: BTreeMap<_, _>, indices, material| json::mesh::Primitive {
        attributes,
        extensions: Some(prim_ext.clone()),
        extras: Default::default(),
        indices: Some(indices),
        material: Some(material),
        mode: Valid(json::mesh::Mode::Triangles),
        targets: None,
    };
    let mut primitives: Vec<json::mesh::Primitive> =
        idx.into_iter().map(|i| primitive(attributes.clone(), i, material)).collect();
    let mut sampler = None;
    for (indices, view, mime, color) in parts {
        let Some((view, uv)) = view.zip(uv) else {
            // A colour-only material.
            let material = root.push(json::Material {
                pbr_metallic_roughness: json::material::PbrMetallicRoughness {
                    base_color_factor: json::material::PbrBaseColorFactor(color),
                    metallic_factor: json::material::StrengthFactor(0.0),
                    roughness_factor: json::material::StrengthFactor(0.9),
                    ..Default::default()
                },
                alpha_mode: Valid(if color[3] < 1.0 {
                    json::material::AlphaMode::Blend
                } else {
                    json::material::AlphaMode::Opaque
                }),
                ..Default::default()
            });
            primitives.push(primitive(attributes.clone(), indices, material));
            continue;
        };
        let sampler = *sampler.get_or_insert_with(|| {
            root.push(json::texture::Sampler {
                wrap_s: Valid(json::texture::WrappingMode::Repeat),
                wrap_t: Valid(json::texture::WrappingMode::Repeat),
                ..Default::default()
            })
        });
        let mut textured = attributes.clone();
        textured.insert(Valid(json::mesh::Semantic::TexCoords(0)), uv);
        {
            let image = root.push(json::Image {
                buffer_view: Some(view),
                mime_type: Some(json::image::MimeType(mime)),
                uri: None,
                name: None,
                extensions: Default::default(),
                extras: Default::default(),
            });
            let texture = root.push(json::Texture {
                sampler: Some(sampler),
                source: image,
                name: None,
                extensions: Default::default(),
                extras: Default::default(),
            });
            let material = root.push(json::Material {
                pbr_metallic_roughness: json::material::PbrMetallicRoughness {
                    base_color_texture: Some(json::texture::Info {
                        index: texture,
                        tex_coord: 0,
                        extensions: Default::default(),
                        extras: Default::default(),
                    }),
                    metallic_factor: json::material::StrengthFactor(0.0),
                    roughness_factor: json::material::StrengthFactor(0.9),
                    ..Default::default()
                },
                ..Default::default()
            });
            primitives.push(primitive(textured.clone(), indices, material));
        }
    }
    let mesh_index = root.push(json::Mesh {
        primitives,
        weights: None,
        name: None,
        extensions: Default::default(),
        extras: Default::default(),
    });
    let node = root.push(json::Node { mesh: Some(mesh_index), ..Default::default() });
    root.push(json::Scene {
        nodes: vec![node],
        name: None,
        extensions: Default::default(),
        extras: Default::default(),
    });
    root.scene = Some(json::Index::new(0));
    let mut root_ext = json::extensions::root::Root::default();
    root_ext.others.insert(
        "EXT_structural_metadata".into(),
        json!({
            "schema": {"id": "citytwin", "classes": {"feature": {"properties": class_props}}},
            "propertyTables": [{"class": "feature", "count": table.count, "properties": table_props}],
        }),
    );
    root.extensions = Some(root_ext);
    root.extensions_used = vec!["EXT_mesh_features".into(), "EXT_structural_metadata".into()];

    let mut json_bytes = serde_json::to_vec(&root).unwrap_or_default();
    // Pad the JSON so the BIN data starts 8-byte aligned in the file (28 + len = 0 mod 8):
    // loaders that view FLOAT64 property values straight over the file need it.
    while json_bytes.len() % 8 != 4 {
        json_bytes.push(b' ');
    }
    let total = 12 + 8 + json_bytes.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json_bytes);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

/// A schema identifier for an attribute name: letters, digits and `_`, not starting with a
/// digit (`building:levels` becomes `building_levels`).
pub fn property_id(name: &str) -> String {
    let mut id: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glb_container_is_well_formed() {
        let mesh = TileMesh {
            positions: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            normals: vec![[0.0, 0.0, 1.0]; 3],
            feature_ids: vec![0.0; 3],
            indices: vec![0, 1, 2],
            ..Default::default()
        };
        let mut table = PropertyTable { count: 1, columns: BTreeMap::new() };
        table.columns.insert("id".into(), ("id".into(), Column::Text(vec!["b1".into()])));
        table.columns.insert("height".into(), ("height".into(), Column::Float64(vec![12.5])));
        let glb = write_glb(&mesh, &table);
        assert_eq!(&glb[0..4], b"glTF");
        assert_eq!(u32::from_le_bytes(glb[8..12].try_into().unwrap()) as usize, glb.len());
        let json_len = u32::from_le_bytes(glb[12..16].try_into().unwrap()) as usize;
        let doc: Value = serde_json::from_slice(&glb[20..20 + json_len]).unwrap();
        assert_eq!(doc["extensionsUsed"], json!(["EXT_mesh_features", "EXT_structural_metadata"]));
        assert_eq!(doc["meshes"][0]["primitives"][0]["attributes"]["_FEATURE_ID_0"], 2);
        let t = &doc["extensions"]["EXT_structural_metadata"]["schema"]["classes"]["feature"]["properties"];
        assert_eq!(t["height"]["componentType"], "FLOAT64");
        assert_eq!(property_id("building:levels"), "building_levels");
        assert_eq!(property_id("3d"), "_3d");
    }
}
