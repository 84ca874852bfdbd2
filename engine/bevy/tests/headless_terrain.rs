//! Terrain in a headless Bevy app: a tileset built from Delft's AHN3 DTM streams in as ground
//! (its own materials), the layers panel's opacity reaches every ground material, and a camera
//! put under the ground is lifted above it: to the terrain where terrain is drawn under the
//! eye, to the globe elsewhere.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use bevy::ecs::system::RunSystemOnce;
use bevy::prelude::*;
use city_bevy::camera_control::CameraRig;
use city_bevy::globe::{Globe, GlobePlugin};
use city_bevy::ground_clearance::{EYE_CLEARANCE_M, keep_above_ground, terrain_height_under};
use city_bevy::orbit_camera::Orbit;
use city_bevy::tile_layers::{CurrentView, GroundPart, Layers, TilesetLayer};
use city_bevy::{TilesPlugin, ViewerBasePlugin};
use city_core::{Geodetic, ecef_from_geodetic, geodetic_from_ecef};
use city_tiles::{StreamOptions, View};

/// Delft's DTM as a terrain tileset, built once.
fn terrain() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dem = city_core::shared_data_file("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif").unwrap();
            let dem = cim_import::Dem::read(&dem, None).unwrap();
            let out = std::env::temp_dir().join(format!("citytwin-headless-terrain-{}", std::process::id()));
            cim_import::write_terrain(&dem, &out, &cim_import::TerrainOptions::default(), &[], &()).unwrap();
            out
        })
        .clone()
}

/// Delft's old town, inside the DTM.
const LON: f64 = 4.3668;
const LAT: f64 = 52.0116;

fn app() -> App {
    let layer = TilesetLayer::open("AHN3", &terrain(), StreamOptions::default()).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<Mesh>().init_asset::<StandardMaterial>().init_asset::<Image>();
    // Looking straight down from 300 m: the leaves load under the eye.
    let eye = ecef_from_geodetic(Geodetic::from_deg(LON, LAT, 300.0));
    let at = ecef_from_geodetic(Geodetic::from_deg(LON, LAT, 0.0));
    app.insert_resource(Layers(vec![layer]))
        .insert_resource(CurrentView(Some(View::looking_at(eye, at, [0.0, 0.0, 1.0]))))
        .add_plugins((ViewerBasePlugin, TilesPlugin::default(), GlobePlugin::default()));
    for _ in 0..3_000 {
        app.update();
        let l = &app.world().resource::<Layers>().0[0];
        if l.is_settled() && !l.loaded.is_empty() {
            app.update();
            return app;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("still loading after 3000 frames");
}

#[test]
fn terrain_opacity_reaches_every_ground_material() {
    let mut app = app();
    assert!(app.world().resource::<Layers>().0[0].ground, "the terrain's tiles were not recognised as ground");
    let alphas = |app: &mut App| -> Vec<(f32, AlphaMode)> {
        let world = app.world_mut();
        let handles: Vec<Handle<StandardMaterial>> = world
            .query_filtered::<&MeshMaterial3d<StandardMaterial>, With<GroundPart>>()
            .iter(world)
            .map(|m| m.0.clone())
            .collect();
        let materials = world.resource::<Assets<StandardMaterial>>();
        handles.iter().map(|h| materials.get(h).map(|m| (m.base_color.alpha(), m.alpha_mode)).unwrap()).collect()
    };
    let before = alphas(&mut app);
    assert!(!before.is_empty() && before.iter().all(|(a, m)| *a == 1.0 && *m == AlphaMode::Opaque), "{before:?}");
    app.world_mut().resource_mut::<Layers>().0[0].opacity = 0.4;
    app.update();
    let after = alphas(&mut app);
    assert_eq!(after.len(), before.len());
    assert!(after.iter().all(|(a, m)| (*a - 0.4).abs() < 1e-6 && *m == AlphaMode::Blend), "{after:?}");
}

#[test]
fn a_camera_under_the_ground_is_lifted_above_it() {
    let mut app = app();
    let ground = {
        let layers = app.world().resource::<Layers>();
        terrain_height_under(ecef_from_geodetic(Geodetic::from_deg(LON, LAT, 0.0)), layers)
            .expect("the terrain drawn under the old town")
    };
    // The DTM's ground there is NAP -1 to 3 m.
    assert!((-3.0..6.0).contains(&ground), "ground at {ground} m");
    // An orbit whose eye is 20 m under the ground, looking along it.
    let orbit = |h: f64| Orbit { target: Geodetic::from_deg(LON, LAT, h), distance_m: 30.0, heading: 0.0, pitch: 0.1 };
    let eye_height = |rig: &CameraRig| geodetic_from_ecef(rig.orbit.eye().0).height_m;
    let rig = CameraRig { orbit: orbit(ground - 23.0), flight: None, bookmarks: Vec::new(), fov_y: 0.8 };
    assert!(eye_height(&rig) < ground - 15.0);
    app.insert_resource(rig);
    app.world_mut().run_system_once(keep_above_ground).unwrap();
    let lifted = eye_height(app.world().resource::<CameraRig>());
    assert!((lifted - (ground + EYE_CLEARANCE_M)).abs() < 0.5, "eye at {lifted} m, ground at {ground} m");
    // Where no terrain is drawn (10 km west), the globe is the ground.
    let far = Orbit { target: Geodetic::from_deg(LON - 0.15, LAT, -500.0), ..orbit(0.0) };
    app.insert_resource(CameraRig { orbit: far, flight: None, bookmarks: Vec::new(), fov_y: 0.8 });
    app.world_mut().run_system_once(keep_above_ground).unwrap();
    let below = app.world().resource::<Globe>().below_m;
    let lifted = eye_height(app.world().resource::<CameraRig>());
    assert!(
        (lifted - (EYE_CLEARANCE_M - below)).abs() < 0.5,
        "eye at {lifted} m, the globe {below} m under the ellipsoid"
    );
}
