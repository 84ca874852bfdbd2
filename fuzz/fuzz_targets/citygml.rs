#![no_main]
// In memory (the file reader streams the same parser over the file), then into a store.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.gml");
    if let Ok(imported) = cim_import::read_citygml_from(data, path, &citytwin_fuzz::read_options()) {
        citytwin_fuzz::store_objects(path, imported);
    }
});
