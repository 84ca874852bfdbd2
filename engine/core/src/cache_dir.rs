//! Where CityTwin caches what it generates or downloads (the demo city, tiles fetched over
//! HTTP): `$CITYTWIN_CACHE`, else `$XDG_CACHE_HOME/citytwin`, else `~/.cache/citytwin`.
use std::path::PathBuf;

/// The cache folder (not created here).
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CITYTWIN_CACHE") {
        return PathBuf::from(d);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("citytwin")
}
