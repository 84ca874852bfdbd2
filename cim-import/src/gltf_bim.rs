//! BIM delivered as glTF: GLB or glTF files whose nodes are building elements, each with its id
//! and properties in the node's `extras` (what IFC-to-glTF exporters write). Every node with a
//! mesh becomes a `BimElement` feature:
//! - id: `extras.GlobalId`, `extras.globalId`, `extras.id`, else the node's name, else `node N`;
//! - attributes: the scalar values of `extras` (nested objects flattened as `a.b`), typed, and
//!   `name`; `ifc:class` from `extras.class`/`extras.ifcClass`/`extras.type` when given;
//! - geometry: the node's triangles through its world matrix, glTF's y-up turned to z-up.
//!
//! glTF carries no georeference: the model is placed with `--place` (an error otherwise).
use std::path::Path;

use city_core::{AttributeValue, Attributes, Crs, Vec3};

use crate::object_sink::hand_over;
use crate::{ImportError, Imported, ObjectSink, Placement, ReadOptions, Skipped, Surface};

/// Names an element's id is looked for under in `extras`, in order.
const ID_KEYS: [&str; 4] = ["GlobalId", "globalId", "globalid", "id"];
/// Names its IFC class is looked for under.
const CLASS_KEYS: [&str; 4] = ["ifc:class", "ifcClass", "class", "type"];

/// Reads a glTF or GLB whose nodes are building elements, placed at `place`.
pub(crate) fn read_gltf_bim(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    hand_over(read_placed(path, opts.place)?, sink)
}

