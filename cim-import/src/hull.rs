//! The convex hull of 2D points that may include garbage. `geo`'s hull compares coordinates
//! with `partial_cmp(..).unwrap()` and panics on NaN, which a coordinate of 1e308 becomes after
//! one placement; every hull the importer draws goes through here, where only finite points
//! count.
use geo::{ConvexHull, MultiPoint, Point, Polygon};

/// The hull of the finite points among `points`; `None` when fewer than three are finite.
pub(crate) fn finite_hull(points: impl IntoIterator<Item = [f64; 2]>) -> Option<Polygon<f64>> {
    let pts: MultiPoint<f64> =
        points.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()).map(|p| Point::new(p[0], p[1])).collect();
    (pts.0.len() >= 3).then(|| pts.convex_hull())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn nan_and_infinite_points_are_left_out_not_a_panic() {
        let h = finite_hull([[0.0, 0.0], [f64::NAN, 1.0], [2.0, 0.0], [f64::INFINITY, 0.0], [0.0, 2.0]]).unwrap();
        assert!((h.unsigned_area() - 2.0).abs() < 1e-12);
        assert!(finite_hull([[0.0, 0.0], [f64::NAN, f64::NAN], [1.0, 1.0]]).is_none());
    }
}
