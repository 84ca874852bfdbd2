//! The CityGML reader on the shared CityGML files, with the object counts the data README
//! states; the Berlin Moabit building read from its 2.0 and 3.0 encodings gives the same
//! vertices (within 1 mm) and attributes; a Yokosuka building's position matches the ECEF of
//! the published geodetic formula; broken variants made here are reported with the byte offset
//! and the gml:id, and the other objects are kept.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cim_import::{Format, Imported, ReadOptions, read_citygml_from};
use city_core::ObjectKind;

fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

fn read(rel: &str) -> Imported {
    Format::CityGml.read_all(&data(rel), &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn read_text(text: &str) -> Result<Imported, cim_import::ImportError> {
    read_citygml_from(text.as_bytes(), Path::new("test.gml"), &ReadOptions::default())
}

fn counts(imp: &Imported) -> BTreeMap<ObjectKind, usize> {
    let mut c = BTreeMap::new();
    for o in &imp.objects {
        *c.entry(o.object.kind).or_insert(0) += 1;
    }
    c
}

#[test]
fn object_counts_match_the_data_readme() {
    use ObjectKind::*;
    let yokosuka = read("citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml");
    assert_eq!(counts(&yokosuka), BTreeMap::from([(Building, 13), (BuildingPart, 2)]), "13 buildings + 2 parts");
    assert!(yokosuka.skipped.is_empty(), "{:?}", yokosuka.skipped);
    // Parts name their building.
    for part in yokosuka.objects.iter().filter(|o| o.object.kind == BuildingPart) {
        let parent = part.object.parent.as_deref().unwrap();
        assert!(yokosuka.objects.iter().any(|o| o.object.id == parent && o.object.kind == Building));
    }
    let sapporo = read("citygml/plateau/sapporo-shi_64413325_bldg_6697_op.gml");
    assert_eq!(counts(&sapporo), BTreeMap::from([(Building, 25)]));
    let numazu = read("citygml/plateau/numazu-shi/udx/fld/52385721_fld_6697_l1_op.gml");
    assert_eq!(counts(&numazu), BTreeMap::from([(WaterBody, 3)]));
    for rel in ["citygml/Berlin_Moabit_1Bldg_v2.gml", "citygml/Berlin_Moabit_1Bldg_v3.gml"] {
        let b = read(rel);
        assert_eq!(counts(&b), BTreeMap::from([(Building, 1)]), "{rel}");
        assert_eq!(b.crs.as_ref().unwrap().epsg(), 25833, "{rel}: the horizontal CRS of the compound srsName");
    }
    assert_eq!(yokosuka.crs.as_ref().unwrap().epsg(), 6697);
    // Attributes, typed: as many measured heights as the file has <bldg:measuredHeight> tags.
    let text = std::fs::read_to_string(data("citygml/plateau/sapporo-shi_64413325_bldg_6697_op.gml")).unwrap();
    let heights: Vec<f64> =
        sapporo.objects.iter().filter_map(|o| o.object.attributes.get("measuredHeight")?.as_f64()).collect();
    assert_eq!(heights.len(), text.matches("<bldg:measuredHeight").count());
    assert!(heights.iter().all(|h| *h > 0.0 && *h < 300.0), "{heights:?}");
    assert!(
        yokosuka.objects.iter().any(|o| o.object.attributes.keys().any(|k| k.starts_with("uro:"))),
        "uro: attributes are kept"
    );
    // Terrain: one object per TIN, every triangle of the file a surface.
    let dem = read("citygml/plateau/yokosuka-shi/udx/dem/523965_dem_6697_05_op.gml");
    let text = std::fs::read_to_string(data("citygml/plateau/yokosuka-shi/udx/dem/523965_dem_6697_05_op.gml")).unwrap();
    assert_eq!(counts(&dem), BTreeMap::from([(Terrain, text.matches("<dem:TINRelief").count())]));
    let triangles: usize = dem.objects.iter().map(|o| o.surfaces.len()).sum();
    assert_eq!(triangles, text.matches("<gml:Triangle>").count());
}

#[test]
fn berlin_in_citygml_2_and_3_is_the_same_building() {
    let v2 = read("citygml/Berlin_Moabit_1Bldg_v2.gml");
    let v3 = read("citygml/Berlin_Moabit_1Bldg_v3.gml");
    let (a, b) = (&v2.objects[0], &v3.objects[0]);
    assert_eq!(a.object.id, b.object.id);
    let vertices = |o: &cim_import::ImportedObject| {
        let mut v: Vec<[f64; 3]> = o.surfaces.iter().flat_map(|s| s.rings.iter().flatten().copied()).collect();
        v.sort_by(|p, q| {
            p.iter().zip(q).map(|(x, y)| x.total_cmp(y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
        });
        v
    };
    let (va, vb) = (vertices(a), vertices(b));
    assert!(va.len() > 10, "{} vertices", va.len());
    assert_eq!(va.len(), vb.len());
    for (p, q) in va.iter().zip(&vb) {
        assert!((0..3).all(|i| (p[i] - q[i]).abs() < 1e-3), "{p:?} vs {q:?}");
    }
    let semantics = |o: &cim_import::ImportedObject| {
        let mut s: Vec<String> = o.surfaces.iter().map(|s| s.semantic.clone().unwrap_or_default()).collect();
        s.sort();
        s
    };
    assert_eq!(semantics(a), semantics(b));
    // The X3DMaterial colour reaches the surfaces of the MultiSurface it targets, in both.
    let colours = |o: &cim_import::ImportedObject| o.surfaces.iter().filter_map(|s| s.color).collect::<Vec<_>>();
    assert_eq!(colours(a), colours(b));
    assert!(!colours(a).is_empty());
    let want = [0.839_215_7, 0.305_882_35, 0.211_764_71, 1.0];
    assert!(colours(a).iter().all(|c| c.iter().zip(&want).all(|(x, y)| (x - y).abs() < 1e-6)), "{:?}", colours(a));
    assert!(semantics(a).iter().any(|s| s == "RoofSurface"), "{:?}", semantics(a));
    assert_eq!(a.object.attributes, b.object.attributes);
    assert!(a.object.attributes.len() >= 10, "{:?}", a.object.attributes);
}

#[test]
fn a_yokosuka_building_sits_where_the_geodetic_formula_puts_it() {
    let imp = read("citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml");
    let crs = imp.crs.clone().unwrap();
    let o = imp.objects.iter().find(|o| !o.surfaces.is_empty()).unwrap();
    // The centre of its vertices, as written (lat, lon, h).
    let pts: Vec<[f64; 3]> = o.surfaces.iter().flat_map(|s| s.rings.iter().flatten().copied()).collect();
    let n = pts.len() as f64;
    let c: [f64; 3] = std::array::from_fn(|i| pts.iter().map(|p| p[i]).sum::<f64>() / n);
    // The published closed form on GRS80 (JGD2011's ellipsoid): a = 6378137, f = 1/298.257222101.
    let (a, f) = (6_378_137.0_f64, 1.0 / 298.257_222_101);
    let e2 = f * (2.0 - f);
    let (lat, lon, h) = (c[0].to_radians(), c[1].to_radians(), c[2]);
    let nu = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    let want = [(nu + h) * lat.cos() * lon.cos(), (nu + h) * lat.cos() * lon.sin(), (nu * (1.0 - e2) + h) * lat.sin()];
    let got = crs.to_ecef(c).unwrap();
    let d = (0..3).map(|i| (got[i] - want[i]).powi(2)).sum::<f64>().sqrt();
    assert!(d < 0.05, "ECEF {got:?} vs the formula's {want:?}: {d:.3} m apart");
}

const HEAD: &str = "<?xml version=\"1.0\"?>\n<core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\" \
    xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\" xmlns:gml=\"http://www.opengis.net/gml\" \
    xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<gml:boundedBy><gml:Envelope srsName=\"EPSG:25833\" srsDimension=\"3\"/></gml:boundedBy>\n";

fn building(id: &str, poslist: &str, extra: &str) -> String {
    format!(
        "<core:cityObjectMember><bldg:Building gml:id=\"{id}\"><bldg:lod1MultiSurface><gml:MultiSurface>\
         <gml:surfaceMember><gml:Polygon gml:id=\"{id}-p\"><gml:exterior><gml:LinearRing><gml:posList srsDimension=\"3\">{poslist}</gml:posList>\
         </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>{extra}</gml:MultiSurface></bldg:lod1MultiSurface></bldg:Building></core:cityObjectMember>\n"
    )
}

const SQUARE: &str = "0 0 10 10 0 10 10 10 10 0 10 10 0 0 10";

#[test]
fn broken_citygml_is_reported_and_the_rest_is_kept() {
    // A posList of 14 values (not a multiple of 3), and a dangling xlink:href.
    let text = format!(
        "{HEAD}{}{}{}</core:CityModel>\n",
        building("good", SQUARE, ""),
        building("short", "0 0 10 10 0 10 10 10 10 0 10 10 0 0", ""),
        building("dangling", SQUARE, "<gml:surfaceMember xlink:href=\"#nowhere\"/>"),
    );
    let imp = read_text(&text).unwrap();
    let ids: Vec<&str> = imp.objects.iter().map(|o| o.object.id.as_str()).collect();
    assert_eq!(ids, ["good", "short", "dangling"]);
    assert!(imp.objects[1].surfaces.is_empty(), "the bad polygon is dropped");
    let warn =
        |id: &str| imp.warnings.iter().filter(|w| w.id == id).map(|w| w.reason.clone()).collect::<Vec<_>>().join("; ");
    assert!(
        warn("short").contains("multiple of its dimension") && warn("short").contains("short-p"),
        "{}",
        warn("short")
    );
    assert!(warn("short").contains("byte "), "{}", warn("short"));
    assert!(warn("dangling").contains("#nowhere"), "{}", warn("dangling"));
    assert_eq!(imp.objects[2].surfaces.len(), 1, "the good polygon of the dangling one stays");

    // Unclosed tags, unknown CRS, a DOCTYPE, not CityGML: errors naming the file.
    let unclosed = format!("{HEAD}{}", &building("x", SQUARE, "")[..200]);
    let e = read_text(&unclosed).unwrap_err().to_string();
    assert!(e.contains("test.gml") && e.contains("byte"), "{e}");
    let e = read_text(
        &format!("{HEAD}{}</core:CityModel>", building("x", SQUARE, "")).replace("EPSG:25833", "EPSG:999999"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("999999") && e.contains("--crs"), "{e}");
    let e = read_text("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><core:CityModel>&e;</core:CityModel>")
        .unwrap_err()
        .to_string();
    assert!(e.contains("DOCTYPE"), "{e}");
    let e = read_text("<alert/>").unwrap_err().to_string();
    assert!(e.contains("not CityGML"), "{e}");
}

#[test]
fn textures_come_with_their_coordinates_and_missing_images_are_reported() {
    let rel = "citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml";
    let text = std::fs::read_to_string(data(rel)).unwrap();
    let imp = read(rel);
    // PLATEAU: global appearances after the objects; every target polygon textured.
    let mut uris: Vec<&str> = text.split("<app:imageURI>").skip(1).map(|t| &t[..t.find('<').unwrap()]).collect();
    uris.sort();
    uris.dedup();
    assert_eq!(imp.textures.len(), uris.len(), "{:?}", imp.textures);
    assert!(imp.textures.iter().all(|p| p.is_file()));
    let textured: Vec<&cim_import::Surface> =
        imp.objects.iter().flat_map(|o| &o.surfaces).filter(|s| s.texture.is_some()).collect();
    assert_eq!(textured.len(), text.matches("<app:target uri=").count(), "one textured surface per target");
    for s in &textured {
        let t = s.texture.as_ref().unwrap();
        assert_eq!(t.uv.len(), s.rings.len());
        for (uv, ring) in t.uv.iter().zip(&s.rings) {
            assert_eq!(uv.len(), ring.len(), "one (u, v) per point");
            assert!(uv.iter().all(|p| p.iter().all(|c| (-0.01..=1.01).contains(c))), "{uv:?}");
        }
    }
    assert!(imp.warnings.iter().all(|w| !w.reason.contains("texture")), "{:?}", imp.warnings);

    // Berlin: appearances inside the building, images not shipped with the file.
    let berlin = read("citygml/Berlin_Moabit_1Bldg_v2.gml");
    let missing: Vec<&str> =
        berlin.warnings.iter().filter(|w| w.reason.contains("is missing")).map(|w| w.reason.as_str()).collect();
    let btext = std::fs::read_to_string(data("citygml/Berlin_Moabit_1Bldg_v2.gml")).unwrap();
    let mut buris: Vec<&str> = btext.split("<app:imageURI>").skip(1).map(|t| &t[..t.find('<').unwrap()]).collect();
    buris.sort();
    buris.dedup();
    assert_eq!(missing.len(), buris.len(), "{missing:?}");
    assert!(missing.iter().all(|m| m.contains("appearance/tex")), "{missing:?}");
    assert!(berlin.objects[0].surfaces.iter().all(|s| s.texture.is_none()));
    assert!(berlin.textures.is_empty());
}

/// Issue 16: German states' LoD2 files declare AdV CRS names. The Berlin building with its
/// `srsName` (EPSG:25833 + DHHN) replaced by the AdV name of the same CRS reads the same
/// surfaces, easting first, in EPSG:25833.
#[test]
fn german_adv_crs_names_read_as_their_epsg_crs() {
    let text = std::fs::read_to_string(data("citygml/Berlin_Moabit_1Bldg_v2.gml")).unwrap();
    let epsg = "urn:ogc:def:crs,crs:EPSG:6.12:25833,crs:EPSG:6.12:5783";
    assert!(text.contains(epsg));
    let adv = read_text(&text.replace(epsg, "urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH")).unwrap();
    let own = read("citygml/Berlin_Moabit_1Bldg_v2.gml");
    assert_eq!(adv.crs.as_ref().map(city_core::Crs::epsg), Some(25833));
    assert_eq!(adv.objects.len(), own.objects.len());
    for (a, b) in adv.objects.iter().zip(&own.objects) {
        assert_eq!(a.surfaces.len(), b.surfaces.len());
        for (sa, sb) in a.surfaces.iter().zip(&b.surfaces) {
            assert_eq!(sa.rings, sb.rings, "{}", a.object.id);
        }
    }
    // And they land in Berlin.
    let p = adv.objects[0].surfaces[0].rings[0][0];
    let g = adv.crs.unwrap().to_geodetic(p).unwrap();
    assert!((g.lon_deg - 13.35).abs() < 0.1 && (g.lat_deg - 52.53).abs() < 0.1, "{g:?}");
}

/// Issue 17: a building nested 20,000 elements deep is an error at its byte, not a stack
/// overflow that aborts the process.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let head = "<?xml version=\"1.0\"?><core:CityModel xmlns:core=\"http://www.opengis.net/citygml/2.0\" \
                xmlns:bldg=\"http://www.opengis.net/citygml/building/2.0\" xmlns:gml=\"http://www.opengis.net/gml\">\
                <core:cityObjectMember><bldg:Building gml:id=\"b1\">";
    let text = format!(
        "{head}{}{}</bldg:Building></core:cityObjectMember></core:CityModel>",
        "<bldg:x>".repeat(20_000),
        "</bldg:x>".repeat(20_000)
    );
    let e = read_text(&text).unwrap_err().to_string();
    assert!(e.contains("test.gml") && e.contains("byte") && e.contains("nested deeper than"), "{e}");
}
