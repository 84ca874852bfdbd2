//! Side-by-side: the same synthetic city and the same queries through CityTwin's index,
//! geo-index (packed Hilbert R-tree), rstar used plainly, and shapely's STRtree (GEOS), with a
//! table of queries per second, ratios against geo-index, and a check that every library
//! returns the same hits. Run it with `benches/compare.sh` (see benches/README.md).
//!
//! Timings are the best of `--repeat` runs (default 3), single-threaded unless the row says
//! otherwise; the machine is shared, so read ratios, not absolute numbers.
#![allow(unsafe_code)] // the counting allocator below; nothing else.
#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use city_core::Aabb2;
use city_index::{BatchOptions, CityIndex, KnnQuery, QueryResults, SyntheticCity, hilbert_key};
use geo_index::rtree::sort::HilbertSort;
use geo_index::rtree::{RTreeBuilder, RTreeIndex};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Counts live heap bytes, so "memory" below is what each index keeps after its build.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

/// kNN queries checked against a brute-force scan.
const SAMPLE: usize = 100;

struct Args {
    objects: usize,
    queries: usize,
    k: usize,
    repeat: usize,
    python: Option<PathBuf>,
    out: PathBuf,
    /// Skip rstar (and shapely unless --python is given): for quick checks of our own changes.
    quick: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        objects: 1_000_000,
        queries: 100_000,
        k: 10,
        repeat: 3,
        python: None,
        out: PathBuf::from("target/peers"),
        quick: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--objects" => a.objects = val().parse().expect("--objects N"),
            "--queries" => a.queries = val().parse().expect("--queries N"),
            "--k" => a.k = val().parse().expect("--k N"),
            "--repeat" => a.repeat = val().parse().expect("--repeat N"),
            "--python" => a.python = Some(PathBuf::from(val())),
            "--out" => a.out = PathBuf::from(val()),
            "--quick" => a.quick = true,
            "--bench" => {}
            other => panic!("unknown argument {other}; see benches/README.md"),
        }
    }
    a
}

/// Best wall time of `repeat` runs, and the last result.
fn best<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

/// The checksum every library's answer is reduced to (as QueryResults::checksum and the
/// Python script compute it).
fn checksum(per_query: &[Vec<u32>]) -> (usize, u64) {
    let mut sum = 0u64;
    let mut hits = 0;
    for (q, ids) in per_query.iter().enumerate() {
        hits += ids.len();
        for &id in ids {
            sum = sum.wrapping_add((u64::from(id) + 1).wrapping_mul(q as u64 + 1));
        }
    }
    (hits, sum)
}

struct Row {
    library: String,
    /// Every kNN answer, to compare with geo-index's query by query.
    knn_all: Vec<Vec<u32>>,
    /// The first answers to kNN queries, to check against a brute-force scan.
    knn_sample: Vec<Vec<u32>>,
    build_s: f64,
    bytes_per_object: f64,
    windows_random: f64,
    windows_sorted: f64,
    knn: f64,
    window_check: (usize, u64),
    knn_check: (usize, u64),
}

/// The queries every peer library answers, and how to time it.
struct Peer<'a> {
    repeat: usize,
    objects: usize,
    windows: &'a [Aabb2],
    windows_sorted: &'a [Aabb2],
    /// `windows_sorted[i] == windows[order[i]]`.
    order: &'a [usize],
    points: &'a [[f64; 2]],
}

