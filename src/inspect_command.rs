//! `citytwin inspect`: reads a CityGML or IFC file without tiling it and says what it holds
//! and how fast it read, ending with one JSON line for scripts.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use city_core::Crs;
use city_core::peak_resident_bytes;

/// The options of `citytwin inspect`.
#[derive(clap::Args, Debug, Clone)]
pub struct InspectArgs {
    /// A CityGML 2.0/3.0 file (streamed), an IFC2X3/IFC4 file, or 3D Tiles: a tileset (its
    /// JSON or folder; every tile loaded at full detail) or one tile (GLB, glTF, b3dm, i3dm,
    /// pnts, cmpt).
    pub input: PathBuf,
    /// CityGML: the CRS, instead of the file's srsName.
    #[arg(long)]
    pub crs: Option<String>,
    /// IFC: write one JSON line per element (GlobalId, class, triangles, and its box in the
    /// model's own coordinates, metres) to this file, for comparison with other tools.
    #[arg(long)]
    pub elements: Option<PathBuf>,
}

/// Runs `citytwin inspect`.
pub fn run(args: &InspectArgs) -> Result<()> {
    if crate::inspect_tiles::is_tiles_input(&args.input) {
        crate::inspect_tiles::inspect_tiles(&args.input)
    } else if args.input.extension().is_some_and(|e| e.eq_ignore_ascii_case("ifc")) {
        inspect_ifc(&args.input, args.elements.as_deref())
    } else {
        inspect(&args.input, args.crs.as_deref())
    }
}

/// `citytwin inspect` on IFC: reads and tessellates every element, counts them by class, and
/// optionally writes each element's box (model coordinates) as JSON lines.
fn inspect_ifc(input: &Path, elements: Option<&Path>) -> Result<()> {
    let start = Instant::now();
    let model = cim_import::read_ifc_model(input)?;
    let seconds = start.elapsed().as_secs_f64().max(1e-9);
    let bytes = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    for s in &model.skipped {
        eprintln!("skipped: {s}");
    }
    let mut classes: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut triangles = 0;
    for e in &model.elements {
        *classes.entry(&e.class).or_default() += 1;
        triangles += e.triangles.len();
    }
    if let Some(path) = elements {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        for e in &model.elements {
            let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
            for p in e.triangles.iter().flatten() {
                for k in 0..3 {
                    (lo[k], hi[k]) = (lo[k].min(p[k]), hi[k].max(p[k]));
                }
            }
            let line = serde_json::json!({"id": e.id, "class": e.class, "triangles": e.triangles.len(), "min": lo, "max": hi, "color": e.color});
            writeln!(w, "{line}")?;
        }
        w.flush()?;
    }
    let by_class: Vec<String> = classes.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "{}: {} {}, {} elements ({}), {triangles} triangles; georeference {:?}; {} warnings, {} skipped",
        input.display(),
        model.schema,
        cim_import::IFC_READER,
        model.elements.len(),
        by_class.join(", "),
        model.georeference,
        model.warnings.len(),
        model.skipped.len()
    );
    println!(
        "{{\"bytes\":{bytes},\"elements\":{},\"skipped\":{},\"triangles\":{triangles},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1},\"elements_per_s\":{:.0},\"peak_mib\":{}}}",
        model.elements.len(),
        model.skipped.len(),
        bytes as f64 / 1e6 / seconds,
        model.elements.len() as f64 / seconds,
        peak_resident_bytes().map_or("null".into(), |b| format!("{:.0}", b as f64 / 1_048_576.0))
    );
    Ok(())
}

/// `citytwin inspect`: streams a CityGML file and counts what it holds.
fn inspect(input: &Path, crs: Option<&str>) -> Result<()> {
    let crs = crs.map(Crs::parse).transpose().context("--crs")?;
    let opts = cim_import::ReadOptions { crs, ..Default::default() };
    let start = Instant::now();
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    let (mut objects, mut surfaces) = (0usize, 0usize);
    let imp = cim_import::Format::CityGml.read(input, &opts, &mut |_, batch| {
        objects += batch.len();
        for o in batch {
            *kinds.entry(o.object.kind.to_string()).or_default() += 1;
            surfaces += o.surfaces.len();
        }
        Ok(())
    })?;
    let seconds = start.elapsed().as_secs_f64().max(1e-9);
    let bytes = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
    for w in &imp.warnings {
        eprintln!("warning: {w}");
    }
    for s in &imp.skipped {
        eprintln!("skipped: {s}");
    }
    let by_kind: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "{}: {objects} objects ({}), {surfaces} surfaces, CRS EPSG:{}; {} warnings, {} skipped",
        input.display(),
        by_kind.join(", "),
        imp.crs.as_ref().map_or(0, Crs::epsg),
        imp.warnings.len(),
        imp.skipped.len()
    );
    println!(
        "{{\"bytes\":{bytes},\"objects\":{objects},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1},\"objects_per_s\":{:.0},\"peak_mib\":{}}}",
        bytes as f64 / 1e6 / seconds,
        objects as f64 / seconds,
        peak_resident_bytes().map_or("null".into(), |b| format!("{:.0}", b as f64 / 1_048_576.0))
    );
    Ok(())
}
