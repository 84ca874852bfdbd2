//! The feature table of a tileset written by `citytwin import`: one row per feature with its
//! id, kind, tile, z range and footprint in the tileset's local metres, and what it says about
//! its people (ADR 0003). It is what the engine indexes, so that queries, impact analysis, the
//! sensor join and the viewer's "look at feature" read a tileset without decoding its tiles.
//!
//! One type owns the columns: the importer writes rows through [`FeatureRow::write_csv`],
//! every reader goes through [`TilesetFeatures::read`]. The CSV file (`features.csv`) is one
//! encoding; another (GeoParquet) is one more writer over the same [`FeatureRow`]s and
//! [`TilesetFeatures::geodetic_of`], not a new reader in every caller.
//!
//! Coordinates are the tileset's local ENU metres; the root transform of `tileset.json`
//! ([`TilesetFeatures::ecef_from_local`]) takes them to ECEF, and from there to WGS84.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use city_core::{Geodetic, ecef_from_geodetic, geodetic_from_ecef};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use crate::{Mat4, TilesError, TilesetJson};

/// The feature table's file name, beside `tileset.json`.
pub const FEATURES_FILE: &str = "features.csv";

/// The columns, in file order.
pub const FEATURE_COLUMNS: [&str; 9] = ["id", "kind", "tile", "minz", "maxz", "wkt", "use", "storeys", "occupants"];

/// One feature of an imported tileset.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRow {
    /// The object's id in its source (`gml:id`, CityJSON key, GlobalId, OSM way).
    pub id: String,
    /// Its kind as the city model names it (`Building`, `BimElement`, `WaterBody`...).
    pub kind: String,
    /// The content URI of the detailed tile holding it, relative to `tileset.json`.
    pub tile: String,
    /// Lowest point, local metres (up).
    pub min_z_m: f64,
    /// Highest point, local metres (up).
    pub max_z_m: f64,
    /// Footprint in the tileset's local east/north metres (closed rings).
    pub footprint: MultiPolygon<f64>,
    /// Its use as the source says (`residential`, `office`...), empty when it says none.
    pub usage: String,
    /// Storeys above ground as the source says, empty when it says none.
    pub storeys: String,
    /// People counted by the source, empty when it counts none.
    pub occupants: String,
}

impl FeatureRow {
    /// Whether the row is a building (or a part of one): what sensors are joined to first.
    pub fn is_building(&self) -> bool {
        self.kind.starts_with("Building")
    }

    /// Appends this row as a line of `features.csv` (the columns of [`FEATURE_COLUMNS`]).
    /// Numbers are written in Rust's shortest round-trip form, so reading gives the same f64.
    pub fn write_csv(&self, out: &mut String) {
        let _ = write!(
            out,
            "{},{},{},{},{},\"",
            csv_field(&self.id),
            csv_field(&self.kind),
            csv_field(&self.tile),
            self.min_z_m,
            self.max_z_m
        );
        write_wkt(&self.footprint, out);
        let _ =
            writeln!(out, "\",{},{},{}", csv_field(&self.usage), csv_field(&self.storeys), csv_field(&self.occupants));
    }

    /// The centroid of the footprint's first outer ring (its closing vertex counted once), local
    /// metres; `None` for an empty footprint.
    pub fn footprint_centre(&self) -> Option<[f64; 2]> {
        let ring = &self.footprint.0.first()?.exterior().0;
        let n = ring.len().saturating_sub(1).max(1).min(ring.len());
        if n == 0 {
            return None;
        }
        let sum = ring[..n].iter().fold([0.0, 0.0], |s, c| [s[0] + c.x, s[1] + c.y]);
        Some([sum[0] / n as f64, sum[1] / n as f64])
    }
}

/// The header line of `features.csv`.
pub fn feature_csv_header() -> String {
    let mut h = FEATURE_COLUMNS.join(",");
    h.push('\n');
    h
}

/// A row of the file that could not be read, and why; the other rows are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct BadFeatureRow {
    /// 1-based line in the file.
    pub line: u64,
    /// The column to blame, when one is.
    pub column: Option<&'static str>,
    /// What is wrong.
    pub reason: String,
}

/// The feature table of an imported tileset, with the frame its coordinates are in.
#[derive(Debug, Clone)]
pub struct TilesetFeatures {
    /// The file read.
    pub file: PathBuf,
    /// The rows, in file order.
    pub rows: Vec<FeatureRow>,
    /// Rows that could not be read.
    pub skipped: Vec<BadFeatureRow>,
    /// Local metres to ECEF: the root transform of the tileset.
    pub ecef_from_local: Mat4,
}

