//! `%XX` escapes in URI references undone: glTF and CityGML name their files by URI (`Box%20With
//! Spaces.bin`), and the file system wants the name.

/// `s` with every `%XX` (two hex digits) replaced by its byte; a `%` without two hex digits
/// after it stays as written. Bytes that are not UTF-8 become U+FFFD.
pub fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_bytes_and_lone_percents_stay() {
        assert_eq!(percent_decoded("tile%20a.bin"), "tile a.bin");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz"), "%zz");
        assert_eq!(percent_decoded("%e6%9d%b1.bin"), "東.bin");
    }
}
