//! Scene files: what the viewer opens (tilesets, start camera, bookmarks on keys 1-9, the
//! style), in TOML (ADR 0004: people edit these by hand, with comments). Paths are relative to
//! the scene file.
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::CoreError;

/// A whole scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scene {
    /// Shown in the window title and the layers panel.
    pub name: String,
    /// The tilesets to stream, in drawing order.
    #[serde(default)]
    pub tilesets: Vec<SceneTileset>,
    /// The ground: terrain tilesets, or DEMs and point clouds to build them from.
    #[serde(default)]
    pub terrain: Vec<crate::SceneTerrain>,
    /// Imagery draped on the terrain built from DEMs and point clouds, bottom first.
    #[serde(default)]
    pub imagery: Vec<crate::SceneImagery>,
    /// Where the camera starts.
    pub camera: CameraPose,
    /// Keys 1 to 9 fly to these, in order.
    #[serde(default)]
    pub bookmarks: Vec<Bookmark>,
    /// How features are coloured at start.
    #[serde(default)]
    pub style: Option<StyleRule>,
    /// Live sensors: feed, sensors, rules.
    #[serde(default)]
    pub iot: Option<crate::SceneIot>,
    /// Incident scenarios (exercises, planning cases).
    #[serde(default)]
    pub incidents: Vec<crate::SceneIncident>,
    /// Alert sources, facilities and rings for the emergency layer.
    #[serde(default)]
    pub emergency: Option<crate::SceneEmergency>,
}

/// One tileset of a scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneTileset {
    /// Its name in the layers panel.
    pub name: String,
    /// A `tileset.json`, or a folder holding one, relative to the scene file; an `http(s)://`
    /// URL of a `tileset.json`; or `"demo"`, the built-in demo city.
    pub path: PathBuf,
    /// Shown at start (default true).
    #[serde(default = "yes")]
    pub visible: bool,
    /// For terrain (from a `[[terrain]]` table, not written in `[[tilesets]]`): its ground's
    /// opacity.
    #[serde(skip)]
    pub ground_opacity: Option<f32>,
}

fn yes() -> bool {
    true
}

/// A camera orbiting a point on the globe.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraPose {
    /// The point looked at: longitude, degrees.
    pub lon_deg: f64,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Its height above the ellipsoid, metres.
    #[serde(default)]
    pub height_m: f64,
    /// Distance from the eye to that point, metres.
    pub distance_m: f64,
    /// Compass direction the camera looks towards, degrees clockwise from north.
    #[serde(default)]
    pub heading_deg: f64,
    /// Angle below the horizon, degrees (90: straight down).
    #[serde(default = "default_pitch")]
    pub pitch_deg: f64,
}

fn default_pitch() -> f64 {
    45.0
}

/// A named camera pose.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bookmark {
    /// Shown in the panel.
    pub name: String,
    /// Where.
    #[serde(flatten)]
    pub pose: CameraPose,
}

/// Colour features by an attribute. (Not `deny_unknown_fields`: serde cannot combine it with
/// the flattened, tagged mode.)
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StyleRule {
    /// The attribute (its name in the tiles' property tables).
    pub attribute: String,
    /// Ramp over numbers or colours per category.
    #[serde(flatten)]
    pub mode: StyleMode,
}

/// How values become colours.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum StyleMode {
    /// A blue-to-red ramp from `min` to `max`.
    Ramp {
        /// The value coloured blue.
        min: f64,
        /// The value coloured red.
        max: f64,
    },
    /// One colour per distinct value (up to 12, then grey).
    Categories,
}

