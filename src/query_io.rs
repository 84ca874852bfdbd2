//! Files in and out of `citytwin query`: objects from GeoJSON or CSV, queries from CSV, results
//! as CSV or GeoJSON.
//!
//! Bad input never stops a run: a bad object or query line is reported with the file, the
//! place (line, or feature number and id) and the field, and skipped; the rest goes on, and
//! the summary counts both. Only a file that cannot be read at all (missing, not CSV/JSON,
//! without the columns the kind needs) is an error.
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use city_core::{Aabb2, Aabb3, AxisOrder, Crs, Geodetic};
use city_index::{CityIndex, IndexBuilder, Ray, WithinQuery};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// One bad record that was skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The file it is in.
    pub file: PathBuf,
    /// Where: `line 12`, or `feature 3 (id "b7")`.
    pub place: String,
    /// The field or column, when one is to blame.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.place)?;
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The geometry of an input object.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectGeometry {
    /// A box (CSV `minx,miny,maxx,maxy[,minz,maxz]`).
    Box(Aabb3),
    /// A footprint and its z range (CSV `wkt`, GeoJSON polygons).
    Footprint(MultiPolygon<f64>, [f64; 2]),
}

/// The objects of one file, in file order, and what was skipped.
#[derive(Debug, Default)]
pub struct Objects {
    /// The id of each object (from the file, or its line or feature number).
    pub ids: Vec<String>,
    /// Its geometry.
    pub geometries: Vec<ObjectGeometry>,
    /// Records that were skipped, and why.
    pub skipped: Vec<Diagnostic>,
    /// What each object says about its people (`use`, `storeys`, `occupants` columns of an
    /// imported tileset's `features.csv`; the default when the file has none).
    pub occupancy: Vec<city_layers::Occupancy>,
}

impl Objects {
    /// Drops the objects whose id is in `ids` (a tileset's hazard zones: features of the
    /// tileset, but not what an incident threatens).
    pub fn remove_ids(&mut self, ids: &std::collections::HashSet<String>) {
        if ids.is_empty() {
            return;
        }
        let keep: Vec<bool> = self.ids.iter().map(|id| !ids.contains(id)).collect();
        let mut k = keep.iter();
        self.geometries.retain(|_| *k.next().unwrap_or(&true));
        let mut k = keep.iter();
        self.occupancy.retain(|_| *k.next().unwrap_or(&true));
        self.ids.retain(|id| !ids.contains(id));
    }

    /// Builds the index; object `i` gets index id `i`.
    pub fn index(&self) -> Result<CityIndex> {
        let mut b = IndexBuilder::with_capacity(self.geometries.len());
        for (g, id) in self.geometries.iter().zip(&self.ids) {
            match g {
                ObjectGeometry::Box(bx) => b.push_box(*bx),
                ObjectGeometry::Footprint(fp, z) => b.push_footprint(fp.clone(), z[0], z[1]),
            }
            .with_context(|| format!("object {id}"))?;
        }
        Ok(b.build())
    }
}

/// A rectangle as a polygon.
pub fn box_polygon(b: &Aabb2) -> Polygon<f64> {
    let (x0, y0, x1, y1) = (b.min[0], b.min[1], b.max[0], b.max[1]);
    Polygon::new(LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]), vec![])
}

/// Polygons as rings of positions, as files write them, before any check.
type RawPolygons = Vec<Vec<Vec<[f64; 2]>>>;

/// A field name and what is wrong with it.
type FieldError = (String, String);

/// Checks rings (at least 4 positions, closed, finite) and builds the multipolygon.
fn multipolygon(polys: RawPolygons) -> Result<MultiPolygon<f64>, String> {
    if polys.is_empty() {
        return Err("empty polygon".into());
    }
    let mut out = Vec::with_capacity(polys.len());
    for rings in polys {
        let mut rings = rings.into_iter();
        let ring = |r: Vec<[f64; 2]>| -> Result<LineString<f64>, String> {
            if r.len() < 4 {
                return Err(format!("ring of {} positions; a closed ring needs at least 4", r.len()));
            }
            if r.first() != r.last() {
                return Err("ring is not closed (first and last positions differ)".into());
            }
            if let Some(p) = r.iter().find(|p| !p[0].is_finite() || !p[1].is_finite()) {
                return Err(format!("position {p:?} is not finite"));
            }
            Ok(LineString::from(r.into_iter().map(|p| Coord { x: p[0], y: p[1] }).collect::<Vec<_>>()))
        };
        let exterior = ring(rings.next().ok_or("empty polygon (no rings)")?)?;
        let holes = rings.map(ring).collect::<Result<Vec<_>, _>>()?;
        out.push(Polygon::new(exterior, holes));
    }
    Ok(MultiPolygon(out))
}

