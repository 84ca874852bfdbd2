//! Every Cesium 3D Tiles sample in the shared data streams to the end through `city_tiles`
//! alone (no renderer): the tree, implicit subtrees, external tilesets, every content format,
//! the dangling URI of the DiscreteLOD sample as a failed tile, and broken files as clear
//! errors.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use city_core::AttributeValue;
use city_tiles::{
    ContentLoader, DecodedContent, FileLoader, Mat4, NoResources, StreamOptions, TileId, TileLoad, TileTree,
    TilesError, TilesetJson, TilesetStreamer, View, decode_content, run_job,
};

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

/// A view from above the root's volume, far enough to see all of it.
fn overview(tree: &TileTree, closeness: f64) -> View {
    let b = tree.get(tree.root()).bounds;
    let c = b.center;
    let r = tree.get(tree.root()).radius_m.max(1e-3);
    let len = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
    // Georeferenced: look down the ellipsoid normal (about); local frames: down the z axis.
    let up: [f64; 3] = if len > 1e6 { c.map(|v| v / len) } else { [0.0, 0.0, 1.0] };
    let eye = [c[0] + up[0] * r * closeness, c[1] + up[1] * r * closeness, c[2] + up[2] * r * closeness];
    let side = if up[2].abs() < 0.9 { [0.0, 0.0, 1.0] } else { [0.0, 1.0, 0.0] };
    View::looking_at(eye, c, side)
}

/// The streamer, the decoded contents by tile, and the last frame's render list.
type Streamed = (TilesetStreamer, Vec<(TileId, Vec<DecodedContent>)>, Vec<TileId>);

/// Streams until nothing is left to load; returns the streamer, the decoded contents by tile,
/// and the last frame's render list.
fn stream(path: &Path, sse_px: f64, closeness: f64) -> Streamed {
    let (loader, root) = FileLoader::for_tileset(path).unwrap();
    let json = TilesetJson::parse(&loader.load(&root).unwrap(), &root).unwrap();
    let tree = TileTree::from_tileset(&json, &root).unwrap();
    let view = overview(&tree, closeness);
    let mut s = TilesetStreamer::new(tree, StreamOptions { max_sse_px: sse_px, ..Default::default() });
    let mut loaded = Vec::new();
    for _ in 0..500 {
        let frame = s.update(std::slice::from_ref(&view));
        if frame.start.is_empty() {
            return (s, loaded, frame.render);
        }
        for job in &frame.start {
            let (outcome, decoded) = run_job(job, &loader);
            if s.finished(job.tile, outcome) && !decoded.is_empty() {
                loaded.push((job.tile, decoded));
            }
        }
    }
    panic!("{}: still loading after 500 frames", path.display());
}

fn files_in(dir: &Path, ext: &str) -> usize {
    std::fs::read_dir(dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == ext)).count()
}

#[test]
fn every_sample_streams_and_only_the_dangling_uri_fails() {
    for name in [
        "1.0/TilesetWithDiscreteLOD",
        "1.0/TilesetWithRequestVolume",
        "1.0/TilesetWithTreeBillboards",
        "1.1/BoundingBoxTests/0_0_0-1_1_2",
        "1.1/MetadataGranularities",
        "1.1/MultipleContents",
        "1.1/SparseImplicitQuadtree",
        "1.1/SparseImplicitOctree",
    ] {
        let (s, loaded, render) = stream(&data(&format!("3dtiles/{name}")), 16.0, 3.0);
        assert!(!render.is_empty(), "{name}: nothing to draw");
        assert!(!loaded.is_empty(), "{name}: nothing loaded; failures {:?}", s.failures);
        let failures: Vec<&String> = s.failures.iter().map(|(_, m)| m).collect();
        if name.ends_with("DiscreteLOD") {
            assert_eq!(failures.len(), 0, "{name}: far away, the high LoD is not needed yet: {failures:?}");
        } else {
            assert!(failures.is_empty(), "{name}: {failures:?}");
        }
        let drawn: usize = loaded.iter().flat_map(|(_, c)| c).map(|c| c.meshes.len() + c.points.len()).sum();
        assert!(drawn > 0, "{name}: no geometry decoded");
    }
}

