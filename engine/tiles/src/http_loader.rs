//! Tilesets over HTTP(S), with an on-disk cache: a tile fetched once is read from disk after,
//! across runs. Errors (404, timeouts, refused connections) name the URL and become failed
//! tiles, never stalls.
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use crate::{ContentLoader, TilesError};

/// Content over HTTP(S) below one base URL.
pub struct HttpLoader {
    /// The tileset's folder URL, ending in `/`.
    base: String,
    /// Where fetched bytes are kept (none: no cache).
    cache: Option<PathBuf>,
    agent: ureq::Agent,
}

/// Responses larger than this are refused (a tile, not a disk image).
const MAX_BYTES: u64 = 512 << 20;

impl HttpLoader {
    /// A loader for the tileset at `url` (its `tileset.json`, or a folder URL ending in `/`),
    /// caching in `cache`, giving up on a request after `timeout`. Returns it and the root
    /// tileset's URI relative to the base.
    pub fn for_tileset(url: &str, cache: Option<PathBuf>, timeout: Duration) -> (Self, String) {
        let (base, name) = if url.ends_with('/') {
            (url.to_owned(), "tileset.json".to_owned())
        } else {
            let cut = url.rfind('/').map_or(0, |i| i + 1);
            (url[..cut].to_owned(), url[cut..].to_owned())
        };
        (Self { base, ..Self::for_urls(cache, timeout) }, name)
    }

    /// A loader for whole URLs (no base), caching in `cache`: map and imagery tiles.
    pub fn for_urls(cache: Option<PathBuf>, timeout: Duration) -> Self {
        let agent =
            ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
        Self { base: String::new(), cache, agent }
    }

    /// The cache file of a URL: an FNV-1a hash of it, plus its extension for people looking.
    fn cache_path(&self, url: &str) -> Option<PathBuf> {
        let h = city_core::fnv1a(url.as_bytes());
        let ext = url.rsplit('.').next().filter(|e| e.len() <= 8 && !e.contains('/')).unwrap_or("bin");
        self.cache.as_ref().map(|d| d.join(format!("{h:016x}.{ext}")))
    }

    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let response = self.agent.get(url).call().map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let mut bytes = Vec::new();
        response.into_body().into_reader().take(MAX_BYTES).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    }
}

impl ContentLoader for HttpLoader {
    fn load(&self, uri: &str) -> Result<Vec<u8>, TilesError> {
        let path = uri.split(['?', '#']).next().unwrap_or("");
        if path.split('/').any(|s| s == "..") {
            return Err(TilesError::Load {
                uri: uri.to_owned(),
                reason: "the URI leaves the tileset's folder: refused".into(),
            });
        }
        let url = if uri.contains("://") { uri.to_owned() } else { format!("{}{uri}", self.base) };
        let cached = self.cache_path(&url);
        if let Some(bytes) = cached.as_ref().and_then(|p| std::fs::read(p).ok()) {
            return Ok(bytes);
        }
        let bytes = self.fetch(&url).map_err(|reason| TilesError::Load { uri: url.clone(), reason })?;
        if let Some(p) = cached {
            // Written aside and renamed, so a crash never leaves half a tile in the cache.
            let tmp = p.with_extension(format!("partial-{}", std::process::id()));
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if std::fs::write(&tmp, &bytes).is_ok() {
                let _ = std::fs::rename(&tmp, &p);
            }
        }
        Ok(bytes)
    }
}
