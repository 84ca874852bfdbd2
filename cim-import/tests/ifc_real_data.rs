//! The IFC reader on the shared models (FZK-Haus and IfcOpenHouse in IFC4, the duplex in
//! IFC2X3), checked against a reading of the STEP text done here, independently of the IFClite
//! parser: features per class equal the instances whose Representation is an
//! IfcProductDefinitionShape (openings aside, and what is reported skipped); property sets,
//! quantities and storeys equal what the relationships in the text say. Broken variants made
//! here (truncated, an unknown class, a dangling `#id`, a zero-depth extrusion, not STEP) give
//! warnings naming the entity and class, and every other element is still read.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use cim_import::{IfcGeoreference, IfcModel, read_ifc_model};
use city_core::AttributeValue;

fn data(rel: &str) -> PathBuf {
    city_core::shared_data_file(rel).unwrap_or_else(|e| panic!("{e}"))
}

/// One STEP record: class (upper case) and its top-level arguments as text.
struct Record {
    class: String,
    args: Vec<String>,
}

/// The DATA section's records by `#id`: `#id=CLASS(args);`, records spanning lines, strings
/// (with `''` escapes) kept whole, nested lists kept as one argument.
fn step_records(text: &str) -> HashMap<u32, Record> {
    let data = &text[text.find("DATA;").unwrap() + 5..];
    let mut out = HashMap::new();
    let mut rest = data;
    while let Some(hash) = rest.find('#') {
        rest = &rest[hash + 1..];
        let Some(eq) = rest.find('=') else { break };
        let Ok(id) = rest[..eq].trim().parse::<u32>() else { continue };
        let body = rest[eq + 1..].trim_start();
        let Some(open) = body.find('(') else { break };
        let class = body[..open].trim().to_owned();
        // Split the arguments at top-level commas, to the closing parenthesis.
        let (mut args, mut cur, mut depth, mut in_str, mut end) = (Vec::new(), String::new(), 0, false, 0);
        let mut chars = body[open + 1..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if in_str {
                cur.push(c);
                if c == '\'' {
                    if chars.peek().map(|p| p.1) == Some('\'') {
                        cur.push('\'');
                        chars.next();
                    } else {
                        in_str = false;
                    }
                }
                continue;
            }
            match c {
                '\'' => {
                    in_str = true;
                    cur.push(c);
                }
                '(' => {
                    depth += 1;
                    cur.push(c);
                }
                ')' if depth == 0 => {
                    args.push(cur.trim().to_owned());
                    end = i;
                    break;
                }
                ')' => {
                    depth -= 1;
                    cur.push(c);
                }
                ',' if depth == 0 => args.push(std::mem::take(&mut cur).trim().to_owned()),
                _ => cur.push(c),
            }
        }
        rest = &body[open + 1 + end..];
        out.insert(id, Record { class, args });
    }
    out
}

/// A STEP string's text: quotes off, `''` as `'`, and the escapes `\X2\0041\X0\` (UTF-16)
/// and `\X\E4` (ISO 8859-1) decoded (ISO 10303-21, 7.3.4).
fn step_text(arg: &str) -> String {
    let s = arg.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).unwrap_or(arg).replace("''", "'");
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(r) = rest.strip_prefix("\\X2\\") {
            let end = r.find("\\X0\\").unwrap();
            let units: Vec<u16> =
                (0..end / 4).map(|k| u16::from_str_radix(&r[4 * k..4 * k + 4], 16).unwrap()).collect();
            out.push_str(&String::from_utf16(&units).unwrap());
            rest = &r[end + 4..];
        } else if let Some(r) = rest.strip_prefix("\\X\\") {
            out.push(char::from(u8::from_str_radix(&r[..2], 16).unwrap()));
            rest = &r[2..];
        } else {
            out.push('\\');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `#12` as 12.
fn reference(arg: &str) -> Option<u32> {
    arg.strip_prefix('#')?.parse().ok()
}

/// `(#1,#2)` as [1, 2].
fn references(arg: &str) -> Vec<u32> {
    arg.trim_matches(|c| c == '(' || c == ')').split(',').filter_map(|a| reference(a.trim())).collect()
}

/// Per class (IFC's PascalCase is compared upper case), the instances whose 7th argument (an
/// IfcProduct's Representation) references an IFCPRODUCTDEFINITIONSHAPE.
fn products_with_representation(records: &HashMap<u32, Record>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in records.values() {
        let shape = r.args.get(6).and_then(|a| reference(a)).and_then(|id| records.get(&id));
        if shape.is_some_and(|s| s.class == "IFCPRODUCTDEFINITIONSHAPE") {
            *counts.entry(r.class.clone()).or_insert(0) += 1;
        }
    }
    counts
}

fn classes(model: &IfcModel) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for e in &model.elements {
        *c.entry(e.class.to_ascii_uppercase()).or_insert(0) += 1;
    }
    c
}

