//! glTF 2.0 (GLB) content: meshes with their node transforms, feature ids (`EXT_mesh_features`,
//! or b3dm's `_BATCHID`) and the property table of `EXT_structural_metadata`.
//!
//! The document is parsed and validated by the `gltf` crate; accessors are read here, so that
//! every component type (float, normalised or not integers: `KHR_mesh_quantization`) and any
//! byte stride is handled, and a view running past the buffer is an error, not a panic.
use city_core::AttributeValue;
use gltf::accessor::{DataType, Dimensions};
use serde_json::Value;

use super::decoded_content::{DecodedContent, FeatureProperties, MeshPart, PointCloud, TextureImage};
use crate::{Mat4, TilesError};

/// Decodes a GLB. `tile_from_gltf` places the glTF scene in the tile's frame (the y-up to z-up
/// rotation, and any RTC translation); `batch_id` names the feature-id attribute of legacy
/// b3dm content (`_BATCHID`), used when the primitive has no `EXT_mesh_features`.
pub fn decode_glb(bytes: &[u8], uri: &str, tile_from_gltf: Mat4) -> Result<DecodedContent, TilesError> {
    let patched = tolerate_extensions(bytes, uri)?;
    let gltf =
        gltf::Gltf::from_slice(patched.as_deref().unwrap_or(bytes)).map_err(|e| TilesError::format(uri, "glTF", e))?;
    let blob: &[u8] = gltf.blob.as_deref().unwrap_or(&[]);
    for b in gltf.buffers() {
        if let gltf::buffer::Source::Uri(u) = b.source() {
            return Err(TilesError::Unsupported {
                uri: uri.to_owned(),
                what: format!("glTF buffer in another file ({u:.40})"),
            });
        }
    }
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
                decode_primitive(&prim, blob, uri, &at, here, &mut out, &mut table_used)?;
            }
        }
        stack.extend(node.children().map(|c| (c, here)));
    }
    if let Some(meta) = gltf.extension_value("EXT_structural_metadata") {
        out.properties = property_table(meta, &gltf, blob, uri, table_used.unwrap_or(0))?;
    }
    Ok(out)
}

/// Required extensions this decoder handles or can safely ignore: quantised attributes (read
/// by `read_floats`), RTC centres, unlit or technique-based materials (drawn with our own),
/// the metadata extensions, texture transforms (textures are not drawn).
const TOLERATED: [&str; 7] = [
    "KHR_mesh_quantization",
    "KHR_techniques_webgl",
    "KHR_materials_unlit",
    "CESIUM_RTC",
    "EXT_mesh_features",
    "EXT_structural_metadata",
    "KHR_texture_transform",
];

/// The `gltf` crate refuses files that require an extension it does not know. When every
/// required extension is one we handle or can ignore, returns the GLB with them taken out of
/// `extensionsRequired` (the rest of the file unchanged); `None` when nothing needs changing.
fn tolerate_extensions(bytes: &[u8], uri: &str) -> Result<Option<Vec<u8>>, TilesError> {
    let u32_at = |o: usize| bytes.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let (Some(json_len), true) = (u32_at(12), bytes.get(16..20) == Some(b"JSON")) else { return Ok(None) };
    let Some(json_bytes) = bytes.get(20..20 + json_len) else { return Ok(None) };
    let Ok(mut json) = serde_json::from_slice::<Value>(json_bytes) else { return Ok(None) };
    let Some(required) = json.get("extensionsRequired").and_then(Value::as_array) else { return Ok(None) };
    if required.is_empty() {
        return Ok(None);
    }
    if let Some(other) = required.iter().filter_map(Value::as_str).find(|r| !TOLERATED.contains(r)) {
        return Err(TilesError::Unsupported { uri: uri.to_owned(), what: format!("required glTF extension {other}") });
    }
    json["extensionsRequired"] = Value::Array(Vec::new());
    let mut new_json = serde_json::to_vec(&json).unwrap_or_default();
    while new_json.len() % 4 != 0 {
        new_json.push(b' ');
    }
    let rest = &bytes[20 + json_len..];
    let total = 20 + new_json.len() + rest.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&bytes[0..8]);
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(new_json.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&new_json);
    out.extend_from_slice(rest);
    Ok(Some(out))
}

