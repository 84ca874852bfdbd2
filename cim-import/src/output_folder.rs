//! How every tileset the importer writes gets into its output folder: built in a work folder
//! beside it (`.NAME.partial-PID`) and moved into place by renames only when whole, so an
//! interrupted or failed run never leaves a tileset that looks complete, and an earlier tileset
//! survives until the new one is ready. The output folder is replaced only if it is empty or an
//! earlier tileset: `-o .` or `-o ~/work` must never delete someone's files.
use std::path::{Path, PathBuf};

use crate::ImportError;

/// Runs `build` on a fresh work folder beside `out_dir` (holding an empty `tiles/`), then puts
/// the result in place of `out_dir`. On any failure nothing is left but what was there before.
pub(crate) fn build_in_place<T>(
    out_dir: &Path,
    build: impl FnOnce(&Path) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    if out_dir.exists() {
        let empty = std::fs::read_dir(out_dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !out_dir.join("tileset.json").is_file() {
            return Err(ImportError::NotATileset { out: out_dir.to_owned() });
        }
    }
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "tileset".into());
    sweep_stale_partials(parent, &name);
    let tmp: PathBuf = parent.join(format!(".{name}.partial-{}", std::process::id()));
    std::fs::create_dir_all(tmp.join("tiles")).map_err(io(&tmp))?;

    let built = match build(&tmp) {
        Ok(built) => built,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };

    // Into place, by renames: at every instant `out_dir` is the earlier tileset, nothing, or the
    // new one whole. A kill between the two renames leaves the earlier one in `old`.
    let old: PathBuf = parent.join(format!(".{name}.old-{}", std::process::id()));
    let replace = || -> Result<(), ImportError> {
        if out_dir.exists() {
            std::fs::rename(out_dir, &old).map_err(io(out_dir))?;
        }
        std::fs::rename(&tmp, out_dir).map_err(io(out_dir))
    };
    if let Err(e) = replace() {
        let _ = std::fs::remove_dir_all(&tmp);
        if old.exists() && !out_dir.exists() {
            let _ = std::fs::rename(&old, out_dir);
        }
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(built)
}

/// Removes the work folders (`.NAME.partial-PID`, `.NAME.old-PID`) that imports into `NAME`
/// left behind when they were killed: those whose process is gone. A running import's folder
/// (another process writing the same output) is left alone.
fn sweep_stale_partials(parent: &Path, name: &str) {
    // Whether a process lives is read from /proc: elsewhere nothing is swept.
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = [".partial-", ".old-"]
            .iter()
            .find_map(|tag| file.strip_prefix(&format!(".{name}{tag}")))
            .and_then(|pid| pid.parse::<u32>().ok());
        let alive = |pid: u32| Path::new(&format!("/proc/{pid}")).exists();
        if pid.is_some_and(|p| p != std::process::id() && !alive(p)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// An I/O error naming `file`.
pub(crate) fn io(file: &Path) -> impl FnOnce(std::io::Error) -> ImportError {
    let file = file.to_owned();
    move |source| ImportError::Io { file, source }
}
