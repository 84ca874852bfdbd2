//! The terrain mesher alone (issue 18): the greedy-insertion TINs of a real DEM's leaf tiles
//! (65 x 65 pixels, as `citytwin import DEM` cuts them by default) at a maximum error, on one
//! thread, so a change to `cim-import/src/terrain_tin.rs` shows in its
//! own number rather than in the noise of a whole import (`benches/terrain_vs_pydelatin.py`
//! times that against the peer). The DSM (rooftops) is the hard case: about as many triangles
//! as pixels, most of them tiny.
//!
//! `cargo bench --bench terrain_tin`
#![allow(missing_docs)]

use cim_import::{Dem, HeightGrid, tin};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("terrain_tin");
    group.sample_size(20);
    for (name, file) in
        [("dtm", "terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif"), ("dsm", "terrain/delft-ahn3/delft_ahn3_dsm_0p5m.tif")]
    {
        let path = city_core::shared_data_file(file).expect("the shared data");
        let dem = Dem::read(&path, None).expect("a readable DEM");
        // The mesher takes no missing heights: fill them with the lowest height.
        let low = dem.heights.iter().copied().filter(|h| h.is_finite()).fold(f32::INFINITY, f32::min);
        let heights: Vec<f32> = dem.heights.iter().map(|&h| if h.is_finite() { h } else { low }).collect();
        let tiles = leaf_tiles(&heights, dem.width, dem.height);
        group.throughput(Throughput::Elements(heights.len() as u64));
        let mesh_all = |max_error: f64| -> usize {
            tiles
                .iter()
                .map(|(w, h, z)| tin(&HeightGrid { width: *w, height: *h, heights: z }, max_error).triangles.len() / 3)
                .sum()
        };
        for max_error in [0.1, 0.5] {
            eprintln!("{name} at {max_error} m: {} triangles in {} tiles", mesh_all(max_error), tiles.len());
            group.bench_with_input(BenchmarkId::new(name, max_error), &max_error, |b, &e| b.iter(|| mesh_all(e)));
        }
    }
    group.finish();
}

/// The grid cut into windows of 65 x 65 pixels that share their edges (64 cells a side), as
/// the importer's leaf tiles: (width, height, heights) each.
fn leaf_tiles(heights: &[f32], width: usize, height: usize) -> Vec<(usize, usize, Vec<f32>)> {
    const CELLS: usize = 64;
    let mut tiles = Vec::new();
    for r0 in (0..height - 1).step_by(CELLS) {
        for c0 in (0..width - 1).step_by(CELLS) {
            let (w, h) = ((width - c0).min(CELLS + 1), (height - r0).min(CELLS + 1));
            let z = (r0..r0 + h).flat_map(|r| heights[r * width + c0..][..w].iter().copied()).collect();
            tiles.push((w, h, z));
        }
    }
    tiles
}

criterion_group!(benches, bench);
criterion_main!(benches);