/// The class named in a skipped element's reason (`#id IfcClass: ...`).
fn skipped_classes(model: &IfcModel) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for s in &model.skipped {
        let class = s.reason.split_whitespace().nth(1).unwrap().trim_end_matches(':').to_ascii_uppercase();
        *c.entry(class).or_insert(0) += 1;
    }
    c
}

#[test]
fn features_per_class_equal_the_products_with_representation_in_the_step_text() {
    for (file, skipped_ok) in [
        // FZK-Haus's IfcAnnotations hold 2D plan symbols only (IfcOpenShell's iterator makes
        // nothing of them either).
        ("ifc/AC20-FZK-Haus.ifc", &["IFCANNOTATION"][..]),
        ("ifc/duplex.ifc", &[][..]),
        ("ifc/IfcOpenHouse_IFC4.ifc", &[][..]),
    ] {
        let path = data(file);
        let records = step_records(&std::fs::read_to_string(&path).unwrap());
        let mut want = products_with_representation(&records);
        let openings = want.remove("IFCOPENINGELEMENT").unwrap_or(0);
        let model = read_ifc_model(&path).unwrap_or_else(|e| panic!("{e}"));
        let skipped = skipped_classes(&model);
        assert!(skipped.keys().all(|k| skipped_ok.contains(&k.as_str())), "{file}: {:?}", model.skipped);
        // What was read plus what was reported skipped is every product with a body.
        let mut got = classes(&model);
        for (k, n) in &skipped {
            *got.entry(k.clone()).or_insert(0) += n;
        }
        assert_eq!(got, want, "{file}");
        assert!(openings > 0, "{file}: the models have windows and doors in walls");
        assert!(model.elements.iter().all(|e| !e.triangles.is_empty()), "{file}");
        assert!(model.warnings.is_empty(), "{file}: {:?}", model.warnings);
    }
}

