//! Restyling: when the feature colours change (the style, the pick, the buildings in alarm or
//! in an incident, the BIM filter), every drawn tile mesh gets its vertex colours again, and,
//! for the BIM filter, the material its alphas need. Streaming (`tile_layers.rs`) colours a
//! tile once, as it arrives; this runs only when the colours change, and then touches every
//! drawn mesh, so it is a system of its own in `ViewerSet::Style`, after everything
//! that changes a colour.
use std::collections::{HashMap, HashSet};

use bevy::prelude::*;

use crate::mesh_building::vertex_colors;
use crate::shared_materials::SharedMaterials;
use crate::split_view::SplitTwin;
use crate::tile_layers::{Layers, TilePart};
use crate::viewer_state::FeatureColors;

/// When the style, the pick or the BIM filter changes, every drawn mesh gets its vertex colours
/// again (and, for the BIM filter, the material its alphas need).
pub fn restyle(
    colors: Res<'_, FeatureColors>,
    layers: Res<'_, Layers>,
    materials: Res<'_, SharedMaterials>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    mut parts: Query<'_, '_, (&TilePart, &Mesh3d, &mut MeshMaterial3d<StandardMaterial>, Has<SplitTwin>)>,
) {
    if !colors.is_changed() {
        return;
    }
    let mut done = HashSet::new();
    let mut chosen: HashMap<AssetId<Mesh>, Handle<StandardMaterial>> = HashMap::new();
    for (p, handle, mut material, right) in &mut parts {
        let Some(mi) = p.mesh else { continue };
        if let Some(m) = chosen.get(&handle.0.id()) {
            // Instances share a mesh, and so its material.
            if material.0 != *m {
                material.0 = m.clone();
            }
            continue;
        }
        if !done.insert(handle.0.id()) {
            continue;
        }
        let Some(content) = layers.0.get(p.layer).and_then(|l| l.loaded.get(&p.tile)).map(|t| &t.contents[p.content])
        else {
            continue;
        };
        let part = &content.meshes[mi];
        let color_of = |f: Option<u32>| colors.color(right, p.layer, p.tile, &content.properties, f, part.base_color);
        let colors_now = vertex_colors(part, &color_of);
        if part.texture.is_none() {
            // Alphas matter only under a BIM filter (as at spawn): else opaque, glass too.
            let m = if colors.bim.is_active() { materials.for_alphas(&colors_now) } else { materials.surfaces.clone() };
            if material.0 != m {
                material.0 = m.clone();
            }
            chosen.insert(handle.0.id(), m);
        }
        if let Some(mut mesh) = meshes.get_mut(&handle.0) {
            mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, colors_now);
        }
    }
}
