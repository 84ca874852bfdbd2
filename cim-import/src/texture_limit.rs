//! Texture images as tiles embed them: read once per import, and when larger than the limit
//! (`--max-texture`, pixels on the longer side) scaled down and re-encoded (JPEG, or PNG for
//! images with transparency), so one facade photo cannot make a tile heavy. Tiles are written on
//! every core; each image is prepared once and shared.
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// An image ready to embed: its bytes and MIME type.
pub(crate) type Prepared = Arc<(Vec<u8>, &'static str)>;

/// The images of an import, prepared on first use.
pub(crate) struct TextureLimit {
    /// Longest side in pixels (0: embed as they are).
    max_px: u32,
    done: Mutex<HashMap<u32, Option<Prepared>>>,
}

impl TextureLimit {
    /// Images no larger than `max_px` on their longer side (0: no limit).
    pub fn new(max_px: u32) -> Self {
        Self { max_px, done: Mutex::new(HashMap::new()) }
    }

    /// Image `n` (at `path`) ready to embed, or `None` when it cannot be read.
    pub fn get(&self, n: u32, path: &Path) -> Option<Prepared> {
        if let Some(p) = self.done.lock().ok().and_then(|d| d.get(&n).cloned()) {
            return p;
        }
        let p = prepare(path, self.max_px).map(Arc::new);
        if let Ok(mut d) = self.done.lock() {
            d.insert(n, p.clone());
        }
        p
    }
}

fn mime_of(path: &Path) -> &'static str {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")) { "image/png" } else { "image/jpeg" }
}

/// The file's bytes, or when larger than `max_px` the image scaled down and re-encoded.
fn prepare(path: &Path, max_px: u32) -> Option<(Vec<u8>, &'static str)> {
    let bytes = std::fs::read(path).ok()?;
    if max_px == 0 {
        return Some((bytes, mime_of(path)));
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format().ok()?;
    let (w, h) = reader.into_dimensions().ok()?;
    if w.max(h) <= max_px {
        return Some((bytes, mime_of(path)));
    }
    let img = image::load_from_memory(&bytes).ok()?;
    let small = img.resize(max_px, max_px, image::imageops::FilterType::Triangle);
    let mut out = std::io::Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut out, image::ImageFormat::Png).ok()?;
        Some((out.into_inner(), "image/png"))
    } else {
        small.to_rgb8().write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
        Some((out.into_inner(), "image/jpeg"))
    }
}