/// Reads a WKT POLYGON or MULTIPOLYGON, keeping rings as written so unclosed ones are caught.
///
/// ```
/// use citytwin::query_io::parse_wkt_polygon;
/// assert_eq!(parse_wkt_polygon("POLYGON((0 0,1 0,1 1,0 0))").map(|p| p.0.len()), Ok(1));
/// assert!(parse_wkt_polygon("POLYGON((0 0,1 0,1 1,0 1))").unwrap_err().contains("not closed"));
/// ```
pub fn parse_wkt_polygon(text: &str) -> Result<MultiPolygon<f64>, String> {
    let w = wkt::Wkt::<f64>::from_str(text).map_err(|e| format!("not WKT: {e}"))?;
    let rings = |p: &wkt::types::Polygon<f64>| -> Vec<Vec<[f64; 2]>> {
        p.rings().iter().map(|r| r.coords().iter().map(|c| [c.x, c.y]).collect()).collect()
    };
    match &w {
        wkt::Wkt::Polygon(p) => multipolygon(vec![rings(p)]),
        wkt::Wkt::MultiPolygon(mp) => multipolygon(mp.polygons().iter().map(rings).collect()),
        _ => Err("expected a POLYGON or MULTIPOLYGON".into()),
    }
}

/// How an input file is laid out, by its extension.
fn is_geojson(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(),
        Some("geojson" | "json")
    )
}

/// Reads objects from GeoJSON (`.geojson`, `.json`), CSV (any other file) or a tileset folder.
///
/// GeoJSON is WGS84 longitude/latitude (RFC 7946); with `crs` the coordinates are projected
/// into it, so distances come out in metres. CSV coordinates are taken as they are.
/// A tileset folder written by `citytwin import` is read through its `features.csv` sidecar
/// (footprints in the tileset's local ENU metres).
pub fn read_objects(path: &Path, crs: Option<&Crs>) -> Result<Objects> {
    if path.is_dir() {
        return Ok(tileset_objects(&city_tiles::TilesetFeatures::read(path)?));
    }
    if is_geojson(path) { read_geojson_objects(path, crs) } else { read_csv_objects(path) }
}

/// The objects of an imported tileset's feature table: footprints and z ranges in its local
/// metres, with what each says about its people.
pub fn tileset_objects(table: &city_tiles::TilesetFeatures) -> Objects {
    let skipped = table
        .skipped
        .iter()
        .map(|b| Diagnostic::new(&table.file, &format!("line {}", b.line), b.column, b.reason.clone()))
        .collect();
    let occupancy = table
        .rows
        .iter()
        .map(|r| {
            city_layers::Occupancy::from_attributes(|name| {
                let value = if city_core::USE_ATTRIBUTES.contains(&name) {
                    &r.usage
                } else if city_core::STOREY_ATTRIBUTES.contains(&name) {
                    &r.storeys
                } else {
                    &r.occupants
                };
                Some(value.clone()).filter(|v| !v.is_empty())
            })
        })
        .collect();
    Objects {
        ids: table.rows.iter().map(|r| r.id.clone()).collect(),
        geometries: table
            .rows
            .iter()
            .map(|r| ObjectGeometry::Footprint(r.footprint.clone(), [r.min_z_m, r.max_z_m]))
            .collect(),
        skipped,
        occupancy,
    }
}

fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).flexible(true).from_reader(file))
}

/// Column positions by name (case-insensitive), or an error naming what the kind needs.
fn columns(path: &Path, headers: &csv::StringRecord, want: &[&str], kind: &str) -> Result<Vec<usize>> {
    want.iter()
        .map(|w| {
            headers.iter().position(|h| h.eq_ignore_ascii_case(w)).with_context(|| {
                format!(
                    "{}: line 1: the header has no `{w}` column; {kind} needs columns {} (found: {})",
                    path.display(),
                    want.join(","),
                    headers.iter().collect::<Vec<_>>().join(",")
                )
            })
        })
        .collect()
}

