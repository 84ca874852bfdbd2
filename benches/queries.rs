//! Criterion benches of every query kind and the bulk load, sequential against rayon, at 10^5
//! and 10^6 objects of the synthetic city (clustered districts over 40 x 40 km, real footprint
//! shapes, 5-60 m). Fixed seeds: runs compare like with like.
//!
//! `cargo bench --bench queries` (all), or e.g. `cargo bench --bench queries -- knn/1000000`.
//! For a baseline: `-- --save-baseline main`, then `-- --baseline main` after a change.
#![allow(missing_docs)]

use city_core::Aabb2;
use city_index::{BatchOptions, CityIndex, Frustum, IndexBuilder, KnnQuery, Plane, Ray, SyntheticCity, WithinQuery};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use geo::{MultiPolygon, polygon};

const QUERIES: usize = 10_000;
const MODES: [(&str, BatchOptions); 2] = [
    ("sequential", BatchOptions { parallel: false, reorder: true }),
    ("rayon", BatchOptions { parallel: true, reorder: true }),
];

fn bench(c: &mut Criterion) {
    let templates = citytwin::data_dir::real_footprint_templates().unwrap_or_else(|e| panic!("{e:#}"));
    for n in [100_000usize, 1_000_000] {
        let city = SyntheticCity::generate(n, 42, &templates);
        let windows = city.windows(QUERIES, 43, 150.0, 250.0);
        let points = city.points(QUERIES, 44);

        let mut g = c.benchmark_group("bulk_load");
        g.sample_size(10).throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| CityIndex::from_boxes(&city.boxes).expect("generated boxes are valid"))
        });
        g.finish();

        let index = CityIndex::from_boxes(&city.boxes).expect("generated boxes are valid");
        // Footprint index for the exact kinds (polygon, join, ray) on a tenth of the city.
        let m = n / 10;
        let mut fb = IndexBuilder::new();
        for i in 0..m {
            fb.push_footprint(MultiPolygon(vec![city.footprint(i)]), 0.0, 10.0 + (i % 30) as f64)
                .expect("generated footprints are valid");
        }
        let fp_index = fb.build();

        let knn: Vec<KnnQuery> = points.iter().map(|&p| KnnQuery { point: p, k: 10 }).collect();
        let within: Vec<WithinQuery> = points.iter().map(|&p| WithinQuery { point: p, radius: 100.0 }).collect();
        let zones: Vec<MultiPolygon<f64>> = windows
            .iter()
            .map(|w| {
                let c = w.center();
                MultiPolygon(vec![polygon![(x: w.min[0], y: c[1]), (x: c[0], y: w.min[1]), (x: w.max[0], y: c[1]), (x: c[0], y: w.max[1])]])
            })
            .collect();
        let rays: Vec<Ray> = points
            .iter()
            .map(|p| Ray { origin: [p[0] - 300.0, p[1] - 300.0, 150.0], dir: [300.0, 300.0, -150.0] })
            .collect();
        let frusta: Vec<Frustum> = windows
            .iter()
            .take(QUERIES / 100)
            .map(|w| {
                let p = |nx: f64, ny: f64, d: f64| Plane { normal: [nx, ny, 0.0], d };
                let far = Plane { normal: [0.0, 0.0, -1.0], d: 1_000.0 };
                let near = Plane { normal: [0.0, 0.0, 1.0], d: 1_000.0 };
                Frustum {
                    planes: [
                        p(1.0, 0.0, -w.min[0]),
                        p(-1.0, 0.0, w.max[0]),
                        p(0.0, 1.0, -w.min[1]),
                        p(0.0, -1.0, w.max[1]),
                        near,
                        far,
                    ],
                }
            })
            .collect();
        let windows3: Vec<_> = windows.iter().map(|w| w.with_z(0.0, 5.0)).collect();

        for (mode, opts) in MODES {
            let mut g = c.benchmark_group(format!("queries/{n}/{mode}"));
            g.sample_size(10).throughput(Throughput::Elements(QUERIES as u64));
            g.bench_function("window_2d", |b| b.iter(|| index.windows(&windows, opts).expect("valid")));
            g.bench_function("window_3d", |b| b.iter(|| index.windows_3d(&windows3, opts).expect("valid")));
            g.bench_function("knn_10", |b| b.iter(|| index.nearest(&knn, opts).expect("valid")));
            g.bench_function("within_100m", |b| b.iter(|| index.within_distance(&within, opts).expect("valid")));
            g.bench_function("polygon", |b| b.iter(|| fp_index.polygons(&zones, opts).expect("valid")));
            g.bench_function("join_points", |b| b.iter(|| fp_index.join_points(&points, opts).expect("valid")));
            g.bench_function("ray_pick", |b| b.iter(|| fp_index.ray_picks(&rays, opts).expect("valid")));
            g.throughput(Throughput::Elements(frusta.len() as u64));
            g.bench_function("frustum", |b| b.iter(|| index.frustums(&frusta, opts).expect("valid")));
            g.finish();
        }
        let _: &[Aabb2] = &windows;
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
