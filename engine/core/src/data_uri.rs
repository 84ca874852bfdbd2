//! `data:` URIs (RFC 2397) decoded: glTF files carry small buffers and images inline as
//! `data:application/octet-stream;base64,...`, and both the tile reader and the BIM importer
//! meet them.
use base64::Engine as _;

/// The bytes of a `data:` URI, `None` when `uri` is not one; an error (why) when it is one
/// that is not base64 or does not decode.
pub fn data_uri_bytes(uri: &str) -> Option<Result<Vec<u8>, String>> {
    let rest = uri.strip_prefix("data:")?;
    let (header, data) = rest.split_once(',').unwrap_or((rest, ""));
    if !header.ends_with(";base64") {
        return Some(Err("a data: URI that is not base64".into()));
    }
    Some(base64::engine::general_purpose::STANDARD.decode(data.trim()).map_err(|e| format!("data: URI: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_data_uris_decode_and_others_are_told_apart() {
        assert_eq!(data_uri_bytes("data:application/octet-stream;base64,AAEC"), Some(Ok(vec![0, 1, 2])));
        assert_eq!(data_uri_bytes("buffer.bin"), None);
        assert!(data_uri_bytes("data:text/plain,hello").is_some_and(|r| r.is_err()));
        assert!(data_uri_bytes("data:application/octet-stream;base64,@@@").is_some_and(|r| r.is_err()));
    }
}
