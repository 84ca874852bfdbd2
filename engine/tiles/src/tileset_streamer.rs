//! The state of one streamed tileset: what is loaded, loading or failed, what it costs, and the
//! budgets that hold (ARCHITECTURE.md, invariant 6). No threads and no Bevy here: each frame the
//! viewer calls [`TilesetStreamer::update`] with its views and gets back what to draw, which
//! loads to start, cancel or evict; it runs the loads on background tasks and reports each
//! result with [`TilesetStreamer::finished`].
//!
//! Budgets. Over the memory budget, the least recently needed tiles outside the current
//! selection are evicted; if the selection alone is over budget, no new load starts and the
//! error threshold is raised (the view coarsens) until it fits, then lowered back step by step.
//! Tiles the selection still needs are never evicted and a load starts only under budget, so
//! the same tiles are never loaded and evicted in a loop. A frame-time budget raises the
//! threshold the same way.
use std::cell::RefCell;
use std::collections::HashSet;

use lru::LruCache;

use crate::selection::{Readiness, SelectionOptions, select};
use crate::tile_tree::{TileId, TileTree};
use crate::tileset_json::TilesetJson;
use crate::{Mat4, TilesError, View, expand_subtree};

/// Streaming settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamOptions {
    /// The error threshold when within budget, pixels.
    pub max_sse_px: f64,
    /// Bytes of decoded content kept at most.
    pub memory_budget_bytes: usize,
    /// Loads running at once.
    pub max_loads_in_flight: usize,
    /// Frame time above which detail is dropped, milliseconds (none: no frame budget).
    pub frame_budget_ms: Option<f64>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self { max_sse_px: 16.0, memory_budget_bytes: 1 << 30, max_loads_in_flight: 8, frame_budget_ms: None }
    }
}

/// Where one tile's contents stand.
#[derive(Debug, Clone, PartialEq)]
pub enum TileLoad {
    /// Not requested (or evicted).
    Unloaded,
    /// A load is running.
    Loading,
    /// Decoded and held, costing this many bytes.
    Loaded {
        /// Bytes counted against the memory budget.
        bytes: usize,
    },
    /// It could not be loaded; the reason. It is drawn as empty and never retried in a loop.
    Failed(String),
}

/// What a load job fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// The tile's renderable contents.
    Contents,
    /// An external tileset (the tile's `.json` content), to graft.
    ExternalTileset,
    /// The implicit subtree rooted at the tile.
    Subtree,
}

/// A load to run in the background.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadJob {
    /// The tile.
    pub tile: TileId,
    /// What it is.
    pub kind: JobKind,
    /// The URIs to fetch (several for multiple contents).
    pub uris: Vec<String>,
    /// The tile's transform (content decoders need it for east-north-up instances).
    pub world_from_tile: Mat4,
}

/// What a finished load produced.
#[derive(Debug, Clone)]
pub enum LoadOutcome {
    /// Contents decoded (the caller keeps them); what they cost.
    Contents {
        /// Bytes.
        bytes: usize,
    },
    /// An external tileset, parsed.
    Tileset(Box<TilesetJson>),
    /// A subtree file's bytes.
    Subtree(Vec<u8>),
    /// It failed, and why.
    Failed(TilesError),
}

/// What to do this frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameUpdate {
    /// Tiles to draw.
    pub render: Vec<TileId>,
    /// Loads to start.
    pub start: Vec<LoadJob>,
    /// Running loads no longer needed: drop their results.
    pub cancel: Vec<TileId>,
    /// Loaded tiles to drop.
    pub evict: Vec<TileId>,
}

/// Counts for the statistics panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamStats {
    /// Tiles known (grows with external tilesets and subtrees).
    pub tiles: usize,
    /// Tiles drawn this frame.
    pub rendered: usize,
    /// Loads running.
    pub loading: usize,
    /// Tiles held.
    pub loaded: usize,
    /// Tiles that failed.
    pub failed: usize,
    /// Bytes held.
    pub used_bytes: usize,
    /// The error threshold in use, pixels.
    pub sse_px: f64,
    /// Why detail is being dropped, if it is.
    pub degraded: Option<String>,
}

/// One tileset's streaming state.
pub struct TilesetStreamer {
    /// The tiles (growing as external tilesets and subtrees arrive).
    pub tree: TileTree,
    states: Vec<TileLoad>,
    lru: LruCache<TileId, ()>,
    in_flight: HashSet<TileId>,
    used_bytes: usize,
    opts: StreamOptions,
    sse_px: f64,
    degraded: Option<String>,
    /// Where the (first) view was when the budget last forced the threshold up: detail comes
    /// back only once the view has moved, so a still view never cycles loading and evicting.
    overflow_at: Option<city_core::Vec3>,
    /// The last frame ran over the frame budget: detail may not come back yet.
    slow_frame: bool,
    rendered: usize,
    /// Failures so far (tile, message), newest last, for the panel and the log.
    pub failures: Vec<(TileId, String)>,
}

