//! `KHR_draco_mesh_compression`: a primitive whose indices and attributes are one Draco stream
//! in a buffer view, decoded with `draco-oxide` (Re:Earth's pure-Rust Draco, interoperable with
//! Google's encoder both ways; built for PLATEAU's tiles).
//!
//! Draco points are the glTF vertices; each glTF attribute names the Draco attribute (by its
//! unique id) that holds it. The primitive's accessors still give each attribute's component
//! type and normalisation, which the decoded integers are read with.
use std::collections::HashMap;

use draco_oxide_decoder::Geometry;
use gltf::accessor::DataType;

use super::gltf_data::{GltfData, component};
use crate::TilesError;

/// A decoded Draco primitive: its triangles and its attributes by glTF name (`POSITION`,
/// `_FEATURE_ID_0`...), each as f32 components.
pub(super) struct DracoPrimitive {
    /// Triangle corners.
    pub indices: Vec<u32>,
    /// glTF attribute name -> every component of every vertex.
    pub attributes: HashMap<String, Vec<f32>>,
}

/// Decodes the primitive's Draco stream, or `None` when it has none.
pub(super) fn decode_draco(
    prim: &gltf::Primitive<'_>,
    data: &GltfData<'_>,
    at: &str,
) -> Result<Option<DracoPrimitive>, TilesError> {
    let Some(ext) = prim.extension_value("KHR_draco_mesh_compression") else { return Ok(None) };
    let what = format!("{at}, KHR_draco_mesh_compression");
    let fail = |reason: String| TilesError::format(&data.uri, &what, reason);
    let view = ext["bufferView"].as_u64().ok_or_else(|| fail("no bufferView".into()))?;
    let wanted: Vec<(String, u64, bool)> = ext["attributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, id)| {
            let accessor = prim.attributes().find(|(s, _)| s.to_string() == *name).map(|(_, a)| a);
            (name.clone(), id.as_u64().unwrap_or(u64::MAX), accessor.as_ref().is_some_and(gltf::Accessor::normalized))
        })
        .collect();
    decode_stream(data.view(view as usize, &what)?, &wanted).map(Some).map_err(fail)
}

/// Decodes a Draco stream (a mesh or a point cloud) and reads the attributes `wanted`: (name,
/// Draco unique id, whether integers are normalised). Shared by glTF primitives and pnts
/// (`3DTILES_draco_point_compression`).
pub(super) fn decode_stream(bytes: &[u8], wanted: &[(String, u64, bool)]) -> Result<DracoPrimitive, String> {
    // Header: "DRACO", version major and minor, geometry type (0 points, 1 mesh), method.
    if bytes.starts_with(b"DRACO") && bytes.get(7) == Some(&0) && bytes.get(8) == Some(&0) {
        return Err("a Draco point cloud written with the sequential method: draco-oxide reads kd-tree \
                    point clouds only"
            .into());
    }
    let geometry = draco_oxide_decoder::decode(bytes).map_err(|e| format!("the Draco stream does not decode: {e}"))?;
    // A point cloud has no faces: its vertices are drawn as they are.
    let (indices, all): (Vec<u32>, &[draco_oxide_core::attribute::Attribute]) = match &geometry {
        Geometry::Mesh(mesh) => {
            (mesh.get_faces().iter().flatten().map(|&p| usize::from(p) as u32).collect(), mesh.get_attributes())
        }
        Geometry::PointCloud(cloud) => (Vec::new(), cloud.attributes()),
        _ => return Err("a Draco geometry that is neither a mesh nor a point cloud".into()),
    };
    let mut attributes = HashMap::new();
    for (name, id, norm) in wanted {
        let att = all
            .iter()
            .find(|a| a.get_id().as_usize() as u64 == *id)
            .ok_or_else(|| format!("{name}: Draco attribute {id} is not in the stream"))?;
        let ty = data_type(att.get_component_type().get_id())
            .ok_or_else(|| format!("{name}: Draco component type {}", att.get_component_type().get_id()))?;
        let n = att.get_num_components();
        let size = ty.size() * n;
        let values = att.get_data_as_bytes();
        let map = att.point_map_as_slice();
        let mut out = Vec::with_capacity(att.len() * n);
        for p in 0..att.len() {
            let v = map.map_or(p, |m| usize::from(m[p]));
            let bytes = values.get(v * size..(v + 1) * size).ok_or_else(|| format!("{name}: value {v} missing"))?;
            out.extend(bytes.chunks_exact(ty.size()).map(|b| component(b, ty, *norm)));
        }
        attributes.insert(name.clone(), out);
    }
    Ok(DracoPrimitive { indices, attributes })
}

/// The glTF component type of a Draco data type id (`draco::DataType`); 64-bit types have none.
fn data_type(draco_id: u8) -> Option<DataType> {
    Some(match draco_id {
        1 => DataType::I8,
        2 => DataType::U8,
        3 => DataType::I16,
        4 => DataType::U16,
        6 => DataType::U32,
        9 => DataType::F32,
        _ => return None,
    })
}
