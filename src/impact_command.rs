//! `citytwin impact`: CAP alerts against an imported city. Reads the alerts in order (updates
//! and cancels applied, expired ones logged), computes every incident's impact at once through
//! the index, prints a summary for people and ends with one JSON line for scripts; optionally
//! writes the affected objects as GeoJSON (WGS84) and CSV.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use city_core::{Geodetic, ecef_from_geodetic, geodetic_from_ecef};
use city_layers::{CapAlert, Impact, Incidents, PeopleModel, impacts, project_zone};
use geo::Contains;

use citytwin::query_io::{ObjectGeometry, read_objects};

/// The options of `citytwin impact`.
#[derive(clap::Args, Debug, Clone)]
pub struct ImpactArgs {
    /// CAP 1.0/1.1/1.2 alert files, applied in the order given (an update replaces what it
    /// references, a cancel removes it). Optional when the scene has scenarios.
    #[arg(long = "alert")]
    pub alerts: Vec<PathBuf>,
    /// Hazard layers whose zones are incidents too: PLATEAU flood-risk extents
    /// (`udx/fld/*.gml`), GeoJSON polygons, or a tileset folder's `hazards.geojson`. The
    /// `--objects` tileset's own hazard zones (imported from `fld` files) are always read.
    #[arg(long = "hazard")]
    pub hazards: Vec<PathBuf>,
    /// A tileset folder written by `citytwin import` (its features.csv and tileset.json).
    #[arg(long)]
    pub objects: PathBuf,
    /// Rings around each zone, metres, ascending.
    #[arg(long, value_delimiter = ',', default_value = "500,1000,2000")]
    pub rings: Vec<f64>,
    /// A scene whose `[[incidents]]` scenarios are added to the alerts' incidents, and whose
    /// `[iot]` sensors are counted inside each zone (with their alarms).
    #[arg(long)]
    pub scene: Option<PathBuf>,
    /// Write the affected objects (inside and in rings) as GeoJSON, WGS84.
    #[arg(long)]
    pub geojson: Option<PathBuf>,
    /// Write `incident,object,where` rows (where: inside, or the ring's distance).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Facilities (GeoJSON points tagged `amenity=hospital|fire_station|school|shelter`,
    /// `emergency=assembly_point`, or with a `kind`): the nearest of each kind are listed.
    #[arg(long)]
    pub facilities: Option<PathBuf>,
    /// How many of each kind of facility to list per incident.
    #[arg(long, default_value_t = 3)]
    pub k: usize,
    /// The time the alerts are judged at (ISO 8601; default now): expired ones are not shown.
    #[arg(long)]
    pub at: Option<String>,
}

