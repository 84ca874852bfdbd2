//! Which building (or zone) holds each sensor: the sensors' positions joined against the city's
//! footprints through `city_index`'s parallel point join. The caller projects the sensors into
//! the index's frame (a projected CRS or a tileset's local metres).
use city_core::Geodetic;
use city_index::{BatchOptions, CityIndex};

use crate::{IotLayer, LayerError};

impl IotLayer {
    /// Joins every sensor to the index's objects whose footprint covers it; `project` puts a
    /// sensor's location in the index's frame. Returns, per sensor (in order), the object ids
    /// (usually one; none in the street; several where footprints overlap), and keeps the first
    /// as the sensor's container.
    pub fn join_to(
        &mut self,
        index: &CityIndex,
        project: impl Fn(Geodetic) -> [f64; 2] + Sync,
    ) -> Result<Vec<Vec<u32>>, LayerError> {
        let points: Vec<[f64; 2]> = self.sensors.iter().map(|s| project(s.location)).collect();
        let hits = index
            .join_points(&points, BatchOptions::default())
            .map_err(|source| LayerError::Index { what: "sensor join", source })?;
        let per_sensor: Vec<Vec<u32>> = (0..points.len()).map(|i| hits.get(i).to_vec()).collect();
        self.containers = per_sensor.iter().map(|h| h.iter().min().copied()).collect();
        Ok(per_sensor)
    }

    /// The object holding sensor `i`, after [`IotLayer::join_to`].
    pub fn container(&self, sensor: usize) -> Option<u32> {
        self.containers.get(sensor).copied().flatten()
    }
}
