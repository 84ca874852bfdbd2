//! Imagery draped on terrain tiles: each tile gets a texture over its pixel window, so every
//! client (ours, CesiumJS) shows the imagery without knowing where it came from. The texture's
//! texel (i, j) lies at the window's fraction ((i + 0.5) / N, (j + 0.5) / N); a vertex at pixel
//! (c, r) has the UV ((c - c0) / (c1 - c0), (r - r0) / (r1 - r0)). Texels are placed on the
//! globe through a coarse grid of exact transforms, interpolated between: over a tile the
//! DEM's projection bends far less than a texel.
//!
//! Layers are drawn in the order given, each over the ones before where it has colour; where
//! none has, the ground colour shows. A tile with no imagery at all keeps the plain ground.
use city_core::Crs;

use crate::geo_grid::GeoGrid;
use crate::imagery::{Imagery, ImageryProblems};
use crate::terrain_tiles::GROUND_COLOR;
use crate::{Dem, ImportError};

/// Texels along a texture's side: a leaf of 64 DEM pixels gets 4 texels a pixel.
pub const TEXTURE_SIZE: usize = 256;

/// Exact transforms along a side of the placement grid, at least and at most.
const GRID: usize = 17;
const MAX_GRID: usize = 65;

/// JPEG quality of the textures (imagery is photographs; 85 is where JPEG's artefacts stop
/// showing at the size a texel is seen).
const JPEG_QUALITY: u8 = 85;

/// The imagery to drape, and what went wrong reading it.
pub struct Drape<'a> {
    /// Layers, bottom first.
    pub layers: &'a [Box<dyn Imagery>],
    /// Failed tiles, counted.
    pub problems: ImageryProblems,
}

impl Drape<'_> {
    /// The JPEG texture of the window from pixel (c0, r0) to (c1, r1), or `None` where no layer
    /// has colour there.
    pub fn texture(
        &self,
        dem: &Dem,
        crs: &Crs,
        (c0, r0): (f64, f64),
        (c1, r1): (f64, f64),
    ) -> Result<Option<Vec<u8>>, ImportError> {
        // Texels placed through a grid of exact transforms.
        let (from, to) = ([c0, r0], [c1, r1]);
        // At most 64 cells a side: a texel is 1/256 of the tile, and a cell of 1/64 of it bends
        // less than a texel anywhere on Earth (under 2 m in a 200 km tile of 870 m texels).
        let grid = GeoGrid::new(dem, crs, from, to, GeoGrid::nodes_for(dem, crs, from, to).clamp(GRID, MAX_GRID))?;
        let at = |u: f64, v: f64| -> [f64; 2] {
            let [lon, lat, _] = grid.at(c0 + u * (c1 - c0), r0 + v * (r1 - r0));
            [lon, lat]
        };
        let points: Vec<[f64; 2]> = (0..TEXTURE_SIZE * TEXTURE_SIZE)
            .map(|t| {
                let (i, j) = (t % TEXTURE_SIZE, t / TEXTURE_SIZE);
                at((i as f64 + 0.5) / TEXTURE_SIZE as f64, (j as f64 + 0.5) / TEXTURE_SIZE as f64)
            })
            .collect();
        // The texel's size on the ground: the window's width in metres over the texels.
        let [w, e] = [at(0.0, 0.0), at(1.0, 0.0)];
        let metres_per_degree = 111_320.0;
        let dx = (e[0] - w[0]) * metres_per_degree * w[1].to_radians().cos();
        let dy = (e[1] - w[1]) * metres_per_degree;
        let texel_m = (dx.hypot(dy) / TEXTURE_SIZE as f64).max(0.01);

        let ground = GROUND_COLOR.map(linear_to_srgb);
        let mut rgb: Vec<[u8; 3]> = vec![[ground[0], ground[1], ground[2]]; points.len()];
        let mut any = false;
        for layer in self.layers {
            for (texel, c) in rgb.iter_mut().zip(layer.sample(&points, texel_m, &self.problems)) {
                if let Some(c) = c {
                    *texel = c;
                    any = true;
                }
            }
        }
        if !any {
            return Ok(None);
        }
        let raw: Vec<u8> = rgb.into_iter().flatten().collect();
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
            .encode(&raw, TEXTURE_SIZE as u32, TEXTURE_SIZE as u32, image::ExtendedColorType::Rgb8)
            .map_err(|e| ImportError::Format { file: dem.file.clone(), reason: format!("encoding a texture: {e}") })?;
        Ok(Some(jpeg))
    }

    /// Credits of the layers that have one, for the tileset and the glTF's copyright.
    pub fn attribution(&self) -> Option<String> {
        let all: Vec<&str> = self.layers.iter().filter_map(|l| l.attribution()).collect();
        (!all.is_empty()).then(|| all.join("; "))
    }
}

/// An sRGB byte from a linear channel.
fn linear_to_srgb(c: f32) -> u8 {
    let s = if c <= 0.003_130_8 { 12.92 * c } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (s.clamp(0.0, 1.0) * 255.0).round() as u8
}
