//! The camera: it orbits a target point on the globe (drag to turn, right-drag to pan, wheel to
//! zoom towards the cursor, W/A/S/D/Q/E to fly), and flies smoothly to bookmarks. Its state is
//! f64 geodesy; the Bevy camera only receives the render-space rotation each frame.
use std::f64::consts::FRAC_PI_2;

use city_core::{CameraPose, EnuFrame, Geodetic, Vec3 as DVec3, ecef_from_geodetic, geodetic_from_ecef};

/// The viewer's vertical field of view, radians (50 degrees).
pub const VIEW_FOV_Y: f64 = 50.0 * std::f64::consts::PI / 180.0;

/// Where the camera is: the point it orbits, how far, which way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Orbit {
    /// The point looked at.
    pub target: Geodetic,
    /// Eye to target, metres.
    pub distance_m: f64,
    /// Direction looked towards, radians clockwise from north.
    pub heading: f64,
    /// Angle below the horizon, radians (pi/2: straight down).
    pub pitch: f64,
}

impl From<CameraPose> for Orbit {
    fn from(p: CameraPose) -> Self {
        Self {
            target: Geodetic::from_deg(p.lon_deg, p.lat_deg, p.height_m),
            distance_m: p.distance_m,
            heading: p.heading_deg.to_radians(),
            pitch: p.pitch_deg.to_radians(),
        }
    }
}

impl Orbit {
    /// The target's local east, north and up (ECEF directions).
    pub fn enu(&self) -> [DVec3; 3] {
        EnuFrame::at(self.target).axes
    }

    /// The eye (ECEF), the direction it looks (unit, ECEF) and its up.
    pub fn eye(&self) -> (DVec3, DVec3, DVec3) {
        let [e, n, u] = self.enu();
        let (sh, ch, sp, cp) = (self.heading.sin(), self.heading.cos(), self.pitch.sin(), self.pitch.cos());
        let f: DVec3 = std::array::from_fn(|i| e[i] * sh * cp + n[i] * ch * cp - u[i] * sp);
        // Up: towards the sky, perpendicular to the view.
        let up: DVec3 = std::array::from_fn(|i| e[i] * sh * sp + n[i] * ch * sp + u[i] * cp);
        let t = ecef_from_geodetic(self.target);
        (std::array::from_fn(|i| t[i] - f[i] * self.distance_m), f, up)
    }

    /// The orbit that frames `corners` (ECEF points, e.g. a tileset's root bounding volume):
    /// looking at their centre from `heading` and `pitch`, just far enough that every corner is
    /// inside 90 % of a view of vertical field `fov_y` and width/height `aspect`. So the first
    /// view shows the whole content, centred and filling the view, whatever its shape.
    pub fn framing(corners: &[DVec3], heading: f64, pitch: f64, fov_y: f64, aspect: f64) -> Self {
        let n = corners.len().max(1) as f64;
        let centre: DVec3 = std::array::from_fn(|k| corners.iter().map(|c| c[k]).sum::<f64>() / n);
        let mut orbit = Self { target: geodetic_from_ecef(centre), distance_m: 1.0, heading, pitch };
        let (_, f, up) = orbit.eye();
        let right = city_core::vec3::cross(f, up);
        let (tan_y, tan_x) = ((fov_y * 0.5).tan() * 0.9, (fov_y * 0.5).tan() * aspect * 0.9);
        // A corner at (x, y) across and `along` ahead of the centre is inside the view from
        // distance d when |x| <= (d + along) tan_x and |y| <= (d + along) tan_y.
        let needed = corners.iter().map(|c| {
            let p = city_core::vec3::sub(*c, centre);
            let (x, y, along) =
                (city_core::vec3::dot(p, right), city_core::vec3::dot(p, up), city_core::vec3::dot(p, f));
            (x.abs() / tan_x).max(y.abs() / tan_y) - along
        });
        orbit.distance_m = needed.fold(50.0, f64::max);
        orbit
    }

