//! One camera as selection sees it: where it is, what it can see, and how many pixels a metre
//! of error covers at a distance.
use city_core::vec3::{add_scaled, cross, dot, normalise};
use city_core::{OrientedBox, Vec3};

/// A perspective camera in world coordinates (f64).
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The eye.
    pub position: Vec3,
    /// The frustum's planes (unit normal pointing inside, offset): a point p is inside a plane
    /// when `n . p + d >= 0`. Left, right, bottom, top, near (no far plane: a city has none).
    pub planes: [[f64; 4]; 5],
    /// Pixels per metre of error at one metre's distance: viewport height / (2 tan(fovy / 2)).
    pub sse_factor: f64,
}

impl View {
    /// A camera at `position` looking along `forward` with `up` roughly up, a vertical field of
    /// view `fovy_rad`, `aspect` = width / height, and a viewport `height_px` tall.
    pub fn perspective(position: Vec3, forward: Vec3, up: Vec3, fovy_rad: f64, aspect: f64, height_px: f64) -> Self {
        let f = normalise(forward);
        let r = normalise(cross(f, up));
        let u = cross(r, f);
        let (ty, tx) = ((fovy_rad * 0.5).tan(), (fovy_rad * 0.5).tan() * aspect);
        // Side planes pass through the eye; their inward normals lean towards the axis.
        let side = |n: Vec3| {
            let n = normalise(n);
            [n[0], n[1], n[2], -dot(n, position)]
        };
        let left = cross(add_scaled(f, r, -tx), u); // normal of the plane through f - tx r and u
        let right = cross(u, add_scaled(f, r, tx));
        let bottom = cross(r, add_scaled(f, u, -ty));
        let top = cross(add_scaled(f, u, ty), r);
        let near = [f[0], f[1], f[2], -dot(f, position)];
        Self {
            position,
            planes: [side(left), side(right), side(bottom), side(top), near],
            sse_factor: height_px / (2.0 * (fovy_rad * 0.5).tan()),
        }
    }

    /// A camera at `eye` looking at `target`, 60 degrees tall, for a 1280 x 720 viewport: what
    /// tests and screenshots use.
    pub fn looking_at(eye: Vec3, target: Vec3, up: Vec3) -> Self {
        let f = [target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]];
        Self::perspective(eye, f, up, 60f64.to_radians(), 1280.0 / 720.0, 720.0)
    }

    /// Whether any part of a box may be in view (conservative: a box may pass that a finer test
    /// would cull, never the other way round).
    pub fn sees(&self, b: &OrientedBox) -> bool {
        self.planes.iter().all(|p| {
            let n = [p[0], p[1], p[2]];
            let reach: f64 = b.half_axes.iter().map(|a| dot(n, *a).abs()).sum();
            dot(n, b.center) + p[3] >= -reach
        })
    }

    /// The distance from the eye to a box (0 inside it).
    pub fn distance_to(&self, b: &OrientedBox) -> f64 {
        let d = [self.position[0] - b.center[0], self.position[1] - b.center[1], self.position[2] - b.center[2]];
        let mut sq = 0.0;
        for a in &b.half_axes {
            let len = dot(*a, *a).sqrt();
            if len == 0.0 {
                continue;
            }
            let t = dot(d, *a) / len;
            let out = t.abs() - len;
            if out > 0.0 {
                sq += out * out;
            }
        }
        sq.sqrt()
    }

    /// The screen-space error, in pixels, of drawing a tile with this geometric error at this
    /// distance.
    pub fn screen_space_error(&self, geometric_error: f64, distance_m: f64) -> f64 {
        geometric_error * self.sse_factor / distance_m.max(1e-3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cube(c: Vec3, h: f64) -> OrientedBox {
        OrientedBox { center: c, half_axes: [[h, 0.0, 0.0], [0.0, h, 0.0], [0.0, 0.0, h]] }
    }

    #[test]
    fn the_frustum_sees_ahead_not_behind_nor_far_aside() {
        let v = View::perspective([0.0; 3], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], 60f64.to_radians(), 1.0, 600.0);
        assert!(v.sees(&cube([100.0, 0.0, 0.0], 1.0)));
        assert!(!v.sees(&cube([-100.0, 0.0, 0.0], 1.0)), "behind");
        assert!(!v.sees(&cube([100.0, 80.0, 0.0], 1.0)), "left of a 60 degree view");
        assert!(v.sees(&cube([100.0, 56.0, 0.0], 1.0)), "just inside (tan 30 x 100 = 57.7)");
        assert!(!v.sees(&cube([100.0, 0.0, 80.0], 1.0)), "above");
        assert!(v.sees(&cube([-5.0, 0.0, 0.0], 10.0)), "a box around the eye");
        assert_eq!(v.distance_to(&cube([100.0, 0.0, 0.0], 1.0)), 99.0);
        assert_eq!(v.distance_to(&cube([0.0; 3], 1.0)), 0.0);
        // 600 px over a 60 degree view: 519.6 px per metre at 1 m; 1 m of error at 100 m: 5.2 px.
        assert!((v.screen_space_error(1.0, 100.0) - 5.196).abs() < 1e-3);
    }
}
