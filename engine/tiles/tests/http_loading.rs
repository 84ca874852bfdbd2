//! Tiles over real HTTP: a small HTTP/1.1 server on a loopback port serves a Cesium sample's
//! folder; the tileset streams through `HttpLoader`, a second run reads everything from the
//! disk cache, a missing file is a failed tile naming the URL and its 404, and a server that
//! never answers is a timeout, not a hang.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use city_tiles::{ContentLoader, HttpLoader, StreamOptions, TileTree, TilesetJson, TilesetStreamer, View, run_job};

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

/// How the server misbehaves on one file.
#[derive(Clone, Copy)]
enum Fault {
    /// Sends the headers (with the whole length) and half the body, then closes.
    CloseMidBody,
    /// Sends the headers and half the body, then says nothing more for 30 s.
    StallMidBody,
}

/// Serves `root` on a free loopback port; returns the base URL and the request counter.
fn serve(root: PathBuf) -> (String, Arc<AtomicUsize>) {
    serve_with_fault(root, None)
}

/// Serves `root`, misbehaving on one file as `fault` says.
fn serve_with_fault(root: PathBuf, fault: Option<(&'static str, Fault)>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut line = String::new();
            let mut r = BufReader::new(s.try_clone().unwrap());
            if r.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
            let fault = fault.filter(|(f, _)| *f == path).map(|(_, how)| how);
            match std::fs::read(root.join(&path)) {
                Ok(body) if fault.is_some() => {
                    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = s.write_all(&body[..body.len() / 2]);
                    let _ = s.flush();
                    if let Some(Fault::StallMidBody) = fault {
                        // Held open on its own thread, so the other tiles are still served.
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_secs(30));
                            drop(s);
                        });
                    }
                }
                Ok(body) => {
                    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = s.write_all(&body);
                }
                Err(_) => {
                    let _ = write!(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
            }
        }
    });
    (url, hits)
}

/// Streams a tileset through a loader until settled; returns the streamer.
fn stream(loader: &dyn ContentLoader, root: &str, closeness: f64) -> TilesetStreamer {
    let json = TilesetJson::parse(&loader.load(root).unwrap(), root).unwrap();
    let tree = TileTree::from_tileset(&json, root).unwrap();
    let t = tree.get(tree.root());
    let c = t.bounds.center;
    let len = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
    let eye = std::array::from_fn(|i| c[i] + c[i] / len * t.radius_m * closeness);
    let view = View::looking_at(eye, c, [0.0, 0.0, 1.0]);
    let mut s = TilesetStreamer::new(tree, StreamOptions::default());
    for _ in 0..200 {
        let frame = s.update(std::slice::from_ref(&view));
        if frame.start.is_empty() {
            return s;
        }
        for job in &frame.start {
            let (outcome, _) = run_job(job, loader);
            s.finished(job.tile, outcome);
        }
    }
    panic!("still loading");
}

#[test]
fn a_tileset_streams_over_http_then_from_the_cache_and_a_404_is_a_failed_tile() {
    let (url, hits) = serve(data("3dtiles/1.0/TilesetWithDiscreteLOD"));
    let cache = std::env::temp_dir().join(format!("citytwin-http-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let (loader, root) =
        HttpLoader::for_tileset(&format!("{url}tileset.json"), Some(cache.clone()), Duration::from_secs(10));
    // Close up: the sample's dragon_high.b3dm is named but not there.
    let s = stream(&loader, &root, 0.5);
    assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
    assert!(s.failures[0].1.contains("dragon_high.b3dm") && s.failures[0].1.contains("404"), "{}", s.failures[0].1);
    assert!(s.stats().loaded >= 2);
    let first = hits.load(Ordering::SeqCst);
    assert!(first >= 3, "tileset, two contents and the 404: {first} requests");
    // Again: everything found is read from the cache; only the missing file is asked for again.
    let (loader, root) =
        HttpLoader::for_tileset(&format!("{url}tileset.json"), Some(cache.clone()), Duration::from_secs(10));
    let again = stream(&loader, &root, 0.5);
    assert_eq!(again.stats().loaded, s.stats().loaded);
    assert_eq!(hits.load(Ordering::SeqCst) - first, 1, "only the 404 goes to the server again");
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tileset.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let _held: Vec<_> = listener.incoming().take(4).collect(); // accept, never answer
        std::thread::sleep(Duration::from_secs(30));
    });
    let (loader, root) = HttpLoader::for_tileset(&url, None, Duration::from_millis(800));
    let started = std::time::Instant::now();
    let e = loader.load(&root).unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(e.contains("tileset.json") && e.to_lowercase().contains("time"), "{e}");
}

#[test]
fn a_server_that_closes_or_stalls_mid_body_fails_that_tile_only() {
    for (fault, what) in [(Fault::CloseMidBody, "closes"), (Fault::StallMidBody, "stalls")] {
        let (url, _) =
            serve_with_fault(data("3dtiles/1.0/TilesetWithDiscreteLOD"), Some(("dragon_medium.b3dm", fault)));
        let cache = std::env::temp_dir().join(format!("citytwin-http-fault-{}-{what}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let (loader, root) =
            HttpLoader::for_tileset(&format!("{url}tileset.json"), Some(cache.clone()), Duration::from_millis(1500));
        let started = std::time::Instant::now();
        let s = stream(&loader, &root, 0.5);
        assert!(started.elapsed() < Duration::from_secs(20), "{what}: took {:?}", started.elapsed());
        let failed: Vec<&str> = s.failures.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(failed.len(), 2, "{what}: the cut tile and the sample's missing one: {failed:?}");
        assert!(failed.iter().any(|f| f.contains("dragon_medium.b3dm")), "{what}: {failed:?}");
        assert!(failed.iter().any(|f| f.contains("dragon_high.b3dm") && f.contains("404")), "{what}: {failed:?}");
        assert!(s.stats().loaded >= 1, "{what}: dragon_low still loads");
        // Nothing half-received was cached: every cached file is a whole file of the sample.
        let folder = data("3dtiles/1.0/TilesetWithDiscreteLOD");
        let whole: Vec<Vec<u8>> =
            std::fs::read_dir(&folder).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
        let cached: Vec<_> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(cached.len() >= 2, "{what}: the tileset and dragon_low are cached: {cached:?}");
        for p in cached {
            assert!(whole.contains(&std::fs::read(&p).unwrap()), "{what}: {} is not a whole file", p.display());
        }
        std::fs::remove_dir_all(&cache).unwrap();
    }
}
