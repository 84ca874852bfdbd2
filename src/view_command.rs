//! `citytwin view`: opens the viewer on a scene file, a tileset, or the built-in demo city.
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use city_bevy::bevy::prelude::*;
use city_bevy::orbit_camera::{Orbit, VIEW_FOV_Y};
use city_bevy::{CityViewerPlugin, ViewerStart};
use city_core::{Bookmark, CameraPose, Geodetic, Scene, SceneTileset, StyleMode, StyleRule};
use city_tiles::{ContentLoader, FileLoader, HttpLoader, StreamOptions, TileTree, TilesetJson};

pub use crate::view_args::ViewArgs;

/// Opens the viewer and runs until the window closes (or the script exits).
pub fn run(args: ViewArgs) -> Result<()> {
    run_with(args, None)
}

/// `citytwin bench`: the viewer with a recording or a replay of its camera path.
pub fn bench(args: crate::bench_args::BenchArgs) -> Result<()> {
    use city_bevy::bench::{BenchMode, read_recording};
    let mode = match (&args.record, &args.replay) {
        (Some(path), _) => BenchMode::Record(path.clone()),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let frames = read_recording(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if let Some(d) = args.duration.filter(|d| !(d.is_finite() && *d > 0.0)) {
                bail!("--duration {d}: give a number of seconds above 0");
            }
            if args.sensors.is_some() && frames.iter().all(|f| f.sensors.is_empty()) {
                eprintln!(
                    "warning: {} holds no sensor ticks, so the sensors will not update: record with --sensors too",
                    path.display()
                );
            }
            BenchMode::Replay { path: path.clone(), frames, duration_s: args.duration }
        }
        (None, None) => bail!("give --record FILE or --replay FILE"),
    };
    run_with(args.view(), Some(mode))
}

