//! The sensor panels (egui): the layer's toggle, its feed (up, or down and retrying, and why),
//! counts and refusals, the alarms (click one to open it); and the selected sensor: its
//! metadata, the building holding it, its last value and window statistics, and its history as
//! a time-series plot (egui_plot).
use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use egui_plot::{HLine, Line, Plot, PlotPoints};

use crate::iot_state::IotState;

/// Height of the alarm list, pixels (it scrolls): the panel must fit beside the others.
const ALARM_LIST_HEIGHT: f32 = 90.0;

/// Draws the sensor panels.
pub fn sensor_panel(mut contexts: EguiContexts<'_, '_>, state: Option<ResMut<'_, IotState>>) -> Result {
    let Some(mut state) = state else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    let status = state.live.status();
    let state = &mut *state;
    egui::Window::new("Sensors").anchor(egui::Align2::RIGHT_TOP, [-8.0, 150.0]).default_width(240.0).show(ctx, |ui| {
        ui.checkbox(&mut state.visible, "show sensors");
        ui.checkbox(&mut state.restyle_buildings, "buildings by their sensors' alarms");
        let layer = state.live.layer();
        let c = &layer.counts;
        ui.label(format!("{} sensors, {} observations ({:.0}/s)", layer.sensors.len(), c.applied, status.rate));
        let line = status.feed_line();
        if line.contains("down") || status.error.is_some() {
            ui.colored_label(egui::Color32::from_rgb(230, 120, 0), line);
        } else {
            ui.label(line);
        }
        if c.malformed + c.unknown > 0 {
            ui.label(format!("refused: {} malformed, {} unknown", c.malformed, c.unknown));
            if let Some(e) = layer.recent_errors.last() {
                ui.small(e);
            }
        }
        let mut alarms: Vec<(usize, String)> = layer
            .sensors
            .iter()
            .enumerate()
            .filter(|(_, s)| s.datastreams.iter().any(|d| layer.alarm(&d.id)))
            .map(|(i, s)| (i, s.name.clone()))
            .collect();
        alarms.sort_by(|a, b| a.1.cmp(&b.1));
        drop(layer);
        ui.label(format!("{} alarms", alarms.len()));
        egui::ScrollArea::vertical().max_height(ALARM_LIST_HEIGHT).show(ui, |ui| {
            for (i, name) in &alarms {
                let text = egui::RichText::new(name).color(egui::Color32::from_rgb(220, 40, 40));
                if ui.add(egui::Label::new(text).sense(egui::Sense::click())).clicked() {
                    state.selected = Some(*i);
                }
            }
        });
    });
    let Some(i) = state.selected else { return Ok(()) };
    let layer = state.live.layer();
    let Some(sensor) = layer.sensors.get(i) else { return Ok(()) };
    let mut open = true;
    egui::Window::new(format!("Sensor: {}", sensor.name))
        .id(egui::Id::new("sensor-detail"))
        .open(&mut open)
        .anchor(egui::Align2::RIGHT_BOTTOM, [-8.0, -8.0])
        .default_width(360.0)
        .show(ctx, |ui| {
            ui.label(format!("id {}", sensor.id));
            ui.label(format!("at {:.5} E, {:.5} N", sensor.location.lon_deg, sensor.location.lat_deg));
            match state.containers.get(i).cloned().flatten() {
                Some(b) => ui.label(format!("in {b}")),
                None => ui.label("in no building (not joined, or in the open)"),
            };
            for d in &sensor.datastreams {
                ui.separator();
                let st = layer.state(&d.id);
                let last = st.and_then(|s| s.last());
                let alarm = if layer.alarm(&d.id) { "  ALARM" } else { "" };
                match last {
                    Some((_, v)) => ui.strong(format!("{}: {v:.2} {}{alarm}", d.observed_property, d.unit)),
                    None => ui.strong(format!("{}: no value yet", d.observed_property)),
                };
                let Some(st) = st else { continue };
                if let Some(w) = st.window(3_600_000) {
                    ui.label(format!(
                        "last hour: min {:.2}, mean {:.2}, max {:.2} ({} values)",
                        w.min, w.mean, w.max, w.count
                    ));
                }
                let newest = last.map_or(0, |l| l.0);
                // Seconds before the newest value, so the axis reads "how long ago".
                let points: Vec<[f64; 2]> = st.history().map(|(t, v)| [(t - newest) as f64 / 1000.0, v]).collect();
                let mut plot = Plot::new(("sensor-plot", &d.id))
                    .height(150.0)
                    .x_axis_label("seconds before the last value")
                    .y_axis_label(d.unit.clone())
                    .allow_drag(false)
                    .allow_scroll(false);
                if points.len() < 2 {
                    plot = plot.include_x(-60.0).include_x(0.0);
                }
                let rule = layer.rule_of(&d.id).cloned();
                plot.show(ui, |p| {
                    p.line(Line::new(d.observed_property.clone(), PlotPoints::from(points)));
                    if let Some(r) = rule {
                        p.hline(HLine::new("alarm", r.raise).color(egui::Color32::from_rgb(220, 40, 40)));
                    }
                });
            }
        });
    drop(layer);
    if !open {
        state.selected = None;
    }
    Ok(())
}
