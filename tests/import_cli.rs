//! `citytwin import` end to end on the shared CityJSON files: every GLB passes the Khronos
//! glTF-Validator (tools/gltf-validator, installed by `scripts/test.sh` and `.ci/run`), the
//! tileset is structurally sound, the sidecar and the GLB property tables agree on every id,
//! and vertices land where pyproj puts them in ECEF.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A tileset written by a test, removed when the test is done with it.
struct Written(PathBuf);

impl std::ops::Deref for Written {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn import(file: &str, extra: &[&str]) -> Written {
    let rel = if file.contains('/') { file.to_owned() } else { format!("cityjson/{file}") };
    // Tests run in parallel and may import the same file: each import gets its own folder.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tag = file.replace(['.', '/'], "_");
    let out = std::env::temp_dir().join(format!("citytwin-import-{tag}-{}-{n}", std::process::id()));
    let mut args = vec!["import".to_owned(), data(&rel).display().to_string(), "-o".into(), out.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(&args).output().unwrap();
    assert!(o.status.success(), "import {file}: {}", String::from_utf8_lossy(&o.stderr));
    Written(out)
}

/// The JSON and BIN chunks of a GLB.
fn glb(path: &Path) -> (Value, Vec<u8>) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[0..4], b"glTF");
    let jl = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
    let json = serde_json::from_slice(&b[20..20 + jl]).unwrap();
    let bl = u32::from_le_bytes(b[20 + jl..24 + jl].try_into().unwrap()) as usize;
    (json, b[28 + jl..28 + jl + bl].to_vec())
}

fn view<'a>(doc: &Value, bin: &'a [u8], v: &Value) -> &'a [u8] {
    let bv = &doc["bufferViews"][v.as_u64().unwrap() as usize];
    let off = bv["byteOffset"].as_u64().unwrap_or(0) as usize;
    &bin[off..off + bv["byteLength"].as_u64().unwrap() as usize]
}

/// The `id` column of a GLB's property table.
fn ids(doc: &Value, bin: &[u8]) -> Vec<String> {
    let table = &doc["extensions"]["EXT_structural_metadata"]["propertyTables"][0];
    let col = &table["properties"]["id"];
    let text = view(doc, bin, &col["values"]);
    let offs: Vec<usize> = view(doc, bin, &col["stringOffsets"])
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()) as usize)
        .collect();
    offs.windows(2).map(|w| String::from_utf8(text[w[0]..w[1]].to_vec()).unwrap()).collect()
}

/// An imported tileset's `tileset.json`.
fn tileset_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("tileset.json")).unwrap()).unwrap()
}

/// The content files of every tile with content, in tree order.
fn content_paths(dir: &Path) -> Vec<PathBuf> {
    let mut tiles = Vec::new();
    leaves(&tileset_json(dir)["root"], &mut tiles);
    tiles.iter().map(|t| dir.join(t["content"]["uri"].as_str().unwrap())).collect()
}

/// Every tile with content: (tile JSON, the translation of the tile's own transform).
fn leaves(t: &Value, out: &mut Vec<Value>) {
    if t.get("content").is_some() {
        out.push(t.clone());
    }
    for c in t["children"].as_array().into_iter().flatten() {
        leaves(c, out);
    }
}

/// Structural checks from the 3D Tiles 1.1 spec: a child's box inside its parent's (both in
/// the root frame here), geometric error not increasing downwards, content present.
fn check_tree(t: &Value, dir: &Path, parent: Option<(&[f64], f64)>) {
    let bx: Vec<f64> = t["boundingVolume"]["box"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let shift: Vec<f64> = t["transform"]
        .as_array()
        .map(|m| m[12..15].iter().map(|v| v.as_f64().unwrap()).collect())
        .unwrap_or(vec![0.0; 3]);
    let is_root = parent.is_none();
    let c: Vec<f64> = (0..3).map(|i| bx[i] + if is_root { 0.0 } else { shift[i] }).collect();
    let h = [bx[3], bx[7], bx[11]];
    let err = t["geometricError"].as_f64().unwrap();
    if let Some((p, perr)) = parent {
        for i in 0..3 {
            assert!(
                c[i] - h[i] >= p[i] - p[3 + i] - 1e-6 && c[i] + h[i] <= p[i] + p[3 + i] + 1e-6,
                "child box outside parent"
            );
        }
        assert!(err <= perr, "geometric error grows downwards: {err} > {perr}");
    }
    if let Some(uri) = t["content"]["uri"].as_str() {
        assert!(dir.join(uri).is_file(), "missing content {uri}");
    }
    let me = [c[0], c[1], c[2], h[0], h[1], h[2]];
    for child in t["children"].as_array().into_iter().flatten() {
        check_tree(child, dir, Some((&me, err)));
    }
}

/// The metadata of one GLB agrees with itself: every property table column is a property of its
/// class, with values of that type (FLOAT64: 8 bytes a row; STRING: count + 1 offsets), the
/// table has a row per feature, and every feature id of the mesh has a row. Returns each
/// property's (id, type and source name) for the cross-tile check.
fn check_metadata(doc: &Value, bin: &[u8]) -> Vec<(String, String)> {
    let meta = &doc["extensions"]["EXT_structural_metadata"];
    let table = &meta["propertyTables"][0];
    let class = &meta["schema"]["classes"][table["class"].as_str().unwrap()]["properties"];
    let rows = table["count"].as_u64().unwrap() as usize;
    let prim = &doc["meshes"][0]["primitives"][0];
    let ids = &prim["extensions"]["EXT_mesh_features"]["featureIds"][0];
    assert_eq!(ids["featureCount"].as_u64().unwrap() as usize, rows);
    let acc = &doc["accessors"][prim["attributes"]["_FEATURE_ID_0"].as_u64().unwrap() as usize];
    assert_eq!(acc["componentType"], 5126, "feature ids as floats");
    let fids = view(doc, bin, &acc["bufferView"]);
    let seen: std::collections::BTreeSet<u32> =
        fids.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as u32).collect();
    assert!(seen.iter().all(|&f| (f as usize) < rows), "a feature id without a row");
    assert_eq!(seen.len(), rows, "a row without geometry");
    let mut props = Vec::new();
    for (id, col) in table["properties"].as_object().unwrap() {
        let def = &class[id];
        assert!(def.is_object(), "column {id} is not in the schema");
        match def["type"].as_str().unwrap() {
            "SCALAR" => {
                assert_eq!(def["componentType"], "FLOAT64");
                assert_eq!(view(doc, bin, &col["values"]).len(), rows * 8, "{id}");
            }
            "STRING" => {
                assert_eq!(view(doc, bin, &col["stringOffsets"]).len(), (rows + 1) * 4, "{id}");
            }
            other => panic!("{id}: unexpected type {other}"),
        }
        props.push((id.clone(), format!("{} {} {}", def["type"], def["componentType"], def["name"])));
    }
    props
}

