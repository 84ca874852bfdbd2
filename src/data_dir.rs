//! The public data CityTwin is tested and benchmarked on, found through one setting.
//!
//! `CITYTWIN_DATA` names the folder (default `../shared/data`, relative to the working
//! directory, as a checkout beside the shared folder has it). The README lists where outside
//! users get each file.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use city_index::FootprintTemplate;

/// The data folder (`city_core::shared_data_dir`: `$CITYTWIN_DATA`, or `../shared/data`).
pub fn data_dir() -> PathBuf {
    city_core::shared_data_dir()
}

/// A file under the data folder, or an error naming the path and the setting.
pub fn data_file(relative: &str) -> Result<PathBuf> {
    Ok(city_core::shared_data_file(relative)?)
}

/// Footprint shapes of real buildings (the Wuhan OSM footprints), normalised, for the
/// synthetic benchmark city.
pub fn real_footprint_templates() -> Result<Vec<FootprintTemplate>> {
    let path = data_file("geojson/wuhan_buildings.geojson")?;
    templates_from_geojson(&path)
}

/// Templates from every Polygon in a WGS84 GeoJSON file, projected to local metres on the
/// equirectangular tangent at each polygon's first point (exact enough for 100 m shapes).
pub fn templates_from_geojson(path: &Path) -> Result<Vec<FootprintTemplate>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let features = json["features"].as_array().with_context(|| format!("{}: no \"features\" array", path.display()))?;
    let mut out = Vec::new();
    for f in features {
        if f["geometry"]["type"] != "Polygon" {
            continue;
        }
        let Some(ring) = f["geometry"]["coordinates"][0].as_array() else { continue };
        let lonlat: Vec<[f64; 2]> =
            ring.iter().filter_map(|c| Some([c.get(0)?.as_f64()?, c.get(1)?.as_f64()?])).collect();
        let Some(first) = lonlat.first() else { continue };
        let (m_per_deg_lat, m_per_deg_lon) = (111_320.0, 111_320.0 * first[1].to_radians().cos());
        let metres: Vec<[f64; 2]> =
            lonlat.iter().map(|p| [(p[0] - first[0]) * m_per_deg_lon, (p[1] - first[1]) * m_per_deg_lat]).collect();
        if let Some(t) = FootprintTemplate::from_ring(&metres) {
            out.push(t);
        }
    }
    if out.is_empty() {
        bail!("{}: no polygon footprints", path.display());
    }
    Ok(out)
}
