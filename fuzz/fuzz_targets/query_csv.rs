#![no_main]
use citytwin::query_io::{QueryKind, read_queries};

// Queries of every kind from the same bytes (the header says which columns are there).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    citytwin_fuzz::with_file(".csv", data, |path| {
        for kind in [QueryKind::Window, QueryKind::Window3d, QueryKind::Within, QueryKind::Polygon, QueryKind::Ray] {
            let _ = read_queries(path, kind);
        }
        let _ = citytwin::query_io::read_objects(path, None);
    });
});