#[test]
fn every_cityjson_file_imports_to_valid_tiles() {
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator");
    assert!(
        validator.join("node_modules/gltf-validator").is_dir(),
        "the Khronos glTF-Validator is not installed: run `npm ci --prefix tools/gltf-validator` (scripts/test.sh does)"
    );
    for (file, extra) in [
        ("delft.json", &[][..]),
        ("delft_1b.json", &[][..]),
        ("zurich_subset_lod2.json", &[][..]),
        ("multi_lod.json", &["--crs", "EPSG:7415"][..]),
        ("DH_01_subs.city.json", &["--crs", "EPSG:7415"][..]),
        ("geojson/wuhan_buildings.geojson", &[][..]),
    ] {
        // Features, counted from the raw file: CityJSON objects that carry geometry; GeoJSON
        // buildings (distinct ids) that have a polygon.
        let rel = if file.contains('/') { file.to_owned() } else { format!("cityjson/{file}") };
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(data(&rel)).unwrap()).unwrap();
        let features = match raw["CityObjects"].as_object() {
            Some(objects) => {
                objects.values().filter(|o| o["geometry"].as_array().is_some_and(|g| !g.is_empty())).count()
            }
            None => raw["features"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["geometry"]["type"] != "Point")
                .map(|f| f["properties"]["id"].to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
        };
        let dir = import(file, extra);
        let tileset = tileset_json(&dir);
        assert_eq!(tileset["asset"]["version"], "1.1");
        check_tree(&tileset["root"], &dir, None);
        let mut tiles = Vec::new();
        leaves(&tileset["root"], &mut tiles);
        let glbs: Vec<PathBuf> = tiles.iter().map(|t| dir.join(t["content"]["uri"].as_str().unwrap())).collect();
        let v = Command::new("node").arg(validator.join("validate.mjs")).args(&glbs).output().expect("running node");
        assert!(v.status.success(), "{file}: glTF-Validator reports errors:\n{}", String::from_utf8_lossy(&v.stdout));
        let reports = String::from_utf8_lossy(&v.stdout);
        assert_eq!(reports.lines().filter(|l| l.contains("\"errors\":0")).count(), glbs.len(), "{reports}");
        // Round trip: the sidecar and the detailed tiles' property tables hold the same ids,
        // each once (inner tiles repeat them as coarse blocks).
        let detailed: Vec<PathBuf> = tiles
            .iter()
            .filter(|t| t.get("children").is_none())
            .map(|t| dir.join(t["content"]["uri"].as_str().unwrap()))
            .collect();
        let mut from_glb: Vec<String> = detailed
            .iter()
            .flat_map(|g| {
                let (doc, bin) = glb(g);
                ids(&doc, &bin)
            })
            .collect();
        // One schema for the whole tileset: a property id means the same type and attribute
        // in every tile, coarse or detailed.
        let mut schema: std::collections::BTreeMap<String, String> = Default::default();
        for g in &glbs {
            let (doc, bin) = glb(g);
            for (id, def) in check_metadata(&doc, &bin) {
                let known = schema.entry(id.clone()).or_insert_with(|| def.clone());
                assert_eq!(*known, def, "{file}: property {id} differs between tiles");
            }
        }
        let csv = std::fs::read_to_string(dir.join("features.csv")).unwrap();
        let mut from_csv: Vec<String> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap().to_owned()).collect();
        from_glb.sort();
        from_csv.sort();
        assert_eq!(from_glb.len(), features, "{file}");
        assert_eq!(from_glb, from_csv, "{file}");
    }
}

/// Every CityGML file (buildings, parts, PLATEAU flood extents, terrain TINs) imports to tiles
/// that pass the glTF-Validator; the sidecar holds one row per object with geometry of its own,
/// counted here by a text scan of the GML (a building whose parts carry all its geometry has
/// none).
#[test]
fn every_citygml_file_imports_to_valid_tiles() {
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    for rel in [
        "citygml/Berlin_Moabit_1Bldg_v2.gml",
        "citygml/Berlin_Moabit_1Bldg_v3.gml",
        "citygml/plateau/sapporo-shi_64413325_bldg_6697_op.gml",
        "citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml",
        "citygml/plateau/numazu-shi/udx/fld/52385721_fld_6697_l1_op.gml",
        "citygml/plateau/yokosuka-shi/udx/dem/523965_dem_6697_05_op.gml",
    ] {
        let text = std::fs::read_to_string(data(rel)).unwrap();
        // Each feature's gml:id and whether geometry comes before its first part.
        let mut with_geometry = std::collections::BTreeSet::new();
        for tag in [
            "<bldg:Building gml:id=\"",
            "<bldg:BuildingPart gml:id=\"",
            "<wtr:WaterBody gml:id=\"",
            "<dem:TINRelief gml:id=\"",
        ] {
            for chunk in text.split(tag).skip(1) {
                let id = &chunk[..chunk.find('"').unwrap()];
                let own =
                    chunk.split("<bldg:BuildingPart ").next().unwrap().split("consistsOfBuildingPart").next().unwrap();
                if own.contains("posList") {
                    with_geometry.insert(id.to_owned());
                }
            }
        }
        let dir = import(rel, &[]);
        let csv = std::fs::read_to_string(dir.join("features.csv")).unwrap();
        let ids: std::collections::BTreeSet<String> =
            csv.lines().skip(1).map(|l| l.split(',').next().unwrap().to_owned()).collect();
        assert_eq!(ids, with_geometry, "{rel}");
        let glbs = content_paths(&dir);
        let v = Command::new("node").arg(&validator).args(&glbs).output().expect("running node");
        assert!(v.status.success(), "{rel}: glTF-Validator reports errors:\n{}", String::from_utf8_lossy(&v.stdout));
    }
}

/// PLATEAU Yokosuka's textures reach the tiles: each JPEG the file names is embedded, byte for
/// byte, in the GLB that uses it, with a textured primitive (TEXCOORD_0) per image; the
/// glTF-Validator passes them (checked in `every_citygml_file_imports_to_valid_tiles`).
#[test]
fn citygml_textures_are_embedded_in_the_tiles() {
    let rel = "citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml";
    let text = std::fs::read_to_string(data(rel)).unwrap();
    let mut uris: Vec<&str> = text.split("<app:imageURI>").skip(1).map(|t| &t[..t.find('<').unwrap()]).collect();
    uris.sort();
    uris.dedup();
    // As they are (the atlas is checked in `citygml_textures_are_packed_into_an_atlas`).
    let dir = import(rel, &["--no-atlas"]);
    let tileset = tileset_json(&dir);
    let mut tiles = Vec::new();
    leaves(&tileset["root"], &mut tiles);
    let mut embedded: Vec<Vec<u8>> = Vec::new();
    for t in &tiles {
        let (doc, bin) = glb(&dir.join(t["content"]["uri"].as_str().unwrap()));
        for img in doc["images"].as_array().into_iter().flatten() {
            assert_eq!(img["mimeType"], "image/jpeg");
            embedded.push(view(&doc, &bin, &img["bufferView"]).to_vec());
        }
        let prims = doc["meshes"][0]["primitives"].as_array().unwrap();
        let textured = prims.iter().filter(|p| p["attributes"].get("TEXCOORD_0").is_some()).count();
        assert_eq!(textured, doc["images"].as_array().map_or(0, Vec::len), "a textured primitive per image");
    }
    let folder = data(rel).parent().unwrap().to_owned();
    let files: Vec<Vec<u8>> = uris.iter().map(|u| std::fs::read(folder.join(u)).unwrap()).collect();
    for f in &files {
        assert!(embedded.contains(f), "an image of the file is not embedded");
    }
    assert!(embedded.iter().all(|e| files.contains(e)));
}