impl Scene {
    /// Reads a scene file; tileset paths are made relative to its folder.
    pub fn read(path: &Path) -> Result<Self, CoreError> {
        let text = crate::read_utf8(path).map_err(|e| CoreError::Scene {
            file: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        let mut scene = Self::parse(&text, &path.display().to_string())?;
        let folder = path.parent().unwrap_or(Path::new("."));
        if let Some(iot) = scene.iot.as_mut() {
            let files = iot.hk_car_parks.iter_mut().flatten().chain(&mut iot.sensor_files).chain(&mut iot.ca_file);
            for f in files.filter(|f| f.is_relative()) {
                *f = folder.join(&*f);
            }
        }
        if let Some(em) = scene.emergency.as_mut() {
            for f in em.alerts.iter_mut().chain(&mut em.hazards).chain(&mut em.facilities).filter(|f| f.is_relative()) {
                *f = folder.join(&*f);
            }
        }
        for t in &mut scene.tilesets {
            let url = t.path.to_string_lossy().contains("://");
            if t.path != Path::new("demo") && !url && t.path.is_relative() {
                t.path = folder.join(&t.path);
            }
        }
        for t in &mut scene.terrain {
            if !t.path.to_string_lossy().contains("://") && t.path.is_relative() {
                t.path = folder.join(&t.path);
            }
        }
        for i in scene.imagery.iter_mut().filter(|i| !i.is_url()) {
            if Path::new(&i.source).is_relative() {
                i.source = folder.join(&i.source).to_string_lossy().into_owned();
            }
        }
        Ok(scene)
    }

    /// Parses scene TOML; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, CoreError> {
        let scene: Self = toml::from_str(text).map_err(|e| CoreError::Scene {
            file: file.to_owned(),
            line: e.span().map_or(0, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().to_owned(),
        })?;
        let check = |p: &CameraPose, what: &str| -> Result<(), CoreError> {
            // Written so that NaN fails every test (a NaN heading would make every frame NaN).
            let ok = p.lat_deg.abs() <= 90.0
                && p.lon_deg.abs() <= 360.0
                && p.distance_m > 0.0
                && p.distance_m.is_finite()
                && [p.height_m, p.heading_deg, p.pitch_deg].iter().all(|v| v.is_finite());
            if ok {
                Ok(())
            } else {
                Err(CoreError::Scene {
                    file: file.to_owned(),
                    line: 0,
                    message: format!("{what}: latitude, longitude, distance, height, heading or pitch out of range"),
                })
            }
        };
        check(&scene.camera, "camera")?;
        // The line of the n-th table with this header, for messages.
        let header_line = |name: &str, n: usize| {
            text.lines().enumerate().filter(|(_, l)| l.trim() == name).nth(n).map_or(0, |(i, _)| i + 1)
        };
        for (i, t) in scene.terrain.iter().enumerate() {
            if !(0.0..=1.0).contains(&t.opacity) {
                return Err(CoreError::Scene {
                    file: file.to_owned(),
                    line: header_line("[[terrain]]", i),
                    message: format!("terrain {:?}: opacity {} is not between 0 and 1", t.name, t.opacity),
                });
            }
        }
        for (i, m) in scene.imagery.iter().enumerate() {
            if m.max_zoom.is_some_and(|z| z > 30) {
                return Err(CoreError::Scene {
                    file: file.to_owned(),
                    line: header_line("[[imagery]]", i),
                    message: format!("imagery {:?}: max_zoom above 30", m.name),
                });
            }
        }
        for b in &scene.bookmarks {
            check(&b.pose, &format!("bookmark {:?}", b.name))?;
        }
        if let Some(iot) = &scene.iot {
            for (i, r) in iot.rules.iter().enumerate() {
                let ok = match (r.above, r.below) {
                    (Some(a), None) => r.clear <= a,
                    (None, Some(b)) => r.clear >= b,
                    _ => false,
                };
                if !ok {
                    return Err(CoreError::Scene {
                        file: file.to_owned(),
                        line: header_line("[[iot.rules]]", i),
                        message: format!(
                            "rule {}: give exactly one of above and below, and a clear value on the good side of it",
                            i + 1
                        ),
                    });
                }
            }
            for (i, r) in iot.rules.iter().enumerate() {
                if let Some(zone) = &r.zone {
                    let open = zone.len() - usize::from(zone.len() > 1 && zone.first() == zone.last());
                    let inside = zone.iter().all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0);
                    if open < 3 || !inside {
                        return Err(CoreError::Scene {
                            file: file.to_owned(),
                            line: header_line("[[iot.rules]]", i),
                            message: format!(
                                "rule {}: a zone needs at least 3 distinct [lon, lat] points in degrees",
                                i + 1
                            ),
                        });
                    }
                }
            }
            for (i, m) in iot.mappings.iter().enumerate() {
                let pointer_ok = |p: &Option<String>| p.as_ref().is_none_or(|p| p.starts_with('/'));
                let problem = if m.sensor.is_some() == m.sensor_topic_level.is_some() {
                    Some("give exactly one of sensor (a JSON pointer) and sensor_topic_level")
                } else if !m.value.starts_with('/') || !pointer_ok(&m.sensor) || !pointer_ok(&m.time) {
                    Some("JSON pointers start with / (\"/readings/temp\")")
                } else if !m.scale.is_finite() || !m.offset.is_finite() || m.topic.is_empty() {
                    Some("needs a topic, and finite scale and offset")
                } else {
                    None
                };
                if let Some(p) = problem {
                    return Err(CoreError::Scene {
                        file: file.to_owned(),
                        line: header_line("[[iot.mappings]]", i),
                        message: format!("mapping {}: {p}", i + 1),
                    });
                }
            }
            if iot.password_env.is_some() && iot.username.is_none() {
                return Err(CoreError::Scene {
                    file: file.to_owned(),
                    line: 0,
                    message: "iot: password_env without a username".into(),
                });
            }
            if iot.feed == crate::FeedKind::Mqtt && iot.broker.is_none() {
                return Err(CoreError::Scene {
                    file: file.to_owned(),
                    line: 0,
                    message: "iot: feed = \"mqtt\" needs a broker".into(),
                });
            }
        }
        for (i, inc) in scene.incidents.iter().enumerate() {
            if let Some(p) = inc.problem() {
                let line = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.trim() == "[[incidents]]")
                    .nth(i)
                    .map_or(0, |(n, _)| n + 1);
                return Err(CoreError::Scene {
                    file: file.to_owned(),
                    line,
                    message: format!("incident {:?}: {p}", inc.name),
                });
            }
        }
        if let Some(p) =
            scene.emergency.as_ref().and_then(|e| e.problem(scene.iot.as_ref().is_some_and(|i| i.broker.is_some())))
        {
            let line = text.lines().position(|l| l.trim() == "[emergency]").map_or(0, |n| n + 1);
            return Err(CoreError::Scene { file: file.to_owned(), line, message: format!("emergency: {p}") });
        }
        if scene.bookmarks.len() > 9 {
            return Err(CoreError::Scene {
                file: file.to_owned(),
                line: 0,
                message: "more than 9 bookmarks (keys 1-9)".into(),
            });
        }
        Ok(scene)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terrain_and_imagery_tables_read_and_their_paths_follow_the_scene_file() {
        let dir = std::env::temp_dir().join(format!("citytwin-scene-terrain-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.join("s.toml");
        let text = r#"
name = "Delft"
[[terrain]]
name = "AHN3"
path = "dem/dtm.tif"
crs = "EPSG:28992"
opacity = 0.5
[[imagery]]
name = "relief"
source = "img/relief.mbtiles"
[[imagery]]
name = "OSM"
source = "https://tile.example/{z}/{x}/{y}.png"
attribution = "OpenStreetMap contributors"
max_zoom = 18
visible = false
[camera]
lon_deg = 4.36
lat_deg = 52.0
distance_m = 500
"#;
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        let s = Scene::read(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.terrain.len(), 1);
        assert_eq!(s.terrain[0].path, dir.join("dem/dtm.tif"));
        assert_eq!((s.terrain[0].opacity, s.terrain[0].visible), (0.5, true));
        assert_eq!(s.terrain[0].crs.as_deref(), Some("EPSG:28992"));
        assert_eq!(s.imagery[0].source, dir.join("img/relief.mbtiles").to_string_lossy());
        assert_eq!(s.imagery[1].source, "https://tile.example/{z}/{x}/{y}.png", "a URL is kept as it is");
        assert_eq!(s.imagery[1].max_zoom, Some(18));
        assert_eq!((s.imagery[0].visible, s.imagery[1].visible), (true, false), "imagery is draped unless told");
        // An opacity out of range names the table's line.
        let bad = text.replace("opacity = 0.5", "opacity = 1.5");
        match Scene::parse(&bad, "s.toml") {
            Err(CoreError::Scene { line, message, .. }) => {
                assert_eq!(line, 3, "{message}");
                assert!(message.contains("opacity 1.5"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let bad = text.replace("max_zoom = 18", "max_zoom = 40");
        assert!(Scene::parse(&bad, "s.toml").is_err());
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn a_scene_reads_and_a_bad_one_says_where() {
        let text = r#"
name = "Delft"
[[tilesets]]
name = "buildings"
path = "tiles/delft"
[camera]
lon_deg = 4.36
lat_deg = 52.0
distance_m = 800
[[bookmarks]]
name = "station"
lon_deg = 4.357
lat_deg = 52.0
distance_m = 200
pitch_deg = 30
[style]
attribute = "height"
mode = "ramp"
min = 0
max = 40
"#;
        let s = Scene::parse(text, "delft.toml").unwrap();
        assert_eq!(s.tilesets[0].path, PathBuf::from("tiles/delft"));
        assert!(s.tilesets[0].visible);
        assert_eq!(s.camera.pitch_deg, 45.0);
        assert_eq!(s.bookmarks[0].pose.pitch_deg, 30.0);
        assert_eq!(s.style.unwrap().mode, StyleMode::Ramp { min: 0.0, max: 40.0 });
        let e = Scene::parse("name = \"x\"\n[camera]\nlon_deg = \"east\"\n", "bad.toml").unwrap_err();
        assert!(matches!(&e, CoreError::Scene { line: 3, .. }), "{e}");
        let e = Scene::parse("name = \"x\"\n[camera]\nlon_deg = 1\nlat_deg = 95\ndistance_m = 10\n", "bad.toml")
            .unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
    }

    #[test]
    fn iot_tables_read_and_bad_kinds_and_rules_say_their_line() {
        let base = "name = \"x\"\n[camera]\nlon_deg = 1\nlat_deg = 5\ndistance_m = 10\n";
        let e = Scene::parse(
            &format!("{base}[[iot.sensors]]\nid = \"s\"\nkind = \"humidty\"\nlon_deg = 1\nlat_deg = 5\n"),
            "s.toml",
        )
        .unwrap_err();
        assert!(matches!(&e, CoreError::Scene { line: 8, .. }) && e.to_string().contains("humidty"), "{e}");
        let e =
            Scene::parse(&format!("{base}[[iot.rules]]\nkind = \"water_level\"\nabove = 3.0\nclear = 3.5\n"), "s.toml")
                .unwrap_err();
        assert!(matches!(&e, CoreError::Scene { line: 6, .. }) && e.to_string().contains("good side"), "{e}");
        let e = Scene::parse(&format!("{base}[iot]\nfeed = \"mqtt\"\n"), "s.toml").unwrap_err();
        assert!(e.to_string().contains("needs a broker"), "{e}");
        let ok = Scene::parse(
            &format!(
                "{base}[iot]\nfeed = \"mqtt\"\nbroker = \"localhost:1883\"\ntopics = [\"city/#\"]\n\
                 [[iot.rules]]\nkind = \"vacancy\"\nbelow = 0\nclear = 5\n"
            ),
            "s.toml",
        )
        .unwrap();
        let iot = ok.iot.unwrap();
        assert_eq!((iot.feed, iot.rules[0].below), (crate::FeedKind::Mqtt, Some(0.0)));
        // A geofence of two points, a mapping with neither sensor source, a pointer without /.
        let rule = "[[iot.rules]]\nkind = \"vacancy\"\nbelow = 0\nclear = 5\n";
        let e = Scene::parse(&format!("{base}{rule}{rule}zone = [[1.0, 5.0], [1.1, 5.0]]\n"), "s.toml").unwrap_err();
        assert!(matches!(&e, CoreError::Scene { line: 10, .. }) && e.to_string().contains("rule 2: a zone"), "{e}");
        let e =
            Scene::parse(&format!("{base}[[iot.mappings]]\ntopic = \"a/#\"\nvalue = \"/v\"\n"), "s.toml").unwrap_err();
        assert!(
            matches!(&e, CoreError::Scene { line: 6, .. }) && e.to_string().contains("exactly one of sensor"),
            "{e}"
        );
        let e = Scene::parse(
            &format!("{base}[[iot.mappings]]\ntopic = \"a/#\"\nsensor = \"id\"\nvalue = \"/v\"\n"),
            "s.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("JSON pointers start with /"), "{e}");
        let e = Scene::parse(&format!("{base}[iot]\npassword_env = \"P\"\n"), "s.toml").unwrap_err();
        assert!(e.to_string().contains("without a username"), "{e}");
    }

    #[test]
    fn incident_scenarios_read_and_bad_ones_say_their_line() {
        let base = "name = \"x\"\n[camera]\nlon_deg = 1\nlat_deg = 5\ndistance_m = 10\n";
        let fire = "[[incidents]]\nname = \"fire\"\nkind = \"fire\"\nlon_deg = 1\nlat_deg = 5\nradius_m = 300\n";
        let flood = "[[incidents]]\nname = \"flood\"\nkind = \"flood\"\nwater_level_m = 1.2\n\
                     polygon = [[1.0, 5.0], [1.1, 5.0], [1.1, 5.1]]\n";
        let s = Scene::parse(&format!("{base}{fire}{flood}"), "s.toml").unwrap();
        assert_eq!(s.incidents.len(), 2);
        assert_eq!((s.incidents[0].radius_m, s.incidents[0].severity.as_str()), (Some(300.0), "Severe"));
        assert_eq!(s.incidents[1].water_level_m, Some(1.2));
        let both = format!("{base}{fire}{flood}polygon = [[1.0, 5.0], [1.1, 5.0], [1.1, 5.1]]\n")
            .replace("water_level_m = 1.2\npolygon", "lon_deg = 1\npolygon");
        let e = Scene::parse(&both, "s.toml").unwrap_err();
        assert!(e.to_string().contains("not both") || e.to_string().contains("duplicate"), "{e}");
        let e =
            Scene::parse(&format!("{base}{fire}").replace("radius_m = 300", "radius_m = -3"), "s.toml").unwrap_err();
        assert!(matches!(&e, CoreError::Scene { line: 6, .. }) && e.to_string().contains("out of range"), "{e}");
        let e = Scene::parse(&format!("{base}{fire}kind2 = 1\n"), "s.toml").unwrap_err();
        assert!(e.to_string().contains("kind2"), "{e}");
        let e = Scene::parse(&format!("{base}[emergency]\nrings_m = [1000, 500]\n"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("rings_m") && e.contains("s.toml"), "{e}");
        let e =
            Scene::parse(&format!("{base}[emergency]\nmqtt_topic = \"cap/#\"\n"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("broker"), "{e}");
        let e = Scene::parse(&format!("{base}[emergency]\nfeeds = [\"ftp://x\"]\n"), "s.toml").unwrap_err().to_string();
        assert!(e.contains("ftp://x"), "{e}");
        let ok = Scene::parse(
            &format!("{base}[emergency]\nalerts = [\"a.xml\"]\nfeeds = [\"https://h/f.xml\"]\n"),
            "s.toml",
        )
        .unwrap();
        let em = ok.emergency.unwrap();
        assert_eq!((em.rings_m.len(), em.nearest, em.poll_s), (3, 3, 60.0));
    }

    #[test]
    fn nan_in_a_camera_or_an_incident_polygon_is_refused() {
        let base = "name = \"x\"\n[camera]\nlon_deg = 1\nlat_deg = 5\ndistance_m = 10\n";
        for (what, text) in [
            ("camera heading", format!("{base}heading_deg = nan\n")),
            ("camera height", format!("{base}height_m = inf\n")),
            ("camera latitude", base.replace("lat_deg = 5", "lat_deg = nan")),
            (
                "incident polygon",
                format!(
                    "{base}[[incidents]]\nname = \"f\"\nkind = \"flood\"\npolygon = [[1.0, 5.0], [nan, 5.0], [1.1, 5.1]]\n"
                ),
            ),
        ] {
            let e = Scene::parse(&text, "s.toml").unwrap_err().to_string();
            assert!(e.contains("s.toml") && (e.contains("out of range") || e.contains("degrees")), "{what}: {e}");
        }
    }
}
