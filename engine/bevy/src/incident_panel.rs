//! The ops-centre panels (egui): a KPI strip (active incidents by severity, buildings and people
//! affected, sensors in alarm, facilities within reach) and the incident window: the timeline
//! (step through or play back the alerts in order), the incidents of the step shown (click one
//! to fly there) with their nearest facilities, and what the step wrote to the log.
use std::collections::HashSet;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use city_layers::Severity;

use crate::camera_control::CameraRig;
use crate::incident_layer::{IncidentState, severity_color};
use crate::iot_state::IotState;

/// Height of the incident list, pixels (it scrolls).
const LIST_HEIGHT: f32 = 150.0;

fn color(s: Severity) -> egui::Color32 {
    let [r, g, b] = severity_color(s);
    egui::Color32::from_rgb((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8)
}

/// The ids of the sensors with a datastream in alarm.
fn alarmed_sensors(iot: Option<&IotState>) -> Option<HashSet<String>> {
    let layer = iot?.live.layer();
    Some(
        layer
            .sensors
            .iter()
            .filter(|s| s.datastreams.iter().any(|d| layer.alarm(&d.id)))
            .map(|s| s.id.clone())
            .collect(),
    )
}

/// Draws the KPI strip and the incident window.
pub fn incident_panel(
    mut contexts: EguiContexts<'_, '_>,
    state: Option<ResMut<'_, IncidentState>>,
    iot: Option<Res<'_, IotState>>,
    mut rig: ResMut<'_, CameraRig>,
) -> Result {
    let Some(mut state) = state else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    let alarmed = alarmed_sensors(iot.as_deref());
    let steps = state.timeline.steps.len();
    // What the panels show, taken from the step's analysis without copying its geometry
    // (this runs every frame).
    state.current();
    let summaries = state.summaries.get(state.shown).and_then(Option::as_deref).unwrap_or(&[]);
    let mut by_severity = [0usize; 5];
    for s in summaries {
        by_severity[s.incident.severity as usize] += 1;
    }
    let mut buildings: Vec<&String> = summaries.iter().flat_map(|s| &s.inside_ids).collect();
    buildings.sort_unstable();
    buildings.dedup();
    let buildings = buildings.len();
    let people: f64 = summaries.iter().map(|s| s.impact.people_inside).sum::<f64>() + 0.0;
    let in_zones: HashSet<&String> = summaries.iter().flat_map(|s| &s.sensors).collect();
    let in_zones_alarmed = alarmed.as_ref().map(|a| in_zones.iter().filter(|id| a.contains(**id)).count());
    let in_zones = in_zones.len();
    let incidents = summaries.len();
    // Per incident: its line, its colour, and its nearest facility of each kind.
    let rows: Vec<(String, Severity, Vec<String>)> = summaries
        .iter()
        .map(|s| {
            let i = &s.incident;
            let text = format!(
                "{} ({:?}, {}): {} buildings, ~{:.0} people, {} sensors",
                if i.headline.is_empty() { &i.event } else { &i.headline },
                i.severity,
                i.urgency,
                s.inside_ids.len(),
                s.impact.people_inside,
                s.sensors.len()
            );
            let nearest = s
                .nearest
                .iter()
                .filter_map(|(kind, ranked)| {
                    ranked.first().map(|(name, d)| format!("    nearest {}: {name} {d:.0} m", kind.label()))
                })
                .collect();
            (text, i.severity, nearest)
        })
        .collect();

    egui::Window::new("Operations")
        .anchor(egui::Align2::CENTER_TOP, [0.0, 8.0])
        .title_bar(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.strong(format!("{incidents} incidents"));
                for (k, s) in
                    [Severity::Extreme, Severity::Severe, Severity::Moderate, Severity::Minor].iter().enumerate()
                {
                    if by_severity[k] > 0 {
                        ui.colored_label(color(*s), format!("{} {:?}", by_severity[k], s));
                    }
                }
                ui.separator();
                ui.strong(format!("{buildings} buildings"));
                ui.strong(format!("~{people:.0} people"));
                ui.separator();
                match (&alarmed, in_zones_alarmed) {
                    (Some(a), Some(inside)) => ui.strong(format!("{} sensors in alarm ({inside} in zones)", a.len())),
                    _ => ui.label(format!("{in_zones} sensors in zones")),
                };
            });
        });

    let state = &mut *state;
    egui::Window::new("Incidents").anchor(egui::Align2::CENTER_BOTTOM, [0.0, -8.0]).default_width(520.0).show(
        ctx,
        |ui| {
            ui.checkbox(&mut state.visible, "show zones and affected buildings");
            if steps == 0 {
                ui.label("no alerts yet");
                return;
            }
            ui.horizontal(|ui| {
                let mut k = state.shown + 1;
                let slider = ui.add(egui::Slider::new(&mut k, 1..=steps).text("step"));
                if slider.changed() {
                    state.shown = k - 1;
                    state.follow = false;
                    state.playing = None;
                }
                if state.playing.is_some() {
                    if ui.button("pause").clicked() {
                        state.playing = None;
                    }
                } else if ui.button("play").clicked() {
                    if state.shown + 1 >= steps {
                        state.shown = 0;
                    }
                    state.follow = false;
                    state.playing = Some(2.0);
                }
                if ui.checkbox(&mut state.follow, "follow live").changed() && state.follow {
                    state.shown = steps - 1;
                }
            });
            let step = &state.timeline.steps[state.shown];
            ui.label(format!("{}: {}", state.shown + 1, step.label));
            egui::ScrollArea::vertical().max_height(LIST_HEIGHT).show(ui, |ui| {
                for (k, (text, severity, nearest)) in rows.iter().enumerate() {
                    let line = egui::RichText::new(text).color(color(*severity));
                    if ui.add(egui::Label::new(line).sense(egui::Sense::click())).clicked() {
                        state.fly_to = Some(k);
                    }
                    for n in nearest {
                        ui.small(n);
                    }
                }
                for line in &step.log {
                    ui.small(line);
                }
                for p in state.problems.iter().rev().take(3) {
                    ui.colored_label(egui::Color32::from_rgb(230, 120, 0), p);
                }
            });
        },
    );
    if let Some(k) = state.fly_to.take()
        && let Some(pose) = state.zone_pose(k, rig.orbit)
    {
        rig.fly_to(pose);
    }
    Ok(())
}
