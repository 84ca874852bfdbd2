//! 3D Tiles 1.0 content formats: Batched 3D Model (b3dm), Instanced 3D Model (i3dm), Point
//! Cloud (pnts) and Composite (cmpt). Each header's byteLength is checked against the file,
//! so a truncated or padded download is a clear error, not a misread.
use city_core::{Vec3, ecef_from_geodetic, geodetic_from_ecef};

use super::decoded_content::{DecodedContent, PointCloud};
use super::draco_primitive::decode_stream;
use super::feature_table::{Table, tables};
use super::gltf_content::decode_gltf;
use crate::{ContentLoader, Mat4, TilesError};

/// Checks the 12-byte common header (magic, version 1, byteLength) against the file.
fn check_header(bytes: &[u8], magic: &[u8; 4], uri: &str) -> Result<(), TilesError> {
    if bytes.len() < 12 || &bytes[0..4] != magic {
        return Err(TilesError::format(uri, "byte 0", format!("not a {} file", String::from_utf8_lossy(magic))));
    }
    let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    if len != bytes.len() {
        return Err(TilesError::format(
            uri,
            "byte 8",
            format!("byteLength says {len} bytes, the file has {}", bytes.len()),
        ));
    }
    Ok(())
}

/// The `n` positions (x, y, z flat) of an i3dm or pnts feature table: `POSITION` floats, or
/// `POSITION_QUANTIZED` shorts in the quantized volume.
fn feature_positions(ft: &Table<'_>, n: usize, uri: &str) -> Result<Vec<f64>, TilesError> {
    match ft.per_element("POSITION", n, 3, "FLOAT", uri) {
        Some(p) => p,
        None => {
            let q = ft
                .per_element("POSITION_QUANTIZED", n, 3, "UNSIGNED_SHORT", uri)
                .ok_or_else(|| TilesError::format(uri, "feature table", "no POSITION or POSITION_QUANTIZED"))??;
            let (off, scale) = (
                ft.vec3("QUANTIZED_VOLUME_OFFSET").unwrap_or([0.0; 3]),
                ft.vec3("QUANTIZED_VOLUME_SCALE").unwrap_or([1.0; 3]),
            );
            Ok(q.chunks_exact(3).flat_map(|c| (0..3).map(move |i| off[i] + c[i] / 65535.0 * scale[i])).collect())
        }
    }
}

/// A b3dm: a batch table (the features' properties) and a GLB whose `_BATCHID` are feature ids.
pub fn decode_b3dm(bytes: &[u8], uri: &str, resources: &dyn ContentLoader) -> Result<DecodedContent, TilesError> {
    check_header(bytes, b"b3dm", uri)?;
    let (ft, bt, glb_at) = tables(bytes, 12, uri)?;
    let batch_length = ft.number("BATCH_LENGTH").unwrap_or(0.0) as usize;
    let rtc = ft.vec3("RTC_CENTER").unwrap_or([0.0; 3]);
    let mut content =
        decode_gltf(&bytes[glb_at..], uri, Mat4::from_translation(rtc).mul(&Mat4::Z_UP_FROM_Y_UP), resources)?;
    content.properties = bt.properties(batch_length, uri)?;
    Ok(content)
}

