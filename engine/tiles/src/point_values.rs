//! The values of `EXT_structural_metadata` property attributes and property textures where a
//! pick landed: a property attribute at the hit triangle's nearest corner (vertex values are
//! not blended: an enum or a class id has no in-between), a property texture at the texel under
//! the hit point's texture coordinates (nearest texel, repeating, as the spec's samplers do).
use crate::{DecodedContent, Picked, PointProperty, PointSource};

/// (property name, value as text) for each point property of the picked mesh part.
pub fn point_values(content: &DecodedContent, hit: &Picked) -> Vec<(String, String)> {
    let Some(part) = content.meshes.get(hit.part) else { return Vec::new() };
    let nearest = (0..3).max_by(|&a, &b| hit.weights[a].total_cmp(&hit.weights[b])).unwrap_or(0);
    part.point_properties
        .iter()
        .filter_map(|p| {
            let value = match &p.source {
                PointSource::Vertex { components, values } => {
                    let v = hit.corners[nearest] as usize * components;
                    let vals = values.get(v..v + components)?;
                    join(vals.iter().map(|&x| f64::from(x) * p.scale + p.offset))
                }
                PointSource::Texture { image, uvs, channels } => {
                    let uv = |i: usize| uvs.get(hit.corners[i] as usize).copied();
                    let (a, b, c) = (uv(0)?, uv(1)?, uv(2)?);
                    let w = hit.weights.map(|w| w as f32);
                    let at = [0, 1].map(|k| w[0] * a[k] + w[1] * b[k] + w[2] * c[k]);
                    texel_value(p, image, at, channels)?
                }
            };
            Some((p.name.clone(), value))
        })
        .collect()
}

/// The value in the texel under `uv`: its channels' bytes as the property's component type.
fn texel_value(p: &PointProperty, image: &crate::TextureImage, uv: [f32; 2], channels: &[u8]) -> Option<String> {
    let (w, h) = (image.width as usize, image.height as usize);
    if w == 0 || h == 0 {
        return None;
    }
    let x = ((uv[0].rem_euclid(1.0) * w as f32) as usize).min(w - 1);
    let y = ((uv[1].rem_euclid(1.0) * h as f32) as usize).min(h - 1);
    let texel = image.rgba.get((y * w + x) * 4..(y * w + x) * 4 + 4)?;
    let bytes: Vec<u8> = channels.iter().map(|&c| texel[usize::from(c).min(3)]).collect();
    let int = bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let (raw, max) = match p.component_type.as_str() {
        "INT8" => (f64::from(int as u8 as i8), 127.0),
        "INT16" => (f64::from(int as u16 as i16), 32767.0),
        "UINT16" => (int as f64, 65535.0),
        "INT32" => (f64::from(int as u32 as i32), 2147483647.0),
        "UINT32" => (int as f64, 4294967295.0),
        "FLOAT32" => (f64::from(f32::from_bits(int as u32)), 0.0),
        _ => (int as f64, 255.0),
    };
    let v = if p.normalized && max > 0.0 { (raw / max).max(-1.0) } else { raw };
    Some(join(std::iter::once(v * p.scale + p.offset)))
}

fn join(values: impl Iterator<Item = f64>) -> String {
    let v: Vec<String> = values.map(|x| format!("{}", (x * 1e6).round() / 1e6)).collect();
    if v.len() == 1 { v[0].clone() } else { format!("[{}]", v.join(", ")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MeshPart, TextureImage, TileId};

    fn hit(weights: [f64; 3]) -> Picked {
        Picked {
            layer: 0,
            tile: TileId(0),
            content: 0,
            feature: None,
            distance_m: 1.0,
            part: 0,
            corners: [0, 1, 2],
            weights,
        }
    }

    #[test]
    fn texels_and_vertices_read_as_their_class_says() {
        // A 2 x 1 texture: left texel (10, 200, 0), right (0x34, 0x12, 255).
        let image = std::sync::Arc::new(TextureImage {
            width: 2,
            height: 1,
            rgba: vec![10, 200, 0, 255, 0x34, 0x12, 255, 255],
        });
        let uvs = vec![[0.1, 0.5], [0.9, 0.5], [0.9, 0.5]];
        let prop = |name: &str, ty: &str, normalized: bool, channels: Vec<u8>| PointProperty {
            name: name.into(),
            source: PointSource::Texture { image: image.clone(), uvs: uvs.clone(), channels },
            component_type: ty.into(),
            normalized,
            offset: 0.0,
            scale: 1.0,
        };
        let vertex = PointProperty {
            name: "class".into(),
            source: PointSource::Vertex { components: 1, values: vec![3.0, 7.0, 9.0] },
            component_type: "UINT8".into(),
            normalized: false,
            offset: 1.0,
            scale: 2.0,
        };
        let part = MeshPart {
            point_properties: vec![
                prop("r", "UINT8", false, vec![0]),
                prop("g", "UINT8", true, vec![1]),
                prop("rg", "UINT16", false, vec![0, 1]),
                vertex,
            ],
            ..Default::default()
        };
        let content = DecodedContent { meshes: vec![part], ..Default::default() };
        // Near corner 0: the left texel, the first vertex.
        let left = point_values(&content, &hit([0.9, 0.05, 0.05]));
        assert_eq!(left[0], ("r".into(), "10".into()));
        assert_eq!(left[1].1, format!("{}", (200.0f64 / 255.0 * 1e6).round() / 1e6));
        assert_eq!(left[2].1, (10 + 200 * 256).to_string());
        assert_eq!(left[3].1, "7"); // 3 * 2 + 1
        // Near corner 1: the right texel, little-endian channels, the second vertex.
        let right = point_values(&content, &hit([0.05, 0.9, 0.05]));
        assert_eq!(right[2].1, 0x1234.to_string());
        assert_eq!(right[3].1, "15");
    }
}