#[test]
fn property_sets_quantities_and_storeys_follow_the_relationships_in_the_text() {
    let path = data("ifc/AC20-FZK-Haus.ifc");
    let records = step_records(&std::fs::read_to_string(&path).unwrap());
    let model = read_ifc_model(&path).unwrap();
    let unquote = step_text;
    let by_global_id: HashMap<String, u32> = records
        .iter()
        .filter_map(|(id, r)| {
            r.args.first().filter(|a| a.len() == 24 && a.starts_with('\'')).map(|a| (unquote(a), *id))
        })
        .collect();
    let (mut checked_values, mut checked_storeys) = (0, 0);
    for e in &model.elements {
        let id = by_global_id[&e.id];
        // Property sets and element quantities related to the element.
        for rel in records.values().filter(|r| r.class == "IFCRELDEFINESBYPROPERTIES") {
            if !references(&rel.args[4]).contains(&id) {
                continue;
            }
            let set = &records[&reference(&rel.args[5]).unwrap()];
            let set_name = unquote(&set.args[2]);
            let (items, at) = match set.class.as_str() {
                "IFCPROPERTYSET" => (references(&set.args[4]), 2),
                "IFCELEMENTQUANTITY" => (references(&set.args[5]), 3),
                _ => continue,
            };
            for item in items {
                let p = &records[&item];
                if set.class == "IFCPROPERTYSET" && p.class != "IFCPROPERTYSINGLEVALUE" {
                    continue;
                }
                let key = format!("{set_name}.{}", unquote(&p.args[0]));
                let raw = &p.args[at];
                // IFCBOOLEAN(.T.), IFCLABEL('x'), IFCLENGTHMEASURE(2.5) or a bare 2.5.
                let inner = raw.find('(').map_or(raw.as_str(), |o| &raw[o + 1..raw.len() - 1]);
                let want = match inner {
                    "$" | ".U." => continue,
                    ".T." => AttributeValue::Bool(true),
                    ".F." => AttributeValue::Bool(false),
                    s if s.starts_with('\'') => AttributeValue::Text(unquote(s)),
                    s => AttributeValue::Float(s.parse::<f64>().unwrap()),
                };
                let got = e.attributes.get(&key).unwrap_or_else(|| panic!("{} {}: no {key}", e.class, e.id));
                match (got, &want) {
                    (AttributeValue::Int(g), AttributeValue::Float(w)) => assert_eq!(*g as f64, *w, "{key}"),
                    _ => assert_eq!(got, &want, "{} {}: {key}", e.class, e.id),
                }
                checked_values += 1;
            }
        }
        // The storey: the structure containing the element, or the one above its container.
        let container = records
            .values()
            .filter(|r| r.class == "IFCRELCONTAINEDINSPATIALSTRUCTURE")
            .find(|r| references(&r.args[4]).contains(&id))
            .and_then(|r| reference(&r.args[5]));
        if let Some(c) = container.filter(|c| records[c].class == "IFCBUILDINGSTOREY") {
            let storey = &records[&c];
            assert_eq!(
                e.attributes.get("ifc:storey"),
                Some(&AttributeValue::Text(unquote(&storey.args[2]))),
                "{}",
                e.id
            );
            let z: f64 = storey.args[9].parse().unwrap();
            assert_eq!(e.attributes.get("ifc:storey_elevation"), Some(&AttributeValue::Float(z)), "{}", e.id);
            checked_storeys += 1;
        }
    }
    assert!(checked_values > 500, "{checked_values} property values compared");
    assert!(checked_storeys > 50, "{checked_storeys} storeys compared");
    // The house has two storeys and a roof level, and walls on the ground floor.
    let walls_on_ground = model
        .elements
        .iter()
        .filter(|e| e.class == "IfcWallStandardCase")
        .filter(|e| e.attributes.get("ifc:storey") == Some(&AttributeValue::Text("Erdgeschoss".into())))
        .count();
    assert!(walls_on_ground > 0);
}

#[test]
fn georeference_comes_from_the_site() {
    let fzk = read_ifc_model(&data("ifc/AC20-FZK-Haus.ifc")).unwrap();
    // IFCSITE(...,(49,6,1,566000),(8,26,11,540400),110.,...): 49°6'1.566" N, 8°26'11.5404" E,
    // and the model context's TrueNorth (0.766044443119, 0.642787609687): 40° from +x, so the
    // model is turned 50° counter-clockwise.
    let Some(IfcGeoreference::Site(p)) = fzk.georeference else { panic!("{:?}", fzk.georeference) };
    assert!((p.lat_deg - (49.0 + 6.0 / 60.0 + 1.566 / 3600.0)).abs() < 1e-12, "{p:?}");
    assert!((p.lon_deg - (8.0 + 26.0 / 60.0 + 11.5404 / 3600.0)).abs() < 1e-12, "{p:?}");
    assert_eq!(p.height_m, 110.0);
    assert!((p.rotation_deg - 50.0).abs() < 1e-6, "{p:?}");
    // The duplex is west of Greenwich: every part of the compound angle is negative.
    let duplex = read_ifc_model(&data("ifc/duplex.ifc")).unwrap();
    let Some(IfcGeoreference::Site(d)) = duplex.georeference else { panic!("{:?}", duplex.georeference) };
    assert!((d.lon_deg + (87.0 + 38.0 / 60.0 + 21.839999 / 3600.0)).abs() < 1e-9, "{d:?}");
    assert!((d.lat_deg - (41.0 + 52.0 / 60.0 + 27.84 / 3600.0)).abs() < 1e-9, "{d:?}");
    // IfcOpenHouse gives no reference point: importing it needs --place.
    let house = read_ifc_model(&data("ifc/IfcOpenHouse_IFC4.ifc")).unwrap();
    assert_eq!(house.georeference, None);
    let e = cim_import::Format::Ifc
        .read_all(&data("ifc/IfcOpenHouse_IFC4.ifc"), &Default::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("IfcOpenHouse_IFC4.ifc") && e.contains("--place"), "{e}");
    assert!(cim_import::Placement::parse("91,0,0").is_err() && cim_import::Placement::parse("a,b").is_err());
}

