//! Tile selection over a synthetic tileset of 111,111 tiles (issue 4: under 1 ms per view per
//! frame on one core). Two views: an overview of the whole 20 km city, and a street-level view
//! looking across it (the deepest refinement). Each with every tile loaded (selection refines as
//! far as the error asks) and with nothing loaded (selection asks for loads).
use city_core::{Geodetic, ecef_from_geodetic};
use city_tiles::{Readiness, SelectionOptions, TileTree, View, select, synthetic_tileset};
use criterion::{Criterion, criterion_group, criterion_main};

fn views() -> Vec<(&'static str, View)> {
    let zhuhai = Geodetic::from_deg(113.57, 22.27, 0.0);
    let at = |e: f64, n: f64, h: f64| {
        let f = city_core::EnuFrame::at(zhuhai);
        f.ecef_from_enu([e, n, h])
    };
    let up = |p: [f64; 3]| {
        let l = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        p.map(|v| v / l)
    };
    let centre = ecef_from_geodetic(zhuhai);
    vec![
        ("overview", View::looking_at(at(0.0, -15_000.0, 12_000.0), centre, up(centre))),
        ("street", View::looking_at(at(-3_000.0, -2_000.0, 30.0), at(2_000.0, 3_000.0, 10.0), up(centre))),
    ]
}

fn bench(c: &mut Criterion) {
    let json = synthetic_tileset(5, 20_000.0, Geodetic::from_deg(113.57, 22.27, 0.0));
    let tree = TileTree::from_tileset(&json, "tileset.json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tree.tiles.len(), 111_111);
    let opts = SelectionOptions::default();
    let mut g = c.benchmark_group("select_111k_tiles");
    for (name, view) in views() {
        let views = [view];
        let loaded = select(&tree, &views, &opts, &|_| Readiness::Ready);
        eprintln!("{name}: {} tiles drawn, {} visited", loaded.render.len(), loaded.visited);
        g.bench_function(format!("{name}_all_loaded"), |b| {
            b.iter(|| select(&tree, &views, &opts, &|_| Readiness::Ready))
        });
        g.bench_function(format!("{name}_nothing_loaded"), |b| {
            b.iter(|| select(&tree, &views, &opts, &|_| Readiness::NotReady))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
