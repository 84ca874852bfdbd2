#![no_main]
// In memory (the file reader is this plus reading the file), then into a store.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.city.json");
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(imported) = cim_import::read_cityjson_str(text, path, &citytwin_fuzz::read_options())
    {
        citytwin_fuzz::store_objects(path, imported);
    }
});