/// (width, height) of a baseline or progressive JPEG, from its start-of-frame segment.
fn jpeg_size(b: &[u8]) -> (u32, u32) {
    let mut i = 2;
    while i + 9 < b.len() {
        assert_eq!(b[i], 0xFF, "not a JPEG segment at byte {i}");
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if matches!(marker, 0xC0..=0xC2) {
            let h = u32::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
            let w = u32::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no start of frame");
}

/// `--max-texture 64` scales Yokosuka's larger JPEGs down to at most 64 pixels on the longer
/// side (keeping the aspect), and the tiles stay validator-clean.
#[test]
fn citygml_textures_are_scaled_to_max_texture() {
    let rel = "citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml";
    let folder = data(rel).parent().unwrap().join("52397519_bldg_6697_appearance");
    let mut originals: Vec<(u32, u32)> =
        std::fs::read_dir(&folder).unwrap().map(|e| jpeg_size(&std::fs::read(e.unwrap().path()).unwrap())).collect();
    assert!(originals.iter().all(|(w, h)| (*w).max(*h) > 64), "{originals:?}");
    let dir = import(rel, &["--max-texture", "64", "--no-atlas"]);
    let tileset = tileset_json(&dir);
    let mut tiles = Vec::new();
    leaves(&tileset["root"], &mut tiles);
    let mut scaled = Vec::new();
    let mut glbs = Vec::new();
    for t in &tiles {
        let path = dir.join(t["content"]["uri"].as_str().unwrap());
        let (doc, bin) = glb(&path);
        for img in doc["images"].as_array().into_iter().flatten() {
            scaled.push(jpeg_size(view(&doc, &bin, &img["bufferView"])));
        }
        glbs.push(path);
    }
    assert_eq!(scaled.len(), originals.len());
    let aspect = |(w, h): (u32, u32)| f64::from(w) / f64::from(h);
    originals.sort_by(|a, b| aspect(*a).total_cmp(&aspect(*b)));
    scaled.sort_by(|a, b| aspect(*a).total_cmp(&aspect(*b)));
    for (o, s) in originals.iter().zip(&scaled) {
        assert!(s.0.max(s.1) <= 64 && s.0.max(s.1) >= 63, "{o:?} -> {s:?}");
        assert!((aspect(*o) - aspect(*s)).abs() < 0.1, "{o:?} -> {s:?}");
    }
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    let v = Command::new("node").arg(&validator).args(&glbs).output().expect("running node");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

/// Berlin's X3DMaterial colour (its textures' images are not shipped) becomes a material of its
/// own in the tile, with the file's diffuse colour as base colour.
#[test]
fn citygml_material_colours_reach_the_tiles() {
    let dir = import("citygml/Berlin_Moabit_1Bldg_v2.gml", &[]);
    let (doc, _) = glb(&dir.join("tiles/0.glb"));
    let colours: Vec<Vec<f64>> = doc["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["pbrMetallicRoughness"]["baseColorFactor"]
                .as_array()
                .map_or(vec![1.0; 4], |c| c.iter().map(|v| v.as_f64().unwrap()).collect())
        })
        .collect();
    let want = [0.83921569, 0.30588235, 0.21176471, 1.0];
    assert!(
        colours.iter().any(|c| c.iter().zip(want).all(|(x, y)| (x - y).abs() < 1.0 / 255.0)),
        "no material with the X3DMaterial's diffuse colour: {colours:?}"
    );
    assert_eq!(doc["meshes"][0]["primitives"].as_array().unwrap().len(), colours.len());
}

/// `citytwin inspect` streams a CityGML file and reports what a text scan of it counts, and its
/// speed and peak memory as a JSON line.
#[test]
fn inspect_counts_a_citygml_file() {
    let path = data("citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml");
    let text = std::fs::read_to_string(&path).unwrap();
    let (buildings, parts) = (text.matches("<bldg:Building ").count(), text.matches("<bldg:BuildingPart ").count());
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(["inspect", path.to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want = format!("{} objects ({buildings} Building, {parts} BuildingPart)", buildings + parts);
    assert!(stdout.contains(&want) && stdout.contains("EPSG:6697"), "{want} in {stdout}");
    let json: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(json["bytes"].as_u64().unwrap(), text.len() as u64);
    assert!(json["mb_per_s"].as_f64().unwrap() > 0.0 && json["peak_mib"].as_f64().unwrap() > 0.0, "{json}");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(["inspect", "/nonexistent.gml"]).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("/nonexistent.gml"));
}

/// The ECEF of every vertex in a tileset.
fn ecef_vertices(dir: &Path) -> Vec<[f64; 3]> {
    let tileset = tileset_json(dir);
    let m: Vec<f64> = tileset["root"]["transform"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let mut tiles = Vec::new();
    leaves(&tileset["root"], &mut tiles);
    let mut out = Vec::new();
    for t in tiles {
        let shift: Vec<f64> = t["transform"]
            .as_array()
            .map(|m| m[12..15].iter().map(|v| v.as_f64().unwrap()).collect())
            .unwrap_or(vec![0.0; 3]);
        let (doc, bin) = glb(&dir.join(t["content"]["uri"].as_str().unwrap()));
        let acc =
            &doc["accessors"][doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"].as_u64().unwrap() as usize];
        let bytes = view(&doc, &bin, &acc["bufferView"]);
        for c in bytes.chunks_exact(12) {
            let f = |i: usize| f64::from(f32::from_le_bytes(c[4 * i..4 * i + 4].try_into().unwrap()));
            // glTF y-up to 3D Tiles z-up: (x, y, z) -> (x, -z, y); then the tile's shift, then ENU -> ECEF.
            let e = [f(0) + shift[0], -f(2) + shift[1], f(1) + shift[2]];
            out.push(std::array::from_fn(|r| m[r] * e[0] + m[4 + r] * e[1] + m[8 + r] * e[2] + m[12 + r]));
        }
    }
    out
}

#[test]
fn vertices_land_where_pyproj_puts_them() {
    // Expected ECEF from pyproj 3.7.2 / PROJ 9.5.1 (PROJ_NETWORK=OFF): the first vertex of the
    // named object, decoded from the file's transform, taken through
    // Transformer.from_crs(<file CRS>, "EPSG:4326", always_xy=True) and then EPSG:4979 -> 4978,
    // the height kept as ellipsoidal (as CityTwin does without geoid grids; ADR 0001).
    for (file, rd_point, ecef) in [
        (
            "delft_1b.json",
            [85_009.815, 447_482.668, 6.0],
            [3_922_549.324_376_6, 299_601.329_248_4, 5_003_581.244_128_9],
        ),
        (
            "zurich_subset_lod2.json",
            [2_684_572.779, 1_246_324.502, 448.781],
            [4_280_247.768_159_4, 644_132.694_096_6, 4_669_474.397_928],
        ),
        // Wuhan building 112937194, first corner (lon, lat) at its base (no min_height: 0 m).
        (
            "geojson/wuhan_buildings.geojson",
            [114.389_648_44, 30.507_987_89, 0.0],
            [-2_271_121.445_981_4, 5_009_064.780_254_978, 3_219_017.526_007_354],
        ),
    ] {
        let dir = import(file, &[]);
        let nearest = ecef_vertices(&dir)
            .into_iter()
            .map(|p| ((p[0] - ecef[0]).powi(2) + (p[1] - ecef[1]).powi(2) + (p[2] - ecef[2]).powi(2)).sqrt())
            .fold(f64::INFINITY, f64::min);
        assert!(nearest < 0.05, "{file}: vertex {rd_point:?} is {nearest:.3} m from pyproj's ECEF");
    }
}

#[test]
fn a_file_without_crs_is_refused_and_nothing_is_written() {
    let out = Written(std::env::temp_dir().join(format!("citytwin-import-nocrs-{}", std::process::id())));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", data("cityjson/multi_lod.json").to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && e.contains("multi_lod.json: the file declares no CRS: pass --crs EPSG:n"), "{e}");
    assert!(!out.exists());
    let partial = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .any(|d| d.file_name().to_string_lossy().starts_with(".citytwin-import-nocrs"));
    assert!(!partial, "a partial folder was left behind");
}

#[test]
fn query_answers_over_an_imported_tileset() {
    // A window over everything finds every feature of Delft; the sidecar is in local metres.
    let dir = import("delft.json", &[]);
    let q = dir.join("everything.csv");
    std::fs::write(&q, "minx,miny,maxx,maxy\n-100000,-100000,100000,100000\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["query", "window", "--objects", dir.to_str().unwrap(), "--queries", q.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = String::from_utf8_lossy(&o.stdout);
    let s: Value = serde_json::from_str(line.lines().last().unwrap()).unwrap();
    assert_eq!(
        (s["objects"].as_u64(), s["hits"].as_u64(), s["skipped_objects"].as_u64()),
        (Some(570), Some(570), Some(0))
    );
}

#[test]
fn osm_extract_imports_to_valid_tiles() {
    let dir = import("osm/Helsinki.osm.pbf", &[]);
    let tileset = tileset_json(&dir);
    check_tree(&tileset["root"], &dir, None);
    let mut tiles = Vec::new();
    leaves(&tileset["root"], &mut tiles);
    let glbs: Vec<PathBuf> = tiles.iter().map(|t| dir.join(t["content"]["uri"].as_str().unwrap())).collect();
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    let v = Command::new("node").arg(validator).args(&glbs).output().expect("running node");
    assert!(v.status.success(), "glTF-Validator reports errors:\n{}", String::from_utf8_lossy(&v.stdout));
    let detailed =
        tiles.iter().filter(|t| t.get("children").is_none()).map(|t| dir.join(t["content"]["uri"].as_str().unwrap()));
    let n: usize = detailed.map(|g| ids(&glb(&g).0, &glb(&g).1).len()).sum();
    assert_eq!(n, 572, "500 building ways and 72 building relations");
}

/// A missing input is named once, with the system's reason once (the library's message already
/// holds its cause; the command line does not repeat it).
#[test]
fn a_missing_input_is_named_with_its_reason_once() {
    let out = Written(std::env::temp_dir().join(format!("citytwin-import-missing-{}", std::process::id())));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", "/nonexistent-citytwin/city.json", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{e}");
    assert_eq!(e.matches("/nonexistent-citytwin/city.json").count(), 1, "{e}");
    assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");
    assert!(!out.exists());
}

#[test]
fn a_folder_that_is_not_a_tileset_is_never_replaced() {
    let out = Written(std::env::temp_dir().join(format!("citytwin-import-precious-{}", std::process::id())));
    std::fs::create_dir_all(&*out).unwrap();
    std::fs::write(out.join("thesis.tex"), "years of work").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", data("cityjson/delft_1b.json").to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && e.contains("refusing to replace it"), "{e}");
    assert_eq!(std::fs::read_to_string(out.join("thesis.tex")).unwrap(), "years of work");
    // An earlier tileset is replaced.
    let first = import("delft_1b.json", &[]);
    let again = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", data("cityjson/delft_1b.json").to_str().unwrap(), "-o", first.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

/// Issue 7, hazard polygons: Numazu's PLATEAU flood extents imported are hazard zones of the
/// tileset (`hazards.geojson`), each ring the GML's `posList` (latitude first, so swapped) within
/// 1e-9 degrees after the trip through ECEF, with its depth rank, read by the text scan here;
/// `citytwin impact` on the tileset finds them as incidents without being told, and does not count
/// the zones themselves as what they threaten.
#[test]
fn plateau_flood_extents_become_the_tilesets_hazard_zones() {
    let rel = "citygml/plateau/numazu-shi/udx/fld/52385721_fld_6697_l1_op.gml";
    let text = std::fs::read_to_string(data(rel)).unwrap();
    let dir = import(rel, &[]);
    let hazards: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(city_core::HAZARDS_FILE)).unwrap()).unwrap();
    let features = hazards["features"].as_array().unwrap();
    let chunks: Vec<&str> = text.split("<wtr:WaterBody gml:id=\"").skip(1).collect();
    assert_eq!((features.len(), chunks.len()), (3, 3), "the data README lists 3 flood-extent polygons");
    for (f, chunk) in features.iter().zip(&chunks) {
        let id = &chunk[..chunk.find('"').unwrap()];
        assert_eq!(f["id"], *id);
        let rank = chunk.split("<uro:rankOrg").nth(1).and_then(|r| r.split(['>', '<']).nth(1)).unwrap();
        assert_eq!(f["properties"]["uro:rankOrg"].to_string(), rank, "{id}");
        assert_eq!(f["properties"]["hazard"], "river flood (L1)", "{id}");
        let lists: Vec<Vec<f64>> = chunk
            .split("<gml:posList>")
            .skip(1)
            .map(|p| p[..p.find("</gml:posList>").unwrap()].split_whitespace().map(|v| v.parse().unwrap()).collect())
            .collect();
        let polygons = f["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(polygons.len(), lists.len(), "{id}");
        for (p, list) in polygons.iter().zip(&lists) {
            let ring = p[0].as_array().unwrap();
            assert_eq!(ring.len(), list.len() / 3, "{id}");
            for (q, want) in ring.iter().zip(list.chunks(3)) {
                let (lon, lat) = (q[0].as_f64().unwrap(), q[1].as_f64().unwrap());
                assert!((lon - want[1]).abs() < 1e-9 && (lat - want[0]).abs() < 1e-9, "{id}: {q} vs {want:?}");
            }
        }
    }
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["impact", "--objects", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!((last["incidents"].as_u64(), last["buildings"].as_u64()), (Some(3), Some(0)), "{stdout}");
}

/// Issue 8: the three IFC models import to tiles the glTF-Validator passes, one feature per
/// element (as the reader counts them; `ifc_real_data` checks those counts against the STEP
/// text), with class, storey and property sets in the metadata. IfcOpenHouse has no
/// reference point and is placed with `--place`.
#[test]
fn every_ifc_file_imports_to_valid_tiles() {
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    for (rel, extra) in [
        ("ifc/AC20-FZK-Haus.ifc", &[][..]),
        ("ifc/duplex.ifc", &[][..]),
        ("ifc/IfcOpenHouse_IFC4.ifc", &["--place", "49.1,8.43,110,30"][..]),
    ] {
        let model = cim_import::read_ifc_model(&data(rel)).unwrap();
        let dir = import(rel, extra);
        let csv = std::fs::read_to_string(dir.join("features.csv")).unwrap();
        let ids: std::collections::BTreeSet<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        let want: std::collections::BTreeSet<&str> = model.elements.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, want, "{rel}");
        assert!(csv.lines().skip(1).all(|l| l.split(',').nth(1) == Some("BimElement")), "{rel}");
        let glbs = content_paths(&dir);
        // The metadata holds the class, the storey and property sets, typed.
        for g in &glbs {
            let (doc, bin) = glb(g);
            let columns = check_metadata(&doc, &bin);
            let has = |name: &str, ty: &str| columns.iter().any(|(_, d)| d.contains(name) && d.starts_with(ty));
            assert!(has("\"ifc:class\"", "\"STRING\"") && has("\"ifc:storey\"", "\"STRING\""), "{rel}: {columns:?}");
            // IfcOpenHouse gives its storey no elevation and its elements no property sets.
            if !rel.contains("IfcOpenHouse") {
                assert!(has("\"ifc:storey_elevation\"", "\"SCALAR\""), "{rel}: {columns:?}");
                assert!(columns.iter().any(|(_, d)| d.contains("Pset_") || d.contains("Qto_")), "{rel}");
            }
        }
        let v = Command::new("node").arg(&validator).args(&glbs).output().expect("running node");
        assert!(v.status.success(), "{rel}: glTF-Validator reports errors:\n{}", String::from_utf8_lossy(&v.stdout));
    }
}

/// Issue 8, georeferencing: FZK-Haus stands where its IfcSite says. Expected positions come from
/// the published formulas, written out here: the site's compound angles
/// (49,6,1,566000) and (8,26,11,540400) as degrees, RefElevation 110 m, the model turned so that
/// the context's TrueNorth (0.766044443119, 0.642787609687) points north (50° counter-clockwise),
/// east-north-up at the site to ECEF, and WGS84 geodetic to ECEF (N = a / sqrt(1 - e² sin² φ)).
/// The site's terrain block spans x -3..15, y -3..13 at z 0 (IfcOpenShell 0.9's box of IfcSite
/// 0KMpiAlnb52RgQuM1CwVfd); each of its four top corners must be a vertex within 0.5 m.
#[test]
fn fzk_haus_stands_where_its_site_says() {
    let lat = (49.0 + 6.0 / 60.0 + (1.0 + 566_000.0 / 1e6) / 3600.0_f64).to_radians();
    let lon = (8.0 + 26.0 / 60.0 + (11.0 + 540_400.0 / 1e6) / 3600.0_f64).to_radians();
    let h = 110.0;
    let (a, f) = (6_378_137.0, 1.0 / 298.257_223_563);
    let e2 = f * (2.0 - f);
    let n = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    let origin = [(n + h) * lat.cos() * lon.cos(), (n + h) * lat.cos() * lon.sin(), (n * (1.0 - e2) + h) * lat.sin()];
    let turn = (90.0 - 0.642_787_609_687_f64.atan2(0.766_044_443_119).to_degrees()).to_radians();
    let ecef = |x: f64, y: f64, z: f64| {
        let (e, nn) = (turn.cos() * x - turn.sin() * y, turn.sin() * x + turn.cos() * y);
        let east = [-lon.sin(), lon.cos(), 0.0];
        let north = [-lat.sin() * lon.cos(), -lat.sin() * lon.sin(), lat.cos()];
        let up = [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()];
        std::array::from_fn::<f64, 3, _>(|i| origin[i] + e * east[i] + nn * north[i] + z * up[i])
    };
    let dir = import("ifc/AC20-FZK-Haus.ifc", &[]);
    let vertices = ecef_vertices(&dir);
    for (x, y) in [(-3.0, -3.0), (15.0, -3.0), (15.0, 13.0), (-3.0, 13.0)] {
        let want = ecef(x, y, 0.0);
        let nearest = vertices
            .iter()
            .map(|p| ((p[0] - want[0]).powi(2) + (p[1] - want[1]).powi(2) + (p[2] - want[2]).powi(2)).sqrt())
            .fold(f64::INFINITY, f64::min);
        assert!(nearest < 0.5, "site corner ({x}, {y}) is {nearest:.3} m from the nearest vertex");
    }
}

/// WGS84 latitude and longitude (degrees) of an ECEF point (Bowring's formula, ample for
/// metres).
fn lat_lon_of(p: [f64; 3]) -> (f64, f64) {
    let (a, f) = (6_378_137.0, 1.0 / 298.257_223_563);
    let (b, e2) = (a * (1.0 - f), f * (2.0 - f));
    let ep2 = e2 / (1.0 - e2);
    let r = p[0].hypot(p[1]);
    let theta = (p[2] * a).atan2(r * b);
    let lat = (p[2] + ep2 * b * theta.sin().powi(3)).atan2(r - e2 * a * theta.cos().powi(3));
    (lat.to_degrees(), p[1].atan2(p[0]).to_degrees())
}

/// Issue 8: a city and a BIM building imported together. FZK-Haus placed (`--place`) with its
/// centre on the Delft building replaces it in the tileset; `--keep-city-buildings` keeps both;
/// placed 300 m away it replaces nothing.
#[test]
fn a_bim_building_replaces_the_city_building_it_stands_on() {
    // Where the Delft building stands: its footprint's centre (features.csv, tileset metres)
    // through the root transform to ECEF, then latitude and longitude.
    let city = import("delft_1b.json", &[]);
    let csv = std::fs::read_to_string(city.join("features.csv")).unwrap();
    let row = csv.lines().nth(1).unwrap();
    let delft_id = row.split(',').next().unwrap().to_owned();
    let wkt = &row[row.find('"').unwrap() + 1..row.rfind('"').unwrap()];
    let numbers: Vec<f64> = wkt
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|t| t.parse().ok())
        .collect();
    let (xs, ys): (Vec<f64>, Vec<f64>) = numbers.chunks(2).map(|p| (p[0], p[1])).unzip();
    let mid = |v: &[f64]| {
        (v.iter().copied().fold(f64::INFINITY, f64::min) + v.iter().copied().fold(f64::NEG_INFINITY, f64::max)) / 2.0
    };
    let tileset = tileset_json(&city);
    let m: Vec<f64> = tileset["root"]["transform"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let (x, y) = (mid(&xs), mid(&ys));
    let ecef: [f64; 3] = std::array::from_fn(|r| m[r] * x + m[4 + r] * y + m[12 + r]);
    let (lat, lon) = lat_lon_of(ecef);
    // FZK-Haus's walls span x -0.5..12.5, y -0.5..10.5 from its origin: the origin goes 6 m
    // west and 5 m south of the centre.
    let metres_lat = 111_320.0;
    let metres_lon = 111_320.0 * lat.to_radians().cos();
    let place = |dlat_m: f64| format!("{},{},0,0", lat + (dlat_m - 5.0) / metres_lat, lon - 6.0 / metres_lon);
    let delft = data("cityjson/delft_1b.json").display().to_string();
    let run = |place: &str, extra: &[&str]| -> (String, String) {
        let out = std::env::temp_dir().join(format!(
            "citytwin-bim-city-{}-{}",
            std::process::id(),
            place.len() + extra.len()
        ));
        let ifc = data("ifc/AC20-FZK-Haus.ifc").display().to_string();
        let mut args = vec!["import", &delft, &ifc, "-o", out.to_str().unwrap(), "--place", place];
        args.extend(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let csv = std::fs::read_to_string(out.join("features.csv")).unwrap();
        let _ = std::fs::remove_dir_all(&out);
        (csv, String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (on, stderr) = run(&place(0.0), &[]);
    assert!(!on.contains(&delft_id), "the Delft building is still there:\n{stderr}");
    assert!(stderr.contains("1 city buildings replaced"), "{stderr}");
    assert_eq!(on.lines().skip(1).filter(|l| l.contains(",BimElement,")).count(), 90);
    let (kept, _) = run(&place(0.0), &["--keep-city-buildings"]);
    assert!(kept.contains(&delft_id));
    let (away, stderr) = run(&place(300.0), &[]);
    assert!(away.contains(&delft_id), "{stderr}");
}

/// Issue 8, BIM as glTF: the railway GLB (one node, no extras) needs `--place`; placed, its node
/// is one element with every triangle of its mesh (counted from the accessors here). A copy
/// whose node carries an element id, class and property set in `extras` (written here) keeps
/// them as the feature's id and typed attributes; the tiles pass the glTF-Validator.
#[test]
fn bim_as_gltf_imports_node_by_node() {
    let src = data("gltf/railway.glb");
    let out = std::env::temp_dir().join(format!("citytwin-gltf-bim-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", src.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && stderr.contains("railway.glb") && stderr.contains("--place"), "{stderr}");

    let (doc, bin) = glb(&src);
    let triangles: u64 = doc["meshes"][0]["primitives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| doc["accessors"][p["indices"].as_u64().unwrap() as usize]["count"].as_u64().unwrap() / 3)
        .sum();
    let dir = import("gltf/railway.glb", &["--place", "52.0,4.36,0,0"]);
    let csv = std::fs::read_to_string(dir.join("features.csv")).unwrap();
    assert_eq!(
        csv.lines().skip(1).map(|l| l.split(',').take(2).collect::<Vec<_>>().join(",")).collect::<Vec<_>>(),
        ["node 0,BimElement"]
    );
    let drawn: u64 = content_paths(&dir)
        .iter()
        .map(|g| {
            let (d, _) = glb(g);
            d["meshes"][0]["primitives"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| d["accessors"][p["indices"].as_u64().unwrap() as usize]["count"].as_u64().unwrap() / 3)
                .sum::<u64>()
        })
        .sum();
    assert_eq!(drawn, triangles, "every triangle of the node, once");

    // The same file with an element's id, class and a property set in the node's extras.
    let mut doc = doc;
    doc["nodes"][0]["extras"] = serde_json::json!({"GlobalId": "2O2Fr$t4X7Zf8NOew3FLOH", "ifcClass": "IfcRail",
        "Pset_RailCommon": {"Length": 120.5, "IsExternal": true}});
    let mut json = serde_json::to_vec(&doc).unwrap();
    while json.len() % 4 != 0 {
        json.push(b' ');
    }
    let mut file = Vec::new();
    file.extend(b"glTF");
    file.extend(2u32.to_le_bytes());
    file.extend(((12 + 8 + json.len() + 8 + bin.len()) as u32).to_le_bytes());
    file.extend((json.len() as u32).to_le_bytes());
    file.extend(b"JSON");
    file.extend(&json);
    file.extend((bin.len() as u32).to_le_bytes());
    file.extend(b"BIN\0");
    file.extend(&bin);
    let with_extras = out.with_extension("glb");
    std::fs::write(&with_extras, &file).unwrap();
    let tagged = Written(out.join("tagged"));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", with_extras.to_str().unwrap(), "-o", tagged.to_str().unwrap(), "--place", "52.0,4.36,0,0"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_file(&with_extras);
    let csv = std::fs::read_to_string(tagged.join("features.csv")).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("2O2Fr$t4X7Zf8NOew3FLOH,BimElement,"), "{csv}");
    let tiles = content_paths(&tagged);
    let (d, b) = glb(&tiles[0]);
    let columns = check_metadata(&d, &b);
    let has = |name: &str, ty: &str| columns.iter().any(|(_, c)| c.contains(name) && c.starts_with(ty));
    assert!(has("\"Pset_RailCommon.Length\"", "\"SCALAR\"") && has("\"ifc:class\"", "\"STRING\""), "{columns:?}");
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    let v = Command::new("node").arg(&validator).args(&tiles).args(content_paths(&dir)).output().expect("running node");
    assert!(v.status.success(), "glTF-Validator reports errors:\n{}", String::from_utf8_lossy(&v.stdout));
    drop(tagged);
    let _ = std::fs::remove_dir_all(&out);
}

/// Issue 8, tiling for buildings: the duplex (236 elements) tiled with at most 40 features a
/// tile splits by storey: every leaf holds elements of one storey; the coarse tiles above hold
/// the envelope, never a space or a piece of furniture.
#[test]
fn bim_tiles_split_by_storey_with_the_envelope_above() {
    let path = data("ifc/duplex.ifc");
    let mut imp = cim_import::Format::Ifc.read_all(&path, &Default::default()).unwrap();
    let storey: std::collections::HashMap<String, Option<f64>> = imp
        .objects
        .iter()
        .map(|o| (o.object.id.clone(), o.object.attributes.get("ifc:storey_elevation").and_then(|v| v.as_f64())))
        .collect();
    let class: std::collections::HashMap<String, String> = imp
        .objects
        .iter()
        .map(|o| (o.object.id.clone(), o.object.attributes["ifc:class"].as_str().unwrap().to_owned()))
        .collect();
    let mut store = cim_import::CityStore::new();
    let crs = imp.crs.clone().unwrap();
    store.add(&path, &crs, std::mem::take(&mut imp.objects)).unwrap();
    let out = Written(std::env::temp_dir().join(format!("citytwin-bim-storeys-{}", std::process::id())));
    let opts = cim_import::TilingOptions { max_features_per_tile: 40, ..Default::default() };
    cim_import::write_tileset(&store, &out, &opts, &()).unwrap();
    let tileset = tileset_json(&out);
    let mut leaf_tiles = Vec::new();
    leaves(&tileset["root"], &mut leaf_tiles);
    let (mut coarse, mut detailed) = (0, 0);
    for t in &leaf_tiles {
        let (doc, bin) = glb(&out.join(t["content"]["uri"].as_str().unwrap()));
        let in_tile = ids(&doc, &bin);
        if t.get("children").is_some() {
            coarse += 1;
            for id in &in_tile {
                assert!(!["IfcSpace", "IfcFurnishingElement"].contains(&class[id].as_str()), "{id} {}", class[id]);
            }
        } else {
            detailed += 1;
            let storeys: std::collections::BTreeSet<String> =
                in_tile.iter().map(|id| format!("{:?}", storey[id])).collect();
            assert_eq!(storeys.len(), 1, "{}: {storeys:?}", t["content"]["uri"]);
        }
    }
    let all_storeys: std::collections::BTreeSet<String> = storey.values().map(|s| format!("{s:?}")).collect();
    assert!(all_storeys.len() >= 3, "{all_storeys:?}");
    assert!(detailed >= all_storeys.len() && coarse >= 1, "{detailed} leaves, {coarse} coarse tiles");
}

/// Issue 7, buildings on the terrain: the shared Yokosuka buildings lie 7 km from the shared
/// DEM tile, so the import says none has terrain below. Buildings written here on the real DEM
/// (small squares at the centroids of three of its widest triangles, set 0.3 m above, 5 m above
/// and 3 m below the lowest ground under their corners, from the triangle's plane read from the
/// text) are reported on the ground, above and below.
#[test]
fn the_import_says_whether_buildings_stand_on_the_terrain() {
    let bldg = data("citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml");
    let dem = data("citygml/plateau/yokosuka-shi/udx/dem/523965_dem_6697_05_op.gml");
    let run = |inputs: &[&Path]| -> String {
        let out = std::env::temp_dir().join(format!("citytwin-ground-{}-{}", std::process::id(), inputs.len()));
        let mut args: Vec<String> = vec!["import".into()];
        args.extend(inputs.iter().map(|p| p.display().to_string()));
        args.extend(["-o".into(), out.display().to_string()]);
        let o = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(&args).output().unwrap();
        let _ = std::fs::remove_dir_all(&out);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{stderr}");
        stderr
    };
    let far = run(&[&bldg, &dem]);
    assert!(far.contains("0 within 1 m (0 within 0.5 m), 0 above it, 0 below it, 14 without terrain below"), "{far}");

    let text = std::fs::read_to_string(&dem).unwrap();
    // The three widest triangles (largest inscribed circle) of the first 2,000: the probes'
    // footprints, a quarter of that radius, lie inside them.
    let inradius = |t: &Vec<f64>| {
        let m = |k: usize| [t[3 * k + 1] * 111_320.0 * t[0].to_radians().cos(), t[3 * k] * 110_574.0];
        let (a, b, c) = (m(0), m(1), m(2));
        let area = ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs() / 2.0;
        let side = |p: [f64; 2], q: [f64; 2]| (p[0] - q[0]).hypot(p[1] - q[1]);
        2.0 * area / (side(a, b) + side(b, c) + side(c, a))
    };
    let mut triangles: Vec<Vec<f64>> = text
        .split("<gml:posList>")
        .skip(1)
        .take(2000)
        .map(|p| p[..p.find('<').unwrap()].split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    triangles.sort_by(|a, b| inradius(b).total_cmp(&inradius(a)));
    triangles.truncate(3);
    let mut members = String::new();
    for (n, (t, lift)) in triangles.iter().zip([0.3, 5.0, -3.0]).enumerate() {
        let (lat, lon) = ((t[0] + t[3] + t[6]) / 3.0, (t[1] + t[4] + t[7]) / 3.0);
        let d = inradius(t) / 4.0 / 111_320.0;
        // The terrain under a corner: the triangle's plane (barycentric in degrees).
        let plane = |p: f64, q: f64| {
            let det = (t[4] - t[7]) * (t[0] - t[6]) + (t[6] - t[3]) * (t[1] - t[7]);
            let l1 = ((t[4] - t[7]) * (p - t[6]) + (t[6] - t[3]) * (q - t[7])) / det;
            let l2 = ((t[7] - t[1]) * (p - t[6]) + (t[0] - t[6]) * (q - t[7])) / det;
            l1 * t[2] + l2 * t[5] + (1.0 - l1 - l2) * t[8]
        };
        // Set on the lowest ground under it, then lifted.
        let ground =
            [(-d, -d), (-d, d), (d, d), (d, -d)].iter().map(|(a, b)| plane(lat + a, lon + b)).fold(f64::MAX, f64::min);
        let z = ground + lift;
        let ring: Vec<String> = [(-d, -d), (-d, d), (d, d), (d, -d), (-d, -d)]
            .iter()
            .map(|(a, b)| format!("{} {} {z}", lat + a, lon + b))
            .collect();
        members.push_str(&format!(
            "<core:cityObjectMember><bldg:Building gml:id=\"probe-{n}\"><bldg:lod0FootPrint><gml:MultiSurface>\
             <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>{}</gml:posList>\
             </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>\
             </bldg:lod0FootPrint></bldg:Building></core:cityObjectMember>\n",
            ring.join(" ")
        ));
    }
    let probes = std::env::temp_dir().join(format!("citytwin-ground-probes-{}.gml", std::process::id()));
    std::fs::write(
        &probes,
        format!(
            "<?xml version=\"1.0\"?>\n<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\" \
             xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\" xmlns:gml=\"http://www.opengis.net/gml\">\n\
             <gml:boundedBy><gml:Envelope srsName=\"http://www.opengis.net/def/crs/EPSG/0/6697\" srsDimension=\"3\">\
             <gml:lowerCorner>35 139 0</gml:lowerCorner><gml:upperCorner>36 140 100</gml:upperCorner></gml:Envelope>\
             </gml:boundedBy>\n{members}</core:CityModel>\n"
        ),
    )
    .unwrap();
    let near = run(&[&probes, &dem]);
    let _ = std::fs::remove_file(&probes);
    assert!(near.contains("1 within 1 m (1 within 0.5 m), 1 above it, 1 below it, 0 without terrain below"), "{near}");
    // The largest is the floating one, by 5 m (within the few millimetres the triangle's plane
    // differs between latitude-longitude-height and the tileset's east-north-up frame).
    let worst: f64 =
        near.split("largest difference ").nth(1).and_then(|w| w.split(" m (probe-1)").next()).unwrap().parse().unwrap();
    assert!((worst - 5.0).abs() < 0.05, "{near}");
}

/// The decoded image of a GLB `images[]` entry, as RGB.
fn decoded_image(doc: &Value, bin: &[u8], img: &Value) -> image::RgbImage {
    image::load_from_memory(view(doc, bin, &img["bufferView"])).unwrap().to_rgb8()
}

/// The pixel under (u, v) (glTF: v down), clamped to the image.
fn sample(img: &image::RgbImage, uv: [f32; 2]) -> [u8; 3] {
    let x = ((f64::from(uv[0]) * f64::from(img.width())) as u32).min(img.width() - 1);
    let y = ((f64::from(uv[1]) * f64::from(img.height())) as u32).min(img.height() - 1);
    img.get_pixel(x, y).0
}

/// A textured primitive: its decoded image, and its vertices' (index, uv).
type TexturedPrimitive = (image::RgbImage, Vec<(u32, [f32; 2])>);

/// Each textured primitive of the first tile.
fn textured_vertices(dir: &Path) -> Vec<TexturedPrimitive> {
    let tileset = tileset_json(dir);
    let mut tiles = Vec::new();
    leaves(&tileset["root"], &mut tiles);
    let (doc, bin) = glb(&dir.join(tiles[0]["content"]["uri"].as_str().unwrap()));
    let mut out = Vec::new();
    for p in doc["meshes"][0]["primitives"].as_array().unwrap() {
        let Some(uv_acc) = p["attributes"].get("TEXCOORD_0") else { continue };
        let material = &doc["materials"][p["material"].as_u64().unwrap() as usize];
        let texture =
            &doc["textures"][material["pbrMetallicRoughness"]["baseColorTexture"]["index"].as_u64().unwrap() as usize];
        let img = decoded_image(&doc, &bin, &doc["images"][texture["source"].as_u64().unwrap() as usize]);
        let uvs: Vec<[f32; 2]> = view(&doc, &bin, &doc["accessors"][uv_acc.as_u64().unwrap() as usize]["bufferView"])
            .chunks_exact(8)
            .map(|c| [f32::from_le_bytes(c[..4].try_into().unwrap()), f32::from_le_bytes(c[4..].try_into().unwrap())])
            .collect();
        let idx = &doc["accessors"][p["indices"].as_u64().unwrap() as usize];
        let bytes = view(&doc, &bin, &idx["bufferView"]);
        let indices: Vec<u32> = if idx["componentType"] == 5123 {
            bytes.chunks_exact(2).map(|c| u32::from(u16::from_le_bytes([c[0], c[1]]))).collect()
        } else {
            bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
        };
        out.push((img, indices.iter().map(|&i| (i, uvs[i as usize])).collect()));
    }
    out
}

/// Issue 7, textures packed per tile: Yokosuka's tile uses three JPEGs; by default they are one
/// atlas (one image, one textured primitive). Each textured vertex then shows, in the atlas,
/// what it showed in its own image (the same tile imported with `--no-atlas`): the mean colour
/// difference over every vertex stays within JPEG's re-encoding noise, while a wrong place in
/// the atlas would show another photo.
#[test]
fn citygml_textures_are_packed_into_an_atlas() {
    let rel = "citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml";
    let separate = import(rel, &["--no-atlas"]);
    let packed = import(rel, &[]);
    let before = textured_vertices(&separate);
    let after = textured_vertices(&packed);
    assert!(before.len() >= 2, "{} images without the atlas", before.len());
    assert_eq!(after.len(), 1, "one atlas");
    let (atlas, atlas_vertices) = &after[0];
    let atlas_uv: std::collections::HashMap<u32, [f32; 2]> = atlas_vertices.iter().copied().collect();
    let (mut total, mut n, mut off_image) = (0u64, 0u64, 0u64);
    for (img, vertices) in &before {
        for &(i, uv) in vertices {
            let a = sample(img, uv);
            let b = sample(atlas, atlas_uv[&i]);
            total += (0..3).map(|k| u64::from(a[k].abs_diff(b[k]))).sum::<u64>();
            n += 3;
            // A photo's pixels next to the vertex, in the atlas, within a few levels somewhere.
            if (0..3).any(|k| a[k].abs_diff(b[k]) > 60) {
                off_image += 1;
            }
        }
    }
    let mean = total as f64 / n as f64;
    assert!(mean < 12.0, "mean difference {mean:.1} levels over {} vertices", n / 3);
    assert!(off_image * 20 < n / 3, "{off_image} of {} vertices show another colour", n / 3);
    let glbs = content_paths(&packed);
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs");
    let v = Command::new("node").arg(&validator).args(&glbs).output().expect("running node");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

/// Issue 16, CityJSON appearances: the Delft building with a texture written into a copy here
/// (the shared CityJSON files carry none; the real textured Rotterdam subset of cjio was tried
/// by hand): the image is embedded, each vertex's (u, v) reaches it (left half red, right half
/// blue), and what cannot be used is said: a missing image, one outside the file's folder, and
/// texture values that do not fit their ring.
#[test]
fn cityjson_textures_are_embedded_and_what_cannot_be_used_is_said() {
    let dir = std::env::temp_dir().join(format!("citytwin-cityjson-textures-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tex")).unwrap();
    let img =
        image::RgbImage::from_fn(8, 8, |x, _| if x < 4 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) });
    img.save(dir.join("tex/facade.png")).unwrap();
    img.save(std::env::temp_dir().join(format!("citytwin-outside-{}.png", std::process::id()))).unwrap();
    let mut city: Value =
        serde_json::from_str(&std::fs::read_to_string(data("cityjson/delft_1b.json")).unwrap()).unwrap();
    city["appearance"] = serde_json::json!({
        "textures": [{"type": "PNG", "image": "tex/facade.png"}, {"type": "PNG", "image": "tex/missing.png"},
                     {"type": "PNG", "image": format!("../citytwin-outside-{}.png", std::process::id())}],
        "vertices-texture": [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    });
    let (id, object) =
        city["CityObjects"].as_object_mut().unwrap().iter_mut().next().map(|(k, v)| (k.clone(), v)).unwrap();
    let g = &mut object["geometry"][0];
    let shell = g["boundaries"][0].as_array().unwrap().clone();
    // Surface k: image 0 with u = 0, 1, 1, 0... along its ring, except surface 1 (the missing
    // image), 2 (outside the folder) and 3 (one uv index too few for its ring).
    let values: Vec<Value> = shell
        .iter()
        .enumerate()
        .map(|(k, surface)| {
            let rings: Vec<Value> = surface
                .as_array()
                .unwrap()
                .iter()
                .map(|ring| {
                    let n = ring.as_array().unwrap().len() - usize::from(k == 3);
                    let image = if k == 1 || k == 2 { k } else { 0 };
                    let mut v = vec![serde_json::json!(image)];
                    v.extend((0..n).map(|i| serde_json::json!(i % 4)));
                    Value::from(v)
                })
                .collect();
            Value::from(rings)
        })
        .collect();
    g["texture"] = serde_json::json!({"winter": {"values": [values]}});
    let file = dir.join("delft_textured.json");
    std::fs::write(&file, serde_json::to_vec(&city).unwrap()).unwrap();
    let out = dir.join("tiles");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", file.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("tex/missing.png") && stderr.contains("untextured"), "{stderr}");
    assert!(stderr.contains("outside the file's folder: refused"), "{stderr}");
    assert!(stderr.contains(&id) && stderr.contains("do not fit their rings"), "{stderr}");
    // Every textured vertex samples red at u = 0 and blue at u = 1, in whatever atlas.
    let textured = textured_vertices(&out);
    assert_eq!(textured.len(), 1, "one image");
    let (img, vertices) = &textured[0];
    let (mut red, mut blue) = (0, 0);
    for &(_, uv) in vertices {
        let px = sample(img, uv);
        if px[0] > 200 && px[2] < 60 {
            red += 1;
        } else if px[2] > 200 && px[0] < 60 {
            blue += 1;
        } else {
            panic!("a vertex samples {px:?} at {uv:?}: neither side of the image");
        }
    }
    assert!(red > 0 && blue > 0, "{red} red, {blue} blue");
    let v = Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-validator/validate.mjs"))
        .args(content_paths(&out))
        .output()
        .expect("running node");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(std::env::temp_dir().join(format!("citytwin-outside-{}.png", std::process::id())));
}

/// Issue 17: a coordinate that is no place on Earth costs its own object only, named, and never
/// a panic: one Wuhan footprint 1e308 m tall or at longitude 514 is skipped and the other
/// buildings keep finite footprints and bounds; metres declared as degrees (Delft's RD
/// coordinates said to be EPSG:4326) are refused as a whole; `--place` with a NaN rotation and a
/// glTF node scaled by 1e308 are errors, not panics.
#[test]
fn coordinates_that_are_no_place_on_earth_cost_their_object_only() {
    let dir = std::env::temp_dir().join(format!("citytwin-implausible-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_citytwin")).args(args).output().unwrap();
    let wuhan: Value =
        serde_json::from_str(&std::fs::read_to_string(data("geojson/wuhan_buildings.geojson")).unwrap()).unwrap();
    let polygon =
        wuhan["features"].as_array().unwrap().iter().position(|f| f["geometry"]["type"] == "Polygon").unwrap();
    let id = wuhan["features"][polygon]["properties"]["id"].to_string();
    for (name, edit) in [("tall", 0), ("far", 1)] {
        let mut w = wuhan.clone();
        let f = &mut w["features"][polygon];
        if edit == 0 {
            f["properties"]["height"] = serde_json::json!(1e308);
        } else {
            f["geometry"]["coordinates"][0][1][0] = serde_json::json!(514.0);
        }
        let file = dir.join(format!("{name}.geojson"));
        std::fs::write(&file, serde_json::to_vec(&w).unwrap()).unwrap();
        let out = dir.join(format!("{name}-tiles"));
        let o = run(&["import", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: {stderr}");
        assert!(stderr.contains(id.trim_matches('"')) && stderr.contains("not on Earth"), "{name}: {stderr}");
        let features = std::fs::read_to_string(out.join("features.csv")).unwrap();
        assert!(!features.contains("NaN") && !features.contains("inf"), "{name}: a footprint went non-finite");
        let root = &tileset_json(&out)["root"]["boundingVolume"];
        assert!(root.to_string().chars().any(|c| c.is_ascii_digit()) && !root.to_string().contains("null"), "{root}");
        assert!(features.lines().count() > 200, "{name}: the other buildings must stay");
    }
    // Delft's RD metres declared as degrees: nothing is plausible, so nothing is written.
    let mut delft: Value =
        serde_json::from_str(&std::fs::read_to_string(data("cityjson/delft.json")).unwrap()).unwrap();
    delft["metadata"]["referenceSystem"] = serde_json::json!("https://www.opengis.net/def/crs/EPSG/0/4326");
    let file = dir.join("delft_degrees.json");
    std::fs::write(&file, serde_json::to_vec(&delft).unwrap()).unwrap();
    let out = dir.join("degrees-tiles");
    let o = run(&["import", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && stderr.contains("not on Earth") && !out.exists(), "{stderr}");
    // --place with a NaN rotation; a glTF node scaled by 1e308.
    let railway = data("gltf/railway.glb");
    let o = run(&["import", railway.to_str().unwrap(), "-o", out.to_str().unwrap(), "--place", "52,4.36,0,NaN"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a finite number"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (mut json, bin) = glb(&railway);
    json["nodes"][0]["matrix"] = serde_json::json!([1e308, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    let mut j = serde_json::to_vec(&json).unwrap();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    let mut huge = b"glTF".to_vec();
    huge.extend(2u32.to_le_bytes());
    huge.extend(((28 + j.len() + bin.len()) as u32).to_le_bytes());
    huge.extend((j.len() as u32).to_le_bytes());
    huge.extend(b"JSON");
    huge.extend(&j);
    huge.extend((bin.len() as u32).to_le_bytes());
    huge.extend(b"BIN\0");
    huge.extend(&bin);
    let file = dir.join("huge.glb");
    std::fs::write(&file, huge).unwrap();
    let o = run(&["import", file.to_str().unwrap(), "-o", out.to_str().unwrap(), "--place", "52,4.36,0"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && stderr.contains("node 0") && !stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17: a CityGML texture may not name a file outside the model's folder. The Berlin
/// building's five imageURIs rewritten to an absolute path, a `../` escape to a real PNG, and a
/// PNG beside the file: only the last is embedded; the others are refused by name.
#[test]
fn citygml_textures_outside_the_models_folder_are_refused() {
    let dir = std::env::temp_dir().join(format!("citytwin-escape-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("model/appearance")).unwrap();
    let png = |path: &Path, c: [u8; 3]| image::RgbImage::from_pixel(4, 4, image::Rgb(c)).save(path).unwrap();
    png(&dir.join("outside.png"), [255, 0, 0]);
    png(&dir.join("model/appearance/ok.png"), [0, 0, 255]);
    let gml = std::fs::read_to_string(data("citygml/Berlin_Moabit_1Bldg_v2.gml")).unwrap();
    let uris = ["/etc/hostname", "../outside.png", "appearance/ok.png", "../outside.png", "/etc/hostname"];
    let mut parts = gml.split("<app:imageURI>");
    let mut out = parts.next().unwrap().to_owned();
    for (part, uri) in parts.zip(uris) {
        let rest = &part[part.find("</app:imageURI>").unwrap()..];
        out.push_str(&format!("<app:imageURI>{uri}{rest}"));
    }
    let file = dir.join("model/berlin.gml");
    std::fs::write(&file, out).unwrap();
    let tiles = dir.join("tiles");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", file.to_str().unwrap(), "-o", tiles.to_str().unwrap(), "--no-atlas"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("/etc/hostname") && stderr.contains("../outside.png"), "{stderr}");
    assert_eq!(stderr.matches("refused").count(), 2, "each refused URI once: {stderr}");
    // Only the blue PNG from beside the model is in the tiles.
    let mut images = 0;
    for glb_path in content_paths(&tiles) {
        let (doc, bin) = glb(&glb_path);
        for img in doc["images"].as_array().into_iter().flatten() {
            let px = decoded_image(&doc, &bin, img).get_pixel(0, 0).0;
            assert_eq!(px, [0, 0, 255], "an image from outside the folder was embedded");
            images += 1;
        }
    }
    assert!(images >= 1, "the texture beside the model is embedded");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17: a GeoJSON with a 2008-style `crs` member in metres is read in that CRS, not as
/// degrees. The Wuhan footprints, projected here to Web Mercator with the spherical formula
/// (independent of the importer), land where the WGS84 original lands: the tilesets' origins
/// within a metre. A `crs` name that is no CRS is an error naming it.
#[test]
fn a_geojson_crs_member_is_honoured() {
    let dir = std::env::temp_dir().join(format!("citytwin-geojson-crs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut w: Value =
        serde_json::from_str(&std::fs::read_to_string(data("geojson/wuhan_buildings.geojson")).unwrap()).unwrap();
    const R: f64 = 6_378_137.0;
    fn project(v: &mut Value) {
        match v {
            Value::Array(a) if a.len() >= 2 && a[0].is_number() => {
                let (lon, lat) = (a[0].as_f64().unwrap().to_radians(), a[1].as_f64().unwrap().to_radians());
                a[0] = (R * lon).into();
                a[1] = (R * (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln()).into();
            }
            Value::Array(a) => a.iter_mut().for_each(project),
            _ => {}
        }
    }
    for f in w["features"].as_array_mut().unwrap() {
        project(&mut f["geometry"]["coordinates"]);
    }
    w["crs"] = serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}});
    let file = dir.join("wuhan_3857.geojson");
    std::fs::write(&file, serde_json::to_vec(&w).unwrap()).unwrap();
    let projected = dir.join("projected");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", file.to_str().unwrap(), "-o", projected.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !stderr.contains("not on Earth"), "{stderr}");
    let original = import("geojson/wuhan_buildings.geojson", &[]);
    let origin = |d: &Path| -> Vec<f64> {
        tileset_json(d)["root"]["transform"].as_array().unwrap()[12..15].iter().map(|v| v.as_f64().unwrap()).collect()
    };
    let (a, b) = (origin(&original), origin(&projected));
    let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    assert!(d < 1.0, "the projected file lands {d:.1} m from the original");
    w["crs"]["properties"]["name"] = "EPSG:nonsense".into();
    std::fs::write(&file, serde_json::to_vec(&w).unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", file.to_str().unwrap(), "-o", dir.join("bad").to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && stderr.contains("EPSG:nonsense") && stderr.contains("wuhan_3857.geojson"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17: a file that is not UTF-8 is named with the byte, line and column of its first bad
/// byte; a CityJSONSeq whose header has no transform is refused rather than read 1000x too large.
#[test]
fn not_utf8_and_a_cityjsonseq_without_transform_are_clear_errors() {
    let dir = std::env::temp_dir().join(format!("citytwin-encoding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |file: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
            .args(["import", file.to_str().unwrap(), "-o", dir.join("out").to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // The Delft file with one attribute in Latin-1 (as a Windows tool may save it).
    let text = std::fs::read(data("cityjson/delft_1b.json")).unwrap();
    let at = text.windows(2).position(|w| w == b"\":").unwrap() + 3;
    let mut latin1 = text[..at].to_vec();
    latin1.extend(b"\"M\xfcnchen\",");
    latin1.extend(&text[at..]);
    let file = dir.join("latin1.json");
    std::fs::write(&file, &latin1).unwrap();
    let e = run(&file);
    assert!(e.contains("latin1.json") && e.contains(&format!("not valid UTF-8 at byte {}", at + 2)), "{e}");
    // A CityJSONSeq whose first line lost its transform.
    let city: Value = serde_json::from_slice(&text).unwrap();
    let mut head = city.clone();
    head.as_object_mut().unwrap().remove("transform");
    head["CityObjects"] = serde_json::json!({});
    head["vertices"] = serde_json::json!([]);
    let file = dir.join("seq.city.jsonl");
    std::fs::write(&file, format!("{head}\n")).unwrap();
    let e = run(&file);
    assert!(e.contains("seq.city.jsonl") && e.contains("no \"transform\""), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17: an IFC site whose reference latitude is 200 degrees is refused with what to do,
/// not placed somewhere arbitrary; `--place` still places the same model.
#[test]
fn an_ifc_site_that_is_no_place_on_earth_is_refused() {
    let dir = std::env::temp_dir().join(format!("citytwin-ifc-site-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(data("ifc/AC20-FZK-Haus.ifc")).unwrap();
    assert!(text.contains("(49,6,1,566000)"), "the sample's RefLatitude changed");
    let file = dir.join("haus.ifc");
    std::fs::write(&file, text.replace("(49,6,1,566000)", "(200,6,1,566000)")).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["import", file.to_str().unwrap(), "-o"];
        let out = dir.join("out");
        let out = out.to_str().unwrap().to_owned();
        args.push(&out);
        args.extend(extra);
        Command::new(env!("CARGO_BIN_EXE_citytwin")).args(&args).output().unwrap()
    };
    let o = run(&[]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("haus.ifc") && e.contains("RefLatitude 200") && e.contains("--place"),
        "{e}"
    );
    let o = run(&["--place", "49.1,8.43,110"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
