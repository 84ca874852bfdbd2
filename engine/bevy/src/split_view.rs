//! Split mode (`--split STYLE`): the same view twice, side by side, the left half in the
//! scene's style and the right half in another (heights beside uses, say, or the plain city
//! beside the incident view). One camera pose and one tile selection serve both halves; each
//! tile part is drawn twice, by an entity per half on its own render layer, because a style is
//! the meshes' vertex colours. That doubles the vertex colour memory of what is drawn, and is
//! why split mode is an option, not the default.
use bevy::camera::Viewport;
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;

/// The render layer of the right half (the left half and everything else draw on layer 0).
pub const RIGHT_LAYER: usize = 1;

/// What split mode opens with.
#[derive(Debug, Clone, Default)]
pub struct SplitStart {
    /// The right half's style (none: each content's own colours).
    pub style: Option<city_core::StyleRule>,
}

/// Split mode is on (a resource).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct SplitView;

/// The camera of the right half.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct SplitRight;

/// A tile part's entity drawn in the right half, coloured by the split style.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct SplitTwin;

/// Layers for what both halves show (incident zones, sensor markers, the sun).
pub fn both_halves() -> RenderLayers {
    RenderLayers::from_layers(&[0, RIGHT_LAYER])
}

/// The left and right viewports of a window of `size` physical pixels.
pub fn halves(size: UVec2) -> (Viewport, Viewport) {
    let left = size.x / 2;
    let vp = |x: u32, w: u32| Viewport {
        physical_position: UVec2::new(x, 0),
        physical_size: UVec2::new(w.max(1), size.y.max(1)),
        ..default()
    };
    (vp(0, left), vp(left, size.x - left))
}

/// The right half's camera (the main camera draws the left half).
pub fn spawn_right_camera(commands: &mut Commands<'_, '_>) {
    commands.spawn((
        Camera3d::default(),
        Camera { order: 1, ..default() },
        Projection::from(PerspectiveProjection::default()),
        RenderLayers::layer(RIGHT_LAYER),
        SplitRight,
        crate::wall_view::WallTile { col: 0, row: 0 },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_cover_the_window_without_overlap() {
        let (l, r) = halves(UVec2::new(1281, 720));
        assert_eq!((l.physical_position.x, l.physical_size.x), (0, 640));
        assert_eq!((r.physical_position.x, r.physical_size.x), (640, 641));
        assert_eq!(l.physical_size.y, 720);
    }
}