/// The viewer, with a bench run when `bench` is given.
fn run_with(args: ViewArgs, bench: Option<city_bevy::bench::BenchMode>) -> Result<()> {
    // Without a display winit panics deep inside; say what is needed instead.
    if let Err(e) = x11rb::connect(None) {
        bail!(
            "no display ({e}): the viewer needs an X11 display (DISPLAY={:?}). On a machine without one, run it under \
             xvfb-run -a -s \"-screen 0 1280x720x24\" citytwin view ...",
            std::env::var("DISPLAY").unwrap_or_default()
        );
    }
    let pair = |text: &str, what: &str, example: &str| {
        text.split_once('x')
            .and_then(|(a, b)| Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)))
            .filter(|(a, b)| *a > 0 && *b > 0)
            .with_context(|| format!("{what} {text:?}: expected {example}"))
    };
    let (mut w, mut h) = pair(&args.size, "--size", "WIDTHxHEIGHT, e.g. 1280x720")?;
    // Fullscreen takes the monitor's size (also where no window manager would resize it).
    let mut origin = IVec2::ZERO;
    if let Some(n) = args.fullscreen {
        let m = monitor(n)?;
        (origin, w, h) = (IVec2::new(m.0, m.1), m.2, m.3);
    }
    let (cols, rows) = match &args.wall {
        Some(text) => pair(text, "--wall", "COLSxROWS, e.g. 3x2")?,
        None => (1, 1),
    };
    let wall =
        city_bevy::wall_view::WallLayout { cols, rows, size: UVec2::new(w, h), fullscreen_monitor: args.fullscreen };
    let mut scene = match &args.target {
        None => demo_scene()?,
        Some(p) if p.extension().is_some_and(|e| e == "toml") => Scene::read(p)?,
        Some(p) => {
            // The first view frames the tileset in the window (each half in split mode).
            let halves = if args.split.is_some() { 2.0 } else { 1.0 };
            tileset_scene(p, (cols * w) as f64 / ((rows * h) as f64 * halves))?
        }
    };
    for t in &mut scene.tilesets {
        if t.path == Path::new("demo") {
            t.path = citytwin::demo_city::demo_tileset()?;
        }
    }
    // The ground first: terrain tilesets, built from DEMs or point clouds where the scene names
    // those.
    let ground = citytwin::scene_ground::ground_tilesets(&scene)?;
    scene.tilesets.splice(0..0, ground);
    let camera_override = match &args.look_at_feature {
        Some(id) => {
            let first = scene.tilesets.first().context("--look-at-feature needs a tileset")?;
            Some(look_at_feature(&first.path, id)?)
        }
        None => None,
    };
    let click = match args.click.as_deref() {
        None => None,
        Some("center" | "centre") => Some(Vec2::new(w as f32 / 2.0, h as f32 / 2.0)),
        Some(xy) => {
            let (x, y) = xy.split_once(',').with_context(|| format!("--click {xy:?}: expected X,Y or center"))?;
            Some(Vec2::new(x.trim().parse().context("--click x")?, y.trim().parse().context("--click y")?))
        }
    };
    let stream = StreamOptions {
        memory_budget_bytes: args.memory_mib << 20,
        frame_budget_ms: args.frame_budget_ms,
        ..Default::default()
    };
    let imagery = imagery_switch(&scene, stream);
    let title = format!("CityTwin: {}", scene.name);
    let split = args.split.as_deref().map(split_style).transpose()?;
    if split.is_some() && wall.is_wall() {
        bail!("--split and --wall together: choose one (a wall shows one view across its screens)");
    }
    let iot = iot_start(&scene, &args)?;
    let incidents = crate::incident_start::incident_start(
        &scene,
        &crate::incident_start::IncidentOptions {
            alerts: args.alerts.clone(),
            hazards: args.hazards.clone(),
            facilities: args.facilities.clone(),
        },
    )?;
    let start = ViewerStart {
        scene,
        stream,
        screenshot: args.screenshot.clone(),
        click,
        tour: args.tour,
        hold_s: args.hold,
        camera_override,
        iot,
        incidents,
        wall,
        panels: !args.no_panels,
        globe: !args.no_globe,
        split,
        bim: city_bevy::bim_filter::BimFilter {
            top_storey_m: args.top_storey,
            hidden: args.hide_class.clone(),
            xray: args.xray_class.clone(),
        },
        bench,
        imagery,
    };
    let exit = App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title,
                resolution: city_bevy::bevy::window::WindowResolution::new(w, h),
                mode: wall.mode(0),
                position: if wall.is_wall() || args.fullscreen.is_some() {
                    city_bevy::bevy::window::WindowPosition::At(origin)
                } else {
                    city_bevy::bevy::window::WindowPosition::Automatic
                },
                ..default()
            }),
            ..default()
        }))
        .insert_resource(city_bevy::bevy::winit::WinitSettings::continuous())
        .add_plugins(city_bevy::bevy_egui::EguiPlugin::default())
        .add_plugins(city_bevy::bevy::diagnostic::FrameTimeDiagnosticsPlugin::default())
        .add_plugins(CityViewerPlugin(start))
        .run();
    if let AppExit::Error(code) = exit {
        bail!("the viewer exited with code {code}");
    }
    // On a wall, each screen's picture is NAME-COL-ROW.png.
    let written = args
        .screenshot
        .as_deref()
        .map(|p| if wall.is_wall() { city_bevy::viewer_script::wall_file(p, 0, 0) } else { p.to_owned() });
    if let Some(p) = &written
        && !p.is_file()
    {
        bail!("the viewer closed before the screenshot {} was written", p.display());
    }
    Ok(())
}

/// `--split`'s style: `none`, `ATTRIBUTE`, or `ATTRIBUTE:MIN..MAX`.
fn split_style(text: &str) -> Result<city_bevy::split_view::SplitStart> {
    let style = match text.split_once(':') {
        _ if text == "none" => None,
        None if !text.is_empty() => Some(StyleRule { attribute: text.to_owned(), mode: StyleMode::Categories }),
        Some((attribute, range)) if !attribute.is_empty() => {
            let (min, max) = range
                .split_once("..")
                .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)))
                .filter(|(a, b)| a < b)
                .with_context(|| {
                    format!("--split {text:?}: expected ATTRIBUTE:MIN..MAX with MIN < MAX, e.g. height:0..60")
                })?;
            Some(StyleRule { attribute: attribute.to_owned(), mode: StyleMode::Ramp { min, max } })
        }
        _ => bail!("--split {text:?}: expected none, ATTRIBUTE or ATTRIBUTE:MIN..MAX"),
    };
    Ok(city_bevy::split_view::SplitStart { style })
}

