//! Impact analysis at city scale (issue 6): 1,000 simultaneous incident zones (hexagons and
//! circles of radius 100-400 m) over 1,000,000 buildings of the synthetic city (real footprint
//! shapes): the buildings inside each zone and the people in them, on 1 thread and on 2. Zones
//! are given in the city's metres (the projection is the identity).
//!
//! `cargo bench --bench impact`
#![allow(missing_docs)]

use city_index::{IndexBuilder, SyntheticCity};
use city_layers::{Incident, PeopleModel, Severity, ZoneShape, impacts};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use geo::MultiPolygon;

const BUILDINGS: usize = 1_000_000;
const ZONES: usize = 1_000;

/// Zones centred on buildings (so they hit the city's dense parts), alternating hexagons and
/// circles of radius 100-400 m.
fn zones(city: &SyntheticCity, n: usize) -> Vec<Incident> {
    let mut rng = city_core::SplitMix64(7);
    (0..n)
        .map(|k| {
            let b = city.boxes[(rng.next_u64() % city.boxes.len() as u64) as usize].center();
            let r = rng.range(100.0, 400.0);
            let zone = if k % 2 == 0 {
                let ring: Vec<[f64; 2]> = (0..=6)
                    .map(|i| {
                        let a = std::f64::consts::TAU * (i % 6) as f64 / 6.0;
                        [b[0] + r * a.cos(), b[1] + r * a.sin()]
                    })
                    .collect();
                ZoneShape::Polygon(ring)
            } else {
                ZoneShape::Circle { lon_deg: b[0], lat_deg: b[1], radius_m: r }
            };
            Incident {
                source: ("bench".into(), format!("z{k}")),
                event: "Fire".into(),
                severity: Severity::Severe,
                urgency: "Immediate".into(),
                headline: String::new(),
                onset_ms: None,
                expires_ms: None,
                zones: vec![zone],
                water_level_m: None,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let templates = citytwin::data_dir::real_footprint_templates().unwrap_or_else(|e| panic!("{e:#}"));
    let city = SyntheticCity::generate(BUILDINGS, 42, &templates);
    let mut b = IndexBuilder::with_capacity(BUILDINGS);
    for i in 0..BUILDINGS {
        b.push_footprint(MultiPolygon(vec![city.footprint(i)]), 0.0, 10.0 + (i % 30) as f64).expect("valid footprints");
    }
    let index = b.build();
    let incidents = zones(&city, ZONES);
    let mut g = c.benchmark_group("impact");
    g.sample_size(10).throughput(Throughput::Elements(ZONES as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
        g.bench_function(BenchmarkId::new("zones_over_1m_buildings", format!("{threads}_threads")), |bch| {
            bch.iter(|| {
                pool.install(|| {
                    impacts(&incidents, &index, |x, y| [x, y], &[], PeopleModel::default(), |_| Default::default())
                        .expect("valid zones")
                        .iter()
                        .map(|i| i.inside.len())
                        .sum::<usize>()
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
