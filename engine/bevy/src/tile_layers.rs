//! Streaming tilesets into the scene. Each frame: selection for the camera's view
//! (`city_tiles::TilesetStreamer`), loads started on the async compute pool (fetching and
//! decoding never run on the frame's thread), finished loads turned into meshes, evicted tiles
//! despawned, and each tile's entities shown or hidden by the selection. The scene's tilesets
//! are opened at start-up ([`open_tilesets`]), not while the plugins are built.
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use bevy::camera::visibility::RenderLayers;
use bevy::ecs::system::EntityCommands;
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};
use city_core::{AttributeValue, SceneTileset};
use city_tiles::{
    ContentLoader, DecodedContent, FileLoader, FrameUpdate, HttpLoader, LoadOutcome, Mat4 as DMat4, StreamOptions,
    TileId, TileTree, TilesError, TilesetJson, TilesetStreamer, View, run_job,
};

use crate::floating_origin::WorldPlacement;
use crate::mesh_building::{point_mesh, texture_image, textured_material, triangle_mesh, vertex_colors};
use crate::shared_materials::{SharedMaterials, ground_material, set_opacity};
use crate::split_view::{RIGHT_LAYER, SplitTwin, SplitView};
use crate::viewer_state::FeatureColors;

/// A tile's decoded contents and the entities drawing them.
pub struct LoadedTile {
    /// From the tile's frame to ECEF.
    pub world_from_tile: DMat4,
    /// What its contents decoded to (kept for picking and restyling).
    pub contents: Arc<Vec<DecodedContent>>,
    /// One entity per mesh part instance and point cloud.
    pub entities: Vec<Entity>,
}

type LoadTask = Task<(LoadOutcome, Vec<DecodedContent>)>;

/// One streamed tileset.
pub struct TilesetLayer {
    /// Its name in the layers panel.
    pub name: String,
    /// Where it was opened from (`None` for a test's own loader).
    pub path: Option<std::path::PathBuf>,
    /// Drawn or not.
    pub visible: bool,
    /// The opacity of its ground (terrain) parts: 1 opaque, 0 invisible.
    pub opacity: f32,
    /// The opacity the ground's materials have now (`apply_ground_opacity` catches up).
    applied_opacity: f32,
    /// Whether a tile of it drew ground (terrain): the layers panel then offers its opacity.
    pub ground: bool,
    /// The credit its imagery asks for (`asset.extras.imagery.attribution`), shown on screen.
    pub attribution: Option<String>,
    /// Selection, load states, budgets.
    pub streamer: TilesetStreamer,
    loader: Arc<dyn ContentLoader>,
    tasks: HashMap<TileId, LoadTask>,
    /// Loaded tiles.
    pub loaded: HashMap<TileId, LoadedTile>,
    /// The last frame's selection.
    pub last: FrameUpdate,
    /// Decoding work done so far (contents decoded), for the statistics.
    pub decoded: usize,
    /// Loads started so far, and the distinct tiles they were for: equal when no tile was
    /// loaded twice (a video wall's screens share one selection).
    pub loads: usize,
    /// See `loads`.
    pub distinct: HashSet<TileId>,
    /// Tiles whose contents arrived and were drawn, and their decoded bytes (vertex data,
    /// indices, properties), since the start: the bench's totals.
    pub tiles_loaded: usize,
    /// See `tiles_loaded`.
    pub bytes_loaded: usize,
    /// Tiles evicted since the start (over the memory budget, or no longer wanted).
    pub evicted: usize,
}

impl TilesetLayer {
    /// Opens a tileset: a `tileset.json` or a folder holding one, or an `http(s)://` URL
    /// (fetched with a disk cache in `http_cache`).
    pub fn open(name: &str, path: &Path, opts: StreamOptions) -> Result<Self, TilesError> {
        let text = path.to_string_lossy();
        let (loader, root): (Arc<dyn ContentLoader>, String) =
            if text.starts_with("http://") || text.starts_with("https://") {
                let (l, root) = HttpLoader::for_tileset(&text, Some(http_cache()), std::time::Duration::from_secs(30));
                (Arc::new(l), root)
            } else {
                let (l, root) = FileLoader::for_tileset(path)?;
                (Arc::new(l), root)
            };
        let mut layer = Self::with_loader(name, loader, &root, opts)?;
        layer.path = Some(path.to_owned());
        Ok(layer)
    }

