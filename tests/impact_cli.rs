//! `citytwin impact` on a city imported from real data (Helsinki's OSM extract): alerts written
//! here around parts of it give the affected-building sets of a brute-force check over the
//! input footprints (inside, and in the 200 m ring); a cancel removes an incident, an expired
//! alert and a file that is not CAP are reported and the rest still counts; the JSON line sums
//! it up.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use city_core::{EnuFrame, Geodetic, ecef_from_geodetic};
use geo::{Area, Coord, Distance, Euclidean, Intersects, LineString, MapCoords, MultiPolygon, Polygon};

fn alert(id: &str, msg_type: &str, references: &str, expires: &str, area: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n<identifier>{id}</identifier>\n\
         <sender>ops@helsinki.test</sender>\n<sent>2026-11-30T08:00:00+00:00</sent>\n<status>Actual</status>\n\
         <msgType>{msg_type}</msgType>\n<scope>Public</scope>\n{references}<info>\n<category>Fire</category>\n\
         <event>Fire</event>\n<urgency>Immediate</urgency>\n<severity>Severe</severity>\n<certainty>Observed</certainty>\n\
         <expires>{expires}</expires>\n<area>\n<areaDesc>test</areaDesc>\n{area}</area>\n</info>\n</alert>\n"
    )
}

/// Helsinki's OSM extract imported into `DIR/tiles` (a fresh folder per test), the input read
/// here too, and the centre of its vertices with an ENU frame there.
struct Helsinki {
    dir: std::path::PathBuf,
    tiles: std::path::PathBuf,
    imp: cim_import::Imported,
    lon0: f64,
    lat0: f64,
    frame: EnuFrame,
}