impl TilesetFeatures {
    /// Reads the feature table of the tileset in `dir` (a folder written by `citytwin import`,
    /// or its `tileset.json`). A folder without the table is [`TilesError::NotImported`]; a bad
    /// row is listed in [`TilesetFeatures::skipped`] with its line, and reading goes on.
    pub fn read(dir: &Path) -> Result<Self, TilesError> {
        let dir = if dir.is_file() { dir.parent().unwrap_or(Path::new(".")) } else { dir };
        let file = dir.join(FEATURES_FILE);
        if !file.is_file() {
            return Err(TilesError::NotImported { dir: dir.display().to_string() });
        }
        let ecef_from_local = root_transform(dir)?;
        let uri = file.display().to_string();
        let load = |e: &dyn std::fmt::Display| TilesError::Load { uri: uri.clone(), reason: e.to_string() };
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .flexible(true)
            .from_path(&file)
            .map_err(|e| load(&e))?;
        let headers = rd.headers().map_err(|e| load(&e))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let cols: Vec<Option<usize>> = FEATURE_COLUMNS.iter().map(|c| col(c)).collect();
        for (name, c) in FEATURE_COLUMNS.iter().zip(&cols).take(6) {
            if c.is_none() {
                return Err(TilesError::format(&uri, "line 1", format!("the header has no `{name}` column")));
            }
        }
        let (mut rows, mut skipped) = (Vec::new(), Vec::new());
        let mut rec = csv::StringRecord::new();
        loop {
            match rd.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    skipped.push(BadFeatureRow { line, column: None, reason: format!("malformed CSV: {e}") });
                    continue;
                }
            }
            let line = rec.position().map_or(0, csv::Position::line);
            match parse_row(&rec, &cols) {
                Ok(row) => rows.push(row),
                Err((column, reason)) => skipped.push(BadFeatureRow { line, column: Some(column), reason }),
            }
        }
        Ok(Self { file, rows, skipped, ecef_from_local })
    }

    /// ECEF to local metres: the inverse of [`TilesetFeatures::ecef_from_local`].
    pub fn local_from_ecef(&self) -> Mat4 {
        self.ecef_from_local.inverse_affine()
    }

    /// A point in local metres as WGS84 longitude, latitude and ellipsoidal height.
    pub fn geodetic_of(&self, local: [f64; 3]) -> Geodetic {
        geodetic_from_ecef(self.ecef_from_local.point(local))
    }

    /// A WGS84 point in local metres.
    pub fn local_of(&self, g: Geodetic) -> [f64; 3] {
        self.local_from_ecef().point(ecef_from_geodetic(g))
    }

    /// The row of the feature with this id.
    pub fn row(&self, id: &str) -> Option<&FeatureRow> {
        self.rows.iter().find(|r| r.id == id)
    }
}

/// The root transform of the tileset in `dir`: its local metres to ECEF.
pub fn root_transform(dir: &Path) -> Result<Mat4, TilesError> {
    let path = dir.join("tileset.json");
    let uri = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|e| TilesError::Load { uri: uri.clone(), reason: e.to_string() })?;
    let json = TilesetJson::parse(&bytes, &uri)?;
    let m = json.root.transform.ok_or_else(|| TilesError::format(&uri, "root", "the root has no transform"))?;
    Ok(Mat4(std::array::from_fn(|i| m[i])))
}

/// One record into a row, or the column to blame and why.
fn parse_row(rec: &csv::StringRecord, cols: &[Option<usize>]) -> Result<FeatureRow, (&'static str, String)> {
    let text = |k: usize| cols[k].and_then(|c| rec.get(c)).unwrap_or("").to_owned();
    let number = |k: usize| -> Result<f64, (&'static str, String)> {
        let t = text(k);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err((FEATURE_COLUMNS[k], format!("{t:?} is not a finite number"))),
        }
    };
    let id = text(0);
    if id.is_empty() {
        return Err(("id", "empty".into()));
    }
    let (min_z_m, max_z_m) = (number(3)?, number(4)?);
    if min_z_m > max_z_m {
        return Err(("minz", format!("minz {min_z_m} is above maxz {max_z_m}")));
    }
    let footprint = parse_wkt(&text(5)).map_err(|r| ("wkt", r))?;
    Ok(FeatureRow {
        id,
        kind: text(1),
        tile: text(2),
        min_z_m,
        max_z_m,
        footprint,
        usage: text(6),
        storeys: text(7),
        occupants: text(8),
    })
}

