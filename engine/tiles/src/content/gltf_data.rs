//! A glTF asset's document and bytes, wherever they come from: the BIN chunk of a GLB, buffers in
//! separate files or `data:` URIs (`.gltf`), and buffer views compressed with
//! `EXT_meshopt_compression`. Accessors are read here, sparse ones included, so that the content
//! decoder sees one shape whatever the producer wrote.
//!
//! Every buffer view is resolved once, when the asset is opened: a tile is small, and a missing
//! buffer file is then one clear error naming it rather than a half-drawn tile.
use std::borrow::Cow;

use gltf::accessor::DataType;
use serde_json::Value;

use super::meshopt_view::decode_meshopt_view;
use crate::{ContentLoader, TilesError};

/// Required extensions this decoder reads, or can draw without: compression (Draco, meshopt),
/// quantised attributes, texture transforms, RTC centres, unlit or technique-based materials
/// (drawn with our own), the metadata extensions, and texture formats the viewer cannot decode
/// (those parts are drawn untextured, with a note).
const TOLERATED: [&str; 12] = [
    "KHR_draco_mesh_compression",
    "EXT_meshopt_compression",
    "KHR_mesh_quantization",
    "KHR_texture_transform",
    "KHR_techniques_webgl",
    "KHR_materials_unlit",
    "CESIUM_RTC",
    "EXT_mesh_features",
    "EXT_structural_metadata",
    "KHR_texture_basisu",
    "EXT_texture_webp",
    "EXT_texture_avif",
];

/// An opened glTF asset: the validated document and the bytes of each buffer view.
pub(super) struct GltfData<'b> {
    /// The document (extensions the `gltf` crate does not know taken out of
    /// `extensionsRequired`, after checking that each is one we handle).
    pub doc: gltf::Gltf,
    /// The buffers views read (the GLB's BIN chunk borrowed, separate files owned).
    buffers: Vec<Cow<'b, [u8]>>,
    /// Where each buffer view's bytes are, by index: checked ranges of `buffers`, or meshopt
    /// views decoded. Views are not copied: a tile's buffers are read once and kept as they are.
    views: Vec<ViewBytes>,
    /// The content's URI: errors name it, and separate files are found beside it.
    pub uri: String,
    /// The document as JSON: extensions are read from here, not through the `gltf` crate,
    /// whose typed extensions (enabled by whichever crate in a build asks) hide them from
    /// `extension_value`.
    pub json: Value,
}

/// One buffer view's bytes.
enum ViewBytes {
    /// `buffers[buffer][range]`, checked when the asset was opened.
    Slice(usize, std::ops::Range<usize>),
    /// Decoded from `EXT_meshopt_compression`.
    Decoded(Vec<u8>),
}