    /// Turns by mouse drag (radians).
    pub fn rotate(&mut self, d_heading: f64, d_pitch: f64) {
        self.heading = (self.heading + d_heading).rem_euclid(std::f64::consts::TAU);
        self.pitch = (self.pitch + d_pitch).clamp(0.02, FRAC_PI_2);
    }

    /// Moves the target along the ground: `right` and `forward` in metres, in the view's
    /// horizontal axes.
    pub fn pan(&mut self, right_m: f64, forward_m: f64, up_m: f64) {
        let [e, n, u] = self.enu();
        let (sh, ch) = (self.heading.sin(), self.heading.cos());
        let t = ecef_from_geodetic(self.target);
        let p: DVec3 = std::array::from_fn(|i| {
            t[i] + (e[i] * ch - n[i] * sh) * right_m + (e[i] * sh + n[i] * ch) * forward_m + u[i] * up_m
        });
        self.target = geodetic_from_ecef(p);
    }

    /// Zooms by `factor` (< 1 closer), moving the target towards `towards` (an ECEF point under
    /// the cursor) by the same proportion, so what is under the cursor stays there.
    pub fn zoom(&mut self, factor: f64, towards: Option<DVec3>) {
        let factor = factor.clamp(0.2, 5.0);
        let new_distance = (self.distance_m * factor).clamp(2.0, 2.0e7);
        if let Some(p) = towards {
            let t = ecef_from_geodetic(self.target);
            let k = 1.0 - new_distance / self.distance_m;
            let moved: DVec3 = std::array::from_fn(|i| t[i] + (p[i] - t[i]) * k);
            let h = self.target.height_m;
            self.target = Geodetic { height_m: h, ..geodetic_from_ecef(moved) };
        }
        self.distance_m = new_distance;
    }

    /// Between two poses, `s` from 0 to 1 (eased): the target moves along the ground, the
    /// distance geometrically (up and over for long flights), angles the short way round.
    pub fn lerp(a: &Orbit, b: &Orbit, s: f64) -> Orbit {
        let s = s.clamp(0.0, 1.0);
        let e = s * s * (3.0 - 2.0 * s);
        let lerp = |x: f64, y: f64| x + (y - x) * e;
        let mut dh = (b.heading - a.heading).rem_euclid(std::f64::consts::TAU);
        if dh > std::f64::consts::PI {
            dh -= std::f64::consts::TAU;
        }
        // Rise above both ends mid-flight when they are far apart.
        let (pa, pb) = (ecef_from_geodetic(a.target), ecef_from_geodetic(b.target));
        let gap = (0..3).map(|i| (pa[i] - pb[i]).powi(2)).sum::<f64>().sqrt();
        let arc = (gap * 0.5 - a.distance_m.max(b.distance_m)).max(0.0) * 4.0 * e * (1.0 - e);
        Orbit {
            target: Geodetic {
                lon_deg: lerp(a.target.lon_deg, b.target.lon_deg),
                lat_deg: lerp(a.target.lat_deg, b.target.lat_deg),
                height_m: lerp(a.target.height_m, b.target.height_m),
            },
            distance_m: (a.distance_m.ln() + (b.distance_m.ln() - a.distance_m.ln()) * e).exp() + arc,
            heading: a.heading + dh * e,
            pitch: lerp(a.pitch, b.pitch),
        }
    }
}

/// A flight in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flight {
    /// From.
    pub from: Orbit,
    /// To.
    pub to: Orbit,
    /// Seconds flown.
    pub t: f64,
    /// Seconds the flight takes.
    pub duration: f64,
}

