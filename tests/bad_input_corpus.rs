//! The bad-input corpus (`tests/bad-input/`, written by `scripts/gen-bad-input.py`): every case
//! is read by the reader a user's file would meet, and must end as `cases.tsv` says it should:
//! no panic, no hang, no good item lost, and every message naming the file and the place.
//!
//! The importer's formats go through the whole import (reader, store and tiler), so an object the
//! store refuses (off the Earth, not finite) counts as lost unless it is reported by id.
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use cim_import::{Format, ImportOptions, Placement};

/// Longest a case may take (debug build, shared 2-core machine): far beyond any good case.
const CASE_LIMIT: Duration = Duration::from_secs(60);

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("bad-input")
}

/// What a case ended as: its good items, and its warnings (or the error).
type Outcome = Result<(usize, Vec<String>), String>;

/// Reads `path` as `reader` reads it.
fn read_case(reader: &str, path: &Path) -> Outcome {
    match reader {
        "cityjson" | "cityjsonseq" | "citygml" | "geojson" | "osmpbf" | "ifc" | "gltfbim" => import(reader, path),
        "tileset" => {
            let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
            let uri = path.to_string_lossy();
            let json = city_tiles::TilesetJson::parse(&bytes, &uri).map_err(|e| e.to_string())?;
            let tree = city_tiles::TileTree::from_tileset(&json, &uri).map_err(|e| e.to_string())?;
            Ok((tree.tiles.len(), Vec::new()))
        }
        "subtree" => subtree(path),
        "content" => {
            let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
            let folder = path.parent().expect("a case is in a folder").canonicalize().map_err(|e| e.to_string())?;
            let loader = city_tiles::FileLoader::in_folder(&folder);
            let name = path.file_name().expect("a case has a name").to_string_lossy();
            let c = city_tiles::decode_content(&bytes, &name, &city_tiles::Mat4::IDENTITY, &loader)
                .map_err(|e| e.to_string())?;
            Ok((c.meshes.len() + c.points.len(), c.notes))
        }
        "cap" => {
            // Good items: the polygons and circles kept (an area whose shape is dropped stays,
            // with its name and geocodes).
            let alert = city_layers::CapAlert::read(path).map_err(|e| e.to_string())?;
            let shapes = alert.infos.iter().flat_map(|i| &i.areas).map(|a| a.polygons.len() + a.circles.len());
            Ok((shapes.sum(), alert.warnings))
        }
        "hazard" => city_layers::read_hazards(path).map(|(z, w)| (z.len(), w)).map_err(|e| e.to_string()),
        "scene" => city_core::Scene::read(path)
            .map(|s| (s.tilesets.len() + s.incidents.len(), Vec::new()))
            .map_err(|e| e.to_string()),
        "querycsv" => citytwin::query_io::read_queries(path, citytwin::query_io::QueryKind::Window)
            .map(|q| (q.ids.len(), q.skipped.iter().map(ToString::to_string).collect()))
            .map_err(|e| format!("{e:#}")),
        "objects" => citytwin::query_io::read_objects(path, None)
            .map(|o| (o.ids.len(), o.skipped.iter().map(ToString::to_string).collect()))
            .map_err(|e| format!("{e:#}")),
        "mqtt" => {
            let payload = std::fs::read(path).map_err(|e| e.to_string())?;
            let name = path.file_name().expect("a case has a name").to_string_lossy().into_owned();
            let topic = match name.strip_suffix(".st.json") {
                Some(stem) => format!("v1.1/Datastreams({stem})/Observations"),
                None => format!("citytwin/{}", name.trim_end_matches(".json")),
            };
            city_layers::parse_observation(&topic, &payload).map(|_| (1, Vec::new())).map_err(|e| e.to_string())
        }
        "imagery" => {
            // Opened, then sampled over the whole world (a tiled source reads its coarse tiles):
            // one good source, and its problems as warnings.
            let img = cim_import::open_imagery(&path.to_string_lossy(), &cim_import::ImageryOptions::default())
                .map_err(|e| e.to_string())?;
            let grid: Vec<[f64; 2]> = (0..32 * 32)
                .map(|i| [-179.0 + 358.0 * f64::from(i % 32) / 31.0, -80.0 + 160.0 * f64::from(i / 32) / 31.0])
                .collect();
            let problems = cim_import::ImageryProblems::default();
            img.sample(&grid, 1e6, &problems);
            Ok((1, problems.summary().into_iter().collect()))
        }
        "dem" => {
            // The whole terrain import: read, then tiled into a fresh folder.
            let dem = cim_import::Dem::read(path, None).map_err(|e| e.to_string())?;
            let out = std::env::temp_dir()
                .join(format!("citytwin-corpus-{}", std::process::id()))
                .join(path.file_name().expect("a case has a name"));
            let written = cim_import::write_terrain(&dem, &out, &cim_import::TerrainOptions::default(), &[], &());
            let _ = std::fs::remove_dir_all(&out);
            written.map(|s| (s.pixels, Vec::new())).map_err(|e| e.to_string())
        }
        "pointcloud" => {
            // The DTM of the ground points at 1 m cells: its cells with a height.
            let (dem, _) =
                cim_import::dtm_from_point_clouds(&[path.to_owned()], None, 1.0).map_err(|e| e.to_string())?;
            Ok((dem.valid_pixels(), Vec::new()))
        }
        other => panic!("cases.tsv names a reader the harness does not know: {other}"),
    }
}