#[test]
fn the_dangling_lod_fails_cleanly_and_the_medium_one_stays() {
    // Close up, the DiscreteLOD sample asks for dragon_high.b3dm, which is not in the sample.
    let (s, loaded, render) = stream(&data("3dtiles/1.0/TilesetWithDiscreteLOD"), 16.0, 0.5);
    let errors: Vec<f64> = s.tree.tiles.iter().map(|t| t.geometric_error).collect();
    assert_eq!(
        s.failures.len(),
        1,
        "{:?} render {render:?} errors {errors:?} radius {}",
        s.failures,
        s.tree.tiles[0].radius_m
    );
    let (tile, msg) = &s.failures[0];
    assert!(msg.contains("dragon_high.b3dm"), "{msg}");
    assert!(matches!(s.state(*tile), TileLoad::Failed(_)));
    // The view is not stalled: it settled, and draws what it has.
    assert!(!render.is_empty());
    assert!(loaded.len() >= 2);
}

#[test]
fn implicit_trees_expand_to_every_content_file() {
    for (name, folder) in [("SparseImplicitQuadtree", "content"), ("SparseImplicitOctree", "content")] {
        let dir = data(&format!("3dtiles/1.1/{name}"));
        // A tiny threshold refines everything in view, close up enough to see it all.
        let (s, loaded, _) = stream(&dir, 1e-6, 1.5);
        let uris: BTreeSet<String> =
            loaded.iter().flat_map(|(t, _)| s.tree.get(*t).contents.iter().map(|c| c.uri.clone())).collect();
        assert_eq!(uris.len(), files_in(&dir.join(folder), "glb"), "{name}: {uris:?}");
        assert!(s.failures.is_empty(), "{name}: {:?}", s.failures);
        // Children lie inside their parents and halve the error.
        for t in &s.tree.tiles {
            if let Some(p) = t.parent.map(|p| s.tree.get(p)).filter(|p| p.implicit.is_some()) {
                assert!((t.geometric_error * 2.0 - p.geometric_error).abs() < 1e-9);
                let d: f64 = (0..3).map(|i| (t.bounds.center[i] - p.bounds.center[i]).powi(2)).sum::<f64>().sqrt();
                assert!(d + t.radius_m <= p.radius_m + 1e-9, "{name}: child outside parent");
            }
        }
    }
}

