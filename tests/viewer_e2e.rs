//! The viewer for real, under Xvfb with Mesa's software Vulkan (lavapipe): an imported Delft
//! tileset, the demo city and a Cesium 1.1 sample render to PNGs that are not blank, and a
//! scripted click on a building's pixel picks that building. `.ci/run` installs xvfb and
//! mesa-vulkan-drivers.
#![cfg(feature = "viewer")]
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citytwin-view-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `citytwin ARGS` under xvfb-run with lavapipe, failing with its output if it fails.
fn under_xvfb(args: &[&str], cache: &Path) -> Output {
    assert!(
        Command::new("xvfb-run").arg("--help").output().is_ok(),
        "xvfb-run is not installed: apt install xvfb mesa-vulkan-drivers (.ci/run does)"
    );
    let runtime = temp("xdg");
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let o = Command::new("timeout")
        .arg("600")
        .arg("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_citytwin"))
        .args(args)
        .env("WGPU_BACKEND", "vulkan")
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("CITYTWIN_CACHE", cache)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "citytwin {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// (width, height, RGB pixels) of a PNG.
fn pixels(path: &Path) -> (usize, usize, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    let px = buf[..info.buffer_size()].chunks_exact(step).map(|c| [c[0], c[1], c[2]]).collect();
    (info.width as usize, info.height as usize, px)
}

/// Not blank: many distinct colours, and a good share of the frame is not the sky colour.
fn assert_rendered(path: &Path, min_share: f64) {
    let (w, h, px) = pixels(path);
    let distinct: HashSet<[u8; 3]> = px.iter().map(|p| [p[0] & 0xF8, p[1] & 0xF8, p[2] & 0xF8]).collect();
    // The sky is the most common colour in the top row.
    let sky = px[..w].iter().copied().max_by_key(|c| px[..w].iter().filter(|d| *d == c).count()).unwrap();
    let near = |a: [u8; 3], b: [u8; 3]| (0..3).all(|i| a[i].abs_diff(b[i]) < 12);
    // Counted in the middle of the frame, where no panel is.
    let middle: Vec<[u8; 3]> = (h * 2 / 5..h * 4 / 5)
        .flat_map(|y| (w * 7 / 20..w * 13 / 20).map(move |x| (x, y)))
        .map(|(x, y)| px[y * w + x])
        .collect();
    let city = middle.iter().filter(|p| !near(**p, sky)).count() as f64 / middle.len() as f64;
    assert!(distinct.len() > 40, "{}: only {} colours: blank?", path.display(), distinct.len());
    assert!(city > min_share, "{}: {:.1}% of the middle of the frame is not sky", path.display(), city * 100.0);
}

#[test]
fn a_click_on_a_delft_building_picks_it_and_the_frame_is_not_blank() {
    let dir = temp("delft");
    let tiles = dir.join("tiles");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", data("cityjson/delft.json").to_str().unwrap(), "-o", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The building with the largest footprint (its centroid is surely inside it), from the
    // sidecar: the viewer is pointed at that centroid, and the click at the screen's centre
    // goes through the GLB triangles, not the sidecar.
    let csv = std::fs::read_to_string(tiles.join("features.csv")).unwrap();
    let area = |wkt: &str| {
        let ring = wkt.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-').split(')').next().unwrap();
        let p: Vec<[f64; 2]> = ring
            .split(',')
            .map(|q| {
                let v: Vec<f64> = q.split_whitespace().map(|x| x.trim_matches(['(', '"']).parse().unwrap()).collect();
                [v[0], v[1]]
            })
            .collect();
        (0..p.len() - 1).map(|i| p[i][0] * p[i + 1][1] - p[i + 1][0] * p[i][1]).sum::<f64>().abs() / 2.0
    };
    let (id, _) = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("Building"))
        .map(|l| (l.split(',').next().unwrap().to_owned(), area(l.splitn(6, ',').nth(5).unwrap())))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    let shot = dir.join("delft.png");
    let o = under_xvfb(
        &[
            "view",
            tiles.to_str().unwrap(),
            "--look-at-feature",
            &id,
            "--click",
            "center",
            "--screenshot",
            shot.to_str().unwrap(),
        ],
        &dir,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("picked: {id}")), "expected to pick {id}; stdout:\n{out}");
    assert_rendered(&shot, 0.2);
    // The picked building is highlighted (amber) around the centre of the frame.
    let (w, h, px) = pixels(&shot);
    let amber = (h / 2 - 20..h / 2 + 20)
        .flat_map(|y| (w / 2 - 20..w / 2 + 20).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = px[y * w + x];
            // Amber after lighting and tone mapping: strong red and green, clearly less blue
            // (the city around is grey-white, the ground blue).
            p[0] > 170 && p[1] > 130 && u16::from(p[2]) + 60 < u16::from(p[0])
        })
        .count();
    assert!(amber > 100, "the picked building should be highlighted at the centre: {amber} amber pixels");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_demo_city_and_a_cesium_sample_render() {
    let dir = temp("demo");
    let shot = dir.join("demo.png");
    under_xvfb(&["view", "--screenshot", shot.to_str().unwrap(), "--size", "640x360"], &dir);
    assert_rendered(&shot, 0.25);
    assert!(dir.join("demo-zhuhai-v1/tileset.json").is_file(), "the demo is cached");
    let shot = dir.join("granularities.png");
    let sample = data("3dtiles/1.1/MetadataGranularities/tileset.json");
    under_xvfb(&["view", sample.to_str().unwrap(), "--screenshot", shot.to_str().unwrap(), "--size", "640x360"], &dir);
    assert_rendered(&shot, 0.1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_a_display_the_viewer_says_so_in_one_line() {
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["view", data("3dtiles/1.0/TilesetWithDiscreteLOD/tileset.json").to_str().unwrap()])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("no display") && err.contains("xvfb-run"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line, not a panic dump: {err}");
}
