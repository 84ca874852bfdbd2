//! `citytwin query`: a batch of spatial queries over a set of objects, answered in parallel
//! through `city_index`, ending with one JSON line so any harness can compare runs.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use city_core::{Aabb2, Crs};
use city_index::{BatchOptions, KnnQuery, QueryResults};
use citytwin::query_io::{self, ObjectGeometry, Objects, QueryBatch, QueryKind, box_polygon};

/// The options of `citytwin query`.
#[derive(clap::Args, Debug, Clone)]
pub struct QueryArgs {
    /// The kind of query: window (minx,miny,maxx,maxy), window3d
    /// (minx,miny,minz,maxx,maxy,maxz), knn (x,y; with --k), within (x,y,radius),
    /// polygon (wkt), ray (ox,oy,oz,dx,dy,dz), contains (x,y: the footprints holding
    /// each point).
    #[arg(value_enum)]
    pub kind: QueryKind,
    /// The objects: .geojson/.json, .csv, or a tileset folder from `citytwin import`
    /// (its features.csv, in the tileset's local metres).
    #[arg(long)]
    pub objects: PathBuf,
    /// The queries: CSV with a header.
    #[arg(long)]
    pub queries: PathBuf,
    /// Neighbours per knn query.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Worker threads (default: all cores; 1 runs sequentially).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write the hits here: .csv (query,object,value) or .geojson (one feature per hit).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Project GeoJSON objects (WGS84 lon/lat) into this CRS first, e.g. EPSG:32650, so
    /// distances are in metres. CSV coordinates are used as they are.
    #[arg(long)]
    pub crs: Option<String>,
    /// Answer queries in the order given instead of along a Hilbert curve (for
    /// benchmarking the effect of the reordering; the answers are the same).
    #[arg(long)]
    pub no_reorder: bool,
}

/// Runs `citytwin query`.
pub fn run(a: &QueryArgs) -> Result<()> {
    if a.k == 0 {
        bail!("--k must be at least 1");
    }
    if a.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let crs = a.crs.as_deref().map(Crs::parse).transpose().context("--crs")?;
    let threads = a.threads.unwrap_or_else(rayon::current_num_threads);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("starting worker threads")?;
    let opts = BatchOptions { parallel: threads > 1, reorder: !a.no_reorder };
    query(a.kind, &a.objects, &a.queries, a.k, crs.as_ref(), a.out.as_deref(), threads, opts, &pool)
}

#[allow(clippy::too_many_arguments)]
fn query(
    kind: QueryKind,
    objects_path: &Path,
    queries_path: &Path,
    k: usize,
    crs: Option<&Crs>,
    out: Option<&Path>,
    threads: usize,
    opts: BatchOptions,
    pool: &rayon::ThreadPool,
) -> Result<()> {
    let objects = query_io::read_objects(objects_path, crs)?;
    for d in &objects.skipped {
        eprintln!("skipped object: {d}");
    }
    let queries = query_io::read_queries(queries_path, kind)?;
    for d in &queries.skipped {
        eprintln!("skipped query: {d}");
    }
    let t = Instant::now();
    let index = pool.install(|| objects.index())?;
    let build_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let results = pool.install(|| match &queries.batch {
        QueryBatch::Window(q) => index.windows(q, opts),
        QueryBatch::Window3d(q) => index.windows_3d(q, opts),
        QueryBatch::Knn(p) => index.nearest(&p.iter().map(|&point| KnnQuery { point, k }).collect::<Vec<_>>(), opts),
        QueryBatch::Within(q) => index.within_distance(q, opts),
        QueryBatch::Polygon(q) => index.polygons(q, opts),
        QueryBatch::Ray(q) => index.ray_picks(q, opts),
        QueryBatch::Contains(p) => index.join_points(p, opts),
    })?;
    let query_s = t.elapsed().as_secs_f64();

    if let Some(path) = out {
        write_results(path, &objects, &queries.ids, &results).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "{} objects indexed ({} skipped) in {:.3} s; {} {} queries ({} skipped) in {:.3} s on {} thread(s): {} hits",
        objects.ids.len(),
        objects.skipped.len(),
        build_s,
        queries.batch.len(),
        kind.name(),
        queries.skipped.len(),
        query_s,
        threads,
        results.total_hits()
    );
    let line = serde_json::json!({
        "kind": kind.name(),
        "objects": objects.ids.len(),
        "queries": queries.batch.len(),
        "hits": results.total_hits(),
        "threads": threads,
        "build_s": build_s,
        "query_s": query_s,
        "queries_per_s": if query_s > 0.0 { queries.batch.len() as f64 / query_s } else { 0.0 },
        "skipped_objects": objects.skipped.len(),
        "skipped_queries": queries.skipped.len(),
    });
    println!("{line}");
    Ok(())
}

/// Writes hits as CSV (`query,object,value`) or GeoJSON (a feature per hit, with the object's
/// geometry and `query`, `object`, `value` properties).
fn write_results(path: &Path, objects: &Objects, query_ids: &[String], r: &QueryResults) -> Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    let geojson = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
    if geojson {
        writeln!(w, "{{\"type\":\"FeatureCollection\",\"features\":[")?;
    } else {
        writeln!(w, "query,object,value")?;
    }
    let mut first = true;
    for (q, query_id) in query_ids.iter().enumerate().take(r.len()) {
        let values = r.values(q);
        for (j, &id) in r.get(q).iter().enumerate() {
            let value = values.get(j).copied();
            let object = &objects.ids[id as usize];
            if geojson {
                let geometry = match &objects.geometries[id as usize] {
                    ObjectGeometry::Box(b) => geojson::Geometry::from(&geo::Geometry::Polygon(box_polygon(&Aabb2 {
                        min: [b.min[0], b.min[1]],
                        max: [b.max[0], b.max[1]],
                    }))),
                    ObjectGeometry::Footprint(mp, _) => {
                        geojson::Geometry::from(&geo::Geometry::MultiPolygon(mp.clone()))
                    }
                };
                let feature = serde_json::json!({
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": { "query": query_id, "object": object, "value": value },
                });
                write!(w, "{}{feature}", if first { "" } else { ",\n" })?;
                first = false;
            } else {
                let v = value.map(|v| v.to_string()).unwrap_or_default();
                writeln!(w, "{},{},{v}", query_io::csv_field(query_id), query_io::csv_field(object))?;
            }
        }
    }
    if geojson {
        writeln!(w, "\n]}}")?;
    }
    w.flush()?;
    Ok(())
}
