//! Files an input names (texture images, glTF buffers) are read only from inside the input's
//! own folder. A model is data from elsewhere: its `imageURI` or buffer `uri` must not make the
//! importer read `/etc/passwd` or `../../.ssh/id_rsa` and embed the bytes in a tile.
use std::path::{Path, PathBuf};

/// `reference` (relative, as the file wrote it; `%20` escapes undone) resolved against the
/// folder of `file`, if it names an existing file inside that folder (links followed, then
/// checked). Else why not: missing, or outside the folder.
pub(crate) fn file_beside(file: &Path, reference: &str) -> Result<PathBuf, String> {
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let reference = city_core::percent_decoded(reference);
    if reference.contains("://") || Path::new(&reference).is_absolute() {
        return Err(format!("{reference:?} is not a path beside the file: refused"));
    }
    let path = folder.join(&reference);
    let real = path.canonicalize().map_err(|_| format!("{} is missing", path.display()))?;
    let root = folder.canonicalize().map_err(|e| format!("{}: {e}", folder.display()))?;
    if !real.starts_with(&root) {
        return Err(format!("{reference:?} lies outside the file's folder: refused"));
    }
    if !real.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_inside_the_folder_are_given() {
        let dir = std::env::temp_dir().join(format!("citytwin-beside-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("model/tex")).unwrap();
        std::fs::write(dir.join("model/tex/a b.png"), b"x").unwrap();
        std::fs::write(dir.join("secret.txt"), b"x").unwrap();
        let file = dir.join("model/city.gml");
        assert!(file_beside(&file, "tex/a%20b.png").is_ok());
        assert!(file_beside(&file, "tex/../tex/a b.png").is_ok());
        for bad in ["../secret.txt", "/etc/passwd", "file:///etc/passwd", "tex/../../secret.txt"] {
            let e = file_beside(&file, bad).unwrap_err();
            assert!(e.contains("refused"), "{bad}: {e}");
        }
        assert!(file_beside(&file, "tex/none.png").unwrap_err().contains("missing"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
