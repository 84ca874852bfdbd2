//! Hazard layers: areas at risk that the operations centre shows as incidents of their own,
//! before anything happens (planning, exercises) or beside a live alert. Read here: the PLATEAU
//! flood-risk extents (`udx/fld/*.gml`, CityGML 2.0 `wtr:WaterBody` with the `uro` flooding risk
//! attributes), whose zones are the union of their `lod1MultiSurface` polygons, in EPSG:6697
//! (latitude first).
//!
//! An imported tileset keeps its hazard zones in a GeoJSON sidecar (`city_core::HAZARDS_FILE`,
//! written by `cim-import` from the same PLATEAU features), read here too: [`read_hazards`]
//! takes either file, or the tileset folder.
//!
//! These files are read whole into the small element tree (`xml_tree.rs`): PLATEAU splits
//! hazard extents into mesh-sized files of kilobytes to a few megabytes. City models, which are
//! far larger, go through the importer's streaming CityGML reader.
use std::path::Path;

use crate::LayerError;
use crate::xml_tree::{XmlElement, parse_xml};

/// One hazard zone.
#[derive(Debug, Clone, PartialEq)]
pub struct HazardZone {
    /// `gml:id`.
    pub id: String,
    /// What the hazard is (`river flood (L1)`).
    pub kind: String,
    /// Its polygons: closed rings of `[lon, lat]` degrees (the zone is their union).
    pub polygons: Vec<Vec<[f64; 2]>>,
    /// The risk attributes as written (`rankOrg` = `1`, `scale` = `L1`, ...).
    pub attributes: Vec<(String, String)>,
    /// Where the feature is: the line it starts on in GML, its number (from 1) in GeoJSON.
    pub line: usize,
}

impl HazardZone {
    /// The value of a risk attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// CRSs whose axis order is latitude, longitude (and height): JGD2011 (6697 with height, 6668),
/// WGS84 (4326, 4979).
const LAT_LON: [&str; 4] = ["6697", "6668", "4326", "4979"];

/// The EPSG code at the end of a `srsName` in its URN or URL form.
fn epsg_code(srs: &str) -> &str {
    srs.rsplit(['/', ':']).next().unwrap_or(srs)
}

/// Reads the hazard zones of `path`: a PLATEAU flood-risk `.gml`, a GeoJSON file (`.geojson`,
/// `.json`), or a tileset folder holding the importer's `hazards.geojson`.
pub fn read_hazards(path: &Path) -> Result<(Vec<HazardZone>, Vec<String>), LayerError> {
    if path.is_dir() {
        return read_hazard_geojson(&path.join(city_core::HAZARDS_FILE));
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("geojson" | "json") => read_hazard_geojson(path),
        _ => read_plateau_flood(path),
    }
}

/// Reads hazard zones from GeoJSON (RFC 7946, longitude and latitude): each Polygon or
/// MultiPolygon feature is a zone; its exterior rings are the zone's polygons. `kind` comes from
/// the `hazard` property, the attributes from the other scalar properties (a `uro:` prefix
/// dropped, so `uro:rankOrg` reads as `rankOrg`, as in the GML). A feature without a polygon,
/// or with a ring that is short, unclosed or not numbers, is dropped with a warning naming the
/// file, the feature's number and id; a file that is not a FeatureCollection is an error.
pub fn read_hazard_geojson(path: &Path) -> Result<(Vec<HazardZone>, Vec<String>), LayerError> {
    let file = path.display().to_string();
    let fail = |reason: String| LayerError::File { file: file.clone(), reason };
    let text = city_core::read_utf8(path).map_err(|e| fail(e.to_string()))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| fail(format!("line {}: {e}", e.line())))?;
    let features = doc
        .get("features")
        .and_then(|f| f.as_array())
        .filter(|_| doc.get("type").and_then(|t| t.as_str()) == Some("FeatureCollection"))
        .ok_or_else(|| fail("not a GeoJSON FeatureCollection".into()))?;
    let (mut zones, mut warnings) = (Vec::new(), Vec::new());
    for (n, f) in features.iter().enumerate() {
        let props = f.get("properties").and_then(|p| p.as_object());
        let text_of = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let id = f
            .get("id")
            .or_else(|| props.and_then(|p| p.get("id")))
            .map_or_else(|| format!("feature {}", n + 1), text_of);
        let geometry = f.get("geometry");
        let coords = geometry.and_then(|g| g.get("coordinates"));
        let polygons: Vec<&serde_json::Value> = match geometry.and_then(|g| g.get("type")).and_then(|t| t.as_str()) {
            Some("Polygon") => coords.into_iter().collect(),
            Some("MultiPolygon") => coords.and_then(|c| c.as_array()).map(|a| a.iter().collect()).unwrap_or_default(),
            other => {
                warnings.push(format!("{file}: feature {} ({id}): geometry {other:?}, not a polygon: skipped", n + 1));
                continue;
            }
        };
        let mut rings = Vec::new();
        for p in polygons {
            let exterior = p.get(0).and_then(|r| r.as_array()).map(|r| {
                r.iter().map(|q| Some([q.get(0)?.as_f64()?, q.get(1)?.as_f64()?])).collect::<Option<Vec<[f64; 2]>>>()
            });
            match exterior.flatten() {
                Some(ring) if off_earth(&ring).is_some() => warnings.push(format!(
                    "{file}: feature {} ({id}): a point outside latitude -90..90, longitude -360..360: polygon dropped",
                    n + 1
                )),
                Some(ring) if ring.len() >= 4 && ring.first() == ring.last() => rings.push(ring),
                _ => warnings.push(format!(
                    "{file}: feature {} ({id}): a ring that is short, unclosed or not numbers: polygon dropped",
                    n + 1
                )),
            }
        }
        if rings.is_empty() {
            warnings.push(format!("{file}: feature {} ({id}): no polygon: not a zone", n + 1));
            continue;
        }
        let mut attributes = Vec::new();
        let mut kind = "hazard".to_owned();
        for (k, v) in props.into_iter().flatten() {
            if k == city_core::HAZARD_ATTRIBUTE {
                kind = text_of(v);
            } else if !v.is_object() && !v.is_array() && !v.is_null() && k != "id" {
                attributes.push((k.strip_prefix("uro:").unwrap_or(k).to_owned(), text_of(v)));
            }
        }
        zones.push(HazardZone { id, kind, polygons: rings, attributes, line: n + 1 });
    }
    Ok((zones, warnings))
}

