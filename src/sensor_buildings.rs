//! Which building of an imported tileset holds each sensor: the tileset's `features.csv`
//! footprints (in its local ENU metres) indexed by `city_index`, and the sensors projected into
//! that frame through the inverse of the root transform, joined in parallel
//! (`IotLayer::join_to`). The viewer uses the answer to restyle buildings by their sensors'
//! alarms and to say in the sensor panel which building a sensor is in.
use std::path::Path;

use anyhow::Result;
use city_core::{Geodetic, ecef_from_geodetic};
use city_layers::IotLayer;
use city_tiles::{Mat4, TilesetFeatures};

/// Per sensor of `layer` (in order), the id of the object of the tileset in `dir` whose
/// footprint holds it: a building when one does, else any other object (a road, a square: the
/// zone it stands in); the layer keeps the join too.
pub fn sensor_buildings(layer: &mut IotLayer, dir: &Path) -> Result<Vec<Option<String>>> {
    let table = TilesetFeatures::read(dir)?;
    let objects = crate::query_io::tileset_objects(&table);
    let index = objects.index()?;
    let local_from_ecef = table.local_from_ecef();
    let hits = layer.join_to(&index, |g: Geodetic| {
        let p = local_from_ecef.point(ecef_from_geodetic(Geodetic { height_m: 0.0, ..g }));
        [p[0], p[1]]
    })?;
    let is_building = |i: u32| table.rows[i as usize].is_building();
    Ok(hits
        .iter()
        .map(|h| {
            let best = h.iter().copied().filter(|&i| is_building(i)).min().or_else(|| h.iter().copied().min());
            best.map(|i| objects.ids[i as usize].clone())
        })
        .collect())
}

/// The map from ECEF to the local metres of an imported tileset's feature table (the inverse
/// of its root transform).
pub fn tileset_local_frame(dir: &Path) -> Result<Mat4> {
    Ok(city_tiles::root_transform(dir)?.inverse_affine())
}