impl TilesetStreamer {
    /// Starts streaming a tree.
    pub fn new(tree: TileTree, opts: StreamOptions) -> Self {
        Self {
            states: vec![TileLoad::Unloaded; tree.tiles.len()],
            tree,
            lru: LruCache::unbounded(),
            in_flight: HashSet::new(),
            used_bytes: 0,
            sse_px: opts.max_sse_px,
            opts,
            degraded: None,
            overflow_at: None,
            slow_frame: false,
            rendered: 0,
            failures: Vec::new(),
        }
    }

    /// The state of a tile.
    pub fn state(&self, t: TileId) -> &TileLoad {
        self.states.get(t.0 as usize).unwrap_or(&TileLoad::Unloaded)
    }

    /// The options in force.
    pub fn options(&self) -> StreamOptions {
        self.opts
    }

    /// Changes the budgets (from the panel or the command line).
    pub fn set_options(&mut self, opts: StreamOptions) {
        self.sse_px = self.sse_px.max(opts.max_sse_px);
        self.opts = opts;
    }

    /// Counts for the panel.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            tiles: self.tree.tiles.len(),
            rendered: self.rendered,
            loading: self.in_flight.len(),
            loaded: self.states.iter().filter(|s| matches!(s, TileLoad::Loaded { .. })).count(),
            failed: self.states.iter().filter(|s| matches!(s, TileLoad::Failed(_))).count(),
            used_bytes: self.used_bytes,
            sse_px: self.sse_px,
            degraded: self.degraded.clone(),
        }
    }

    /// Tells the streamer how long the last frame took (the viewer calls it every frame, before
    /// [`TilesetStreamer::update`]): over the frame budget, the error threshold rises, so fewer
    /// and coarser tiles are drawn, and detail does not come back until frames are under it.
    pub fn note_frame_time(&mut self, ms: f64) {
        self.slow_frame = false;
        if let Some(budget) = self.opts.frame_budget_ms
            && ms > budget
        {
            self.slow_frame = true;
            self.sse_px = (self.sse_px * 1.25).min(self.opts.max_sse_px * 64.0);
            self.degraded = Some(format!(
                "frame {ms:.0} ms over the {budget:.0} ms budget: detail reduced (error threshold {:.0} px)",
                self.sse_px
            ));
        }
    }

    /// Whether every load the views need has finished (for screenshots and tests).
    pub fn is_settled(&self, update: &FrameUpdate) -> bool {
        update.start.is_empty() && self.in_flight.is_empty()
    }

    /// One frame: selection for `views`, then budgets.
    pub fn update(&mut self, views: &[View]) -> FrameUpdate {
        let asked = RefCell::new(Vec::new());
        let states = &self.states;
        let ready = |t: TileId| {
            asked.borrow_mut().push(t);
            match states.get(t.0 as usize) {
                Some(TileLoad::Loaded { .. } | TileLoad::Failed(_)) => Readiness::Ready,
                _ => Readiness::NotReady,
            }
        };
        let sel = select(&self.tree, views, &SelectionOptions { max_sse_px: self.sse_px }, &ready);
        let needed: HashSet<TileId> = asked.into_inner().into_iter().chain(sel.render.iter().copied()).collect();
        for t in &needed {
            if matches!(self.state(*t), TileLoad::Loaded { .. }) {
                self.lru.promote(t);
            }
        }
        let mut out = FrameUpdate { render: sel.render, ..Default::default() };
        self.rendered = out.render.len();

        // Loads no longer wanted.
        let wanted: HashSet<TileId> = sel.load.iter().map(|(t, _)| *t).collect();
        for t in self.in_flight.iter().copied().filter(|t| !wanted.contains(t)).collect::<Vec<_>>() {
            self.in_flight.remove(&t);
            self.states[t.0 as usize] = TileLoad::Unloaded;
            out.cancel.push(t);
        }

        // Over budget: evict what the view does not need, least recently needed first.
        if self.used_bytes > self.opts.memory_budget_bytes {
            let victims: Vec<TileId> = self.lru.iter().rev().map(|(t, _)| *t).filter(|t| !needed.contains(t)).collect();
            for t in victims {
                if self.used_bytes <= self.opts.memory_budget_bytes {
                    break;
                }
                self.evict(t);
                out.evict.push(t);
            }
        }
        let over = self.used_bytes > self.opts.memory_budget_bytes;
        let here = views.first().map(|v| v.position);
        let moved = match (self.overflow_at, here) {
            (Some(a), Some(b)) => (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt() > 1.0,
            _ => true,
        };
        if over {
            self.overflow_at = here;
            self.sse_px = (self.sse_px * 1.5).min(self.opts.max_sse_px * 64.0);
            self.degraded = Some(format!(
                "{} MiB needed, budget {} MiB: detail reduced (error threshold {:.0} px)",
                self.used_bytes >> 20,
                self.opts.memory_budget_bytes >> 20,
                self.sse_px
            ));
        } else if self.sse_px > self.opts.max_sse_px
            && self.used_bytes < self.opts.memory_budget_bytes * 6 / 10
            && moved
            && !self.slow_frame
        {
            self.sse_px = (self.sse_px / 1.2).max(self.opts.max_sse_px);
            if self.sse_px == self.opts.max_sse_px {
                self.degraded = None;
                self.overflow_at = None;
            }
        }

        // New loads, most urgent first, while under budget.
        for (t, _) in sel.load {
            if over || self.in_flight.len() >= self.opts.max_loads_in_flight {
                break;
            }
            if self.in_flight.contains(&t) || matches!(self.state(t), TileLoad::Failed(_)) {
                continue;
            }
            let tile = self.tree.get(t);
            let (kind, uris) = if let Some(s) = &tile.pending_subtree {
                (JobKind::Subtree, vec![s.clone()])
            } else if let Some(c) = tile.contents.iter().find(|c| c.is_tileset) {
                (JobKind::ExternalTileset, vec![c.uri.clone()])
            } else {
                (JobKind::Contents, tile.contents.iter().map(|c| c.uri.clone()).collect())
            };
            self.in_flight.insert(t);
            self.states[t.0 as usize] = TileLoad::Loading;
            out.start.push(LoadJob { tile: t, kind, uris, world_from_tile: tile.world_from_tile });
        }
        out
    }

    fn evict(&mut self, t: TileId) {
        if let TileLoad::Loaded { bytes } = *self.state(t) {
            self.used_bytes -= bytes;
        }
        self.states[t.0 as usize] = TileLoad::Unloaded;
        self.lru.pop(&t);
    }

    /// A load finished. A result for a cancelled load is ignored (returns false): the caller
    /// drops what it decoded.
    pub fn finished(&mut self, t: TileId, outcome: LoadOutcome) -> bool {
        if !self.in_flight.remove(&t) {
            return false;
        }
        let result = match outcome {
            LoadOutcome::Contents { bytes } => {
                self.used_bytes += bytes;
                self.lru.put(t, ());
                Ok(TileLoad::Loaded { bytes })
            }
            LoadOutcome::Tileset(json) => {
                let uri =
                    self.tree.get(t).contents.iter().find(|c| c.is_tileset).map(|c| c.uri.clone()).unwrap_or_default();
                self.tree.graft(t, &json, &uri).map(|_| TileLoad::Loaded { bytes: 0 })
            }
            LoadOutcome::Subtree(bytes) => expand_subtree(&mut self.tree, t, &bytes).map(|_| TileLoad::Unloaded),
            LoadOutcome::Failed(e) => Err(e),
        };
        let state = result.unwrap_or_else(|e| {
            // A subtree that cannot be read leaves its tile without children, drawn as is.
            self.tree.tiles[t.0 as usize].pending_subtree = None;
            self.failures.push((t, e.to_string()));
            TileLoad::Failed(e.to_string())
        });
        self.states.resize(self.tree.tiles.len(), TileLoad::Unloaded);
        self.states[t.0 as usize] = state;
        true
    }
}