/// Reads a PLATEAU flood-risk file: its zones, and warnings (with line and `gml:id`) for the
/// polygons dropped. A file that is not CityGML, or in a CRS other than a latitude-first
/// geographic one, is an error naming the file.
pub fn read_plateau_flood(path: &Path) -> Result<(Vec<HazardZone>, Vec<String>), LayerError> {
    let file = path.display().to_string();
    let fail =
        |line: usize, reason: String| LayerError::File { file: file.clone(), reason: format!("line {line}: {reason}") };
    let text =
        city_core::read_utf8(path).map_err(|e| LayerError::File { file: file.clone(), reason: e.to_string() })?;
    let root = parse_xml(&text).map_err(|(line, e)| fail(line, e))?;
    if root.name != "CityModel" {
        return Err(fail(root.line, format!("not CityGML: the root is <{}>", root.name)));
    }
    // The CRS: the envelope's, else the first geometry's.
    let srs = root
        .find("Envelope")
        .and_then(|e| e.attr("srsName"))
        .or_else(|| root.find("MultiSurface").and_then(|m| m.attr("srsName")))
        .ok_or_else(|| fail(root.line, "no srsName: the CRS is unknown".into()))?;
    if !LAT_LON.contains(&epsg_code(srs)) {
        return Err(fail(
            root.line,
            format!("srsName {srs:?}: hazard layers are read in EPSG:6697, 6668, 4326 or 4979 (latitude first)"),
        ));
    }
    let default_dim =
        root.find("Envelope").and_then(|e| e.attr("srsDimension")).and_then(|d| d.parse().ok()).unwrap_or(3usize);
    let mut zones = Vec::new();
    let mut warnings = Vec::new();
    for member in root.children_named("cityObjectMember") {
        for feature in member.children.iter().filter(|f| f.name == "WaterBody") {
            let id = feature.attr("gml:id").unwrap_or_default().to_owned();
            let mut polygons = Vec::new();
            collect_rings(feature, default_dim, &mut polygons, &mut |line, why| {
                warnings.push(format!("{file}: line {line}: {id}: {why}"));
            });
            let risk = feature.find("floodingRiskAttribute").and_then(|r| r.children.first());
            let attributes: Vec<(String, String)> =
                risk.map(|r| r.children.iter().map(|c| (c.name.clone(), c.text.clone())).collect()).unwrap_or_default();
            let scale = attributes.iter().find(|(k, _)| k == "scale").map(|(_, v)| v.as_str());
            let kind = city_core::flood_risk_kind(risk.map_or("", |r| r.name.as_str()), scale);
            if polygons.is_empty() {
                warnings.push(format!("{file}: line {}: {id}: no polygon: not a zone", feature.line));
                continue;
            }
            zones.push(HazardZone { id, kind, polygons, attributes, line: feature.line });
        }
    }
    Ok((zones, warnings))
}

/// The first point of `ring` ([lon, lat], degrees) that is not a place on Earth (not finite,
/// latitude beyond ±90, longitude beyond ±360): metres read as degrees, or a broken file.
fn off_earth(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    ring.iter().copied().find(|&[lon, lat]| !((-360.0..=360.0).contains(&lon) && (-90.0..=90.0).contains(&lat)))
}

/// Every `LinearRing`'s `posList` below `el` as a closed `[lon, lat]` ring; bad ones reported.
fn collect_rings(el: &XmlElement, dim: usize, out: &mut Vec<Vec<[f64; 2]>>, warn: &mut dyn FnMut(usize, String)) {
    for c in &el.children {
        if c.name == "posList" {
            let dim = c.attr("srsDimension").and_then(|d| d.parse().ok()).unwrap_or(dim).max(2);
            let values: Result<Vec<f64>, _> = c.text.split_whitespace().map(str::parse::<f64>).collect();
            let Ok(values) = values else {
                warn(c.line, "a posList value is not a number: polygon dropped".into());
                continue;
            };
            if values.len() % dim != 0 {
                warn(
                    c.line,
                    format!(
                        "posList has {} values, not a multiple of its dimension {dim}: polygon dropped",
                        values.len()
                    ),
                );
                continue;
            }
            let ring: Vec<[f64; 2]> = values.chunks_exact(dim).map(|p| [p[1], p[0]]).collect();
            if let Some([lon, lat]) = off_earth(&ring) {
                warn(c.line, format!("a point at latitude {lat}, longitude {lon} is not on Earth: polygon dropped"));
                continue;
            }
            if ring.len() < 4 || ring.first() != ring.last() {
                warn(c.line, format!("a ring of {} points, not closed or too short: polygon dropped", ring.len()));
                continue;
            }
            out.push(ring);
        } else if c.name == "interior" {
            warn(c.line, "an interior ring (a hole): hazard zones are read without holes".into());
        } else {
            collect_rings(c, dim, out, warn);
        }
    }
}