#[test]
fn legacy_formats_decode_with_their_tables() {
    let world = Mat4::IDENTITY;
    let read = |rel: &str| std::fs::read(data(&format!("3dtiles/1.0/{rel}"))).unwrap();
    // b3dm with a batch table: 10 buildings, their properties by feature id.
    let b = decode_content(&read("TilesetWithRequestVolume/city/ll.b3dm"), "ll.b3dm", &world, &NoResources).unwrap();
    assert_eq!(b.properties.count, 10);
    assert!(
        b.properties.columns.iter().any(|(n, _)| n == "Height"),
        "{:?}",
        b.properties.columns.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    let ids: BTreeSet<u32> = b.meshes.iter().flat_map(|m| m.feature_ids.clone().unwrap()).collect();
    assert_eq!(ids, (0..10).collect());
    assert!(matches!(b.properties.get(3, "Height"), Some(AttributeValue::Float(h)) if *h > 0.0));
    // i3dm: 25 trees, one glTF drawn at each.
    let i = decode_content(&read("TilesetWithTreeBillboards/tree.i3dm"), "tree.i3dm", &world, &NoResources).unwrap();
    assert!(i.meshes.iter().all(|m| m.instances.len() == 25));
    // pnts: 125,000 coloured points.
    let p = decode_content(&read("TilesetWithRequestVolume/points.pnts"), "points.pnts", &world, &NoResources).unwrap();
    assert_eq!(p.points[0].positions.len(), 125_000);
    assert_eq!(p.points[0].colors.as_ref().unwrap().len(), 125_000);
}

#[test]
fn broken_files_are_clear_errors() {
    let world = Mat4::IDENTITY;
    let b3dm = std::fs::read(data("3dtiles/1.0/TilesetWithRequestVolume/city/ll.b3dm")).unwrap();
    // A b3dm whose header's byteLength is wrong (a truncated download).
    let e = decode_content(&b3dm[..b3dm.len() - 100], "ll.b3dm", &world, &NoResources).unwrap_err();
    assert!(matches!(&e, TilesError::Format { at, .. } if at == "byte 8"), "{e}");
    assert!(e.to_string().contains("byteLength"), "{e}");
    // A GLB with its BIN chunk cut: an error naming the file, never a panic.
    let glb = std::fs::read(data("3dtiles/1.1/MultipleContents/planeTriangles.glb")).unwrap();
    for cut in [12, 100, glb.len() / 2, glb.len() - 8] {
        let e = decode_content(&glb[..cut], "planeTriangles.glb", &world, &NoResources).unwrap_err();
        assert!(e.to_string().starts_with("planeTriangles.glb"), "{cut}: {e}");
    }
    // A subtree with its bitstream truncated.
    let sub = std::fs::read(data("3dtiles/1.1/SparseImplicitQuadtree/subtrees/0.0.0.subtree")).unwrap();
    let dir = std::env::temp_dir().join(format!("citytwin-broken-subtree-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("subtrees")).unwrap();
    std::fs::copy(data("3dtiles/1.1/SparseImplicitQuadtree/tileset.json"), dir.join("tileset.json")).unwrap();
    std::fs::write(dir.join("subtrees/0.0.0.subtree"), &sub[..sub.len() - 10]).unwrap();
    let (s, _, _) = stream(&dir, 16.0, 3.0);
    assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
    assert!(s.failures[0].1.contains("0.0.0.subtree"), "{}", s.failures[0].1);
    // A malformed tileset.json: line and column.
    let e = TilesetJson::parse(b"{\"asset\": {\"version\": \"1.1\"},\n \"root\": [", "tileset.json").unwrap_err();
    assert!(matches!(e, TilesError::Json { line: 2, .. }), "{e}");
    let e = TilesetJson::parse(
        br#"{"asset":{"version":"1.1"},"geometricError":1,"root":{"boundingVolume":{"box":[1,2]},"geometricError":1}}"#,
        "t.json",
    )
    .and_then(|t| TileTree::from_tileset(&t, "t.json"))
    .unwrap_err();
    assert!(e.to_string().contains("root.boundingVolume") && e.to_string().contains("box has 2 numbers"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_external_tileset_is_grafted_with_its_own_uris() {
    // TilesetWithRequestVolume's first child is city/tileset.json, whose contents live in city/.
    let (s, loaded, _) = stream(&data("3dtiles/1.0/TilesetWithRequestVolume"), 16.0, 1.0);
    let uris: BTreeSet<String> =
        loaded.iter().flat_map(|(t, _)| s.tree.get(*t).contents.iter().map(|c| c.uri.clone())).collect();
    assert!(uris.iter().any(|u| u.starts_with("city/") && u.ends_with(".b3dm")), "{uris:?}");
}

#[test]
fn subtrees_with_buffers_in_separate_files_expand_like_the_originals() {
    // The Cesium quadtree, its subtrees rewritten as producers may write them: the bitstreams in
    // a `.bin` beside each `.subtree`, named by the buffer's uri.
    let src = data("3dtiles/1.1/SparseImplicitQuadtree");
    let dir = std::env::temp_dir().join(format!("citytwin-external-subtrees-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["content", "subtrees"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::copy(src.join("tileset.json"), dir.join("tileset.json")).unwrap();
    for e in std::fs::read_dir(src.join("content")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("content").join(p.file_name().unwrap())).unwrap();
    }
    let mut rewritten = 0;
    for e in std::fs::read_dir(src.join("subtrees")).unwrap() {
        let p = e.unwrap().path();
        let b = std::fs::read(&p).unwrap();
        let (jl, bl) = (
            u64::from_le_bytes(b[8..16].try_into().unwrap()) as usize,
            u64::from_le_bytes(b[16..24].try_into().unwrap()) as usize,
        );
        let mut json: serde_json::Value = serde_json::from_slice(&b[24..24 + jl]).unwrap();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if let Some(buffers) = json["buffers"].as_array_mut() {
            buffers[0]["uri"] = format!("{stem}.bin").into();
            rewritten += 1;
        }
        std::fs::write(dir.join(format!("subtrees/{stem}.bin")), &b[24 + jl..24 + jl + bl]).unwrap();
        let mut j = serde_json::to_vec(&json).unwrap();
        while !j.len().is_multiple_of(8) {
            j.push(b' ');
        }
        let mut out = b[0..8].to_vec();
        out.extend((j.len() as u64).to_le_bytes());
        out.extend(0u64.to_le_bytes());
        out.extend(j);
        std::fs::write(dir.join("subtrees").join(p.file_name().unwrap()), out).unwrap();
    }
    assert!(rewritten > 0, "no subtree of the sample has a buffer");
    let uris = |s: &TilesetStreamer, loaded: &[(TileId, Vec<DecodedContent>)]| -> BTreeSet<String> {
        loaded.iter().flat_map(|(t, _)| s.tree.get(*t).contents.iter().map(|c| c.uri.clone())).collect()
    };
    let (a, la, _) = stream(&src, 1e-6, 1.5);
    let (b, lb, _) = stream(&dir, 1e-6, 1.5);
    assert!(b.failures.is_empty(), "{:?}", b.failures);
    assert_eq!(uris(&a, &la), uris(&b, &lb));
    assert_eq!(a.tree.tiles.len(), b.tree.tiles.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tileset_group_tile_and_content_metadata_of_a_picked_content_read_with_the_schema() {
    // MetadataGranularities: every level of 1.1 metadata; the values are the sample's own.
    let (loader, root) = FileLoader::for_tileset(&data("3dtiles/1.1/MetadataGranularities")).unwrap();
    let tree =
        TileTree::from_tileset(&TilesetJson::parse(&loader.load(&root).unwrap(), &root).unwrap(), &root).unwrap();
    let (tile, content) = tree
        .tiles
        .iter()
        .enumerate()
        .find_map(|(i, t)| t.contents.iter().position(|c| c.uri == "house-3-0.glb").map(|c| (TileId(i as u32), c)))
        .unwrap();
    let m = city_tiles::metadata_entries(&tree, tile, content);
    let get = |scope: &str, name: &str| {
        m.iter()
            .find(|e| e.scope == scope && e.name == name)
            .map(|e| e.value.clone())
            .unwrap_or_else(|| panic!("{scope} {name}: {m:?}"))
    };
    assert_eq!(get("tileset", "author"), "Cesium");
    assert_eq!(get("tileset", "tileCount"), "4");
    assert_eq!(get("group", "color"), "[64, 64, 255]");
    assert_eq!(get("group", "priority"), "1");
    assert_eq!(get("tile", "district"), "Callowhill");
    assert_eq!(get("tile", "population"), "12");
    assert_eq!(get("content", "vertices"), "1032");
    // The order a panel shows: tileset, group, tile, content.
    let scopes: Vec<&str> = m.iter().map(|e| e.scope).collect();
    let firsts: Vec<usize> =
        ["tileset", "group", "tile", "content"].iter().map(|s| scopes.iter().position(|x| x == s).unwrap()).collect();
    assert!(firsts.windows(2).all(|w| w[0] < w[1]), "{scopes:?}");
    // TilesetWithFullMetadata: every property type, by its schema name; normalised integers as
    // the spec reads them.
    let (loader, root) = FileLoader::for_tileset(&data("3dtiles/1.1/TilesetWithFullMetadata")).unwrap();
    let json = TilesetJson::parse(&loader.load(&root).unwrap(), &root).unwrap();
    let tree = TileTree::from_tileset(&json, &root).unwrap();
    let m = city_tiles::metadata_entries(&tree, tree.root(), 0);
    let written = json.metadata.as_ref().unwrap()["properties"].as_object().unwrap().len();
    assert_eq!(m.len(), written, "{m:?}");
    let get = |name: &str| {
        m.iter().find(|e| e.name == name).map(|e| e.value.clone()).unwrap_or_else(|| panic!("{name}: {m:?}"))
    };
    assert_eq!(get("Example STRING property"), "An example string");
    assert_eq!(get("Example ENUM property"), "ExampleEnumValueB");
    assert_eq!(get("Example SCALAR property with INT8 components"), "-128");
    assert_eq!(get("Example SCALAR property with normalized INT8 components"), "-1");
    assert_eq!(get("Example variable-length STRING array property"), "[This, is, an, example]");
}
