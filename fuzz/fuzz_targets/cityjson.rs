#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| citytwin_fuzz::import_format(
    cim_import::Format::CityJson,
    ".city.json",
    data
));
