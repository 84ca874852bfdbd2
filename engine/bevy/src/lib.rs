//! # city_bevy
//!
//! The viewer's Bevy plugins, one per feature (`plugins.rs`: tiles, camera, picking, sensors,
//! incidents, BIM, panels, script, on a base plugin), whose systems run in the named
//! [`ViewerSet`]s. They only wire: the logic lives in plain functions and types (`orbit_camera`,
//! `floating_origin`, `feature_style`, `mesh_building`, `bim_filter`, and below this crate
//! `city_tiles` for selection, decoding and picking, `city_layers` for the live layers and the
//! markers' colours), which are tested without a window.
//!
//! Per frame ([`ViewerSet`] in order): input moves the f64 orbit; the eye becomes the floating
//! origin and the Bevy camera gets only a rotation; each tileset's streamer selects tiles for
//! the view and loads run on the async compute pool, finished loads becoming meshes; a click
//! picks a feature or sensor; the overlays follow (incident zones, the live sensors' colours
//! computed on their feed thread, the BIM catalog); changed colours restyle the meshes; every
//! placed entity gets its camera-relative f32 transform; a scripted run clicks, screenshots and
//! exits; the panels draw.
//!
//! Modules depend on each other in one direction only: plain types at the bottom
//! (`floating_origin`, `orbit_camera`, `wall_view`, `mesh_building`, `feature_style`,
//! `bim_filter`, `shared_materials`), the state systems share above them (`viewer_state`,
//! `iot_state`, `split_view`), then the systems of each feature, and `plugins` on top.
#![forbid(unsafe_code)]

pub mod bench;
pub mod bim_filter;
pub mod bim_panel;
pub mod camera_control;
pub mod feature_picking;
pub mod feature_style;
pub mod floating_origin;
pub mod globe;
pub mod ground_clearance;
pub mod imagery_switch;
pub mod incident_layer;
pub mod incident_panel;
pub mod iot_state;
pub mod mesh_building;
pub mod orbit_camera;
pub mod panels;
pub mod plugins;
pub mod restyle;
pub mod sensor_markers;
pub mod sensor_panel;
pub mod shared_materials;
pub mod split_view;
pub mod tile_layers;
pub mod viewer_script;
pub mod viewer_state;
pub mod wall_view;

pub use bevy;
pub use bevy_egui;

use std::path::PathBuf;

use bevy::prelude::*;
use city_core::Scene;
use city_tiles::StreamOptions;

pub use plugins::{
    BimPlugin, CameraPlugin, IncidentsPlugin, PanelsPlugin, PickingPlugin, ScriptPlugin, SensorsPlugin, TilesPlugin,
    ViewerBasePlugin, ViewerSet,
};

use crate::camera_control::CameraRig;
use crate::orbit_camera::Orbit;
use crate::viewer_script::ViewerScript;
use crate::viewer_state::FeatureColors;

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
    /// Draw the globe at the start (the layers panel toggles it).
    pub globe: bool,
    /// Split mode: two halves side by side, the right one in its own style.
    pub split: Option<split_view::SplitStart>,
    /// BIM buildings: the storeys and classes drawn at the start (the panel changes them).
    pub bim: bim_filter::BimFilter,
    /// `citytwin bench`: record or replay the camera path.
    pub bench: Option<bench::BenchMode>,
    /// The scene's imagery layers, switchable in the layers panel when its terrain is built
    /// from sources (`None`: nothing to switch).
    pub imagery: Option<std::sync::Arc<imagery_switch::ImagerySwitchStart>>,
}

/// The viewer: every feature's plugin ([`ViewerBasePlugin`], [`TilesPlugin`], [`CameraPlugin`],
/// [`PickingPlugin`], [`BimPlugin`], [`PanelsPlugin`], [`ScriptPlugin`], and [`SensorsPlugin`] and
/// [`IncidentsPlugin`] when those layers are asked for), set up from one [`ViewerStart`], with
/// the sky and the sun. Add after `DefaultPlugins`, `EguiPlugin` and
/// `FrameTimeDiagnosticsPlugin`.
pub struct CityViewerPlugin(pub ViewerStart);

impl Plugin for CityViewerPlugin {
    fn build(&self, app: &mut App) {
        let start = &self.0;
        let orbit = start.camera_override.unwrap_or_else(|| Orbit::from(start.scene.camera));
        let rig = CameraRig {
            orbit,
            flight: None,
            bookmarks: start.scene.bookmarks.iter().map(|b| (b.name.clone(), Orbit::from(b.pose))).collect(),
            fov_y: orbit_camera::VIEW_FOV_Y,
        };
        // A mode, not a feature: the cameras, the tiles and the panels each read it.
        if start.split.is_some() {
            app.insert_resource(split_view::SplitView);
        }
        app.add_plugins((
            ViewerBasePlugin,
            TilesPlugin { tilesets: start.scene.tilesets.clone(), stream: start.stream },
            CameraPlugin { rig, wall: start.wall },
            globe::GlobePlugin { shown: start.globe },
            PickingPlugin,
            BimPlugin,
            PanelsPlugin { shown: start.panels },
            ScriptPlugin(ViewerScript::new(start.screenshot.clone(), start.click, start.tour, start.hold_s)),
        ));
        if let Some(imagery) = &start.imagery {
            app.add_plugins(imagery_switch::ImagerySwitchPlugin(imagery.clone()));
        }
        if let Some(iot) = &start.iot {
            app.add_plugins(SensorsPlugin(iot.clone()));
        }
        // The bench first: a recording copies, and a replay replaces, the incidents' live sources.
        let mut incidents = start.incidents.clone();
        if let Some(mode) = &start.bench {
            bench::add_bench(app, mode.clone(), incidents.as_mut());
        }
        if let Some(incidents) = incidents {
            app.add_plugins(IncidentsPlugin(incidents));
        }
        app.insert_resource(FeatureColors {
            style: start.scene.style.clone(),
            split: start.split.as_ref().and_then(|s| s.style.clone()),
            bim: start.bim.clone(),
            ..default()
        })
        .insert_resource(ClearColor(Color::srgb(0.62, 0.74, 0.86)))
        .insert_resource(GlobalAmbientLight { brightness: 400.0, ..default() })
        .add_systems(Startup, spawn_sun);
    }
}

/// A sun from the south-east, high: walls facing it differ from those facing away.
fn spawn_sun(mut commands: Commands<'_, '_>) {
    commands.spawn((
        DirectionalLight { illuminance: 9_000.0, shadow_maps_enabled: false, ..default() },
        Transform::IDENTITY.looking_to(Vec3::new(-0.4, -0.8, 0.45), Vec3::Y),
        split_view::both_halves(),
    ));
}
