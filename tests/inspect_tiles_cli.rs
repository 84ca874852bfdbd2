//! `citytwin inspect` on 3D Tiles, as a user checks a tileset someone else made: every content
//! of the Cesium implicit quadtree decoded, a meshopt-compressed tile (glTF-Transform, from a
//! real sample) read on its own, and a tileset whose tile needs an unknown extension reported
//! tile by tile, the rest decoded.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

fn citytwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citytwin")).args(args).output().expect("running citytwin")
}

/// The last stdout line, parsed.
fn summary(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last =
        text.lines().last().unwrap_or_else(|| panic!("no stdout; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    serde_json::from_str(last).expect("last line is JSON")
}

#[test]
fn inspect_decodes_every_tile_of_a_tileset_and_names_the_ones_it_cannot() {
    let quadtree = data("3dtiles/1.1/SparseImplicitQuadtree");
    let out = citytwin(&["inspect", quadtree.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&out);
    let glbs = std::fs::read_dir(quadtree.join("content")).unwrap().count();
    assert_eq!(s["contents"], glbs, "{s}");
    assert_eq!(s["failed"], 0, "{s}");

    // A tileset of two tiles: a real sample house, and the same house requiring an extension
    // nobody reads. The second fails, named; the first decodes.
    let dir = std::env::temp_dir().join(format!("citytwin-inspect-tiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let house = std::fs::read(data("3dtiles/1.1/MetadataGranularities/house-4-2.glb")).unwrap();
    std::fs::write(dir.join("good.glb"), &house).unwrap();
    let jl = u32::from_le_bytes(house[12..16].try_into().unwrap()) as usize;
    let mut json: serde_json::Value = serde_json::from_slice(&house[20..20 + jl]).unwrap();
    json["extensionsRequired"] = serde_json::json!(["EXT_nobody_reads_this"]);
    let mut j = serde_json::to_vec(&json).unwrap();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    let rest = &house[20 + jl..];
    let mut bad = house[0..8].to_vec();
    bad.extend(((20 + j.len() + rest.len()) as u32).to_le_bytes());
    bad.extend((j.len() as u32).to_le_bytes());
    bad.extend(b"JSON");
    bad.extend(&j);
    bad.extend(rest);
    std::fs::write(dir.join("bad.glb"), bad).unwrap();
    let tile = |uri: &str| {
        serde_json::json!({"boundingVolume": {"box": [0, 0, 0, 20, 0, 0, 0, 20, 0, 0, 0, 10]},
        "geometricError": 0, "content": {"uri": uri}})
    };
    let tileset = serde_json::json!({"asset": {"version": "1.1"}, "geometricError": 100,
        "root": {"boundingVolume": {"box": [0, 0, 0, 20, 0, 0, 0, 20, 0, 0, 0, 10]}, "geometricError": 100,
                 "refine": "ADD", "children": [tile("good.glb"), tile("bad.glb")]}});
    std::fs::write(dir.join("tileset.json"), serde_json::to_vec(&tileset).unwrap()).unwrap();
    let out = citytwin(&["inspect", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("bad.glb") && stderr.contains("EXT_nobody_reads_this"), "{stderr}");
    let s = summary(&out);
    assert_eq!((s["contents"].as_u64(), s["failed"].as_u64()), (Some(1), Some(1)), "{s}");
    assert_eq!(s["meshes"], 5, "{s}"); // the house's five materials

    // One meshopt-compressed tile on its own, written by glTF-Transform from the same house.
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gltf-transform/node_modules/.bin/gltf-transform");
    assert!(tool.exists(), "{} is missing: run scripts/test.sh", tool.display());
    let packed = dir.join("packed.glb");
    let t = Command::new(&tool)
        .args(["meshopt", dir.join("good.glb").to_str().unwrap(), packed.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let plain = summary(&citytwin(&["inspect", dir.join("good.glb").to_str().unwrap()]));
    let out = citytwin(&["inspect", packed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary(&out)["triangles"], plain["triangles"]);
    assert!(plain["triangles"].as_u64().unwrap() > 100, "{plain}");
    std::fs::remove_dir_all(&dir).unwrap();
}