/// Monitor `n` of the X display: (x, y, width, height) in pixels, from RandR; an error listing
/// the monitors there are when there is no such monitor.
fn monitor(n: usize) -> Result<(i32, i32, u32, u32)> {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::randr::ConnectionExt as _;
    // A display that is still starting (or a server a moment from ready under xvfb-run) can
    // drop the first connection mid-handshake: try a few times before giving up.
    let mut tries = 0;
    let (conn, screen) = loop {
        match x11rb::connect(None) {
            Ok(c) => break c,
            Err(_) if tries < 5 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            Err(e) => return Err(e).context("--fullscreen: no X display"),
        }
    };
    let root = &conn.setup().roots[screen];
    let monitors = conn
        .randr_get_monitors(root.root, true)
        .ok()
        .and_then(|c| c.reply().ok())
        .map(|r| {
            r.monitors
                .iter()
                .map(|m| (i32::from(m.x), i32::from(m.y), u32::from(m.width), u32::from(m.height)))
                .collect()
        })
        .filter(|m: &Vec<_>| !m.is_empty())
        .unwrap_or_else(|| vec![(0, 0, u32::from(root.width_in_pixels), u32::from(root.height_in_pixels))]);
    monitors.get(n).copied().with_context(|| {
        format!(
            "--fullscreen {n}: there is no monitor {n}; this display has {} ({monitors:?}, x, y, width, height)",
            monitors.len()
        )
    })
}

/// The live sensor layer the scene (or `--sensors`) asks for, with its feeds and each sensor's
/// building. A sensor file or replay folder that cannot be read stops here with its name; a
/// broker that cannot be set up (a missing password variable) opens the layer with the reason
/// in its panel.
fn iot_start(scene: &Scene, args: &ViewArgs) -> Result<Option<city_bevy::iot_state::IotStart>> {
    use city_layers::{IotLayer, MqttSettings, Replay};
    let iot = match args.sensors {
        Some(0) => return Ok(None),
        Some(n) => grid_sensors(n, Geodetic::from_deg(scene.camera.lon_deg, scene.camera.lat_deg, 0.0)),
        None => match &scene.iot {
            Some(iot) => iot.clone(),
            None => return Ok(None),
        },
    };
    let mut layer = IotLayer::from_scene(&iot).context("the scene's [iot] table")?;
    let mut error = None;
    let mqtt = match iot.feed {
        city_core::FeedKind::Mqtt => {
            match MqttSettings::from_scene(&iot, None, &format!("citytwin-view-{}", std::process::id())) {
                Ok(s) => Some(s),
                Err(e) => {
                    error = Some(e.to_string());
                    None
                }
            }
        }
        city_core::FeedKind::Simulator => None,
    };
    let replay = args.replay.as_deref().map(Replay::read_dir).transpose().context("--replay")?;
    // The building holding each sensor, from the first tileset's features.csv when it has one.
    let containers =
        match scene.tilesets.first().map(|t| t.path.clone()).filter(|p| p.join(city_tiles::FEATURES_FILE).is_file()) {
            Some(dir) => citytwin::sensor_buildings::sensor_buildings(&mut layer, &dir).unwrap_or_else(|e| {
                warn!("sensors not joined to buildings: {e:#}");
                Vec::new()
            }),
            None => Vec::new(),
        };
    Ok(Some(city_bevy::iot_state::IotStart {
        layer,
        containers,
        simulator: iot.feed == city_core::FeedKind::Simulator,
        replay,
        mqtt,
        error,
        selected: args.select_sensor.clone(),
    }))
}

