//! Colouring features by an attribute: a blue-to-red ramp over numbers (height, year of
//! construction; [`city_core::color_ramp`], the scale the sensor markers share) or a palette
//! over categories (function, use).
use city_core::{AttributeValue, StyleMode, StyleRule, color_ramp};

/// Features without a style, or without the attribute: light grey.
pub const DEFAULT_COLOR: [f32; 4] = [0.82, 0.82, 0.80, 1.0];
/// The picked feature.
pub const HIGHLIGHT_COLOR: [f32; 4] = [1.0, 0.78, 0.0, 1.0];

/// A building holding a sensor in alarm: a red apart from the ramp's and the markers'.
pub const ALARM_COLOR: [f32; 4] = [1.0, 0.12, 0.35, 1.0];
/// Buildings inside an incident's zone: orange-red, apart from the alarm pink, the pick's
/// yellow and the severity colours of the zones around them.
pub const AFFECTED_COLOR: [f32; 4] = [1.0, 0.35, 0.0, 1.0];

/// Twelve distinguishable colours (Tableau's palette, linear RGB) for categories.
const PALETTE: [[f32; 3]; 12] = [
    [0.06, 0.23, 0.52],
    [0.98, 0.38, 0.03],
    [0.51, 0.07, 0.06],
    [0.15, 0.43, 0.38],
    [0.01, 0.36, 0.04],
    [0.82, 0.57, 0.05],
    [0.38, 0.13, 0.31],
    [0.98, 0.26, 0.31],
    [0.32, 0.19, 0.12],
    [0.44, 0.41, 0.39],
    [0.36, 0.64, 0.85],
    [0.58, 0.78, 0.12],
];

/// The colour of a category (stable: the same text always gets the same colour).
pub fn category_color(text: &str) -> [f32; 4] {
    // FNV-1a: deterministic across runs, unlike std's hasher.
    let h = city_core::fnv1a(text.as_bytes());
    let c = PALETTE[(h % PALETTE.len() as u64) as usize];
    [c[0], c[1], c[2], 1.0]
}

/// The colour of a feature whose attribute has value `v` under `style`.
pub fn feature_color(style: Option<&StyleRule>, v: Option<&AttributeValue>) -> [f32; 4] {
    let (Some(style), Some(v)) = (style, v) else { return DEFAULT_COLOR };
    match (&style.mode, v) {
        (StyleMode::Ramp { min, max }, v) => match v.as_f64() {
            Some(x) if max > min => color_ramp((x - min) / (max - min)),
            Some(_) => color_ramp(0.5),
            None => DEFAULT_COLOR,
        },
        (StyleMode::Categories, AttributeValue::Null) => DEFAULT_COLOR,
        (StyleMode::Categories, AttributeValue::Text(s)) => category_color(s),
        (StyleMode::Categories, other) => category_color(&other.to_json().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_run_blue_to_red_and_categories_are_stable() {
        let rule = StyleRule { attribute: "height".into(), mode: StyleMode::Ramp { min: 0.0, max: 50.0 } };
        let low = feature_color(Some(&rule), Some(&AttributeValue::Float(0.0)));
        let high = feature_color(Some(&rule), Some(&AttributeValue::Float(80.0)));
        assert!(low[2] > low[0] && high[0] > high[2], "{low:?} {high:?}");
        assert_eq!(feature_color(Some(&rule), Some(&AttributeValue::Text("tall".into()))), DEFAULT_COLOR);
        assert_eq!(feature_color(None, Some(&AttributeValue::Float(3.0))), DEFAULT_COLOR);
        let cat = StyleRule { attribute: "function".into(), mode: StyleMode::Categories };
        let a = feature_color(Some(&cat), Some(&AttributeValue::Text("school".into())));
        assert_eq!(a, feature_color(Some(&cat), Some(&AttributeValue::Text("school".into()))));
        let distinct: std::collections::BTreeSet<String> = ["residential", "office", "school", "industrial", "retail"]
            .iter()
            .map(|t| format!("{:?}", category_color(t)))
            .collect();
        assert!(distinct.len() >= 4, "categories should mostly differ: {distinct:?}");
    }
}
