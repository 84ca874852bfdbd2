//! Large screens: the video wall (`--wall 3x2`). One large view is cut into `cols` x `rows`
//! windows, each drawing its part through an off-axis perspective: the same eye, the same
//! orientation, and the part of the one large frustum that falls on its screen, so the windows
//! side by side make the single picture (the seam test checks it). Selection runs once, for the
//! large view, which is the union of the parts: every tile is loaded once for the whole wall.
//!
//! Bevy's own `SubCameraView` would cut the picture the same way, but its culling frustum keeps
//! the window's aspect, not the part's, and drops what is drawn at the wall's far edges; this
//! projection gives culling the true frustum of each part.
use bevy::camera::{CameraProjection, RenderTarget, SubCameraView};
use bevy::math::Vec3A;
use bevy::prelude::*;
use bevy::window::{MonitorSelection, WindowMode, WindowPosition, WindowRef};

/// The screens: `cols` x `rows` windows of `size` pixels each (1 x 1: a single window).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallLayout {
    /// Windows across.
    pub cols: u32,
    /// Windows down.
    pub rows: u32,
    /// Each window's size, physical pixels.
    pub size: UVec2,
    /// Fullscreen, starting on this monitor (window k of the wall on monitor `first + k`).
    pub fullscreen_monitor: Option<usize>,
}

impl WallLayout {
    /// One window.
    pub fn single(size: UVec2) -> Self {
        Self { cols: 1, rows: 1, size, fullscreen_monitor: None }
    }

    /// More than one window.
    pub fn is_wall(&self) -> bool {
        self.cols * self.rows > 1
    }

    /// The whole view, pixels.
    pub fn full_size(&self) -> UVec2 {
        UVec2::new(self.cols * self.size.x, self.rows * self.size.y)
    }

    /// The window mode of window `k` (row-major).
    pub fn mode(&self, k: usize) -> WindowMode {
        match self.fullscreen_monitor {
            Some(first) => WindowMode::BorderlessFullscreen(MonitorSelection::Index(first + k)),
            None => WindowMode::Windowed,
        }
    }
}

/// The part of the wall a camera draws (column, row from the top left).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallTile {
    /// Column.
    pub col: u32,
    /// Row.
    pub row: u32,
}

/// The camera of the primary window: input, picking and the panels go through it.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct MainCamera;

/// A perspective that draws the part `offset`..`offset + size` of a `full`-pixel view whose
/// vertical field of view is `fov_y` (reverse-Z, infinite far plane, as Bevy's own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WallProjection {
    /// Vertical field of view of the whole view, radians.
    pub fov_y: f32,
    /// Near plane, metres.
    pub near: f32,
    /// Far distance for culling, metres.
    pub far: f32,
    /// The whole view, pixels.
    pub full: UVec2,
    /// This part's top-left corner, pixels.
    pub offset: UVec2,
    /// This part's size, pixels.
    pub size: UVec2,
}

impl WallProjection {
    /// The part's frustum on the near plane: left, right, bottom, top.
    fn bounds(&self) -> [f32; 4] {
        let (fw, fh) = (self.full.x as f32, self.full.y as f32);
        let top = self.near * (0.5 * self.fov_y).tan();
        let right = top * fw / fh;
        // Pixels run down from the top; the frustum's y runs up.
        let x0 = self.offset.x as f32 / fw;
        let x1 = (self.offset.x + self.size.x) as f32 / fw;
        let y0 = 1.0 - (self.offset.y + self.size.y) as f32 / fh;
        let y1 = 1.0 - self.offset.y as f32 / fh;
        [-right + 2.0 * right * x0, -right + 2.0 * right * x1, -top + 2.0 * top * y0, -top + 2.0 * top * y1]
    }
}

impl CameraProjection for WallProjection {
    fn get_clip_from_view(&self) -> Mat4 {
        let [l, r, b, t] = self.bounds();
        let n = self.near;
        Mat4::from_cols(
            Vec4::new(2.0 * n / (r - l), 0.0, 0.0, 0.0),
            Vec4::new(0.0, 2.0 * n / (t - b), 0.0, 0.0),
            Vec4::new((r + l) / (r - l), (t + b) / (t - b), 0.0, -1.0),
            Vec4::new(0.0, 0.0, n, 0.0),
        )
    }

    fn get_clip_from_view_for_sub(&self, _sub_view: &SubCameraView) -> Mat4 {
        self.get_clip_from_view()
    }

    fn update(&mut self, _width: f32, _height: f32) {}

    fn far(&self) -> f32 {
        self.far
    }

