//! The emergency layer in the viewer: each incident's zone as a translucent extrusion in its
//! severity's colour, its rings as outlines on the ground, the buildings inside highlighted,
//! and the timeline of alerts that an operator plays back (the panel is `incident_panel`).
//! Live alerts (feeds, MQTT) arrive from their threads through a queue and become new steps;
//! the analysis of a step (`city_layers::IncidentAnalysis`) runs when the step is first shown.
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use city_layers::{CapArrival, IncidentAnalysis, IncidentSummary, IncidentTimeline, Severity};
use city_tiles::Mat4 as DMat4;

use crate::floating_origin::WorldPlacement;
use crate::orbit_camera::Orbit;
use crate::shared_materials::SharedMaterials;
use crate::split_view::both_halves;
use crate::viewer_state::FeatureColors;

/// How high a zone is drawn when it says nothing (floods: their water level), metres.
pub const ZONE_HEIGHT_M: f64 = 40.0;

/// What the emergency layer opens with.
#[derive(Clone)]
pub struct IncidentStart {
    /// The alerts and scenarios so far.
    pub timeline: IncidentTimeline,
    /// The city to analyse against (none: zones are listed, not analysed or drawn).
    pub analysis: Option<Arc<IncidentAnalysis>>,
    /// From the analysis frame (metres) to ECEF.
    pub ecef_from_local: DMat4,
    /// Live alert sources, if any.
    pub live: Option<Arc<Mutex<Receiver<CapArrival>>>>,
    /// Where to copy each arrival as it is taken in (a bench recording).
    pub log: Option<Sender<CapArrival>>,
    /// Start on this step (default: the last).
    pub step: Option<usize>,
}

impl std::fmt::Debug for IncidentStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentStart")
            .field("steps", &self.timeline.steps.len())
            .field("analysed", &self.analysis.is_some())
            .field("live", &self.live.is_some())
            .finish()
    }
}

/// The layer's state.
#[derive(Resource)]
pub struct IncidentState {
    /// Every step so far.
    pub timeline: IncidentTimeline,
    /// Each step's analysis, once shown.
    pub summaries: Vec<Option<Vec<IncidentSummary>>>,
    /// The step shown.
    pub shown: usize,
    /// Show each new step as it arrives.
    pub follow: bool,
    /// Playing back: seconds until the next step.
    pub playing: Option<f32>,
    /// Draw the zones and highlight the buildings.
    pub visible: bool,
    /// Problems of live sources and analysis, newest last.
    pub problems: Vec<String>,
    /// An incident the list asked to fly to.
    pub fly_to: Option<usize>,
    start: IncidentStart,
    drawn: Option<(usize, bool)>,
    entities: Vec<Entity>,
}

impl IncidentState {
    /// The layer for `start`.
    pub fn new(start: IncidentStart) -> Self {
        let steps = start.timeline.steps.len();
        Self {
            timeline: start.timeline.clone(),
            summaries: vec![None; steps],
            shown: start.step.unwrap_or(steps.saturating_sub(1)).min(steps.saturating_sub(1)),
            follow: start.step.is_none(),
            playing: None,
            visible: true,
            problems: Vec::new(),
            fly_to: None,
            start,
            drawn: None,
            entities: Vec::new(),
        }
    }

    /// The analysis of the step shown (computed on first use).
    pub fn current(&mut self) -> &[IncidentSummary] {
        let k = self.shown;
        if self.summaries.get(k).is_some_and(Option::is_none) {
            let incidents = &self.timeline.steps[k].incidents;
            let result = match &self.start.analysis {
                Some(a) => a.summarise(incidents).unwrap_or_else(|e| {
                    self.problems.push(format!("analysis of step {}: {e}", k + 1));
                    Vec::new()
                }),
                None => Vec::new(),
            };
            self.summaries[k] = Some(result);
        }
        self.summaries.get(k).and_then(Option::as_deref).unwrap_or(&[])
    }