impl<'b> GltfData<'b> {
    /// Opens a GLB (`glTF` magic) or a `.gltf` (JSON), reading separate buffer files through
    /// `resources`, relative to `uri`.
    pub fn open(bytes: &'b [u8], uri: &str, resources: &dyn ContentLoader) -> Result<Self, TilesError> {
        let (json, blob) = split_glb(bytes, uri)?;
        let mut json: Value = serde_json::from_slice(json).map_err(|e| TilesError::json(uri, &e))?;
        if let Some(required) = json.get_mut("extensionsRequired").and_then(Value::as_array_mut) {
            if let Some(other) = required.iter().filter_map(Value::as_str).find(|r| !TOLERATED.contains(r)) {
                return Err(TilesError::Unsupported {
                    uri: uri.to_owned(),
                    what: format!("required glTF extension {other}"),
                });
            }
            // The `gltf` crate refuses required extensions it does not implement; we do.
            required.clear();
        }
        positions_exist(&json).map_err(|why| TilesError::format(uri, "meshes", why))?;
        let patched = serde_json::to_vec(&json).unwrap_or_default();
        let doc = match gltf::Gltf::from_slice(&patched) {
            // Draco primitives' accessors have no buffer view (their data is in the stream),
            // which the `gltf` crate's validation calls missing; everything else validated.
            Err(gltf::Error::Validation(errors)) if errors.iter().all(|(path, e)| draco_accessor(&json, path, e)) => {
                gltf::Gltf::from_slice_without_validation(&patched)
            }
            other => other,
        }
        .map_err(|e| TilesError::format(uri, "glTF", e))?;
        // The buffers some view reads: a meshopt view reads its compressed source, never the
        // fallback buffer it nominally sits in (which often has no bytes at all).
        let meshopt_source = |v: &gltf::buffer::View<'_>| {
            v.extension_value("EXT_meshopt_compression")
                .map(|e| e["buffer"].as_u64().map_or(usize::MAX, |b| b as usize))
        };
        let mut needed = vec![false; doc.buffers().len()];
        for v in doc.views() {
            let b = meshopt_source(&v).unwrap_or(v.buffer().index());
            if let Some(n) = needed.get_mut(b) {
                *n = true;
            }
        }
        let mut buffers: Vec<Cow<'b, [u8]>> = Vec::with_capacity(needed.len());
        for (index, &need) in needed.iter().enumerate() {
            buffers.push(if need { load_buffer(&doc, index, blob, uri, resources)? } else { Cow::Borrowed(&[]) });
        }
        let mut views = Vec::with_capacity(doc.views().len());
        for view in doc.views() {
            let at = format!("bufferView {}", view.index());
            if let Some(source) = meshopt_source(&view) {
                let bytes = buffers
                    .get(source)
                    .ok_or_else(|| TilesError::format(uri, &at, "EXT_meshopt_compression names no buffer"))?;
                let ext = view.extension_value("EXT_meshopt_compression").unwrap_or(&Value::Null);
                views.push(ViewBytes::Decoded(decode_meshopt_view(ext, bytes, uri, &at)?));
                continue;
            }
            let b = view.buffer().index();
            let (start, end) = (view.offset(), view.offset().saturating_add(view.length()));
            if end > buffers[b].len() {
                return Err(TilesError::format(
                    uri,
                    &at,
                    format!("bytes {start}..{end} run past its {}-byte buffer", buffers[b].len()),
                ));
            }
            views.push(ViewBytes::Slice(b, start..end));
        }
        Ok(Self { doc, buffers, views, uri: uri.to_owned(), json })
    }

    /// The bytes of buffer view `index`.
    pub fn view(&self, index: usize, what: &str) -> Result<&[u8], TilesError> {
        match self.views.get(index) {
            Some(ViewBytes::Slice(b, range)) => Ok(&self.buffers[*b][range.clone()]),
            Some(ViewBytes::Decoded(bytes)) => Ok(bytes),
            None => Err(TilesError::format(&self.uri, what, format!("bufferView {index} does not exist"))),
        }
    }

    /// Every component of an accessor as f32 (normalised integers scaled to [0, 1] or [-1, 1]),
    /// sparse substitutions applied.
    pub fn read_floats(&self, a: &gltf::Accessor<'_>, at: &str) -> Result<Vec<f32>, TilesError> {
        let n = a.dimensions().multiplicity();
        let (ty, norm, count) = (a.data_type(), a.normalized(), a.count());
        let what = format!("{at}, accessor {}", a.index());
        let mut out = match a.view() {
            Some(view) => {
                let stride = view.stride().unwrap_or(n * ty.size());
                let bytes = self.view(view.index(), &what)?;
                read_elements(bytes, a.offset(), stride, count, n, ty, norm).map_err(|r| self.error(&what, r))?
            }
            None => vec![0.0; count * n], // no view: all zeros (glTF 2.0, 3.6.2.3)
        };
        if let Some(sparse) = a.sparse() {
            let k = sparse.count();
            let iv = sparse.indices();
            let index_type = match iv.index_type() {
                gltf::accessor::sparse::IndexType::U8 => DataType::U8,
                gltf::accessor::sparse::IndexType::U16 => DataType::U16,
                gltf::accessor::sparse::IndexType::U32 => DataType::U32,
            };
            let at_sparse = format!("{what}, sparse");
            let ib = self.view(iv.view().index(), &at_sparse)?;
            let indices = read_elements(ib, iv.offset(), index_type.size(), k, 1, index_type, false)
                .map_err(|r| self.error(&at_sparse, r))?;
            let vv = sparse.values();
            let vb = self.view(vv.view().index(), &at_sparse)?;
            let values =
                read_elements(vb, vv.offset(), n * ty.size(), k, n, ty, norm).map_err(|r| self.error(&at_sparse, r))?;
            for (j, &i) in indices.iter().enumerate() {
                let i = i as usize;
                if i >= count {
                    return Err(self.error(&at_sparse, format!("index {i} past the accessor's {count} elements")));
                }
                out[i * n..(i + 1) * n].copy_from_slice(&values[j * n..(j + 1) * n]);
            }
        }
        Ok(out)
    }

    /// The bytes of an image: from its buffer view, a `data:` URI, or a file beside the content.
    pub fn image_bytes(&self, image: &gltf::Image<'_>, resources: &dyn ContentLoader) -> Result<Vec<u8>, TilesError> {
        match image.source() {
            gltf::image::Source::View { view, .. } => {
                Ok(self.view(view.index(), &format!("image {}", image.index()))?.to_vec())
            }
            gltf::image::Source::Uri { uri, .. } => {
                load_uri(uri, &self.uri, resources, &format!("image {}", image.index())).map(Cow::into_owned)
            }
        }
    }

    fn error(&self, at: &str, reason: impl std::fmt::Display) -> TilesError {
        TilesError::format(&self.uri, at, reason)
    }
}

