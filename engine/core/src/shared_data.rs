//! Where CityTwin's public test and benchmark data lives, found through one setting.
//!
//! `CITYTWIN_DATA` names the folder. Without it, the first `shared/data` beside the working
//! directory or one of its parents (`../shared/data`, `../../shared/data`, ...) is used, so
//! tests find it whether cargo runs them from the workspace root or from a crate's folder.
//! The README lists where outside users get each file.
use std::path::PathBuf;

use crate::CoreError;

/// The data folder (absolute when found by the search).
pub fn shared_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CITYTWIN_DATA") {
        return PathBuf::from(d);
    }
    let mut up = PathBuf::from("..");
    for _ in 0..4 {
        let candidate = up.join("shared/data");
        if candidate.is_dir() {
            // Absolute, so a path built from it means the same from any other folder.
            return candidate.canonicalize().unwrap_or(candidate);
        }
        up = up.join("..");
    }
    PathBuf::from("../shared/data")
}

/// A file or folder under the data folder, or an error naming the path and the setting.
pub fn shared_data_file(relative: &str) -> Result<PathBuf, CoreError> {
    let p = shared_data_dir().join(relative);
    if p.exists() { Ok(p) } else { Err(CoreError::MissingData { path: p.display().to_string() }) }
}
