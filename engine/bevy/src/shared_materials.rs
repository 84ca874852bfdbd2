//! The materials every drawn thing shares: tiles, sensor markers and incident zones are
//! coloured per vertex, so a handful of materials serve them all and restyling never touches a
//! material, only vertex colours. Made once at start-up by `ViewerBasePlugin`, so every plugin
//! that draws can rely on them, and headless tests get the same ones as the viewer.
use bevy::prelude::*;

/// The materials every tile shares: vertex-coloured surfaces (lit, both sides) and points.
#[derive(Resource, Debug, Clone)]
pub struct SharedMaterials {
    /// Triangles.
    pub surfaces: Handle<StandardMaterial>,
    /// Points.
    pub points: Handle<StandardMaterial>,
    /// Sensor markers: unlit, so a value's colour reads the same from every side.
    pub markers: Handle<StandardMaterial>,
    /// Incident zones: unlit, blended by the vertex colours' alpha, seen from inside too.
    pub zones: Handle<StandardMaterial>,
    /// Surfaces some of whose features are hidden (alpha 0, discarded).
    pub masked: Handle<StandardMaterial>,
    /// Surfaces some of whose features are see-through (blended).
    pub xray: Handle<StandardMaterial>,
}

/// The ground of terrain tilesets is drawn a little further away than it is, so the city's
/// own ground surfaces (roads, land use, water) lying on it win instead of fighting it.
/// The ground's depth bias, in units of the depth buffer's precision at the fragment: with
/// Bevy's reverse-Z float depth that pushes the ground back by about 0.1% of its distance
/// (25 cm at 250 m), more than the city's ground and the DEM differ where both come from one
/// survey, and too little to show a building's base through it.
pub const GROUND_DEPTH_BIAS: f32 = -10_000.0;

/// A terrain tile's own material: the ground's, with its imagery (if it has any) and its
/// layer's opacity. Each terrain tile has its own, so a layer's opacity slider changes only
/// that layer's ground.
pub fn ground_material(
    texture: Option<Handle<Image>>,
    opacity: f32,
    materials: &mut Assets<StandardMaterial>,
) -> Handle<StandardMaterial> {
    let mut m = StandardMaterial {
        base_color_texture: texture,
        perceptual_roughness: 0.95,
        depth_bias: GROUND_DEPTH_BIAS,
        ..default()
    };
    set_opacity(&mut m, opacity);
    materials.add(m)
}

/// Sets a material's opacity: blended below 1, opaque at 1.
pub fn set_opacity(m: &mut StandardMaterial, opacity: f32) {
    m.base_color = Color::WHITE.with_alpha(opacity);
    m.alpha_mode = if opacity < 1.0 { AlphaMode::Blend } else { AlphaMode::Opaque };
}

impl SharedMaterials {
    /// The viewer's materials, added to `materials`.
    pub fn new(materials: &mut Assets<StandardMaterial>) -> Self {
        let surfaces = materials.add(StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.9,
            cull_mode: None,
            double_sided: true,
            ..default()
        });
        let points = materials.add(StandardMaterial { base_color: Color::WHITE, unlit: true, ..default() });
        let markers =
            materials.add(StandardMaterial { base_color: Color::WHITE, unlit: true, cull_mode: None, ..default() });
        let zones = materials.add(StandardMaterial {
            base_color: Color::WHITE,
            unlit: true,
            alpha_mode: AlphaMode::Blend,
            cull_mode: None,
            double_sided: true,
            ..default()
        });
        // BIM views: hidden elements are discarded (alpha 0), x-rayed ones blended.
        let masked = materials.add(StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.9,
            cull_mode: None,
            double_sided: true,
            alpha_mode: AlphaMode::Mask(0.5),
            ..default()
        });
        let xray = materials.add(StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.9,
            cull_mode: None,
            double_sided: true,
            alpha_mode: AlphaMode::Blend,
            ..default()
        });
        Self { surfaces, points, markers, zones, masked, xray }
    }

    /// The material for a part whose vertices have these colours: opaque when every alpha is 1,
    /// masked when some are hidden (0), blended when some are see-through (a BIM filter's
    /// alphas, `bim_filter.rs`).
    pub fn for_alphas(&self, colors: &[[f32; 4]]) -> Handle<StandardMaterial> {
        let (mut hidden, mut xray) = (false, false);
        for c in colors {
            if c[3] <= 0.0 {
                hidden = true;
            } else if c[3] < 1.0 {
                xray = true;
            }
        }
        if xray {
            self.xray.clone()
        } else if hidden {
            self.masked.clone()
        } else {
            self.surfaces.clone()
        }
    }
}

/// Start-up: the shared materials, made once.
pub fn create_shared_materials(mut commands: Commands<'_, '_>, mut materials: ResMut<'_, Assets<StandardMaterial>>) {
    commands.insert_resource(SharedMaterials::new(&mut materials));
}
