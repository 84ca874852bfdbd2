//! Everything the operations centre sees about each incident, computed once per change of the
//! incident list: the zone and its rings in the city's metric frame (to draw them), the objects
//! inside (to highlight them), people, the sensors inside, and the nearest facilities. The
//! viewer and `citytwin impact` both ask this one place.
use geo::{Buffer, Contains, MultiPolygon};

use crate::{
    Facility, FacilityKind, Impact, Incident, LayerError, PeopleModel, impacts, nearest_facilities, project_zone,
};

/// A city to analyse incidents against, in its metric frame.
pub struct IncidentAnalysis {
    /// The objects, indexed.
    pub index: city_index::CityIndex,
    /// Each object's id (`features.csv`), by index id.
    pub ids: Vec<String>,
    /// Longitude, latitude (degrees) to the index's metres.
    pub project: Box<dyn Fn(f64, f64) -> [f64; 2] + Send + Sync>,
    /// Ring distances, metres, ascending.
    pub rings_m: Vec<f64>,
    /// How people are estimated.
    pub people: PeopleModel,
    /// What each object says about its people (by index id; empty: nothing known).
    pub occupancy: Vec<crate::Occupancy>,
    /// Facilities to rank, and how many of each kind.
    pub facilities: Vec<Facility>,
    /// Facilities listed per kind.
    pub nearest: usize,
    /// Sensors (id, lon, lat) to count inside zones.
    pub sensors: Vec<(String, [f64; 2])>,
}

/// One incident, analysed.
#[derive(Debug, Clone)]
pub struct IncidentSummary {
    /// The incident.
    pub incident: Incident,
    /// Its zone's outer rings, metres in the analysis frame.
    pub zone: Vec<Vec<[f64; 2]>>,
    /// Per ring distance, the outline of the zone grown by it.
    pub rings: Vec<(f64, Vec<Vec<[f64; 2]>>)>,
    /// Objects inside, and per ring the objects further out (index ids).
    pub impact: Impact,
    /// The ids of the objects inside.
    pub inside_ids: Vec<String>,
    /// Sensors inside the zone (their ids).
    pub sensors: Vec<String>,
    /// Per kind, the nearest facilities: (name, metres from the zone, 0 inside).
    pub nearest: Vec<(FacilityKind, Vec<(String, f64)>)>,
}

fn outlines(mp: &MultiPolygon<f64>) -> Vec<Vec<[f64; 2]>> {
    mp.0.iter().map(|p| p.exterior().0.iter().map(|c| [c.x, c.y]).collect()).collect()
}

impl IncidentAnalysis {
    /// Analyses `incidents`, all at once through the index.
    pub fn summarise(&self, incidents: &[Incident]) -> Result<Vec<IncidentSummary>, LayerError> {
        let all = impacts(incidents, &self.index, &self.project, &self.rings_m, self.people, |id| {
            self.occupancy.get(id as usize).copied().unwrap_or_default()
        })?;
        let facility_xy: Vec<[f64; 2]> =
            self.facilities.iter().map(|f| (self.project)(f.lon_lat[0], f.lon_lat[1])).collect();
        let sensor_xy: Vec<geo::Point<f64>> = self
            .sensors
            .iter()
            .map(|(_, p)| {
                let [x, y] = (self.project)(p[0], p[1]);
                geo::Point::new(x, y)
            })
            .collect();
        Ok(incidents
            .iter()
            .zip(all)
            .map(|(incident, impact)| {
                let zone = project_zone(incident, &self.project);
                let rings = self.rings_m.iter().map(|&r| (r, outlines(&zone.buffer(r)))).collect();
                let nearest = nearest_facilities(&zone, &self.facilities, &facility_xy, self.nearest)
                    .into_iter()
                    .map(|(kind, ranked)| {
                        (kind, ranked.into_iter().map(|(i, d)| (self.facilities[i].name.clone(), d)).collect())
                    })
                    .collect();
                let sensors = self
                    .sensors
                    .iter()
                    .zip(&sensor_xy)
                    .filter(|(_, p)| zone.contains(*p))
                    .map(|((id, _), _)| id.clone())
                    .collect();
                IncidentSummary {
                    incident: incident.clone(),
                    zone: outlines(&zone),
                    rings,
                    inside_ids: impact.inside.iter().map(|&i| self.ids[i as usize].clone()).collect(),
                    impact,
                    sensors,
                    nearest,
                }
            })
            .collect())
    }
}
