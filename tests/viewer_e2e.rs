//! The viewer for real, under Xvfb with Mesa's software Vulkan (lavapipe): an imported Delft
//! tileset, the demo city and a Cesium 1.1 sample render to PNGs that are not blank, and a
//! scripted click on a building's pixel picks that building; live sensors in alarm restyle the
//! buildings holding them, a sensor's panel opens with its replayed series, and a broker that
//! is not there does not stop the viewer; a CAP alert's zone and the buildings inside show, a
//! 2x1 video wall joins into the single view at the seam with every tile loaded once, and
//! fullscreen takes the monitor's size. `.ci/run` installs xvfb and mesa-vulkan-drivers.
#![cfg(feature = "viewer")]
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/reference.rs"]
mod reference;

fn data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citytwin-view-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One viewer at a time: `xvfb-run -a` picks the first free display number, and two starting at
/// once can pick the same one (the loser then talks to the winner's server and is refused).
static XVFB: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `citytwin ARGS` under xvfb-run with lavapipe, failing with its output if it fails.
fn under_xvfb(args: &[&str], cache: &Path) -> Output {
    let _one_at_a_time = XVFB.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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
    the_first_view_frames_the_tileset(&dir, &tiles);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 16: opened without a camera, a tileset is framed: what is not sky spans most of the
/// frame and is centred on it (before, a tileset could sit in a corner under mostly sky).
fn the_first_view_frames_the_tileset(dir: &Path, tiles: &Path) {
    let shot = dir.join("framed.png");
    under_xvfb(&["view", tiles.to_str().unwrap(), "--no-panels", "--screenshot", shot.to_str().unwrap()], dir);
    let (w, h, px) = pixels(&shot);
    let sky = px[..w].iter().copied().max_by_key(|c| px[..w].iter().filter(|d| *d == c).count()).unwrap();
    let city: Vec<(usize, usize)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| (0..3).any(|i| px[y * w + x][i].abs_diff(sky[i]) >= 12))
        .collect();
    assert!(city.len() > w * h / 20, "{}: hardly anything drawn", shot.display());
    let (x0, x1) = (city.iter().map(|p| p.0).min().unwrap(), city.iter().map(|p| p.0).max().unwrap());
    let (y0, y1) = (city.iter().map(|p| p.1).min().unwrap(), city.iter().map(|p| p.1).max().unwrap());
    let (span_x, span_y) = ((x1 - x0) as f64 / w as f64, (y1 - y0) as f64 / h as f64);
    assert!(span_x > 0.6 || span_y > 0.6, "{}: the city spans {span_x:.2} x {span_y:.2} of the frame", shot.display());
    let (cx, cy) = ((x0 + x1) as f64 / 2.0 / w as f64, (y0 + y1) as f64 / 2.0 / h as f64);
    assert!((cx - 0.5).abs() < 0.15 && (cy - 0.5).abs() < 0.15, "{}: centred at ({cx:.2}, {cy:.2})", shot.display());
}

