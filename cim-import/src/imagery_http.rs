//! Imagery from a tile server, named by a URL template:
//!
//! - XYZ ("slippy map", OpenStreetMap's scheme): `https://host/{z}/{x}/{y}.png`;
//! - TMS: `{-y}` in place of `{y}` (rows counted from the south, as TMS and MBTiles count);
//! - WMTS, RESTful: `{TileMatrix}`, `{TileCol}`, `{TileRow}`, on the GoogleMapsCompatible tile
//!   matrix set (EPSG:3857, tile matrix = zoom); other matrix sets are not read, and neither is
//!   GetCapabilities (the template is what a WMTS capabilities document's `ResourceURL` gives).
//!
//! `{s}` takes the subdomains a, b and c in turn. Zoom levels 0 to 19 are asked for, or to the
//! user's `max_zoom` (a template cannot say how deep its server goes; one that has fewer answers
//! 404, counted as a problem, and the parent tile is drawn instead).
//! Fetched tiles go through `city_tiles::HttpLoader` and its disk cache, so a second import of
//! the same area makes no request.
use std::time::Duration;

use city_tiles::{ContentLoader, HttpLoader};

use crate::ImportError;
use crate::imagery::ImageryOptions;
use crate::imagery_tiles::{TilePyramid, TileStore};

/// Time allowed for one tile.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Highest zoom asked of a server by default (OpenStreetMap's deepest).
const MAX_ZOOM: u8 = 19;

/// Highest zoom there is (2^30 tiles a side would overflow the tile numbers' u32 at 31).
const MAX_ZOOM_EVER: u8 = 30;

/// A URL template and the loader that fetches it.
pub(crate) struct UrlTemplate {
    template: String,
    loader: HttpLoader,
}

/// Opens a URL template as a tile pyramid, refusing a template without its placeholders.
pub(crate) fn url_template(template: &str, opts: &ImageryOptions) -> Result<TilePyramid<UrlTemplate>, ImportError> {
    let has = |k: &str| template.contains(k);
    let xyz = has("{z}") && has("{x}") && (has("{y}") || has("{-y}"));
    let wmts = has("{TileMatrix}") && has("{TileCol}") && has("{TileRow}");
    if !(xyz || wmts) {
        return Err(ImportError::Format {
            file: template.into(),
            reason: "a tile URL template needs {z}, {x} and {y} (or {-y} for TMS), or WMTS's {TileMatrix}, \
                     {TileCol} and {TileRow}"
                .into(),
        });
    }
    let cache = opts.cache.clone().unwrap_or_else(|| city_core::cache_dir().join("imagery"));
    let store = UrlTemplate { template: template.to_owned(), loader: HttpLoader::for_urls(Some(cache), TIMEOUT) };
    let max_zoom = opts.max_zoom.unwrap_or(MAX_ZOOM).min(MAX_ZOOM_EVER);
    Ok(TilePyramid::new(template.to_owned(), opts.attribution.clone(), (0, max_zoom), store))
}

impl UrlTemplate {
    /// The URL of tile (z, x, y), y from the north.
    fn url(&self, z: u8, x: u32, y: u32) -> String {
        let tms_y = (1u32 << z) - 1 - y;
        let sub = ["a", "b", "c"][((x + y) % 3) as usize];
        self.template
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{-y}", &tms_y.to_string())
            .replace("{y}", &y.to_string())
            .replace("{TileMatrix}", &z.to_string())
            .replace("{TileCol}", &x.to_string())
            .replace("{TileRow}", &y.to_string())
            .replace("{s}", sub)
    }
}

impl TileStore for UrlTemplate {
    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        self.loader.load(&self.url(z, x, y)).map(Some).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_xyz_tms_and_wmts_placeholders() {
        let t = |s: &str| url_template(s, &ImageryOptions::default()).map(|p| p.store.url(3, 5, 1));
        assert_eq!(
            t("https://{s}.tile.example/{z}/{x}/{y}.png").ok().as_deref(),
            Some("https://a.tile.example/3/5/1.png")
        );
        // TMS counts rows from the south: 2^3 - 1 - 1.
        assert_eq!(t("http://h/tms/{z}/{x}/{-y}.jpg").ok().as_deref(), Some("http://h/tms/3/5/6.jpg"));
        assert_eq!(
            t("http://h/wmts/layer/GoogleMapsCompatible/{TileMatrix}/{TileRow}/{TileCol}.png").ok().as_deref(),
            Some("http://h/wmts/layer/GoogleMapsCompatible/3/1/5.png")
        );
        let e = t("http://h/tiles.png").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("http://h/tiles.png") && e.contains("{z}"), "{e}");
    }
}
