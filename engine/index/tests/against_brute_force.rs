//! Every query kind against a brute-force scan over the same objects, on random cities that
//! include the awkward cases: boxes that touch, boxes of zero size, duplicates, and coordinates
//! as large as Dutch RD (85,000 / 447,000 m) or UTM northings in the millions. And every batch
//! mode (sequential, parallel, reordered or not) gives identical answers.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use city_core::{Aabb2, Aabb3};
use city_index::{
    BatchOptions, CityIndex, Frustum, IndexBuilder, KnnQuery, Plane, QueryResults, Ray, Shape, WithinQuery,
};
use geo::{Distance, Euclidean, Intersects, MultiPolygon, Point, Rect, coord, polygon};
use proptest::prelude::*;

const OPTION_SETS: [BatchOptions; 4] = [
    BatchOptions { parallel: false, reorder: false },
    BatchOptions { parallel: false, reorder: true },
    BatchOptions { parallel: true, reorder: false },
    BatchOptions { parallel: true, reorder: true },
];

/// Runs a batch in every mode, checks they agree, returns one.
fn all_modes(f: impl Fn(BatchOptions) -> QueryResults) -> QueryResults {
    let first = f(OPTION_SETS[0]);
    for o in &OPTION_SETS[1..] {
        assert_eq!(f(*o), first, "batch mode {o:?} differs from sequential in-order");
    }
    first
}