/// Whether a validation error is only an accessor without a buffer view that a Draco-compressed
/// primitive uses (`KHR_draco_mesh_compression` leaves them so).
fn draco_accessor(json: &Value, path: &gltf::json::Path, e: &gltf::json::validation::Error) -> bool {
    let p = path.as_str();
    let Some(index) = p.strip_prefix("accessors[").and_then(|r| r.strip_suffix("].bufferView")) else { return false };
    let Ok(index) = index.parse::<u64>() else { return false };
    let uses = |prim: &Value| {
        prim["extensions"].get("KHR_draco_mesh_compression").is_some()
            && (prim["indices"].as_u64() == Some(index)
                || prim["attributes"].as_object().is_some_and(|a| a.values().any(|v| v.as_u64() == Some(index))))
    };
    matches!(e, gltf::json::validation::Error::Missing)
        && json["meshes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["primitives"].as_array().into_iter().flatten().any(uses))
}

/// Whether every primitive's `POSITION` names an accessor there is. The `gltf` crate (1.4)
/// indexes the accessors with it while validating, before checking it: a broken file would
/// panic there (found by fuzzing, `fuzz/`).
fn positions_exist(json: &Value) -> Result<(), String> {
    let accessors = json["accessors"].as_array().map_or(0, Vec::len);
    let meshes = json["meshes"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for (m, mesh) in meshes.iter().enumerate() {
        let primitives = mesh["primitives"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        for (p, prim) in primitives.iter().enumerate() {
            if let Some(i) = prim["attributes"]["POSITION"].as_u64().filter(|&i| i as usize >= accessors) {
                return Err(format!("meshes[{m}].primitives[{p}]: POSITION is accessor {i} of {accessors}"));
            }
        }
    }
    Ok(())
}

/// Checks a GLB or `.gltf` (named `uri`) before the `gltf` crate reads it: what that crate
/// would panic on is an error here ([`positions_exist`]).
pub fn check_gltf(bytes: &[u8], uri: &str) -> Result<(), TilesError> {
    let (json, _) = split_glb(bytes, uri)?;
    let json: Value = serde_json::from_slice(json).map_err(|e| TilesError::json(uri, &e))?;
    positions_exist(&json).map_err(|why| TilesError::format(uri, "meshes", why))
}

/// The JSON and the BIN chunk of a GLB; a `.gltf` is all JSON, with no BIN chunk.
fn split_glb<'b>(bytes: &'b [u8], uri: &str) -> Result<(&'b [u8], &'b [u8]), TilesError> {
    if !bytes.starts_with(b"glTF") {
        return Ok((bytes, &[]));
    }
    let u32_at = |o: usize| bytes.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let total = u32_at(8).ok_or_else(|| TilesError::format(uri, "byte 8", "GLB header cut short"))?;
    let bytes = bytes.get(..total).ok_or_else(|| {
        TilesError::format(uri, "byte 8", format!("GLB header says {total} bytes, the content has {}", bytes.len()))
    })?;
    let (mut json, mut bin): (Option<&[u8]>, &[u8]) = (None, &[]);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let (len, kind) = (u32_at(at).unwrap_or(0), &bytes[at + 4..at + 8]);
        let chunk = bytes.get(at + 8..at + 8 + len).ok_or_else(|| {
            TilesError::format(uri, format!("byte {at}"), format!("GLB chunk of {len} bytes runs past the end"))
        })?;
        match kind {
            b"JSON" if json.is_none() => json = Some(chunk),
            b"BIN\0" if bin.is_empty() => bin = chunk,
            _ => {}
        }
        at += 8 + len;
    }
    let json = json.ok_or_else(|| TilesError::format(uri, "byte 12", "GLB without a JSON chunk"))?;
    Ok((json, bin))
}

/// Buffer `index`'s bytes. A buffer without a URI is the GLB's BIN chunk (buffer 0), or the
/// fallback of meshopt-compressed views, which is never read (empty).
fn load_buffer<'b>(
    doc: &gltf::Gltf,
    index: usize,
    blob: &'b [u8],
    uri: &str,
    resources: &dyn ContentLoader,
) -> Result<Cow<'b, [u8]>, TilesError> {
    let Some(buffer) = doc.buffers().nth(index) else { return Ok(Cow::Borrowed(&[])) };
    let bytes = match buffer.source() {
        gltf::buffer::Source::Bin => Cow::Borrowed(blob),
        gltf::buffer::Source::Uri(u) => load_uri(u, uri, resources, &format!("buffer {index}"))?,
    };
    if bytes.len() < buffer.length() && !bytes.is_empty() {
        return Err(TilesError::format(
            uri,
            format!("buffer {index}"),
            format!("{} bytes, the document says {}", bytes.len(), buffer.length()),
        ));
    }
    Ok(bytes)
}

