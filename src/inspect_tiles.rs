//! `citytwin inspect` on 3D Tiles: a tileset (every tile in view of an overview loaded, as the
//! viewer would load them at full detail) or one tile content file (GLB, glTF, b3dm, i3dm, pnts,
//! cmpt). Says what decoded, what did not and why (per tile), ending with one JSON line.
use std::path::Path;

use anyhow::{Context, Result};
use city_tiles::{
    ContentLoader, DecodedContent, FileLoader, Mat4, StreamOptions, TileTree, TilesetJson, TilesetStreamer, View,
    decode_content, run_job,
};

/// Whether `input` is something this file inspects: a tileset (its JSON, or a folder holding
/// `tileset.json`) or a tile content file.
pub fn is_tiles_input(input: &Path) -> bool {
    let ext = input.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    input.join("tileset.json").is_file()
        || matches!(ext.as_str(), "glb" | "gltf" | "b3dm" | "i3dm" | "pnts" | "cmpt")
        || (ext == "json" && std::fs::read(input).is_ok_and(|b| b.windows(7).any(|w| w == b"\"asset\"")))
}

/// Totals of decoded contents.
#[derive(Default)]
struct Totals {
    contents: usize,
    meshes: usize,
    triangles: usize,
    points: usize,
    textured: usize,
    features: usize,
}

impl Totals {
    fn add(&mut self, c: &DecodedContent) {
        self.contents += 1;
        self.meshes += c.meshes.len();
        self.triangles += c.meshes.iter().map(|m| m.indices.len() / 3).sum::<usize>();
        self.points += c.points.iter().map(|p| p.positions.len()).sum::<usize>();
        self.textured += c.meshes.iter().filter(|m| m.texture.is_some()).count();
        self.features += c.properties.count;
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({"contents": self.contents, "meshes": self.meshes, "triangles": self.triangles,
            "points": self.points, "textured_meshes": self.textured, "features": self.features})
    }
}

/// Inspects a tileset or a tile content file.
pub fn inspect_tiles(input: &Path) -> Result<()> {
    let is_content = input.is_file() && !input.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_content {
        return inspect_content(input);
    }
    let (loader, root) = FileLoader::for_tileset(input)?;
    let json = TilesetJson::parse(&loader.load(&root)?, &root)?;
    for ext in json.unknown_required_extensions() {
        eprintln!("warning: {root} requires {ext}, which CityTwin does not read: tiles that need it fail");
    }
    let tree = TileTree::from_tileset(&json, &root)?;
    let view = overview(&tree);
    let mut s = TilesetStreamer::new(tree, StreamOptions { max_sse_px: 1e-9, ..Default::default() });
    let mut totals = Totals::default();
    let mut notes = Vec::new();
    for _ in 0..100_000 {
        let frame = s.update(std::slice::from_ref(&view));
        if frame.start.is_empty() {
            break;
        }
        for job in &frame.start {
            let (outcome, decoded) = run_job(job, &loader);
            if s.finished(job.tile, outcome) {
                for c in &decoded {
                    totals.add(c);
                    notes.extend(c.notes.iter().cloned());
                }
            }
        }
    }
    for (_, why) in &s.failures {
        eprintln!("failed: {why}");
    }
    for n in notes.iter().take(20) {
        eprintln!("note: {n}");
    }
    let t = &totals;
    println!(
        "{}: 3D Tiles {}, {} tiles; {} contents decoded ({} meshes, {} triangles, {} textured, {} points, {} features), {} failed",
        input.display(),
        s.tree.version,
        s.tree.tiles.len(),
        t.contents,
        t.meshes,
        t.triangles,
        t.textured,
        t.points,
        t.features,
        s.failures.len()
    );
    let mut line = t.json();
    line["tiles"] = s.tree.tiles.len().into();
    line["failed"] = s.failures.len().into();
    println!("{line}");
    Ok(())
}

/// One content file, its separate files read from its folder.
fn inspect_content(input: &Path) -> Result<()> {
    let dir = input.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // The loader is rooted at the content's folder: what it names must lie there or below.
    let loader = FileLoader::in_folder(&dir.canonicalize().with_context(|| format!("reading {}", dir.display()))?);
    let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    let c = decode_content(&bytes, &name, &Mat4::IDENTITY, &loader)?;
    for n in &c.notes {
        eprintln!("note: {n}");
    }
    let mut t = Totals::default();
    t.add(&c);
    println!(
        "{}: {} meshes, {} triangles, {} textured, {} points, {} features ({} properties)",
        input.display(),
        t.meshes,
        t.triangles,
        t.textured,
        t.points,
        t.features,
        c.properties.columns.len()
    );
    println!("{}", t.json());
    Ok(())
}

/// A view from above the root's volume far enough to hold all of it (straight down the
/// ellipsoid normal for georeferenced tilesets).
fn overview(tree: &TileTree) -> View {
    let root = tree.get(tree.root());
    let c = root.bounds.center;
    let r = root.radius_m.max(1e-3);
    let len = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
    let up: [f64; 3] = if len > 1e6 { c.map(|v| v / len) } else { [0.0, 0.0, 1.0] };
    let eye = [c[0] + up[0] * r * 2.5, c[1] + up[1] * r * 2.5, c[2] + up[2] * r * 2.5];
    let side = if up[2].abs() < 0.9 { [0.0, 0.0, 1.0] } else { [0.0, 1.0, 0.0] };
    View::looking_at(eye, c, side)
}
