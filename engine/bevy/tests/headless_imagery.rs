//! Imagery turned on and off while the viewer runs (issue 18): Delft's AHN3 DTM draped with one
//! of two imagery GeoTIFFs (one red, one blue, in EPSG:4326 over the DTM in RD New), switched
//! through `ImageryChoice` as the layers panel does. The terrain is rebuilt on a thread while the
//! old ground stays drawn, then swapped in place: the ground's textures turn from red to blue,
//! then go when no imagery is chosen, and no entity of an earlier build is left behind.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use city_bevy::imagery_switch::{ImageryChoice, ImagerySwitchPlugin, ImagerySwitchStart};
use city_bevy::tile_layers::{CurrentView, GroundPart, Layers, TilesetLayer};
use city_bevy::{TilesPlugin, ViewerBasePlugin};
use city_core::{Geodetic, SceneTileset, ecef_from_geodetic};
use city_tiles::{StreamOptions, View};

/// Delft's old town, inside the DTM.
const LON: f64 = 4.3668;
const LAT: f64 = 52.0116;

/// A 32 x 32 RGB GeoTIFF of one colour in EPSG:4326, a few kilometres around Delft.
fn geotiff(path: &Path, rgb: [u8; 3]) {
    use tiff::encoder::{TiffEncoder, colortype::RGB8};
    use tiff::tags::Tag;
    let (w, h) = (32u32, 32u32);
    let mut enc = TiffEncoder::new(std::fs::File::create(path).unwrap()).unwrap();
    let mut img = enc.new_image::<RGB8>(w, h).unwrap();
    let (west, north, step) = (LON - 0.04, LAT + 0.03, 0.0025);
    img.encoder().write_tag(Tag::ModelPixelScaleTag, &[step, step, 0.0][..]).unwrap();
    img.encoder().write_tag(Tag::ModelTiepointTag, &[0.0, 0.0, 0.0, west, north, 0.0][..]).unwrap();
    // GeoKeys: a geographic model, pixel-is-area, EPSG:4326.
    let keys: [u16; 16] = [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326];
    img.encoder().write_tag(Tag::GeoKeyDirectoryTag, &keys[..]).unwrap();
    let data: Vec<u8> = (0..w * h).flat_map(|_| rgb).collect();
    img.write_data(&data).unwrap();
}

/// The imagery GeoTIFFs, named red and blue, made once.
fn imagery() -> [PathBuf; 2] {
    static MADE: std::sync::OnceLock<[PathBuf; 2]> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("citytwin-imagery-switch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (red, blue) = (dir.join("red.tif"), dir.join("blue.tif"));
        geotiff(&red, [220, 30, 30]);
        geotiff(&blue, [30, 30, 220]);
        [red, blue]
    })
    .clone()
}

