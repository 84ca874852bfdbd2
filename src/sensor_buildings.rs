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

/// Per sensor of `layer` (in order), the id of the object of the tileset in `dir` whose
/// footprint holds it: a building when one does, else any other object (a road, a square: the
/// zone it stands in); the layer keeps the join too.
pub fn sensor_buildings(layer: &mut IotLayer, dir: &Path) -> Result<Vec<Option<String>>> {
    let objects = crate::query_io::read_objects(dir, None)?;
    let buildings = building_ids(&dir.join("features.csv"))?;
    let index = objects.index()?;
    let local_from_ecef = tileset_local_frame(dir)?;
    let hits = layer.join_to(&index, |g: Geodetic| {
        let p = local_from_ecef.point(ecef_from_geodetic(Geodetic { height_m: 0.0, ..g }));
        [p[0], p[1]]
    })?;
    let is_building = |i: u32| buildings.contains(objects.ids[i as usize].as_str());
    Ok(hits
        .iter()
        .map(|h| {
            let best = h.iter().copied().filter(|&i| is_building(i)).min().or_else(|| h.iter().copied().min());
            best.map(|i| objects.ids[i as usize].clone())
        })
        .collect())
}

/// The map from ECEF to the local metres of an imported tileset's `features.csv` (the inverse of
/// its root transform).
pub fn tileset_local_frame(dir: &Path) -> Result<Mat4> {
    let path = dir.join("tileset.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let json = TilesetJson::parse(&bytes, "tileset.json")?;
    let m = json.root.transform.clone().with_context(|| format!("{}: the root has no transform", path.display()))?;
    Ok(Mat4(std::array::from_fn(|i| m[i])).inverse_affine())
}

/// The ids of the `Building`/`BuildingPart` rows of a `features.csv`.
fn building_ids(path: &Path) -> Result<std::collections::HashSet<String>> {
    let mut rd = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let mut ids = std::collections::HashSet::new();
    for (n, rec) in rd.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: line {}", path.display(), n + 2))?;
        if rec.get(1).is_some_and(|k| k.starts_with("Building")) {
            ids.insert(rec.get(0).unwrap_or_default().to_owned());
        }
    }
    Ok(ids)
}
