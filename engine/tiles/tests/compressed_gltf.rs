//! glTF content as other producers write it decodes to what the plain file decodes to. Real
//! tiles from the shared data (a Cesium sample house, the textured plane of MultipleContents,
//! its point cloud, the textured railway scene) are re-encoded by glTF-Transform
//! (tools/gltf-transform, installed by scripts/test.sh: Google's Draco encoder and
//! meshoptimizer's, as Cesium ion and PLATEAU's converters use them) into Draco, meshopt with
//! quantisation, quantisation alone and a `.gltf` with separate files; sparse accessors and
//! texture transforms are written into a copy here, where no encoder writes them on demand.
//! A tile that requires an unknown extension fails alone, naming it; the rest streams.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::Command;

use city_tiles::{
    ContentLoader, DecodedContent, FileLoader, Mat4, StreamOptions, TileLoad, TileTree, TilesetJson, TilesetStreamer,
    View, decode_gltf, run_job,
};
use serde_json::{Value, json};

fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citytwin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs glTF-Transform; fails naming the install step when it is missing.
fn gltf_transform(args: &[&str]) {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/gltf-transform/node_modules/.bin/gltf-transform");
    assert!(
        bin.exists(),
        "{} is missing: run `npm ci --prefix tools/gltf-transform` (scripts/test.sh does)",
        bin.display()
    );
    let out = Command::new(&bin).args(args).output().unwrap();
    assert!(out.status.success(), "gltf-transform {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Decodes `name` in `dir`, separate files read from that folder.
fn decode(dir: &Path, name: &str) -> DecodedContent {
    let (loader, _) = FileLoader::for_tileset(&dir.join("tileset.json")).unwrap();
    let bytes = loader.load(name).unwrap();
    decode_gltf(&bytes, name, Mat4::IDENTITY, &loader).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What two encodings of one model must share: triangles, drawn area, extent, textured parts,
/// points.
#[derive(Debug)]
struct Shape {
    triangles: usize,
    area: f64,
    min: [f64; 3],
    max: [f64; 3],
    textured: usize,
    points: usize,
}

fn shape(c: &DecodedContent) -> Shape {
    let (mut min, mut max) = ([f64::MAX; 3], [f64::MIN; 3]);
    let mut grow = |p: [f64; 3]| {
        for k in 0..3 {
            min[k] = min[k].min(p[k]);
            max[k] = max[k].max(p[k]);
        }
    };
    let mut area = 0.0;
    let mut triangles = 0;
    for m in &c.meshes {
        let world: Vec<[f64; 3]> = m.positions.iter().map(|p| m.tile_from_mesh.point(p.map(f64::from))).collect();
        world.iter().for_each(|&p| grow(p));
        for t in m.indices.chunks_exact(3) {
            let [a, b, c] = [world[t[0] as usize], world[t[1] as usize], world[t[2] as usize]];
            let (u, v) = ([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]);
            let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            area += 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            triangles += 1;
        }
    }
    for p in &c.points {
        p.positions.iter().for_each(|q| grow(p.tile_from_points.point(q.map(f64::from))));
    }
    Shape {
        triangles,
        area,
        min,
        max,
        textured: c.meshes.iter().filter(|m| m.texture.is_some()).count(),
        points: c.points.iter().map(|p| p.positions.len()).sum(),
    }
}

/// `b` is `a` within `rel` of its extent (quantisation is lossy; nothing else may differ).
fn assert_same_shape(a: &Shape, b: &Shape, rel: f64, what: &str) {
    let size = (0..3).map(|k| a.max[k] - a.min[k]).fold(0.0, f64::max);
    assert_eq!(a.triangles, b.triangles, "{what}: triangles {a:?} vs {b:?}");
    assert_eq!(a.textured, b.textured, "{what}: textured parts");
    assert_eq!(a.points, b.points, "{what}: points");
    for k in 0..3 {
        assert!((a.min[k] - b.min[k]).abs() <= rel * size, "{what}: min {a:?} vs {b:?}");
        assert!((a.max[k] - b.max[k]).abs() <= rel * size, "{what}: max {a:?} vs {b:?}");
    }
    assert!((a.area - b.area).abs() <= 1e-2 * a.area + 1e-9, "{what}: area {} vs {}", a.area, b.area);
}

#[test]
fn draco_meshopt_quantised_and_separate_file_encodings_decode_like_the_original() {
    let dir = temp_dir("compressed-gltf");
    std::fs::write(dir.join("tileset.json"), "{}").unwrap();
    let sources = [
        ("house", "3dtiles/1.1/MetadataGranularities/house-4-2.glb"),
        ("plane", "3dtiles/1.1/MultipleContents/planeTriangles.glb"),
        ("points", "3dtiles/1.1/MultipleContents/planePoints.glb"),
        ("railway", "gltf/railway.glb"),
    ];
    for (name, rel) in sources {
        let plain = format!("{name}.glb");
        std::fs::copy(data(rel), dir.join(&plain)).unwrap();
        let original = decode(&dir, &plain);
        let reference = shape(&original);
        assert!(reference.triangles + reference.points > 0, "{rel} decodes to nothing");
        let p = |f: &str| dir.join(f).display().to_string();
        let variants: [(&str, &[&str], f64); 4] = [
            ("draco", &["draco", "--method", "edgebreaker"], 1e-3),
            ("meshopt", &["meshopt"], 1e-3),
            ("quantized", &["quantize"], 1e-3),
            ("separate", &["copy"], 1e-6),
        ];
        for (kind, args, tolerance) in variants {
            if name == "points" && kind == "draco" {
                continue; // tested below: Draco point clouds use the kd-tree coder
            }
            let out = if kind == "separate" { format!("{name}_{kind}.gltf") } else { format!("{name}_{kind}.glb") };
            let mut all: Vec<String> = vec![args[0].into(), p(&plain), p(&out)];
            all.extend(args[1..].iter().map(|s| s.to_string()));
            gltf_transform(&all.iter().map(String::as_str).collect::<Vec<_>>());
            let decoded = decode(&dir, &out);
            assert_same_shape(&reference, &shape(&decoded), tolerance, &format!("{rel} as {kind}"));
            if kind == "separate" {
                // Lossless: the same vertices, texture pixels and coordinates, read from other files.
                let bins = std::fs::read_dir(&dir).unwrap().filter(|e| {
                    e.as_ref().unwrap().file_name().to_string_lossy().starts_with(&format!("{name}_separate"))
                });
                assert!(bins.count() >= 2, "{out}: glTF-Transform wrote no separate buffer file");
                // (Node transforms may be rewritten from matrix to TRS: equal to float precision.)
                assert_eq!(original.meshes.len(), decoded.meshes.len(), "{out}");
                for (a, b) in original.meshes.iter().zip(&decoded.meshes) {
                    assert_eq!((&a.positions, &a.indices, &a.uvs), (&b.positions, &b.indices, &b.uvs), "{out}");
                    assert_eq!(a.texture, b.texture, "{out}: texture pixels");
                }
            }
        }
    }
    // Draco point clouds (kd-tree), as the Cesium point cloud samples carry them.
    gltf_transform(&[
        "draco",
        &dir.join("points.glb").display().to_string(),
        &dir.join("pd.glb").display().to_string(),
    ]);
    assert_same_shape(&shape(&decode(&dir, "points.glb")), &shape(&decode(&dir, "pd.glb")), 1e-3, "points as draco");
    // Broken: compressed bytes overwritten, a stream cut short, a separate buffer missing. Each
    // is an error naming the file and the part, never a panic.
    let (loader, _) = FileLoader::for_tileset(&dir.join("tileset.json")).unwrap();
    for (name, what) in
        [("house_draco.glb", "KHR_draco_mesh_compression"), ("house_meshopt.glb", "EXT_meshopt_compression")]
    {
        let good = std::fs::read(dir.join(name)).unwrap();
        let jl = u32::from_le_bytes(good[12..16].try_into().unwrap()) as usize;
        let bin = 28 + jl;
        for (k, broken) in [
            good[..bin].iter().copied().chain(good[bin..].iter().map(|b| b ^ 0x5a)).collect::<Vec<u8>>(),
            good[..bin].iter().copied().chain(good[bin..].iter().map(|_| 0u8)).collect(),
        ]
        .into_iter()
        .enumerate()
        {
            match decode_gltf(&broken, name, Mat4::IDENTITY, &loader) {
                Err(e) => assert!(e.to_string().starts_with(name) && e.to_string().contains(what), "{name} #{k}: {e}"),
                // meshopt promises garbage, not a crash, on bad bytes: then the indices are checked.
                Ok(c) => assert!(what == "EXT_meshopt_compression" && c.meshes.iter().all(|m| !m.positions.is_empty())),
            }
        }
    }
    std::fs::remove_file(dir.join("house_separate.bin")).unwrap();
    let e = decode_gltf(
        &std::fs::read(dir.join("house_separate.gltf")).unwrap(),
        "house_separate.gltf",
        Mat4::IDENTITY,
        &loader,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("house_separate.bin"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A GLB's JSON and BIN chunks.
fn split(glb: &[u8]) -> (Value, Vec<u8>) {
    let jl = u32::from_le_bytes(glb[12..16].try_into().unwrap()) as usize;
    let json = serde_json::from_slice(&glb[20..20 + jl]).unwrap();
    let bl = u32::from_le_bytes(glb[20 + jl..24 + jl].try_into().unwrap()) as usize;
    (json, glb[28 + jl..28 + jl + bl].to_vec())
}

fn join(json: &Value, bin: &[u8]) -> Vec<u8> {
    let mut j = serde_json::to_vec(json).unwrap();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    let mut b = bin.to_vec();
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
    let mut out = b"glTF".to_vec();
    out.extend(2u32.to_le_bytes());
    out.extend(((28 + j.len() + b.len()) as u32).to_le_bytes());
    out.extend((j.len() as u32).to_le_bytes());
    out.extend(b"JSON");
    out.extend(&j);
    out.extend((b.len() as u32).to_le_bytes());
    out.extend(b"BIN\0");
    out.extend(&b);
    out
}

/// Appends `bytes` to the BIN chunk as a new buffer view; returns its index.
fn push_view(json: &mut Value, bin: &mut Vec<u8>, bytes: &[u8]) -> usize {
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let views = json["bufferViews"].as_array_mut().unwrap();
    views.push(json!({"buffer": 0, "byteOffset": bin.len(), "byteLength": bytes.len()}));
    bin.extend_from_slice(bytes);
    let n = views.len() - 1;
    json["buffers"][0]["byteLength"] = json!(bin.len());
    n
}

#[test]
fn sparse_accessors_and_texture_transforms_are_applied() {
    let glb = std::fs::read(data("3dtiles/1.1/MultipleContents/planeTriangles.glb")).unwrap();
    let original = city_tiles::decode_glb(&glb, "plane.glb", Mat4::IDENTITY).unwrap();
    let (mut json, mut bin) = split(&glb);
    // Sparse: vertices 0 and 2 of POSITION moved to new places.
    let pos = json["meshes"][0]["primitives"][0]["attributes"]["POSITION"].as_u64().unwrap() as usize;
    let indices = push_view(&mut json, &mut bin, &[0u16.to_le_bytes(), 2u16.to_le_bytes()].concat());
    let moved = [[1.5f32, -2.0, 3.25], [7.0, 8.0, 9.0]];
    let values: Vec<u8> = moved.iter().flatten().flat_map(|f| f.to_le_bytes()).collect();
    let values = push_view(&mut json, &mut bin, &values);
    json["accessors"][pos]["sparse"] = json!({"count": 2,
        "indices": {"bufferView": indices, "componentType": 5123}, "values": {"bufferView": values}});
    // Texture transform: offset (0.25, 0.5), scale (0.5, 0.5), required as producers write it.
    json["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["extensions"] =
        json!({"KHR_texture_transform": {"offset": [0.25, 0.5], "scale": [0.5, 0.5]}});
    json["extensionsUsed"] = json!(["KHR_texture_transform"]);
    json["extensionsRequired"] = json!(["KHR_texture_transform"]);
    let decoded = city_tiles::decode_glb(&join(&json, &bin), "plane.glb", Mat4::IDENTITY).unwrap();
    let (a, b) = (&original.meshes[0], &decoded.meshes[0]);
    assert_eq!(b.positions[0], moved[0]);
    assert_eq!(b.positions[2], moved[1]);
    assert_eq!(a.positions[1], b.positions[1]);
    assert_eq!(a.positions[3..], b.positions[3..]);
    let (ua, ub) = (a.uvs.as_ref().unwrap(), b.uvs.as_ref().unwrap());
    for (p, q) in ua.iter().zip(ub) {
        assert!((q[0] - (0.25 + 0.5 * p[0])).abs() < 1e-6 && (q[1] - (0.5 + 0.5 * p[1])).abs() < 1e-6, "{p:?} {q:?}");
    }
    // A sparse index past the accessor is an error naming the accessor, not a panic.
    json["accessors"][pos]["sparse"]["indices"]["byteOffset"] = json!(0);
    let big = push_view(&mut json, &mut bin, &[60000u16.to_le_bytes(), 1u16.to_le_bytes()].concat());
    json["accessors"][pos]["sparse"]["indices"]["bufferView"] = json!(big);
    let e = city_tiles::decode_glb(&join(&json, &bin), "plane.glb", Mat4::IDENTITY).unwrap_err().to_string();
    assert!(e.contains("plane.glb") && e.contains("sparse") && e.contains("60000"), "{e}");
}

#[test]
fn a_tile_requiring_an_unknown_extension_fails_alone_and_the_rest_streams() {
    let dir = temp_dir("unknown-extension");
    let glb = std::fs::read(data("3dtiles/1.1/MetadataGranularities/house-4-2.glb")).unwrap();
    std::fs::write(dir.join("good.glb"), &glb).unwrap();
    let (mut json, bin) = split(&glb);
    json["extensionsUsed"] = json!(["EXT_made_up"]);
    json["extensionsRequired"] = json!(["EXT_made_up"]);
    std::fs::write(dir.join("bad.glb"), join(&json, &bin)).unwrap();
    // The tileset requires a 1.0-era extension we read and one nobody does: it still opens.
    let tile = |uri: &str| json!({"boundingVolume": {"box": [0, 0, 0, 50, 0, 0, 0, 50, 0, 0, 0, 50]}, "geometricError": 0, "content": {"uri": uri}});
    let tileset = json!({"asset": {"version": "1.0"}, "geometricError": 100,
        "extensionsUsed": ["3DTILES_content_gltf", "3DTILES_made_up"],
        "extensionsRequired": ["3DTILES_content_gltf", "3DTILES_made_up"],
        "root": {"boundingVolume": {"box": [0, 0, 0, 50, 0, 0, 0, 50, 0, 0, 0, 50]}, "geometricError": 100, "refine": "ADD",
                 "children": [tile("good.glb"), tile("bad.glb")]}});
    std::fs::write(dir.join("tileset.json"), serde_json::to_vec(&tileset).unwrap()).unwrap();
    let (loader, root) = FileLoader::for_tileset(&dir).unwrap();
    let parsed = TilesetJson::parse(&loader.load(&root).unwrap(), &root).unwrap();
    assert_eq!(parsed.unknown_required_extensions(), ["3DTILES_made_up"]);
    let mut s = TilesetStreamer::new(TileTree::from_tileset(&parsed, &root).unwrap(), StreamOptions::default());
    // A local tileset is placed on the globe by the tree: look down at its root from 300 m.
    let c = s.tree.get(s.tree.root()).bounds.center;
    let up = c.map(|v| v / (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt());
    let view = View::looking_at([c[0] + up[0] * 300.0, c[1] + up[1] * 300.0, c[2] + up[2] * 300.0], c, [0.0, 0.0, 1.0]);
    let mut decoded = 0;
    for _ in 0..20 {
        let update = s.update(std::slice::from_ref(&view));
        for job in &update.start {
            let (outcome, contents) = run_job(job, &loader);
            decoded += contents.iter().map(|c| c.meshes.len()).sum::<usize>();
            s.finished(job.tile, outcome);
        }
    }
    assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
    let msg = &s.failures[0].1;
    assert!(msg.contains("bad.glb") && msg.contains("EXT_made_up"), "{msg}");
    assert!(decoded >= 5, "the good tile's 5 primitives were not decoded ({decoded})");
    let good = s.tree.get(s.tree.root()).children.iter().find(|&&c| s.tree.get(c).contents[0].uri == "good.glb");
    assert!(matches!(s.state(*good.unwrap()), TileLoad::Loaded { .. }), "{:?}", s.state(*good.unwrap()));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `EXT_structural_metadata` property textures and attributes, written into a copy of the
/// textured MultipleContents plane: the "redness" of its own texture as a property texture
/// (channel 0) and a per-vertex property attribute `_HEIGHT_CM` (its vertex index times 10,
/// scaled by 0.01 in the class). A pick near a triangle's first corner reads the texel under
/// the hit point and that corner's value.
#[test]
fn property_textures_and_attributes_are_read_where_a_pick_lands() {
    let glb = std::fs::read(data("3dtiles/1.1/MultipleContents/planeTriangles.glb")).unwrap();
    let (mut json, mut bin) = split(&glb);
    let prim = json["meshes"][0]["primitives"][0].clone();
    let count = json["accessors"][prim["attributes"]["POSITION"].as_u64().unwrap() as usize]["count"].as_u64().unwrap();
    let heights: Vec<u8> = (0..count).flat_map(|i| ((i * 10) as f32).to_le_bytes()).collect();
    let view = push_view(&mut json, &mut bin, &heights);
    json["accessors"]
        .as_array_mut()
        .unwrap()
        .push(json!({"bufferView": view, "componentType": 5126, "count": count, "type": "SCALAR"}));
    let accessor = json["accessors"].as_array().unwrap().len() - 1;
    json["meshes"][0]["primitives"][0]["attributes"]["_HEIGHT_CM"] = json!(accessor);
    json["meshes"][0]["primitives"][0]["extensions"] =
        json!({"EXT_structural_metadata": {"propertyTextures": [0], "propertyAttributes": [0]}});
    json["extensions"] = json!({"EXT_structural_metadata": {
        "schema": {"id": "s", "classes": {"c": {"properties": {
            "redness": {"name": "Redness", "type": "SCALAR", "componentType": "UINT8"},
            "height": {"name": "Height", "type": "SCALAR", "componentType": "FLOAT32", "scale": 0.01}}}}},
        "propertyTextures": [{"class": "c", "properties": {"redness": {"index": 0, "texCoord": 0, "channels": [0]}}}],
        "propertyAttributes": [{"class": "c", "properties": {"height": {"attribute": "_HEIGHT_CM"}}}]}});
    json["extensionsUsed"] = json!(["EXT_structural_metadata"]);
    let content = city_tiles::decode_glb(&join(&json, &bin), "plane.glb", Mat4::IDENTITY).unwrap();
    let part = &content.meshes[0];
    assert_eq!(part.point_properties.len(), 2, "{:?}", content.notes);
    // The image, decoded here from the file's own bytes.
    let img_view = &json["bufferViews"][json["images"][0]["bufferView"].as_u64().unwrap() as usize];
    let off = img_view["byteOffset"].as_u64().unwrap_or(0) as usize;
    let img =
        image::load_from_memory(&bin[off..off + img_view["byteLength"].as_u64().unwrap() as usize]).unwrap().to_rgba8();
    let uvs = part.uvs.as_ref().unwrap();
    let mut checked = 0;
    let mut reds = std::collections::BTreeSet::new();
    for tri in part.indices.chunks_exact(3).step_by(37) {
        let p = |i: u32| part.tile_from_mesh.point(part.positions[i as usize].map(f64::from));
        let (a, b, c) = (p(tri[0]), p(tri[1]), p(tri[2]));
        let w = [0.8, 0.1, 0.1];
        let at: [f64; 3] = std::array::from_fn(|k| w[0] * a[k] + w[1] * b[k] + w[2] * c[k]);
        let (u, v) = ([b[0] - a[0], b[1] - a[1], b[2] - a[2]], [c[0] - a[0], c[1] - a[1], c[2] - a[2]]);
        let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        if n.iter().all(|x| x.abs() < 1e-12) {
            continue;
        }
        let origin = [at[0] + n[0], at[1] + n[1], at[2] + n[2]];
        let tiles = std::iter::once((0, city_tiles::TileId(0), &Mat4::IDENTITY, std::slice::from_ref(&content)));
        let hit = city_tiles::pick(origin, n.map(|x| -x), tiles, &|_, _| false).unwrap();
        if hit.corners != [tri[0], tri[1], tri[2]] {
            continue; // another triangle in the same place (a double-sided plane)
        }
        let values = city_tiles::point_values(&content, &hit);
        let uv: [f32; 2] = std::array::from_fn(|k| {
            0.8 * uvs[tri[0] as usize][k] + 0.1 * uvs[tri[1] as usize][k] + 0.1 * uvs[tri[2] as usize][k]
        });
        let x = ((uv[0].rem_euclid(1.0) * img.width() as f32) as u32).min(img.width() - 1);
        let y = ((uv[1].rem_euclid(1.0) * img.height() as f32) as u32).min(img.height() - 1);
        let red = img.get_pixel(x, y).0[0];
        let near = |want: f64, got: &str| (got.parse::<f64>().unwrap() - want).abs() < 1e-6;
        let value = |name: &str| values.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(value("Redness"), red.to_string(), "at {uv:?}");
        reds.insert(red);
        assert!(near(f64::from(tri[0]) * 10.0 * 0.01, &value("Height")), "{values:?} at corner {}", tri[0]);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} triangles checked");
    assert!(reds.len() >= 3, "the texels read are too alike to tell anything: {reds:?}");
}
