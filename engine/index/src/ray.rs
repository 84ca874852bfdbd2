use city_core::vec3::cross_xy;

/// A pick ray: `origin + t * dir` for `t >= 0`, in the index's coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ray {
    /// Where the ray starts (the camera).
    pub origin: [f64; 3],
    /// Its direction (need not be unit length; hits are reported in units of it).
    pub dir: [f64; 3],
}

impl Ray {
    /// Whether the ray is usable: finite, with a non-zero direction.
    pub(crate) fn check(&self) -> Result<(), String> {
        if !self.origin.iter().chain(&self.dir).all(|v| v.is_finite()) {
            return Err(format!("ray has a non-finite coordinate: {self:?}"));
        }
        if self.dir == [0.0; 3] {
            return Err("ray direction is zero".into());
        }
        Ok(())
    }

    /// The point at parameter `t`.
    pub fn at(&self, t: f64) -> [f64; 3] {
        std::array::from_fn(|i| self.origin[i] + t * self.dir[i])
    }

    /// The parameter range `[enter, exit]` (enter >= 0) in which the ray is inside the box.
    #[inline]
    pub(crate) fn slab(&self, lo: [f64; 3], hi: [f64; 3]) -> Option<(f64, f64)> {
        let (mut t0, mut t1) = (0.0f64, f64::INFINITY);
        for i in 0..3 {
            if self.dir[i] == 0.0 {
                if self.origin[i] < lo[i] || self.origin[i] > hi[i] {
                    return None;
                }
            } else {
                let a = (lo[i] - self.origin[i]) / self.dir[i];
                let b = (hi[i] - self.origin[i]) / self.dir[i];
                t0 = t0.max(a.min(b));
                t1 = t1.min(a.max(b));
            }
        }
        (t0 <= t1).then_some((t0, t1))
    }

    /// The first `t` at which the ray enters the prism of a footprint extruded over `z`:
    /// either where it enters the z slab above or inside the footprint (a cap, or the start
    /// when the camera is inside), or where it crosses a wall (a footprint edge).
    pub(crate) fn prism_entry(
        &self,
        z: [f64; 2],
        covers: impl Fn([f64; 2]) -> bool,
        edges: impl Iterator<Item = ([f64; 2], [f64; 2])>,
    ) -> Option<f64> {
        let (mut t0, mut t1) = (0.0f64, f64::INFINITY);
        let (oz, dz) = (self.origin[2], self.dir[2]);
        if dz == 0.0 {
            if oz < z[0] || oz > z[1] {
                return None;
            }
        } else {
            let (a, b) = ((z[0] - oz) / dz, (z[1] - oz) / dz);
            t0 = t0.max(a.min(b));
            t1 = t1.min(a.max(b));
        }
        if t0 > t1 {
            return None;
        }
        let p0 = self.at(t0);
        if covers([p0[0], p0[1]]) {
            return Some(t0);
        }
        let d = [self.dir[0], self.dir[1]];
        if d == [0.0, 0.0] {
            return None;
        }
        let o = [self.origin[0], self.origin[1]];
        let mut best: Option<f64> = None;
        let mut consider = |t: f64| {
            if t >= t0 && t <= t1 && best.is_none_or(|b| t < b) {
                best = Some(t);
            }
        };
        for (a, b) in edges {
            let e = [b[0] - a[0], b[1] - a[1]];
            let w = [a[0] - o[0], a[1] - o[1]];
            let denom = cross_xy(d, e);
            if denom == 0.0 {
                if cross_xy(w, d) == 0.0 {
                    // Collinear: the ray meets the edge at its nearer end.
                    let dd = d[0] * d[0] + d[1] * d[1];
                    for p in [a, b] {
                        consider(((p[0] - o[0]) * d[0] + (p[1] - o[1]) * d[1]) / dd);
                    }
                }
                continue;
            }
            let t = cross_xy(w, e) / denom;
            let s = cross_xy(w, d) / denom;
            if (0.0..=1.0).contains(&s) {
                consider(t);
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_edges() -> impl Iterator<Item = ([f64; 2], [f64; 2])> {
        let r = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]];
        (0..4).map(move |i| (r[i], r[i + 1]))
    }

    fn covers(p: [f64; 2]) -> bool {
        (0.0..=10.0).contains(&p[0]) && (0.0..=10.0).contains(&p[1])
    }

    #[test]
    fn hits_roof_wall_or_nothing() {
        // Straight down onto the roof at z = 20 from z = 100: t = 80.
        let down = Ray { origin: [5.0, 5.0, 100.0], dir: [0.0, 0.0, -1.0] };
        assert_eq!(down.prism_entry([0.0, 20.0], covers, square_edges()), Some(80.0));
        // Horizontally into the west wall at x = 0 from x = -5: t = 5.
        let side = Ray { origin: [-5.0, 5.0, 10.0], dir: [1.0, 0.0, 0.0] };
        assert_eq!(side.prism_entry([0.0, 20.0], covers, square_edges()), Some(5.0));
        // Above the roof: misses.
        let over = Ray { origin: [-5.0, 5.0, 30.0], dir: [1.0, 0.0, 0.0] };
        assert_eq!(over.prism_entry([0.0, 20.0], covers, square_edges()), None);
        // Pointing away: misses.
        let away = Ray { origin: [-5.0, 5.0, 10.0], dir: [-1.0, 0.0, 0.0] };
        assert_eq!(away.prism_entry([0.0, 20.0], covers, square_edges()), None);
        // Starting inside: t = 0.
        let inside = Ray { origin: [5.0, 5.0, 10.0], dir: [1.0, 0.0, 0.0] };
        assert_eq!(inside.prism_entry([0.0, 20.0], covers, square_edges()), Some(0.0));
        // Along the south wall (collinear): enters at the corner, t = 5.
        let along = Ray { origin: [-5.0, 0.0, 10.0], dir: [1.0, 0.0, 0.0] };
        assert_eq!(along.prism_entry([0.0, 20.0], covers, square_edges()), Some(5.0));
    }

    #[test]
    fn slab_clips_to_the_box() {
        let r = Ray { origin: [-1.0, 0.5, 0.5], dir: [1.0, 0.0, 0.0] };
        assert_eq!(r.slab([0.0; 3], [1.0; 3]), Some((1.0, 2.0)));
        assert_eq!(r.slab([0.0, 2.0, 0.0], [1.0, 3.0, 1.0]), None);
        assert!(Ray { origin: [0.0; 3], dir: [0.0; 3] }.check().is_err());
    }
}
