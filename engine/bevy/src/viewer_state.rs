//! What the user has chosen and what the live layers say about buildings: the style (and split
//! mode's), the picked feature, the buildings in alarm or inside an incident, the BIM filter; and
//! from those, each feature's colour. Every plugin that changes a colour writes here; `restyle`
//! turns a change into vertex colours.
use bevy::prelude::*;
use city_core::{AttributeValue, StyleRule};
use city_tiles::{FeatureProperties, MetadataEntry, TileId, TileTree, metadata_entries};

use crate::feature_style::{AFFECTED_COLOR, ALARM_COLOR, DEFAULT_COLOR, HIGHLIGHT_COLOR, feature_color};

/// The feature the user clicked.
#[derive(Debug, Clone, PartialEq)]
pub struct PickedFeature {
    /// Layer index.
    pub layer: usize,
    /// The tile it was picked in.
    pub tile: TileId,
    /// Its feature id there (none for meshes without ids).
    pub feature: Option<u32>,
    /// Its `id` property, when it has one: the same building in every level of detail.
    pub id: Option<String>,
    /// Its properties, as text, for the panel.
    pub attributes: Vec<(String, String)>,
    /// The 3D Tiles 1.1 metadata above it: its tileset's, group's, tile's and content's.
    pub metadata: Vec<MetadataEntry>,
}

/// How features are coloured: the style rule, the highlight of the picked feature, and the
/// buildings whose sensors are in alarm.
#[derive(Resource, Debug, Clone, Default)]
pub struct FeatureColors {
    /// The style (none: each content's own material colour).
    pub style: Option<StyleRule>,
    /// The picked feature.
    pub picked: Option<PickedFeature>,
    /// Ids of the buildings holding a sensor in alarm (sorted), drawn in the alarm colour.
    pub alarmed: Vec<String>,
    /// Ids of the buildings inside an incident's zone (sorted), drawn in the affected colour.
    pub affected: Vec<String>,
    /// The right half's style in split mode (`split_view.rs`).
    pub split: Option<StyleRule>,
    /// BIM elements hidden or see-through (`bim_filter.rs`): the alpha of their colour.
    pub bim: crate::bim_filter::BimFilter,
}

fn text(v: &AttributeValue) -> String {
    match v {
        AttributeValue::Text(s) => s.clone(),
        AttributeValue::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        other => other.to_json().to_string(),
    }
}

impl FeatureColors {
    /// The colour of feature `f` of a content of `tile` in `layer`, in the left (or only) view,
    /// or with `right` in split mode's right half.
    #[allow(clippy::too_many_arguments)]
    pub fn color(
        &self,
        right: bool,
        layer: usize,
        tile: TileId,
        props: &FeatureProperties,
        f: Option<u32>,
        base: [f32; 4],
    ) -> [f32; 4] {
        // The BIM filter sets the alpha of what the rest picks.
        let alpha = f.and_then(|f| self.bim.alpha(props, f as usize));
        if alpha.is_some_and(|a| a <= 0.0) {
            return [0.0; 4];
        }
        // Whether the feature's id is in a sorted list.
        let listed = |list: &[String]| {
            !list.is_empty()
                && f.and_then(|f| props.get(f as usize, "id")).is_some_and(|v| list.binary_search(&text(v)).is_ok())
        };
        let picked = match (&self.picked, f) {
            (Some(p), Some(f)) => match &p.id {
                Some(id) => props.get(f as usize, "id").is_some_and(|v| text(v) == *id),
                None => p.layer == layer && p.tile == tile && p.feature == Some(f),
            },
            _ => false,
        };
        let style = if right { &self.split } else { &self.style };
        let c = if picked {
            HIGHLIGHT_COLOR
        } else if listed(&self.alarmed) {
            ALARM_COLOR
        } else if listed(&self.affected) {
            AFFECTED_COLOR
        } else {
            match (style, f) {
                (Some(style), Some(f)) => feature_color(Some(style), props.get(f as usize, &style.attribute)),
                (Some(_), None) => DEFAULT_COLOR,
                (None, _) => base,
            }
        };
        alpha.map_or(c, |a| [c[0], c[1], c[2], a])
    }

    /// The picked feature's record, from a content's properties.
    /// The picked feature's record: content `content` of `tile` in layer `layer`, whose
    /// decoded properties are `props`.
    pub fn describe(
        layer: usize,
        tree: &TileTree,
        (tile, content): (TileId, usize),
        props: &FeatureProperties,
        feature: Option<u32>,
    ) -> PickedFeature {
        let row = feature.map(|f| props.row(f as usize)).unwrap_or_default();
        PickedFeature {
            layer,
            tile,
            feature,
            id: row.iter().find(|(n, _)| *n == "id").map(|(_, v)| text(v)),
            attributes: row.iter().map(|(n, v)| ((*n).to_owned(), text(v))).collect(),
            metadata: metadata_entries(tree, tile, content),
        }
    }
}