/// An i3dm: one glTF drawn at each instance (position, orientation, scale from the feature
/// table). `world_from_tile` is needed for `EAST_NORTH_UP` instances.
pub fn decode_i3dm(
    bytes: &[u8],
    uri: &str,
    world_from_tile: &Mat4,
    resources: &dyn ContentLoader,
) -> Result<DecodedContent, TilesError> {
    check_header(bytes, b"i3dm", uri)?;
    let (ft, bt, glb_at) = tables(bytes, 12, uri)?;
    let format = u32::from_le_bytes(bytes.get(28..32).and_then(|b| b.try_into().ok()).unwrap_or([0; 4]));
    if format != 1 {
        return Err(TilesError::Unsupported { uri: uri.to_owned(), what: "i3dm with its glTF behind a URI".into() });
    }
    let n = ft.number("INSTANCES_LENGTH").unwrap_or(0.0) as usize;
    let rtc = ft.vec3("RTC_CENTER").unwrap_or([0.0; 3]);
    let positions = feature_positions(&ft, n, uri)?;
    let up = ft.per_element("NORMAL_UP", n, 3, "FLOAT", uri).transpose()?;
    let right = ft.per_element("NORMAL_RIGHT", n, 3, "FLOAT", uri).transpose()?;
    let scale = ft.per_element("SCALE", n, 1, "FLOAT", uri).transpose()?;
    let scale3 = ft.per_element("SCALE_NON_UNIFORM", n, 3, "FLOAT", uri).transpose()?;
    let enu = ft.json["EAST_NORTH_UP"].as_bool() == Some(true);
    let tile_from_world = world_from_tile.inverse_affine();
    let instances: Vec<Mat4> = (0..n)
        .map(|i| {
            let p: Vec3 = std::array::from_fn(|k| positions[i * 3 + k] + rtc[k]);
            let (x, y) = match (&up, &right) {
                (Some(u), Some(r)) => ([r[i * 3], r[i * 3 + 1], r[i * 3 + 2]], [u[i * 3], u[i * 3 + 1], u[i * 3 + 2]]),
                _ if enu => {
                    // East and north at the instance's place on the globe, back in the tile's frame.
                    let g = geodetic_from_ecef(world_from_tile.point(p));
                    let e = ecef_from_geodetic(g);
                    let east = geodetic_step(g, e, 1.0, 0.0);
                    let north = geodetic_step(g, e, 0.0, 1.0);
                    (tile_from_world.vector(east), tile_from_world.vector(north))
                }
                _ => ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
            };
            let z = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
            let s: Vec3 = match (&scale3, &scale) {
                (Some(s), _) => [s[i * 3], s[i * 3 + 1], s[i * 3 + 2]],
                (None, Some(s)) => [s[i]; 3],
                _ => [1.0; 3],
            };
            Mat4::from_axes(x.map(|c| c * s[0]), y.map(|c| c * s[1]), z.map(|c| c * s[2]), p)
        })
        .collect();
    let mut content = decode_gltf(&bytes[glb_at..], uri, Mat4::Z_UP_FROM_Y_UP, resources)?;
    for m in &mut content.meshes {
        m.instances = instances.clone();
    }
    content.properties = bt.properties(n, uri)?;
    Ok(content)
}

/// A unit vector along east (de = 1) or north (dn = 1) at a geodetic point, in ECEF.
fn geodetic_step(g: city_core::Geodetic, at: Vec3, de: f64, dn: f64) -> Vec3 {
    let step = 1e-7;
    let moved = ecef_from_geodetic(city_core::Geodetic {
        lon_deg: g.lon_deg + de * step,
        lat_deg: g.lat_deg + dn * step,
        height_m: g.height_m,
    });
    let d = [moved[0] - at[0], moved[1] - at[1], moved[2] - at[2]];
    let l = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt().max(1e-12);
    d.map(|c| c / l)
}

/// A pnts: positions (float or quantised) and colours (RGBA, RGB, RGB565 or one constant).
pub fn decode_pnts(bytes: &[u8], uri: &str) -> Result<DecodedContent, TilesError> {
    check_header(bytes, b"pnts", uri)?;
    let (ft, bt, _) = tables(bytes, 12, uri)?;
    let n = ft.number("POINTS_LENGTH").unwrap_or(0.0) as usize;
    let rtc = ft.vec3("RTC_CENTER").unwrap_or([0.0; 3]);
    if let Some(draco) = ft.json["extensions"].get("3DTILES_draco_point_compression") {
        return draco_pnts(draco, &ft, n, rtc, uri);
    }
    let positions: Vec<[f32; 3]> =
        feature_positions(&ft, n, uri)?.chunks_exact(3).map(|c| [c[0] as f32, c[1] as f32, c[2] as f32]).collect();
    let colors: Option<Vec<[f32; 4]>> = if let Some(c) = ft.per_element("RGBA", n, 4, "UNSIGNED_BYTE", uri) {
        Some(c?.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]].map(|v| (v / 255.0) as f32)).collect())
    } else if let Some(c) = ft.per_element("RGB", n, 3, "UNSIGNED_BYTE", uri) {
        Some(
            c?.chunks_exact(3)
                .map(|c| [(c[0] / 255.0) as f32, (c[1] / 255.0) as f32, (c[2] / 255.0) as f32, 1.0])
                .collect(),
        )
    } else if let Some(c) = ft.per_element("RGB565", n, 1, "UNSIGNED_SHORT", uri) {
        Some(
            c?.into_iter()
                .map(|v| {
                    let v = v as u16;
                    [f32::from(v >> 11) / 31.0, f32::from((v >> 5) & 63) / 63.0, f32::from(v & 31) / 31.0, 1.0]
                })
                .collect(),
        )
    } else {
        ft.json["CONSTANT_RGBA"].as_array().map(|c| {
            let rgba: [f32; 4] =
                std::array::from_fn(|i| c.get(i).and_then(|v| v.as_f64()).unwrap_or(255.0) as f32 / 255.0);
            vec![rgba; n]
        })
    };
    let mut content = DecodedContent {
        points: vec![PointCloud { tile_from_points: Mat4::from_translation(rtc), positions, colors }],
        ..Default::default()
    };
    let batches = ft.number("BATCH_LENGTH").map_or(0, |b| b as usize);
    if batches > 0 {
        content.properties = bt.properties(batches, uri)?;
    }
    Ok(content)
}

