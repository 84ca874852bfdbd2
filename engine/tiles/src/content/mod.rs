//! Tile content decoders: what a content URI's bytes become, by their magic.
mod decoded_content;
mod draco_primitive;
mod feature_table;
mod gltf_content;
mod gltf_data;
mod legacy_formats;
mod meshopt_view;

pub use decoded_content::{
    DecodedContent, FeatureProperties, MeshPart, PointCloud, PointProperty, PointSource, TextureImage,
};
pub use gltf_content::{decode_glb, decode_gltf};
pub use gltf_data::check_gltf;
pub use legacy_formats::{decode_b3dm, decode_cmpt, decode_i3dm, decode_pnts};

use crate::{ContentLoader, Mat4, TilesError};

/// Decodes a tile content: GLB, `.gltf` (JSON), b3dm, i3dm, pnts or cmpt, told apart by their
/// first bytes. `world_from_tile` is the tile's transform (i3dm's east-north-up instances need
/// it); `resources` fetches the files a glTF refers to (buffers, images), relative to `uri`.
pub fn decode_content(
    bytes: &[u8],
    uri: &str,
    world_from_tile: &Mat4,
    resources: &dyn ContentLoader,
) -> Result<DecodedContent, TilesError> {
    decode_inner(bytes, uri, world_from_tile, resources, 0)
}

fn decode_inner(
    bytes: &[u8],
    uri: &str,
    world_from_tile: &Mat4,
    resources: &dyn ContentLoader,
    depth: usize,
) -> Result<DecodedContent, TilesError> {
    let json_first = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    match bytes.get(0..4) {
        Some(b"glTF") => decode_gltf(bytes, uri, Mat4::Z_UP_FROM_Y_UP, resources),
        Some(_) if json_first => decode_gltf(bytes, uri, Mat4::Z_UP_FROM_Y_UP, resources),
        Some(b"b3dm") => decode_b3dm(bytes, uri, resources),
        Some(b"i3dm") => decode_i3dm(bytes, uri, world_from_tile, resources),
        Some(b"pnts") => decode_pnts(bytes, uri),
        Some(b"cmpt") => decode_cmpt(bytes, uri, world_from_tile, resources, depth),
        Some(m) => Err(TilesError::Unsupported {
            uri: uri.to_owned(),
            what: format!("content starting with {:?}", String::from_utf8_lossy(m)),
        }),
        None => Err(TilesError::format(uri, "byte 0", format!("{} bytes: too short to be tile content", bytes.len()))),
    }
}
