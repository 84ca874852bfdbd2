//! The "Building" panel of a BIM building, and the catalog it lists: the storeys and IFC classes
//! the loaded tiles hold, kept up to date as tiles stream in and out. The filter it edits and
//! the catalog's type are plain data in `bim_filter.rs`; this file is what needs the ECS and egui.
use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::bim_filter::{BimCatalog, BimFilter};
use crate::camera_control::PointerOverPanel;
use crate::tile_layers::Layers;
use crate::viewer_state::FeatureColors;

/// Keeps the catalog up to date with what is loaded: rebuilt when the set of loaded tiles
/// changes (streaming touches the layers every frame, so change detection alone would rebuild
/// it every frame).
pub fn update_catalog(layers: Res<'_, Layers>, mut catalog: ResMut<'_, BimCatalog>, mut loaded: Local<'_, u64>) {
    // An order-free signature of (layer, tile) pairs: the sum of their mixed ids.
    let signature = layers
        .0
        .iter()
        .enumerate()
        .flat_map(|(l, layer)| layer.loaded.keys().map(move |t| ((l as u64) << 32) | u64::from(t.0)))
        .map(|k| city_core::SplitMix64(k).next_u64())
        .fold(0u64, u64::wrapping_add);
    if signature == *loaded {
        return;
    }
    *loaded = signature;
    let mut c = BimCatalog::default();
    for t in layers.0.iter().flat_map(|l| l.loaded.values()) {
        for content in t.contents.iter() {
            c.add(&content.properties);
        }
    }
    if c != *catalog {
        *catalog = c;
    }
}

/// The "Building" panel: storeys up to one, and each class shown, x-rayed or hidden. Shown
/// only when the loaded tiles hold BIM elements.
pub fn bim_panel(
    mut contexts: EguiContexts<'_, '_>,
    catalog: Res<'_, BimCatalog>,
    mut colors: ResMut<'_, FeatureColors>,
    mut over: ResMut<'_, PointerOverPanel>,
) -> Result {
    if catalog.classes.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut filter = colors.bim.clone();
    let window = egui::Window::new("Building").anchor(egui::Align2::LEFT_BOTTOM, [8.0, -8.0]).show(ctx, |ui| {
        let label = |f: &BimFilter| match f.top_storey_m {
            None => "all storeys".to_owned(),
            Some(z) => catalog
                .storeys
                .iter()
                .find(|(_, w)| *w == z)
                .map_or_else(|| format!("up to {z:.2} m"), |(n, w)| format!("up to {n} ({w:.2} m)")),
        };
        egui::ComboBox::from_label("storeys").selected_text(label(&filter)).show_ui(ui, |ui| {
            ui.selectable_value(&mut filter.top_storey_m, None, "all storeys");
            for (n, z) in &catalog.storeys {
                ui.selectable_value(&mut filter.top_storey_m, Some(*z), format!("up to {n} ({z:.2} m)"));
            }
        });
        egui::Grid::new("bim classes").show(ui, |ui| {
            for class in &catalog.classes {
                let mut mode = if filter.hidden.contains(class) {
                    2
                } else if filter.xray.contains(class) {
                    1
                } else {
                    0
                };
                ui.label(class);
                ui.radio_value(&mut mode, 0, "shown");
                ui.radio_value(&mut mode, 1, "x-ray");
                ui.radio_value(&mut mode, 2, "hidden");
                ui.end_row();
                filter.hidden.retain(|c| c != class);
                filter.xray.retain(|c| c != class);
                match mode {
                    1 => filter.xray.push(class.clone()),
                    2 => filter.hidden.push(class.clone()),
                    _ => {}
                }
            }
        });
    });
    if window.is_some_and(|w| w.response.contains_pointer()) {
        over.0 = true;
    }
    if filter != colors.bim {
        colors.bim = filter;
    }
    Ok(())
}
