//! `citytwin import dem.tif -o DIR` on the real DEMs of the shared data (Delft's AHN3 DTM in
//! RD New, Helsinki's city DEM in WGS84), checked against GDAL and PROJ: heights sampled from
//! the terrain tiles at 1,000 random points equal GDAL's bilinear samples of the source (rasterio,
//! `scripts/dem-reference.py`) within each tile's declared geometric error, at the leaves and at
//! the root; the raster's corner pixels land where PROJ (pyproj) puts them; every tile passes the
//! Khronos glTF-Validator. Broken GeoTIFFs are in the bad-input corpus.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::Command;

use city_core::{Geodetic, ecef_from_geodetic, geodetic_from_ecef};
use serde_json::Value;

#[path = "support/reference.rs"]
mod reference;
use reference::{imagery, python};

fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

/// GDAL's and PROJ's view of `dem`: random points with bilinear heights, and the corners.
fn reference(dem: &Path, n: usize) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dem-reference.py");
    let o = Command::new(python()).arg(script).arg(dem).args([&n.to_string(), "17"]).output().unwrap();
    assert!(o.status.success(), "dem-reference.py: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A tile's triangles, in the root's frame (metres, z up), and its geometric error.
struct TileMesh {
    depth: usize,
    error: f64,
    triangles: Vec<[[f64; 3]; 3]>,
    /// West, south, east, north in the root's frame.
    bounds: [f64; 4],
}

/// The GLB's first primitive: positions (glTF y-up) and indices, read by hand.
fn glb_triangles(bytes: &[u8]) -> Vec<[[f32; 3]; 3]> {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    assert_eq!(&bytes[0..4], b"glTF");
    let json_len = u32_at(12);
    let json: Value = serde_json::from_slice(&bytes[20..20 + json_len]).unwrap();
    let bin = &bytes[20 + json_len + 8..];
    let view = |accessor: &Value| -> (usize, usize) {
        let v = &json["bufferViews"][accessor["bufferView"].as_u64().unwrap() as usize];
        (v["byteOffset"].as_u64().unwrap_or(0) as usize, accessor["count"].as_u64().unwrap() as usize)
    };
    let prim = &json["meshes"][0]["primitives"][0];
    let (po, pn) = view(&json["accessors"][prim["attributes"]["POSITION"].as_u64().unwrap() as usize]);
    let f = |o: usize| f32::from_le_bytes(bin[o..o + 4].try_into().unwrap());
    let pos: Vec<[f32; 3]> = (0..pn).map(|i| [f(po + 12 * i), f(po + 12 * i + 4), f(po + 12 * i + 8)]).collect();
    let acc = &json["accessors"][prim["indices"].as_u64().unwrap() as usize];
    let (io, n) = view(acc);
    let idx: Vec<usize> = match acc["componentType"].as_u64() {
        Some(5123) => {
            (0..n).map(|i| u16::from_le_bytes(bin[io + 2 * i..io + 2 * i + 2].try_into().unwrap()) as usize).collect()
        }
        Some(5125) => {
            (0..n).map(|i| u32::from_le_bytes(bin[io + 4 * i..io + 4 * i + 4].try_into().unwrap()) as usize).collect()
        }
        other => panic!("indices of component type {other:?}"),
    };
    idx.chunks_exact(3).map(|t| [pos[t[0]], pos[t[1]], pos[t[2]]]).collect()
}

/// Every tile of the tileset at `dir` with its depth, its offset from the root (the tiles'
/// transforms below the root are translations) and its GLB; and the root's transform.
/// A tile as the walk finds it: depth, geometric error, offset from the root, GLB.
type Walked = (usize, f64, [f64; 3], Vec<u8>);

fn walk_tiles(dir: &Path) -> (Vec<Walked>, [f64; 16]) {
    let tileset: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("tileset.json")).unwrap()).unwrap();
    let root = &tileset["root"];
    let m: Vec<f64> = root["transform"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let mut out = Vec::new();
    fn walk(t: &Value, depth: usize, offset: [f64; 3], dir: &Path, out: &mut Vec<Walked>) {
        let mut offset = offset;
        if depth > 0 && !t["transform"].is_null() {
            let tr: Vec<f64> = t["transform"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(tr[..12] == [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0], "{tr:?}");
            offset = [offset[0] + tr[12], offset[1] + tr[13], offset[2] + tr[14]];
        }
        let uri = t["content"]["uri"].as_str().unwrap();
        if uri.ends_with(".json") {
            // An external tileset (a block of a large DEM): its root stands in for this tile.
            let external: Value = serde_json::from_slice(&std::fs::read(dir.join(uri)).unwrap()).unwrap();
            assert!(external["root"]["transform"].is_null(), "{uri}: the external root is placed by its parent");
            return walk(&external["root"], depth, offset, dir, out);
        }
        let bytes = std::fs::read(dir.join(uri)).unwrap();
        out.push((depth, t["geometricError"].as_f64().unwrap(), offset, bytes));
        for c in t["children"].as_array().into_iter().flatten() {
            walk(c, depth + 1, offset, dir, out);
        }
    }
    walk(root, 0, [0.0; 3], dir, &mut out);
    (out, m.try_into().unwrap())
}

/// glTF y-up, relative to a tile, to the root frame's z-up: (x, y, z) -> (x, -z, y).
fn in_root_frame(offset: [f64; 3], p: [f32; 3]) -> [f64; 3] {
    [offset[0] + f64::from(p[0]), offset[1] - f64::from(p[2]), offset[2] + f64::from(p[1])]
}

/// Every tile of the tileset at `dir`, its triangles moved into the root's frame, and the
/// root's transform.
fn tiles(dir: &Path) -> (Vec<TileMesh>, [f64; 16]) {
    let (all, m) = walk_tiles(dir);
    let out = all
        .into_iter()
        .map(|(depth, error, offset, bytes)| {
            let triangles: Vec<[[f64; 3]; 3]> =
                glb_triangles(&bytes).into_iter().map(|tri| tri.map(|p| in_root_frame(offset, p))).collect();
            let mut bounds = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            for v in triangles.iter().flatten() {
                bounds = [bounds[0].min(v[0]), bounds[1].min(v[1]), bounds[2].max(v[0]), bounds[3].max(v[1])];
            }
            TileMesh { depth, error, triangles, bounds }
        })
        .collect();
    (out, m)
}

/// The root frame's coordinates of an ECEF point (the root transform is a rotation and a
/// translation).
fn local(m: &[f64; 16], ecef: [f64; 3]) -> [f64; 3] {
    let d = [ecef[0] - m[12], ecef[1] - m[13], ecef[2] - m[14]];
    std::array::from_fn(|c| m[4 * c] * d[0] + m[4 * c + 1] * d[1] + m[4 * c + 2] * d[2])
}

fn ecef(m: &[f64; 16], p: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|r| m[r] * p[0] + m[4 + r] * p[1] + m[8 + r] * p[2] + m[12 + r])
}

