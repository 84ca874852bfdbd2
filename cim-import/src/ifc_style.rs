//! An IFC element's colour: the surface style of its body items (IFC4 `IfcSurfaceStyle`, IFC2X3
//! through style assignments), else its material's styled representation.
use std::collections::HashMap;

use ifc_lite_core::{DecodedEntity, EntityDecoder, IfcType};

/// The colour of an element: the first surface colour styling an item of its body
/// representation (through mapped items), as IFC2X3 (`IfcPresentationStyleAssignment`) and
/// IFC4 (`IfcSurfaceStyle` directly) attach them.
pub(crate) fn body_color(
    e: &DecodedEntity,
    decoder: &mut EntityDecoder<'_>,
    styled: &HashMap<u32, Vec<u32>>,
) -> Option<[f32; 4]> {
    if styled.is_empty() {
        return None;
    }
    let shape = decoder.decode_by_id(e.get_ref(6)?).ok()?;
    let mut items: Vec<u32> = Vec::new();
    for rep in shape.get_refs(2).unwrap_or_default() {
        let Ok(r) = decoder.decode_by_id(rep) else { continue };
        if r.get_string(1).is_none_or(|k| k.eq_ignore_ascii_case("Body")) {
            items.extend(r.get_refs(3).unwrap_or_default());
        }
    }
    // Breadth first, a few levels: mapped items and boolean operands hold the styled items.
    for _ in 0..4 {
        let mut next = Vec::new();
        for item in &items {
            for style in styled.get(item).into_iter().flatten() {
                if let Some(c) = style_color(*style, decoder, 0) {
                    return Some(c);
                }
            }
            let Ok(i) = decoder.decode_by_id(*item) else { continue };
            match i.ifc_type {
                IfcType::IfcMappedItem => {
                    if let Some(map) = i.get_ref(0).and_then(|m| decoder.decode_by_id(m).ok())
                        && let Some(rep) = map.get_ref(1).and_then(|r| decoder.decode_by_id(r).ok())
                    {
                        next.extend(rep.get_refs(3).unwrap_or_default());
                    }
                }
                IfcType::IfcBooleanResult | IfcType::IfcBooleanClippingResult => next.extend(i.get_ref(1)),
                _ => {}
            }
        }
        if next.is_empty() {
            break;
        }
        items = next;
    }
    None
}

/// Materials, for elements whose body is not styled: what each element is associated with
/// (`IfcRelAssociatesMaterial`) and each material's styled representations
/// (`IfcMaterialDefinitionRepresentation`).
#[derive(Default)]
pub(crate) struct Materials {
    pub(crate) of_element: HashMap<u32, u32>,
    /// Element -> its type object (`IfcRelDefinesByType`), whose material it shares.
    pub(crate) type_of: HashMap<u32, u32>,
    pub(crate) representations: HashMap<u32, Vec<u32>>,
}

impl Materials {
    /// The colour of element `id`'s material (or its type's): the first material of a layer
    /// set, profile set, constituent set or list, through their usages; its styled
    /// representation's first surface colour.
    pub(crate) fn color(&self, id: u32, decoder: &mut EntityDecoder<'_>) -> Option<[f32; 4]> {
        let mut at =
            *self.of_element.get(&id).or_else(|| self.type_of.get(&id).and_then(|t| self.of_element.get(t)))?;
        // Usage -> set -> first layer, profile or constituent -> material.
        for _ in 0..4 {
            let m = decoder.decode_by_id(at).ok()?;
            let next = match m.ifc_type {
                IfcType::IfcMaterial => break,
                IfcType::IfcMaterialLayerSetUsage | IfcType::IfcMaterialProfileSetUsage => m.get_ref(0),
                IfcType::IfcMaterialLayerSet | IfcType::IfcMaterialList => {
                    m.get_refs(0).and_then(|l| l.first().copied())
                }
                IfcType::IfcMaterialProfileSet | IfcType::IfcMaterialConstituentSet => {
                    m.get_refs(2).and_then(|l| l.first().copied())
                }
                IfcType::IfcMaterialLayer => m.get_ref(0),
                IfcType::IfcMaterialProfile | IfcType::IfcMaterialConstituent => m.get_ref(2),
                _ => None,
            };
            at = next?;
        }
        for rep in self.representations.get(&at)? {
            let Ok(r) = decoder.decode_by_id(*rep) else { continue };
            for item in r.get_refs(3).unwrap_or_default() {
                let Ok(styled_item) = decoder.decode_by_id(item) else { continue };
                for style in styled_item.get_refs(1).unwrap_or_default() {
                    if let Some(c) = style_color(style, decoder, 0) {
                        return Some(c);
                    }
                }
            }
        }
        None
    }
}

/// The surface colour a presentation style gives (IfcSurfaceStyle's rendering or shading,
/// with its transparency), through IFC2X3's style assignments.
fn style_color(id: u32, decoder: &mut EntityDecoder<'_>, depth: usize) -> Option<[f32; 4]> {
    let s = decoder.decode_by_id(id).ok()?;
    match s.ifc_type {
        IfcType::IfcPresentationStyleAssignment if depth < 3 => {
            s.get_refs(0)?.into_iter().find_map(|c| style_color(c, decoder, depth + 1))
        }
        IfcType::IfcSurfaceStyle if depth < 3 => {
            s.get_refs(2)?.into_iter().find_map(|c| style_color(c, decoder, depth + 1))
        }
        IfcType::IfcSurfaceStyleRendering | IfcType::IfcSurfaceStyleShading => {
            let rgb = decoder.decode_by_id(s.get_ref(0)?).ok()?;
            let c = |i: usize| rgb.get_float(i).map(|v| v.clamp(0.0, 1.0) as f32);
            let alpha = 1.0 - s.get_float(1).unwrap_or(0.0).clamp(0.0, 1.0) as f32;
            Some([c(1)?, c(2)?, c(3)?, alpha])
        }
        _ => None,
    }
}
