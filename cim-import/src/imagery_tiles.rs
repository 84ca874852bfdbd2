//! The Web Mercator tile pyramid (EPSG:3857, the "XYZ" or GoogleMapsCompatible scheme) that
//! XYZ, TMS, WMTS and MBTiles sources share: tile (z, x, y) covers 1/2^z of the world's width,
//! x from 180° W, y from the north (85.0511° N). A sample picks the zoom whose pixels are just
//! finer than the texture's texels, then reads the tile under the point, bilinearly inside it;
//! where that tile is missing or broken, its parent's (and so on up), as map clients do.
//!
//! Decoded tiles are kept in an LRU cache shared by every thread, so neighbouring terrain
//! tiles (and their parents) read each image tile once.
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::imagery::{Imagery, ImageryProblems, bilinear_rgb};

/// Where tiles come from.
pub(crate) trait TileStore: Sync + Send {
    /// The encoded (PNG or JPEG) tile in XYZ numbering (y from the north); `Ok(None)` where the
    /// store says it has none, `Err` with why it failed (naming the URL or row).
    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String>;
}

/// A decoded tile: RGB, its width and height.
type Rgb = Arc<(Vec<u8>, usize, usize)>;

/// Tiles decoded and kept (256 x 256 x 3 bytes each: 50 MB).
const CACHED_TILES: usize = 256;

/// Earth's equator in metres (WGS 84), the width of zoom 0.
const EQUATOR_M: f64 = 40_075_016.686;

/// Web Mercator's latitude limit.
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A tiled source.
pub(crate) struct TilePyramid<S> {
    pub name: String,
    pub attribution: Option<String>,
    pub zooms: (u8, u8),
    pub store: S,
    cache: Mutex<lru::LruCache<(u8, u32, u32), Option<Rgb>>>,
}

impl<S: TileStore> TilePyramid<S> {
    pub fn new(name: String, attribution: Option<String>, zooms: (u8, u8), store: S) -> Self {
        let cap = std::num::NonZeroUsize::new(CACHED_TILES).unwrap_or(std::num::NonZeroUsize::MIN);
        Self { name, attribution, zooms, store, cache: Mutex::new(lru::LruCache::new(cap)) }
    }

    /// The tile, decoded; `None` where there is none or it failed (counted in `problems`).
    fn decoded(&self, key: (u8, u32, u32), problems: &ImageryProblems) -> Option<Rgb> {
        let lock = || self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = lock().get(&key) {
            return hit.clone();
        }
        let (z, x, y) = key;
        let got = match self.store.tile(z, x, y) {
            Ok(None) => None,
            Ok(Some(bytes)) => match image::load_from_memory(&bytes) {
                Ok(img) => {
                    problems.succeed();
                    let img = img.to_rgb8();
                    let (w, h) = (img.width() as usize, img.height() as usize);
                    Some(Arc::new((img.into_raw(), w, h)))
                }
                Err(e) => {
                    let start: String =
                        bytes.iter().take(16).map(|&b| if b.is_ascii_graphic() { b as char } else { '.' }).collect();
                    problems.fail(format!(
                        "{}: tile {z}/{x}/{y} is not a PNG or JPEG image ({e}; it starts {start:?})",
                        self.name
                    ));
                    None
                }
            },
            Err(why) => {
                problems.fail(why);
                None
            }
        };
        lock().put(key, got.clone());
        got
    }

    /// The zoom whose pixels are at most `texel_m` wide at latitude `lat`, within the store's.
    fn zoom_for(&self, texel_m: f64, lat: f64) -> u8 {
        let at_zero = EQUATOR_M * lat.to_radians().cos() / 256.0;
        let z = (at_zero / texel_m.max(1e-3)).log2().ceil();
        (z.max(0.0) as u8).clamp(self.zooms.0, self.zooms.1)
    }
}

/// Web Mercator position of a point at zoom `z`, in tiles (fractional).
pub(crate) fn tile_position(lon: f64, lat: f64, z: u8) -> [f64; 2] {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    [x, y]
}

impl<S: TileStore> Imagery for TilePyramid<S> {
    fn name(&self) -> &str {
        &self.name
    }

    fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    fn sample(&self, points: &[[f64; 2]], texel_m: f64, problems: &ImageryProblems) -> Vec<Option<[u8; 3]>> {
        let Some(mid) = points.get(points.len() / 2) else { return Vec::new() };
        let top = self.zoom_for(texel_m, mid[1]);
        // Each tile under the points once, from the shared cache.
        let mut tiles: FxHashMap<(u8, u32, u32), Option<Rgb>> = FxHashMap::default();
        points
            .iter()
            .map(|&[lon, lat]| {
                if !(lat.abs() <= MAX_LAT && (-180.0..=180.0).contains(&lon)) {
                    return None;
                }
                // A tile that is missing or failed is drawn from its parent, as map clients do:
                // coarser, but not a hole.
                (self.zooms.0..=top).rev().find_map(|z| {
                    let n = 1u32 << z;
                    let [fx, fy] = tile_position(lon, lat, z);
                    let (tx, ty) = ((fx.floor() as u32).min(n - 1), (fy.floor() as u32).min(n - 1));
                    let tile =
                        tiles.entry((z, tx, ty)).or_insert_with(|| self.decoded((z, tx, ty), problems)).clone()?;
                    let (rgb, w, h) = (&tile.0, tile.1, tile.2);
                    // Pixel centres at whole numbers inside the tile.
                    let col = (fx - f64::from(tx)) * w as f64 - 0.5;
                    let row = (fy - f64::from(ty)) * h as f64 - 0.5;
                    Some(bilinear_rgb(rgb, w, h, col, row))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_positions_follow_the_web_mercator_scheme() {
        // Zoom 0 is one tile; the origin is its centre.
        let [x, y] = tile_position(0.0, 0.0, 0);
        assert!((x - 0.5).abs() < 1e-12 && (y - 0.5).abs() < 1e-12);
        // Elsewhere, against PROJ's EPSG:3857 (proj4rs): metres from the origin over the
        // world's width of 2 pi R, with y from the north.
        let mercator = city_core::Crs::from_epsg(3857).unwrap_or_else(|e| panic!("{e}"));
        let half = std::f64::consts::PI * 6_378_137.0;
        for (lon, lat, z) in [(4.3668, 52.0116, 15u8), (-122.4, 37.8, 12), (151.2, -33.9, 18), (24.91, 60.17, 3)] {
            let g = city_core::Geodetic { lon_deg: lon, lat_deg: lat, height_m: 0.0 };
            let [mx, my, _] = mercator.from_geodetic(g).unwrap_or_else(|e| panic!("{e}"));
            let n = f64::from(1u32 << z);
            let expected = [(mx + half) / (2.0 * half) * n, (half - my) / (2.0 * half) * n];
            let got = tile_position(lon, lat, z);
            for k in 0..2 {
                assert!((got[k] - expected[k]).abs() < 1e-6, "{lon} {lat} z{z}: {got:?} vs {expected:?}");
            }
        }
    }
}