#[test]
fn the_demo_city_its_live_sensors_and_a_cesium_sample_render() {
    let dir = temp("demo");
    let shot = dir.join("demo.png");
    under_xvfb(&["view", "--screenshot", shot.to_str().unwrap(), "--size", "640x360"], &dir);
    assert_rendered(&shot, 0.25);
    assert!(dir.join("demo-zhuhai-v1/tileset.json").is_file(), "the demo is cached");
    let shot = dir.join("granularities.png");
    let sample = data("3dtiles/1.1/MetadataGranularities/tileset.json");
    // A click on the house at the lower right shows the 1.1 metadata above it in the panel
    // (the values are the sample's own: its tileset, group 0, the tile and the content).
    let o = under_xvfb(
        &[
            "view",
            sample.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
            "--size",
            "640x360",
            "--click",
            "400,240",
        ],
        &dir,
    );
    assert_rendered(&shot, 0.1);
    let out = String::from_utf8_lossy(&o.stdout);
    for line in [
        "tileset metadata author: Cesium",
        "group metadata priority: 1",
        "tile metadata district: ",
        "content metadata vertices: ",
    ] {
        assert!(out.contains(line), "expected {line:?} in the picked feature's panel; stdout:\n{out}");
    }
    sensor_alarms_restyle_their_buildings(&dir);
    a_sensor_panel_shows_its_replayed_series(&dir);
    an_unreachable_broker_does_not_stop_the_viewer(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A scene over the demo city (`path = "demo"`, cached in `dir`) looking at its centre, with
/// an `[iot]` table appended.
fn demo_scene(dir: &Path, name: &str, iot: &str) -> PathBuf {
    let c = citytwin::demo_city::centre();
    let scene = dir.join(format!("{name}.toml"));
    std::fs::write(
        &scene,
        format!(
            "name = \"{name}\"\n[[tilesets]]\nname = \"demo\"\npath = \"demo\"\n\
             [camera]\nlon_deg = {}\nlat_deg = {}\ndistance_m = 900\nheading_deg = 35\npitch_deg = 40\n\
             [style]\nattribute = \"height\"\nmode = \"ramp\"\nmin = 0\nmax = 120\n{iot}",
            c.lon_deg, c.lat_deg
        ),
    )
    .unwrap();
    scene
}

/// Share of the middle of the frame in the alarm colour, lit (a pink no height ramp gives: the
/// ramp's reds and the alarmed markers have almost no blue, its yellows no blue at all).
fn alarm_share(path: &Path) -> f64 {
    let (w, h, px) = pixels(path);
    let middle: Vec<[u8; 3]> =
        (h / 4..h * 3 / 4).flat_map(|y| (w / 4..w * 3 / 4).map(move |x| (x, y))).map(|(x, y)| px[y * w + x]).collect();
    let pink = |p: &[u8; 3]| p[0] > 150 && p[0] > p[1].saturating_add(80) && p[2] > p[1].saturating_add(20);
    middle.iter().filter(|p| pink(p)).count() as f64 / middle.len() as f64
}

/// Sensors on a 25 m grid over the centre, all in alarm (any temperature above -50 C): the
/// buildings holding them turn the alarm colour; the same view without the rule has none.
fn sensor_alarms_restyle_their_buildings(dir: &Path) {
    let c = citytwin::demo_city::centre();
    let mut features = Vec::new();
    for i in 0..40 {
        for j in 0..40 {
            let lon = c.lon_deg + (f64::from(i) - 20.0) * 25.0 / (111_320.0 * c.lat_deg.to_radians().cos());
            let lat = c.lat_deg + (f64::from(j) - 20.0) * 25.0 / 111_320.0;
            features.push(format!(
                r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{{"id":"g{i}-{j}","kind":"air_temperature"}}}}"#
            ));
        }
    }
    std::fs::write(
        dir.join("grid.geojson"),
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
    )
    .unwrap();
    let iot = "[iot]\nsensor_files = [\"grid.geojson\"]\n";
    let calm = demo_scene(dir, "calm", iot);
    let hot =
        demo_scene(dir, "hot", &format!("{iot}[[iot.rules]]\nkind = \"air_temperature\"\nabove = -50\nclear = -60\n"));
    let (calm_png, hot_png) = (dir.join("calm.png"), dir.join("hot.png"));
    for (scene, png) in [(&calm, &calm_png), (&hot, &hot_png)] {
        let args = ["view", scene.to_str().unwrap(), "--hold", "2", "--screenshot", png.to_str().unwrap()];
        under_xvfb(&[&args[..], &["--size", "640x360"]].concat(), dir);
        assert_rendered(png, 0.25);
    }
    let (calm, hot) = (alarm_share(&calm_png), alarm_share(&hot_png));
    assert!(calm < 0.005 && hot > 0.03, "alarm-coloured share: {:.2}% calm, {:.2}% hot", calm * 100.0, hot * 100.0);
}

/// Share of the bottom-right corner (where the sensor's panel opens) that is egui's dark
/// window fill.
fn dark_share_bottom_right(path: &Path) -> f64 {
    let (w, h, px) = pixels(path);
    let corner: Vec<[u8; 3]> =
        (h - 240..h - 20).flat_map(|y| (w - 340..w - 20).map(move |x| (x, y))).map(|(x, y)| px[y * w + x]).collect();
    corner.iter().filter(|p| p.iter().all(|c| *c < 60)).count() as f64 / corner.len() as f64
}