    fn get_frustum_corners(&self, z_near: f32, z_far: f32) -> [Vec3A; 8] {
        let [l, r, b, t] = self.bounds();
        let at = |z: f32| {
            let s = z.abs() / self.near;
            [
                Vec3A::new(r * s, b * s, z),
                Vec3A::new(r * s, t * s, z),
                Vec3A::new(l * s, t * s, z),
                Vec3A::new(l * s, b * s, z),
            ]
        };
        let (n, f) = (at(z_near), at(z_far));
        [n[0], n[1], n[2], n[3], f[0], f[1], f[2], f[3]]
    }
}

/// The cameras: the primary window's (part 0, 0; returned) and, on a wall, one more window and
/// camera per part, placed side by side.
pub fn spawn_cameras(commands: &mut Commands<'_, '_>, wall: &WallLayout) -> Entity {
    let main = commands
        .spawn((
            Camera3d::default(),
            Projection::from(PerspectiveProjection::default()),
            MainCamera,
            WallTile { col: 0, row: 0 },
        ))
        .id();
    for row in 0..wall.rows {
        for col in 0..wall.cols {
            if (col, row) == (0, 0) {
                continue;
            }
            let k = (row * wall.cols + col) as usize;
            let window = commands
                .spawn(Window {
                    title: format!("CityTwin wall {}x{} ({col}, {row})", wall.cols, wall.rows),
                    resolution: bevy::window::WindowResolution::new(wall.size.x, wall.size.y)
                        .with_scale_factor_override(1.0),
                    position: WindowPosition::At(IVec2::new((col * wall.size.x) as i32, (row * wall.size.y) as i32)),
                    mode: wall.mode(k),
                    ..default()
                })
                .id();
            commands.spawn((
                Camera3d::default(),
                Projection::from(PerspectiveProjection::default()),
                RenderTarget::Window(WindowRef::Entity(window)),
                WallTile { col, row },
            ));
        }
    }
    main
}

/// Each camera's projection for this frame: a plain perspective on a single screen, its part
/// of the large view on a wall.
pub fn projection_for(wall: &WallLayout, tile: WallTile, fov_y: f32, near: f32, far: f32) -> Projection {
    if !wall.is_wall() {
        return Projection::Perspective(PerspectiveProjection {
            fov: fov_y,
            near,
            far,
            aspect_ratio: wall.size.x as f32 / wall.size.y.max(1) as f32,
            ..default()
        });
    }
    Projection::custom(WallProjection {
        fov_y,
        near,
        far,
        full: wall.full_size(),
        offset: UVec2::new(tile.col * wall.size.x, tile.row * wall.size.y),
        size: wall.size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_part_is_bevys_perspective_and_parts_tile_the_whole() {
        let (fov, near) = (0.8f32, 0.5f32);
        let one = WallProjection {
            fov_y: fov,
            near,
            far: 1e4,
            full: UVec2::new(1280, 720),
            offset: UVec2::ZERO,
            size: UVec2::new(1280, 720),
        };
        let bevy = Mat4::perspective_infinite_reverse_rh(fov, 1280.0 / 720.0, near);
        assert!(one.get_clip_from_view().abs_diff_eq(bevy, 1e-6), "{:?}\n{bevy:?}", one.get_clip_from_view());
        // A point in view lands at the same pixel of the whole view whichever part draws it.
        let p = Vec4::new(3.0, -1.0, -20.0, 1.0);
        let pixel = |m: Mat4, w: f32, h: f32| {
            let c = m * p;
            Vec2::new((c.x / c.w + 1.0) * 0.5 * w, (1.0 - c.y / c.w) * 0.5 * h)
        };
        let whole = pixel(bevy, 1280.0, 720.0);
        let right = WallProjection { offset: UVec2::new(640, 0), size: UVec2::new(640, 720), ..one };
        let in_right = pixel(right.get_clip_from_view(), 640.0, 720.0) + Vec2::new(640.0, 0.0);
        assert!(whole.distance(in_right) < 1e-3, "{whole} vs {in_right}");
        let bottom = WallProjection { offset: UVec2::new(0, 360), size: UVec2::new(1280, 360), ..one };
        let in_bottom = pixel(bottom.get_clip_from_view(), 1280.0, 360.0) + Vec2::new(0.0, 360.0);
        assert!(whole.distance(in_bottom) < 1e-3, "{whole} vs {in_bottom}");
        // The culling frustum of the right part reaches the wall's right edge.
        let corners = right.get_frustum_corners(-near, -100.0);
        let half_width_at_100 = 100.0 * (0.5 * fov).tan() * 1280.0 / 720.0;
        assert!((corners[4].x - half_width_at_100).abs() < 1e-2 && corners[6].x.abs() < 1e-3, "{corners:?}");
    }
}