/// The whole import of one file into a fresh folder: its features, and every skipped object and
/// warning as `file: id: reason`.
fn import(reader: &str, path: &Path) -> Outcome {
    let out = std::env::temp_dir()
        .join(format!("citytwin-corpus-{}", std::process::id()))
        .join(path.file_name().expect("a case has a name"));
    let _ = std::fs::remove_dir_all(&out);
    let mut opts = ImportOptions::new(&out);
    if reader == "gltfbim" {
        opts.read.place = Some(Placement { lat_deg: 52.0, lon_deg: 4.36, height_m: 0.0, rotation_deg: 0.0 });
    }
    assert!(
        reader != "gltfbim" || Format::detect(path).is_ok_and(|f| f == Format::GltfBim),
        "{} is not read as glTF",
        path.display()
    );
    let result = cim_import::import(&[path.to_owned()], &opts, &());
    let _ = std::fs::remove_dir_all(&out);
    let report = result.map_err(|e| e.to_string())?;
    let said =
        report.skipped.iter().chain(&report.warnings).map(|s| format!("{}: {}: {}", s.file.display(), s.id, s.reason));
    Ok((report.tiling.features, said.collect()))
}

/// A subtree file read as the subtree of a quadtree's root (two levels, both available), its
/// external buffers fetched from the case's folder.
fn subtree(path: &Path) -> Outcome {
    let stem = path.file_stem().expect("a case has a name").to_string_lossy();
    let tileset = format!(
        r#"{{"asset": {{"version": "1.1"}}, "geometricError": 100, "root": {{
            "boundingVolume": {{"box": [0,0,0, 100,0,0, 0,100,0, 0,0,10]}}, "geometricError": 50, "refine": "REPLACE",
            "content": {{"uri": "{{level}}/{{x}}/{{y}}.glb"}},
            "implicitTiling": {{"subdivisionScheme": "QUADTREE", "subtreeLevels": 2, "availableLevels": 2,
                                "subtrees": {{"uri": "{stem}.{{level}}.subtree"}}}}}}}}"#
    );
    let json = city_tiles::TilesetJson::parse(tileset.as_bytes(), "tileset.json").map_err(|e| e.to_string())?;
    let mut tree = city_tiles::TileTree::from_tileset(&json, "tileset.json").map_err(|e| e.to_string())?;
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let folder = path.parent().expect("a case is in a folder").canonicalize().map_err(|e| e.to_string())?;
    let uri = format!("{stem}.0.subtree");
    let bytes = city_tiles::inline_subtree_buffers(&bytes, &uri, &city_tiles::FileLoader::in_folder(&folder))
        .map_err(|e| e.to_string())?;
    let before = tree.tiles.len();
    let root = tree.root();
    city_tiles::expand_subtree(&mut tree, root, &bytes).map_err(|e| e.to_string())?;
    // The root was there before; the subtree adds its children (and confirms the root).
    Ok((tree.tiles.len() - before + 1, Vec::new()))
}

/// A case's expected outcome, as `cases.tsv` writes it.
#[derive(Debug)]
enum Expected {
    /// Fails with a message matching this (besides naming the file).
    Error(regex::Regex),
    /// Succeeds with this many good items, and (if given) a warning matching this.
    Ok(usize, Option<regex::Regex>),
}