/// The whole model's nodes, placed.
fn read_placed(path: &Path, place: Option<Placement>) -> Result<Imported, ImportError> {
    let fail = |reason: String| ImportError::Format { file: path.to_owned(), reason };
    let place = place.ok_or_else(|| ImportError::NoPlacement { file: path.to_owned(), what: "glTF", detail: "" })?;
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
    let bytes = city_core::without_bom(&bytes);
    city_tiles::check_gltf(bytes, "the glTF").map_err(|e| fail(format!("not glTF 2.0: {e}")))?;
    let gltf = gltf::Gltf::from_slice(bytes).map_err(|e| fail(format!("not glTF 2.0: {e}")))?;
    // glTF 1.0 parses as 2.0 here (the schema is lenient) but means other things.
    if !gltf.as_json().asset.version.starts_with("2.") {
        return Err(fail(format!("asset.version {:?}: only glTF 2.0 is read", gltf.as_json().asset.version)));
    }
    // Buffers: the GLB's binary chunk, `data:` URIs, or files beside a .gltf.
    let mut buffers = Vec::new();
    for b in gltf.buffers() {
        let data = match b.source() {
            gltf::buffer::Source::Bin => gltf.blob.clone().ok_or_else(|| fail("the GLB has no binary chunk".into()))?,
            gltf::buffer::Source::Uri(uri) if uri.starts_with("data:") => city_core::data_uri_bytes(uri)
                .unwrap_or_else(|| Err("not a data: URI".into()))
                .map_err(|why| fail(format!("buffer {}: {why}", b.index())))?,
            gltf::buffer::Source::Uri(uri) => {
                let file =
                    crate::inside_folder::file_beside(path, uri).map_err(|why| fail(format!("buffer {uri}: {why}")))?;
                std::fs::read(&file).map_err(|e| fail(format!("buffer {uri}: {e}")))?
            }
        };
        buffers.push(data);
    }
    let crs = Crs::from_epsg(4979).map_err(|e| fail(e.to_string()))?;
    // Model metres (z up) to EPSG:4979 latitude, longitude, height.
    let to_crs = place.to_wgs84();
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let scene = gltf.default_scene().or_else(|| gltf.scenes().next());
    let mut stack: Vec<(gltf::Node<'_>, [[f64; 4]; 4])> =
        scene.iter().flat_map(|s| s.nodes()).map(|n| (n, IDENTITY)).collect();
    // glTF requires nodes to form trees; a file that loops must not hang the import.
    let mut visited = std::collections::HashSet::new();
    while let Some((node, parent)) = stack.pop() {
        if !visited.insert(node.index()) {
            let reason =
                format!("node {} is reached twice (the node hierarchy is not a tree): read once", node.index());
            skipped.push(Skipped { file: path.to_owned(), id: format!("node {}", node.index()), reason });
            continue;
        }
        let world = mul(&parent, &node.transform().matrix().map(|c| c.map(f64::from)));
        for child in node.children() {
            stack.push((child, world));
        }
        let Some(mesh) = node.mesh() else { continue };
        let extras: serde_json::Map<String, serde_json::Value> = node
            .extras()
            .as_ref()
            .and_then(|r| serde_json::from_str(r.get()).ok())
            .and_then(|v: serde_json::Value| v.as_object().cloned())
            .unwrap_or_default();
        let text = |keys: &[&str]| keys.iter().find_map(|k| extras.get(*k)).and_then(|v| v.as_str()).map(str::to_owned);
        let mut id = text(&ID_KEYS)
            .or_else(|| node.name().map(str::to_owned))
            .unwrap_or_else(|| format!("node {}", node.index()));
        if !seen.insert(id.clone()) {
            id = format!("{id}#{}", node.index());
        }
        let mut surfaces = Vec::new();
        for prim in mesh.primitives() {
            if prim.mode() != gltf::mesh::Mode::Triangles {
                continue;
            }
            let reader = prim.reader(|b| buffers.get(b.index()).map(Vec::as_slice));
            let Some(positions) = reader.read_positions() else { continue };
            let positions: Vec<Vec3> = positions
                .map(|p| {
                    let q = point(&world, p.map(f64::from));
                    // glTF y-up to z-up: (x, y, z) -> (x, -z, y).
                    to_crs([q[0], -q[2], q[1]])
                })
                .collect();
            let indices: Vec<u32> = match reader.read_indices() {
                Some(i) => i.into_u32().collect(),
                None => (0..positions.len() as u32).collect(),
            };
            for t in indices.chunks_exact(3) {
                let corner = |i: u32| positions.get(i as usize).copied();
                if let (Some(a), Some(b), Some(c)) = (corner(t[0]), corner(t[1]), corner(t[2])) {
                    surfaces.push(Surface { rings: vec![vec![a, b, c]], ..Surface::default() });
                }
            }
        }
        if surfaces.is_empty() {
            let reason = format!("node {}: no triangles: skipped", node.index());
            skipped.push(Skipped { file: path.to_owned(), id, reason });
            continue;
        }
        let mut attributes = Attributes::new();
        flatten("", &extras, &mut attributes);
        if let Some(class) = text(&CLASS_KEYS) {
            attributes.insert("ifc:class".into(), AttributeValue::Text(class));
        }
        if let Some(name) = node.name() {
            attributes.entry("name".into()).or_insert_with(|| AttributeValue::Text(name.to_owned()));
        }
        objects.push(crate::ifc::bim_object(id, attributes, surfaces, true));
    }
    if objects.is_empty() {
        return Err(fail("no node with triangles".into()));
    }
    Ok(Imported { file: path.to_owned(), crs: Some(crs), objects, skipped, warnings: Vec::new(), textures: Vec::new() })
}

const IDENTITY: [[f64; 4]; 4] =
    [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];

/// `a × b` for glTF's column-major matrices (`m[column][row]`).
fn mul(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> [[f64; 4]; 4] {
    std::array::from_fn(|c| std::array::from_fn(|r| (0..4).map(|k| a[k][r] * b[c][k]).sum()))
}

fn point(m: &[[f64; 4]; 4], p: Vec3) -> Vec3 {
    std::array::from_fn(|r| m[0][r] * p[0] + m[1][r] * p[1] + m[2][r] * p[2] + m[3][r])
}

/// Scalar values of `extras` as attributes, nested objects as `a.b`.
fn flatten(prefix: &str, map: &serde_json::Map<String, serde_json::Value>, out: &mut Attributes) {
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            serde_json::Value::Object(m) => flatten(&key, m, out),
            serde_json::Value::Array(_) | serde_json::Value::Null => {}
            v => {
                out.insert(key, AttributeValue::from(v));
            }
        }
    }
}
