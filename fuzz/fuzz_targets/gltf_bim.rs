#![no_main]
// GLB or glTF JSON, told apart by the first bytes as a user's file name would.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ext = if data.starts_with(b"glTF") { ".glb" } else { ".gltf" };
    citytwin_fuzz::import_format(cim_import::Format::GltfBim, ext, data)
});
