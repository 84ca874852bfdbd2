//! Observations decoded and applied per second, from an in-memory stream (issue 5: goal at
//! least 1,000,000/s on 2 cores). 100,000 sensors, plain JSON payloads, batches of 100,000,
//! parsed on every core and applied in order; with alarms on the property.
use city_core::Geodetic;
use city_layers::{AlarmRule, Direction, IotLayer, Sensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let at = Geodetic::from_deg(113.57, 22.27, 0.0);
    let sensors: Vec<Sensor> = (0..100_000).map(|i| Sensor::single(&format!("s{i}"), at, "pm2_5", "ug/m3")).collect();
    let rule = AlarmRule::new("pm2_5", Direction::Above, 75.0, 60.0).unwrap_or_else(|e| panic!("{e}"));
    let mut layer = IotLayer::new(sensors, vec![rule]).unwrap_or_else(|e| panic!("{e}"));
    let batch: Vec<(String, Vec<u8>)> = (0..100_000u64)
        .map(|i| {
            let v = 20.0 + ((i * 7919) % 90) as f64 * 0.97;
            (
                "city/air".to_owned(),
                format!(r#"{{"sensor":"s{}","t":{},"value":{v}}}"#, (i * 31) % 100_000, 1_763_210_391_000 + i)
                    .into_bytes(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("plain_json_100k", |b| b.iter(|| layer.ingest_batch(&batch).len()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
