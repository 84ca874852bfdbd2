//! The viewer's plugins, one per feature, and the sets their systems run in. Plugins only
//! wire: resources, start-up systems and per-frame systems placed in a [`ViewerSet`]; the work
//! is in the feature files' systems and the plain functions under them. Opening files and
//! starting feed threads happen in start-up systems, never in `build`.
//!
//! [`ViewerBasePlugin`] comes first: it orders the sets and owns what every drawing feature
//! shares (the floating origin and placement, the shared materials, the feature colours). The
//! others each add one feature and can be added alone on top of it, as the headless tests do.
//! [`crate::CityViewerPlugin`] adds them all for `citytwin view`.
use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;
use city_core::SceneTileset;
use city_tiles::StreamOptions;

use crate::bim_filter::BimCatalog;
use crate::bim_panel::{bim_panel, update_catalog};
use crate::camera_control::{CameraRig, PointerOverPanel, apply_camera, camera_input, spawn_view_cameras};
use crate::feature_picking::pick_on_click;
use crate::floating_origin::{FloatingOrigin, place_entities};
use crate::incident_layer::{IncidentStart, IncidentState, update_incidents};
use crate::incident_panel::incident_panel;
use crate::iot_state::{IotStart, SensorsToStart, start_sensors};
use crate::panels::{PanelsShown, attach_egui_context, no_panels, panels};
use crate::restyle::restyle;
use crate::sensor_markers::{MarkerChunks, update_sensors};
use crate::sensor_panel::sensor_panel;
use crate::shared_materials::create_shared_materials;
use crate::tile_layers::{CurrentView, Layers, TilesetsToOpen, apply_ground_opacity, open_tilesets, stream_layers};
use crate::viewer_script::{PipelinesWaiting, ViewerScript, count_waiting_pipelines, run_script};
use crate::viewer_state::FeatureColors;
use crate::wall_view::WallLayout;

/// The phases of a viewer frame, in this order in `Update` (configured by
/// [`ViewerBasePlugin`]); [`ViewerSet::Panels`] runs in egui's pass, after them.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewerSet {
    /// Mouse and keys to the orbit.
    Input,
    /// The orbit (or a flight) to the floating origin, the cameras and the selection view.
    Camera,
    /// Tile streaming: finished loads to meshes, selection, loads started, evictions.
    Stream,
    /// A click to the picked feature or sensor.
    Pick,
    /// What follows streaming and the live layers: incident zones and the buildings inside,
    /// sensor markers and the buildings in alarm, the BIM catalog. Before [`ViewerSet::Style`],
    /// so the colours they change are drawn the same frame.
    Overlays,
    /// Vertex colours again when the feature colours changed.
    Style,
    /// Every placed entity to its camera-relative f32 transform: after everything that spawns
    /// or moves one, so nothing is drawn a frame at the wrong place.
    Place,
    /// Unattended runs: the scripted click, the tour, the screenshot and the exit.
    Script,
    /// The egui panels (in `EguiPrimaryContextPass`; skipped when the panels are off).
    Panels,
}

/// What every feature builds on: the sets in their order, the floating origin and the system
/// placing entities relative to it, the shared materials (made at start-up) and the feature
/// colours. Add it once, before the feature plugins.
pub struct ViewerBasePlugin;

impl Plugin for ViewerBasePlugin {
    fn build(&self, app: &mut App) {
        use ViewerSet::*;
        app.configure_sets(Update, (Input, Camera, Stream, Pick, Overlays, Style, Place, Script).chain())
            .init_resource::<FloatingOrigin>()
            .init_resource::<FeatureColors>()
            .add_systems(Startup, create_shared_materials)
            .add_systems(Update, place_entities.in_set(Place));
    }
}

/// Streamed tilesets: opened at start-up, streamed for the camera's view, restyled when the
/// feature colours change. Layers already in [`Layers`] (a test's) stream too.
#[derive(Debug, Clone, Default)]
pub struct TilesPlugin {
    /// The scene's tilesets, in drawing order.
    pub tilesets: Vec<SceneTileset>,
    /// Streaming budgets.
    pub stream: StreamOptions,
}

impl Plugin for TilesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Layers>()
            .init_resource::<CurrentView>()
            .insert_resource(TilesetsToOpen { tilesets: self.tilesets.clone(), stream: self.stream })
            .add_systems(Startup, open_tilesets)
            .add_systems(
                Update,
                (stream_layers.in_set(ViewerSet::Stream), (restyle, apply_ground_opacity).in_set(ViewerSet::Style)),
            );
    }
}

