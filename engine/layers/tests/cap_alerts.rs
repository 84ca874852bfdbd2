//! Every CAP alert in the shared data parses (CAP 1.0, 1.1, 1.2; the real US alerts with large
//! multi-area polygons, a circle, XML signatures), and each area's geometry matches the
//! coordinates in the XML, read here with a plain text scan. Broken alerts are refused with the
//! file and line, or have their bad shapes dropped with a warning.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use city_layers::{CapAlert, Severity};

fn cap_dir() -> std::path::PathBuf {
    city_core::shared_data_file("emergency/cap").unwrap_or_else(|e| panic!("{e}"))
}

/// The non-empty texts between `<tag>` and `</tag>`, in order, found by scanning (no XML
/// parser).
fn between(text: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let j = after.find(&close).unwrap();
        if !after[..j].trim().is_empty() {
            out.push(after[..j].trim().to_owned());
        }
        rest = &after[j..];
    }
    out
}

#[test]
fn every_shared_alert_parses_and_its_shapes_match_the_xml() {
    let mut files: Vec<_> = std::fs::read_dir(cap_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "xml"));
    files.sort();
    assert_eq!(files.len(), 19, "the data README lists 19 alerts");
    let (mut polygons, mut circles, mut versions) = (0, 0, std::collections::BTreeSet::new());
    for f in &files {
        let alert = CapAlert::read(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(alert.warnings.is_empty(), "{}: {:?}", f.display(), alert.warnings);
        assert!(!alert.identifier.is_empty() && !alert.sender.is_empty());
        versions.insert(alert.version.clone());
        let text = std::fs::read_to_string(f).unwrap();
        let xml_polygons = between(&text, "polygon");
        let ours: Vec<&Vec<[f64; 2]>> = alert.infos.iter().flat_map(|i| &i.areas).flat_map(|a| &a.polygons).collect();
        assert_eq!(ours.len(), xml_polygons.len(), "{}", f.display());
        for (ring, xml) in ours.iter().zip(&xml_polygons) {
            let pts: Vec<[f64; 2]> = xml
                .split_whitespace()
                .map(|p| {
                    let (lat, lon) = p.split_once(',').unwrap();
                    [lon.parse().unwrap(), lat.parse().unwrap()]
                })
                .collect();
            assert_eq!(**ring, pts, "{}", f.display());
        }
        let xml_circles = between(&text, "circle");
        let ours: Vec<_> = alert.infos.iter().flat_map(|i| &i.areas).flat_map(|a| &a.circles).collect();
        assert_eq!(ours.len(), xml_circles.len(), "{}", f.display());
        for (c, xml) in ours.iter().zip(&xml_circles) {
            let (centre, r) = xml.split_once(' ').unwrap();
            let (lat, lon) = centre.split_once(',').unwrap();
            assert_eq!(
                (c.lat_deg, c.lon_deg, c.radius_km),
                (lat.parse().unwrap(), lon.parse().unwrap(), r.trim().parse().unwrap())
            );
        }
        polygons += xml_polygons.len();
        circles += xml_circles.len();
    }
    assert!(polygons >= 4 && circles >= 4, "{polygons} polygons, {circles} circles: the scan found the shapes");
    assert_eq!(versions.into_iter().collect::<Vec<_>>(), ["1.0", "1.1", "1.2"]);
    // The tsunami cancellation updates three earlier alerts.
    let t = CapAlert::read(&cap_dir().join("google-PAAQ-4-mg5a94.xml")).unwrap();
    assert_eq!((t.msg_type.as_str(), t.references.len()), ("Update", 3));
    assert_eq!(t.references[0], ("wcatwc@noaa.gov".to_owned(), "PAAQ-1-mg5a94".to_owned()));
    assert_eq!(t.infos[0].severity, Severity::Unknown);
    assert!(t.expired(t.sent_ms.unwrap() + 1));
}

#[test]
fn broken_alerts_name_the_file_and_line() {
    let ok = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n<identifier>x</identifier>\n<sender>s</sender>\n\
              <status>Actual</status>\n<msgType>Alert</msgType>\n<info>\n<event>Fire</event>\n<area>\n<areaDesc>a</areaDesc>\n";
    let close = "</area>\n</info>\n</alert>\n";
    // Not CAP.
    let e = CapAlert::parse("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>", "atom.xml").unwrap_err().to_string();
    assert!(e.contains("atom.xml") && e.contains("not a CAP alert"), "{e}");
    // Unclosed tag.
    let e = CapAlert::parse(&format!("{ok}<polygon>1,2 1,3 2,3 1,2\n{close}"), "a.xml").unwrap_err().to_string();
    assert!(e.contains("a.xml: line"), "{e}");
    // A polygon of three points, an unclosed one, a negative circle: dropped, the rest kept.
    let text = format!(
        "{ok}<polygon>1,2 1,3 1,2</polygon>\n<polygon>1,2 1,3 2,3 2,2</polygon>\n<circle>1,2 -5</circle>\n\
         <polygon>1,2 1,3 2,3 1,2</polygon>\n{close}"
    );
    let a = CapAlert::parse(&text, "b.xml").unwrap();
    assert_eq!(a.warnings.len(), 3, "{:?}", a.warnings);
    assert!(a.warnings[0].contains("b.xml: line 10") && a.warnings[0].contains("at least 4"), "{:?}", a.warnings);
    assert!(a.warnings[1].contains("not closed") && a.warnings[2].contains("negative"), "{:?}", a.warnings);
    assert_eq!(a.infos[0].areas[0].polygons.len(), 1);
    // A missing required element.
    let e = CapAlert::parse(
        &ok.replace("<sender>s</sender>\n", "").replace("<area>\n<areaDesc>a</areaDesc>\n", "</info></alert>"),
        "c.xml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("c.xml") && e.contains("<sender>"), "{e}");
}

/// Issue 17: hostile shapes of alert are answered in linear time and without a stack overflow:
/// 20,000 nested elements are refused with their line; a real alert with its area repeated
/// 40,000 times (1.4 MB) is read whole, each area kept.
#[test]
fn deep_nesting_is_refused_and_many_areas_are_read_in_linear_time() {
    let ok = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n<identifier>x</identifier>\n<sender>s</sender>\n\
              <status>Actual</status>\n<msgType>Alert</msgType>\n<info>\n<event>Fire</event>\n";
    let deep = format!("{ok}{}{}</info>\n</alert>\n", "<x>".repeat(20_000), "</x>".repeat(20_000));
    let e = CapAlert::parse(&deep, "deep.xml").unwrap_err().to_string();
    assert!(e.contains("deep.xml: line 8") && e.contains("nested deeper than"), "{e}");
    let area = "<area>\n<areaDesc>a</areaDesc>\n<polygon>1,2 1,3 2,3 1,2</polygon>\n</area>\n";
    let many = format!("{ok}{}</info>\n</alert>\n", area.repeat(40_000));
    assert!(many.len() > 1_400_000);
    let a = CapAlert::parse(&many, "many.xml").unwrap();
    assert_eq!(a.infos[0].areas.len(), 40_000);
}