/// Parses one numeric CSV field.
fn number(rec: &csv::StringRecord, col: usize, name: &str) -> Result<f64, (String, String)> {
    let text = rec.get(col).ok_or_else(|| (name.to_owned(), "missing (the line has too few fields)".to_owned()))?;
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err((name.to_owned(), format!("{v} is not a finite number"))),
        Err(_) => Err((name.to_owned(), format!("{text:?} is not a number"))),
    }
}

impl Diagnostic {
    fn new(file: &Path, place: &str, field: Option<&str>, reason: impl Into<String>) -> Self {
        Self { file: file.to_owned(), place: place.to_owned(), field: field.map(str::to_owned), reason: reason.into() }
    }
}

/// Calls `take(record, data row number, "line N")` for every record of a CSV; records that are
/// malformed or that `take` refuses are added to `skipped`, and reading goes on.
fn each_record(
    path: &Path,
    rd: &mut csv::Reader<std::fs::File>,
    skipped: &mut Vec<Diagnostic>,
    mut take: impl FnMut(&csv::StringRecord, usize, &str) -> Result<(), Diagnostic>,
) {
    let mut rec = csv::StringRecord::new();
    let mut row = 0usize;
    let line = |p: Option<&csv::Position>| p.map(|p| format!("line {}", p.line())).unwrap_or_else(|| "line ?".into());
    loop {
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                skipped.push(Diagnostic::new(path, &line(e.position()), None, format!("malformed CSV: {e}")));
                continue;
            }
        }
        row += 1;
        // A quote left open swallows every line up to the next quote into one field: name the
        // line it was opened on and read the swallowed lines on their own (query and object
        // files have no fields that span lines).
        if let Some(k) = rec.iter().position(|f| f.contains('\n')) {
            let at = rec.position().map_or(0, csv::Position::line);
            let swallowed: Vec<String> = rec[k].split('\n').skip(1).map(str::to_owned).collect();
            skipped.push(Diagnostic::new(
                path,
                &format!("line {at}"),
                None,
                format!("a quote opened on this line is not closed on it (it ran over {} more lines, read again on their own)", swallowed.len()),
            ));
            for (j, text) in swallowed.iter().enumerate() {
                let mut one = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .trim(csv::Trim::All)
                    .flexible(true)
                    .from_reader(text.as_bytes());
                let mut r = csv::StringRecord::new();
                let place = format!("line {}", at + 1 + j as u64);
                match one.read_record(&mut r) {
                    Ok(true) if r.iter().any(|f| !f.is_empty()) => {
                        row += 1;
                        if let Err(d) = take(&r, row, &place) {
                            skipped.push(d);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => skipped.push(Diagnostic::new(path, &place, None, format!("malformed CSV: {e}"))),
                }
            }
            continue;
        }
        if let Err(d) = take(&rec, row, &line(rec.position())) {
            skipped.push(d);
        }
    }
}