/// Runs a load job: fetches its URIs with `loader` and decodes them. Returns what to report to
/// [`TilesetStreamer::finished`] and, for contents, the decoded contents for the renderer.
/// Meant for a background thread; never panics on bad bytes.
pub fn run_job(job: &LoadJob, loader: &dyn crate::ContentLoader) -> (LoadOutcome, Vec<crate::DecodedContent>) {
    let fail = |e: TilesError| (LoadOutcome::Failed(e), Vec::new());
    match job.kind {
        JobKind::Subtree => match loader.load(&job.uris[0]).and_then(|b| {
            crate::implicit_tiling::inline_subtree_buffers(&b, &job.uris[0], loader).map(|c| c.into_owned())
        }) {
            Ok(bytes) => (LoadOutcome::Subtree(bytes), Vec::new()),
            Err(e) => fail(e),
        },
        JobKind::ExternalTileset => {
            match loader.load(&job.uris[0]).and_then(|b| TilesetJson::parse(&b, &job.uris[0])) {
                Ok(t) => (LoadOutcome::Tileset(Box::new(t)), Vec::new()),
                Err(e) => fail(e),
            }
        }
        JobKind::Contents => {
            let mut decoded = Vec::with_capacity(job.uris.len());
            for uri in &job.uris {
                match loader.load(uri).and_then(|b| crate::decode_content(&b, uri, &job.world_from_tile, loader)) {
                    Ok(c) => decoded.push(c),
                    Err(e) => return fail(e),
                }
            }
            let bytes = decoded.iter().map(crate::DecodedContent::byte_size).sum();
            (LoadOutcome::Contents { bytes }, decoded)
        }
    }
}