impl Peer<'_> {
    /// Builds an index with `build` (timed, and its retained heap counted), then answers the
    /// windows in both orders and the kNN points one query at a time.
    fn measure<I>(
        &self,
        library: &str,
        mut build: impl FnMut() -> I,
        window: impl Fn(&I, &Aabb2) -> Vec<u32>,
        knn: impl Fn(&I, [f64; 2]) -> Vec<u32>,
    ) -> Row {
        let before = LIVE.load(Ordering::Relaxed);
        let (build_s, index) = best(self.repeat, &mut build);
        let bytes = (LIVE.load(Ordering::Relaxed) - before) as f64;
        let answer = |ws: &[Aabb2]| ws.iter().map(|w| window(&index, w)).collect::<Vec<_>>();
        let (tw, res_w) = best(self.repeat, || answer(self.windows));
        let (ts, res_s) = best(self.repeat, || answer(self.windows_sorted));
        let (tk, res_k) = best(self.repeat, || self.points.iter().map(|&p| knn(&index, p)).collect::<Vec<_>>());
        let mut unsorted = vec![Vec::new(); res_s.len()];
        for (pos, ids) in res_s.into_iter().enumerate() {
            unsorted[self.order[pos]] = ids;
        }
        assert_eq!(checksum(&unsorted), checksum(&res_w), "{library}: sorted windows differ from random-order ones");
        let (q, k) = (self.windows.len() as f64, self.points.len() as f64);
        Row {
            library: library.to_owned(),
            build_s,
            bytes_per_object: bytes / self.objects.max(1) as f64,
            windows_random: q / tw,
            windows_sorted: q / ts,
            knn: k / tk,
            window_check: checksum(&res_w),
            knn_check: checksum(&res_k),
            knn_sample: res_k.iter().take(SAMPLE).cloned().collect(),
            knn_all: res_k,
        }
    }
}