/// `n` air-temperature sensors on a square grid 60 m apart around `centre` (`--sensors`), with
/// the demo's heat alarm.
fn grid_sensors(n: usize, centre: Geodetic) -> city_core::SceneIot {
    use city_core::{SceneIot, SceneRule, SceneSensor, SensorKind};
    let side = (n as f64).sqrt().ceil() as usize;
    let step = 60.0;
    let m_per_deg_lon = 111_320.0 * centre.lat_deg.to_radians().cos();
    let sensors = (0..n)
        .map(|k| {
            let (i, j) = ((k % side) as f64, (k / side) as f64);
            let half = (side as f64 - 1.0) / 2.0;
            SceneSensor {
                id: format!("grid-{k}"),
                name: None,
                kind: SensorKind::AirTemperature,
                lon_deg: centre.lon_deg + (i - half) * step / m_per_deg_lon,
                lat_deg: centre.lat_deg + (j - half) * step / 111_320.0,
            }
        })
        .collect();
    SceneIot {
        sensors,
        rules: vec![SceneRule {
            kind: SensorKind::AirTemperature,
            above: Some(35.0),
            below: None,
            clear: 33.0,
            zone: None,
        }],
        ..Default::default()
    }
}

/// The demo city's scene: camera, bookmarks, a height ramp.
fn demo_scene() -> Result<Scene> {
    let dir = citytwin::demo_city::demo_tileset()?;
    let c = citytwin::demo_city::centre();
    let pose = |de: f64, dn: f64, distance_m: f64, heading_deg: f64, pitch_deg: f64| {
        // Offsets in metres from the centre (degrees at this latitude: close enough to aim).
        let lat = c.lat_deg + dn / 111_320.0;
        let lon = c.lon_deg + de / (111_320.0 * c.lat_deg.to_radians().cos());
        CameraPose { lon_deg: lon, lat_deg: lat, height_m: 0.0, distance_m, heading_deg, pitch_deg }
    };
    Ok(Scene {
        name: "Zhuhai demo city".into(),
        tilesets: vec![SceneTileset { name: "demo city".into(), path: dir, visible: true, ground_opacity: None }],
        terrain: Vec::new(),
        imagery: Vec::new(),
        camera: pose(0.0, 0.0, 2_600.0, 25.0, 38.0),
        bookmarks: vec![
            Bookmark { name: "Centre: towers".into(), pose: pose(0.0, 0.0, 700.0, 35.0, 30.0) },
            Bookmark { name: "Xiangzhou: residential".into(), pose: pose(950.0, 400.0, 450.0, 200.0, 35.0) },
            Bookmark { name: "Doumen: houses (LoD2)".into(), pose: pose(-1_650.0, -1_300.0, 160.0, 60.0, 35.0) },
            Bookmark { name: "Overview".into(), pose: pose(0.0, 0.0, 7_000.0, 0.0, 70.0) },
        ],
        style: Some(StyleRule { attribute: "height".into(), mode: StyleMode::Ramp { min: 0.0, max: 120.0 } }),
        iot: Some(demo_sensors()),
        incidents: Vec::new(),
        emergency: None,
    })
}

/// The demo's live sensors: 1,200 air-temperature sensors on a grid over the city and 120 car
/// parks, fed by the built-in simulator; alarms on heat (35 C, cleared at 33) and full car parks.
fn demo_sensors() -> city_core::SceneIot {
    use city_core::{SceneIot, SceneRule, SceneSensor, SensorKind};
    let c = citytwin::demo_city::centre();
    let deg =
        |de: f64, dn: f64| (c.lon_deg + de / (111_320.0 * c.lat_deg.to_radians().cos()), c.lat_deg + dn / 111_320.0);
    let mut sensors = Vec::new();
    for i in 0..40 {
        for j in 0..30 {
            let (lon, lat) = deg(-1_900.0 + 97.0 * f64::from(i), -1_600.0 + 107.0 * f64::from(j));
            sensors.push(SceneSensor {
                id: format!("temp-{i}-{j}"),
                name: None,
                kind: SensorKind::AirTemperature,
                lon_deg: lon,
                lat_deg: lat,
            });
        }
    }
    for k in 0..120 {
        let (lon, lat) = deg(-1_800.0 + 300.0 * f64::from(k % 12), -1_500.0 + 300.0 * f64::from(k / 12));
        sensors.push(SceneSensor {
            id: format!("carpark-{k}"),
            name: Some(format!("car park {k}")),
            kind: SensorKind::Vacancy,
            lon_deg: lon,
            lat_deg: lat,
        });
    }
    SceneIot {
        sensors,
        rules: vec![
            SceneRule { kind: SensorKind::AirTemperature, above: Some(35.0), below: None, clear: 33.0, zone: None },
            SceneRule { kind: SensorKind::Vacancy, above: None, below: Some(0.0), clear: 5.0, zone: None },
        ],
        ..Default::default()
    }
}