/// What the viewer's binary supplies: the DTM built with the chosen imagery, each choice into
/// a folder of its own.
fn build(shown: &[bool]) -> Result<Vec<SceneTileset>, String> {
    // The tests run side by side and share the builds: one at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let sources = imagery();
    let key: String = shown.iter().map(|s| if *s { '1' } else { '0' }).collect();
    let out = std::env::temp_dir().join(format!("citytwin-imagery-switch-{}/terrain-{key}", std::process::id()));
    if !out.join("tileset.json").is_file() {
        let dem =
            city_core::shared_data_file("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif").map_err(|e| e.to_string())?;
        let dem = cim_import::Dem::read(&dem, None).map_err(|e| e.to_string())?;
        let layers = sources
            .iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|(p, _)| cim_import::open_imagery(&p.to_string_lossy(), &cim_import::ImageryOptions::default()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        cim_import::write_terrain(&dem, &out, &cim_import::TerrainOptions::default(), &layers, &())
            .map_err(|e| e.to_string())?;
    }
    Ok(vec![SceneTileset { name: "AHN3".into(), path: out, visible: true, ground_opacity: Some(1.0) }])
}

fn app() -> App {
    let start = build(&[true, false]).unwrap();
    let layer = TilesetLayer::open("AHN3", &start[0].path, StreamOptions::default()).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<Mesh>().init_asset::<StandardMaterial>().init_asset::<Image>();
    let eye = ecef_from_geodetic(Geodetic::from_deg(LON, LAT, 300.0));
    let at = ecef_from_geodetic(Geodetic::from_deg(LON, LAT, 0.0));
    app.insert_resource(Layers(vec![layer]))
        .insert_resource(CurrentView(Some(View::looking_at(eye, at, [0.0, 0.0, 1.0]))))
        .add_plugins((
            ViewerBasePlugin,
            TilesPlugin::default(),
            ImagerySwitchPlugin(Arc::new(ImagerySwitchStart {
                names: vec!["red".into(), "blue".into()],
                shown: vec![true, false],
                builder: Arc::new(build),
                stream: StreamOptions::default(),
            })),
        ));
    app
}

/// Updates until no build is under way and the ground layer has settled with tiles drawn.
fn settle(app: &mut App) {
    for _ in 0..6_000 {
        app.update();
        let building = app.world().resource::<ImageryChoice>().is_building();
        let l = &app.world().resource::<Layers>().0[0];
        if !building && l.is_settled() && !l.loaded.is_empty() {
            app.update();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("the ground did not settle after 6000 frames");
}

/// The mean colour of every ground material's texture (`None` for a material without one),
/// and how many ground entities there are.
fn ground_colours(app: &mut App) -> (Vec<Option<[f64; 3]>>, usize) {
    let world = app.world_mut();
    let handles: Vec<Handle<StandardMaterial>> = world
        .query_filtered::<&MeshMaterial3d<StandardMaterial>, With<GroundPart>>()
        .iter(world)
        .map(|m| m.0.clone())
        .collect();
    let (materials, images) = (world.resource::<Assets<StandardMaterial>>(), world.resource::<Assets<Image>>());
    let colours = handles
        .iter()
        .map(|h| {
            let texture = materials.get(h).unwrap().base_color_texture.as_ref()?;
            let data = images.get(texture).unwrap().data.as_ref().unwrap();
            let n = (data.len() / 4) as f64;
            Some(std::array::from_fn(|k| data.chunks_exact(4).map(|p| f64::from(p[k])).sum::<f64>() / n))
        })
        .collect();
    (colours, handles.len())
}

#[test]
fn imagery_switched_in_the_panel_redrapes_the_terrain() {
    let mut app = app();
    settle(&mut app);
    let (colours, _) = ground_colours(&mut app);
    assert!(!colours.is_empty(), "no ground drawn");
    let reddish = |c: &Option<[f64; 3]>| matches!(c, Some([r, _, b]) if r > &150.0 && b < &80.0);
    let bluish = |c: &Option<[f64; 3]>| matches!(c, Some([r, _, b]) if b > &150.0 && r < &80.0);
    assert!(colours.iter().all(reddish), "not all red at start: {colours:?}");
    let first_path = app.world().resource::<Layers>().0[0].path.clone();

    // The panel turns red off and blue on.
    app.world_mut().resource_mut::<ImageryChoice>().shown = vec![false, true];
    app.update();
    assert!(app.world().resource::<ImageryChoice>().is_building(), "no build started");
    settle(&mut app);
    let layer = &app.world().resource::<Layers>().0[0];
    assert_ne!(layer.path, first_path, "the layer was not swapped");
    let drawn_entities: usize = layer.loaded.values().map(|t| t.entities.len()).sum();
    let (colours, entities) = ground_colours(&mut app);
    assert!(!colours.is_empty() && colours.iter().all(bluish), "not all blue after the switch: {colours:?}");
    assert_eq!(entities, drawn_entities, "entities of the red build were left behind");
    assert!(app.world().resource::<ImageryChoice>().status.is_none());

    // No imagery at all: the plain ground, no texture.
    app.world_mut().resource_mut::<ImageryChoice>().shown = vec![false, false];
    settle(&mut app);
    let (colours, _) = ground_colours(&mut app);
    assert!(!colours.is_empty() && colours.iter().all(Option::is_none), "textures left: {colours:?}");
}

#[test]
fn a_failed_rebuild_keeps_the_drawn_ground_and_says_why() {
    let mut app = app();
    settle(&mut app);
    let before = app.world().resource::<Layers>().0[0].path.clone();
    // A builder that fails, as a missing imagery file would.
    let failing: city_bevy::imagery_switch::GroundBuilder =
        Arc::new(|_: &[bool]| Err("imagery \"blue\": no such file: /nowhere/blue.tif".into()));
    app.insert_resource(ImageryChoice::new(Arc::new(ImagerySwitchStart {
        names: vec!["red".into(), "blue".into()],
        shown: vec![true, false],
        builder: failing,
        stream: StreamOptions::default(),
    })));
    app.world_mut().resource_mut::<ImageryChoice>().shown = vec![true, true];
    settle(&mut app);
    let choice = app.world().resource::<ImageryChoice>();
    let status = choice.status.clone().unwrap_or_default();
    assert!(status.contains("/nowhere/blue.tif"), "status: {status:?}");
    assert_eq!(choice.shown, vec![true, false], "the panel shows a choice that is not drawn");
    let layer = &app.world().resource::<Layers>().0[0];
    assert_eq!(layer.path, before);
    assert!(!layer.loaded.is_empty(), "the drawn ground was lost");
}
