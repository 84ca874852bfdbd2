//! Turning the scene's imagery layers on and off while the viewer runs. Imagery is baked into
//! the terrain tiles at build time (ADR 0014: every client then shows it, and a tile is one
//! draw), so a different choice of imagery is a different terrain build. When the layers panel
//! changes the choice, the build runs on a thread of its own (the binary supplies it: it knows
//! how to build terrain, this crate does not) while the old ground stays drawn; when it is
//! done, each rebuilt terrain layer is swapped for the new tileset in place, keeping its name,
//! visibility and opacity. Builds are cached by what they depend on, so going back to an
//! earlier choice only opens the tileset again.
use std::sync::Arc;
use std::thread::JoinHandle;

use bevy::prelude::*;
use city_core::SceneTileset;
use city_tiles::StreamOptions;

use crate::tile_layers::{Layers, TilesetLayer};

/// Builds the scene's terrain tilesets for a choice of imagery layers (one flag each, in the
/// scene's order), or says why it could not.
pub type GroundBuilder = Arc<dyn Fn(&[bool]) -> Result<Vec<SceneTileset>, String> + Send + Sync>;

type Build = JoinHandle<(Vec<bool>, Result<Vec<SceneTileset>, String>)>;

/// The scene's imagery layers, which are shown, and the build under way.
#[derive(Resource)]
pub struct ImageryChoice {
    /// The layers' names, how to build, the budgets (what the viewer started with).
    pub start: Arc<ImagerySwitchStart>,
    /// Which are wanted (the panel's checkboxes).
    pub shown: Vec<bool>,
    /// The choice the drawn ground was built with.
    drawn: Vec<bool>,
    building: Option<Build>,
    /// What the panel says: a build under way, or the last one's failure.
    pub status: Option<String>,
}

impl ImageryChoice {
    /// The imagery layers of `start`, shown as it says (the ground is built that way at start).
    pub fn new(start: Arc<ImagerySwitchStart>) -> Self {
        Self { shown: start.shown.clone(), drawn: start.shown.clone(), start, building: None, status: None }
    }

    /// Whether a build is under way.
    pub fn is_building(&self) -> bool {
        self.building.is_some()
    }
}

/// Adds [`ImageryChoice`] and the system that acts on it.
pub struct ImagerySwitchPlugin(pub Arc<ImagerySwitchStart>);

/// What [`ImagerySwitchPlugin`] starts from (a plugin must be `Sync`; a build is not cloned).
pub struct ImagerySwitchStart {
    /// The imagery layers' names.
    pub names: Vec<String>,
    /// Which are shown at start.
    pub shown: Vec<bool>,
    /// Builds the terrain for a choice.
    pub builder: GroundBuilder,
    /// The streaming budgets.
    pub stream: StreamOptions,
}

impl std::fmt::Debug for ImagerySwitchStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImagerySwitchStart")
            .field("names", &self.names)
            .field("shown", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Plugin for ImagerySwitchPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(ImageryChoice::new(self.0.clone())).add_systems(Update, switch_imagery);
    }
}

/// Starts a build when the choice differs from the drawn one (one at a time: a choice made
/// meanwhile starts the next), and swaps the terrain layers when a build is done.
pub fn switch_imagery(
    mut commands: Commands<'_, '_>,
    mut choice: ResMut<'_, ImageryChoice>,
    mut layers: ResMut<'_, Layers>,
) {
    if let Some(build) = choice.building.take_if(|b| b.is_finished()) {
        let (built_for, result) = build.join().unwrap_or_else(|_| (Vec::new(), Err("the build panicked".into())));
        match result {
            Ok(tilesets) => {
                choice.status = None;
                choice.drawn = built_for;
                let stream = choice.start.stream;
                swap_layers(&mut commands, &mut layers, &tilesets, stream, &mut choice.status);
            }
            Err(why) => {
                error!("imagery: the terrain could not be rebuilt: {why}");
                choice.status = Some(format!("not rebuilt: {why}"));
                // Back to what is drawn, so the panel does not claim otherwise.
                choice.shown = choice.drawn.clone();
            }
        }
    }
    if choice.building.is_none() && choice.shown != choice.drawn {
        let (shown, builder) = (choice.shown.clone(), choice.start.builder.clone());
        choice.status = Some("building the terrain with the chosen imagery…".into());
        choice.building = Some(std::thread::spawn(move || {
            let result = builder(&shown);
            (shown, result)
        }));
    }
}

/// Replaces each layer named in `tilesets` whose path changed by the new tileset, in place.
fn swap_layers(
    commands: &mut Commands<'_, '_>,
    layers: &mut Layers,
    tilesets: &[SceneTileset],
    stream: StreamOptions,
    status: &mut Option<String>,
) {
    for t in tilesets {
        let Some(layer) = layers.0.iter_mut().find(|l| l.name == t.name) else { continue };
        if layer.path.as_deref() == Some(t.path.as_path()) {
            continue;
        }
        match TilesetLayer::open(&t.name, &t.path, stream) {
            Ok(mut fresh) => {
                fresh.visible = layer.visible;
                fresh.opacity = layer.opacity;
                layer.despawn_tiles(commands);
                *layer = fresh;
                info!("imagery: {} now draws {}", t.name, t.path.display());
            }
            Err(e) => *status = Some(format!("{}: {e}", t.name)),
        }
    }
}