/// Runs `citytwin impact`.
pub fn run(args: &ImpactArgs) -> Result<()> {
    let now_ms = match &args.at {
        Some(t) => city_layers::parse_iso_ms(t).with_context(|| format!("--at {t:?}: not an ISO 8601 time"))?,
        None => city_core::now_ms(),
    };
    let mut incidents = Incidents::default();
    for path in &args.alerts {
        // A bad file is reported and the others still count.
        match CapAlert::read(path) {
            Ok(alert) => {
                incidents.apply(&alert, now_ms);
            }
            Err(e) => incidents.log.push(format!("{e}")),
        }
    }
    // The tileset's own hazard zones (imported PLATEAU flood extents) are read first; they
    // are features of the tileset, but not what they threaten (city_layers::own_zone_ids).
    let own = city_layers::own_hazards_file(&args.objects);
    let mut read = Vec::new();
    for path in own.iter().chain(&args.hazards) {
        let name = path.display().to_string();
        match city_layers::read_hazards(path) {
            Ok((zones, warnings)) => {
                incidents.log.extend(warnings);
                if Some(path) == own.as_ref() {
                    eprintln!("{} hazard zones from {name}", zones.len());
                }
                incidents.add_hazards(&name, &zones);
                read.push((path.as_path(), zones));
            }
            Err(e) => incidents.log.push(e.to_string()),
        }
    }
    let own_ids = city_layers::own_zone_ids(&args.objects, read.iter().map(|(p, z)| (*p, z.as_slice())));
    // The scene's scenarios count as incidents too.
    let scene = args.scene.as_deref().map(city_core::Scene::read).transpose()?;
    for s in scene.iter().flat_map(|s| &s.incidents) {
        incidents.add_scenario(s);
    }
    for line in &incidents.log {
        eprintln!("{line}");
    }
    if args.alerts.is_empty()
        && args.hazards.is_empty()
        && own.is_none()
        && scene.as_ref().is_none_or(|s| s.incidents.is_empty())
    {
        anyhow::bail!(
            "nothing to analyse: give --alert FILE.xml, --hazard FILE.gml, or --scene with [[incidents]] scenarios \
             (or import the hazard zones into the tileset)"
        );
    }
    let mut objects = read_objects(&args.objects, None)?;
    objects.remove_ids(&own_ids);
    let index = objects.index()?;
    let local_from_ecef = citytwin::sensor_buildings::tileset_local_frame(&args.objects)?;
    let ecef_from_local = local_from_ecef.inverse_affine();
    let project = |lon: f64, lat: f64| {
        let p = local_from_ecef.point(ecef_from_geodetic(Geodetic::from_deg(lon, lat, 0.0)));
        [p[0], p[1]]
    };
    let started = std::time::Instant::now();
    let result = impacts(&incidents.active, &index, project, &args.rings, PeopleModel::default(), |id| {
        objects.occupancy.get(id as usize).copied().unwrap_or_default()
    })?;
    let took = started.elapsed().as_secs_f64();

    // Sensors of the scene inside each zone.
    let mut sensors_inside = vec![(0usize, 0usize); incidents.active.len()];
    if let Some(iot) = scene.as_ref().and_then(|s| s.iot.as_ref()) {
        let layer = city_layers::IotLayer::from_scene(iot)?;
        for (k, incident) in incidents.active.iter().enumerate() {
            let zone = project_zone(incident, &project);
            for s in &layer.sensors {
                let p = project(s.location.lon_deg, s.location.lat_deg);
                if zone.contains(&geo::Point::new(p[0], p[1])) {
                    sensors_inside[k].0 += 1;
                    sensors_inside[k].1 += usize::from(s.datastreams.iter().any(|d| layer.alarm(&d.id)));
                }
            }
        }
    }

    // The nearest facilities of each kind, per incident.
    let facilities = args.facilities.as_deref().map(city_layers::read_facilities).transpose()?;
    let nearest: Vec<city_layers::NearestFacilities> = match &facilities {
        Some(f) => {
            let positions: Vec<[f64; 2]> = f.iter().map(|f| project(f.lon_lat[0], f.lon_lat[1])).collect();
            incidents
                .active
                .iter()
                .map(|i| city_layers::nearest_facilities(&project_zone(i, &project), f, &positions, args.k))
                .collect()
        }
        None => vec![Vec::new(); incidents.active.len()],
    };

    for (k, (incident, impact)) in incidents.active.iter().zip(&result).enumerate() {
        println!(
            "incident {}: {} ({:?}, {}): {} buildings inside, about {:.0} people{}",
            k + 1,
            incident.event,
            incident.severity,
            incident.urgency,
            impact.inside.len(),
            impact.people_inside,
            if scene.as_ref().is_some_and(|s| s.iot.is_some()) {
                format!(", {} sensors ({} in alarm)", sensors_inside[k].0, sensors_inside[k].1)
            } else {
                String::new()
            }
        );
        for (r, ids) in args.rings.iter().zip(&impact.rings) {
            println!("  within {r:.0} m: {} more buildings", ids.len());
        }
        if let Some(f) = &facilities {
            for (kind, ranked) in &nearest[k] {
                let list: Vec<String> =
                    ranked.iter().map(|(i, d)| format!("{} ({}) {d:.0} m", f[*i].name, f[*i].id)).collect();
                if !list.is_empty() {
                    println!("  nearest {}: {}", kind.label(), list.join(", "));
                }
            }
        }
    }
    // A zone that touches nothing is most likely for another city (or wrong coordinates).
    let outer = args.rings.last().copied().unwrap_or(0.0);
    for (k, impact) in result.iter().enumerate() {
        if impact.inside.is_empty() && impact.rings.iter().all(Vec::is_empty) {
            eprintln!(
                "incident {}: no building of the loaded city ({} objects) is inside or within {outer:.0} m: \
                 its zone lies outside the city",
                k + 1,
                objects.ids.len()
            );
        }
    }
    let mut all: Vec<u32> = result.iter().flat_map(|i| i.inside.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    let people: f64 = result.iter().map(|i| i.people_inside).sum::<f64>() + 0.0;
    eprintln!("{} incidents over {} objects in {:.3} s", incidents.active.len(), objects.ids.len(), took);
    if incidents.active.is_empty() && !args.alerts.is_empty() {
        eprintln!("no incident to show (see the messages above)");
    }
    if let Some(path) = &args.csv {
        write_csv(path, &objects.ids, &result, &args.rings)?;
    }
    if let Some(path) = &args.geojson {
        write_geojson(path, &objects, &result, &args.rings, &ecef_from_local)?;
    }
    // Facilities listed for any incident, each counted once; null when none were given.
    let listed = facilities.as_ref().map(|_| {
        let mut ids: Vec<usize> = nearest.iter().flatten().flat_map(|(_, r)| r.iter().map(|(i, _)| *i)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len().to_string()
    });
    println!(
        "{{\"incidents\":{},\"buildings\":{},\"people\":{:.0},\"sensors\":{},\"facilities\":{}}}",
        incidents.active.len(),
        all.len(),
        people,
        sensors_inside.iter().map(|s| s.0).sum::<usize>(),
        listed.as_deref().unwrap_or("null")
    );
    Ok(())
}

/// Where an object is for an incident: `inside` or the ring's distance.
fn places<'a>(impact: &'a Impact, rings: &'a [f64]) -> impl Iterator<Item = (u32, String)> + 'a {
    impact
        .inside
        .iter()
        .map(|&id| (id, "inside".to_owned()))
        .chain(rings.iter().zip(&impact.rings).flat_map(|(r, ids)| ids.iter().map(move |&id| (id, format!("{r:.0}")))))
}

fn write_csv(path: &Path, ids: &[String], result: &[Impact], rings: &[f64]) -> Result<()> {
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    writeln!(w, "incident,object,where")?;
    for (k, impact) in result.iter().enumerate() {
        for (id, place) in places(impact, rings) {
            writeln!(w, "{},{},{place}", k + 1, citytwin::query_io::csv_field(&ids[id as usize]))?;
        }
    }
    w.flush().with_context(|| format!("writing {}", path.display()))
}

fn write_geojson(
    path: &Path,
    objects: &citytwin::query_io::Objects,
    result: &[Impact],
    rings: &[f64],
    ecef_from_local: &city_tiles::Mat4,
) -> Result<()> {
    let lonlat = |x: f64, y: f64| {
        let g = geodetic_from_ecef(ecef_from_local.point([x, y, 0.0]));
        serde_json::json!([g.lon_deg, g.lat_deg])
    };
    let mut features = Vec::new();
    for (k, impact) in result.iter().enumerate() {
        for (id, place) in places(impact, rings) {
            let geometry = match &objects.geometries[id as usize] {
                ObjectGeometry::Footprint(mp, _) => serde_json::json!({
                    "type": "MultiPolygon",
                    "coordinates": mp.0.iter().map(|p| {
                        std::iter::once(p.exterior()).chain(p.interiors()).map(|r| r.0.iter().map(|c| lonlat(c.x, c.y)).collect::<Vec<_>>()).collect::<Vec<_>>()
                    }).collect::<Vec<_>>(),
                }),
                ObjectGeometry::Box(b) => {
                    let (x0, y0, x1, y1) = (b.min[0], b.min[1], b.max[0], b.max[1]);
                    serde_json::json!({"type": "Polygon", "coordinates": [[lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1), lonlat(x0, y0)]]})
                }
            };
            features.push(serde_json::json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {"id": objects.ids[id as usize], "incident": k + 1, "where": place},
            }));
        }
    }
    let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(path, doc.to_string()).with_context(|| format!("writing {}", path.display()))
}
