//! A scene's `[[terrain]]` as tilesets the viewer streams. A terrain tileset is used as it is;
//! a DEM or point clouds are built into one first (`citytwin import`'s terrain path), draped with
//! the scene's `[[imagery]]`, in the cache folder, under a key of everything the result depends
//! on: the sources' paths, sizes and modification times, the imagery list and the options. A
//! second opening of an unchanged scene reuses the build.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use city_core::{Crs, Scene, SceneImagery, SceneTerrain, SceneTileset};

/// Changes whenever what a build writes changes, so older builds are not reused.
const BUILD_VERSION: u32 = 2;

/// The scene's terrain as tilesets (ground opacity set), building those given as sources,
/// draped with the imagery layers marked visible.
pub fn ground_tilesets(scene: &Scene) -> Result<Vec<SceneTileset>> {
    let shown: Vec<bool> = scene.imagery.iter().map(|i| i.visible).collect();
    ground_tilesets_with(scene, &shown)
}

/// [`ground_tilesets`] draped with the imagery layers `shown` says (one flag each, in the
/// scene's order): what the viewer asks for when its panel turns imagery on or off.
pub fn ground_tilesets_with(scene: &Scene, shown: &[bool]) -> Result<Vec<SceneTileset>> {
    let imagery: Vec<SceneImagery> =
        scene.imagery.iter().zip(shown).filter(|(_, s)| **s).map(|(i, _)| i.clone()).collect();
    scene
        .terrain
        .iter()
        .map(|t| {
            let path = if is_source(&t.path) { built(t, &imagery)? } else { t.path.clone() };
            Ok(SceneTileset { name: t.name.clone(), path, visible: t.visible, ground_opacity: Some(t.opacity) })
        })
        .collect()
}

/// Whether the scene's imagery can be switched in the viewer: it has imagery layers and
/// terrain built from sources to drape them on (a terrain tileset has its imagery baked in).
pub fn imagery_switchable(scene: &Scene) -> bool {
    !scene.imagery.is_empty() && scene.terrain.iter().any(|t| is_source(&t.path))
}

/// Whether a terrain path names sources to build from (a DEM or a point cloud), not a tileset.
fn is_source(path: &Path) -> bool {
    cim_import::Dem::is_dem(path) || cim_import::is_point_cloud(path)
}

/// The folder of the built tileset for `t`, building it unless the cache has it.
fn built(t: &SceneTerrain, imagery: &[SceneImagery]) -> Result<PathBuf> {
    let dir = city_core::cache_dir().join("terrain").join(format!("{:016x}", key(t, imagery)));
    if dir.join("tileset.json").is_file() {
        return Ok(dir);
    }
    let what = || format!("terrain {:?} ({})", t.name, t.path.display());
    let crs = t.crs.as_deref().map(Crs::parse).transpose().with_context(|| format!("{}: crs", what()))?;
    let started = Instant::now();
    eprintln!("{}: building its tileset into {}", what(), dir.display());
    let layers = imagery
        .iter()
        .map(|i| {
            let opts =
                cim_import::ImageryOptions { attribution: i.attribution.clone(), cache: None, max_zoom: i.max_zoom };
            cim_import::open_imagery(&i.source, &opts).with_context(|| format!("imagery {:?}", i.name))
        })
        .collect::<Result<Vec<_>>>()?;
    let opts = cim_import::TerrainOptions::default();
    let s = if cim_import::is_point_cloud(&t.path) {
        let (dtm, _) = cim_import::dtm_from_point_clouds(std::slice::from_ref(&t.path), crs.as_ref(), 1.0)?;
        cim_import::write_terrain(&dtm, &dir, &opts, &layers, &())
    } else {
        let dem = cim_import::DemFile::open(&t.path, crs.as_ref())?;
        cim_import::write_terrain_file(&dem, &dir, &opts, &layers, &())
    }
    .with_context(what)?;
    for w in &s.warnings {
        eprintln!("warning: {}: {w}", what());
    }
    if s.tiles == 0 {
        bail!("{}: no tile written", what());
    }
    eprintln!("{}: {} tiles, {} triangles in {:.1} s", what(), s.tiles, s.triangles, started.elapsed().as_secs_f64());
    Ok(dir)
}

/// FNV-1a over everything the build depends on.
fn key(t: &SceneTerrain, imagery: &[SceneImagery]) -> u64 {
    let mut text = format!("v{BUILD_VERSION}\n{}\n{:?}\n", file_stamp(&t.path), t.crs);
    for i in imagery {
        let stamp = if i.is_url() { i.source.clone() } else { file_stamp(Path::new(&i.source)) };
        text.push_str(&format!("{stamp}\n{:?}\n{:?}\n", i.attribution, i.max_zoom));
    }
    city_core::fnv1a(text.as_bytes())
}

/// A file's path, size and modification time (just the path when it cannot be read: the build
/// then fails with the reason).
fn file_stamp(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    match std::fs::metadata(&abs) {
        Ok(m) => {
            let t = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
            format!("{} {} {}", abs.display(), m.len(), t.as_nanos())
        }
        Err(_) => abs.display().to_string(),
    }
}