/// A POLYGON or MULTIPOLYGON; rings must be closed and finite.
fn parse_wkt(text: &str) -> Result<MultiPolygon<f64>, String> {
    let w = wkt::Wkt::<f64>::from_str(text).map_err(|e| format!("not WKT: {e}"))?;
    let ring = |r: &wkt::types::LineString<f64>| -> Result<LineString<f64>, String> {
        let c: Vec<Coord<f64>> = r.coords().iter().map(|c| Coord { x: c.x, y: c.y }).collect();
        if c.len() < 4 || c.first() != c.last() {
            return Err("a ring is not closed or has fewer than 4 positions".into());
        }
        if c.iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
            return Err("a coordinate is not finite".into());
        }
        Ok(LineString(c))
    };
    let polygon = |p: &wkt::types::Polygon<f64>| -> Result<Polygon<f64>, String> {
        let mut rings = p.rings().iter().map(ring);
        let exterior = rings.next().ok_or("an empty polygon")??;
        Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
    };
    match &w {
        wkt::Wkt::Polygon(p) => Ok(MultiPolygon(vec![polygon(p)?])),
        wkt::Wkt::MultiPolygon(mp) => Ok(MultiPolygon(mp.polygons().iter().map(polygon).collect::<Result<_, _>>()?)),
        _ => Err("expected a POLYGON or MULTIPOLYGON".into()),
    }
}

/// A footprint as WKT (closed rings, shortest round-trip numbers).
fn write_wkt(mp: &MultiPolygon<f64>, out: &mut String) {
    out.push_str("MULTIPOLYGON(");
    for (n, p) in mp.0.iter().enumerate() {
        out.push_str(if n > 0 { ",(" } else { "(" });
        for (m, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
            out.push_str(if m > 0 { ",(" } else { "(" });
            for (k, c) in ring.0.iter().enumerate() {
                let _ = write!(out, "{}{} {}", if k > 0 { "," } else { "" }, c.x, c.y);
            }
            out.push(')');
        }
        out.push(')');
    }
    out.push(')');
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")).into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(x, 0.0), (x + 1.0, 0.0), (x + 1.0, 1.0), (x, 1.0), (x, 0.0)]),
            vec![],
        )])
    }

    #[test]
    fn rows_read_back_as_written() {
        let dir = std::env::temp_dir().join(format!("citytwin-tileset-features-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tileset = r#"{"asset":{"version":"1.1"},"geometricError":1,"root":{"boundingVolume":{"box":[0,0,0,1,0,0,0,1,0,0,0,1]},"geometricError":0,"transform":[1,0,0,0,0,1,0,0,0,0,1,0,6378137,0,0,1]}}"#;
        std::fs::write(dir.join("tileset.json"), tileset).unwrap();
        let rows = vec![
            FeatureRow {
                id: "a,\"b\"".into(),
                kind: "Building".into(),
                tile: "tiles/0.glb".into(),
                min_z_m: -0.1,
                max_z_m: 12.25,
                footprint: square(0.1 + 0.2),
                usage: "residential".into(),
                storeys: "4".into(),
                occupants: String::new(),
            },
            FeatureRow { id: "w".into(), kind: "WaterBody".into(), footprint: square(-7.0), ..rowless() },
        ];
        let mut text = feature_csv_header();
        rows.iter().for_each(|r| r.write_csv(&mut text));
        text.push_str("bad,Building,t,1,0,\"POLYGON((0 0,1 0,1 1,0 0))\",,,\n");
        text.push_str("bad2,Building,t,0,1,\"POLYGON((0 0,1 0,1 1,0 1))\",,,\n");
        std::fs::write(dir.join(FEATURES_FILE), text).unwrap();
        let table = TilesetFeatures::read(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(table.rows, rows);
        assert_eq!(
            table.skipped.iter().map(|s| (s.line, s.column)).collect::<Vec<_>>(),
            [(4, Some("minz")), (5, Some("wkt"))]
        );
        assert!(table.rows[0].is_building() && !table.rows[1].is_building());
        // (0, 0, 0) local is the transform's translation: on the equator at 0 degrees.
        let g = table.geodetic_of([0.0, 0.0, 0.0]);
        assert!(g.lat_deg.abs() < 1e-9 && g.lon_deg.abs() < 1e-9 && g.height_m.abs() < 1e-6, "{g:?}");
        let back = table.local_of(table.geodetic_of([3.0, 4.0, 5.0]));
        assert!((0..3).all(|i| (back[i] - [3.0, 4.0, 5.0][i]).abs() < 1e-6), "{back:?}");
        assert_eq!(table.rows[1].footprint_centre(), Some([-6.5, 0.5]));
    }

    fn rowless() -> FeatureRow {
        FeatureRow {
            id: String::new(),
            kind: String::new(),
            tile: String::new(),
            min_z_m: 0.0,
            max_z_m: 1.0,
            footprint: MultiPolygon(vec![]),
            usage: String::new(),
            storeys: String::new(),
            occupants: String::new(),
        }
    }

    #[test]
    fn a_folder_without_the_table_is_not_an_imported_tileset() {
        let e = TilesetFeatures::read(Path::new("/nonexistent-citytwin")).unwrap_err();
        assert!(matches!(e, TilesError::NotImported { .. }), "{e}");
    }
}
