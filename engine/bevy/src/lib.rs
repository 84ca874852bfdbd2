//! # city_bevy
//!
//! The viewer's Bevy plugins. They only wire: the logic lives in plain functions and types
//! (`orbit_camera`, `floating_origin`, `feature_picking`, `feature_style`, `mesh_building`, and
//! `city_tiles` for selection and decoding), which are tested without a window.
//!
//! Per frame: input moves the f64 orbit; the eye becomes the floating origin and the Bevy camera
//! gets only a rotation; each tileset's streamer selects tiles for the view and loads run on the
//! async compute pool; finished loads become meshes; every placed entity gets its camera-relative
//! f32 transform; clicks pick features or sensors; the live sensors' colours (computed on their
//! feed thread) reach the marker mesh; the panels draw.
#![forbid(unsafe_code)]

pub mod bim_filter;
pub mod camera_control;
pub mod feature_picking;
pub mod feature_style;
pub mod floating_origin;
pub mod incident_layer;
pub mod incident_panel;
pub mod iot_state;
pub mod mesh_building;
pub mod orbit_camera;
pub mod panels;
pub mod sensor_markers;
pub mod sensor_panel;
pub mod split_view;
pub mod tile_layers;
pub mod viewer_script;
pub mod viewer_state;
pub mod wall_view;

pub use bevy;
pub use bevy_egui;

use std::path::PathBuf;

use bevy::prelude::*;
use city_core::{Scene, StyleRule};
use city_tiles::StreamOptions;

use crate::camera_control::{CameraRig, PointerOverPanel, apply_camera, camera_input};
use crate::floating_origin::{FloatingOrigin, place_entities};
use crate::orbit_camera::Orbit;
use crate::tile_layers::{CurrentView, Layers, TilesetLayer, stream_layers};
use crate::viewer_script::{PipelinesWaiting, ViewerScript, count_waiting_pipelines, run_script};
use crate::viewer_state::{FeatureColors, SharedMaterials, restyle};

/// What the viewer opens with.
#[derive(Debug, Clone)]
pub struct ViewerStart {
    /// The scene: tilesets (paths resolved), camera, bookmarks, style.
    pub scene: Scene,
    /// Streaming budgets.
    pub stream: StreamOptions,
    /// `--screenshot`.
    pub screenshot: Option<PathBuf>,
    /// `--click X,Y`.
    pub click: Option<Vec2>,
    /// `--tour`: fly to every bookmark before the screenshot, measuring frames.
    pub tour: bool,
    /// `--hold`: seconds at rest before the screenshot, measuring frames.
    pub hold_s: f64,
    /// Where to look instead of the scene's camera (e.g. straight down at one feature).
    pub camera_override: Option<Orbit>,
    /// The live IoT layer (from the scene's `[iot]` table), if any.
    pub iot: Option<iot_state::IotStart>,
    /// The emergency layer (alerts, scenarios, live alert sources), if any.
    pub incidents: Option<incident_layer::IncidentStart>,
    /// The screens: one window, or a video wall of several.
    pub wall: wall_view::WallLayout,
    /// Draw the panels (off for a clean video wall).
    pub panels: bool,
    /// Split mode: two halves side by side, the right one in its own style.
    pub split: Option<split_view::SplitStart>,
    /// BIM buildings: the storeys and classes drawn at the start (the panel changes them).
    pub bim: bim_filter::BimFilter,
}

/// The viewer: tile streaming, floating origin, camera, picking, styling, panels and scripted
/// screenshots. Add after `DefaultPlugins`, `EguiPlugin` and `FrameTimeDiagnosticsPlugin`.
pub struct CityViewerPlugin(pub ViewerStart);

