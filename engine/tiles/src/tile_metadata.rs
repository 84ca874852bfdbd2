//! 3D Tiles 1.1 metadata of what was picked, as a panel shows it: the tileset's own, its content
//! group's, its tile's and its content's (each an entity `{class, properties}` read with the
//! tileset's schema), before the feature's own properties.
//!
//! Values are shown as the schema defines them: a property's `name` over its id, `offset` and
//! `scale` applied to numbers, a missing property shown with its class `default`, enum values by
//! name. Entities whose schema is not in the tileset (`schemaUri`) are shown as written.
use serde_json::Value;

use crate::{TileId, TileTree};

/// One line of metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataEntry {
    /// Whose: "tileset", "group", "tile" or "content".
    pub scope: &'static str,
    /// The property's name (the schema's `name`, else its id).
    pub name: String,
    /// The value as text.
    pub value: String,
}

/// The metadata of content `content` of `tile`, and of the group, tile and tileset above it.
pub fn metadata_entries(tree: &TileTree, tile: TileId, content: usize) -> Vec<MetadataEntry> {
    let schema = tree.schema.as_ref();
    let t = tree.get(tile);
    let c = t.contents.get(content);
    let group = c.and_then(|c| c.group).and_then(|g| tree.groups.get(g as usize));
    let mut out = Vec::new();
    for (scope, entity) in [
        ("tileset", tree.metadata.as_ref()),
        ("group", group),
        ("tile", t.metadata.as_ref()),
        ("content", c.and_then(|c| c.metadata.as_ref())),
    ] {
        if let Some(e) = entity {
            entries(scope, e, schema, &mut out);
        }
    }
    out
}

/// The entries of one entity, in its class's property order (else as written).
fn entries(scope: &'static str, entity: &Value, schema: Option<&Value>, out: &mut Vec<MetadataEntry>) {
    let props = &entity["properties"];
    let class = entity["class"].as_str().and_then(|c| schema?.get("classes")?.get(c));
    let defs = class.and_then(|c| c["properties"].as_object());
    let Some(defs) = defs else {
        for (id, v) in props.as_object().into_iter().flatten() {
            out.push(MetadataEntry { scope, name: id.clone(), value: text(v, &Value::Null) });
        }
        return;
    };
    for (id, def) in defs {
        let name = def["name"].as_str().unwrap_or(id).to_owned();
        let value = match props.get(id) {
            Some(v) => text(v, def),
            None => match def.get("default") {
                Some(d) => format!("{} (default)", text(d, def)),
                None => continue,
            },
        };
        out.push(MetadataEntry { scope, name, value });
    }
}

/// A value as text: normalised integers as [-1, 1] or [0, 1], then the definition's `offset`
/// and `scale` (the 3D Tiles metadata spec's order), element by element in arrays.
fn text(v: &Value, def: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let (scale, offset) = (def["scale"].as_f64(), def["offset"].as_f64());
            let max = match def["componentType"].as_str() {
                Some("INT8") => 127.0,
                Some("UINT8") => 255.0,
                Some("INT16") => 32767.0,
                Some("UINT16") => 65535.0,
                Some("INT32") => 2147483647.0,
                Some("UINT32") => 4294967295.0,
                _ => 0.0,
            };
            let normalized = def["normalized"].as_bool() == Some(true) && max > 0.0;
            if scale.is_none() && offset.is_none() && !normalized {
                return n.to_string();
            }
            let mut x = n.as_f64().unwrap_or(0.0);
            if normalized {
                x = (x / max).max(-1.0);
            }
            format!("{}", x * scale.unwrap_or(1.0) + offset.unwrap_or(0.0))
        }
        Value::Array(a) => {
            let inner: Vec<String> = a.iter().map(|x| text(x, def)).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Null => String::new(),
        Value::Object(_) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalised_offset_and_scaled_values_read_as_the_spec_says() {
        let def = json!({"type": "SCALAR", "componentType": "INT8", "normalized": true});
        assert_eq!(text(&json!(-128), &def), "-1");
        assert_eq!(text(&json!([127, 0]), &def), "[1, 0]");
        let def = json!({"type": "SCALAR", "componentType": "UINT8", "offset": 10.0, "scale": 0.5});
        assert_eq!(text(&json!(4), &def), "12");
        assert_eq!(text(&json!(4), &json!({"componentType": "UINT8"})), "4");
    }
}
