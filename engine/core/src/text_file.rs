//! Reading a text file that must be UTF-8 (JSON, GeoJSON, scenes, CAP, CSV), with the place of
//! the first bad byte when it is not: `std::fs::read_to_string` says only "stream did not
//! contain valid UTF-8", which leaves a user searching a 100 MB file.
use std::path::Path;

/// The UTF-8 byte-order mark some Windows tools write at the start of a text file.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading UTF-8 byte-order mark: JSON, XML and STEP readers take the mark
/// for the first character of the document and fail on line 1, column 1.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// The file's text, without a byte-order mark; a file that is not UTF-8 is an `InvalidData`
/// error naming the byte, line and column of its first invalid sequence.
pub fn read_utf8(path: &Path) -> std::io::Result<String> {
    let mut bytes = std::fs::read(path)?;
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not valid UTF-8 at byte {at} (line {line}, column {column}): save it as UTF-8"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_named() {
        let p = std::env::temp_dir().join(format!("citytwin-utf8-{}", std::process::id()));
        std::fs::write(&p, b"{\n  \"name\": \"M\xfcnchen\"\n}").unwrap();
        let e = read_utf8(&p).unwrap_err().to_string();
        assert!(e.contains("byte 14") && e.contains("line 2, column 13"), "{e}");
        std::fs::write(&p, "{\"name\": \"München\"}").unwrap();
        assert_eq!(read_utf8(&p).unwrap(), "{\"name\": \"München\"}");
        std::fs::write(&p, "\u{feff}{}").unwrap();
        assert_eq!(read_utf8(&p).unwrap(), "{}", "the byte-order mark is not text");
        std::fs::remove_file(&p).unwrap();
    }
}