fn read_csv_objects(path: &Path) -> Result<Objects> {
    let mut rd = csv_reader(path)?;
    let headers = rd.headers().with_context(|| format!("{}: cannot read the CSV header", path.display()))?.clone();
    let id_col = headers.iter().position(|h| h.eq_ignore_ascii_case("id"));
    let wkt_col = headers.iter().position(|h| h.eq_ignore_ascii_case("wkt"));
    let box_cols = if wkt_col.is_none() {
        Some(columns(path, &headers, &["minx", "miny", "maxx", "maxy"], "objects CSV (or `id,wkt`)")?)
    } else {
        None
    };
    let z_cols = columns(path, &headers, &["minz", "maxz"], "").ok();
    let people_cols: Vec<(usize, &str)> = ["use", "storeys", "occupants"]
        .into_iter()
        .filter_map(|n| Some((headers.iter().position(|h| h.eq_ignore_ascii_case(n))?, n)))
        .collect();
    let mut occupancy = Vec::new();
    let mut out = Objects::default();
    let (mut ids, mut geometries) = (Vec::new(), Vec::new());
    each_record(path, &mut rd, &mut out.skipped, |rec, row, place| {
        let bad = |field: Option<&str>, reason: String| Diagnostic::new(path, place, field, reason);
        let id = id_col
            .and_then(|c| rec.get(c))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| row.to_string());
        let z = match &z_cols {
            Some(c) => match (number(rec, c[0], "minz"), number(rec, c[1], "maxz")) {
                (Ok(a), Ok(b)) => [a, b],
                (Err((f, r)), _) | (_, Err((f, r))) => return Err(bad(Some(&f), r)),
            },
            None => [0.0, 0.0],
        };
        let geometry = if let Some(c) = wkt_col {
            if z[0] > z[1] {
                return Err(bad(Some("minz"), format!("minz {} is above maxz {}", z[0], z[1])));
            }
            let mp = parse_wkt_polygon(rec.get(c).unwrap_or("")).map_err(|r| bad(Some("wkt"), r))?;
            ObjectGeometry::Footprint(mp, z)
        } else {
            let c = box_cols.as_deref().unwrap_or(&[]);
            let names = ["minx", "miny", "maxx", "maxy"];
            let v: Vec<f64> = c
                .iter()
                .zip(names)
                .map(|(&c, n)| number(rec, c, n))
                .collect::<Result<_, _>>()
                .map_err(|(f, r)| bad(Some(&f), r))?;
            let b = Aabb3::new([v[0], v[1], z[0]], [v[2], v[3], z[1]]).map_err(|e| bad(None, e.to_string()))?;
            ObjectGeometry::Box(b)
        };
        ids.push(id);
        geometries.push(geometry);
        if !people_cols.is_empty() {
            let attr = |name: &str| {
                let col = people_cols.iter().find(|(_, n)| match *n {
                    "use" => city_core::USE_ATTRIBUTES.contains(&name),
                    "storeys" => city_core::STOREY_ATTRIBUTES.contains(&name),
                    _ => city_core::OCCUPANT_ATTRIBUTES.contains(&name),
                })?;
                rec.get(col.0).filter(|v| !v.is_empty()).map(str::to_owned)
            };
            occupancy.push(city_layers::Occupancy::from_attributes(attr));
        }
        Ok(())
    });
    out.ids = ids;
    out.geometries = geometries;
    out.occupancy = occupancy;
    Ok(out)
}

/// The rings of a GeoJSON Polygon or MultiPolygon, projected when a CRS is given.
fn geojson_rings(
    geom: &serde_json::Value,
    project: &dyn Fn([f64; 2]) -> Result<[f64; 2], String>,
) -> Result<RawPolygons, FieldError> {
    let ty = geom["type"].as_str().unwrap_or("");
    let coords = &geom["coordinates"];
    let ring = |r: &serde_json::Value| -> Result<Vec<[f64; 2]>, (String, String)> {
        r.as_array()
            .ok_or(("coordinates".to_owned(), "ring is not an array".to_owned()))?
            .iter()
            .map(|p| {
                let x = p.get(0).and_then(serde_json::Value::as_f64);
                let y = p.get(1).and_then(serde_json::Value::as_f64);
                match (x, y) {
                    (Some(x), Some(y)) => project([x, y]).map_err(|e| ("coordinates".to_owned(), e)),
                    _ => Err(("coordinates".to_owned(), format!("position {p} is not [x, y] numbers"))),
                }
            })
            .collect()
    };
    let polygon = |p: &serde_json::Value| -> Result<Vec<Vec<[f64; 2]>>, (String, String)> {
        p.as_array()
            .ok_or(("coordinates".to_owned(), "polygon is not an array of rings".to_owned()))?
            .iter()
            .map(ring)
            .collect()
    };
    match ty {
        "Polygon" => Ok(vec![polygon(coords)?]),
        "MultiPolygon" => coords
            .as_array()
            .ok_or(("coordinates".to_owned(), "not an array of polygons".to_owned()))?
            .iter()
            .map(polygon)
            .collect(),
        other => Err(("geometry.type".to_owned(), format!("{other:?} is not a Polygon or MultiPolygon"))),
    }
}

