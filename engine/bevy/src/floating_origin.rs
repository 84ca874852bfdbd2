//! f64 until the GPU (ARCHITECTURE.md, invariant 2). Everything has an f64 place in ECEF; each
//! frame, the camera's eye becomes the origin and the local east-north-up axes there become the
//! render axes (x east, y up, z south: Bevy's y-up). Only the offsets from the eye, metres to a
//! few kilometres, are made f32, so nothing jitters anywhere on Earth.
use bevy::prelude::*;
use city_core::vec3::{add, dot, sub};
use city_core::{EnuFrame, Vec3 as DVec3, geodetic_from_ecef};
use city_tiles::Mat4 as DMat4;

/// Where an entity is in the world: from its local frame to ECEF, f64.
#[derive(Component, Debug, Clone, Copy)]
pub struct WorldPlacement(pub DMat4);

/// The render frame of this frame: origin (the eye) and axes, f64.
#[derive(Resource, Debug, Clone, Copy)]
pub struct FloatingOrigin {
    /// The eye, ECEF.
    pub origin: DVec3,
    /// ECEF directions of render x (east), y (up) and z (south) at the origin.
    pub axes: [DVec3; 3],
}

impl Default for FloatingOrigin {
    fn default() -> Self {
        Self::at([6_378_137.0, 0.0, 0.0])
    }
}

impl FloatingOrigin {
    /// The render frame with its origin at an ECEF point.
    pub fn at(origin: DVec3) -> Self {
        let enu = EnuFrame::at(geodetic_from_ecef(origin));
        let [e, n, u] = enu.axes;
        Self { origin, axes: [e, u, [-n[0], -n[1], -n[2]]] }
    }

    /// An ECEF direction in render axes.
    pub fn render_vector(&self, v: DVec3) -> DVec3 {
        [dot(self.axes[0], v), dot(self.axes[1], v), dot(self.axes[2], v)]
    }

    /// An ECEF point in render coordinates (metres from the eye).
    pub fn render_point(&self, p: DVec3) -> DVec3 {
        self.render_vector(sub(p, self.origin))
    }

    /// A render-space direction back in ECEF.
    pub fn ecef_vector(&self, v: DVec3) -> DVec3 {
        std::array::from_fn(|i| self.axes[0][i] * v[0] + self.axes[1][i] * v[1] + self.axes[2][i] * v[2])
    }

    /// A render-space point back in ECEF.
    pub fn ecef_point(&self, p: DVec3) -> DVec3 {
        add(self.ecef_vector(p), self.origin)
    }

    /// The f32 matrix that draws something placed at `world_from_local` (f64) relative to the
    /// eye: the subtraction happens in f64, so only small numbers reach f32.
    pub fn render_from_local(&self, world_from_local: &DMat4) -> Mat4 {
        let m = &world_from_local.0;
        let col = |c: usize| self.render_vector([m[c * 4], m[c * 4 + 1], m[c * 4 + 2]]);
        let t = self.render_point([m[12], m[13], m[14]]);
        let f = |v: DVec3| Vec4::new(v[0] as f32, v[1] as f32, v[2] as f32, 0.0);
        Mat4::from_cols(f(col(0)), f(col(1)), f(col(2)), Vec4::new(t[0] as f32, t[1] as f32, t[2] as f32, 1.0))
    }
}

/// Places every entity with a [`WorldPlacement`] relative to this frame's origin.
pub fn place_entities(origin: Res<'_, FloatingOrigin>, mut q: Query<'_, '_, (&WorldPlacement, &mut Transform)>) {
    for (w, mut t) in &mut q {
        *t = Transform::from_matrix(origin.render_from_local(&w.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_jitter_ten_thousand_kilometres_from_the_centre() {
        // A vertex 1e7 m from the Earth's centre, and an eye 10.25 m from it: in f32 ECEF the
        // two would round to 1 m steps; relative to the eye they keep sub-millimetre detail.
        let vertex = [1.0e7, 1234.5678, -987.6543];
        let eye = [1.0e7 + 10.25, 1234.5678 + 0.001, -987.6543];
        let origin = FloatingOrigin::at(eye);
        let m = origin.render_from_local(&DMat4::from_translation(vertex));
        let p = m.transform_point3(Vec3::new(0.0, 0.0, 0.0));
        let back = origin.ecef_point([f64::from(p.x), f64::from(p.y), f64::from(p.z)]);
        for i in 0..3 {
            assert!((back[i] - vertex[i]).abs() < 1e-4, "axis {i}: {} vs {}", back[i], vertex[i]);
        }
        assert!((p.length() - 10.25).abs() < 1e-3, "{p}");
        // The same vertex as raw f32 ECEF would be off by up to half a metre.
        assert!(((1.0e7_f64 + 0.3) as f32 as f64 - (1.0e7 + 0.3)).abs() > 0.2);
    }

    #[test]
    fn render_axes_are_east_up_south() {
        // On the equator at 0 E: east is +y ECEF, up is +x, north is +z.
        let o = FloatingOrigin::at([6_378_137.0, 0.0, 0.0]);
        let r = o.render_vector([0.0, 1.0, 0.0]);
        assert!((r[0] - 1.0).abs() < 1e-12, "east -> render x: {r:?}");
        let r = o.render_vector([1.0, 0.0, 0.0]);
        assert!((r[1] - 1.0).abs() < 1e-12, "up -> render y: {r:?}");
        let r = o.render_vector([0.0, 0.0, 1.0]);
        assert!((r[2] + 1.0).abs() < 1e-12, "north -> render -z: {r:?}");
    }
}