fn helsinki(name: &str) -> Helsinki {
    let pbf = city_core::shared_data_file("osm/Helsinki.osm.pbf").unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("citytwin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let tiles = dir.join("tiles");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["import", pbf.to_str().unwrap(), "-o", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "import: {}", String::from_utf8_lossy(&o.stderr));
    let imp = cim_import::Format::OsmPbf.read_all(&pbf, &Default::default()).unwrap();
    let (lons, lats): (Vec<f64>, Vec<f64>) = imp
        .objects
        .iter()
        .flat_map(|o| o.object.footprint.0.iter().flat_map(|p| p.exterior().0.iter().map(|c| (c.x, c.y))))
        .unzip();
    let (lon0, lat0) = (lons.iter().sum::<f64>() / lons.len() as f64, lats.iter().sum::<f64>() / lats.len() as f64);
    let frame = EnuFrame::at(Geodetic::from_deg(lon0, lat0, 0.0));
    Helsinki { dir, tiles, imp, lon0, lat0, frame }
}

#[test]
fn impact_matches_brute_force_on_helsinki() {
    let Helsinki { dir, tiles, imp, lon0, lat0, frame } = helsinki("impact");
    let local = |lon: f64, lat: f64| {
        let e = frame.enu_from_ecef(ecef_from_geodetic(Geodetic::from_deg(lon, lat, 0.0)));
        Coord { x: e[0], y: e[1] }
    };
    let footprints: Vec<(String, MultiPolygon<f64>)> =
        imp.objects.iter().map(|o| (o.object.id.clone(), o.object.footprint.map_coords(|c| local(c.x, c.y)))).collect();

    // A square of about 300 m around the centre, as CAP writes it (lat,lon; closed).
    let (dlat, dlon) = (150.0 / 111_320.0, 150.0 / (111_320.0 * lat0.to_radians().cos()));
    let square = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0)]
        .map(|(a, b)| (lat0 + a * dlat, lon0 + b * dlon));
    let poly_text = square.iter().map(|(la, lo)| format!("{la},{lo}")).collect::<Vec<_>>().join(" ");
    std::fs::write(
        dir.join("fire.xml"),
        alert("F1", "Alert", "", "2026-12-01T00:00:00+00:00", &format!("<polygon>{poly_text}</polygon>\n")),
    )
    .unwrap();
    // A second incident, then its cancellation; an expired one; a file that is not CAP.
    let far = format!("<circle>{},{} 0.1</circle>\n", lat0 + 0.004, lon0);
    std::fs::write(dir.join("smoke.xml"), alert("S1", "Alert", "", "2026-12-01T00:00:00+00:00", &far)).unwrap();
    let refs = "<references>ops@helsinki.test,S1,2026-11-30T08:00:00+00:00</references>\n";
    std::fs::write(dir.join("smoke-cancel.xml"), alert("S2", "Cancel", refs, "2026-12-01T00:00:00+00:00", &far))
        .unwrap();
    std::fs::write(dir.join("old.xml"), alert("O1", "Alert", "", "2026-11-01T00:00:00+00:00", &far)).unwrap();
    std::fs::write(dir.join("atom.xml"), "<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>").unwrap();

    // Facilities: hospitals 300 m east of the square's edge and 1 km north of it, one inside, a
    // school 50 m west, and a pharmacy (not a kind the centre asks for).
    let east = |m: f64| lon0 + dlon + m / (111_320.0 * lat0.to_radians().cos());
    let north = |m: f64| lat0 + dlat + m / 111_320.0;
    let west = |m: f64| lon0 - dlon - m / (111_320.0 * lat0.to_radians().cos());
    let point = |id: &str, tags: &str, lon: f64, lat: f64| {
        format!(
            r#"{{"type":"Feature","id":"{id}","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{{{tags}}}}}"#
        )
    };
    let facilities = [
        point("h-east", r#""amenity":"hospital","name":"East""#, east(300.0), lat0),
        point("h-north", r#""amenity":"hospital","name":"North""#, lon0, north(1000.0)),
        point("h-in", r#""amenity":"hospital","name":"Inside""#, lon0, lat0),
        point("s-west", r#""kind":"school""#, west(50.0), lat0),
        point("pharmacy", r#""amenity":"pharmacy""#, lon0, lat0),
    ];
    let fac = dir.join("facilities.geojson");
    std::fs::write(&fac, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, facilities.join(","))).unwrap();

    let (csv, geojson) = (dir.join("hits.csv"), dir.join("hits.geojson"));
    let mut args: Vec<String> = vec!["impact".into()];
    for f in ["fire.xml", "smoke.xml", "smoke-cancel.xml", "old.xml", "atom.xml"] {
        args.extend(["--alert".into(), dir.join(f).display().to_string()]);
    }
    args.extend(["--objects".into(), tiles.display().to_string(), "--rings".into(), "200".into()]);
    args.extend(["--csv".into(), csv.display().to_string(), "--geojson".into(), geojson.display().to_string()]);
    args.extend(["--at".into(), "2026-11-30T09:00:00Z".into()]);
    args.extend(["--facilities".into(), fac.display().to_string(), "--k".into(), "2".into()]);
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(&args).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("alert S2") && stderr.contains("cancels 1 alerts, 1 incidents removed"), "{stderr}");
    assert!(stderr.contains("alert O1") && stderr.contains("expired"), "{stderr}");
    assert!(stderr.contains("atom.xml") && stderr.contains("not a CAP alert"), "{stderr}");

    // What the CLI found, by place.
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(&csv).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], "1", "one incident left: {line}");
        found.entry(f[2].to_owned()).or_default().insert(f[1].to_owned());
    }
    // Brute force: every footprint against the square, and its distance to it.
    let zone =
        Polygon::new(LineString::from(square.iter().map(|(la, lo)| local(*lo, *la)).collect::<Vec<_>>()), vec![]);
    let (mut inside, mut ring) = (BTreeSet::new(), BTreeSet::new());
    let mut borderline = BTreeSet::new();
    for (id, fp) in &footprints {
        let d = fp.0.iter().map(|p| Euclidean.distance(p, &zone)).fold(f64::INFINITY, f64::min);
        if fp.intersects(&zone) {
            inside.insert(id.clone());
        } else if d <= 200.0 {
            ring.insert(id.clone());
        }
        if d.abs() < 0.05 || (d - 200.0).abs() < 0.05 {
            borderline.insert(id.clone());
        }
    }
    let differ = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.symmetric_difference(b).filter(|id| !borderline.contains(*id)).cloned().collect()
    };
    let none = BTreeSet::new();
    assert!(inside.len() > 10, "{} buildings in the square", inside.len());
    assert!(differ(&inside, found.get("inside").unwrap_or(&none)).is_empty(), "inside differs");
    assert!(differ(&ring, found.get("200").unwrap_or(&none)).is_empty(), "the 200 m ring differs");

    // Nearest first, distances from the zone's edge (0 inside), two of each kind. The places
    // were set with 111,320 m a degree (times cos lat): within 1% of the ellipsoid's metres.
    let metres_after = |text: &str, label: &str| -> f64 {
        let at = text.find(label).unwrap_or_else(|| panic!("{label} in {text}")) + label.len();
        text[at..].split(" m").next().unwrap().trim().parse().unwrap()
    };
    let line = stdout.lines().find(|l| l.contains("nearest hospital")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("nearest hospital: Inside (h-in) 0 m, East (h-east)"), "{line}");
    assert!((metres_after(line, "East (h-east)") - 300.0).abs() < 3.0, "{line}");
    assert!(!line.contains("North"), "k = 2: {line}");
    assert!((metres_after(&stdout, "nearest school: s-west (s-west)") - 50.0).abs() < 0.5, "{stdout}");
    assert!(!stdout.contains("pharmacy"), "{stdout}");

    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(json["facilities"], 3, "h-in, h-east, s-west: {stdout}");
    assert_eq!(json["incidents"], 1, "{stdout}");
    assert_eq!(json["buildings"].as_u64().unwrap() as usize, found["inside"].len());
    // People, estimated by hand from the OSM tags as the README documents it: footprint x
    // storeys (`building:levels`, else height / 3 m) / floor area per person of the use.
    let m2_per_person = |tags: &city_core::Attributes| {
        let text = |k: &str| {
            tags.get(k).map(|v| v.to_json().as_str().map(str::to_owned).unwrap_or_else(|| v.to_json().to_string()))
        };
        let value = text("building:use").or_else(|| text("building").filter(|b| b != "yes")).unwrap_or_default();
        match value.as_str() {
            "apartments" | "residential" | "house" | "detached" | "dormitory" => 40.0,
            "office" | "commercial" | "public" | "government" | "civic" => 15.0,
            "retail" | "kiosk" | "hotel" | "supermarket" => 20.0,
            "school" | "university" | "kindergarten" | "college" => 10.0,
            "hospital" | "clinic" => 25.0,
            "industrial" => 50.0,
            "shed" | "garage" | "warehouse" | "parking" => 100.0,
            _ => 30.0,
        }
    };
    let by_id: BTreeMap<&str, &cim_import::ImportedObject> =
        imp.objects.iter().map(|o| (o.object.id.as_str(), o)).collect();
    let (mut people, mut uses) = (0.0, BTreeSet::new());
    for id in &found["inside"] {
        let o = &by_id[id.as_str()].object;
        let area: f64 = o.footprint.map_coords(|c| local(c.x, c.y)).unsigned_area();
        let levels = o
            .attributes
            .get("building:levels")
            .and_then(|v| v.to_json().as_str().and_then(|t| t.parse::<f64>().ok()).or_else(|| v.to_json().as_f64()));
        let storeys = levels.filter(|l| *l >= 1.0).unwrap_or_else(|| ((o.z_max_m - o.z_min_m) / 3.0).round()).max(1.0);
        let density = m2_per_person(&o.attributes);
        uses.insert(density as i64);
        people += area * storeys / density;
    }
    let cli = json["people"].as_f64().unwrap();
    assert!(uses.len() >= 2, "the square holds buildings of one use only: {uses:?}");
    assert!((cli - people).abs() <= 0.01 * people + 1.0, "people: the CLI says {cli:.0}, by hand {people:.0}");
    let gj: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let features = gj["features"].as_array().unwrap();
    assert_eq!(features.len(), found.values().map(BTreeSet::len).sum::<usize>());
    let c = &features[0]["geometry"]["coordinates"][0][0][0];
    assert!((c[0].as_f64().unwrap() - lon0).abs() < 0.05 && (c[1].as_f64().unwrap() - lat0).abs() < 0.05, "WGS84: {c}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A scene's scenarios are incidents too: a fire of 120 m radius at the centre of the Helsinki
/// extract hits exactly the buildings a brute-force distance check finds (the circle is drawn
/// as a 64-gon: buildings within 0.5 m of its edge may go either way); one 55 km away is said to
/// lie outside the city.
#[test]
fn scene_scenarios_are_incidents() {
    let Helsinki { dir, tiles, imp, lon0, lat0, frame } = helsinki("impact-scene");
    let scene = dir.join("drill.toml");
    std::fs::write(
        &scene,
        format!(
            "name = \"drill\"\n[camera]\nlon_deg = {lon0}\nlat_deg = {lat0}\ndistance_m = 900\n\
             [[incidents]]\nname = \"warehouse fire\"\nkind = \"fire\"\nlon_deg = {lon0}\nlat_deg = {lat0}\nradius_m = 120\n\
             [[incidents]]\nname = \"elsewhere\"\nkind = \"gas_leak\"\nlon_deg = {}\nlat_deg = {lat0}\nradius_m = 50\n",
            lon0 + 1.0
        ),
    )
    .unwrap();
    let csv = dir.join("hits.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["impact", "--scene", scene.to_str().unwrap(), "--objects", tiles.to_str().unwrap()])
        .args(["--rings", "100", "--csv", csv.to_str().unwrap()])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("incident 1: Fire (Severe"), "{stdout}");
    // An incident 55 km east of the extract: said to lie outside the city; the fire still counts.
    assert!(
        stderr.contains("incident 2: no building of the loaded city") && stderr.contains("outside the city"),
        "{stderr}"
    );
    let found: BTreeSet<String> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(",inside"))
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .collect();
    let centre = geo::Point::new(0.0, 0.0);
    let (mut expected, mut edge) = (BTreeSet::new(), BTreeSet::new());
    for o in &imp.objects {
        let fp = o.object.footprint.map_coords(|c| {
            let e = frame.enu_from_ecef(ecef_from_geodetic(Geodetic::from_deg(c.x, c.y, 0.0)));
            Coord { x: e[0], y: e[1] }
        });
        let d = fp.0.iter().map(|p| Euclidean.distance(&centre, p)).fold(f64::INFINITY, f64::min);
        if d <= 120.0 {
            expected.insert(o.object.id.clone());
        }
        if (d - 120.0).abs() < 0.5 {
            edge.insert(o.object.id.clone());
        }
    }
    let differ: Vec<&String> = expected.symmetric_difference(&found).filter(|id| !edge.contains(*id)).collect();
    assert!(expected.len() > 5 && differ.is_empty(), "{} expected, differ {differ:?}", expected.len());
    // Without alerts or scenarios there is nothing to do, and it says so.
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["impact", "--objects", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("nothing to analyse"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Numazu's flood extents as hazard zones against Helsinki: three incidents, read and analysed,
/// and each reported as lying outside the loaded city.
#[test]
fn hazard_zones_outside_the_city_are_reported() {
    let Helsinki { dir, tiles, .. } = helsinki("hazard");
    let fld = city_core::shared_data_file("citygml/plateau/numazu-shi/udx/fld/52385721_fld_6697_l1_op.gml")
        .unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["impact", "--hazard", fld.to_str().unwrap(), "--objects", tiles.to_str().unwrap()])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("3 zones"), "{stderr}");
    assert_eq!(stderr.matches("outside the city").count(), 3, "{stderr}");
    assert!(stdout.contains("river flood (L1) (Severe, Future)") && !stdout.contains("-0 people"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!((json["incidents"].as_u64(), json["buildings"].as_u64()), (Some(3), Some(0)), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