/// A pnts whose positions and colours are one Draco stream in the feature table's body
/// (`3DTILES_draco_point_compression`, as Cesium's point cloud tiler writes them).
fn draco_pnts(
    ext: &serde_json::Value,
    ft: &Table<'_>,
    n: usize,
    rtc: Vec3,
    uri: &str,
) -> Result<DecodedContent, TilesError> {
    let at = "featureTable.extensions.3DTILES_draco_point_compression";
    let (offset, length) =
        (ext["byteOffset"].as_u64().unwrap_or(0) as usize, ext["byteLength"].as_u64().unwrap_or(0) as usize);
    let stream = ft.bin.get(offset..offset.saturating_add(length)).ok_or_else(|| {
        TilesError::format(
            uri,
            at,
            format!("bytes {offset}..{} run past the {}-byte body", offset + length, ft.bin.len()),
        )
    })?;
    // Colours are unsigned bytes, read as [0, 1]; positions are the floats Draco restores.
    let wanted: Vec<(String, u64, bool)> = ext["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| matches!(name.as_str(), "POSITION" | "RGB" | "RGBA"))
        .map(|(name, id)| (name.clone(), id.as_u64().unwrap_or(u64::MAX), name != "POSITION"))
        .collect();
    let d = decode_stream(stream, &wanted).map_err(|e| TilesError::format(uri, at, e))?;
    let positions: Vec<[f32; 3]> = d
        .attributes
        .get("POSITION")
        .ok_or_else(|| TilesError::format(uri, at, "no POSITION in the Draco stream"))?
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    if positions.len() != n {
        return Err(TilesError::format(uri, at, format!("{} points decoded, POINTS_LENGTH is {n}", positions.len())));
    }
    let colors = match (d.attributes.get("RGBA"), d.attributes.get("RGB")) {
        (Some(c), _) => Some(c.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()),
        (None, Some(c)) => Some(c.chunks_exact(3).map(|c| [c[0], c[1], c[2], 1.0]).collect()),
        (None, None) => None,
    };
    let mut content = DecodedContent {
        points: vec![PointCloud { tile_from_points: Mat4::from_translation(rtc), positions, colors }],
        ..Default::default()
    };
    if ft.number("BATCH_LENGTH").is_some_and(|b| b > 0.0) {
        content.notes.push("Draco-compressed batch ids and batch table are not read".into());
    }
    Ok(content)
}

/// A cmpt: several contents one after the other, each with its own header.
pub fn decode_cmpt(
    bytes: &[u8],
    uri: &str,
    world_from_tile: &Mat4,
    resources: &dyn ContentLoader,
    depth: usize,
) -> Result<DecodedContent, TilesError> {
    check_header(bytes, b"cmpt", uri)?;
    if depth > 8 {
        return Err(TilesError::format(uri, "byte 0", "composites nested more than 8 deep"));
    }
    let count = bytes.get(12..16).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])) as usize;
    let mut at = 16;
    let mut out = DecodedContent::default();
    for i in 0..count {
        let len = bytes.get(at + 8..at + 12).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let Some(inner) = len.and_then(|l| bytes.get(at..at + l)) else {
            return Err(TilesError::format(uri, format!("byte {at}"), format!("inner tile {i} runs past the end")));
        };
        out.merge(super::decode_inner(inner, uri, world_from_tile, resources, depth + 1)?);
        at += inner.len();
    }
    Ok(out)
}