fn write_f64(path: &Path, rows: impl Iterator<Item = f64>) {
    let bytes: Vec<u8> = rows.flat_map(f64::to_le_bytes).collect();
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

fn main() {
    let args = parse_args();
    let templates = citytwin::data_dir::real_footprint_templates().unwrap_or_else(|e| panic!("{e:#}"));
    eprintln!("generating {} buildings from {} real footprint shapes...", args.objects, templates.len());
    let city = SyntheticCity::generate(args.objects, 42, &templates);
    let boxes = &city.boxes;
    let windows = city.windows(args.queries, 43, 150.0, 250.0);
    let points = city.points(args.queries, 44);

    // Hilbert-sorted copies of the queries, and the permutation back.
    let grid_min = [500_000.0, 2_440_000.0];
    let key = |p: [f64; 2]| {
        hilbert_key(
            ((p[0] - grid_min[0]) / 40_000.0 * 65535.0) as u32,
            ((p[1] - grid_min[1]) / 40_000.0 * 65535.0) as u32,
        )
    };
    let mut worder: Vec<usize> = (0..windows.len()).collect();
    worder.sort_by_key(|&i| key(windows[i].center()));
    let windows_sorted: Vec<Aabb2> = worder.iter().map(|&i| windows[i]).collect();
    let unsort = |sorted_answers: Vec<Vec<u32>>| {
        let mut out = vec![Vec::new(); sorted_answers.len()];
        for (pos, ids) in sorted_answers.into_iter().enumerate() {
            out[worder[pos]] = ids;
        }
        out
    };
    let knn: Vec<KnnQuery> = points.iter().map(|&p| KnnQuery { point: p, k: args.k }).collect();

    std::fs::create_dir_all(&args.out).expect("creating the output folder");
    write_f64(&args.out.join("boxes.f64"), boxes.iter().flat_map(|b| [b.min[0], b.min[1], b.max[0], b.max[1]]));
    write_f64(&args.out.join("windows.f64"), windows.iter().flat_map(|b| [b.min[0], b.min[1], b.max[0], b.max[1]]));
    write_f64(&args.out.join("points.f64"), points.iter().flat_map(|p| *p));

    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("rayon pool");
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("rayon pool");
    let r = args.repeat;
    let n = args.objects as f64;
    let q = args.queries as f64;
    let mut rows = Vec::new();

    // --- CityTwin ---------------------------------------------------------------------
    let before = LIVE.load(Ordering::Relaxed);
    let (build_s, index) = best(r, || CityIndex::from_boxes(boxes).expect("generated boxes are valid"));
    let retained = (LIVE.load(Ordering::Relaxed) - before) as f64 / n;
    let as_vecs = |res: &QueryResults| (0..res.len()).map(|i| res.get(i).to_vec()).collect::<Vec<_>>();
    let plain = BatchOptions { parallel: false, reorder: false };
    let ours = |opts: BatchOptions, label: &str, pool: &rayon::ThreadPool| {
        let (tw, res_w) = pool.install(|| best(r, || index.windows(&windows, opts).expect("valid windows")));
        let (ts, res_s) = pool.install(|| best(r, || index.windows(&windows_sorted, opts).expect("valid windows")));
        let (tk, res_k) = pool.install(|| best(r, || index.nearest(&knn, opts).expect("valid knn")));
        let w = checksum(&as_vecs(&res_w));
        assert_eq!(checksum(&unsort(as_vecs(&res_s))), w, "{label}: sorted windows differ from random-order windows");
        Row {
            library: label.to_string(),
            build_s,
            bytes_per_object: index.tree_bytes_per_object(),
            windows_random: q / tw,
            windows_sorted: q / ts,
            knn: q / tk,
            window_check: w,
            knn_check: checksum(&as_vecs(&res_k)),
            knn_sample: as_vecs(&res_k).into_iter().take(SAMPLE).collect(),
            knn_all: as_vecs(&res_k),
        }
    };
    rows.push(ours(plain, "citytwin (1 thread, batch in given order)", &one));
    rows.push(ours(
        BatchOptions { parallel: false, reorder: true },
        "citytwin (1 thread, batch Hilbert-reordered)",
        &one,
    ));
    rows.push(ours(BatchOptions { parallel: true, reorder: false }, "citytwin (2 threads, given order)", &two));
    rows.push(ours(BatchOptions { parallel: true, reorder: true }, "citytwin (2 threads, reordered)", &two));
    eprintln!(
        "citytwin: tree {:.1} B/object; tree + exact f64 boxes retained {:.1} B/object",
        index.tree_bytes_per_object(),
        retained
    );
    drop(index);

    // --- geo-index and rstar, one query at a time through their own APIs ----------------
    let ctx = Peer {
        repeat: r,
        objects: boxes.len(),
        windows: &windows,
        windows_sorted: &windows_sorted,
        order: &worder,
        points: &points,
    };
    rows.push(ctx.measure(
        "geo-index 0.4 (HilbertSort, f64)",
        || {
            let mut b = RTreeBuilder::<f64>::new(boxes.len() as u32);
            for bx in boxes {
                b.add(bx.min[0], bx.min[1], bx.max[0], bx.max[1]);
            }
            b.finish::<HilbertSort>()
        },
        |gi, w| gi.search(w.min[0], w.min[1], w.max[0], w.max[1]),
        |gi, p| gi.neighbors(p[0], p[1], Some(args.k), None),
    ));
    if !args.quick {
        rows.push(ctx.measure(
            "rstar 0.14 (bulk_load, iterators)",
            || {
                RTree::bulk_load(
                    boxes
                        .iter()
                        .enumerate()
                        .map(|(i, b)| GeomWithData::new(Rectangle::from_corners(b.min, b.max), i as u32))
                        .collect(),
                )
            },
            |rt, w| rt.locate_in_envelope_intersecting(AABB::from_corners(w.min, w.max)).map(|e| e.data).collect(),
            |rt, p| rt.nearest_neighbor_iter(p).take(args.k).map(|e| e.data).collect(),
        ));
    }

    // --- shapely ---------------------------------------------------------------------
    let mut shapely_line = None;
    if let Some(py) = &args.python {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/shapely_strtree.py");
        let out = std::process::Command::new(py)
            .arg(&script)
            .args(["--boxes", &args.out.join("boxes.f64").to_string_lossy()])
            .args(["--windows", &args.out.join("windows.f64").to_string_lossy()])
            .args(["--points", &args.out.join("points.f64").to_string_lossy()])
            .args(["--repeat", &r.to_string()])
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", py.display()));
        assert!(out.status.success(), "shapely script failed: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("shapely script prints one JSON line");
        shapely_line = Some(v);
    }

    // --- report ----------------------------------------------------------------------
    let gi_row = rows.iter().find(|r| r.library.starts_with("geo-index")).expect("geo-index row");
    let (gw, gs, gk, gb) = (gi_row.windows_random, gi_row.windows_sorted, gi_row.knn, gi_row.build_s);
    println!(
        "\n{} objects, {} windows of 150-250 m ({:.1} hits each), {} points, k = {}\n",
        args.objects,
        args.queries,
        gi_row.window_check.0 as f64 / q,
        args.queries,
        args.k
    );
    println!(
        "| library | build s | B/object | windows/s (random) | windows/s (sorted) | kNN/s | x geo-index (build, random, sorted, kNN) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        println!(
            "| {} | {:.3} | {:.1} | {:.0} | {:.0} | {:.0} | {:.2}, {:.2}, {:.2}, {:.2} |",
            row.library,
            row.build_s,
            row.bytes_per_object,
            row.windows_random,
            row.windows_sorted,
            row.knn,
            gb / row.build_s,
            row.windows_random / gw,
            row.windows_sorted / gs,
            row.knn / gk
        );
    }
    if let Some(v) = &shapely_line {
        let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {} | {:.3} | - | {:.0} (bbox only: {:.0}) | - | {:.0} (k=1) | {:.2}, {:.2}, -, - |",
            v["library"].as_str().unwrap_or("shapely"),
            f("build_s"),
            f("windows_per_s"),
            f("windows_bbox_per_s"),
            f("knn1_per_s"),
            gb / f("build_s"),
            f("windows_per_s") / gw
        );
    }
    println!("\nhit checks (hits, checksum):");
    let mut ok = true;
    for row in &rows {
        let w_ok = row.window_check == gi_row.window_check;
        let k_ok = row.knn_check == gi_row.knn_check;
        ok &= w_ok;
        println!(
            "  {:<48} windows {:?} {}  kNN {:?} {}",
            row.library,
            row.window_check,
            if w_ok { "ok" } else { "DIFFERS" },
            row.knn_check,
            if k_ok { "ok" } else { "differs (ties)" }
        );
    }
    if let Some(v) = &shapely_line {
        let w = (
            v["window_hits"].as_u64().unwrap_or(0) as usize,
            v["window_checksum"].as_str().and_then(|s| s.parse().ok()).or(v["window_checksum"].as_u64()).unwrap_or(0),
        );
        let w_ok = w == gi_row.window_check;
        ok &= w_ok;
        println!("  {:<48} windows {:?} {}", "shapely", w, if w_ok { "ok" } else { "DIFFERS" });
    }
    // kNN answers may differ in which of several equidistant boxes fill the last places; the
    // distances may not. Check each library's distances against a brute-force scan.
    for row in &rows {
        let mut wrong = 0;
        for (qi, ids) in row.knn_sample.iter().enumerate() {
            let p = points[qi];
            let mut all: Vec<f64> = boxes.iter().map(|b| b.distance_to_point(p)).collect();
            all.sort_by(f64::total_cmp);
            let mut got: Vec<f64> = ids.iter().map(|&id| boxes[id as usize].distance_to_point(p)).collect();
            got.sort_by(f64::total_cmp);
            if got != all[..args.k.min(all.len())] {
                wrong += 1;
            }
        }
        println!(
            "  {:<48} kNN distances vs brute force on {} queries: {}",
            row.library,
            row.knn_sample.len(),
            if wrong == 0 { "all equal".to_string() } else { format!("{wrong} WRONG") }
        );
        ok &= wrong == 0;
    }
    // Where an id set differs from geo-index's, the distances must still be equal: a tie.
    let sorted_dists = |qi: usize, ids: &[u32]| {
        let mut d: Vec<f64> = ids.iter().map(|&id| boxes[id as usize].distance_to_point(points[qi])).collect();
        d.sort_by(f64::total_cmp);
        d
    };
    for row in &rows {
        let (mut differ, mut not_ties) = (0, 0);
        for (qi, (a, b)) in row.knn_all.iter().zip(&gi_row.knn_all).enumerate() {
            let (mut sa, mut sb) = (a.clone(), b.clone());
            sa.sort_unstable();
            sb.sort_unstable();
            if sa != sb {
                differ += 1;
                not_ties += usize::from(sorted_dists(qi, a) != sorted_dists(qi, b));
            }
        }
        println!(
            "  {:<48} kNN id sets differing from geo-index: {differ} of {}, of which not ties: {not_ties}",
            row.library,
            row.knn_all.len()
        );
        ok &= not_ties == 0;
    }
    for row in &rows {
        println!(
            "{}",
            serde_json::json!({"library": row.library, "build_s": row.build_s, "bytes_per_object": row.bytes_per_object,
            "windows_random_per_s": row.windows_random, "windows_sorted_per_s": row.windows_sorted, "knn_per_s": row.knn,
            "window_hits": row.window_check.0, "window_checksum": row.window_check.1, "knn_hits": row.knn_check.0, "knn_checksum": row.knn_check.1})
        );
    }
    assert!(ok, "window answers differ between libraries");
}
