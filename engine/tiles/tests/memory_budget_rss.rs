//! The memory budget holds in resident memory, not only in the streamer's accounting: a
//! 111,111-tile city whose contents add up to 8 GB of GLB (each tile a real 75 kB GLB written
//! by cim_import's writer, decoded for real), a 256 MiB budget, and a recorded camera path from
//! 12 km up down to the streets and along them. The process's resident memory (VmRSS) must stay
//! under what it was before streaming, plus the budget, plus 64 MiB of allocator slack.
//! Alone in its file, so no other test shares the process.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::HashMap;

use cim_import::{Column, PropertyTable, TileMesh, write_glb};
use city_core::{EnuFrame, Geodetic};
use city_tiles::{
    ContentLoader, DecodedContent, StreamOptions, TileId, TileTree, TilesError, TilesetStreamer, View, run_job,
    synthetic_tileset,
};

/// Every content URI answers with the same real GLB: a 40 x 45 grid of 1,800 vertices.
struct SyntheticContents(Vec<u8>);

impl ContentLoader for SyntheticContents {
    fn load(&self, _uri: &str) -> Result<Vec<u8>, TilesError> {
        Ok(self.0.clone())
    }
}

fn grid_glb() -> Vec<u8> {
    let mut mesh = TileMesh::default();
    let (nx, ny) = (40u32, 45u32);
    for j in 0..ny {
        for i in 0..nx {
            mesh.positions.push([i as f32, ((i * j) % 7) as f32, j as f32]);
            mesh.normals.push([0.0, 1.0, 0.0]);
            mesh.feature_ids.push((i / 5) as f32);
        }
    }
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let a = j * nx + i;
            mesh.indices.extend([a, a + nx, a + 1, a + 1, a + nx, a + nx + 1]);
        }
    }
    let mut table = PropertyTable { count: 4, columns: Default::default() };
    table.columns.insert("id".into(), ("id".into(), Column::Text((0..4).map(|i| format!("f{i}")).collect())));
    write_glb(&mesh, &table)
}

fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: usize =
        status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[test]
fn resident_memory_stays_under_budget_plus_overhead_on_a_flight() {
    let glb = grid_glb();
    assert!(glb.len() > 70_000, "{} bytes", glb.len());
    let centre = Geodetic::from_deg(113.57, 22.27, 0.0);
    let tree = TileTree::from_tileset(&synthetic_tileset(5, 20_000.0, centre), "tileset.json").unwrap();
    let tiles = tree.tiles.len();
    assert_eq!(tiles, 111_111);
    println!("contents: {tiles} tiles x {} bytes = {:.2} GB of GLB", glb.len(), (tiles * glb.len()) as f64 / 1e9);
    let budget = 256usize << 20;
    let loader = SyntheticContents(glb);
    let mut s = TilesetStreamer::new(
        tree,
        StreamOptions { memory_budget_bytes: budget, max_loads_in_flight: 64, ..Default::default() },
    );
    let frame = EnuFrame::at(centre);
    let up = frame.axes[2];
    let mut path = Vec::new();
    for i in 0..80 {
        let h = 12_000.0 * 0.93f64.powi(i) + 40.0;
        path.push(([0.0, -h, h], [0.0, 0.0, 0.0]));
    }
    for i in 0..120 {
        let e = -9_000.0 + 150.0 * i as f64;
        path.push(([e, -300.0 + 5.0 * i as f64, 40.0], [e + 800.0, 500.0, 0.0]));
    }
    let baseline = rss_bytes();
    let mut held: HashMap<TileId, Vec<DecodedContent>> = HashMap::new();
    let (mut peak, mut peak_used, mut loads, mut evicted) = (baseline, 0, 0, 0);
    // The path, then a few frames holding still at its end.
    let last = path[path.len() - 1];
    path.extend(std::iter::repeat_n(last, 10));
    for (eye, target) in &path {
        let view = View::looking_at(frame.ecef_from_enu(*eye), frame.ecef_from_enu(*target), up);
        let update = s.update(&[view]);
        for t in &update.evict {
            held.remove(t);
            evicted += 1;
        }
        for job in &update.start {
            let (outcome, decoded) = run_job(job, &loader);
            if s.finished(job.tile, outcome) {
                held.insert(job.tile, decoded);
                loads += 1;
            }
        }
        peak = peak.max(rss_bytes());
        peak_used = peak_used.max(s.stats().used_bytes);
    }
    println!(
        "{loads} tiles loaded on the flight, {evicted} evicted; peak held {} MiB (budget {} MiB); RSS {} MiB before, peak {} MiB",
        peak_used >> 20,
        budget >> 20,
        baseline >> 20,
        peak >> 20
    );
    assert!(loads > 5_000, "the flight should stream a lot: {loads}");
    assert!(
        evicted > 1_000 && peak_used > budget * 9 / 10,
        "the flight should press on the budget: {} MiB, {evicted} evictions",
        peak_used >> 20
    );
    assert!(
        peak <= baseline + budget + (64 << 20),
        "RSS peak {} MiB over {} + {} + 64 MiB",
        peak >> 20,
        baseline >> 20,
        budget >> 20
    );
}