/// `--select-sensor` opens the panel of a demo sensor fed by NOAA's replayed series: the
/// bottom-right corner fills with the panel and its plot.
fn a_sensor_panel_shows_its_replayed_series(dir: &Path) {
    let noaa = data("iot/noaa-temps-vega");
    let (plain, panel) = (dir.join("plain.png"), dir.join("panel.png"));
    let base = ["view", "--hold", "3", "--replay", noaa.to_str().unwrap()];
    under_xvfb(&[&base[..], &["--screenshot", plain.to_str().unwrap()]].concat(), dir);
    let o = under_xvfb(
        &[&base[..], &["--select-sensor", "temp-20-15", "--screenshot", panel.to_str().unwrap()]].concat(),
        dir,
    );
    assert_rendered(&panel, 0.2);
    let (before, after) = (dark_share_bottom_right(&plain), dark_share_bottom_right(&panel));
    assert!(after > before + 0.3, "panel corner dark share {before:.2} -> {after:.2}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("frames at rest: mean"), "{stdout}");
}

/// A scene whose broker is not there: the viewer opens anyway (the panel says the feed is down
/// and retrying; `headless_sensors` checks that line) and renders the city.
fn an_unreachable_broker_does_not_stop_the_viewer(dir: &Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let scene = demo_scene(
        dir,
        "nobroker",
        &format!(
            "[iot]\nfeed = \"mqtt\"\nbroker = \"127.0.0.1:{port}\"\n\
             [[iot.sensors]]\nid = \"gauge\"\nkind = \"water_level\"\nlon_deg = 113.57\nlat_deg = 22.27\n"
        ),
    );
    let png = dir.join("nobroker.png");
    under_xvfb(&["view", scene.to_str().unwrap(), "--size", "640x360", "--screenshot", png.to_str().unwrap()], dir);
    assert_rendered(&png, 0.25);
}

/// Helsinki's OSM extract imported into `dir/tiles`, and the longitude and latitude of its
/// local frame's origin (the middle of the data), from the root transform.
fn helsinki_tiles(dir: &Path) -> (PathBuf, f64, f64) {
    let tiles = dir.join("tiles");
    let pbf = data("osm/Helsinki.osm.pbf");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", pbf.to_str().unwrap(), "-o", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "import: {}", String::from_utf8_lossy(&o.stderr));
    let json =
        city_tiles::TilesetJson::parse(&std::fs::read(tiles.join("tileset.json")).unwrap(), "tileset.json").unwrap();
    let m = json.root.transform.unwrap();
    let g = city_core::geodetic_from_ecef([m[12], m[13], m[14]]);
    (tiles, g.lon_deg, g.lat_deg)
}

/// A CAP 1.2 fire alert for a square of 300 m around (lon, lat), as CAP writes it.
fn square_alert(lon: f64, lat: f64) -> String {
    let (dlat, dlon) = (150.0 / 111_320.0, 150.0 / (111_320.0 * lat.to_radians().cos()));
    let ring: Vec<String> = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0)]
        .iter()
        .map(|(a, b)| format!("{},{}", lat + a * dlat, lon + b * dlon))
        .collect();
    format!(
        "<?xml version=\"1.0\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>F1</identifier>\
         <sender>ops@helsinki.test</sender><sent>2026-11-30T08:00:00+00:00</sent><status>Actual</status>\
         <msgType>Alert</msgType><scope>Public</scope><info><category>Fire</category><event>Fire</event>\
         <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>\
         <area><areaDesc>block</areaDesc><polygon>{}</polygon></area></info></alert>\n",
        ring.join(" ")
    )
}

/// Share of pixels in the affected-building orange (lit: red high, blue far below it).
fn affected_share(px: &[[u8; 3]]) -> f64 {
    let orange = |p: &&[u8; 3]| p[0] > 190 && p[0] > p[2].saturating_add(90) && p[1].saturating_add(40) < p[0];
    px.iter().filter(orange).count() as f64 / px.len() as f64
}