/// A scene for one tileset, the camera framing its root volume in a view of width/height
/// `aspect` (centred, filling it: `Orbit::framing`).
fn tileset_scene(path: &Path, aspect: f64) -> Result<Scene> {
    let text = path.to_string_lossy();
    let (loader, root): (Box<dyn ContentLoader>, String) = if text.contains("://") {
        let (l, root) = HttpLoader::for_tileset(
            &text,
            Some(city_bevy::tile_layers::http_cache()),
            std::time::Duration::from_secs(30),
        );
        (Box::new(l), root)
    } else {
        let (l, root) = FileLoader::for_tileset(path)?;
        (Box::new(l), root)
    };
    let json = TilesetJson::parse(&loader.load(&root)?, &root)?;
    let tree = TileTree::from_tileset(&json, &root)?;
    let t = tree.get(tree.root());
    let name = path
        .components()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .find(|c| !c.is_empty() && c != "tileset.json")
        .unwrap_or_else(|| "tileset".into());
    let framed = Orbit::framing(&t.bounds.corners(), 0.0, 50f64.to_radians(), VIEW_FOV_Y, aspect);
    let camera = CameraPose {
        lon_deg: framed.target.lon_deg,
        lat_deg: framed.target.lat_deg,
        height_m: framed.target.height_m,
        distance_m: framed.distance_m,
        heading_deg: 0.0,
        pitch_deg: 50.0,
    };
    Ok(Scene {
        name: name.clone(),
        tilesets: vec![SceneTileset { name, path: path.to_owned(), visible: true, ground_opacity: None }],
        terrain: Vec::new(),
        imagery: Vec::new(),
        camera,
        bookmarks: Vec::new(),
        style: None,
        iot: None,
        incidents: Vec::new(),
        emergency: None,
    })
}

/// Straight down over one feature of an imported tileset, from its feature table: above the
/// centre of its footprint's first ring, at its top.
fn look_at_feature(tileset: &Path, id: &str) -> Result<Orbit> {
    let dir = if tileset.is_dir() { tileset.to_owned() } else { tileset.parent().unwrap_or(Path::new(".")).to_owned() };
    let table = city_tiles::TilesetFeatures::read(&dir)?;
    let row = table.row(id).with_context(|| format!("feature {id:?} is not in {}", table.file.display()))?;
    let c = row.footprint_centre().with_context(|| format!("feature {id:?} has no footprint"))?;
    let target = table.geodetic_of([c[0], c[1], row.max_z_m]);
    Ok(Orbit { target, distance_m: 120.0, heading: 0.0, pitch: std::f64::consts::FRAC_PI_2 })
}

/// The scene's imagery layers as the layers panel's switches, when there is terrain to drape
/// them on: a new choice builds the terrain with it (or finds the build in the cache).
fn imagery_switch(scene: &Scene, stream: StreamOptions) -> Option<Arc<city_bevy::imagery_switch::ImagerySwitchStart>> {
    if !citytwin::scene_ground::imagery_switchable(scene) {
        return None;
    }
    let for_builds = scene.clone();
    Some(Arc::new(city_bevy::imagery_switch::ImagerySwitchStart {
        names: scene.imagery.iter().map(|i| i.name.clone()).collect(),
        shown: scene.imagery.iter().map(|i| i.visible).collect(),
        builder: Arc::new(move |shown: &[bool]| {
            citytwin::scene_ground::ground_tilesets_with(&for_builds, shown).map_err(|e| format!("{e:#}"))
        }),
        stream,
    }))
}