    /// Opens the tileset `root` (a URI) of a loader.
    pub fn with_loader(
        name: &str,
        loader: Arc<dyn ContentLoader>,
        root: &str,
        opts: StreamOptions,
    ) -> Result<Self, TilesError> {
        let json = TilesetJson::parse(&loader.load(root)?, root)?;
        for ext in json.unknown_required_extensions() {
            warn!("{root}: requires the extension {ext}, which CityTwin does not read: tiles that need it fail");
        }
        let tree = TileTree::from_tileset(&json, root)?;
        Ok(Self {
            name: name.to_owned(),
            path: None,
            visible: true,
            opacity: 1.0,
            applied_opacity: 1.0,
            ground: false,
            attribution: json.asset.imagery_attribution(),
            streamer: TilesetStreamer::new(tree, opts),
            loader,
            tasks: HashMap::new(),
            loaded: HashMap::new(),
            last: FrameUpdate::default(),
            decoded: 0,
            loads: 0,
            distinct: HashSet::new(),
            tiles_loaded: 0,
            bytes_loaded: 0,
            evicted: 0,
        })
    }

    /// Despawns every entity drawing its tiles and forgets them (the layer is being replaced).
    pub fn despawn_tiles(&mut self, commands: &mut Commands<'_, '_>) {
        self.tasks.clear();
        for (_, tile) in self.loaded.drain() {
            for e in tile.entities {
                commands.entity(e).despawn();
            }
        }
    }

    /// Whether nothing is loading and the last selection asked for nothing more.
    pub fn is_settled(&self) -> bool {
        self.tasks.is_empty() && self.last.start.is_empty()
    }
}

/// Where tiles fetched over HTTP are cached: `http/` in `city_core::cache_dir()`.
pub fn http_cache() -> std::path::PathBuf {
    city_core::cache_dir().join("http")
}

/// The tilesets, in drawing order.
#[derive(Resource, Default)]
pub struct Layers(pub Vec<TilesetLayer>);

/// The scene's tilesets, still to be opened (by [`open_tilesets`], at start-up), and the
/// streaming budgets they get. Opening reads files or fetches over HTTP, which a plugin's
/// `build` must not do: building only wires.
#[derive(Resource, Debug, Clone, Default)]
pub struct TilesetsToOpen {
    /// Names, paths (or URLs) and whether each is drawn at the start, in drawing order.
    pub tilesets: Vec<SceneTileset>,
    /// Streaming budgets for each.
    pub stream: StreamOptions,
}

/// Start-up: opens the scene's tilesets, after any layers already there (a test's), in the
/// scene's order. One that cannot be opened is logged by name and left out; the others open.
pub fn open_tilesets(
    mut commands: Commands<'_, '_>,
    to_open: Option<Res<'_, TilesetsToOpen>>,
    mut layers: ResMut<'_, Layers>,
) {
    let Some(to_open) = to_open else { return };
    let mut failures = Vec::new();
    for t in &to_open.tilesets {
        match TilesetLayer::open(&t.name, &t.path, to_open.stream) {
            Ok(mut l) => {
                l.visible = t.visible;
                l.opacity = t.ground_opacity.unwrap_or(1.0);
                l.applied_opacity = l.opacity;
                layers.0.push(l);
            }
            Err(e) => failures.push(format!("{}: {e}", t.name)),
        }
    }
    for f in &failures {
        error!("tileset not opened: {f}");
    }
    commands.remove_resource::<TilesetsToOpen>();
}

/// Marks an entity drawing part of a tile's content.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePart {
    /// Layer index.
    pub layer: usize,
    /// The tile.
    pub tile: TileId,
    /// Which content of the tile.
    pub content: usize,
    /// Which mesh part of it (`None` for a point cloud).
    pub mesh: Option<usize>,
}