/// The `tile loads: N for M distinct tiles` line of a run.
fn tile_loads(o: &Output) -> (usize, usize) {
    let out = String::from_utf8_lossy(&o.stdout);
    let line =
        out.lines().find(|l| l.starts_with("tile loads:")).unwrap_or_else(|| panic!("no tile loads line: {out}"));
    let n: Vec<usize> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    (n[0], n[1])
}

/// An alert over imported Helsinki: its zone and the buildings inside show in the picture (and
/// not without it); the same view on a 2x1 video wall joins into the single picture at the
/// seam, with each tile loaded once; fullscreen takes the monitor's size; split mode shows the
/// city twice, the right half in its own style.
#[test]
fn an_incident_zone_a_video_wall_and_fullscreen_on_helsinki() {
    let dir = temp("incidents");
    let (tiles, lon, lat) = helsinki_tiles(&dir);
    let alert = dir.join("fire.xml");
    std::fs::write(&alert, square_alert(lon, lat)).unwrap();
    let t = tiles.to_str().unwrap();
    let shot = |name: &str| dir.join(name).to_str().unwrap().to_owned();

    // The zone and the highlighted buildings, against the same view without the alert.
    let common = ["view", t, "--size", "640x360", "--no-panels"];
    under_xvfb(&[&common[..], &["--screenshot", &shot("calm.png")]].concat(), &dir);
    under_xvfb(&[&common[..], &["--alert", alert.to_str().unwrap(), "--screenshot", &shot("fire.png")]].concat(), &dir);
    assert_rendered(&dir.join("fire.png"), 0.1);
    let (_, _, calm) = pixels(&dir.join("calm.png"));
    let (_, _, fire) = pixels(&dir.join("fire.png"));
    let changed = calm.iter().zip(&fire).filter(|(a, b)| (0..3).any(|i| a[i].abs_diff(b[i]) > 20)).count() as f64
        / calm.len() as f64;
    let (before, after) = (affected_share(&calm), affected_share(&fire));
    assert!(changed > 0.01, "the zone and its rings change only {:.2}% of the picture", changed * 100.0);
    assert!(before < 0.0005 && after > 0.005, "affected orange: {:.3}% -> {:.3}%", before * 100.0, after * 100.0);

    // A 2x1 wall of 640x360 screens against one 1280x360 window.
    let base = ["view", t, "--no-panels", "--alert", alert.to_str().unwrap()];
    let single = under_xvfb(&[&base[..], &["--size", "1280x360", "--screenshot", &shot("single.png")]].concat(), &dir);
    let wall = under_xvfb(
        &[&base[..], &["--size", "640x360", "--wall", "2x1", "--screenshot", &shot("wall.png")]].concat(),
        &dir,
    );
    let (loads, distinct) = tile_loads(&wall);
    assert_eq!(loads, distinct, "a tile was loaded twice on the wall");
    assert_eq!(loads, tile_loads(&single).0, "the wall selects what the single view does");
    let (w1, h1, one) = pixels(&dir.join("single.png"));
    let (wl, hl, left) = pixels(&dir.join("wall-0-0.png"));
    let (wr, hr, right) = pixels(&dir.join("wall-1-0.png"));
    assert_eq!((w1, h1, wl, hl, wr, hr), (1280, 360, 640, 360, 640, 360));
    // The joined picture against the single one, 40 columns either side of the seam.
    let (mut same, mut total) = (0, 0);
    for y in 0..360 {
        for x in 600..680 {
            let joined = if x < 640 { left[y * 640 + x] } else { right[y * 640 + x - 640] };
            same += usize::from((0..3).all(|i| joined[i].abs_diff(one[y * 1280 + x][i]) <= 24));
            total += 1;
        }
    }
    assert!(same as f64 / total as f64 > 0.98, "only {same} of {total} seam pixels match the single view");
    // Both screens show part of the city (and the seam is not just sky on both sides).
    let busy =
        |px: &[[u8; 3]]| px.iter().map(|p| [p[0] & 0xF0, p[1] & 0xF0, p[2] & 0xF0]).collect::<HashSet<_>>().len();
    assert!(busy(&left) > 20 && busy(&right) > 20, "a blank screen: {} and {} colours", busy(&left), busy(&right));

    // Fullscreen on monitor 0 of the 1280x720 display.
    under_xvfb(&["view", t, "--fullscreen", "--size", "640x360", "--screenshot", &shot("full.png")], &dir);
    let (fw, fh, _) = pixels(&dir.join("full.png"));
    assert_eq!((fw, fh), (1280, 720), "fullscreen takes the monitor's size");

    // Split mode: the same view twice, the right half coloured by OSM's `building` value.
    // Without the globe: what is not sky is the city.
    let args = [
        "view",
        t,
        "--split",
        "building",
        "--no-panels",
        "--no-globe",
        "--size",
        "1280x360",
        "--screenshot",
        &shot("split.png"),
    ];
    under_xvfb(&args, &dir);
    let (w, h, px) = pixels(&dir.join("split.png"));
    let sky = px[0];
    let half = |from: usize| {
        let cells: Vec<[u8; 3]> =
            (0..h).flat_map(|y| (from..from + w / 2).map(move |x| (x, y))).map(|(x, y)| px[y * w + x]).collect();
        let city = cells.iter().filter(|p| (0..3).any(|i| p[i].abs_diff(sky[i]) > 12)).count();
        let coloured = cells
            .iter()
            .filter(|p| (0..3).any(|i| p[i].abs_diff(sky[i]) > 12))
            .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 40)
            .count();
        (city, coloured)
    };
    let ((city_l, col_l), (city_r, col_r)) = (half(0), half(w / 2));
    assert!(
        city_l > 2000 && city_l.abs_diff(city_r) * 10 < city_l,
        "both halves show the city: {city_l} vs {city_r} pixels"
    );
    assert!(
        col_l * 5 < city_l && col_r * 2 > city_r,
        "left plain, right by use: {col_l}/{city_l} vs {col_r}/{city_r} coloured"
    );
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