fn parse_expected(s: &str) -> Expected {
    let re = |p: &str| regex::Regex::new(p).unwrap_or_else(|e| panic!("cases.tsv: bad pattern {p:?}: {e}"));
    if let Some(p) = s.strip_prefix("error ") {
        return Expected::Error(re(p));
    }
    let rest = s.strip_prefix("ok ").unwrap_or_else(|| panic!("cases.tsv: outcome {s:?} is neither ok nor error"));
    let (n, warn) = match rest.split_once(" warn ") {
        Some((n, w)) => (n, Some(re(w))),
        None => (rest, None),
    };
    Expected::Ok(n.parse().unwrap_or_else(|_| panic!("cases.tsv: {n:?} is not a count")), warn)
}

/// The case ran as expected, or what went wrong.
fn judge(
    reader: &str,
    file: &str,
    expected: &str,
    outcome: Option<std::thread::Result<Outcome>>,
) -> Result<(), String> {
    let outcome = match outcome {
        None => return Err(format!("still running after {CASE_LIMIT:?} (a hang)")),
        Some(Err(panic)) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            return Err(format!("panicked: {msg}"));
        }
        Some(Ok(o)) => o,
    };
    // The file is named by its name (the topic carries an MQTT case's stem).
    let stem = file.split('.').next().unwrap_or(file);
    let mut why = Vec::new();
    // `A or B`: either outcome is right.
    for alt in expected.split(" or ") {
        match (parse_expected(alt), &outcome) {
            (Expected::Error(re), Err(msg)) => {
                if !msg.contains(stem) {
                    why.push(format!("the error does not name {file}: {msg}"));
                } else if !re.is_match(msg) {
                    why.push(format!("the error does not say {re}: {msg}"));
                } else {
                    return Ok(());
                }
            }
            (Expected::Ok(n, warn), Ok((got, warnings))) => {
                if got != &n {
                    why.push(format!("{got} good items, expected {n}; warnings: {warnings:?}"));
                } else if let Some(re) = warn {
                    // A tile's notes are logged under its URI by the streamer, so they need not name it.
                    match warnings.iter().find(|w| re.is_match(w)) {
                        Some(w) if !w.contains(stem) && reader != "content" => {
                            why.push(format!("the warning does not name {file}: {w}"))
                        }
                        Some(_) => return Ok(()),
                        None => why.push(format!("no warning says {re}: {warnings:?}")),
                    }
                } else {
                    return Ok(());
                }
            }
            (Expected::Error(_), Ok((n, w))) => {
                why.push(format!("read with {n} items, expected an error; warnings {w:?}"))
            }
            (Expected::Ok(..), Err(msg)) => why.push(format!("failed, expected success: {msg}")),
        }
    }
    Err(why.join("; "))
}

#[test]
fn every_bad_input_ends_as_the_corpus_says() {
    let root = corpus();
    let list = std::fs::read_to_string(root.join("cases.tsv"))
        .unwrap_or_else(|e| panic!("{}: {e}: run scripts/gen-bad-input.py", root.join("cases.tsv").display()));
    // Panics are caught and reported per case, without the default hook's noise.
    std::panic::set_hook(Box::new(|_| {}));
    let (mut ran, mut failures) = (0, Vec::new());
    let only = std::env::var("CORPUS_ONLY").ok();
    for line in list.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [reader, file, expected, what] = fields[..] else { panic!("cases.tsv: not four fields: {line:?}") };
        if only.as_deref().is_some_and(|o| !line.contains(o)) {
            continue;
        }
        let path = root.join(reader).join(file);
        let (tx, rx) = mpsc::channel();
        let (r, p) = (reader.to_owned(), path.clone());
        std::thread::spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(|| read_case(&r, &p)));
        });
        let outcome = rx.recv_timeout(CASE_LIMIT).ok();
        ran += 1;
        if let Err(why) = judge(reader, file, expected, outcome) {
            failures.push(format!("{reader}/{file} ({what}): {why}"));
        }
    }
    let _ = std::panic::take_hook();
    let minimum = if only.is_some() { 1 } else { 300 };
    assert!(ran >= minimum, "only {ran} cases in {}", root.display());
    assert!(failures.is_empty(), "{} of {ran} cases failed:\n{}", failures.len(), failures.join("\n"));
}