/// The camera's view for selection this frame (set by the camera system).
#[derive(Resource, Default)]
pub struct CurrentView(pub Option<View>);

/// One frame of streaming for every layer.
#[allow(clippy::too_many_arguments)]
pub fn stream_layers(
    mut commands: Commands<'_, '_>,
    mut layers: ResMut<'_, Layers>,
    view: Res<'_, CurrentView>,
    colors: Res<'_, FeatureColors>,
    materials: Res<'_, SharedMaterials>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    mut vis: Query<'_, '_, &mut Visibility, With<TilePart>>,
    split: Option<Res<'_, SplitView>>,
    mut images: ResMut<'_, Assets<Image>>,
    mut std_materials: ResMut<'_, Assets<StandardMaterial>>,
    time: Res<'_, Time>,
) {
    let Some(view) = &view.0 else { return };
    // The last frame's duration, for the frame budget (ADR 0005): over it, detail drops.
    let frame_ms = time.delta_secs_f64() * 1000.0;
    let pool = AsyncComputeTaskPool::get();
    for (li, layer) in layers.0.iter_mut().enumerate() {
        // Finished loads first: their tiles can be selected this very frame.
        let done: Vec<TileId> = layer.tasks.iter_mut().filter(|(_, t)| t.is_finished()).map(|(id, _)| *id).collect();
        for t in done {
            let Some(mut task) = layer.tasks.remove(&t) else { continue };
            let Some((outcome, decoded)) = check_ready(&mut task) else { continue };
            if let LoadOutcome::Failed(e) = &outcome {
                warn!("tile failed: {e}");
            }
            if layer.streamer.finished(t, outcome) && !decoded.is_empty() {
                layer.decoded += decoded.len();
                layer.tiles_loaded += 1;
                layer.bytes_loaded += decoded.iter().map(DecodedContent::byte_size).sum::<usize>();
                let world_from_tile = layer.streamer.tree.get(t).world_from_tile;
                let contents = Arc::new(decoded);
                let mut entities = Vec::new();
                // Split mode draws every part twice: once per half, each in its own style.
                for right in [false, true].into_iter().take(if split.is_some() { 2 } else { 1 }) {
                    let place = (li, t, world_from_tile, layer.opacity);
                    let textures = (&mut *images, &mut *std_materials);
                    entities.extend(spawn_tile(
                        &mut commands,
                        &mut meshes,
                        (&materials, textures),
                        &colors,
                        place,
                        &contents,
                        right,
                    ));
                }
                layer.ground |= contents.iter().any(is_ground);
                layer.loaded.insert(t, LoadedTile { world_from_tile, contents, entities });
            }
        }
        if !layer.visible {
            for e in layer.loaded.values().flat_map(|l| &l.entities) {
                if let Ok(mut v) = vis.get_mut(*e) {
                    *v = Visibility::Hidden;
                }
            }
            continue;
        }
        if frame_ms > 0.0 {
            layer.streamer.note_frame_time(frame_ms);
        }
        let update = layer.streamer.update(std::slice::from_ref(view));
        for t in &update.cancel {
            layer.tasks.remove(t); // dropping a task cancels it
        }
        layer.evicted += update.evict.len();
        for t in &update.evict {
            if let Some(l) = layer.loaded.remove(t) {
                for e in l.entities {
                    commands.entity(e).despawn();
                }
            }
        }
        for job in &update.start {
            let loader = layer.loader.clone();
            let job = job.clone();
            let tile = job.tile;
            layer.loads += 1;
            layer.distinct.insert(tile);
            layer.tasks.insert(tile, pool.spawn(async move { run_job(&job, &*loader) }));
        }
        let drawn: HashSet<TileId> = update.render.iter().copied().collect();
        for (t, l) in &layer.loaded {
            let want = if drawn.contains(t) { Visibility::Inherited } else { Visibility::Hidden };
            for e in &l.entities {
                if let Ok(mut v) = vis.get_mut(*e)
                    && *v != want
                {
                    *v = want;
                }
            }
        }
        layer.last = update;
    }
}