/// Issue 8 in the viewer: FZK-Haus imported, looked at from above. A click picks the roof slab
/// (an element, by GlobalId); with the slabs hidden the same click goes through to an element
/// that is not a slab; with the storeys up to the ground floor only, to one on it (elevation 0),
/// and the frame changes; with walls, slabs and members x-rayed, through them to what is inside.
#[test]
fn bim_elements_are_picked_and_storeys_and_classes_filtered() {
    let dir = temp("bim");
    let tiles = dir.join("tiles");
    let ifc = data("ifc/AC20-FZK-Haus.ifc");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", ifc.to_str().unwrap(), "-o", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model = cim_import::read_ifc_model(&ifc).unwrap();
    let element = |id: &str| model.elements.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("no element {id}"));
    // The highest slab: the roof.
    let top = |e: &&cim_import::IfcElement| e.triangles.iter().flatten().map(|p| p[2]).fold(f64::MIN, f64::max);
    let roof = model.elements.iter().filter(|e| e.class == "IfcSlab").max_by(|a, b| top(a).total_cmp(&top(b))).unwrap();
    let view = |name: &str, extra: &[&str]| -> (String, PathBuf) {
        let shot = dir.join(format!("{name}.png"));
        let mut args = vec![
            "view",
            tiles.to_str().unwrap(),
            "--look-at-feature",
            &roof.id,
            "--click",
            "center",
            "--no-panels",
            "--screenshot",
            shot.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = under_xvfb(&args, &dir);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let picked = out.lines().find_map(|l| l.strip_prefix("picked: ")).unwrap_or_else(|| panic!("{out}"));
        (picked.to_owned(), shot)
    };
    let (all, all_shot) = view("all", &[]);
    assert_eq!(all, roof.id);
    // Not blank: the house (seen from above, small in the frame) is not sky.
    let (_, _, a) = pixels(&all_shot);
    let house = a.iter().filter(|p| (0..3).any(|i| p[i].abs_diff(a[0][i]) > 24)).count();
    assert!(house > a.len() / 200, "{}: only {house} pixels are not sky", all_shot.display());
    let (hidden, _) = view("hidden", &["--hide-class", "IfcSlab"]);
    assert_ne!(element(&hidden).class, "IfcSlab", "{hidden}");
    let (ground, ground_shot) = view("ground", &["--top-storey", "0"]);
    let z = element(&ground).attributes.get("ifc:storey_elevation").and_then(|v| v.as_f64());
    assert!(z.is_some_and(|z| z <= 0.0), "{ground}: storey elevation {z:?}");
    let (_, _, b) = pixels(&ground_shot);
    let changed = a.iter().zip(&b).filter(|(p, q)| (0..3).any(|i| p[i].abs_diff(q[i]) > 24)).count();
    assert!(changed > 500, "only {changed} pixels changed without the upper storeys");
    let (inside, _) = view("xray", &["--xray-class", "IfcSlab,IfcMember,IfcWallStandardCase"]);
    assert!(!["IfcSlab", "IfcMember", "IfcWallStandardCase"].contains(&element(&inside).class.as_str()), "{inside}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_recorded_camera_path_replays_pose_for_pose_with_a_summary() {
    let dir = temp("bench");
    // A recording as `bench --record` writes it: 30 poses closing in on the demo city's centre.
    let poses: Vec<String> = (0..30)
        .map(|i| {
            let d = 7000.0 - 6300.0 * f64::from(i) / 29.0;
            format!(
                "{{\"lon_deg\":113.57,\"lat_deg\":22.27,\"height_m\":0,\"distance_m\":{d},\"heading_deg\":{},\"pitch_deg\":45}}",
                i * 3
            )
        })
        .collect();
    let rec = dir.join("path.jsonl");
    std::fs::write(&rec, poses.join("\n") + "\n").unwrap();
    // The soak's scene: the demo city with two incidents, whose buildings the engine finds.
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/soak/scene.toml");
    let o = under_xvfb(
        &["bench", scene.to_str().unwrap(), "--replay", rec.to_str().unwrap(), "--size", "480x270"],
        &dir.join("cache"),
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line =
        stdout.lines().find(|l| l.contains("\"bench\":\"replay\"")).unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    let r: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(r["poses"], 30, "{line}");
    assert_eq!(r["poses_flown"], 30, "each pose flown once, one per frame: {line}");
    let ms = |k: &str| r["frame_ms"][k].as_f64().unwrap();
    assert!(ms("p50") > 0.0 && ms("p50") <= ms("p95") && ms("p95") <= ms("p99") && ms("p99") <= ms("max"), "{line}");
    assert!(r["tiles_loaded"].as_u64().unwrap() > 0 && r["bytes_loaded"].as_u64().unwrap() > 1000, "{line}");
    assert!(r["peak_rss_mib"].as_f64().unwrap() > 10.0, "{line}");
    // The incidents' zones and rings are queries on the engine's index.
    assert!(r["queries"].as_u64().unwrap() > 0, "{line}");

    // A real recording: the tour flown with 500 simulated sensors; the feeds' ticks are logged
    // on the frames that took them in. One CAP message is added, as a recording of CAP over
    // MQTT writes it. The replay drives the feeds with exactly those ticks and hands the
    // incident layer exactly that message.
    let taken = dir.join("tour.jsonl");
    let sensors = ["--sensors", "500", "--size", "480x270"];
    let mut args = vec!["bench", scene.to_str().unwrap(), "--record", taken.to_str().unwrap(), "--tour"];
    args.extend(sensors);
    under_xvfb(&args, &dir.join("cache"));
    let mut frames: Vec<serde_json::Value> =
        std::fs::read_to_string(&taken).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ticks: usize = frames.iter().map(|f| f["sensors"].as_array().map_or(0, Vec::len)).sum();
    assert!(frames.len() > 10 && ticks >= 3, "{} frames, {ticks} sensor ticks recorded", frames.len());
    let cap_file = data("emergency/cap/v1dot0_appendix_adot1.xml");
    let cap = std::fs::read_to_string(&cap_file).unwrap_or_else(|e| panic!("{}: {e}", cap_file.display()));
    let k = frames.len() / 2;
    frames[k]["alerts"] = serde_json::json!([{ "topic": "city/cap", "payload": cap }]);
    let lines: Vec<String> = frames.iter().map(serde_json::Value::to_string).collect();
    std::fs::write(&taken, lines.join("\n") + "\n").unwrap();
    let mut args = vec!["bench", scene.to_str().unwrap(), "--replay", taken.to_str().unwrap()];
    args.extend(sensors);
    let o = under_xvfb(&args, &dir.join("cache"));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line =
        stdout.lines().find(|l| l.contains("\"bench\":\"replay\"")).unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    let r: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(r["poses_flown"], frames.len(), "{line}");
    assert_eq!(r["sensor_inputs_replayed"], ticks, "{line}");
    assert_eq!(r["sensor_ticks"], ticks, "the feeds ticked on the recording's ticks only: {line}");
    assert_eq!(r["alerts_replayed"], 1, "{line}");
    assert_eq!(r["incident_steps"], 2, "the scene's incidents, then the message's step: {line}");

    // A recording that is not one is refused, naming the file and the line.
    std::fs::write(&rec, "{\"lon_deg\": 1}\n").unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(["bench", "--replay"]).arg(&rec).output().unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && err.contains("path.jsonl") && err.contains("line 1"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 18: a scene whose `[[terrain]]` is the AHN3 DTM itself and whose `[[imagery]]` is a
/// GeoTIFF (GDAL's shaded relief of the DSM, in EPSG:4326): the viewer builds the terrain into
/// its cache, draped, and draws Delft's buildings standing on it. A second opening reuses the
/// build.
#[test]
fn delft_stands_on_its_terrain_with_imagery_draped_from_a_scene() {
    let dir = temp("terrain");
    let tiles = dir.join("city");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", data("cityjson/delft.json").to_str().unwrap(), "-o", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let relief = reference::imagery()["tif"].as_str().unwrap().to_owned();
    let scene = dir.join("delft-terrain.toml");
    std::fs::write(
        &scene,
        format!(
            r#"name = "Delft on AHN3"

[[tilesets]]
name = "Delft buildings"
path = "city"

[[terrain]]
name = "AHN3 DTM"
path = {dtm:?}

[[imagery]]
name = "AHN3 relief"
source = {relief:?}
attribution = "AHN3 relief (test)"

[camera]
lon_deg = 4.3668
lat_deg = 52.0116
height_m = 0
distance_m = 300
heading_deg = 20
pitch_deg = 55
"#,
            dtm = data("terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif").display().to_string(),
        ),
    )
    .unwrap();
    let shot = dir.join("terrain.png");
    let view = ["view", scene.to_str().unwrap(), "--no-panels", "--screenshot", shot.to_str().unwrap()];
    let o = under_xvfb(&view, &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("building its tileset"), "the terrain was not built: {err}");
    assert_rendered(&shot, 0.5);
    // The relief's colours (saturated blue, green, yellow, brown) fill the ground below the
    // buildings; the plain ground (olive), the grey-white buildings and the sky do not count.
    let (w, h, px) = pixels(&shot);
    let sky = px[0];
    let lower: Vec<[u8; 3]> =
        (h * 3 / 4..h).flat_map(|y| (w / 4..w * 3 / 4).map(move |x| (x, y))).map(|(x, y)| px[y * w + x]).collect();
    let relief = |p: &&[u8; 3]| {
        let sat = p.iter().max().unwrap() - p.iter().min().unwrap();
        sat > 50 && (0..3).any(|i| p[i].abs_diff(sky[i]) >= 12)
    };
    let share = lower.iter().filter(relief).count() as f64 / lower.len() as f64;
    assert!(share > 0.3, "only {:.1}% of the lower middle of the frame shows the imagery", share * 100.0);
    // Opened again: the cached build, not a new one.
    let o = under_xvfb(&view, &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("building its tileset"), "the terrain was built again: {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