fn sorted(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

/// Where a random city sits: at 0, at Dutch RD coordinates, at UTM northings in the millions.
fn base() -> impl Strategy<Value = [f64; 2]> {
    prop_oneof![Just([0.0, 0.0]), Just([85_000.0, 447_000.0]), Just([500_000.0, 5_820_000.0])]
}

/// A box on a coarse grid (so edges often coincide: touching boxes), sometimes of zero size.
fn grid_box(base: [f64; 2]) -> impl Strategy<Value = Aabb3> {
    (0..40i32, 0..40i32, 0..6i32, 0..6i32, 0..3i32, 0..4i32, any::<bool>()).prop_map(
        move |(x, y, w, h, z, dz, fine)| {
            // Half of the boxes on a 0.25 m grid, half with fractional, non-representable offsets.
            let f = if fine { 0.1 } else { 0.0 };
            let x0 = base[0] + f64::from(x) * 2.5 + f;
            let y0 = base[1] + f64::from(y) * 2.5 + f;
            Aabb3 {
                min: [x0, y0, f64::from(z)],
                max: [x0 + f64::from(w) * 2.5, y0 + f64::from(h) * 2.5, f64::from(z + dz)],
            }
        },
    )
}

/// A city: random boxes, then some duplicated.
fn city() -> impl Strategy<Value = ([f64; 2], Vec<Aabb3>)> {
    base().prop_flat_map(|b| {
        (
            Just(b),
            prop::collection::vec(grid_box(b), 0..600),
            prop::collection::vec(any::<prop::sample::Index>(), 0..30),
        )
            .prop_map(|(b, mut boxes, dups)| {
                if !boxes.is_empty() {
                    let extra: Vec<Aabb3> = dups.iter().map(|i| boxes[i.index(boxes.len())]).collect();
                    boxes.extend(extra);
                }
                (b, boxes)
            })
    })
}

fn index_of(boxes: &[Aabb3]) -> CityIndex {
    let mut b = IndexBuilder::new();
    for bx in boxes {
        b.push_box(*bx).unwrap();
    }
    b.build()
}

fn window_queries(base: [f64; 2]) -> impl Strategy<Value = Vec<Aabb3>> {
    prop::collection::vec(grid_box(base), 1..400)
}

fn point(base: [f64; 2]) -> impl Strategy<Value = [f64; 2]> {
    (-10.0..110.0f64, -10.0..110.0f64, any::<bool>()).prop_map(move |(x, y, snap)| {
        // Snapped points sit exactly on box edges and corners.
        let (x, y) = if snap { ((x / 2.5).round() * 2.5, (y / 2.5).round() * 2.5) } else { (x, y) };
        [base[0] + x, base[1] + y]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn windows_2d_and_3d_match_brute_force(((_b, boxes), qs) in city().prop_flat_map(|(b, bx)| (Just((b, bx)), window_queries(b)))) {
        let index = index_of(&boxes);
        let q2: Vec<Aabb2> = qs.iter().map(Aabb3::xy).collect();
        let got = all_modes(|o| index.windows(&q2, o).unwrap());
        let got3 = all_modes(|o| index.windows_3d(&qs, o).unwrap());
        for (i, q) in qs.iter().enumerate() {
            let want: Vec<u32> = (0..boxes.len() as u32).filter(|&j| boxes[j as usize].xy().intersects(&q.xy())).collect();
            prop_assert_eq!(sorted(got.get(i)), want, "2D window {} {:?}", i, q);
            let want3: Vec<u32> = (0..boxes.len() as u32).filter(|&j| boxes[j as usize].intersects(q)).collect();
            prop_assert_eq!(sorted(got3.get(i)), want3, "3D window {} {:?}", i, q);
        }
    }

    #[test]
    fn knn_and_within_match_brute_force(
        ((_b, boxes), pts, k, r) in city().prop_flat_map(|(b, bx)| (Just((b, bx)), prop::collection::vec(point(b), 1..200), 1..20usize, 0.0..15.0f64))
    ) {
        let index = index_of(&boxes);
        let knn: Vec<KnnQuery> = pts.iter().map(|&p| KnnQuery { point: p, k }).collect();
        let got = all_modes(|o| index.nearest(&knn, o).unwrap());
        let within: Vec<WithinQuery> = pts.iter().map(|&p| WithinQuery { point: p, radius: r }).collect();
        let got_w = all_modes(|o| index.within_distance(&within, o).unwrap());
        for (i, p) in pts.iter().enumerate() {
            let mut all: Vec<(f64, u32)> = (0..boxes.len() as u32).map(|j| (boxes[j as usize].xy().distance_to_point(*p), j)).collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = all.iter().take(k).map(|x| x.1).collect();
            prop_assert_eq!(got.get(i), &want[..], "knn {} at {:?}", i, p);
            let want_d: Vec<f64> = all.iter().take(k).map(|x| x.0).collect();
            prop_assert_eq!(got.values(i), &want_d[..]);
            let want_w: Vec<u32> = sorted(&all.iter().filter(|x| x.0 <= r).map(|x| x.1).collect::<Vec<_>>());
            prop_assert_eq!(sorted(got_w.get(i)), want_w, "within {} at {:?}", i, p);
        }
    }

    #[test]
    fn polygons_and_point_joins_match_brute_force(
        ((_b, boxes), pts, tri) in city().prop_flat_map(|(b, bx)| (Just((b, bx)), prop::collection::vec(point(b), 1..100), prop::collection::vec((point(b), point(b), point(b)), 1..40)))
    ) {
        // Half the objects get a triangular footprint inside their box, so exact tests matter.
        let mut builder = IndexBuilder::new();
        for (j, bx) in boxes.iter().enumerate() {
            if j % 2 == 0 && bx.max[0] > bx.min[0] && bx.max[1] > bx.min[1] {
                let fp = MultiPolygon(vec![polygon![(x: bx.min[0], y: bx.min[1]), (x: bx.max[0], y: bx.min[1]), (x: bx.min[0], y: bx.max[1])]]);
                builder.push_footprint(fp, bx.min[2], bx.max[2]).unwrap();
            } else {
                builder.push_box(*bx).unwrap();
            }
        }
        let index = builder.build();
        let zones: Vec<MultiPolygon<f64>> = tri.iter().map(|(a, b2, c)| MultiPolygon(vec![polygon![(x: a[0], y: a[1]), (x: b2[0], y: b2[1]), (x: c[0], y: c[1])]]))
            // A triangle whose first and last corners coincide collapses to 3 points: refused.
            .filter(|z| z.0[0].exterior().0.len() >= 4)
            .collect();
        let got = all_modes(|o| index.polygons(&zones, o).unwrap());
        let joined = all_modes(|o| index.join_points(&pts, o).unwrap());
        let exact_intersects = |j: u32, z: &MultiPolygon<f64>| match index.shape(j) {
            Shape::Box(bx) => Rect::new(coord! {x: bx.min[0], y: bx.min[1]}, coord! {x: bx.max[0], y: bx.max[1]}).intersects(z),
            Shape::Footprint(fp) => fp.intersects(z),
        };
        for (i, z) in zones.iter().enumerate() {
            let want: Vec<u32> = (0..boxes.len() as u32).filter(|&j| exact_intersects(j, z)).collect();
            prop_assert_eq!(sorted(got.get(i)), want, "zone {}", i);
        }
        for (i, p) in pts.iter().enumerate() {
            let want: Vec<u32> = (0..boxes.len() as u32)
                .filter(|&j| match index.shape(j) {
                    Shape::Box(bx) => bx.contains_point(*p),
                    Shape::Footprint(fp) => Euclidean.distance(fp, &Point::new(p[0], p[1])) == 0.0,
                })
                .collect();
            prop_assert_eq!(sorted(joined.get(i)), want, "point {} {:?}", i, p);
        }
    }

    #[test]
    fn frustums_and_rays_match_brute_force(
        ((_b, boxes), eyes, targets) in city().prop_flat_map(|(b, bx)| (Just((b, bx)), prop::collection::vec(point(b), 1..60), prop::collection::vec(point(b), 1..60)))
    ) {
        let index = index_of(&boxes);
        // Rays from eye height down to targets on the ground, and horizontal ones.
        let rays: Vec<Ray> = eyes.iter().zip(targets.iter().cycle()).enumerate().map(|(i, (e, t))| {
            let z0 = if i % 3 == 0 { 1.5 } else { 30.0 };
            Ray { origin: [e[0], e[1], z0], dir: [t[0] - e[0], t[1] - e[1], if i % 3 == 0 { 0.0 } else { -z0 }] }
        }).filter(|r| r.dir != [0.0; 3]).collect();
        let got = all_modes(|o| index.ray_picks(&rays, o).unwrap());
        // Independent slab test per box (boxes are their own prisms), each box grown by `eps`
        // on every side: the first box entered and where.
        let first_hit = |r: &Ray, eps: f64| -> Option<(f64, u32)> {
            let mut best: Option<(f64, u32)> = None;
            for (j, bx) in boxes.iter().enumerate() {
                let (mut t0, mut t1) = (0.0f64, f64::INFINITY);
                let mut hit = true;
                for a in 0..3 {
                    let (lo, hi) = (bx.min[a] - eps, bx.max[a] + eps);
                    // A box of no thickness shrunk is no box: without this, the inverted slab
                    // still gives an interval, and a ray through a zero-width box (a vertical
                    // segment, which the generator makes) would count as a sure hit, not a graze.
                    if lo > hi {
                        hit = false;
                    } else if r.dir[a] == 0.0 {
                        hit &= r.origin[a] >= lo && r.origin[a] <= hi;
                    } else {
                        let (u, v) = ((lo - r.origin[a]) / r.dir[a], (hi - r.origin[a]) / r.dir[a]);
                        t0 = t0.max(u.min(v));
                        t1 = t1.min(u.max(v));
                    }
                }
                if hit && t0 <= t1 && best.is_none_or(|(bt, _)| t0 < bt) {
                    best = Some((t0, j as u32));
                }
            }
            best
        };
        for (i, r) in rays.iter().enumerate() {
            // A ray that grazes an edge or corner (the generated coordinates make exact touches
            // common) hits or misses by the last bit: either answer is right, so such rays are
            // the ones whose answer changes when every box grows or shrinks by a nanometre.
            match (first_hit(r, -1e-9), first_hit(r, 1e-9)) {
                (None, None) => prop_assert!(got.get(i).is_empty(), "ray {} should miss, hit {:?}", i, got.get(i)),
                (Some((latest, _)), Some((earliest, _))) => {
                    prop_assert_eq!(got.get(i).len(), 1, "ray {} should hit at {}", i, latest);
                    // Between where it enters the grown and the shrunk boxes: the prism entry
                    // and the slab entry may differ in the last ulp.
                    let (t, tol) = (got.values(i)[0], 1e-9 * (1.0 + latest));
                    prop_assert!(t >= earliest - tol && t <= latest + tol, "ray {}: {} vs {}..{}", i, t, earliest, latest);
                }
                _ => {}
            }
        }
        // Axis-aligned frustums around each eye: a 40 m box, as six planes.
        let frusta: Vec<Frustum> = eyes.iter().map(|e| {
            let p = |n: [f64; 3], d: f64| Plane { normal: n, d };
            Frustum { planes: [
                p([1.0, 0.0, 0.0], -(e[0] - 20.0)), p([-1.0, 0.0, 0.0], e[0] + 20.0),
                p([0.0, 1.0, 0.0], -(e[1] - 20.0)), p([0.0, -1.0, 0.0], e[1] + 20.0),
                p([0.0, 0.0, 1.0], -1.0), p([0.7, 0.0, -0.7], 10.0),
            ] }
        }).collect();
        let got_f = all_modes(|o| index.frustums(&frusta, o).unwrap());
        for (i, f) in frusta.iter().enumerate() {
            let want: Vec<u32> = (0..boxes.len() as u32).filter(|&j| f.intersects(&boxes[j as usize])).collect();
            prop_assert_eq!(sorted(got_f.get(i)), want, "frustum {}", i);
        }
    }
}

#[test]
fn bad_queries_are_refused_with_their_position() {
    let index = CityIndex::from_boxes(&[Aabb2::new([0.0, 0.0], [1.0, 1.0]).unwrap()]).unwrap();
    let o = BatchOptions::default();
    let e =
        index.nearest(&[KnnQuery { point: [0.0, 0.0], k: 1 }, KnnQuery { point: [0.0, 0.0], k: 0 }], o).unwrap_err();
    assert!(e.to_string().contains("query 1") && e.to_string().contains("k must be"), "{e}");
    let e = index.windows(&[Aabb2 { min: [1.0, 0.0], max: [0.0, 1.0] }], o).unwrap_err();
    assert!(e.to_string().contains("inverted"), "{e}");
    let e = index.windows(&[Aabb2 { min: [f64::NAN, 0.0], max: [0.0, 1.0] }], o).unwrap_err();
    assert!(e.to_string().contains("not finite"), "{e}");
    let e = index.within_distance(&[WithinQuery { point: [0.0, 0.0], radius: -1.0 }], o).unwrap_err();
    assert!(e.to_string().contains("radius"), "{e}");
    let e = index.ray_picks(&[Ray { origin: [0.0; 3], dir: [0.0; 3] }], o).unwrap_err();
    assert!(e.to_string().contains("zero"), "{e}");
    let e = index.polygons(&[MultiPolygon(vec![])], o).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn bad_objects_are_refused_and_the_rest_indexed() {
    let mut b = IndexBuilder::new();
    assert!(b.push_box(Aabb3 { min: [0.0, 0.0, 0.0], max: [1.0, 1.0, 1.0] }).is_ok());
    assert!(b.push_box(Aabb3 { min: [f64::INFINITY, 0.0, 0.0], max: [1.0, 1.0, 1.0] }).is_err());
    // A ring of three points (geo closes rings, so this is the smallest malformed one).
    let line = MultiPolygon(vec![geo::Polygon::new(geo::LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]), vec![])]);
    assert!(b.push_footprint(line, 0.0, 1.0).is_err());
    assert!(b.push_footprint(MultiPolygon(vec![]), 0.0, 1.0).is_err());
    assert_eq!(b.len(), 1);
    let index = b.build();
    let hits = index.windows(&[Aabb2::new([0.5, 0.5], [0.5, 0.5]).unwrap()], BatchOptions::default()).unwrap();
    assert_eq!(hits.get(0), [0]);
}

#[test]
fn empty_index_answers_nothing() {
    let index = CityIndex::from_boxes(&[]).unwrap();
    let bad = CityIndex::from_boxes(&[
        Aabb2 { min: [0.0, 0.0], max: [1.0, 1.0] },
        Aabb2 { min: [10.0, 0.0], max: [0.0, 1.0] },
    ]);
    assert!(matches!(bad, Err(city_index::IndexError::BadObject { index: 1, .. })));
    assert!(CityIndex::from_boxes(&[Aabb2 { min: [f64::NAN, 0.0], max: [1.0, 1.0] }]).is_err());
    let o = BatchOptions::default();
    assert_eq!(index.windows(&[Aabb2::new([0.0, 0.0], [1.0, 1.0]).unwrap()], o).unwrap().total_hits(), 0);
    assert_eq!(index.nearest(&[KnnQuery { point: [0.0, 0.0], k: 3 }], o).unwrap().total_hits(), 0);
    assert!(index.windows(&[], o).unwrap().is_empty());
}

#[test]
fn city_objects_are_indexed_by_footprint_and_z_range() {
    use city_core::{Attributes, CityObject, ObjectKind};
    let object = |id: &str, x: f64, top: f64| CityObject {
        id: id.into(),
        kind: ObjectKind::Building,
        parent: None,
        footprint: MultiPolygon(vec![
            polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0), (x: x + 10.0, y: 10.0), (x: x, y: 10.0)],
        ]),
        z_min_m: 0.0,
        z_max_m: top,
        lods: vec![],
        attributes: Attributes::new(),
    };
    let mut b = IndexBuilder::new();
    let low = b.push_object(&object("low", 0.0, 5.0)).unwrap();
    let tall = b.push_object(&object("tall", 20.0, 50.0)).unwrap();
    let index = b.build();
    let o = BatchOptions::default();
    // A 3D window at 20-30 m height finds only the tall one; a ray along y at 3 m finds the low one.
    let w = index.windows_3d(&[Aabb3::new([-5.0, -5.0, 20.0], [40.0, 15.0, 30.0]).unwrap()], o).unwrap();
    assert_eq!(w.get(0), [tall]);
    let r = index.ray_picks(&[Ray { origin: [5.0, -10.0, 3.0], dir: [0.0, 1.0, 0.0] }], o).unwrap();
    assert_eq!((r.get(0), r.values(0)), (&[low][..], &[10.0][..]));
    assert_eq!(index.bbox(tall).max, [30.0, 10.0, 50.0]);
}

