//! glTF 2.0 content (GLB, or `.gltf` with its files): meshes with their node transforms, feature
//! ids (`EXT_mesh_features`, or b3dm's `_BATCHID`) and the property table of
//! `EXT_structural_metadata`.
//!
//! The document is parsed and validated by the `gltf` crate; bytes come through [`GltfData`]
//! (buffers, meshopt views, sparse accessors) or, for Draco primitives, from
//! [`decode_draco`], so that this file reads one shape of data whatever the producer wrote:
//! every component type (`KHR_mesh_quantization`), any byte stride, texture transforms applied.
use city_core::AttributeValue;
use gltf::accessor::Dimensions;
use serde_json::Value;

use super::decoded_content::{
    DecodedContent, FeatureProperties, MeshPart, PointCloud, PointProperty, PointSource, TextureImage,
};
use super::draco_primitive::{DracoPrimitive, decode_draco};
use super::gltf_data::GltfData;
use crate::{ContentLoader, Mat4, TilesError};

/// Decodes a self-contained GLB (everything in its BIN chunk); see [`decode_gltf`].
pub fn decode_glb(bytes: &[u8], uri: &str, tile_from_gltf: Mat4) -> Result<DecodedContent, TilesError> {
    decode_gltf(bytes, uri, tile_from_gltf, &crate::NoResources)
}