fn decode_primitive(
    prim: &gltf::Primitive<'_>,
    blob: &[u8],
    uri: &str,
    at: &str,
    tile_from_mesh: Mat4,
    out: &mut DecodedContent,
    table_used: &mut Option<usize>,
) -> Result<(), TilesError> {
    use gltf::mesh::{Mode, Semantic};
    let Some(pos) = prim.get(&Semantic::Positions) else {
        out.notes.push(format!("{at}: no positions"));
        return Ok(());
    };
    let positions = vec3s(&read_floats(&pos, blob, uri, at)?);
    let colors = match prim.get(&Semantic::Colors(0)) {
        Some(a) => {
            let f = read_floats(&a, blob, uri, at)?;
            Some(match a.dimensions() {
                Dimensions::Vec3 => f.chunks_exact(3).map(|c| [c[0], c[1], c[2], 1.0]).collect(),
                _ => f.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect(),
            })
        }
        None => None,
    };
    if prim.mode() == Mode::Points {
        out.points.push(PointCloud { tile_from_points: tile_from_mesh, positions, colors });
        return Ok(());
    }
    if prim.mode() != Mode::Triangles {
        out.notes.push(format!("{at}: {:?} primitives are not drawn", prim.mode()));
        return Ok(());
    }
    if prim.extensions().is_some_and(|e| e.contains_key("KHR_draco_mesh_compression")) {
        return Err(TilesError::Unsupported { uri: uri.to_owned(), what: "Draco-compressed meshes".into() });
    }
    let normals = match prim.get(&Semantic::Normals) {
        Some(a) => Some(vec3s(&read_floats(&a, blob, uri, at)?)),
        None => None,
    };
    let indices: Vec<u32> = match prim.indices() {
        Some(a) => read_floats(&a, blob, uri, at)?.into_iter().map(|f| f as u32).collect(),
        None => (0..positions.len() as u32).collect(),
    };
    if let Some(bad) = indices.iter().find(|&&i| i as usize >= positions.len()) {
        return Err(TilesError::format(uri, at, format!("index {bad} past the {} vertices", positions.len())));
    }
    // Feature ids: EXT_mesh_features' first attribute-based set, else b3dm's _BATCHID.
    let mut feature_attr = None;
    if let Some(ids) = prim.extension_value("EXT_mesh_features").and_then(|v| v["featureIds"].as_array()) {
        if let Some(set) = ids.iter().find(|s| s["attribute"].is_u64()) {
            feature_attr = Some(format!("FEATURE_ID_{}", set["attribute"].as_u64().unwrap_or(0)));
            *table_used = set["propertyTable"].as_u64().map(|t| t as usize).or(*table_used);
        } else if !ids.is_empty() {
            out.notes.push(format!("{at}: texture or implicit feature ids are not read"));
        }
    }
    let feature_attr = feature_attr.unwrap_or_else(|| "BATCHID".into());
    let feature_ids = match prim.get(&Semantic::Extras(feature_attr)) {
        Some(a) => Some(read_floats(&a, blob, uri, at)?.into_iter().map(|f| f.max(0.0) as u32).collect()),
        None => None,
    };
    let pbr = prim.material().pbr_metallic_roughness();
    let c = pbr.base_color_factor();
    // A base colour texture embedded in the GLB (a buffer view), with its coordinates.
    let (mut uvs, mut texture) = (None, None);
    if let (Some(info), Some(tc)) = (pbr.base_color_texture(), prim.get(&Semantic::TexCoords(0))) {
        match info.texture().source().source() {
            gltf::image::Source::View { view, .. } => {
                let bytes = blob.get(view.offset()..view.offset() + view.length()).unwrap_or(&[]);
                match image::load_from_memory(bytes) {
                    Ok(img) => {
                        let rgba = img.to_rgba8();
                        let (width, height) = rgba.dimensions();
                        texture = Some(std::sync::Arc::new(TextureImage { width, height, rgba: rgba.into_raw() }));
                        uvs = Some(read_floats(&tc, blob, uri, at)?.chunks_exact(2).map(|c| [c[0], c[1]]).collect());
                    }
                    Err(e) => out.notes.push(format!("{at}: texture not decoded ({e}): drawn untextured")),
                }
            }
            gltf::image::Source::Uri { .. } => out.notes.push(format!("{at}: external texture images are not read")),
        }
    }
    out.meshes.push(MeshPart {
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

fn vec3s(f: &[f32]) -> Vec<[f32; 3]> {
    f.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
}

/// Every component of an accessor as f32 (normalised integers scaled to [0, 1] or [-1, 1]).
fn read_floats(a: &gltf::Accessor<'_>, blob: &[u8], uri: &str, at: &str) -> Result<Vec<f32>, TilesError> {
    let n = a.dimensions().multiplicity();
    let size = a.data_type().size();
    let count = a.count();
    if a.sparse().is_some() {
        return Err(TilesError::Unsupported {
            uri: uri.to_owned(),
            what: format!("{at}: sparse accessor {}", a.index()),
        });
    }
    let Some(view) = a.view() else {
        return Ok(vec![0.0; count * n]); // no view: all zeros (glTF 2.0, 3.6.2.3)
    };
    let stride = view.stride().unwrap_or(n * size);
    let start = view.offset() + a.offset();
    let needed = if count == 0 { 0 } else { (count - 1) * stride + n * size };
    let end = start.saturating_add(needed);
    if end > view.offset() + view.length() || end > blob.len() {
        return Err(TilesError::format(
            uri,
            format!("{at}, accessor {}", a.index()),
            format!("reads bytes {start}..{end}, past its buffer view or the {}-byte BIN chunk", blob.len()),
        ));
    }
    let norm = a.normalized();
    let mut out = Vec::with_capacity(count * n);
    for i in 0..count {
        for k in 0..n {
            let o = start + i * stride + k * size;
            let b = &blob[o..o + size];
            let v = match a.data_type() {
                DataType::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                DataType::U32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
                DataType::U16 => {
                    let v = f32::from(u16::from_le_bytes([b[0], b[1]]));
                    if norm { v / 65535.0 } else { v }
                }
                DataType::I16 => {
                    let v = f32::from(i16::from_le_bytes([b[0], b[1]]));
                    if norm { (v / 32767.0).max(-1.0) } else { v }
                }
                DataType::U8 => {
                    let v = f32::from(b[0]);
                    if norm { v / 255.0 } else { v }
                }
                DataType::I8 => {
                    let v = f32::from(b[0] as i8);
                    if norm { (v / 127.0).max(-1.0) } else { v }
                }
            };
            out.push(v);
        }
    }
    Ok(out)
}

/// The bytes of a buffer view of the BIN chunk.
fn view_bytes<'b>(
    gltf: &gltf::Gltf,
    blob: &'b [u8],
    index: u64,
    uri: &str,
    what: &str,
) -> Result<&'b [u8], TilesError> {
    let view = gltf
        .views()
        .nth(index as usize)
        .ok_or_else(|| TilesError::format(uri, what, format!("bufferView {index} does not exist")))?;
    let (s, e) = (view.offset(), view.offset() + view.length());
    blob.get(s..e).ok_or_else(|| TilesError::format(uri, what, format!("bufferView {index} runs past the BIN chunk")))
}

/// Property table `table` of `EXT_structural_metadata`, read with its class: scalars (every
/// component type), strings and booleans; other types are noted and skipped.
fn property_table(
    meta: &Value,
    gltf: &gltf::Gltf,
    blob: &[u8],
    uri: &str,
    table: usize,
) -> Result<FeatureProperties, TilesError> {
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
        let values = view_bytes(gltf, blob, values_view, uri, &what)?;
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
                let offs = view_bytes(gltf, blob, offs_view, uri, &what)?;
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
