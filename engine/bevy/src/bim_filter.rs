//! Looking into a BIM building: show the storeys up to one, hide classes (furniture, spaces) or
//! draw them see-through (x-ray walls to see the rooms). The importer gives every element
//! `ifc:class`, `ifc:storey` and `ifc:storey_elevation`; this file turns a filter over those into
//! the alpha of each feature's colour, and lists what the loaded tiles hold for the panel
//! (`bim_panel.rs` keeps the list current and draws the panel).
//!
//! Hidden features get alpha 0 and are drawn with a masked material (discarded, so what is
//! behind shows and picking skips them); x-rayed ones get [`XRAY_ALPHA`] and put their mesh in
//! the blended material (`SharedMaterials::for_alphas`). A mesh holds a whole tile's features, so with x-ray on the opaque
//! elements of the same mesh are blended too (at alpha 1; their order within the mesh decides
//! overlaps): the price of not splitting meshes by class.
use bevy::prelude::*;
use city_core::AttributeValue;
use city_tiles::FeatureProperties;

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
