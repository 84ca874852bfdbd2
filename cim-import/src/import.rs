//! The import pipeline: input files in, a 3D Tiles tileset out. It owns the rules that hold
//! across files, so a library user and `citytwin import` get the same result:
//!
//! - zipped and gzipped inputs are unpacked first (`archive_inputs.rs`), and every file's
//!   format is known before any is read ([`Format::detect`]), so a typo in the tenth name fails
//!   in a second, not after nine files;
//! - a file's CRS is its own, else the import's (`--crs`), else [`ImportError::NoCrs`]; the
//!   import's CRS is read in the axis order the file's own would be (CityGML: EPSG's order;
//!   the JSON formats: easting first);
//! - BIM models are read first, so the city buildings they stand on are left out as the city is
//!   read (a BIM building replaces the city building under it, `bim_in_city.rs`), unless
//!   [`ImportOptions::keep_city_buildings`];
//! - objects go into the flat [`CityStore`] a batch at a time as they are read, so the nested
//!   form of a city is never held whole;
//! - the tileset is built beside the output folder and moved into place only when whole
//!   ([`write_tileset`]).
use std::path::{Path, PathBuf};
use std::time::Instant;

use city_core::{AxisOrder, Crs};

use crate::{
    BimOutline, BimSites, CityStore, Format, ImportError, Imported, Progress, ReadOptions, Skipped, TilingOptions,
    TilingSummary, write_tileset,
};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The output folder: replaced when the import succeeds, if it is empty or an earlier
    /// tileset; never when it holds other files.
    pub out: PathBuf,
    /// How to read the inputs; `read.crs` is the CRS of inputs that declare none (and for
    /// CityGML it overrides the file's `srsName`).
    pub read: ReadOptions,
    /// How to tile.
    pub tiling: TilingOptions,
    /// With a city and a BIM model together: keep the city buildings the BIM building stands on.
    pub keep_city_buildings: bool,
    /// A DEM (GeoTIFF) the buildings are checked against instead of the terrain in the inputs.
    pub terrain: Option<PathBuf>,
    /// Set the buildings whose base floats or is buried (over [`crate::ON_GROUND_M`] from the
    /// ground) on the ground.
    pub fix_ground: bool,
}

impl ImportOptions {
    /// Defaults for everything but the output folder.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            out: out.into(),
            read: ReadOptions::default(),
            tiling: TilingOptions::default(),
            keep_city_buildings: false,
            terrain: None,
            fix_ground: false,
        }
    }
}

/// What an import read and wrote.
#[derive(Debug)]
pub struct ImportReport {
    /// Objects read from all files (before any was replaced or found without geometry).
    pub objects: usize,
    /// Objects skipped, with the file, id and reason.
    pub skipped: Vec<Skipped>,
    /// Warnings that cost no object.
    pub warnings: Vec<Skipped>,
    /// Ids of the city buildings left out because a BIM building stands there.
    pub replaced: Vec<String>,
    /// What the tiler wrote (its ground check against the DEM when one was given, after any
    /// fix).
    pub tiling: TilingSummary,
    /// The ground check against the DEM before `fix_ground` moved anything.
    pub ground_before_fix: Option<crate::GroundCheck>,
    /// Buildings set on the ground by `fix_ground`.
    pub ground_fixed: usize,
    /// Wall time of the whole import, seconds.
    pub seconds: f64,
}