/// A broken copy of FZK-Haus, read.
fn read_broken(name: &str, edit: impl Fn(&str) -> String) -> IfcModel {
    let text = std::fs::read_to_string(data("ifc/AC20-FZK-Haus.ifc")).unwrap();
    let dir = std::env::temp_dir().join(format!("citytwin-ifc-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, edit(&text)).unwrap();
    let model = read_ifc_model(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let _ = std::fs::remove_file(&path);
    model
}

#[test]
fn broken_models_name_the_entity_and_keep_every_other_element() {
    let whole = read_ifc_model(&data("ifc/AC20-FZK-Haus.ifc")).unwrap();
    let n = whole.elements.len();

    // Truncated at 70%: a warning, and the elements whose records precede the cut.
    let cut = read_broken("truncated.ifc", |t| t[..t.len() * 7 / 10].to_owned());
    assert!(cut.warnings.iter().any(|w| w.reason.contains("truncated")), "{:?}", cut.warnings);
    assert!(!cut.elements.is_empty() && cut.elements.len() <= n, "{} of {n}", cut.elements.len());

    // An unknown class: counted with its first #id; nothing else lost.
    let unknown = read_broken("unknown.ifc", |t| t.replacen("DATA;", "DATA;\n#9999991= IFCNOTACLASS('x',$);", 1));
    assert!(
        unknown.warnings.iter().any(|w| w.reason.contains("IFCNOTACLASS") && w.reason.contains("#9999991")),
        "{:?}",
        unknown.warnings
    );
    assert_eq!(unknown.elements.len(), n);

    // A wall whose Representation points at a missing #id: that wall is skipped with its #id
    // and class, every other element is read.
    let dangling = read_broken("dangling.ifc", |t| {
        t.replacen(
            "#15042= IFCWALLSTANDARDCASE('2XPyKWY018sA1ygZKgQPtU',#12,'Wand-Int-ERDG-4',$,$,#14983,#15037,",
            "#15042= IFCWALLSTANDARDCASE('2XPyKWY018sA1ygZKgQPtU',#12,'Wand-Int-ERDG-4',$,$,#14983,#8888888,",
            1,
        )
    });
    let reported: Vec<&str> = dangling.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        dangling
            .skipped
            .iter()
            .any(|s| s.reason.starts_with("#15042 IfcWallStandardCase") && s.id == "2XPyKWY018sA1ygZKgQPtU"),
        "{reported:?}"
    );
    assert!(!dangling.elements.iter().any(|e| e.id == "2XPyKWY018sA1ygZKgQPtU"));
    assert_eq!(dangling.elements.len(), n - 1);

    // Every extrusion of that wall's body given depth 0: no body; the wall is skipped, named.
    let text = std::fs::read_to_string(data("ifc/AC20-FZK-Haus.ifc")).unwrap();
    let records = step_records(&text);
    let shape = &records[&15037];
    let reps = references(&shape.args[2]);
    let solids: Vec<u32> = reps
        .iter()
        .flat_map(|r| references(&records[r].args[3]))
        .filter(|i| records[i].class == "IFCEXTRUDEDAREASOLID")
        .collect();
    assert!(!solids.is_empty(), "the wall's body is an extrusion");
    let flat = read_broken("flat.ifc", |t| {
        let mut out = t.to_owned();
        for s in &solids {
            let r = &records[s];
            let old = format!("#{s}= IFCEXTRUDEDAREASOLID({},{},{},{});", r.args[0], r.args[1], r.args[2], r.args[3]);
            let new = format!("#{s}= IFCEXTRUDEDAREASOLID({},{},{},0.);", r.args[0], r.args[1], r.args[2]);
            assert!(out.contains(&old), "{old}");
            out = out.replacen(&old, &new, 1);
        }
        out
    });
    assert!(
        flat.skipped.iter().any(|s| s.reason.starts_with("#15042 IfcWallStandardCase")),
        "{:?}",
        flat.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>()
    );
    assert_eq!(flat.elements.len(), n - 1);

    // Not STEP at all: an error naming the file.
    let dir = std::env::temp_dir().join(format!("citytwin-ifc-notstep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("house.ifc");
    std::fs::write(&path, "{\"type\": \"CityJSON\"}").unwrap();
    let e = read_ifc_model(&path).unwrap_err().to_string();
    assert!(e.contains("house.ifc") && e.contains("ISO-10303-21"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// IFC4's IfcMapConversion (none of the shared models has one, so it is added here to a copy of
/// FZK-Haus): the model is placed in the named projected CRS by the published formula,
/// E = Eastings + Scale (a x - b y), N = Northings + Scale (b x + a y), H = OrthogonalHeight +
/// Scale z, with (a, b) the normalised XAxisAbscissa and XAxisOrdinate; it wins over IfcSite.
#[test]
fn a_map_conversion_places_the_model_in_its_projected_crs() {
    let model = read_broken("mapconversion.ifc", |t| {
        t.replacen(
            "DATA;",
            "DATA;\n#9000001= IFCPROJECTEDCRS('EPSG:25832','ETRS89 / UTM zone 32N','ETRS89',$,'UTM','32N',$);\n\
             #9000002= IFCMAPCONVERSION(#62,#9000001,458000.,5438000.,110.,0.8,0.6,1.);",
            1,
        )
    });
    let Some(IfcGeoreference::MapConversion { crs, origin, x_axis, scale }) = &model.georeference else {
        panic!("{:?}", model.georeference)
    };
    assert_eq!(
        (crs.as_str(), *origin, *x_axis, *scale),
        ("EPSG:25832", [458_000.0, 5_438_000.0, 110.0], [0.8, 0.6], 1.0)
    );
    // The same copy through read_ifc: every vertex by the formula.
    let text = std::fs::read_to_string(data("ifc/AC20-FZK-Haus.ifc")).unwrap().replacen(
        "DATA;",
        "DATA;\n#9000001= IFCPROJECTEDCRS('EPSG:25832','ETRS89 / UTM zone 32N','ETRS89',$,'UTM','32N',$);\n\
         #9000002= IFCMAPCONVERSION(#62,#9000001,458000.,5438000.,110.,0.8,0.6,1.);",
        1,
    );
    let dir = std::env::temp_dir().join(format!("citytwin-ifc-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fzk-map.ifc");
    std::fs::write(&path, text).unwrap();
    let imp = cim_import::Format::Ifc.read_all(&path, &Default::default()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(imp.crs.as_ref().map(city_core::Crs::epsg), Some(25832));
    assert_eq!(imp.objects.len(), model.elements.len());
    for (o, e) in imp.objects.iter().zip(&model.elements) {
        assert_eq!(o.object.id, e.id);
        for (s, t) in o.surfaces.iter().zip(&e.triangles) {
            for (p, q) in s.rings[0].iter().zip(t) {
                let want = [458_000.0 + 0.8 * q[0] - 0.6 * q[1], 5_438_000.0 + 0.6 * q[0] + 0.8 * q[1], 110.0 + q[2]];
                assert!((0..3).all(|k| (p[k] - want[k]).abs() < 1e-6), "{}: {p:?} vs {want:?}", e.id);
            }
        }
    }
}

/// Element colours follow the styled items in the text: for every element whose body items
/// (no mapped items) are styled, the colour is the IfcColourRgb its first styled item leads to
/// (through a style assignment in IFC2X3, a surface style, its rendering or shading), with the
/// shading's transparency as alpha; an unstyled element associated with a material (directly,
/// or the first layer of a layer set usage) takes the material's styled colour (the duplex's
/// coverings); IfcOpenHouse's glass is see-through.
#[test]
fn element_colours_follow_the_styled_items_in_the_text() {
    for file in ["ifc/AC20-FZK-Haus.ifc", "ifc/IfcOpenHouse_IFC4.ifc", "ifc/duplex.ifc"] {
        let path = data(file);
        let records = step_records(&std::fs::read_to_string(&path).unwrap());
        let by_global_id: HashMap<String, u32> = records
            .iter()
            .filter_map(|(id, r)| r.args.first().filter(|a| a.len() == 24).map(|a| (step_text(a), *id)))
            .collect();
        let mut styled: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut ids: Vec<&u32> = records.keys().collect();
        ids.sort();
        for id in ids {
            let r = &records[id];
            // Styled items without an item (`$`) style materials, not geometry.
            if r.class == "IFCSTYLEDITEM"
                && let Some(item) = reference(&r.args[0])
            {
                styled.entry(item).or_default().extend(references(&r.args[1]));
            }
        }
        fn colour(records: &HashMap<u32, Record>, id: u32) -> Option<[f32; 4]> {
            let r = &records[&id];
            match r.class.as_str() {
                "IFCPRESENTATIONSTYLEASSIGNMENT" => references(&r.args[0]).into_iter().find_map(|s| colour(records, s)),
                "IFCSURFACESTYLE" => references(&r.args[2]).into_iter().find_map(|s| colour(records, s)),
                "IFCSURFACESTYLERENDERING" | "IFCSURFACESTYLESHADING" => {
                    let rgb = &records[&reference(&r.args[0])?];
                    let v = |i: usize| rgb.args[i].parse::<f64>().unwrap() as f32;
                    let t = r.args.get(1).and_then(|a| a.parse::<f64>().ok()).unwrap_or(0.0) as f32;
                    Some([v(1), v(2), v(3), 1.0 - t])
                }
                _ => None,
            }
        }
        // A layer set usage's material: its set's first layer's.
        fn first_material(records: &HashMap<u32, Record>, id: u32) -> Option<u32> {
            let r = &records[&id];
            match r.class.as_str() {
                "IFCMATERIAL" => Some(id),
                "IFCMATERIALLAYERSETUSAGE" | "IFCMATERIALLAYER" => first_material(records, reference(&r.args[0])?),
                "IFCMATERIALLAYERSET" => first_material(records, *references(&r.args[0]).first()?),
                _ => None,
            }
        }
        let model = read_ifc_model(&path).unwrap();
        let (mut compared, mut materials) = (0, 0);
        for e in &model.elements {
            let shape = &records[&reference(&records[&by_global_id[&e.id]].args[6]).unwrap()];
            let items: Vec<u32> = references(&shape.args[2])
                .into_iter()
                .filter(|r| records[r].args[1] == "'Body'")
                .flat_map(|r| references(&records[&r].args[3]))
                .collect();
            if items.iter().any(|i| records[i].class == "IFCMAPPEDITEM") {
                continue;
            }
            let mut want =
                items.iter().flat_map(|i| styled.get(i).into_iter().flatten()).find_map(|s| colour(&records, *s));
            // Unstyled bodies take their material's colour: an IfcMaterial associated with the
            // element, through its IfcMaterialDefinitionRepresentation's styled items.
            let element = by_global_id[&e.id];
            // (A boolean's operands may be styled: not followed here, so not compared.)
            let plain = items.iter().all(|i| !records[i].class.starts_with("IFCBOOLEAN"));
            if want.is_none()
                && plain
                && let Some(material) = records
                    .values()
                    .filter(|r| r.class == "IFCRELASSOCIATESMATERIAL" && references(&r.args[4]).contains(&element))
                    .find_map(|r| reference(&r.args[5]))
                    .and_then(|m| first_material(&records, m))
            {
                want = records
                    .values()
                    .filter(|r| {
                        r.class == "IFCMATERIALDEFINITIONREPRESENTATION" && reference(&r.args[3]) == Some(material)
                    })
                    .flat_map(|r| references(&r.args[2]))
                    .flat_map(|rep| references(&records[&rep].args[3]))
                    .flat_map(|item| references(&records[&item].args[1]))
                    .find_map(|style| colour(&records, style));
                materials += usize::from(want.is_some());
            }
            if let Some(want) = want {
                let got = e.color.unwrap_or_else(|| panic!("{file}: {} {} has no colour", e.class, e.id));
                assert!((0..4).all(|k| (got[k] - want[k]).abs() < 1e-5), "{file}: {}: {got:?} vs {want:?}", e.id);
                compared += 1;
            }
        }
        assert!(compared >= 10, "{file}: {compared} colours compared");
        if file.contains("duplex") {
            assert!(materials >= 10, "{file}: {materials} material colours compared");
        }
    }
    let house = read_ifc_model(&data("ifc/IfcOpenHouse_IFC4.ifc")).unwrap();
    assert!(house.elements.iter().any(|e| e.color.is_some_and(|c| c[3] < 0.5)), "glass");
}

/// IfcOpenHouse is drawn in millimetres: its IfcMapConversion (added here) has Scale 0.001, as
/// IFC4 says for a project unit of millimetres on a CRS in metres. The elements (read in metres)
/// land at E = Eastings + (a x - b y), N = Northings + (b x + a y) metres, not a thousand times
/// too close to the offset.
#[test]
fn a_map_conversion_of_a_millimetre_model_lands_in_metres() {
    let add = |t: &str| {
        t.replacen(
            "DATA;",
            "DATA;\n#9000001=IFCPROJECTEDCRS('EPSG:25832',$,$,$,$,$,$);\n\
             #9000002=IFCMAPCONVERSION(#11,#9000001,458000.,5438000.,110.,1.,0.,0.001);",
            1,
        )
    };
    let text = add(&std::fs::read_to_string(data("ifc/IfcOpenHouse_IFC4.ifc")).unwrap());
    let dir = std::env::temp_dir().join(format!("citytwin-ifc-map-mm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("house-map.ifc");
    std::fs::write(&path, text).unwrap();
    let model = read_ifc_model(&path).unwrap();
    let imp = cim_import::Format::Ifc.read_all(&path, &Default::default()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(imp.crs.as_ref().map(city_core::Crs::epsg), Some(25832));
    let (o, e) = (&imp.objects[0], &model.elements[0]);
    let (p, q) = (o.surfaces[0].rings[0][0], e.triangles[0][0]);
    let want = [458_000.0 + q[0], 5_438_000.0 + q[1], 110.0 + q[2]];
    assert!((0..3).all(|k| (p[k] - want[k]).abs() < 1e-6), "{p:?} vs {want:?}");
    // The house is metres across (not millimetres).
    let xs: Vec<f64> =
        imp.objects.iter().flat_map(|o| o.surfaces.iter().flat_map(|s| s.rings[0].iter().map(|p| p[0]))).collect();
    let span = xs.iter().copied().fold(f64::MIN, f64::max) - xs.iter().copied().fold(f64::MAX, f64::min);
    assert!(span > 5.0 && span < 100.0, "{span} m across");
}

/// Opening cuts run IFClite's exact CSG, whose cost some inputs blow up: the fuzzer found a
/// 63 KB model whose cuts took 4.9 s (release). The per-element budget makes such cuts as boxes
/// and names each element; no element of the real models comes near it, so they keep their
/// exact cuts.
#[test]
fn opening_cuts_past_the_budget_are_boxes_and_named_and_real_models_keep_theirs() {
    let cut_as_boxes = |m: &IfcModel| m.warnings.iter().filter(|w| w.reason.contains("cut as boxes")).count();
    let slow = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-crashes/ifc/slow-opening-cut.ifc");
    let model = read_ifc_model(&slow).unwrap();
    assert!(cut_as_boxes(&model) > 0, "no element's cuts were bounded: {:?}", model.warnings);
    for w in model.warnings.iter().filter(|w| w.reason.contains("cut as boxes")) {
        assert!(w.reason.starts_with('#') && w.reason.contains("Ifc"), "the warning names no element: {w:?}");
        assert!(model.elements.iter().any(|e| e.id == w.id), "the element of {w:?} was not kept");
    }
    for name in ["ifc/AC20-FZK-Haus.ifc", "ifc/IfcOpenHouse_IFC4.ifc", "ifc/duplex.ifc"] {
        let model = read_ifc_model(&data(name)).unwrap();
        assert_eq!(cut_as_boxes(&model), 0, "{name}: a real element lost its exact cuts");
    }
}