fn read_geojson_objects(path: &Path, crs: Option<&Crs>) -> Result<Objects> {
    let text = city_core::read_utf8(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: line {}, column {}: not JSON: {e}", path.display(), e.line(), e.column()))?;
    let Some(features) = json["features"].as_array() else {
        bail!("{}: not a GeoJSON FeatureCollection (no \"features\" array)", path.display());
    };
    let crs = crs.map(|c| c.clone().with_axis_order(AxisOrder::EastNorth));
    let project = |p: [f64; 2]| -> Result<[f64; 2], String> {
        // RFC 7946 positions are degrees: beyond these, metres were written, or the file is broken.
        if !((-360.0..=360.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1])) {
            return Err(format!("position {p:?} is not longitude, latitude in degrees"));
        }
        match &crs {
            None => Ok(p),
            Some(c) => {
                c.from_geodetic(Geodetic::from_deg(p[0], p[1], 0.0)).map(|q| [q[0], q[1]]).map_err(|e| e.to_string())
            }
        }
    };
    let mut out = Objects::default();
    for (i, f) in features.iter().enumerate() {
        let props = &f["properties"];
        let id = match (&f["id"], &props["id"]) {
            (serde_json::Value::Null, serde_json::Value::Null) => (i + 1).to_string(),
            (serde_json::Value::Null, v) | (v, _) => v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
        };
        let place = format!("feature {} (id {id:?})", i + 1);
        // Heights may be numbers or numeric strings (OSM tags); anything else that is present
        // is an error in that field, absent means 0.
        let height = |key: &str| -> Result<f64, FieldError> {
            let v = &props[key];
            let h = match v {
                serde_json::Value::Null => return Ok(0.0),
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(t) => t.trim().parse::<f64>().ok(),
                _ => None,
            };
            h.filter(|h| h.is_finite()).ok_or_else(|| (key.to_owned(), format!("{v} is not a finite number")))
        };
        let geometry = height("min_height")
            .and_then(|lo| Ok([lo, height("height")?]))
            .and_then(|z| {
                if z[0] > z[1] {
                    Err(("height".to_owned(), format!("min_height {} is above height {}", z[0], z[1])))
                } else {
                    Ok(z)
                }
            })
            .and_then(|z| {
                let rings = geojson_rings(&f["geometry"], &project)?;
                let mp = multipolygon(rings).map_err(|r| ("coordinates".to_owned(), r))?;
                Ok(ObjectGeometry::Footprint(mp, z))
            });
        match geometry {
            Ok(g) => {
                out.ids.push(id);
                out.geometries.push(g);
            }
            Err((field, reason)) => {
                out.skipped.push(Diagnostic { file: path.to_owned(), place, field: Some(field), reason })
            }
        }
    }
    Ok(out)
}

/// The query kinds of `citytwin query` and the CSV columns each reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryKind {
    /// 2D window: `minx,miny,maxx,maxy`.
    Window,
    /// 3D window: `minx,miny,minz,maxx,maxy,maxz`.
    Window3d,
    /// k nearest (with `--k`): `x,y`.
    Knn,
    /// Within a distance: `x,y,radius`.
    Within,
    /// Polygon intersects: `wkt`.
    Polygon,
    /// Ray pick, first hit: `ox,oy,oz,dx,dy,dz`.
    Ray,
    /// Point join, containing footprints: `x,y`.
    Contains,
}

impl QueryKind {
    /// The CSV columns the kind reads.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Window => &["minx", "miny", "maxx", "maxy"],
            Self::Window3d => &["minx", "miny", "minz", "maxx", "maxy", "maxz"],
            Self::Knn | Self::Contains => &["x", "y"],
            Self::Within => &["x", "y", "radius"],
            Self::Polygon => &["wkt"],
            Self::Ray => &["ox", "oy", "oz", "dx", "dy", "dz"],
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Window3d => "window3d",
            Self::Knn => "knn",
            Self::Within => "within",
            Self::Polygon => "polygon",
            Self::Ray => "ray",
            Self::Contains => "contains",
        }
    }
}