/// Whether a content is terrain: `citytwin import DEM` says so in its one feature's `layer`.
fn is_ground(content: &DecodedContent) -> bool {
    matches!(content.properties.get(0, "layer"), Some(AttributeValue::Text(t)) if t == "terrain")
}

/// Marks an entity drawing terrain, with a material of its own (its layer's opacity).
#[derive(Component, Debug, Clone, Copy)]
pub struct GroundPart;

/// Each frame: a layer whose opacity was changed (the layers panel's slider) gets it on every
/// ground material it has drawn.
pub fn apply_ground_opacity(
    mut layers: ResMut<'_, Layers>,
    parts: Query<'_, '_, &MeshMaterial3d<StandardMaterial>, With<GroundPart>>,
    mut materials: ResMut<'_, Assets<StandardMaterial>>,
) {
    for layer in layers.0.iter_mut().filter(|l| l.opacity != l.applied_opacity) {
        for e in layer.loaded.values().flat_map(|l| &l.entities) {
            if let Ok(m) = parts.get(*e)
                && let Some(mut m) = materials.get_mut(&m.0)
            {
                set_opacity(&mut m, layer.opacity);
            }
        }
        layer.applied_opacity = layer.opacity;
    }
}

/// The entities of a newly loaded tile (`place`: layer, tile, its frame), hidden until
/// selection shows them; with `right`, split mode's twins for the right half.
fn spawn_tile(
    commands: &mut Commands<'_, '_>,
    meshes: &mut Assets<Mesh>,
    (materials, (images, std_materials)): (&SharedMaterials, (&mut Assets<Image>, &mut Assets<StandardMaterial>)),
    colors: &FeatureColors,
    (layer, tile, world_from_tile, opacity): (usize, TileId, DMat4, f32),
    contents: &[DecodedContent],
    right: bool,
) -> Vec<Entity> {
    let twin = |mut e: EntityCommands<'_>| {
        if right {
            e.insert((SplitTwin, RenderLayers::layer(RIGHT_LAYER)));
        }
        e.id()
    };
    let mut entities = Vec::new();
    for (ci, content) in contents.iter().enumerate() {
        let ground = is_ground(content);
        for (mi, part) in content.meshes.iter().enumerate() {
            let color_of = |f: Option<u32>| colors.color(right, layer, tile, &content.properties, f, part.base_color);
            let mesh = meshes.add(triangle_mesh(part, &color_of));
            // Textured parts get a material of their own (dropped with the tile's entities);
            // with a BIM filter on, the others the one their alphas need.
            let texture = part.texture.as_ref().filter(|_| part.uvs.is_some());
            let material = match texture {
                _ if ground => ground_material(texture.map(|t| texture_image(t, images)), opacity, std_materials),
                Some(t) => textured_material(t, images, std_materials),
                _ if colors.bim.is_active() => materials.for_alphas(&vertex_colors(part, &color_of)),
                _ => materials.surfaces.clone(),
            };
            let identity = [DMat4::IDENTITY];
            let instances: &[DMat4] = if part.instances.is_empty() { &identity } else { &part.instances };
            for inst in instances {
                let place = world_from_tile.mul(inst).mul(&part.tile_from_mesh);
                let e = commands.spawn((
                    Mesh3d(mesh.clone()),
                    MeshMaterial3d(material.clone()),
                    Transform::default(),
                    Visibility::Hidden,
                    WorldPlacement(place),
                    TilePart { layer, tile, content: ci, mesh: Some(mi) },
                ));
                let id = twin(e);
                if ground {
                    commands.entity(id).insert(GroundPart);
                }
                entities.push(id);
            }
        }
        for p in &content.points {
            let e = commands.spawn((
                Mesh3d(meshes.add(point_mesh(p))),
                MeshMaterial3d(materials.points.clone()),
                Transform::default(),
                Visibility::Hidden,
                WorldPlacement(world_from_tile.mul(&p.tile_from_points)),
                TilePart { layer, tile, content: ci, mesh: None },
            ));
            entities.push(twin(e));
        }
    }
    entities
}
