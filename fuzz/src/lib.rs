//! What the fuzz targets share: readers that take a path get the input written to a file of
//! this process's own (in the temporary folder, which is tmpfs where it matters).
use std::path::PathBuf;

/// Writes `data` to this process's scratch file ending in `ext`, and hands its path to `read`.
pub fn with_file<T>(ext: &str, data: &[u8], read: impl FnOnce(&std::path::Path) -> T) -> T {
    let path: PathBuf = std::env::temp_dir().join(format!("citytwin-fuzz-{}{ext}", std::process::id()));
    std::fs::write(&path, data).expect("the temporary folder is writable");
    read(&path)
}

/// The placement a BIM target reads with (glTF has no georeference of its own).
pub fn placement() -> cim_import::Placement {
    cim_import::Placement { lat_deg: 52.0, lon_deg: 4.36, height_m: 0.0, rotation_deg: 0.0 }
}

/// Reads `data` as one of the importer's formats into a store, as the import does (the store
/// checks every coordinate and projects it). Results are ignored: the fuzzer looks for panics,
/// hangs and runaway memory, not for errors.
pub fn import_format(format: cim_import::Format, ext: &str, data: &[u8]) {
    let opts = cim_import::ReadOptions { place: Some(placement()), ..Default::default() };
    // Files that declare no CRS are read in RD New, as `--crs EPSG:28992` would.
    let fallback = city_core::Crs::from_epsg(28992).expect("RD New is in the CRS table");
    let mut store = cim_import::CityStore::new();
    with_file(ext, data, |path| {
        let _ = format
            .read(path, &opts, &mut |crs, objects| store.add(path, crs.unwrap_or(&fallback), objects).map(|_| ()));
    });
}
