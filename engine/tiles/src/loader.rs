//! Where tile bytes come from: one trait, a loader for local folders and one for HTTP(S).
use std::path::{Path, PathBuf};

use crate::TilesError;

/// Fetches the bytes of a URI relative to a tileset's root (`tileset.json`, `tiles/0.glb`).
/// Called from background threads.
pub trait ContentLoader: Send + Sync {
    /// The bytes, or why not.
    fn load(&self, uri: &str) -> Result<Vec<u8>, TilesError>;
}

/// For content that must be self-contained (a GLB decoded on its own): every URI is refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResources;

impl ContentLoader for NoResources {
    fn load(&self, uri: &str) -> Result<Vec<u8>, TilesError> {
        Err(TilesError::Load { uri: uri.to_owned(), reason: "a separate file, and no folder to read it from".into() })
    }
}

/// Files under one folder. A URI may not leave the folder: not with `..`, not as an absolute
/// path, not through a symbolic link (3D Tiles content is data from elsewhere: it must not read
/// `~/.ssh` because a tileset says so).
#[derive(Debug, Clone)]
pub struct FileLoader {
    root: PathBuf,
}

impl FileLoader {
    /// A loader for the folder holding `tileset` (a `tileset.json` path, or a folder holding
    /// one). Returns it and the root tileset's URI relative to that folder.
    pub fn for_tileset(tileset: &Path) -> Result<(Self, String), TilesError> {
        let fail = |reason: String| TilesError::Load { uri: tileset.display().to_string(), reason };
        let file = if tileset.is_dir() { tileset.join("tileset.json") } else { tileset.to_owned() };
        let file = file.canonicalize().map_err(|e| fail(e.to_string()))?;
        let root = file.parent().map(Path::to_owned).ok_or_else(|| fail("no parent folder".into()))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok((Self { root }, name))
    }

    /// A loader for the files under `folder` (a canonical path).
    pub fn in_folder(folder: &Path) -> Self {
        Self { root: folder.to_owned() }
    }

    /// The folder URIs are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl ContentLoader for FileLoader {
    fn load(&self, uri: &str) -> Result<Vec<u8>, TilesError> {
        let fail = |reason: &str| TilesError::Load { uri: uri.to_owned(), reason: reason.to_owned() };
        let path_part = uri.split(['?', '#']).next().unwrap_or("");
        if uri.contains("://") || path_part.starts_with('/') || path_part.split('/').any(|s| s == "..") {
            return Err(fail("the URI leaves the tileset's folder: refused"));
        }
        let path = self.root.join(path_part);
        let real = path.canonicalize().map_err(|e| fail(&e.to_string()))?;
        if !real.starts_with(&self.root) {
            return Err(fail("the URI leads outside the tileset's folder (a link?): refused"));
        }
        std::fs::read(&real).map_err(|e| fail(&e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_that_leave_the_folder_are_refused() {
        let dir = std::env::temp_dir().join(format!("citytwin-loader-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("tiles")).unwrap();
        std::fs::write(dir.join("tileset.json"), "{}").unwrap();
        std::fs::write(dir.join("tiles/a.glb"), "x").unwrap();
        let (l, name) = FileLoader::for_tileset(&dir).unwrap();
        assert_eq!(name, "tileset.json");
        assert_eq!(l.load("tiles/a.glb").unwrap(), b"x");
        for bad in ["../secret", "tiles/../../x", "/etc/passwd", "file:///etc/passwd"] {
            let e = l.load(bad).unwrap_err().to_string();
            assert!(e.contains("refused"), "{bad}: {e}");
        }
        assert!(l.load("tiles/missing.glb").unwrap_err().to_string().contains("missing.glb"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
