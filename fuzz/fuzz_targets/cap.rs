#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = city_layers::CapAlert::parse(text, "alert.xml");
    }
});