    /// A view of incident `k` of the step shown: over its zone's centre, far enough back to
    /// see the zone whole, keeping the current heading and pitch.
    pub fn zone_pose(&mut self, k: usize, now: Orbit) -> Option<Orbit> {
        let to_ecef = self.start.ecef_from_local;
        let s = self.current().get(k)?;
        let pts: Vec<&[f64; 2]> = s.zone.iter().flatten().collect();
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in &pts {
            for c in 0..2 {
                lo[c] = lo[c].min(p[c]);
                hi[c] = hi[c].max(p[c]);
            }
        }
        if pts.is_empty() {
            return None;
        }
        let centre = to_ecef.point([(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0, 0.0]);
        let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
        Some(Orbit { target: city_core::geodetic_from_ecef(centre), distance_m: (extent * 1.5).max(300.0), ..now })
    }

    /// Takes in what the live sources brought.
    pub fn take_live(&mut self, now_ms: i64) {
        let Some(rx) = self.start.live.clone() else { return };
        let Ok(rx) = rx.lock() else { return };
        while let Ok(a) = rx.try_recv() {
            if let Some(log) = &self.start.log {
                let _ = log.send(a.clone());
            }
            match a {
                CapArrival::Alert { source, alert } => self.timeline.push_alert(&source, alert, now_ms),
                CapArrival::Message { topic, payload } => self.timeline.push_message(&topic, &payload, now_ms),
                CapArrival::Problem(p) => {
                    warn!("{p}");
                    self.problems.push(p);
                    continue;
                }
            }
            for line in &self.timeline.steps.last().map(|s| s.log.clone()).unwrap_or_default() {
                info!("incidents: {line}");
            }
            self.summaries.push(None);
            if self.follow {
                self.shown = self.timeline.steps.len() - 1;
            }
        }
    }
}

/// The colour of a severity (RGB).
pub fn severity_color(s: Severity) -> [f32; 3] {
    match s {
        Severity::Extreme => [0.55, 0.0, 0.45],
        Severity::Severe => [0.9, 0.1, 0.1],
        Severity::Moderate => [1.0, 0.5, 0.0],
        Severity::Minor => [0.95, 0.85, 0.1],
        Severity::Unknown => [0.5, 0.5, 0.55],
    }
}

/// A zone as a closed extrusion from the ground (z = 0) to `height`: walls and a top, as a
/// triangle list (positions, indices). Rings are outer rings, closed or not.
pub fn zone_extrusion(rings: &[Vec<[f64; 2]>], height: f64) -> (Vec<[f32; 3]>, Vec<u32>) {
    let (mut pos, mut idx) = (Vec::new(), Vec::new());
    for ring in rings {
        let mut r: Vec<[f64; 2]> = ring.clone();
        if r.len() > 1 && r.first() == r.last() {
            r.pop();
        }
        if r.len() < 3 {
            continue;
        }
        let base = pos.len() as u32;
        let n = r.len() as u32;
        for p in &r {
            pos.push([p[0] as f32, p[1] as f32, 0.0]);
        }
        for p in &r {
            pos.push([p[0] as f32, p[1] as f32, height as f32]);
        }
        for i in 0..n {
            let j = (i + 1) % n;
            let (a, b, c, d) = (base + i, base + j, base + n + j, base + n + i);
            idx.extend_from_slice(&[a, b, c, a, c, d]);
        }
        let flat: Vec<f64> = r.iter().flat_map(|p| [p[0], p[1]]).collect();
        if let Ok(tri) = earcutr::earcut(&flat, &[], 2) {
            idx.extend(tri.into_iter().map(|t| base + n + t as u32));
        }
    }
    (pos, idx)
}

/// Ring outlines a little above the ground, as a line list.
pub fn ring_lines(rings: &[(f64, Vec<Vec<[f64; 2]>>)]) -> Vec<[f32; 3]> {
    let mut pos = Vec::new();
    for (_, outlines) in rings {
        for ring in outlines {
            for w in ring.windows(2) {
                pos.push([w[0][0] as f32, w[0][1] as f32, 1.0]);
                pos.push([w[1][0] as f32, w[1][1] as f32, 1.0]);
            }
        }
    }
    pos
}

/// Marks the entities drawing incident zones and rings.
#[derive(Component, Debug, Clone, Copy)]
pub struct IncidentZone;

/// Each frame: live alerts in, playback advanced, and when the step shown (or the layer's
/// switch) changed, the zones redrawn and the buildings inside highlighted.
#[allow(clippy::too_many_arguments)]
pub fn update_incidents(
    mut commands: Commands<'_, '_>,
    state: Option<ResMut<'_, IncidentState>>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    materials: Res<'_, SharedMaterials>,
    mut colors: ResMut<'_, FeatureColors>,
    time: Res<'_, Time<Real>>,
) {
    let Some(mut state) = state else { return };
    state.take_live(city_core::now_ms());
    if let Some(left) = state.playing {
        let left = left - time.delta_secs();
        if left <= 0.0 {
            if state.shown + 1 < state.timeline.steps.len() {
                state.shown += 1;
                state.playing = Some(2.0);
            } else {
                state.playing = None;
            }
        } else {
            state.playing = Some(left);
        }
    }
    let want = (state.shown, state.visible);
    if state.drawn == Some(want) || state.timeline.steps.is_empty() {
        return;
    }
    state.drawn = Some(want);
    for e in std::mem::take(&mut state.entities) {
        commands.entity(e).despawn();
    }
    let place = WorldPlacement(state.start.ecef_from_local);
    let visible = state.visible;
    let summaries = state.current().to_vec();
    let mut affected: Vec<String> = Vec::new();
    let mut spawned = Vec::new();
    // One entity per mesh, placed in the analysis frame, drawn in both halves of a split view.
    let mut spawn = |mesh: Mesh, material: &Handle<StandardMaterial>| {
        let e = (Mesh3d(meshes.add(mesh)), MeshMaterial3d(material.clone()), Transform::default(), place);
        spawned.push(commands.spawn((e, IncidentZone, both_halves())).id());
    };
    if visible {
        for s in &summaries {
            affected.extend(s.inside_ids.iter().cloned());
            let [r, g, b] = severity_color(s.incident.severity);
            let height = s.incident.water_level_m.unwrap_or(ZONE_HEIGHT_M);
            let (pos, idx) = zone_extrusion(&s.zone, height);
            if !idx.is_empty() {
                let n = pos.len();
                let mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
                    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, pos)
                    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, vec![[r, g, b, 0.35]; n])
                    .with_inserted_indices(Indices::U32(idx));
                spawn(mesh, &materials.zones);
            }
            let lines = ring_lines(&s.rings);
            if !lines.is_empty() {
                let n = lines.len();
                let mesh = Mesh::new(PrimitiveTopology::LineList, RenderAssetUsages::default())
                    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, lines)
                    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, vec![[r, g, b, 1.0]; n]);
                spawn(mesh, &materials.markers);
            }
        }
    }
    state.entities = spawned;
    affected.sort_unstable();
    affected.dedup();
    if colors.affected != affected {
        colors.affected = affected;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_zone_extrudes_to_walls_and_a_top() {
        let square = vec![vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]];
        let (pos, idx) = zone_extrusion(&square, 5.0);
        assert_eq!(pos.len(), 8);
        assert_eq!(idx.len(), 4 * 6 + 2 * 3, "4 walls of 2 triangles, a top of 2");
        assert!(idx[24..].iter().all(|&i| pos[i as usize][2] == 5.0), "the top is at the height");
        let lines = ring_lines(&[(100.0, square)]);
        assert_eq!(lines.len(), 8, "4 segments, 2 ends each");
    }
}
