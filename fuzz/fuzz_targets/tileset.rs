#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(json) = city_tiles::TilesetJson::parse(data, "tileset.json") {
        let _ = city_tiles::TileTree::from_tileset(&json, "tileset.json");
    }
});
