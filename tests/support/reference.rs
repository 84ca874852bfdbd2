//! The Python reference tools the terrain tests share (rasterio, pyproj: GDAL's and PROJ's
//! answers), and the imagery they make from real data.
#![allow(dead_code)] // each test file uses its part

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The Python with rasterio and pyproj: `CITYTWIN_PYTHON`, else the venv `.ci/run` makes.
pub fn python() -> PathBuf {
    let p = std::env::var_os("CITYTWIN_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/citytwin-venv/bin/python")
    });
    assert!(
        p.is_file(),
        "{}: no Python with the references; make it with python3 -m venv ~/.cache/citytwin-venv && \
         ~/.cache/citytwin-venv/bin/pip install rasterio pyproj pvlib scipy (.ci/run does), or set CITYTWIN_PYTHON",
        p.display()
    );
    p
}

/// The imagery files, made once per test run: the script's JSON (paths, zooms, attribution).
pub fn imagery() -> &'static Value {
    static MADE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("citytwin-imagery-{}", std::process::id()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/imagery-reference.py");
        let dsm = citytwin::data_dir::data_file("terrain/delft-ahn3/delft_ahn3_dsm_0p5m.tif")
            .unwrap_or_else(|e| panic!("{e:#}"));
        let o = Command::new(python()).arg(&script).arg("make").arg(dsm).arg(&dir).output().unwrap();
        assert!(o.status.success(), "imagery-reference.py make: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    })
}
