//! The import pipeline's rules, through the library alone (`cim_import::import`), on the real
//! models in `$CITYTWIN_DATA`: which file's CRS is used, a BIM building replacing the city
//! building it stands on (whatever order the files are given in), and an output folder that is
//! never clobbered. The binary only prints what this returns.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.
use std::path::{Path, PathBuf};

use cim_import::{Format, ImportError, ImportOptions, Placement, ReadOptions, import};
use city_core::Crs;
use city_tiles::TilesetFeatures;

fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

/// An output folder in the temp dir, removed when dropped.
struct Out(PathBuf);

impl Out {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("citytwin-rules-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Self(p)
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// No `.partial-` folder of ours is left beside `out`.
fn no_partial_left(out: &Path) -> bool {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    !std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .any(|d| d.file_name().to_string_lossy().starts_with(&format!(".{name}.partial-")))
}

#[test]
fn a_file_without_crs_takes_the_imports_crs_or_is_refused_naming_it() {
    let file = data("cityjson/multi_lod.json");
    assert!(Format::CityJson.read_all(&file, &ReadOptions::default()).unwrap().crs.is_none());
    let out = Out::new("nocrs");
    let e = import(std::slice::from_ref(&file), &ImportOptions::new(&out.0), &()).unwrap_err();
    assert!(matches!(&e, ImportError::NoCrs { file: f } if *f == file), "{e}");
    assert!(e.to_string().contains("multi_lod.json: the file declares no CRS"), "{e}");
    assert!(!out.0.exists() && no_partial_left(&out.0));

    // Given one, the file is placed in it.
    let mut opts = ImportOptions::new(&out.0);
    opts.read.crs = Some(Crs::parse("EPSG:7415").unwrap());
    let report = import(&[file], &opts, &()).unwrap();
    assert!(report.tiling.features > 0);
    let table = TilesetFeatures::read(&out.0).unwrap();
    assert_eq!(table.rows.len(), report.tiling.features);
    // A file that declares its CRS keeps it, whatever the import's: Delft (EPSG:7415) given
    // EPSG:4326 still lands in Delft.
    let mut opts = ImportOptions::new(&out.0);
    opts.read.crs = Some(Crs::parse("EPSG:4326").unwrap());
    import(&[data("cityjson/delft_1b.json")], &opts, &()).unwrap();
    let table = TilesetFeatures::read(&out.0).unwrap();
    let g = table.geodetic_of([0.0, 0.0, 0.0]);
    assert!((g.lat_deg - 52.0).abs() < 0.1 && (g.lon_deg - 4.36).abs() < 0.1, "{g:?}");
}

/// Where the first building of `delft_1b.json` stands: its footprint box's centre, WGS84.
fn delft_building() -> (String, f64, f64) {
    let imp = Format::CityJson.read_all(&data("cityjson/delft_1b.json"), &ReadOptions::default()).unwrap();
    let crs = imp.crs.clone().unwrap();
    let o = imp.objects.iter().find(|o| !o.object.footprint.0.is_empty() && !o.surfaces.is_empty()).unwrap();
    let b = o.object.bbox2().unwrap();
    let g = crs.to_geodetic([(b.min[0] + b.max[0]) / 2.0, (b.min[1] + b.max[1]) / 2.0, 0.0]).unwrap();
    (o.object.id.clone(), g.lat_deg, g.lon_deg)
}

#[test]
fn a_bim_building_replaces_the_city_building_it_stands_on_in_any_order() {
    let (delft_id, lat, lon) = delft_building();
    // FZK-Haus's walls span x -0.5..12.5, y -0.5..10.5 from its origin: the origin goes 6 m
    // west and 5 m south of the building's centre (north_m further north).
    let place = |north_m: f64| {
        let m_lat = 111_320.0;
        let m_lon = m_lat * lat.to_radians().cos();
        Some(Placement {
            lat_deg: lat + (north_m - 5.0) / m_lat,
            lon_deg: lon - 6.0 / m_lon,
            height_m: 0.0,
            rotation_deg: 0.0,
        })
    };
    let run = |north_m: f64, keep: bool| {
        let out = Out::new(&format!("bim-{north_m}-{keep}"));
        let mut opts = ImportOptions::new(&out.0);
        opts.read.place = place(north_m);
        opts.keep_city_buildings = keep;
        // The city first on purpose: BIM models are read first whatever the order given.
        let report = import(&[data("cityjson/delft_1b.json"), data("ifc/AC20-FZK-Haus.ifc")], &opts, &()).unwrap();
        let table = TilesetFeatures::read(&out.0).unwrap();
        (report, table)
    };
    let (on, table) = run(0.0, false);
    assert_eq!(on.replaced, std::slice::from_ref(&delft_id));
    assert!(table.row(&delft_id).is_none(), "the Delft building is still in the tileset");
    assert_eq!(table.rows.iter().filter(|r| r.kind == "BimElement").count(), 90);

    let (kept, table) = run(0.0, true);
    assert!(kept.replaced.is_empty());
    assert!(table.row(&delft_id).is_some());

    let (away, table) = run(300.0, false);
    assert!(away.replaced.is_empty());
    assert!(table.row(&delft_id).is_some());
}

#[test]
fn a_folder_that_is_not_a_tileset_is_never_replaced() {
    let out = Out::new("precious");
    std::fs::create_dir_all(&out.0).unwrap();
    std::fs::write(out.0.join("thesis.tex"), "years of work").unwrap();
    let e = import(&[data("cityjson/delft_1b.json")], &ImportOptions::new(&out.0), &()).unwrap_err();
    assert!(matches!(&e, ImportError::NotATileset { .. }), "{e}");
    assert_eq!(std::fs::read_to_string(out.0.join("thesis.tex")).unwrap(), "years of work");
    assert!(no_partial_left(&out.0));
}

#[test]
fn every_name_is_checked_before_any_file_is_read() {
    let out = Out::new("typo");
    let dir = std::env::temp_dir().join(format!("citytwin-rules-notes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "not a city").unwrap();
    let e = import(&[data("cityjson/delft_1b.json"), notes.clone()], &ImportOptions::new(&out.0), &()).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(&e, ImportError::UnknownFormat { file } if *file == notes), "{e}");
    assert!(!out.0.exists());
}

#[test]
fn nothing_with_geometry_in_the_chosen_lod_is_refused() {
    let out = Out::new("nothing");
    let mut opts = ImportOptions::new(&out.0);
    opts.read.lod = cim_import::LodChoice::Exact(city_core::Lod::parse("3").unwrap());
    let e = import(&[data("cityjson/delft_1b.json")], &opts, &()).unwrap_err();
    assert!(matches!(&e, ImportError::NothingToTile { .. }), "{e}");
    assert!(!out.0.exists() && no_partial_left(&out.0));
}

/// Issue 16: `--crs` means what the file's own srsName would. PLATEAU Yokosuka declares
/// EPSG:6697 (latitude first); given the same CRS explicitly it must land in the same place, not
/// with its axes swapped in the Pacific.
#[test]
fn an_explicit_crs_keeps_the_files_axis_order_for_citygml() {
    let gml = data("citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml");
    let place = |crs: Option<&str>| {
        let out = Out::new(&format!("yokosuka-{}", crs.unwrap_or("own").replace(':', "-")));
        let mut opts = ImportOptions::new(&out.0);
        opts.read.crs = crs.map(|c| Crs::parse(c).unwrap());
        import(std::slice::from_ref(&gml), &opts, &()).unwrap();
        let table = TilesetFeatures::read(&out.0).unwrap();
        let g = table.geodetic_of([0.0, 0.0, 0.0]);
        (g.lon_deg, g.lat_deg)
    };
    let own = place(None);
    // Yokosuka: 139.6 E, 35.2 N (the mesh code 52397519).
    assert!((own.0 - 139.6).abs() < 0.2 && (own.1 - 35.2).abs() < 0.2, "{own:?}");
    let given = place(Some("EPSG:6697"));
    assert!((given.0 - own.0).abs() < 1e-9 && (given.1 - own.1).abs() < 1e-9, "{given:?} vs {own:?}");
}

/// Issue 16: zipped and gzipped inputs, as city models are downloaded. A zip holding the Delft
/// CityJSON, the Berlin CityGML in a subfolder and a readme imports as the two files do; a
/// `.json.gz` as its file does; a zip with nothing the importer reads says so, and one whose
/// entry climbs out of its folder is refused.
#[test]
fn zipped_and_gzipped_inputs_import_as_their_files() {
    use std::io::Write;
    let dir = Out::new("archives");
    std::fs::create_dir_all(&dir.0).unwrap();
    let delft = data("cityjson/delft.json");
    let berlin = data("citygml/Berlin_Moabit_1Bldg_v2.gml");
    let zip_of = |name: &str, entries: &[(&str, Vec<u8>)]| {
        let path = dir.0.join(name);
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (entry, bytes) in entries {
            z.start_file(*entry, deflate).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
        path
    };
    let city = zip_of(
        "city.zip",
        &[
            ("README.txt", b"Delft and Berlin".to_vec()),
            ("delft.json", std::fs::read(&delft).unwrap()),
            ("de/berlin.gml", std::fs::read(&berlin).unwrap()),
        ],
    );
    let features = |inputs: &[PathBuf], name: &str| {
        let out = dir.0.join(name);
        let report = import(inputs, &ImportOptions::new(&out), &()).unwrap();
        let mut ids: Vec<String> = TilesetFeatures::read(&out).unwrap().rows.into_iter().map(|r| r.id).collect();
        ids.sort();
        (report.objects, ids)
    };
    let plain = features(&[delft.clone(), berlin.clone()], "plain");
    assert!(plain.1.len() > 500, "{}", plain.1.len());
    assert_eq!(features(std::slice::from_ref(&city), "zipped"), plain);
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .flatten()
        .filter(|d| d.file_name().to_string_lossy().contains(".inputs-"))
        .collect();
    assert!(left.is_empty(), "the unpacked inputs were left behind");

    let gz = dir.0.join("delft.json.gz");
    let mut w = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    w.write_all(&std::fs::read(&delft).unwrap()).unwrap();
    w.finish().unwrap();
    assert_eq!(features(&[gz], "gzipped"), features(&[delft], "delft"));

    let empty = zip_of("notes.zip", &[("notes.txt", b"no city here".to_vec())]);
    let e = import(&[empty], &ImportOptions::new(dir.0.join("none")), &()).unwrap_err();
    assert!(matches!(e, ImportError::EmptyArchive { .. }) && e.to_string().contains("notes.zip"), "{e}");
    let evil = zip_of("evil.zip", &[("../../escaped.json", b"{}".to_vec())]);
    let e = import(&[evil], &ImportOptions::new(dir.0.join("evil")), &()).unwrap_err();
    assert!(e.to_string().contains("outside the archive"), "{e}");
    assert!(!dir.0.parent().unwrap().join("escaped.json").exists());
}
