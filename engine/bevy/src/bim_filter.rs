//! Looking into a BIM building: show the storeys up to one, hide classes (furniture, spaces) or
//! draw them see-through (x-ray walls to see the rooms). The importer gives every element
//! `ifc:class`, `ifc:storey` and `ifc:storey_elevation`; this file turns a filter over those into
//! the alpha of each feature's colour, and lists what the loaded tiles hold for the panel.
//!
//! Hidden features get alpha 0 and are drawn with a masked material (discarded, so what is
//! behind shows and picking skips them); x-rayed ones get [`XRAY_ALPHA`] and put their mesh in
//! the blended material. A mesh holds a whole tile's features, so with x-ray on the opaque
//! elements of the same mesh are blended too (at alpha 1; their order within the mesh decides
//! overlaps): the price of not splitting meshes by class.
use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use city_core::AttributeValue;
use city_tiles::FeatureProperties;

use crate::camera_control::PointerOverPanel;
use crate::tile_layers::Layers;
use crate::viewer_state::FeatureColors;

/// The alpha of an x-rayed element.
pub const XRAY_ALPHA: f32 = 0.18;

/// What of a BIM building is drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BimFilter {
    /// Storeys above this elevation (metres, `ifc:storey_elevation`) are hidden; `None`: all.
    pub top_storey_m: Option<f64>,
    /// IFC classes not drawn (`IfcFurnishingElement`).
    pub hidden: Vec<String>,
    /// IFC classes drawn see-through (`IfcWallStandardCase`).
    pub xray: Vec<String>,
}

impl BimFilter {
    /// Whether it changes anything.
    pub fn is_active(&self) -> bool {
        self.top_storey_m.is_some() || !self.hidden.is_empty() || !self.xray.is_empty()
    }

    /// The alpha feature `row` is drawn with: `None` as usual, `Some(0.0)` hidden,
    /// `Some(XRAY_ALPHA)` see-through. Features without IFC attributes are never touched.
    pub fn alpha(&self, props: &FeatureProperties, row: usize) -> Option<f32> {
        if !self.is_active() {
            return None;
        }
        if let (Some(top), Some(z)) =
            (self.top_storey_m, props.get(row, "ifc:storey_elevation").and_then(|v| v.as_f64()))
            && z > top + 1e-6
        {
            return Some(0.0);
        }
        let Some(AttributeValue::Text(class)) = props.get(row, "ifc:class") else { return None };
        if self.hidden.iter().any(|c| c == class) {
            Some(0.0)
        } else if self.xray.iter().any(|c| c == class) {
            Some(XRAY_ALPHA)
        } else {
            None
        }
    }
}

/// The storeys and classes in the loaded tiles, for the panel.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct BimCatalog {
    /// (name, elevation in metres), by elevation.
    pub storeys: Vec<(String, f64)>,
    /// IFC classes, sorted.
    pub classes: Vec<String>,
}

impl BimCatalog {
    /// What `props` hold, added.
    pub fn add(&mut self, props: &FeatureProperties) {
        let column = |name: &str| props.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        if let Some(classes) = column("ifc:class") {
            for c in classes {
                if let AttributeValue::Text(c) = c
                    && let Err(at) = self.classes.binary_search(c)
                {
                    self.classes.insert(at, c.clone());
                }
            }
        }
        if let (Some(names), Some(z)) = (column("ifc:storey"), column("ifc:storey_elevation")) {
            for (n, z) in names.iter().zip(z) {
                if let (AttributeValue::Text(n), Some(z)) = (n, z.as_f64())
                    && !self.storeys.iter().any(|(m, w)| m == n && *w == z)
                {
                    self.storeys.push((n.clone(), z));
                    self.storeys.sort_by(|a, b| a.1.total_cmp(&b.1));
                }
            }
        }
    }
}

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

/// The material for a part whose vertices have these colours: opaque when every alpha is 1,
/// masked when some are hidden (0), blended when some are see-through.
pub fn material_for(colors: &[[f32; 4]], materials: &crate::viewer_state::SharedMaterials) -> Handle<StandardMaterial> {
    let (mut hidden, mut xray) = (false, false);
    for c in colors {
        if c[3] <= 0.0 {
            hidden = true;
        } else if c[3] < 1.0 {
            xray = true;
        }
    }
    if xray {
        materials.xray.clone()
    } else if hidden {
        materials.masked.clone()
    } else {
        materials.surfaces.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> FeatureProperties {
        let t = |s: &str| AttributeValue::Text(s.into());
        FeatureProperties {
            count: 3,
            columns: vec![
                ("ifc:class".into(), vec![t("IfcWall"), t("IfcSlab"), AttributeValue::Null]),
                ("ifc:storey".into(), vec![t("EG"), t("OG"), AttributeValue::Null]),
                (
                    "ifc:storey_elevation".into(),
                    vec![AttributeValue::Float(0.0), AttributeValue::Float(2.7), AttributeValue::Null],
                ),
            ],
        }
    }

    #[test]
    fn storeys_above_the_top_are_hidden_and_classes_follow_their_mode() {
        let p = props();
        let mut f = BimFilter::default();
        assert_eq!((f.alpha(&p, 0), f.alpha(&p, 1)), (None, None));
        f.top_storey_m = Some(0.0);
        assert_eq!((f.alpha(&p, 0), f.alpha(&p, 1), f.alpha(&p, 2)), (None, Some(0.0), None));
        f.top_storey_m = None;
        f.xray = vec!["IfcWall".into()];
        f.hidden = vec!["IfcSlab".into()];
        assert_eq!((f.alpha(&p, 0), f.alpha(&p, 1), f.alpha(&p, 2)), (Some(XRAY_ALPHA), Some(0.0), None));
        let mut c = BimCatalog::default();
        c.add(&p);
        assert_eq!(c.classes, ["IfcSlab", "IfcWall"]);
        assert_eq!(c.storeys, [("EG".to_owned(), 0.0), ("OG".to_owned(), 2.7)]);
    }
}
