//! Every scene shipped in `scenes/` reads.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::Path;

#[test]
fn every_shipped_scene_reads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = city_core::Scene::read(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(!s.tilesets.is_empty(), "{}", p.display());
            n += 1;
        }
    }
    assert!(n >= 1, "no scenes in {}", dir.display());
}