/// A batch of queries of one kind.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryBatch {
    /// 2D windows.
    Window(Vec<Aabb2>),
    /// 3D windows.
    Window3d(Vec<Aabb3>),
    /// Points for k-nearest.
    Knn(Vec<[f64; 2]>),
    /// Points and radii.
    Within(Vec<WithinQuery>),
    /// Polygons.
    Polygon(Vec<MultiPolygon<f64>>),
    /// Rays.
    Ray(Vec<Ray>),
    /// Points for the containment join.
    Contains(Vec<[f64; 2]>),
}

impl QueryBatch {
    /// Number of queries.
    pub fn len(&self) -> usize {
        match self {
            Self::Window(v) => v.len(),
            Self::Window3d(v) => v.len(),
            Self::Knn(v) | Self::Contains(v) => v.len(),
            Self::Within(v) => v.len(),
            Self::Polygon(v) => v.len(),
            Self::Ray(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The queries of one CSV file: ids (an `id` column, else the data row number), the batch, and
/// what was skipped.
#[derive(Debug)]
pub struct Queries {
    /// Query ids, in file order.
    pub ids: Vec<String>,
    /// The queries.
    pub batch: QueryBatch,
    /// Lines that were skipped, and why.
    pub skipped: Vec<Diagnostic>,
}

/// Reads a CSV of queries of `kind`.
pub fn read_queries(path: &Path, kind: QueryKind) -> Result<Queries> {
    let mut rd = csv_reader(path)?;
    let headers = rd.headers().with_context(|| format!("{}: cannot read the CSV header", path.display()))?.clone();
    let cols = columns(path, &headers, kind.columns(), &format!("a `{}` query file", kind.name()))?;
    let id_col = headers.iter().position(|h| h.eq_ignore_ascii_case("id"));
    let mut ids = Vec::new();
    let mut skipped = Vec::new();
    let mut batch = match kind {
        QueryKind::Window => QueryBatch::Window(Vec::new()),
        QueryKind::Window3d => QueryBatch::Window3d(Vec::new()),
        QueryKind::Knn => QueryBatch::Knn(Vec::new()),
        QueryKind::Within => QueryBatch::Within(Vec::new()),
        QueryKind::Polygon => QueryBatch::Polygon(Vec::new()),
        QueryKind::Ray => QueryBatch::Ray(Vec::new()),
        QueryKind::Contains => QueryBatch::Contains(Vec::new()),
    };
    each_record(path, &mut rd, &mut skipped, |rec, row, place| {
        let bad = |field: Option<&str>, reason: String| Diagnostic::new(path, place, field, reason);
        if let QueryBatch::Polygon(v) = &mut batch {
            v.push(parse_wkt_polygon(rec.get(cols[0]).unwrap_or("")).map_err(|r| bad(Some("wkt"), r))?);
        } else {
            let n: Vec<f64> = cols
                .iter()
                .zip(kind.columns())
                .map(|(&c, name)| number(rec, c, name))
                .collect::<Result<_, _>>()
                .map_err(|(f, r)| bad(Some(&f), r))?;
            match &mut batch {
                QueryBatch::Window(v) => {
                    v.push(Aabb2::new([n[0], n[1]], [n[2], n[3]]).map_err(|e| bad(None, e.to_string()))?)
                }
                QueryBatch::Window3d(v) => {
                    v.push(Aabb3::new([n[0], n[1], n[2]], [n[3], n[4], n[5]]).map_err(|e| bad(None, e.to_string()))?)
                }
                QueryBatch::Knn(v) | QueryBatch::Contains(v) => v.push([n[0], n[1]]),
                QueryBatch::Within(_) if n[2] < 0.0 => {
                    return Err(bad(Some("radius"), format!("{} is negative", n[2])));
                }
                QueryBatch::Within(v) => v.push(WithinQuery { point: [n[0], n[1]], radius: n[2] }),
                QueryBatch::Ray(_) if n[3..6] == [0.0, 0.0, 0.0] => {
                    return Err(bad(Some("dx,dy,dz"), "ray direction is zero".into()));
                }
                QueryBatch::Ray(v) => v.push(Ray { origin: [n[0], n[1], n[2]], dir: [n[3], n[4], n[5]] }),
                QueryBatch::Polygon(_) => {}
            }
        }
        ids.push(
            id_col
                .and_then(|c| rec.get(c))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| row.to_string()),
        );
        Ok(())
    });
    Ok(Queries { ids, batch, skipped })
}

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}
