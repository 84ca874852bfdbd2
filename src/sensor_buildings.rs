//! Which building of an imported tileset holds each sensor: the tileset's `features.csv`
//! footprints (in its local ENU metres) indexed by `city_index`, and the sensors projected into
//! that frame through the inverse of the root transform, joined in parallel
//! (`IotLayer::join_to`). The viewer uses the answer to restyle buildings by their sensors'
//! alarms and to say in the sensor panel which building a sensor is in.
use std::path::Path;

use anyhow::{Context, Result};
use city_core::{Geodetic, ecef_from_geodetic};
use city_layers::IotLayer;
use city_tiles::{Mat4, TilesetJson};

/// Per sensor of `layer` (in order), the id of the building of the tileset in `dir` whose
/// footprint holds it; the layer keeps the join too.
pub fn sensor_buildings(layer: &mut IotLayer, dir: &Path) -> Result<Vec<Option<String>>> {
    let objects = crate::query_io::read_objects(dir, None)?;
    let index = objects.index()?;
    let path = dir.join("tileset.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let json = TilesetJson::parse(&bytes, "tileset.json")?;
    let m = json.root.transform.clone().with_context(|| format!("{}: the root has no transform", path.display()))?;
    let local_from_ecef = Mat4(std::array::from_fn(|i| m[i])).inverse_affine();
    let hits = layer.join_to(&index, |g: Geodetic| {
        let p = local_from_ecef.point(ecef_from_geodetic(Geodetic { height_m: 0.0, ..g }));
        [p[0], p[1]]
    })?;
    Ok(hits.iter().map(|h| h.iter().min().map(|&i| objects.ids[i as usize].clone())).collect())
}