impl Flight {
    /// Advances by `dt` seconds; the pose now, and whether it has arrived.
    pub fn step(&mut self, dt: f64) -> (Orbit, bool) {
        self.t += dt;
        let s = self.t / self.duration.max(1e-6);
        (Orbit::lerp(&self.from, &self.to, s), s >= 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zhuhai(distance_m: f64) -> Orbit {
        Orbit { target: Geodetic::from_deg(113.57, 22.27, 0.0), distance_m, heading: 0.0, pitch: FRAC_PI_2 }
    }

    fn dist(a: DVec3, b: DVec3) -> f64 {
        (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt()
    }

    #[test]
    fn straight_down_the_eye_is_above_the_target() {
        let o = zhuhai(500.0);
        let (eye, f, up) = o.eye();
        let g = geodetic_from_ecef(eye);
        assert!((g.height_m - 500.0).abs() < 1e-6, "{g:?}");
        assert!((g.lon_deg - 113.57).abs() < 1e-9 && (g.lat_deg - 22.27).abs() < 1e-9);
        let [_, n, u] = o.enu();
        assert!((0..3).all(|i| (f[i] + u[i]).abs() < 1e-12), "looks down");
        assert!((0..3).all(|i| (up[i] - n[i]).abs() < 1e-12), "north is up on screen at heading 0");
    }

    #[test]
    fn zoom_towards_a_point_keeps_it_in_line() {
        let mut o = zhuhai(1000.0);
        let t = ecef_from_geodetic(o.target);
        let p = ecef_from_geodetic(Geodetic::from_deg(113.571, 22.27, 0.0));
        o.zoom(0.5, Some(p));
        assert_eq!(o.distance_m, 500.0);
        let moved = ecef_from_geodetic(o.target);
        assert!((dist(moved, t) - dist(p, t) * 0.5).abs() < 0.5, "halfway to the cursor point");
    }

    #[test]
    fn a_flight_starts_and_ends_at_its_poses_and_climbs_between_far_places() {
        let a = zhuhai(300.0);
        let b = Orbit { target: Geodetic::from_deg(113.60, 22.30, 0.0), distance_m: 300.0, heading: 1.0, pitch: 0.8 };
        let mut f = Flight { from: a, to: b, t: 0.0, duration: 2.0 };
        let start = Orbit::lerp(&a, &b, 0.0);
        assert_eq!(start.target, a.target);
        assert!((start.distance_m - a.distance_m).abs() < 1e-9);
        let mid = Orbit::lerp(&a, &b, 0.5);
        assert!(mid.distance_m > 1000.0, "up and over: {}", mid.distance_m);
        let (end, arrived) = f.step(2.5);
        assert!(arrived);
        assert!((end.distance_m - 300.0).abs() < 1e-9 && (end.heading - 1.0).abs() < 1e-12);
    }

    #[test]
    fn framing_puts_every_corner_in_the_view_and_the_centre_in_the_middle() {
        // A flat 600 x 200 m box, 10 m high, at Rotterdam.
        let frame = EnuFrame::at(Geodetic::from_deg(4.47, 51.92, 0.0));
        let corners: Vec<DVec3> = [-300.0, 300.0]
            .into_iter()
            .flat_map(|x| [-100.0, 100.0].into_iter().flat_map(move |y| [0.0, 10.0].map(|z| [x, y, z])))
            .map(|p| frame.ecef_from_enu(p))
            .collect();
        let (fov_y, aspect) = (50f64.to_radians(), 16.0 / 9.0);
        let o = Orbit::framing(&corners, 0.0, 50f64.to_radians(), fov_y, aspect);
        let (eye, f, up) = o.eye();
        let right = city_core::vec3::cross(f, up);
        let (mut max_x, mut max_y) = (0.0f64, 0.0f64);
        for c in &corners {
            let p = city_core::vec3::sub(*c, eye);
            let z = city_core::vec3::dot(p, f);
            assert!(z > 0.0);
            let (x, y) = (city_core::vec3::dot(p, right) / z, city_core::vec3::dot(p, up) / z);
            max_x = max_x.max(x.abs() / ((fov_y / 2.0).tan() * aspect));
            max_y = max_y.max(y.abs() / (fov_y / 2.0).tan());
        }
        // Inside the view, and filling it on one axis (90 %).
        assert!(max_x <= 0.9 + 1e-9 && max_y <= 0.9 + 1e-9, "{max_x} {max_y}");
        assert!((max_x.max(max_y) - 0.9).abs() < 1e-6, "{max_x} {max_y}");
        // The centre is looked at.
        let centre = frame.ecef_from_enu([0.0, 0.0, 5.0]);
        let t = ecef_from_geodetic(o.target);
        assert!(city_core::vec3::distance(t, centre) < 1e-6);
    }
}