/// A `data:` URI decoded, or a file relative to the content's URI fetched through `resources`
/// (which keeps it inside the tileset's folder).
fn load_uri(
    target: &str,
    content_uri: &str,
    resources: &dyn ContentLoader,
    what: &str,
) -> Result<Cow<'static, [u8]>, TilesError> {
    if let Some(decoded) = city_core::data_uri_bytes(target) {
        return decoded.map(Cow::Owned).map_err(|why| TilesError::format(content_uri, what, why));
    }
    resources.load(&crate::resolve_uri(content_uri, &city_core::percent_decoded(target))).map(Cow::Owned)
}

/// `count` elements of `n` components of type `ty`, `stride` bytes apart from `offset`.
fn read_elements(
    bytes: &[u8],
    offset: usize,
    stride: usize,
    count: usize,
    n: usize,
    ty: DataType,
    norm: bool,
) -> Result<Vec<f32>, String> {
    let size = ty.size();
    let needed = if count == 0 { 0 } else { (count - 1).saturating_mul(stride).saturating_add(n * size) };
    let end = offset.saturating_add(needed);
    if end > bytes.len() {
        return Err(format!("reads bytes {offset}..{end} of a {}-byte buffer view", bytes.len()));
    }
    let mut out = Vec::with_capacity(count * n);
    for i in 0..count {
        for k in 0..n {
            let o = offset + i * stride + k * size;
            out.push(component(&bytes[o..o + size], ty, norm));
        }
    }
    Ok(out)
}

/// One component as f32; normalised integers scaled as glTF 2.0, 3.11 says.
pub(super) fn component(b: &[u8], ty: DataType, norm: bool) -> f32 {
    match ty {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glb_chunks_past_the_end_are_errors() {
        let mut glb = b"glTF\x02\0\0\0".to_vec();
        glb.extend_from_slice(&40u32.to_le_bytes());
        glb.extend_from_slice(&100u32.to_le_bytes());
        glb.extend_from_slice(b"JSON");
        glb.resize(40, b' ');
        let e = split_glb(&glb, "t.glb").unwrap_err().to_string();
        assert!(e.contains("t.glb: byte 12") && e.contains("runs past the end"), "{e}");
    }
}