/// Issue 17: windows and radii far beyond any city (1e300, f64::MAX) are answered, not a panic:
/// a window holding everything finds everything, one far away finds nothing.
#[test]
fn enormous_windows_and_radii_answer_without_a_panic() {
    let boxes: Vec<Aabb2> = (0..200)
        .map(|i| {
            let (x, y) = (f64::from(i % 20) * 10.0 + 1.0e5, f64::from(i / 20) * 10.0 + 2.0e6);
            Aabb2::new([x, y], [x + 5.0, y + 5.0]).unwrap()
        })
        .collect();
    let index = CityIndex::from_boxes(&boxes).unwrap();
    let o = BatchOptions::default();
    for big in [1.0e300, f64::MAX] {
        let all = index.windows(&[Aabb2::new([-big, -big], [big, big]).unwrap()], o).unwrap();
        assert_eq!(all.total_hits(), 200, "window +-{big:e}");
        let far = index.windows(&[Aabb2::new([big / 2.0, big / 2.0], [big, big]).unwrap()], o).unwrap();
        assert_eq!(far.total_hits(), 0, "window far at {big:e}");
        let q = Aabb3::new([-big, -big, -big], [big, big, big]).unwrap();
        assert!(index.windows_3d(&[q], o).unwrap().total_hits() <= 200);
        let within = index.within_distance(&[WithinQuery { point: [1.0e5, 2.0e6], radius: big }], o);
        match within {
            Ok(r) => assert_eq!(r.total_hits(), 200, "radius {big:e}"),
            Err(e) => assert!(e.to_string().contains("radius"), "{e}"),
        }
        let near = index.nearest(&[KnnQuery { point: [big, -big], k: 3 }], o).unwrap();
        assert_eq!(near.total_hits(), 3);
    }
}