impl Plugin for CityViewerPlugin {
    fn build(&self, app: &mut App) {
        let start = self.0.clone();
        let mut layers = Layers::default();
        let mut failures = Vec::new();
        for t in &start.scene.tilesets {
            match TilesetLayer::open(&t.name, &t.path, start.stream) {
                Ok(mut l) => {
                    l.visible = t.visible;
                    layers.0.push(l);
                }
                Err(e) => failures.push(format!("{}: {e}", t.name)),
            }
        }
        for f in &failures {
            error!("tileset not opened: {f}");
        }
        let orbit = start.camera_override.unwrap_or_else(|| Orbit::from(start.scene.camera));
        let rig = CameraRig {
            orbit,
            flight: None,
            bookmarks: start.scene.bookmarks.iter().map(|b| (b.name.clone(), Orbit::from(b.pose))).collect(),
            fov_y: 50f64.to_radians(),
        };
        let style: Option<StyleRule> = start.scene.style.clone();
        // The live sensors, their feeds on a thread of their own.
        if let Some(iot) = start.iot.clone() {
            app.insert_resource(iot_state::IotState::start(iot));
        }
        if start.split.is_some() {
            app.insert_resource(split_view::SplitView);
        }
        if let Some(incidents) = start.incidents.clone() {
            app.insert_resource(incident_layer::IncidentState::new(incidents));
        }
        if start.panels {
            app.add_systems(
                bevy_egui::EguiPrimaryContextPass,
                (panels::panels, sensor_panel::sensor_panel, incident_panel::incident_panel, bim_filter::bim_panel),
            );
        } else {
            // egui's pass still runs (its fonts are uploaded); it just draws nothing.
            app.add_systems(bevy_egui::EguiPrimaryContextPass, |mut c: bevy_egui::EguiContexts<'_, '_>| -> Result {
                c.ctx_mut()?;
                Ok(())
            });
        }
        app.insert_resource(layers)
            .insert_resource(rig)
            .insert_resource(start.wall)
            .insert_resource(FeatureColors {
                style,
                split: start.split.as_ref().and_then(|s| s.style.clone()),
                bim: start.bim.clone(),
                ..default()
            })
            .init_resource::<bim_filter::BimCatalog>()
            .insert_resource(ViewerScript::new(start.screenshot.clone(), start.click, start.tour, start.hold_s))
            .init_resource::<FloatingOrigin>()
            .init_resource::<CurrentView>()
            .init_resource::<PointerOverPanel>()
            .init_resource::<PipelinesWaiting>()
            .insert_resource(ClearColor(Color::srgb(0.62, 0.74, 0.86)))
            .insert_resource(GlobalAmbientLight { brightness: 400.0, ..default() })
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (
                    camera_input,
                    apply_camera,
                    stream_layers,
                    feature_picking::pick_on_click,
                    incident_layer::update_incidents,
                    bim_filter::update_catalog,
                    restyle,
                    sensor_markers::update_sensors,
                    place_entities,
                    run_script,
                )
                    .chain(),
            );
        app.sub_app_mut(bevy::render::RenderApp).add_systems(bevy::render::ExtractSchedule, count_waiting_pipelines);
    }
}

fn setup(
    mut commands: Commands<'_, '_>,
    mut materials: ResMut<'_, Assets<StandardMaterial>>,
    wall: Res<'_, wall_view::WallLayout>,
    split: Option<Res<'_, split_view::SplitView>>,
    egui_settings: Option<ResMut<'_, bevy_egui::EguiGlobalSettings>>,
) {
    // The panels go on the primary window's main camera; in split mode on a camera of their own
    // over the whole window (each half's camera draws only its half).
    if let Some(mut s) = egui_settings {
        s.auto_create_primary_context = false;
    }
    let main = wall_view::spawn_cameras(&mut commands, &wall);
    if split.is_some() {
        split_view::spawn_right_camera(&mut commands);
        commands.spawn((
            Camera2d,
            Camera { order: 2, clear_color: ClearColorConfig::None, ..default() },
            bevy::camera::visibility::RenderLayers::none(),
            bevy_egui::PrimaryEguiContext,
        ));
    } else {
        commands.entity(main).insert(bevy_egui::PrimaryEguiContext);
    }
    // A sun from the south-east, high: walls facing it differ from those facing away.
    commands.spawn((
        DirectionalLight { illuminance: 9_000.0, shadow_maps_enabled: false, ..default() },
        Transform::IDENTITY.looking_to(Vec3::new(-0.4, -0.8, 0.45), Vec3::Y),
        split_view::both_halves(),
    ));
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
    commands.insert_resource(SharedMaterials { surfaces, points, markers, zones, masked, xray });
}