/// The camera: its cameras (one per screen of a wall, two halves in split mode), input to the
/// orbit, and each frame the floating origin and the selection view.
#[derive(Debug, Clone)]
pub struct CameraPlugin {
    /// Where it starts, its bookmarks and field of view.
    pub rig: CameraRig,
    /// The screens.
    pub wall: WallLayout,
}

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.rig.clone())
            .insert_resource(self.wall)
            .init_resource::<CurrentView>()
            .init_resource::<PointerOverPanel>()
            .add_systems(Startup, spawn_view_cameras)
            .add_systems(
                Update,
                (
                    (camera_input, crate::ground_clearance::keep_above_ground).chain().in_set(ViewerSet::Input),
                    apply_camera.in_set(ViewerSet::Camera),
                ),
            );
    }
}

/// Clicking: the feature under the cursor, or a sensor's marker in front of it.
pub struct PickingPlugin;

impl Plugin for PickingPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PointerOverPanel>().add_systems(Update, pick_on_click.in_set(ViewerSet::Pick));
    }
}

/// Live sensors: their feeds started at start-up (on a thread of their own), markers in chunks,
/// the buildings in alarm into the feature colours, and their panel.
pub struct SensorsPlugin(pub IotStart);

impl Plugin for SensorsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(SensorsToStart(self.0.clone()))
            .init_resource::<MarkerChunks>()
            .add_systems(Startup, start_sensors)
            .add_systems(Update, update_sensors.in_set(ViewerSet::Overlays))
            .add_systems(EguiPrimaryContextPass, sensor_panel.in_set(ViewerSet::Panels));
    }
}

/// Emergencies: the timeline's step shown as zones, rings and affected buildings, live alerts
/// taken in, and the KPI strip and incident panel.
pub struct IncidentsPlugin(pub IncidentStart);

impl Plugin for IncidentsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(IncidentState::new(self.0.clone()))
            .add_systems(Update, update_incidents.in_set(ViewerSet::Overlays))
            .add_systems(EguiPrimaryContextPass, incident_panel.in_set(ViewerSet::Panels));
    }
}

/// BIM buildings: the catalog of storeys and classes loaded, and the Building panel that sets
/// the filter (held in [`FeatureColors::bim`]).
pub struct BimPlugin;

impl Plugin for BimPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<BimCatalog>()
            .add_systems(Update, update_catalog.in_set(ViewerSet::Overlays))
            .add_systems(EguiPrimaryContextPass, bim_panel.in_set(ViewerSet::Panels));
    }
}

/// The panels: egui's context on the right camera, the layers, style, feature and statistics
/// windows, and whether [`ViewerSet::Panels`] runs at all. Needs `EguiPlugin`.
pub struct PanelsPlugin {
    /// Draw the panels (off for a clean video wall: egui's pass still runs, drawing nothing).
    pub shown: bool,
}

impl Plugin for PanelsPlugin {
    fn build(&self, app: &mut App) {
        let shown = |p: Res<'_, PanelsShown>| p.0;
        app.insert_resource(PanelsShown(self.shown))
            .init_resource::<PointerOverPanel>()
            .configure_sets(EguiPrimaryContextPass, ViewerSet::Panels.run_if(shown))
            .add_systems(Startup, attach_egui_context.after(spawn_view_cameras))
            .add_systems(
                EguiPrimaryContextPass,
                (panels.in_set(ViewerSet::Panels), no_panels.run_if(|p: Res<'_, PanelsShown>| !p.0)),
            );
    }
}

/// Unattended runs (`--screenshot`, `--click`, `--tour`, `--hold`) and F12, with the count of
/// render pipelines still compiling that they wait for.
pub struct ScriptPlugin(pub ViewerScript);

impl Plugin for ScriptPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.0.clone())
            .init_resource::<PipelinesWaiting>()
            .add_systems(Update, run_script.in_set(ViewerSet::Script));
        // Without a renderer (headless) no pipeline ever waits.
        if let Some(render) = app.get_sub_app_mut(bevy::render::RenderApp) {
            render.add_systems(bevy::render::ExtractSchedule, count_waiting_pipelines);
        }
    }
}
