//! What the fuzz targets share: readers that take a path get the input written to a file of
//! this process's own (in the temporary folder); objects go into a store, as the import does.
use std::path::{Path, PathBuf};

/// Writes `data` to this process's scratch file ending in `ext`, and hands its path to `read`.
pub fn with_file<T>(ext: &str, data: &[u8], read: impl FnOnce(&Path) -> T) -> T {
    let path: PathBuf = std::env::temp_dir().join(format!("citytwin-fuzz-{}{ext}", std::process::id()));
    std::fs::write(&path, data).expect("the temporary folder is writable");
    read(&path)
}

/// The placement a BIM target reads with (glTF has no georeference of its own).
pub fn placement() -> cim_import::Placement {
    cim_import::Placement { lat_deg: 52.0, lon_deg: 4.36, height_m: 0.0, rotation_deg: 0.0 }
}

/// What a fuzz target reads with: a placement for BIM, the highest LoD.
pub fn read_options() -> cim_import::ReadOptions {
    cim_import::ReadOptions { place: Some(placement()), ..Default::default() }
}

/// The CRS files that declare none are read in (RD New, as `--crs EPSG:28992` would), made once.
fn fallback_crs() -> &'static city_core::Crs {
    static CRS: std::sync::OnceLock<city_core::Crs> = std::sync::OnceLock::new();
    CRS.get_or_init(|| city_core::Crs::from_epsg(28992).expect("RD New is in the CRS table"))
}

/// Objects read in memory, into a store (which checks every coordinate and projects it).
pub fn store_objects(path: &Path, imported: cim_import::Imported) {
    let mut store = cim_import::CityStore::new();
    let _ = store.add(path, imported.crs.as_ref().unwrap_or(fallback_crs()), imported.objects);
}

/// Reads `data` as one of the importer's formats into a store, as the import does. Results are
/// ignored: the fuzzer looks for panics, hangs and runaway memory, not for errors.
pub fn import_format(format: cim_import::Format, ext: &str, data: &[u8]) {
    let opts = read_options();
    let mut store = cim_import::CityStore::new();
    with_file(ext, data, |path| {
        let _ = format.read(path, &opts, &mut |crs, objects| store.add(path, crs.unwrap_or(fallback_crs()), objects).map(|_| ()));
    });
}