/// The mesh's point above or below (x, y) among `tiles`: the first upward-facing triangle
/// holding it.
fn surface_at(tiles: &[&TileMesh], x: f64, y: f64) -> Option<([f64; 3], f64)> {
    let inside = |t: &&&TileMesh| {
        x >= t.bounds[0] - 1e-6 && y >= t.bounds[1] - 1e-6 && x <= t.bounds[2] + 1e-6 && y <= t.bounds[3] + 1e-6
    };
    for t in tiles.iter().filter(inside) {
        for [a, b, c] in &t.triangles {
            let det = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
            if det.abs() < 1e-9 {
                continue; // a skirt: vertical
            }
            let u = ((x - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (y - a[1])) / det;
            let v = ((b[0] - a[0]) * (y - a[1]) - (x - a[0]) * (b[1] - a[1])) / det;
            if u >= -1e-9 && v >= -1e-9 && u + v <= 1.0 + 1e-9 {
                let z = a[2] + u * (b[2] - a[2]) + v * (c[2] - a[2]);
                return Some(([x, y, z], t.error));
            }
        }
    }
    None
}

fn import(dem: &Path, name: &str) -> PathBuf {
    import_with(dem, &[], name)
}

fn import_with(dem: &Path, args: &[&str], name: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!("citytwin-terrain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .arg("import")
        .arg(dem)
        .args(args)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "citytwin import {}: {err}", dem.display());
    assert!(err.contains("levels") && err.contains("geometric error"), "{err}");
    out
}

fn check_against_gdal(dem: &Path, name: &str) {
    check_tileset_against_gdal(dem, import(dem, name), name);
}

fn check_tileset_against_gdal(dem: &Path, out: PathBuf, name: &str) {
    let r = reference(dem, 1000);
    let (all, m) = tiles(&out);
    let deepest = all.iter().map(|t| t.depth).max().unwrap();
    assert!(deepest >= 2, "{name}: a quadtree, not one tile ({deepest})");
    // Georeference: each corner pixel's vertex where PROJ puts the pixel centre.
    let leaves: Vec<&TileMesh> = all.iter().filter(|t| t.depth == deepest).collect();
    let corners: Vec<&Value> = r["corners"].as_array().unwrap().iter().filter(|c| c["h"].is_f64()).collect();
    assert!(!corners.is_empty(), "{name}: no corner pixel has a height");
    for c in corners {
        let g = Geodetic::from_deg(c["lon"].as_f64().unwrap(), c["lat"].as_f64().unwrap(), c["h"].as_f64().unwrap());
        let want = local(&m, ecef_from_geodetic(g));
        let nearest = leaves
            .iter()
            .flat_map(|t| t.triangles.iter().flatten())
            .map(|v| ((v[0] - want[0]).hypot(v[1] - want[1]), v[2] - want[2]))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert!(nearest.0 < 0.01 && nearest.1.abs() < 0.01, "{name}: corner {c} is {nearest:?} m from its vertex");
    }
    for (level, what) in [(deepest, "leaves"), (0, "root")] {
        let level_tiles: Vec<&TileMesh> = all.iter().filter(|t| t.depth == level).collect();
        let mut worst: f64 = 0.0;
        for p in r["points"].as_array().unwrap() {
            let g =
                Geodetic::from_deg(p["lon"].as_f64().unwrap(), p["lat"].as_f64().unwrap(), p["h"].as_f64().unwrap());
            let want = local(&m, ecef_from_geodetic(g));
            let (hit, error) = surface_at(&level_tiles, want[0], want[1])
                .unwrap_or_else(|| panic!("{name} {what}: no terrain at {p}"));
            let got = geodetic_from_ecef(ecef(&m, hit)).height_m;
            let off = (got - g.height_m).abs();
            assert!(
                off <= error + 2e-3,
                "{name} {what}: at {p} the terrain is {got:.4} m, GDAL says {:.4} m: {off:.4} m off, the tile \
                 declares {error} m",
                g.height_m
            );
            worst = worst.max(off);
        }
        eprintln!("{name} {what}: largest difference from GDAL over 1000 points {worst:.4} m");
    }
    // Every tile passes the glTF-Validator.
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    let glbs: Vec<PathBuf> = walkdir(&out.join("tiles"));
    assert_eq!(glbs.len(), all.len(), "a GLB per tile, each tile reached from tileset.json");
    let v = Command::new("node").arg(&validator).args(&glbs).output().expect("running node");
    assert!(v.status.success(), "{name}: glTF-Validator: {}", String::from_utf8_lossy(&v.stdout));
    std::fs::remove_dir_all(&out).unwrap();
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walkdir(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn delft_dtm_in_rd_new_matches_gdal_and_proj() {
    check_against_gdal(&data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif"), "delft");
}

#[test]
fn helsinki_dem_in_wgs84_matches_gdal_and_proj() {
    check_against_gdal(&data("terrain/helsinki-dem/elevation_model_2021_lapinlahti.tif"), "helsinki");
}

#[test]
fn a_dem_with_city_inputs_or_without_a_crs_is_refused_clearly() {
    let out = std::env::temp_dir().join(format!("citytwin-terrain-refused-{}", std::process::id()));
    let dem = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .arg("import")
        .arg(&dem)
        .arg(data("cityjson/delft.json"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("on their own"), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// Pixel-is-area and pixel-is-point GeoTIFFs (our own, from the bad-input corpus) put their
/// pixel centres where GDAL does: the tiepoint is a pixel's corner in one, its centre in the other.
#[test]
fn pixel_is_area_and_pixel_is_point_agree_with_gdal() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-input/dem");
    for name in ["good.tif", "good-pixel-is-point.tif"] {
        let file = corpus.join(name);
        let dem = cim_import::Dem::read(&file, None).unwrap();
        let code = "import rasterio, sys, json; d = rasterio.open(sys.argv[1]); \
                    print(json.dumps([list(d.transform * (c + 0.5, r + 0.5)) for c, r in [(0, 0), (3, 2)]]))";
        let o = Command::new(python()).args(["-c", code]).arg(&file).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let gdal: Vec<[f64; 2]> = serde_json::from_slice(&o.stdout).unwrap();
        for (k, (c, r)) in [(0.0, 0.0), (3.0, 2.0)].into_iter().enumerate() {
            let ours = dem.coords(c, r);
            assert!(
                (ours[0] - gdal[k][0]).abs() < 1e-9 && (ours[1] - gdal[k][1]).abs() < 1e-9,
                "{name}: pixel ({c}, {r}) centre: ours {ours:?}, GDAL {:?}",
                gdal[k]
            );
        }
    }
}

/// The numbers of the summary's ground line: (within 1 m, within 0.5 m, above, below, outside).
fn ground_line(stderr: &str, prefix: &str) -> [usize; 5] {
    let line = stderr.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in:\n{stderr}"));
    let re =
        regex::Regex::new(r"(\d+) within 1 m \((\d+) within 0.5 m\), (\d+) above it, (\d+) below it, (\d+) without")
            .unwrap();
    let c = re.captures(line).unwrap_or_else(|| panic!("{line}"));
    std::array::from_fn(|i| c[i + 1].parse().unwrap())
}

fn import_with_terrain(dem: &Path, extra: &[&str], name: &str) -> String {
    let out = std::env::temp_dir().join(format!("citytwin-ground-{name}-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .arg("import")
        .arg(data("cityjson/delft.json"))
        .arg("-o")
        .arg(&out)
        .arg("--terrain")
        .arg(dem)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    std::fs::remove_dir_all(&out).unwrap();
    err
}

/// Delft's buildings (3dfier, from this very AHN3) stand within 0.5 m of the DTM made from it.
#[test]
fn delft_buildings_stand_on_the_ahn3_dtm() {
    let err = import_with_terrain(&data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif"), &[], "ahn3");
    let [on, half, above, below, _outside] = ground_line(&err, "buildings on the terrain:");
    assert!(on > 100, "{err}");
    assert_eq!((half, above, below), (on, 0, 0), "every building within 0.5 m: {err}");
}

/// On ground 5 m higher (the DTM raised, written by rasterio) every building is buried;
/// `--fix-ground` sets each on it.
#[test]
fn fix_ground_sets_buried_buildings_on_the_ground() {
    let raised = std::env::temp_dir().join(format!("citytwin-raised-dtm-{}.tif", std::process::id()));
    let code = "import rasterio, sys\n\
                with rasterio.open(sys.argv[1]) as s:\n    p = s.profile; a = s.read(1) + 5.0\n\
                with rasterio.open(sys.argv[2], 'w', **p) as d:\n    d.write(a, 1)\n";
    let o = Command::new(python())
        .args(["-c", code])
        .arg(data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif"))
        .arg(&raised)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = import_with_terrain(&raised, &[], "raised");
    let [on, _, above, below, _] = ground_line(&err, "buildings on the terrain:");
    assert!(below > 100 && on == 0 && above == 0, "all buried: {err}");
    let err = import_with_terrain(&raised, &["--fix-ground"], "fixed");
    let before = ground_line(&err, "buildings on the terrain before --fix-ground:");
    assert_eq!(before[3], below, "{err}");
    assert!(err.contains(&format!("--fix-ground set {below} buildings")), "{err}");
    let [on, half, above, below_after, _] = ground_line(&err, "buildings on the terrain:");
    assert_eq!((on, half, above, below_after), (below, below, 0, 0), "all set on the ground: {err}");
    std::fs::remove_file(&raised).unwrap();
}

/// The DTM made here from the AHN3 LAZ files matches the shared DTM (made from the same points
/// by laspy and numpy, `rasterize_ahn.py` beside the data) in every cell where both have ground
/// points: the same grid, the same mean.
#[test]
fn the_laz_made_dtm_matches_the_shared_dtm_where_both_have_ground() {
    let clouds = [data("terrain/delft-ahn3/ahn3_cropped_1.laz"), data("terrain/delft-ahn3/ahn3_cropped_2.laz")];
    let rd = city_core::Crs::from_epsg(28992).unwrap();
    let (ours, stats) = cim_import::dtm_from_point_clouds(&clouds, Some(&rd), 0.5).unwrap();
    let shared = cim_import::Dem::read(&data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif"), None).unwrap();
    assert_eq!((ours.width, ours.height), (shared.width, shared.height), "the same grid");
    assert_eq!(ours.origin, shared.origin);
    assert_eq!(stats.points, 848_942, "every point read");
    let mut compared = 0;
    let mut worst: f64 = 0.0;
    for (i, &m) in stats.measured.iter().enumerate() {
        if m {
            let (a, b) = (f64::from(ours.heights[i]), f64::from(shared.heights[i]));
            worst = worst.max((a - b).abs());
            compared += 1;
        }
    }
    assert_eq!(compared, stats.cells_measured);
    assert!(compared > 100_000, "{compared} cells with ground");
    assert!(worst < 1e-4, "the largest difference where both have ground: {worst} m");
    // Where we filled, the two fillings (ours from the neighbours, theirs by Delaunay) agree
    // within the terrain's own roughness.
    let filled: Vec<f64> = (0..ours.heights.len())
        .filter(|&i| !stats.measured[i])
        .map(|i| (f64::from(ours.heights[i]) - f64::from(shared.heights[i])).abs())
        .collect();
    let mean = filled.iter().sum::<f64>() / filled.len() as f64;
    eprintln!("filled cells: {} (mean difference from the shared DTM's filling {mean:.3} m)", filled.len());
    assert!(mean < 0.25, "{mean}");
}

/// A LAZ without a CRS record needs `--crs`, and says so; with it, it becomes a terrain tileset.
#[test]
fn a_laz_without_a_crs_asks_for_one_then_imports() {
    let laz = data("terrain/delft-ahn3/ahn3_cropped_2.laz");
    let out = std::env::temp_dir().join(format!("citytwin-laz-{}", std::process::id()));
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_citytwin"))
            .arg("import")
            .arg(&laz)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("ahn3_cropped_2.laz") && err.contains("--crs"), "{err}");
    let o = run(&["--crs", "EPSG:28992", "--cell", "0.5"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.contains("ground (class 2)") && err.contains("levels"), "{err}");
    assert!(out.join("tileset.json").is_file());
    std::fs::remove_dir_all(&out).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Imagery draped on terrain (`--imagery`): a shaded relief of Delft's DSM made by GDAL
// (`scripts/imagery-reference.py`) as a GeoTIFF in EPSG:4326, as MBTiles and as an XYZ folder
// served over HTTP, draped on the DTM in RD New.

/// A textured tile's vertices (root frame) with their texture coordinates, and its texture.
struct Draped {
    depth: usize,
    vertices: Vec<([f64; 3], [f32; 2])>,
    texture: image::RgbImage,
    copyright: Option<String>,
}

/// The textured tiles of the tileset at `dir` (tiles without imagery left out), and the root's
/// transform.
fn draped(dir: &Path) -> (Vec<Draped>, [f64; 16]) {
    let (all, m) = walk_tiles(dir);
    let mut out = Vec::new();
    for (depth, _, offset, bytes) in all {
        let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
        let json_len = u32_at(12);
        let json: Value = serde_json::from_slice(&bytes[20..20 + json_len]).unwrap();
        let bin = &bytes[20 + json_len + 8..];
        let view = |i: usize| -> &[u8] {
            let v = &json["bufferViews"][i];
            let o = v["byteOffset"].as_u64().unwrap_or(0) as usize;
            &bin[o..o + v["byteLength"].as_u64().unwrap() as usize]
        };
        let floats = |accessor: usize, k: usize| -> Vec<f32> {
            let a = &json["accessors"][accessor];
            let b = view(a["bufferView"].as_u64().unwrap() as usize);
            let o = a["byteOffset"].as_u64().unwrap_or(0) as usize;
            (0..a["count"].as_u64().unwrap() as usize * k)
                .map(|i| f32::from_le_bytes(b[o + 4 * i..o + 4 * i + 4].try_into().unwrap()))
                .collect()
        };
        let textured = json["meshes"][0]["primitives"].as_array().unwrap().iter().find(|p| {
            json["materials"][p["material"].as_u64().unwrap_or(0) as usize]["pbrMetallicRoughness"]["baseColorTexture"]
                .is_object()
        });
        let Some(prim) = textured else { continue };
        let pos = floats(prim["attributes"]["POSITION"].as_u64().unwrap() as usize, 3);
        let uv = floats(prim["attributes"]["TEXCOORD_0"].as_u64().unwrap() as usize, 2);
        let vertices = (0..pos.len() / 3)
            .map(|i| (in_root_frame(offset, [pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]]), [uv[2 * i], uv[2 * i + 1]]))
            .collect();
        let image = view(json["images"][0]["bufferView"].as_u64().unwrap() as usize);
        let texture = image::load_from_memory(image).unwrap().to_rgb8();
        let copyright = json["asset"]["copyright"].as_str().map(str::to_owned);
        out.push(Draped { depth, vertices, texture, copyright });
    }
    (out, m)
}

/// The texture's colour at a texture coordinate, bilinear between texel centres.
fn texel(img: &image::RgbImage, [u, v]: [f32; 2]) -> [f64; 3] {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let (x, y) = ((f64::from(u) * w - 0.5).clamp(0.0, w - 1.0), (f64::from(v) * h - 0.5).clamp(0.0, h - 1.0));
    let (x0, y0) = ((x.floor() as u32).min(img.width() - 2), (y.floor() as u32).min(img.height() - 2));
    let (fx, fy) = (x - f64::from(x0), y - f64::from(y0));
    let p = |x: u32, y: u32, k: usize| f64::from(img.get_pixel(x, y)[k]);
    std::array::from_fn(|k| {
        let top = p(x0, y0, k) * (1.0 - fx) + p(x0 + 1, y0, k) * fx;
        let bottom = p(x0, y0 + 1, k) * (1.0 - fx) + p(x0 + 1, y0 + 1, k) * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

/// GDAL's colours of the imagery GeoTIFF at longitude/latitude points.
fn gdal_colours(tif: &str, points: &[[f64; 2]]) -> Vec<Option<[f64; 3]>> {
    use std::io::Write;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/imagery-reference.py");
    let mut child = Command::new(python())
        .arg(script)
        .arg("sample")
        .arg(tif)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(serde_json::to_string(points).unwrap().as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "imagery-reference.py sample failed");
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Imports the Delft DTM with `--imagery` args; returns the output folder and stderr.
fn import_draped(args: &[&str], name: &str, env: &[(&str, &Path)]) -> (PathBuf, String) {
    let out = std::env::temp_dir().join(format!("citytwin-draped-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let dtm = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_citytwin"));
    cmd.arg("import").arg(&dtm).args(args).arg("-o").arg(&out);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "citytwin import --imagery {args:?}: {err}");
    (out, err)
}

/// The leaves' texture colours at 1,000 vertices equal GDAL's colours of the imagery GeoTIFF
/// there (mean difference under `tolerance` levels of 255), and differ clearly from GDAL's 2 m
/// away: the imagery is where it belongs, not just similar.
fn check_draped(out: &Path, name: &str, tolerance: f64) {
    let (tiles, m) = draped(out);
    let deepest = tiles.iter().map(|t| t.depth).max().unwrap_or_else(|| panic!("{name}: no textured tile"));
    let leaves: Vec<&Draped> = tiles.iter().filter(|t| t.depth == deepest).collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ours, mut at, mut shifted) = (Vec::new(), Vec::new(), Vec::new());
    while ours.len() < 1000 {
        let t = leaves[next() as usize % leaves.len()];
        let (p, uv) = t.vertices[next() as usize % t.vertices.len()];
        let g = geodetic_from_ecef(ecef(&m, p));
        // 2 m to the north-east.
        let (dlat, dlon) = (1.414 / 111_320.0, 1.414 / (111_320.0 * g.lat_deg.to_radians().cos()));
        ours.push(texel(&t.texture, uv));
        at.push([g.lon_deg, g.lat_deg]);
        shifted.push([g.lon_deg + dlon, g.lat_deg + dlat]);
    }
    let tif = imagery()["tif"].as_str().unwrap();
    let mean_diff = |reference: Vec<Option<[f64; 3]>>| {
        let d: Vec<f64> = ours
            .iter()
            .zip(reference)
            .filter_map(|(a, b)| b.map(|b| (0..3).map(|k| (a[k] - b[k]).abs()).sum::<f64>() / 3.0))
            .collect();
        assert!(d.len() > 900, "{name}: GDAL has colour at only {} of the points", d.len());
        d.iter().sum::<f64>() / d.len() as f64
    };
    let (here, away) = (mean_diff(gdal_colours(tif, &at)), mean_diff(gdal_colours(tif, &shifted)));
    eprintln!("{name}: mean colour difference from GDAL {here:.2} at the vertices, {away:.2} 2 m away");
    assert!(here < tolerance, "{name}: the texture differs from GDAL's imagery by {here:.2} on average");
    assert!(here * 3.0 < away, "{name}: 2 m away matches nearly as well ({away:.2} vs {here:.2}): misplaced?");
}

#[test]
fn imagery_from_a_geotiff_in_another_crs_lands_where_gdal_puts_it() {
    let tif = imagery()["tif"].as_str().unwrap();
    let (out, err) = import_draped(&["--imagery", tif, "--imagery-attribution", "GDAL relief"], "geotiff", &[]);
    assert!(err.contains("imagery draped from"), "{err}");
    let tileset: Value = serde_json::from_str(&std::fs::read_to_string(out.join("tileset.json")).unwrap()).unwrap();
    assert_eq!(tileset["asset"]["extras"]["imagery"]["attribution"], "GDAL relief");
    check_draped(&out, "GeoTIFF in EPSG:4326", 6.0);
    // Every textured tile passes the glTF-Validator.
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    let v = Command::new("node").arg(&validator).args(walkdir(&out.join("tiles"))).output().expect("running node");
    assert!(v.status.success(), "glTF-Validator: {}", String::from_utf8_lossy(&v.stdout));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn imagery_from_mbtiles_is_placed_and_credited() {
    let mb = imagery()["mbtiles"].as_str().unwrap();
    let (out, err) = import_draped(&["--imagery", mb], "mbtiles", &[]);
    assert!(!err.contains("could not be read"), "{err}");
    check_draped(&out, "MBTiles", 8.0);
    // The file's attribution, in the tileset and in every tile's glTF.
    let credit = imagery()["attribution"].as_str().unwrap();
    let tileset: Value = serde_json::from_str(&std::fs::read_to_string(out.join("tileset.json")).unwrap()).unwrap();
    assert_eq!(tileset["asset"]["extras"]["imagery"]["attribution"], credit);
    let (tiles, _) = draped(&out);
    assert!(tiles.iter().all(|t| t.copyright.as_deref() == Some(credit)), "a tile without its credit");
    std::fs::remove_dir_all(&out).unwrap();
}

/// A static file server for `dir` on a free port (Python's http.server): 404 for what is not
/// there. Killed when dropped.
struct Server(std::process::Child, u16);

impl Server {
    fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Dropped (killed and waited for) whether it starts or not.
        let server = Self(child, port);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("python3 -m http.server did not start on port {port}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn imagery_over_http_is_cached_and_bad_tiles_are_named_while_the_rest_drapes() {
    // The XYZ folder, with one deepest tile missing (404) and one answering HTML (garbage).
    let dir = std::env::temp_dir().join(format!("citytwin-xyz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = PathBuf::from(imagery()["xyz"].as_str().unwrap());
    let mut files: Vec<PathBuf> = walkdir(&src);
    files.sort();
    for f in &files {
        let to = dir.join(f.strip_prefix(&src).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(f, &to).unwrap();
    }
    let z = imagery()["zooms"][1].as_u64().unwrap().to_string();
    let deepest: Vec<PathBuf> =
        files.iter().filter(|f| f.strip_prefix(&src).unwrap().starts_with(&z)).cloned().collect();
    assert!(deepest.len() >= 4, "{} tiles at zoom {z}", deepest.len());
    let rel = |f: &PathBuf| f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
    let (gone, garbage) = (rel(&deepest[0]), rel(&deepest[deepest.len() - 1]));
    std::fs::remove_file(dir.join(&gone)).unwrap();
    std::fs::write(dir.join(&garbage), "<html><body>Service unavailable</body></html>").unwrap();

    let cache = std::env::temp_dir().join(format!("citytwin-xyz-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let server = Server::start(&dir);
    let template = format!("http://127.0.0.1:{}/{{z}}/{{x}}/{{y}}.png", server.1);
    let args = ["--imagery", &template, "--imagery-attribution", "Test relief", "--imagery-max-zoom", &z];
    let (first, err) = import_draped(&args, "xyz", &[("CITYTWIN_CACHE", &cache)]);
    for (what, tile) in [("HTTP 404", &gone), ("not a PNG or JPEG", &garbage)] {
        let tile = tile.trim_end_matches(".png");
        assert!(err.contains(what) && err.contains(tile), "no warning names tile {tile} with {what:?}: {err}");
    }
    let (tiles, _) = draped(&first);
    assert!(tiles.len() > 50, "only {} tiles draped around the two bad ones", tiles.len());
    assert!(tiles.iter().all(|t| t.copyright.as_deref() == Some("Test relief")));

    // The server gone, the cached tiles drape the same tiles again, byte for byte.
    drop(server);
    let (second, err) = import_draped(&args, "xyz-cached", &[("CITYTWIN_CACHE", &cache)]);
    assert!(err.contains("could not be read"), "the two bad tiles should still fail: {err}");
    for f in walkdir(&first.join("tiles")) {
        let again = second.join(f.strip_prefix(&first).unwrap());
        assert!(
            std::fs::read(&f).unwrap() == std::fs::read(&again).unwrap(),
            "{} differs from the cache's",
            f.display()
        );
    }
    for d in [first, second, dir, cache] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn imagery_that_cannot_be_opened_is_refused_by_name() {
    let dtm = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let out = std::env::temp_dir().join(format!("citytwin-draped-refused-{}", std::process::id()));
    for (source, says) in [
        ("/nonexistent/ortho.tif", "/nonexistent/ortho.tif"),
        ("http://127.0.0.1:9/tiles.png", "{z}"),
        (dtm.to_str().unwrap(), "not 8-bit"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
            .arg("import")
            .arg(&dtm)
            .args(["--imagery", source, "-o"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(says), "--imagery {source}: {err}");
        assert!(!out.exists(), "a refused import wrote {}", out.display());
    }
}

#[test]
fn a_scene_terrain_whose_dem_is_missing_is_named_in_the_error() {
    let text = r#"
name = "x"
[[terrain]]
name = "hills"
path = "/nonexistent/hills.tif"
[camera]
lon_deg = 4.36
lat_deg = 52.0
distance_m = 500
"#;
    let scene = city_core::Scene::parse(text, "x.toml").unwrap();
    let e = citytwin::scene_ground::ground_tilesets(&scene).err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(e.contains("hills") && e.contains("/nonexistent/hills.tif"), "{e}");
}

#[test]
fn a_zipped_or_gzipped_dem_imports_as_the_plain_one() {
    let dtm = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let dir = std::env::temp_dir().join(format!("citytwin-terrain-archives-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Python's zipfile and gzip make the archives, as a download would come.
    let script = "import gzip, shutil, sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[2] + '/ahn3.zip', 'w', zipfile.ZIP_DEFLATED)\n\
        z.write(sys.argv[1], 'ahn3/dtm.tif'); z.writestr('ahn3/README.txt', 'AHN3 DTM')\n\
        z.close()\n\
        shutil.copyfileobj(open(sys.argv[1], 'rb'), gzip.open(sys.argv[2] + '/dtm.tif.gz', 'wb'))\n";
    let o = Command::new("python3").args(["-c", script]).arg(&dtm).arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plain = import(&dtm, "plain-for-archives");
    let tiles = |d: &Path| walkdir(&d.join("tiles")).len();
    for archive in ["ahn3.zip", "dtm.tif.gz"] {
        let out = import(&dir.join(archive), archive);
        assert_eq!(tiles(&out), tiles(&plain), "{archive}");
        let root = |d: &Path| glb_triangles(&std::fs::read(d.join("tiles/0/0/0.glb")).unwrap());
        assert!(root(&out) == root(&plain), "{archive}: the root tile differs from the plain DEM's");
        std::fs::remove_dir_all(&out).unwrap();
    }
    // Nothing unpacked is left beside the outputs.
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name().to_string_lossy().contains(".inputs-") && e.file_name().to_string_lossy().contains("terrain")
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    for d in [plain, dir] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

/// A DEM larger than a block is read and tiled block by block (here Delft's in blocks of 128
/// pixels: 20 blocks under 3 top levels): the tiles are byte for byte those of tiling it whole,
/// each block's subtree an external tileset, and the result passes the same checks against
/// GDAL and PROJ (at the leaves and at the root, whose error is measured over every block).
#[test]
fn a_dem_tiled_in_blocks_gives_the_tiles_of_tiling_it_whole() {
    let dtm = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let whole = import(&dtm, "whole-for-blocks");
    let blocks = import_with(&dtm, &["--terrain-block", "128"], "blocks");
    let externals = std::fs::read_dir(&blocks)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("block_"))
        .count();
    assert_eq!(externals, 20, "one external tileset per block of 128 x 128 pixels");
    let glbs = |d: &Path| {
        let mut v: Vec<PathBuf> =
            walkdir(&d.join("tiles")).into_iter().map(|p| p.strip_prefix(d).unwrap().to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(glbs(&whole), glbs(&blocks));
    for g in glbs(&whole) {
        assert!(
            std::fs::read(whole.join(&g)).unwrap() == std::fs::read(blocks.join(&g)).unwrap(),
            "{} differs",
            g.display()
        );
    }
    std::fs::remove_dir_all(&whole).unwrap();
    check_tileset_against_gdal(&dtm, blocks, "Delft DTM in blocks");
}

/// Terrain tilesets open in CesiumJS (headless Chromium, `tools/cesium-check`) with no failed
/// tile: one read block by block and draped with MBTiles imagery (external tilesets, textures),
/// and Helsinki's, in EPSG:4326.
#[test]
fn terrain_tilesets_open_in_cesiumjs_with_no_failed_tile() {
    let check = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/cesium-check/check.mjs");
    assert!(
        check.with_file_name("node_modules/cesium").is_dir(),
        "CesiumJS is not installed: npm ci --prefix tools/cesium-check (scripts/test.sh does)"
    );
    let mb = imagery()["mbtiles"].as_str().unwrap();
    let dtm = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif");
    let draped = import_with(&dtm, &["--terrain-block", "256", "--imagery", mb], "cesium-blocks-draped");
    let helsinki = import(&data("terrain/helsinki-dem/elevation_model_2021_lapinlahti.tif"), "cesium-helsinki");
    for out in [draped, helsinki] {
        let o = Command::new("node").arg(&check).arg(&out).arg("240").output().expect("running node");
        let report = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{}: CesiumJS: {report} {}", out.display(), String::from_utf8_lossy(&o.stderr));
        let r: Value = serde_json::from_str(report.trim()).unwrap();
        assert!(r["loaded"].as_u64().unwrap() > 0 && r["failed"].as_array().unwrap().is_empty(), "{report}");
        std::fs::remove_dir_all(&out).unwrap();
    }
}

/// Imagery pixels without colour (GDAL's nodata in every band) are not draped: the ground
/// colour shows there, as where the imagery ends. Here the GDAL relief with its western half
/// set to nodata (0).
#[test]
fn imagery_nodata_shows_the_ground_not_black() {
    let src = imagery()["tif"].as_str().unwrap().to_owned();
    let half = std::env::temp_dir().join(format!("citytwin-imagery-half-{}.tif", std::process::id()));
    let script = "import sys, rasterio\n\
        with rasterio.open(sys.argv[1]) as d:\n    a = d.read(); p = d.profile\n\
        a[:, :, : a.shape[2] // 2] = 0\n\
        p.update(nodata=0)\n\
        with rasterio.open(sys.argv[2], 'w', **p) as o:\n    o.write(a)\n";
    let o = Command::new(python()).args(["-c", script]).arg(&src).arg(&half).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (out, _) = import_draped(&["--imagery", half.to_str().unwrap()], "nodata", &[]);
    // The root's texture spans the whole DEM, west to east as the source (both north-up, the
    // relief made from the same grid): its western third is the ground's colour, its eastern
    // third the relief's.
    let (tiles, _) = draped(&out);
    let root = tiles.iter().find(|t| t.depth == 0).expect("the root is textured");
    let ground = [150.0, 160.0, 120.0];
    let is_ground = |c: [f64; 3]| (0..3).all(|k| (c[k] - ground[k]).abs() < 12.0);
    let (mut west, mut east) = (0, 0);
    for i in 0..20 {
        for j in 0..20 {
            let v = 0.05 + 0.9 * j as f32 / 19.0;
            let (uw, ue) = (0.03 + 0.27 * i as f32 / 19.0, 0.7 + 0.27 * i as f32 / 19.0);
            let cw = texel(&root.texture, [uw, v]);
            assert!(is_ground(cw), "nodata at ({uw}, {v}) is drawn as {cw:?}");
            west += 1;
            east += usize::from(!is_ground(texel(&root.texture, [ue, v])));
        }
    }
    assert!(west == 400 && east > 300, "the relief shows in only {east} of 400 eastern texels");
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::remove_file(&half).unwrap();
}
