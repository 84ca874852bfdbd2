//! Which tiles to draw, which to load, for one frame: a pure function of the tree, what is
//! loaded, the views and the error threshold (ARCHITECTURE.md, invariant 3).
//!
//! Traversal is Cesium's "base" strategy. A tile in view is refined while its screen-space error
//! is above the threshold. With REPLACE, its children are drawn only once every visible child
//! can be drawn; until then the tile itself stays (so the city never shows holes while it
//! streams), and the children's contents are requested. With ADD, the tile's content is drawn
//! and its children are visited as well. Failed contents count as drawable-with-nothing, so a
//! dangling URI never holds up the rest.
use crate::tile_tree::{Refine, TileId, TileTree};
use crate::view::View;

/// Where a tile's contents (and, for implicit tiles, its subtree) stand, as selection needs to
/// know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Every content is loaded (or failed): it can be drawn.
    Ready,
    /// Something is not loaded yet.
    NotReady,
}

/// What to draw and what to fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Tiles whose contents to draw this frame.
    pub render: Vec<TileId>,
    /// Tiles to load (contents, external tilesets, subtrees), most urgent first, with their
    /// priority (larger: sooner; the screen-space error).
    pub load: Vec<(TileId, f64)>,
    /// Tiles visited (in view).
    pub visited: usize,
}

/// Selection options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectionOptions {
    /// Refine while a tile's screen-space error is above this, pixels (16 by default, as in
    /// CesiumJS).
    pub max_sse_px: f64,
}

impl Default for SelectionOptions {
    fn default() -> Self {
        Self { max_sse_px: 16.0 }
    }
}

/// Selects the tiles of `tree` for `views`; `ready` says whether a tile's contents are loaded
/// (tiles without contents are always ready, and are never asked about).
pub fn select(
    tree: &TileTree,
    views: &[View],
    opts: &SelectionOptions,
    ready: &dyn Fn(TileId) -> Readiness,
) -> Selection {
    let mut s = Selection::default();
    if !tree.tiles.is_empty() && !views.is_empty() {
        visit(tree, tree.root(), views, opts, ready, &mut s);
    }
    s.load.sort_by(|a, b| b.1.total_cmp(&a.1));
    s
}

/// Whether a tile can be drawn now, asking for what it lacks.
fn drawable(tree: &TileTree, t: TileId, sse: f64, ready: &dyn Fn(TileId) -> Readiness, s: &mut Selection) -> bool {
    let tile = tree.get(t);
    let needs_load = tile.pending_subtree.is_some() || !tile.contents.is_empty();
    if !needs_load {
        return true;
    }
    if tile.pending_subtree.is_none() && ready(t) == Readiness::Ready {
        return true;
    }
    s.load.push((t, sse));
    false
}

/// Visits a tile; returns whether its part of the view is covered (drawn, or nothing to draw).
fn visit(
    tree: &TileTree,
    t: TileId,
    views: &[View],
    opts: &SelectionOptions,
    ready: &dyn Fn(TileId) -> Readiness,
    s: &mut Selection,
) -> bool {
    let tile = tree.get(t);
    let mut sse: f64 = -1.0;
    for v in views {
        if let Some(rv) = &tile.request_volume
            && v.distance_to(rv) > 0.0
        {
            continue;
        }
        if v.sees(&tile.bounds) {
            sse = sse.max(v.screen_space_error(tile.geometric_error, v.distance_to(&tile.bounds)));
        }
    }
    if sse < 0.0 {
        return true; // out of every view: nothing to cover
    }
    s.visited += 1;
    // A subtree or external tileset not read yet: its children are unknown until it is.
    let has_structure_pending = tile.pending_subtree.is_some();
    let has_external = tile.contents.iter().any(|c| c.is_tileset);
    let wants_refine = sse > opts.max_sse_px || has_external;
    let has_children = !tile.children.is_empty();
    if has_structure_pending || (has_external && ready(t) == Readiness::NotReady) {
        s.load.push((t, sse));
        return false;
    }
    if !wants_refine || !has_children {
        let ok = drawable(tree, t, sse, ready, s);
        if ok && tile.contents.iter().any(|c| !c.is_tileset) {
            s.render.push(t);
        }
        return ok;
    }
    match tile.refine {
        Refine::Add => {
            let own = drawable(tree, t, sse, ready, s);
            if own && tile.contents.iter().any(|c| !c.is_tileset) {
                s.render.push(t);
            }
            let mut all = own;
            for &c in &tile.children {
                all &= visit(tree, c, views, opts, ready, s);
            }
            all
        }
        Refine::Replace => {
            let mark = s.render.len();
            let mut children_cover = true;
            for &c in &tile.children {
                children_cover &= visit(tree, c, views, opts, ready, s);
            }
            let own_content = tile.contents.iter().any(|c| !c.is_tileset);
            if children_cover || !own_content {
                // Covered, or nothing of its own to fall back to: what the children have is
                // the best there is (an ancestor with content may still replace it).
                return children_cover;
            }
            // Keep this tile until its children can all be drawn.
            s.render.truncate(mark);
            let own = drawable(tree, t, sse, ready, s);
            if own {
                s.render.push(t);
            }
            own
        }
    }
}
