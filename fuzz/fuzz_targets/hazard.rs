#![no_main]
// A PLATEAU flood GML or a GeoJSON of zones, by the first byte.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ext = if data.first() == Some(&b'{') { ".geojson" } else { ".gml" };
    citytwin_fuzz::with_file(ext, data, |path| {
        let _ = city_layers::read_hazards(path);
    });
});
