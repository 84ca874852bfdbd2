//! Tile content decoders: what a content URI's bytes become, by their magic.
mod decoded_content;
mod feature_table;
mod gltf_content;
mod legacy_formats;

pub use decoded_content::{DecodedContent, FeatureProperties, MeshPart, PointCloud, TextureImage};
pub use gltf_content::decode_glb;
pub use legacy_formats::{decode_b3dm, decode_cmpt, decode_i3dm, decode_pnts};

use crate::{Mat4, TilesError};

/// Decodes a tile content: GLB, b3dm, i3dm, pnts or cmpt, told apart by their first bytes.
/// `world_from_tile` is the tile's transform (i3dm's east-north-up instances need it).
pub fn decode_content(bytes: &[u8], uri: &str, world_from_tile: &Mat4) -> Result<DecodedContent, TilesError> {
    decode_inner(bytes, uri, world_from_tile, 0)
}

fn decode_inner(bytes: &[u8], uri: &str, world_from_tile: &Mat4, depth: usize) -> Result<DecodedContent, TilesError> {
    match bytes.get(0..4) {
        Some(b"glTF") => decode_glb(bytes, uri, Mat4::Z_UP_FROM_Y_UP),
        Some(b"b3dm") => decode_b3dm(bytes, uri),
        Some(b"i3dm") => decode_i3dm(bytes, uri, world_from_tile),
        Some(b"pnts") => decode_pnts(bytes, uri),
        Some(b"cmpt") => decode_cmpt(bytes, uri, world_from_tile, depth),
        Some(m) => Err(TilesError::Unsupported {
            uri: uri.to_owned(),
            what: format!("content starting with {:?}", String::from_utf8_lossy(m)),
        }),
        None => Err(TilesError::format(uri, "byte 0", format!("{} bytes: too short to be tile content", bytes.len()))),
    }
}