/// Imports `inputs` into a tileset at `opts.out`. On any error nothing is left at `opts.out`
/// that was not there before.
pub fn import(inputs: &[PathBuf], opts: &ImportOptions, progress: &dyn Progress) -> Result<ImportReport, ImportError> {
    let start = Instant::now();
    // Zipped and gzipped inputs are unpacked beside the output first (removed at the end).
    let unpacked = crate::archive_inputs::unpack_inputs(inputs, &opts.out)?;
    let inputs = &unpacked.files;
    let formats: Vec<Format> = inputs.iter().map(|p| Format::detect(p)).collect::<Result<_, _>>()?;
    // The import's CRS means what the file's own would: CityGML keeps EPSG's axis order, as its
    // srsName does (PLATEAU's EPSG:6697 is latitude first); CityJSON, GeoJSON and OSM write
    // easting (longitude) first whatever EPSG says.
    let gml_read = opts.read.clone();
    let read = ReadOptions {
        crs: opts.read.crs.clone().map(|c| c.with_axis_order(AxisOrder::EastNorth)),
        ..opts.read.clone()
    };
    let read_for = |format: Format| if format == Format::CityGml { &gml_read } else { &read };
    // The CRS of a file: its own, else the import's, else an error naming the file.
    let crs_of = |file: &Path, declared: Option<&Crs>| -> Result<Crs, ImportError> {
        declared.or(read.crs.as_ref()).cloned().ok_or_else(|| ImportError::NoCrs { file: file.to_owned() })
    };
    // BIM models first: the city buildings standing where they stand are then left out.
    let ordered: Vec<(&PathBuf, Format)> = inputs
        .iter()
        .zip(formats.iter().copied())
        .filter(|(_, f)| f.is_bim())
        .chain(inputs.iter().zip(formats.iter().copied()).filter(|(_, f)| !f.is_bim()))
        .collect();

    let mut store = CityStore::new();
    let mut sites = BimSites::default();
    let mut report = ImportReport {
        objects: 0,
        skipped: Vec::new(),
        warnings: Vec::new(),
        replaced: Vec::new(),
        tiling: TilingSummary::default(),
        ground_before_fix: None,
        ground_fixed: 0,
        seconds: 0.0,
    };
    for (n, (path, format)) in ordered.into_iter().enumerate() {
        progress.reading(path, report.objects);
        let imported = if format.is_bim() {
            // A building model is taken whole: its outline is the hull of all its elements.
            let mut imp = format.read_all(path, read_for(format))?;
            report.objects += imp.objects.len();
            let crs = crs_of(path, imp.crs.as_ref())?;
            if !opts.keep_city_buildings
                && let Some(outline) = BimOutline::of(&imp)?
            {
                sites.add(outline);
            }
            let skipped = store.add(path, &crs, std::mem::take(&mut imp.objects))?;
            imp.skipped.extend(skipped);
            imp
        } else {
            let objects = &mut report.objects;
            let mut refused = Vec::new();
            let imp = format.read(path, read_for(format), &mut |declared, batch| {
                *objects += batch.len();
                let crs = crs_of(path, declared)?;
                let skipped = store.add(path, &crs, sites.admit(&crs, batch))?;
                for s in &skipped {
                    progress.skipped(s);
                }
                refused.extend(skipped);
                progress.reading(path, *objects);
                Ok(())
            })?;
            report.skipped.extend(refused);
            imp
        };
        note(imported, &mut report, progress);
        progress.files_read(n + 1, inputs.len());
    }
    report.replaced = std::mem::take(&mut sites.replaced);
    if !report.replaced.is_empty() {
        progress.replaced(&report.replaced);
    }
    // The buildings against the DEM given (and set on it when asked).
    let dem = opts.terrain.as_deref().map(|t| crate::Dem::read(t, None)).transpose()?;
    if let (Some(dem), true) = (&dem, opts.fix_ground)
        && let Some((check, differences)) = crate::ground_check::check_against_dem(&store, dem)?
    {
        for &(i, d) in differences.iter().filter(|(_, d)| d.abs() > crate::ON_GROUND_M) {
            store.lift(i, -d);
            report.ground_fixed += 1;
        }
        report.ground_before_fix = Some(check);
    }
    report.tiling = write_tileset(&store, &opts.out, &opts.tiling, progress).map_err(|e| match e {
        // Named by the inputs, where the user will look.
        ImportError::NothingToTile { out, .. } => ImportError::NothingToTile {
            inputs: inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
            skipped: report.skipped.len(),
            out,
        },
        other => other,
    })?;
    if let Some(dem) = &dem {
        report.tiling.ground = crate::ground_check::check_against_dem(&store, dem)?.map(|(check, _)| check);
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// A file's skipped objects and warnings, told as they come and kept for the report.
fn note(imported: Imported, report: &mut ImportReport, progress: &dyn Progress) {
    for s in &imported.skipped {
        progress.skipped(s);
    }
    for w in &imported.warnings {
        progress.warning(w);
    }
    report.skipped.extend(imported.skipped);
    report.warnings.extend(imported.warnings);
}
