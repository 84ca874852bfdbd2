//! Texture atlases: the images one tile uses packed into one, so the tile is one textured
//! material and one draw instead of one per facade photo, and the client decodes and uploads one
//! texture. Images go on shelves (tallest first) with a 2-pixel border copied from their edges, so
//! linear filtering at an image's edge does not pick up its neighbour at full resolution (a
//! client's smaller mipmap levels still blend neighbours a little); each textured vertex's
//! coordinates are moved into its image's place.
//!
//! Packing is skipped (the images stay separate) when a tile uses fewer than two images, when a
//! textured vertex's coordinates leave 0..1 (the image repeats, which an atlas cannot do), when
//! an image cannot be decoded, or when the atlas would exceed [`MAX_ATLAS_PX`] on a side.
use image::RgbaImage;

use crate::glb::{TexturedPart, TileMesh};

/// The longest side of an atlas: what every WebGL and Vulkan client accepts.
pub const MAX_ATLAS_PX: u32 = 8192;
/// Pixels of each image's edge copied around it.
const BORDER: u32 = 2;

/// Packs the image parts of `mesh` into one atlas part; returns whether it did.
pub(crate) fn pack_atlas(mesh: &mut TileMesh) -> bool {
    let images: Vec<usize> = (0..mesh.textured.len()).filter(|&k| !mesh.textured[k].image.is_empty()).collect();
    if images.len() < 2 {
        return false;
    }
    // Every textured vertex in 0..1 and in one image's triangles only.
    let mut owner = vec![usize::MAX; mesh.uvs.len()];
    for &k in &images {
        for &i in &mesh.textured[k].indices {
            let Some(uv) = mesh.uvs.get(i as usize) else { return false };
            if !(-1e-4..=1.0 + 1e-4).contains(&uv[0]) || !(-1e-4..=1.0 + 1e-4).contains(&uv[1]) {
                return false;
            }
            match owner[i as usize] {
                o if o == usize::MAX || o == k => owner[i as usize] = k,
                _ => return false,
            }
        }
    }
    let decoded = images
        .iter()
        .map(|&k| image::load_from_memory(&mesh.textured[k].image).ok().map(|i| i.to_rgba8()))
        .collect::<Option<Vec<RgbaImage>>>()
        .filter(|d| d.iter().all(|i| i.width() > 0 && i.height() > 0));
    let Some(decoded) = decoded else { return false };
    let Some((width, height, places)) = shelves(&decoded.iter().map(|i| i.dimensions()).collect::<Vec<_>>()) else {
        return false;
    };
    let mut atlas = RgbaImage::new(width, height);
    for (img, &(x, y)) in decoded.iter().zip(&places) {
        let (w, h) = img.dimensions();
        // The image and its border: each border pixel repeats the nearest edge pixel.
        for ay in 0..h + 2 * BORDER {
            for ax in 0..w + 2 * BORDER {
                let sx = ax.saturating_sub(BORDER).min(w - 1);
                let sy = ay.saturating_sub(BORDER).min(h - 1);
                atlas.put_pixel(x + ax, y + ay, *img.get_pixel(sx, sy));
            }
        }
    }
    let transparent = decoded.iter().any(|i| i.pixels().any(|p| p[3] < 255));
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mime = if transparent {
        if atlas.write_to(&mut bytes, image::ImageFormat::Png).is_err() {
            return false;
        }
        "image/png"
    } else {
        let rgb = image::DynamicImage::ImageRgba8(atlas).to_rgb8();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 92);
        if rgb.write_with_encoder(encoder).is_err() {
            return false;
        }
        "image/jpeg"
    };
    // Coordinates into each image's place.
    for ((&k, img), &(x, y)) in images.iter().zip(&decoded).zip(&places) {
        let (w, h) = img.dimensions();
        let (ox, oy) = (f64::from(x + BORDER), f64::from(y + BORDER));
        let mut done = std::collections::HashSet::new();
        for &i in &mesh.textured[k].indices {
            if done.insert(i) {
                let uv = &mut mesh.uvs[i as usize];
                uv[0] = ((ox + f64::from(uv[0]) * f64::from(w)) / f64::from(width)) as f32;
                uv[1] = ((oy + f64::from(uv[1]) * f64::from(h)) / f64::from(height)) as f32;
            }
        }
    }
    let mut packed =
        TexturedPart { image: bytes.into_inner(), color: [1.0; 4], mime: mime.into(), indices: Vec::new() };
    let mut rest = Vec::new();
    for (k, part) in std::mem::take(&mut mesh.textured).into_iter().enumerate() {
        if images.contains(&k) {
            packed.indices.extend(part.indices);
        } else {
            rest.push(part);
        }
    }
    rest.push(packed);
    mesh.textured = rest;
    true
}

/// An atlas's width and height, and the top-left corner of each image's border in it.
type Layout = (u32, u32, Vec<(u32, u32)>);

/// Places images of these sizes (with their borders) on shelves, tallest first, in an atlas as
/// wide as the square root of their area (at least the widest), or `None` when it would exceed
/// [`MAX_ATLAS_PX`].
fn shelves(sizes: &[(u32, u32)]) -> Option<Layout> {
    let padded: Vec<(u32, u32)> = sizes.iter().map(|&(w, h)| (w + 2 * BORDER, h + 2 * BORDER)).collect();
    let area: u64 = padded.iter().map(|&(w, h)| u64::from(w) * u64::from(h)).sum();
    let widest = padded.iter().map(|p| p.0).max()?;
    let width = widest.max((area as f64).sqrt().ceil() as u32);
    let mut order: Vec<usize> = (0..padded.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(padded[k].1));
    let mut places = vec![(0, 0); padded.len()];
    let (mut x, mut y, mut shelf) = (0u32, 0u32, 0u32);
    for k in order {
        let (w, h) = padded[k];
        if x + w > width {
            (x, y, shelf) = (0, y + shelf, 0);
        }
        places[k] = (x, y);
        x += w;
        shelf = shelf.max(h);
    }
    let height = y + shelf;
    (width <= MAX_ATLAS_PX && height <= MAX_ATLAS_PX).then_some((width, height, places))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shelves_never_overlap_and_hold_every_image() {
        let sizes = [(100, 40), (30, 80), (64, 64), (200, 10), (5, 5)];
        let (w, h, places) = shelves(&sizes).unwrap();
        let rects: Vec<(u32, u32, u32, u32)> = sizes
            .iter()
            .zip(&places)
            .map(|(&(sw, sh), &(x, y))| (x, y, x + sw + 2 * BORDER, y + sh + 2 * BORDER))
            .collect();
        for (a, r) in rects.iter().enumerate() {
            assert!(r.2 <= w && r.3 <= h, "{r:?} outside {w}x{h}");
            for s in &rects[a + 1..] {
                assert!(r.2 <= s.0 || s.2 <= r.0 || r.3 <= s.1 || s.3 <= r.1, "{r:?} overlaps {s:?}");
            }
        }
        assert_eq!(shelves(&[(MAX_ATLAS_PX, 10)]), None);
    }
}