/// Decodes glTF content: a GLB or a `.gltf`, whose separate files (buffers, images) are read
/// through `resources`, relative to `uri`. `tile_from_gltf` places the glTF scene in the tile's
/// frame (the y-up to z-up rotation, and any RTC translation).
pub fn decode_gltf(
    bytes: &[u8],
    uri: &str,
    tile_from_gltf: Mat4,
    resources: &dyn ContentLoader,
) -> Result<DecodedContent, TilesError> {
    let data = GltfData::open(bytes, uri, resources)?;
    let gltf = &data.doc;
    let mut out = DecodedContent::default();
    // CESIUM_RTC (1.0-era content): positions relative to a centre in the tile's frame.
    let rtc = gltf
        .extension_value("CESIUM_RTC")
        .and_then(|v| v["center"].as_array())
        .map(|c| std::array::from_fn::<f64, 3, _>(|i| c.get(i).and_then(Value::as_f64).unwrap_or(0.0)));
    let base = match rtc {
        Some(c) => Mat4::from_translation(c).mul(&tile_from_gltf),
        None => tile_from_gltf,
    };
    let scene = gltf.default_scene().or_else(|| gltf.scenes().next());
    let Some(scene) = scene else {
        out.notes.push("no scene".into());
        return Ok(out);
    };
    let mut stack: Vec<(gltf::Node<'_>, Mat4)> = scene.nodes().map(|n| (n, base)).collect();
    let mut table_used = None;
    let mut guard = 0;
    while let Some((node, parent)) = stack.pop() {
        guard += 1;
        if guard > 100_000 {
            return Err(TilesError::format(uri, "nodes", "node hierarchy too deep or cyclic"));
        }
        let m = node.transform().matrix();
        let local = Mat4(std::array::from_fn(|i| f64::from(m[i / 4][i % 4])));
        let here = parent.mul(&local);
        if let Some(mesh) = node.mesh() {
            for (pi, prim) in mesh.primitives().enumerate() {
                let at = format!("mesh {} primitive {pi}", mesh.index());
                decode_primitive(&prim, &data, resources, &at, here, &mut out, &mut table_used)?;
            }
        }
        stack.extend(node.children().map(|c| (c, here)));
    }
    if let Some(meta) = gltf.extension_value("EXT_structural_metadata") {
        out.properties = property_table(meta, &data, table_used.unwrap_or(0))?;
    }
    Ok(out)
}

/// One vertex attribute by its glTF name, as f32 components: from the Draco stream when the
/// primitive has one, else from its accessor. `None` when the primitive lacks it.
fn attribute(
    prim: &gltf::Primitive<'_>,
    draco: Option<&DracoPrimitive>,
    data: &GltfData<'_>,
    name: &str,
    at: &str,
) -> Result<Option<(Vec<f32>, Dimensions)>, TilesError> {
    let Some(accessor) = prim.attributes().find(|(s, _)| s.to_string() == name).map(|(_, a)| a) else {
        return Ok(None);
    };
    let dims = accessor.dimensions();
    if let Some(d) = draco.and_then(|d| d.attributes.get(name)) {
        return Ok(Some((d.clone(), dims)));
    }
    Ok(Some((data.read_floats(&accessor, at)?, dims)))
}

fn decode_primitive(
    prim: &gltf::Primitive<'_>,
    data: &GltfData<'_>,
    resources: &dyn ContentLoader,
    at: &str,
    tile_from_mesh: Mat4,
    out: &mut DecodedContent,
    table_used: &mut Option<usize>,
) -> Result<(), TilesError> {
    use gltf::mesh::Mode;
    let uri = data.uri.as_str();
    let draco = decode_draco(prim, data, at)?;
    let draco = draco.as_ref();
    let Some((positions, _)) = attribute(prim, draco, data, "POSITION", at)? else {
        out.notes.push(format!("{at}: no positions"));
        return Ok(());
    };
    let positions = vec3s(&positions);
    let colors = attribute(prim, draco, data, "COLOR_0", at)?.map(|(f, dims)| match dims {
        Dimensions::Vec3 => f.chunks_exact(3).map(|c| [c[0], c[1], c[2], 1.0]).collect(),
        _ => f.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect(),
    });
    if prim.mode() == Mode::Points {
        out.points.push(PointCloud { tile_from_points: tile_from_mesh, positions, colors });
        return Ok(());
    }
    if prim.mode() != Mode::Triangles {
        out.notes.push(format!("{at}: {:?} primitives are not drawn", prim.mode()));
        return Ok(());
    }
    let normals = attribute(prim, draco, data, "NORMAL", at)?.map(|(f, _)| vec3s(&f));
    let indices: Vec<u32> = match (draco, prim.indices()) {
        (Some(d), _) => d.indices.clone(),
        (None, Some(a)) => data.read_floats(&a, at)?.into_iter().map(|f| f as u32).collect(),
        (None, None) => (0..positions.len() as u32).collect(),
    };
    if let Some(bad) = indices.iter().find(|&&i| i as usize >= positions.len()) {
        return Err(TilesError::format(uri, at, format!("index {bad} past the {} vertices", positions.len())));
    }
    // Feature ids: EXT_mesh_features' first attribute-based set, else b3dm's _BATCHID.
    let mut feature_attr = None;
    if let Some(ids) = prim.extension_value("EXT_mesh_features").and_then(|v| v["featureIds"].as_array()) {
        if let Some(set) = ids.iter().find(|s| s["attribute"].is_u64()) {
            feature_attr = Some(format!("_FEATURE_ID_{}", set["attribute"].as_u64().unwrap_or(0)));
            *table_used = set["propertyTable"].as_u64().map(|t| t as usize).or(*table_used);
        } else if !ids.is_empty() {
            out.notes.push(format!("{at}: texture or implicit feature ids are not read"));
        }
    }
    let feature_attr = feature_attr.unwrap_or_else(|| "_BATCHID".into());
    let feature_ids = attribute(prim, draco, data, &feature_attr, at)?
        .map(|(f, _)| f.into_iter().map(|f| f.max(0.0) as u32).collect());
    let pbr = prim.material().pbr_metallic_roughness();
    let c = pbr.base_color_factor();
    // The base colour texture, with its coordinates (texture transform applied).
    let (mut uvs, mut texture) = (None, None);
    if let Some(info) = pbr.base_color_texture() {
        let material = prim.material().index().map_or(&Value::Null, |m| &data.json["materials"][m]);
        let transform = material["pbrMetallicRoughness"]["baseColorTexture"]["extensions"].get("KHR_texture_transform");
        let set = transform.and_then(|t| t["texCoord"].as_u64()).map_or(info.tex_coord(), |s| s as u32);
        if let Some((tc, _)) = attribute(prim, draco, data, &format!("TEXCOORD_{set}"), at)? {
            let image = info.texture().source();
            match data.image_bytes(&image, resources).map(|b| image::load_from_memory(&b)) {
                Ok(Ok(img)) => {
                    let rgba = img.to_rgba8();
                    let (width, height) = rgba.dimensions();
                    texture = Some(std::sync::Arc::new(TextureImage { width, height, rgba: rgba.into_raw() }));
                    let mut coords: Vec<[f32; 2]> = tc.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
                    if let Some(t) = transform {
                        apply_texture_transform(t, &mut coords);
                    }
                    uvs = Some(coords);
                }
                Ok(Err(e)) => out.notes.push(format!("{at}: texture not decoded ({e}): drawn untextured")),
                Err(e) => out.notes.push(format!("{at}: texture not read ({e}): drawn untextured")),
            }
        }
    }
    let point_properties = point_properties(prim, draco, data, resources, at, &mut out.notes)?;
    out.meshes.push(MeshPart {
        point_properties,
        tile_from_mesh,
        instances: Vec::new(),
        positions,
        normals,
        colors,
        indices,
        feature_ids,
        base_color: c,
        uvs,
        texture,
    });
    Ok(())
}

/// The primitive's `EXT_structural_metadata` property attributes and property textures, with
/// their class definitions. A texture that cannot be read is a note; its property is left out.
fn point_properties(
    prim: &gltf::Primitive<'_>,
    draco: Option<&DracoPrimitive>,
    data: &GltfData<'_>,
    resources: &dyn ContentLoader,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<PointProperty>, TilesError> {
    let (Some(meta), Some(here)) =
        (data.doc.extension_value("EXT_structural_metadata"), prim.extension_value("EXT_structural_metadata"))
    else {
        return Ok(Vec::new());
    };
    let indices = |key: &str| here[key].as_array().into_iter().flatten().filter_map(Value::as_u64).collect::<Vec<_>>();
    let mut out = Vec::new();
    for (key, textured) in [("propertyAttributes", false), ("propertyTextures", true)] {
        for i in indices(key) {
            let entity = &meta[key][i as usize];
            let class = &meta["schema"]["classes"][entity["class"].as_str().unwrap_or("")]["properties"];
            for (id, p) in entity["properties"].as_object().into_iter().flatten() {
                let def = &class[id];
                let num = |v: &Value, k: &str, d: f64| v[k].as_f64().unwrap_or(d);
                let mut prop = PointProperty {
                    name: def["name"].as_str().unwrap_or(id).to_owned(),
                    source: PointSource::Vertex { components: 1, values: Vec::new() },
                    component_type: def["componentType"].as_str().unwrap_or("UINT8").to_owned(),
                    normalized: def["normalized"].as_bool() == Some(true),
                    offset: num(p, "offset", num(def, "offset", 0.0)),
                    scale: num(p, "scale", num(def, "scale", 1.0)),
                };
                if textured {
                    let set = p["texCoord"].as_u64().unwrap_or(0);
                    let texture = p["index"].as_u64().and_then(|t| data.doc.textures().nth(t as usize));
                    let (Some(texture), Some((uv, _))) =
                        (texture, attribute(prim, draco, data, &format!("TEXCOORD_{set}"), at)?)
                    else {
                        notes.push(format!("{at}: property texture {id} without its texture or coordinates"));
                        continue;
                    };
                    let image =
                        match data.image_bytes(&texture.source(), resources).map(|b| image::load_from_memory(&b)) {
                            Ok(Ok(img)) => {
                                let rgba = img.to_rgba8();
                                let (width, height) = rgba.dimensions();
                                std::sync::Arc::new(TextureImage { width, height, rgba: rgba.into_raw() })
                            }
                            _ => {
                                notes.push(format!("{at}: property texture {id}: its image does not decode"));
                                continue;
                            }
                        };
                    let channels = p["channels"]
                        .as_array()
                        .map_or(vec![0], |c| c.iter().filter_map(Value::as_u64).map(|c| c.min(3) as u8).collect());
                    let uvs = uv.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
                    prop.source = PointSource::Texture { image, uvs, channels };
                } else {
                    let name = p["attribute"].as_str().unwrap_or("");
                    let Some((values, dims)) = attribute(prim, draco, data, name, at)? else {
                        notes.push(format!("{at}: property attribute {id}: no attribute {name:?}"));
                        continue;
                    };
                    prop.source = PointSource::Vertex { components: dims.multiplicity(), values };
                }
                out.push(prop);
            }
        }
    }
    Ok(out)
}

/// `KHR_texture_transform`: `uv' = T * R * S * uv` (offset, rotation counter-clockwise in
/// radians, scale), as the extension's reference shader does.
fn apply_texture_transform(t: &Value, uvs: &mut [[f32; 2]]) {
    let pair = |k: &str, d: f32| {
        let v = &t[k];
        [v[0].as_f64().map_or(d, |x| x as f32), v[1].as_f64().map_or(d, |x| x as f32)]
    };
    let ([ox, oy], [sx, sy]) = (pair("offset", 0.0), pair("scale", 1.0));
    let r = t["rotation"].as_f64().unwrap_or(0.0) as f32;
    let (s, c) = r.sin_cos();
    for uv in uvs {
        let [u, v] = *uv;
        *uv = [ox + c * sx * u + s * sy * v, oy - s * sx * u + c * sy * v];
    }
}

fn vec3s(f: &[f32]) -> Vec<[f32; 3]> {
    f.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
}

/// Property table `table` of `EXT_structural_metadata`, read with its class: scalars (every
/// component type), strings and booleans; other types are noted and skipped.
fn property_table(meta: &Value, data: &GltfData<'_>, table: usize) -> Result<FeatureProperties, TilesError> {
    let uri = data.uri.as_str();
    let Some(t) = meta["propertyTables"].get(table) else { return Ok(FeatureProperties::default()) };
    let count = t["count"].as_u64().unwrap_or(0) as usize;
    let class = &meta["schema"]["classes"][t["class"].as_str().unwrap_or("")]["properties"];
    let mut columns = Vec::new();
    for (id, col) in t["properties"].as_object().into_iter().flatten() {
        let def = &class[id];
        let name = def["name"].as_str().unwrap_or(id).to_owned();
        let what = format!("EXT_structural_metadata property {id}");
        let Some(values_view) = col["values"].as_u64() else { continue };
        if def["array"].as_bool() == Some(true) {
            continue;
        }
        let values = data.view(values_view as usize, &what)?;
        let column: Vec<AttributeValue> = match def["type"].as_str() {
            Some("SCALAR") => {
                let ct = def["componentType"].as_str().unwrap_or("");
                let size = match ct {
                    "INT8" | "UINT8" => 1,
                    "INT16" | "UINT16" => 2,
                    "INT32" | "UINT32" | "FLOAT32" => 4,
                    _ => 8,
                };
                if values.len() < count * size {
                    return Err(TilesError::format(
                        uri,
                        &what,
                        format!("{} bytes for {count} values of {ct}", values.len()),
                    ));
                }
                let no_data = def["noData"].as_f64();
                (0..count)
                    .map(|i| {
                        let b = &values[i * size..(i + 1) * size];
                        let v = match ct {
                            "INT8" => f64::from(b[0] as i8),
                            "UINT8" => f64::from(b[0]),
                            "INT16" => f64::from(i16::from_le_bytes([b[0], b[1]])),
                            "UINT16" => f64::from(u16::from_le_bytes([b[0], b[1]])),
                            "INT32" => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                            "UINT32" => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                            "FLOAT32" => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                            "INT64" => i64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f64,
                            "UINT64" => u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f64,
                            _ => f64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
                        };
                        if no_data == Some(v) { AttributeValue::Null } else { AttributeValue::Float(v) }
                    })
                    .collect()
            }
            Some("STRING") => {
                let offs_view =
                    col["stringOffsets"].as_u64().ok_or_else(|| TilesError::format(uri, &what, "no stringOffsets"))?;
                let offs = data.view(offs_view as usize, &what)?;
                let width = match col["stringOffsetType"].as_str().unwrap_or("UINT32") {
                    "UINT8" => 1,
                    "UINT16" => 2,
                    "UINT64" => 8,
                    _ => 4,
                };
                let off = |i: usize| -> Option<usize> {
                    let b = offs.get(i * width..(i + 1) * width)?;
                    Some(match width {
                        1 => usize::from(b[0]),
                        2 => usize::from(u16::from_le_bytes([b[0], b[1]])),
                        8 => u64::from_le_bytes(b.try_into().ok()?) as usize,
                        _ => u32::from_le_bytes(b.try_into().ok()?) as usize,
                    })
                };
                (0..count)
                    .map(|i| {
                        let (s, e) = (off(i), off(i + 1));
                        match (s, e) {
                            (Some(s), Some(e)) if s <= e && e <= values.len() => {
                                Ok(AttributeValue::Text(String::from_utf8_lossy(&values[s..e]).into_owned()))
                            }
                            _ => Err(TilesError::format(uri, &what, format!("string {i} runs past its buffer view"))),
                        }
                    })
                    .collect::<Result<_, _>>()?
            }
            Some("BOOLEAN") => (0..count)
                .map(|i| AttributeValue::Bool(values.get(i / 8).is_some_and(|b| (b >> (i % 8)) & 1 == 1)))
                .collect(),
            _ => continue,
        };
        columns.push((name, column));
    }
    Ok(FeatureProperties { count, columns })
}
