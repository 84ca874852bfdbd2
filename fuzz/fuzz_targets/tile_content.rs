#![no_main]
// GLB, glTF JSON, b3dm, i3dm, pnts and cmpt, told apart by their first bytes as the streamer
// does. Resources (external buffers, images) come from no folder: data: URIs only.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = city_tiles::decode_content(data, "tile.bin", &city_tiles::Mat4::IDENTITY, &city_tiles::NoResources);
});
