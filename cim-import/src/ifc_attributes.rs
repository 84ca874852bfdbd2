//! An IFC element's attributes besides its class and GlobalId: its name, the spatial structure
//! above it and the values of its property sets and quantities, typed.
use std::collections::HashMap;

use city_core::{AttributeValue, Attributes};
use ifc_lite_core::{AttributeValue as Step, DecodedEntity, EntityDecoder, IfcType};

/// A string attribute, STEP escapes decoded.
pub(crate) fn text_attribute(e: &DecodedEntity, i: usize) -> Option<String> {
    e.get_string(i).filter(|s| !s.is_empty()).map(|s| ifc_lite_core::step_encoding::decode_ifc_string(s).into_owned())
}

/// The site, building, storey (with its elevation) and space above `id`, by containment and
/// aggregation, as `ifc:site`, `ifc:building`, `ifc:storey`, `ifc:storey_elevation` (metres)
/// and `ifc:space`: the hierarchy the viewer filters on.
pub(crate) fn spatial_attributes(
    id: u32,
    parent: &HashMap<u32, u32>,
    decoder: &mut EntityDecoder<'_>,
    unit_m: f64,
    out: &mut Attributes,
) {
    let mut at = id;
    // A cycle in a broken file must not hang the import.
    for _ in 0..32 {
        let Some(&up) = parent.get(&at) else { break };
        at = up;
        let Ok(e) = decoder.decode_by_id(up) else { break };
        let name = text_attribute(&e, 2)
            .or_else(|| text_attribute(&e, 7))
            .or_else(|| e.get_string(0).map(str::to_owned))
            .unwrap_or_default();
        let key = match e.ifc_type {
            IfcType::IfcSpace => "ifc:space",
            IfcType::IfcBuildingStorey => {
                if let Some(z) = e.get_float(9) {
                    out.entry("ifc:storey_elevation".into()).or_insert(AttributeValue::Float(z * unit_m));
                }
                "ifc:storey"
            }
            IfcType::IfcBuilding => "ifc:building",
            IfcType::IfcSite => "ifc:site",
            _ => continue,
        };
        out.entry(key.into()).or_insert(AttributeValue::Text(name));
    }
}

/// The properties of a property set (`Pset.Name`) or the quantities of an element quantity
/// (`Qto.Name`), typed.
pub(crate) fn property_attributes(def: u32, decoder: &mut EntityDecoder<'_>, out: &mut Attributes) {
    let Ok(set) = decoder.decode_by_id(def) else { return };
    let (items, value_at) = match set.ifc_type {
        IfcType::IfcPropertySet => (set.get_refs(4), 2),
        IfcType::IfcElementQuantity => (set.get_refs(5), 3),
        _ => return,
    };
    let set_name = text_attribute(&set, 2).unwrap_or_else(|| format!("#{def}"));
    for item in items.unwrap_or_default() {
        let Ok(p) = decoder.decode_by_id(item) else { continue };
        // Single values and quantities; lists, tables and complex properties are left out.
        if set.ifc_type == IfcType::IfcPropertySet && p.ifc_type != IfcType::IfcPropertySingleValue {
            continue;
        }
        let (Some(name), Some(value)) = (text_attribute(&p, 0), p.get(value_at)) else { continue };
        let value = step_value(value);
        if value != AttributeValue::Null {
            out.insert(format!("{set_name}.{name}"), value);
        }
    }
}

/// A STEP value as an attribute: booleans and logicals, integers, reals, text.
fn step_value(v: &Step) -> AttributeValue {
    match v {
        Step::Typed { value, .. } => step_value(value),
        Step::Enum(e) => match e.as_str() {
            "T" | "TRUE" => AttributeValue::Bool(true),
            "F" | "FALSE" => AttributeValue::Bool(false),
            "U" | "UNKNOWN" => AttributeValue::Null,
            other => AttributeValue::Text(other.to_owned()),
        },
        Step::Integer(i) => AttributeValue::Int(*i),
        Step::Float(f) => AttributeValue::Float(*f),
        Step::String(s) => AttributeValue::Text(ifc_lite_core::step_encoding::decode_ifc_string(s).into_owned()),
        _ => AttributeValue::Null,
    }
}
