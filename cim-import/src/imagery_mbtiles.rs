//! Imagery from an MBTiles file (MBTiles 1.3: SQLite with a `tiles` table of PNG or JPEG
//! images in TMS numbering, rows from the south, and a `metadata` table of name/value pairs).
//! The file's `format` must be `png` or `jpg`; its `attribution` is shown with the imagery; its
//! zoom range comes from `minzoom`/`maxzoom`, or from the tiles when those are missing. Opened
//! read-only: nothing is ever written to it.
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::ImportError;
use crate::imagery_tiles::{TilePyramid, TileStore};

/// An open MBTiles file.
pub(crate) struct MbTiles {
    name: String,
    db: Mutex<Connection>,
}

/// Opens `path` as a tile pyramid, checking it is MBTiles with raster tiles.
pub(crate) fn open_mbtiles(path: &Path) -> Result<TilePyramid<MbTiles>, ImportError> {
    let bad = |reason: String| ImportError::Format { file: path.to_owned(), reason };
    if !path.is_file() {
        return Err(ImportError::Io { file: path.to_owned(), source: std::io::ErrorKind::NotFound.into() });
    }
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| bad(format!("not an SQLite file: {e}")))?;
    let meta = |key: &str| -> Result<Option<String>, ImportError> {
        db.query_row("SELECT value FROM metadata WHERE name = ?1", [key], |r| r.get::<_, String>(0))
            .optional()
            .map_err(|e| bad(format!("not an MBTiles file: its metadata table cannot be read ({e})")))
    };
    let format = meta("format")?.unwrap_or_default().to_ascii_lowercase();
    match format.as_str() {
        "png" | "jpg" | "jpeg" | "" => {}
        "pbf" => return Err(bad("vector tiles (format pbf): imagery needs PNG or JPEG tiles".into())),
        other => return Err(bad(format!("tiles in format {other}: PNG and JPEG are read"))),
    }
    let zoom = |key: &str| -> Result<Option<u8>, ImportError> { Ok(meta(key)?.and_then(|v| v.trim().parse().ok())) };
    let (lo, hi) = match (zoom("minzoom")?, zoom("maxzoom")?) {
        (Some(lo), Some(hi)) if lo <= hi && hi <= 30 => (lo, hi),
        _ => {
            let range: (Option<u8>, Option<u8>) = db
                .query_row("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| bad(format!("not an MBTiles file: its tiles table cannot be read ({e})")))?;
            match range {
                (Some(lo), Some(hi)) if hi <= 30 => (lo, hi),
                _ => return Err(bad("no tiles (or zoom levels beyond 30)".into())),
            }
        }
    };
    let attribution = meta("attribution")?.filter(|a| !a.trim().is_empty());
    let name = path.display().to_string();
    let store = MbTiles { name: name.clone(), db: Mutex::new(db) };
    Ok(TilePyramid::new(name, attribution, (lo, hi), store))
}

impl TileStore for MbTiles {
    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        let row = (1u32 << z) - 1 - y;
        let db = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        db.query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
            [u32::from(z), x, row],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()
        .map_err(|e| format!("{}: tile {z}/{x}/{y} (TMS row {row}): {e}", self.name))
    }
}
