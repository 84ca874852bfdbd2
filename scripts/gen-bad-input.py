#!/usr/bin/env python3
"""Writes CityTwin's bad-input corpus: tests/bad-input/<reader>/<case> and tests/bad-input/cases.tsv.

Every case is a small input of our own (no public data is copied), written here from a valid base
per reader and a mutation of it. The expected outcome is stated by this script from what the
mutation does, never copied from what the code answers:

    error REGEX          the read fails; the message names the file and matches REGEX (the place)
    ok N                 the read succeeds with exactly N good items (objects, zones, tiles...)
    ok N warn REGEX      ... and some warning or skipped entry matches REGEX (which one was bad)
    A or B               either outcome is right (where the format itself leaves it open)

`cargo test --test bad_input_corpus` runs them all (tests/bad_input_corpus.rs): no panic, no
hang, no good object lost, every message names the file and the place. The same files seed the
fuzz targets (fuzz/, scripts/fuzz.sh). Run again after changing it: `scripts/gen-bad-input.py`.
"""
import base64
import json
import random
import shutil
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "bad-input"
CASES = []
rng = random.Random(17)

LINE = r"line \d+"
XML_PLACE = r"line \d+|byte \d+"
PLACE_JSON = r"line \d+, column \d+"


def case(reader, name, data, expect, why):
    folder = ROOT / reader
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / name).write_bytes(data)
    assert "\t" not in expect and "\t" not in why
    CASES.append((reader, name, expect, why))


def text_mutations(reader, stem, ext, base, n, whole_file_error=LINE, lines_lost=None, nul_ok=False, bad_utf8_ok=False):
    """Mutations every text reader must survive. `base` holds `n` good items. For a whole-file
    format a broken file is an error at `whole_file_error`; for a line format (`lines_lost` set)
    a broken line costs only that line's item. The bytes go in at the start of a line, between
    items: formats that allow any byte there (`nul_ok`, `bad_utf8_ok`: XML text between
    elements, STEP between records, a CSV id) lose nothing."""
    b = base.encode()
    case(reader, f"{stem}-empty{ext}", b"", "error .", "an empty file")
    case(reader, f"{stem}-blank{ext}", b"   \n\n  \n", "error .", "only white space")
    case(reader, f"{stem}-garbage{ext}", bytes(rng.randrange(256) for _ in range(600)), "error .", "random bytes")
    case(reader, f"{stem}-bom{ext}", b"\xef\xbb\xbf" + b, f"ok {n}", "a UTF-8 byte-order mark is allowed")
    case(reader, f"{stem}-crlf{ext}", base.replace("\n", "\r\n").encode(), f"ok {n}", "CRLF line ends are allowed")
    mid = len(b) // 2
    cut = b.rfind(b"\n", 0, mid) + 1 or mid
    bad_utf8 = b[:cut] + b"\xff\xfe" + b[cut:]
    nul = b[:cut] + b"\x00" + b[cut:]
    if lines_lost is None:
        case(reader, f"{stem}-truncated-third{ext}", b[: len(b) // 3], f"error {whole_file_error}", "cut a third of the way")
        case(reader, f"{stem}-truncated-half{ext}", b[:mid], f"error {whole_file_error}", "cut half way")
        case(reader, f"{stem}-truncated-end{ext}", b[: len(b) - 3], f"error {whole_file_error}", "the last bytes missing")
        case(reader, f"{stem}-bad-utf8{ext}", bad_utf8, f"ok {n}" if bad_utf8_ok else rf"error byte \d+|{whole_file_error}",
             "bytes that are not UTF-8 in the middle")
        case(reader, f"{stem}-nul{ext}", nul, f"ok {n}" if nul_ok else f"error {whole_file_error}", "a NUL byte in the middle")
    else:
        case(reader, f"{stem}-bad-utf8{ext}", bad_utf8, f"ok {n - 1} warn {lines_lost}", "one line not UTF-8")
        case(reader, f"{stem}-nul{ext}", nul, f"ok {n}" if nul_ok else f"ok {n - 1} warn {lines_lost}", "a NUL byte in a line")
        last = b.rstrip(b"\n")
        case(reader, f"{stem}-truncated-end{ext}", last[: len(last) - 5], f"ok {n - 1} warn {lines_lost}", "the last line cut short")


# ---------------------------------------------------------------------------------------------
# CityJSON and CityJSONSeq: three LoD1 boxes near Delft in RD New + NAP (EPSG:7415).

def box_faces(ix):
    """The six faces of box `ix` as rings of vertex indices (8 vertices per box)."""
    o = ix * 8
    return [
        [[o + 0, o + 3, o + 2, o + 1]],
        [[o + 4, o + 5, o + 6, o + 7]],
        [[o + 0, o + 1, o + 5, o + 4]],
        [[o + 1, o + 2, o + 6, o + 5]],
        [[o + 2, o + 3, o + 7, o + 6]],
        [[o + 3, o + 0, o + 4, o + 7]],
    ]


def box_vertices(x, y, w=10.0, d=8.0, h=12.0, scale=0.001):
    pts = [(x, y, 0), (x + w, y, 0), (x + w, y + d, 0), (x, y + d, 0)]
    pts += [(px, py, h) for px, py, _ in pts]
    return [[round(px / scale), round(py / scale), round(pz / scale)] for px, py, pz in pts]


CJ_TRANSFORM = {"scale": [0.001, 0.001, 0.001], "translate": [85000.0, 447000.0, 0.0]}


def cityjson_doc(n=3):
    verts, objs = [], {}
    for i in range(n):
        verts += box_vertices(20.0 * i, 0.0)
        objs[f"b{i + 1}"] = {
            "type": "Building",
            "attributes": {"name": f"house {i + 1}", "yearOfConstruction": 1990 + i},
            "geometry": [{"type": "MultiSurface", "lod": "1", "boundaries": box_faces(i)}],
        }
    return {
        "type": "CityJSON",
        "version": "2.0",
        "transform": CJ_TRANSFORM,
        "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/7415"},
        "CityObjects": objs,
        "vertices": verts,
    }


def json_variants(reader, ext, base):
    """A case writer for `reader`: `variant(name, change, expect, why)` writes a copy of the JSON
    document `base` changed by `change`."""
    def variant(name, change, expect, why):
        doc = json.loads(json.dumps(base))
        change(doc)
        case(reader, name + ext, pretty(doc), expect, why)
    return variant


def json_reader(reader, ext, stem, base, n, why):
    """A JSON reader's valid base (holding `n` good items), the mutations every text reader gets,
    and a writer of its variants; returns the base's text and that writer."""
    text = pretty(base)
    case(reader, "good" + ext, text, f"ok {n}", why)
    text_mutations(reader, stem, ext, text, n, PLACE_JSON)
    return text, json_variants(reader, ext, base)


def pretty(doc):
    return json.dumps(doc, indent=1) + "\n"


def gen_cityjson():
    r, ext = "cityjson", ".city.json"
    base = cityjson_doc()
    text, variant = json_reader(r, ext, "cj", base, 3, "the valid base")

    def set_vertex(doc, i, value):
        doc["vertices"][i] = value

    variant("vertex-huge", lambda d: set_vertex(d, 9, [10**30, 0, 0]), r'ok 2 warn b2', "one vertex of b2 far off the Earth")
    variant("vertex-string", lambda d: set_vertex(d, 9, ["a", 0, 0]), "error vertex", "a vertex that is not numbers")
    variant("vertex-short", lambda d: set_vertex(d, 9, [1, 2]), "error vertex", "a vertex of two numbers")
    variant("vertices-missing", lambda d: d.pop("vertices"), "error vertices", "no vertices array")
    variant("cityobjects-missing", lambda d: d.pop("CityObjects"), "error CityObjects", "no CityObjects")
    variant("cityobjects-array", lambda d: d.__setitem__("CityObjects", []), "error CityObjects", "CityObjects not an object")
    variant("index-out-of-range", lambda d: d["CityObjects"]["b2"]["geometry"][0]["boundaries"][0][0].__setitem__(0, 999999),
            "ok 2 warn b2", "b2 refers to a vertex that does not exist")
    variant("index-negative", lambda d: d["CityObjects"]["b2"]["geometry"][0]["boundaries"][0][0].__setitem__(0, -1),
            "ok 2 warn b2", "b2 refers to vertex -1")
    variant("index-string", lambda d: d["CityObjects"]["b3"]["geometry"][0]["boundaries"][0][0].__setitem__(0, "x"),
            "ok 2 warn b3", "b3 has a vertex index that is text")
    variant("boundaries-null", lambda d: d["CityObjects"]["b1"]["geometry"][0].__setitem__("boundaries", None),
            "ok 2 warn b1", "b1's boundaries are null")
    variant("geometry-type-unknown", lambda d: d["CityObjects"]["b1"]["geometry"][0].__setitem__("type", "Blob"),
            "ok 2 warn b1", "b1's geometry type is unknown")
    variant("geometry-not-array", lambda d: d["CityObjects"]["b3"].__setitem__("geometry", "none"),
            "ok 2 warn b3", "b3's geometry is a string")
    variant("object-not-object", lambda d: d["CityObjects"].__setitem__("b2", 7), "ok 2 warn b2", "b2 is a number")
    variant("transform-zero-scale", lambda d: d["transform"].__setitem__("scale", [0, 0, 0]), "error scale",
            "a transform that scales to nothing")
    variant("transform-bad", lambda d: d["transform"].__setitem__("scale", "big"), "error scale", "a transform scale that is text")
    variant("crs-unknown", lambda d: d["metadata"].__setitem__("referenceSystem", "EPSG:999999"), "error 999999",
            "an EPSG code that does not exist")
    variant("crs-garbage", lambda d: d["metadata"].__setitem__("referenceSystem", "my own crs"), "error crs|CRS",
            "a reference system that is not one")
    variant("translate-off-earth", lambda d: d["transform"].__setitem__("translate", [1e30, 1e30, 0]), "error .",
            "every object off the Earth")
    variant("type-wrong", lambda d: d.__setitem__("type", "GeoJSON"), "error CityJSON", "not CityJSON")
    variant("lod-garbage", lambda d: d["CityObjects"]["b2"]["geometry"][0].__setitem__("lod", {"x": 1}), "ok 2 warn b2",
            "b2's only lod is an object: b2 skipped, said")
    variant("parent-missing", lambda d: d["CityObjects"]["b1"].__setitem__("parents", ["nope"]), "ok 3",
            "a parent that does not exist costs nothing")
    variant("children-cycle", lambda d: (d["CityObjects"]["b1"].__setitem__("children", ["b1"]),
                                         d["CityObjects"]["b1"].__setitem__("parents", ["b1"])), "ok 3",
            "an object its own parent and child")
    variant("attributes-nested", lambda d: d["CityObjects"]["b1"].__setitem__("attributes", {"a": {"b": [1, {"c": None}]}}),
            "ok 3", "nested attributes")
    deep = '{"type":"CityJSON","version":"2.0","CityObjects":' + "[" * 5000 + "]" * 5000 + ',"vertices":[]}'
    case(r, "deep-nesting" + ext, deep, f"error {PLACE_JSON}", "5,000 nested arrays")
    case(r, "nan-token" + ext, text.replace("1990", "NaN", 1), f"error {PLACE_JSON}", "NaN is not JSON")
    case(r, "number-overflow" + ext, text.replace("1990", "1e999", 1), f"error {PLACE_JSON}", "a number beyond f64")
    case(r, "xml-inside" + ext, '{"a": 1}<CityModel/>', f"error {PLACE_JSON}", "trailing XML")
    case(r, "duplicate-keys" + ext, text.replace('"b2": {', '"b1": {', 1), "ok 2", "b2 written as a second b1: JSON keeps the last")


def gen_cityjsonseq():
    r, ext = "cityjsonseq", ".city.jsonl"
    header = {"type": "CityJSON", "version": "2.0", "transform": CJ_TRANSFORM, "CityObjects": {}, "vertices": [],
              "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/7415"}}
    lines = [json.dumps(header)]
    for i in range(5):
        lines.append(json.dumps({
            "type": "CityJSONFeature", "id": f"f{i + 1}",
            "CityObjects": {f"f{i + 1}": {"type": "Building", "geometry": [
                {"type": "MultiSurface", "lod": "1", "boundaries": box_faces(0)}]}},
            "vertices": box_vertices(20.0 * i, 0.0)}))
    text = "\n".join(lines) + "\n"
    case(r, "good" + ext, text, "ok 5", "the valid base")
    text_mutations(r, "seq", ext, text, 5, lines_lost=LINE)

    def line_variant(name, k, new_line, expect, why):
        ls = list(lines)
        ls[k] = new_line
        case(r, name + ext, "\n".join(ls) + "\n", expect, why)

    line_variant("header-broken", 0, lines[0][:40], "error line 1", "the header line cut short")
    line_variant("header-no-transform", 0, json.dumps({k: v for k, v in header.items() if k != "transform"}),
                 "error transform", "a header without transform")
    line_variant("header-not-cityjson", 0, json.dumps({"type": "FeatureCollection"}), "error CityJSON", "a GeoJSON header")
    line_variant("feature-broken", 2, lines[2][:30], r"ok 4 warn line 3", "line 3 cut short")
    line_variant("feature-wrong-type", 3, json.dumps({"type": "Feature"}), r"ok 4 warn line 4", "line 4 a GeoJSON feature")
    line_variant("feature-no-vertices", 1, json.dumps({**json.loads(lines[1]), "vertices": None}), r"ok 4 warn line 2",
                 "f1 (line 2) without vertices")
    f = json.loads(lines[2])
    f["vertices"][3] = [10**30, 0, 0]
    line_variant("feature-vertex-huge", 2, json.dumps(f), r"ok 4 warn f2", "f2 with a vertex off the Earth")
    f = json.loads(lines[4])
    f["CityObjects"]["f4"]["geometry"][0]["boundaries"][0][0][0] = 77
    line_variant("feature-index-out", 4, json.dumps(f), r"ok 4 warn f4", "f4 refers to vertex 77 of 8")
    line_variant("feature-array", 5, "[1,2,3]", r"ok 4 warn line 6", "line 6 an array")
    line_variant("feature-deep", 5, "[" * 3000 + "]" * 3000, r"ok 4 warn line 6", "line 6 nested 3,000 deep")
    case(r, "blank-lines" + ext, "\n\n".join(lines) + "\n\n", "ok 5", "blank lines between features")
    case(r, "header-only" + ext, lines[0] + "\n", "error object", "no features at all: nothing to tile")
    case(r, "many-bad-lines" + ext, "\n".join([lines[0]] + ["{oops"] * 50 + lines[1:]) + "\n", r"ok 5 warn line 51",
         "50 broken lines, then the five features")
    case(r, "long-line" + ext, "\n".join(lines) + "\n" + "x" * 200000 + "\n", r"ok 5 warn line 7", "a 200 kB line of junk at the end")


# ---------------------------------------------------------------------------------------------
# CityGML 2.0: three LoD1 solids in RD New + NAP.

def gml_ring(x, y, z, w, d, face):
    """One face of a box as a closed posList."""
    p = [(x, y), (x + w, y), (x + w, y + d), (x, y + d)]
    if face == "bottom":
        ring = [(px, py, z) for px, py in reversed(p)]
    elif face == "top":
        ring = [(px, py, z + 12) for px, py in p]
    else:
        a, b = p[face], p[(face + 1) % 4]
        ring = [(a[0], a[1], z), (b[0], b[1], z), (b[0], b[1], z + 12), (a[0], a[1], z + 12)]
    ring.append(ring[0])
    return " ".join(f"{c:g}" for pt in ring for c in pt)


def gml_building(bid, x, y):
    faces = ["bottom", "top", 0, 1, 2, 3]
    members = "".join(
        f"<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>{gml_ring(x, y, 0, 10, 8, f)}"
        f"</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>\n" for f in faces)
    return (f'<core:cityObjectMember>\n<bldg:Building gml:id="{bid}">\n'
            f'<gen:stringAttribute name="name"><gen:value>house {bid}</gen:value></gen:stringAttribute>\n'
            f'<bldg:measuredHeight uom="m">12</bldg:measuredHeight>\n'
            f"<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface>\n{members}"
            f"</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid>\n</bldg:Building>\n</core:cityObjectMember>\n")


GML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" '
            'xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:gml="http://www.opengis.net/gml" '
            'xmlns:gen="http://www.opengis.net/citygml/generics/2.0">\n'
            '<gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::7415" srsDimension="3">'
            '<gml:lowerCorner>85000 447000 0</gml:lowerCorner><gml:upperCorner>85060 447010 12</gml:upperCorner>'
            '</gml:Envelope></gml:boundedBy>\n')


def citygml_doc(buildings):
    return GML_HEAD + "".join(buildings) + "</core:CityModel>\n"


def gen_citygml():
    r, ext = "citygml", ".gml"
    good = [gml_building(f"g{i + 1}", 85000 + 20 * i, 447000) for i in range(3)]
    text = citygml_doc(good)
    case(r, "good" + ext, text, "ok 3", "the valid base")
    text_mutations(r, "gml", ext, text, 3, XML_PLACE, nul_ok=True)

    def with_building(name, k, new, expect, why):
        bs = list(good)
        bs[k] = new
        case(r, name + ext, citygml_doc(bs), expect, why)

    g2 = good[1]
    with_building("poslist-text", 1, g2.replace("85020 447000 0", "abc 447000 0", 1), "ok 3 warn g2",
                  "g2 has a coordinate that is text: that polygon is dropped")
    with_building("poslist-nan", 1, g2.replace("85020 447000 0", "NaN 447000 0"), "ok 3 warn g2",
                  "g2 has NaN coordinates: those polygons are dropped")
    with_building("poslist-inf", 1, g2.replace("85020 447000 0", "inf 447000 0"), "ok 3 warn g2",
                  "g2 has infinite coordinates: those polygons are dropped")
    with_building("poslist-huge", 1, g2.replace("85020 447000 0", "1e300 447000 0"), r"ok 2 warn g2",
                  "g2 has a coordinate of 1e300")
    # Corners at x = 1e300 and -1e300, far apart: the building is skipped and named (the input
    # the fuzzer crashed on this way is a case of its own, fuzz-hull-overflow.gml).
    with_building("poslist-huge-spread", 1,
                  g2.replace("85020 447000 0", "1e300 447000 0").replace("85030 447008 0", "-1e300 447080050 0"),
                  r"ok 2 warn g2", "g2 has corners at x = 1e300 and -1e300")
    with_building("poslist-odd-count", 1, g2.replace("85020 447000 0 ", "85020 447000 ", 1), "ok 3 warn g2",
                  "a posList whose count is not a multiple of 3")
    with_building("no-geometry", 2, '<core:cityObjectMember><bldg:Building gml:id="g3"/></core:cityObjectMember>\n',
                  "ok 2", "g3 without geometry is not a building to draw")
    with_building("unclosed-element", 2, good[2].replace("</bldg:Building>", ""), f"error {XML_PLACE}",
                  "g3's Building element never closed")
    with_building("mismatched-tag", 2, good[2].replace("</bldg:lod1Solid>", "</bldg:lod2Solid>"), f"error {XML_PLACE}",
                  "closing tag of another name")
    with_building("undeclared-prefix", 0, good[0].replace("bldg:Building", "zz:Building"), "ok 3",
                  "an undeclared namespace prefix: elements are known by their local names")
    with_building("doctype", 0, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + good[0], f"error {XML_PLACE}",
                  "a DTD with an external entity")
    with_building("entity-bomb", 0, good[0].replace("house g1", "&lol9;"), f"error {XML_PLACE}",
                  "an entity that is not defined")
    case(r, "deep-nesting" + ext, GML_HEAD + "<a>" * 20000 + "</a>" * 20000 + "</core:CityModel>\n", "error object",
         "20,000 nested elements and no city object")
    case(r, "deep-nesting-in-object" + ext,
         citygml_doc(good[:2] + ['<core:cityObjectMember><bldg:Building gml:id="g3">' + "<x>" * 5000 + "</x>" * 5000 +
                                 "</bldg:Building></core:cityObjectMember>\n"]),
         f"error {XML_PLACE} or ok 2 warn g3", "one object nested 5,000 deep")
    case(r, "srs-unknown" + ext, text.replace("EPSG::7415", "EPSG::999999"), "error 999999", "an unknown EPSG code")
    case(r, "srs-missing" + ext, text.replace(' srsName="urn:ogc:def:crs:EPSG::7415"', ""), "error crs|CRS",
         "no srsName anywhere")
    case(r, "not-citygml" + ext, '<?xml version="1.0"?>\n<html><body>hello</body></html>\n', "error .", "HTML")
    case(r, "cdata-and-comments" + ext, text.replace("<bldg:measuredHeight", "<!-- c --><![CDATA[x]]><bldg:measuredHeight"),
         "ok 3", "comments and CDATA between elements")
    case(r, "latin1-declared" + ext, text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("house g1", "h\u00e4us"),
         "ok 3", "an encoding declaration the text does not follow (it is UTF-8)")
    case(r, "attribute-unquoted" + ext, text.replace('gml:id="g2"', "gml:id=g2"), f"error {XML_PLACE}", "an unquoted attribute")
    case(r, "two-roots" + ext, text + "<core:CityModel/>\n", f"error {XML_PLACE} or ok 3", "a second root after the first")


# ---------------------------------------------------------------------------------------------
# GeoJSON footprints in WGS84.

def square(lon, lat, s=0.0001):
    return [[[lon, lat], [lon + s, lat], [lon + s, lat + s], [lon, lat + s], [lon, lat]]]


def geojson_doc(n=4):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"h{i + 1}", "properties": {"height": 10 + i, "name": f"h{i + 1}"},
         "geometry": {"type": "Polygon", "coordinates": square(4.36 + 0.001 * i, 52.01)}} for i in range(n)]}


def gen_geojson():
    r, ext = "geojson", ".geojson"
    base = geojson_doc()
    text, variant = json_reader(r, ext, "gj", base, 4, "the valid base")

    f = lambda d, k: d["features"][k]  # noqa: E731
    variant("height-huge", lambda d: f(d, 1)["properties"].__setitem__("height", 1e308), "ok 3 warn h2",
            "h2 1e308 m tall (the whole output went NaN once)")
    variant("height-negative", lambda d: f(d, 1)["properties"].__setitem__("height", -50), "ok 4 warn height",
            "h2 -50 m tall: extruded to the default height, said")
    variant("height-text", lambda d: f(d, 2)["properties"].__setitem__("height", "tall"), "ok 4 warn height",
            "a height in words gets the default")
    variant("lon-out-of-range", lambda d: f(d, 0)["geometry"].__setitem__("coordinates", square(514.0, 52.0)),
            "ok 3 warn h1", "h1 at longitude 514")
    variant("lat-out-of-range", lambda d: f(d, 0)["geometry"].__setitem__("coordinates", square(4.0, 95.0)),
            "ok 3 warn h1", "h1 at latitude 95")
    variant("coords-text", lambda d: f(d, 3)["geometry"].__setitem__("coordinates", [[["a", "b"]]]), "ok 3 warn h4",
            "h4's coordinates are text")
    variant("ring-short", lambda d: f(d, 3)["geometry"].__setitem__("coordinates", [[[4.0, 52.0], [4.1, 52.0]]]),
            "ok 3 warn h4", "h4's ring has two points")
    variant("geometry-null", lambda d: f(d, 2).__setitem__("geometry", None), "ok 3 warn h3", "h3 has no geometry")
    variant("geometry-point", lambda d: f(d, 2).__setitem__("geometry", {"type": "Point", "coordinates": [4.0, 52.0]}),
            "ok 3 warn h3", "h3 is a point")
    variant("features-missing", lambda d: d.pop("features"), "error features|FeatureCollection", "no features")
    variant("not-collection", lambda d: d.__setitem__("type", "Topology"), "ok 4", "a wrong type with features: the features are read")
    variant("legacy-crs-metres", lambda d: (d.__setitem__("crs", {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}),
                                            [f(d, i)["geometry"].__setitem__("coordinates", [[[85000 + 20 * i, 447000], [85010 + 20 * i, 447000], [85010 + 20 * i, 447008], [85000 + 20 * i, 447008], [85000 + 20 * i, 447000]]]) for i in range(4)]),
            "ok 4", "a 2008 crs member in metres is honoured")
    variant("legacy-crs-unknown", lambda d: d.__setitem__("crs", {"type": "name", "properties": {"name": "EPSG:999999"}}),
            "error 999999", "a 2008 crs member naming no CRS")
    variant("duplicate-ids", lambda d: f(d, 1).__setitem__("id", "h1"), "ok 3", "two pieces of h1 are one building")
    variant("multipolygon", lambda d: f(d, 0).__setitem__("geometry", {"type": "MultiPolygon", "coordinates": [square(4.36, 52.01), square(4.3602, 52.01)]}),
            "ok 4", "a MultiPolygon footprint")
    variant("properties-null", lambda d: f(d, 0).__setitem__("properties", None), "ok 4 warn height", "h1 has no properties")
    deep = '{"type":"FeatureCollection","features":[' + "[" * 4000 + "]" * 4000 + "]}"
    case(r, "deep-nesting" + ext, deep, f"error {PLACE_JSON}", "4,000 nested arrays")
    case(r, "nan-token" + ext, text.replace("4.36", "NaN", 1), f"error {PLACE_JSON}", "NaN is not JSON")


# ---------------------------------------------------------------------------------------------
# OSM PBF: written here with a small protobuf encoder.

def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def packed(values, signed=False):
    return b"".join(varint(zigzag(v) if signed else v) for v in values)


def pbf_blob(kind, block, compress=True):
    if compress:
        blob = field(2, 0, len(block)) + field(3, 2, zlib.compress(block))
    else:
        blob = field(1, 2, block)
    header = field(1, 2, kind.encode()) + field(3, 0, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def osm_pbf(buildings=3, bad=None):
    """`buildings` closed ways tagged building=yes with height=9; `bad` changes one part."""
    header = field(4, 2, b"OsmSchema-V0.6") + field(4, 2, b"DenseNodes")
    strings = [b"", b"building", b"yes", b"height", b"9", b"name", b"shop"]
    st = b"".join(field(1, 2, s) for s in strings)
    ids, lats, lons = [], [], []
    for b in range(buildings):
        for k, (dx, dy) in enumerate([(0, 0), (1, 0), (1, 1), (0, 1)]):
            ids.append(1000 + b * 10 + k)
            lats.append(int((60.17 + dy * 0.0001) * 1e7))
            lons.append(int((24.94 + b * 0.001 + dx * 0.0001) * 1e7))
    if bad == "node-lat-huge":
        lats[5] = 2**40
    delta = lambda v: v[:1] + [v[i] - v[i - 1] for i in range(1, len(v))]  # noqa: E731
    dense = field(1, 2, packed(delta(ids), True)) + field(8, 2, packed(delta(lats), True)) + field(9, 2, packed(delta(lons), True))
    ways = b""
    for b in range(buildings):
        refs = [1000 + b * 10 + k for k in (0, 1, 2, 3, 0)]
        if bad == "way-missing-node" and b == 1:
            refs[2] = 999999
        keys, vals = [1, 3], [2, 4]
        if bad == "tag-index-out" and b == 2:
            keys = [1, 77]
        way = field(1, 0, 500 + b) + field(2, 2, packed(keys)) + field(3, 2, packed(vals)) + field(8, 2, packed(delta(refs), True))
        ways += field(3, 2, way)
    group = field(2, 2, dense) + ways
    block = field(1, 2, st) + field(2, 2, group)
    if bad == "granularity-zero":
        block += field(17, 0, 0)
    data = pbf_blob("OSMHeader", header) + pbf_blob("OSMData", block)
    return data


def gen_osm():
    r, ext = "osmpbf", ".osm.pbf"
    good = osm_pbf()
    case(r, "good" + ext, good, "ok 3", "the valid base")
    case(r, "empty" + ext, b"", "error .", "an empty file")
    case(r, "garbage" + ext, bytes(rng.randrange(256) for _ in range(700)), r"error byte \d+|block \d+", "random bytes")
    for frac in (0.1, 0.4, 0.7, 0.95):
        case(r, f"truncated-{int(frac * 100)}{ext}", good[: int(len(good) * frac)], r"error byte \d+|block \d+",
             f"cut at {int(frac * 100)}%")
    case(r, "header-length-huge" + ext, struct.pack(">I", 0x7FFFFFFF) + good[4:], r"error byte \d+|block \d+",
         "a blob header length of 2 GB")
    case(r, "blob-corrupt-zlib" + ext, good[: len(good) - 20] + b"\x00" * 20, r"error byte \d+|block \d+",
         "the data block's zlib stream damaged")
    case(r, "uncompressed" + ext, pbf_blob("OSMHeader", field(4, 2, b"OsmSchema-V0.6") + field(4, 2, b"DenseNodes"), False)
         + osm_pbf()[len(pbf_blob("OSMHeader", field(4, 2, b"OsmSchema-V0.6") + field(4, 2, b"DenseNodes"))):],
         "ok 3", "a raw (uncompressed) header blob")
    case(r, "way-missing-node" + ext, osm_pbf(bad="way-missing-node"), r"ok 2 warn 501", "way 501 refers to a node not in the file")
    case(r, "tag-index-out" + ext, osm_pbf(bad="tag-index-out"), "ok 3 warn height",
         "way 502's height tag indexes past the string table: the default height, said")
    case(r, "node-lat-huge" + ext, osm_pbf(bad="node-lat-huge"), r"ok 2 warn 501", "a node of way 501 at latitude 10,995")
    case(r, "no-buildings" + ext, osm_pbf(buildings=0), "error .", "nothing to import")
    case(r, "unknown-blob-type" + ext, pbf_blob("Secret", b"\x01\x02") + good, "ok 3", "an unknown blob type is skipped")
    case(r, "xml-osm" + ext, '<?xml version="1.0"?><osm version="0.6"></osm>\n', r"error byte \d+|block \d+|\.osm",
         "OSM XML under a .pbf name")


# ---------------------------------------------------------------------------------------------
# IFC 4: three walls on a site with a georeference.

IFC_WALL = """#{n}=IFCWALL('{gid}',$,'{name}',$,$,#{n1},#{n2},$,$);
#{n1}=IFCLOCALPLACEMENT(#51,#{n3});
#{n3}=IFCAXIS2PLACEMENT3D(#{n4},$,$);
#{n4}=IFCCARTESIANPOINT(({x},0.,0.));
#{n2}=IFCPRODUCTDEFINITIONSHAPE($,$,(#{n5}));
#{n5}=IFCSHAPEREPRESENTATION(#20,'Body','SweptSolid',(#{n6}));
#{n6}=IFCEXTRUDEDAREASOLID(#{n7},#21,#67,3.);
#{n7}=IFCRECTANGLEPROFILEDEF(.AREA.,$,#66,5.,0.3);
"""


def ifc_doc(walls=3, lat="(60,10,0,0)", lon="(24,56,0,0)", x=None):
    body = ""
    for i in range(walls):
        n = 100 + 10 * i
        body += IFC_WALL.format(n=n, n1=n + 1, n2=n + 2, n3=n + 3, n4=n + 4, n5=n + 5, n6=n + 6, n7=n + 7,
                                gid=f"{i}WallGlobalId00000000{i}"[:22], name=f"W{i + 1}", x=(x or {}).get(i, f"{8.0 * i:.1f}"))
    contained = ",".join(f"#{100 + 10 * i}" for i in range(walls))
    return f"""ISO-10303-21;
HEADER;
FILE_DESCRIPTION(('ViewDefinition [ReferenceView]'),'2;1');
FILE_NAME('t.ifc','2026-01-01T00:00:00',(''),(''),'','','');
FILE_SCHEMA(('IFC4'));
ENDSEC;
DATA;
#1=IFCPROJECT('0ProjectGlobalId000001',$,'P',$,$,$,$,(#20),#10);
#10=IFCUNITASSIGNMENT((#11));
#11=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);
#20=IFCGEOMETRICREPRESENTATIONCONTEXT($,'Model',3,1.E-05,#21,$);
#21=IFCAXIS2PLACEMENT3D(#22,$,$);
#22=IFCCARTESIANPOINT((0.,0.,0.));
#30=IFCSITE('0SiteGlobalId000000001',$,'Site',$,$,#31,$,$,.ELEMENT.,{lat},{lon},10.,$,$);
#31=IFCLOCALPLACEMENT($,#21);
#40=IFCBUILDING('0BuildingGlobalId00001',$,'B',$,$,#41,$,$,.ELEMENT.,$,$,$);
#41=IFCLOCALPLACEMENT(#31,#21);
#50=IFCBUILDINGSTOREY('0StoreyGlobalId0000001',$,'G',$,$,#51,$,$,.ELEMENT.,0.);
#51=IFCLOCALPLACEMENT(#41,#21);
#66=IFCAXIS2PLACEMENT2D(#68,$);
#67=IFCDIRECTION((0.,0.,1.));
#68=IFCCARTESIANPOINT((0.,0.));
{body}#70=IFCRELAGGREGATES('0RelAggregates00000001',$,$,$,#1,(#30));
#71=IFCRELAGGREGATES('0RelAggregates00000002',$,$,$,#30,(#40));
#72=IFCRELAGGREGATES('0RelAggregates00000003',$,$,$,#40,(#50));
#73=IFCRELCONTAINEDINSPATIALSTRUCTURE('0RelContained000000001',$,$,$,({contained}),#50);
ENDSEC;
END-ISO-10303-21;
"""


def gen_ifc():
    r, ext = "ifc", ".ifc"
    text = ifc_doc()
    case(r, "good" + ext, text, "ok 3", "the valid base")
    text_mutations(r, "ifc", ext, text, 3, r"line \d+|#\d+|byte \d+", nul_ok=True, bad_utf8_ok=True)
    # A cut file keeps what precedes the cut (said, with the byte); cut before the walls, nothing.
    for k in ("third", "half"):
        CASES[:] = [c for c in CASES if c[1] != f"ifc-truncated-{k}{ext}"]
        case(r, f"ifc-truncated-{k}{ext}", text.encode()[: len(text) // (3 if k == "third" else 2)], "error object",
             f"cut a {k} of the way, before any wall")
    CASES[:] = [c for c in CASES if c[1] != f"ifc-truncated-end{ext}"]
    case(r, f"ifc-truncated-end{ext}", text.encode()[:-3], r"ok 3 warn byte \d+", "the end marker cut: the walls are kept, the cut said")
    case(r, "site-lat-200" + ext, ifc_doc(lat="(200,0,0,0)"), "error place", "site latitude 200: give --place")
    case(r, "site-no-georef" + ext, ifc_doc(lat="$", lon="$"), "error place", "no georeference: give --place")
    case(r, "point-huge" + ext, ifc_doc(x={1: "1.E308"}), r"ok 2 warn W2|1WallGlobalId", "W2 placed at x = 1e308")
    case(r, "point-nan-text" + ext, ifc_doc(x={1: "'abc'"}), r"ok 2 warn W2|1WallGlobalId|#114", "W2's point is text")
    case(r, "dangling-ref" + ext, text.replace("#106=IFCEXTRUDEDAREASOLID(#107", "#106=IFCEXTRUDEDAREASOLID(#999"),
         r"ok 2 warn W1|0WallGlobalId", "W1's profile refers to #999, which is not there")
    case(r, "self-ref" + ext, text.replace("#103=IFCAXIS2PLACEMENT3D(#104", "#103=IFCAXIS2PLACEMENT3D(#103"),
         r"ok 2 warn W1|0WallGlobalId", "W1's placement point refers to itself")
    case(r, "placement-cycle" + ext, text.replace("#51=IFCLOCALPLACEMENT(#41", "#51=IFCLOCALPLACEMENT(#111"),
         "error .", "placements in a cycle")
    case(r, "depth-zero" + ext, text.replace("#67,3.);\n#127", "#67,0.);\n#127"), "ok 2",
         "W3 extruded by 0 m")
    case(r, "unknown-entity" + ext, text.replace("#73=", "#74=IFCNOSUCHTHING(1,2,3);\n#73="), "ok 3", "an entity of no schema")
    case(r, "schema-unknown" + ext, text.replace("'IFC4'", "'IFC9'"), "error IFC9|schema or ok 3", "schema IFC9")
    case(r, "no-data-section" + ext, text.split("DATA;")[0] + "END-ISO-10303-21;\n", "error .", "no DATA section")
    case(r, "huge-id" + ext, text.replace("#73=", "#99999999999999999999=IFCWALL($);\n#73="), r"ok 3 or error line \d+|#\d+",
         "an id beyond 64 bits")
    case(r, "unterminated-string" + ext, text.replace("'W2'", "'W2"), r"ok 2 warn line \d+",
         "W2's name never closed: W2 is lost, and the line said")


# ---------------------------------------------------------------------------------------------
# glTF BIM (with --place): three named nodes, one triangle each, buffer as a data: URI.

def gltf_doc(nodes=3, positions=None, buffer_uri=None, extra=None):
    pos = positions or [0, 0, 0, 1, 0, 0, 0, 1, 0]
    blob = struct.pack(f"<{len(pos)}f", *pos)
    uri = buffer_uri or ("data:application/octet-stream;base64," + base64.b64encode(blob).decode())
    doc = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(blob), "uri": uri}],
        "bufferViews": [{"buffer": 0, "byteLength": len(blob)}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": len(pos) // 3, "type": "VEC3",
                       "min": [min(pos[0::3]), min(pos[1::3]), min(pos[2::3])],
                       "max": [max(pos[0::3]), max(pos[1::3]), max(pos[2::3])]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "nodes": [{"name": f"E{i + 1}", "mesh": 0, "translation": [2.0 * i, 0, 0], "extras": {"GlobalId": f"e{i + 1}"}}
                  for i in range(nodes)],
        "scenes": [{"nodes": list(range(nodes))}],
        "scene": 0,
    }
    if extra:
        extra(doc)
    return doc


def glb_bytes(doc, bin_chunk=b""):
    js = json.dumps(doc).encode()
    js += b" " * ((4 - len(js) % 4) % 4)
    out = struct.pack("<II", len(js), 0x4E4F534A) + js
    if bin_chunk:
        bin_chunk += b"\x00" * ((4 - len(bin_chunk) % 4) % 4)
        out += struct.pack("<II", len(bin_chunk), 0x004E4942) + bin_chunk
    return struct.pack("<4sII", b"glTF", 2, 12 + len(out)) + out


def gen_gltf_bim():
    r = "gltfbim"
    doc = gltf_doc()
    case(r, "good.gltf", pretty(doc), "ok 3", "the valid base")
    text_mutations(r, "gl", ".gltf", pretty(doc), 3, r"line \d+|column \d+")

    def variant(name, change, expect, why):
        d = gltf_doc(extra=change)
        case(r, name + ".gltf", pretty(d), expect, why)

    variant("matrix-huge", lambda d: d["nodes"][1].__setitem__("matrix", [1e308] * 16), r"ok 2 warn e2", "e2's matrix is 1e308")
    variant("translation-nan-text", lambda d: d["nodes"][1].__setitem__("translation", ["x", 0, 0]), "error . or ok 2 warn e2",
            "e2's translation is text")
    variant("accessor-past-buffer", lambda d: d["accessors"][0].__setitem__("count", 1000), "error .",
            "the accessor reads past its buffer")
    variant("mesh-index-out", lambda d: d["nodes"][2].__setitem__("mesh", 9), "error . or ok 2 warn e3", "e3's mesh 9 does not exist")
    variant("node-cycle", lambda d: (d["nodes"][0].__setitem__("children", [1]), d["nodes"][1].__setitem__("children", [0])),
            "ok 3 warn reached twice", "nodes that are each other's child: each read once, said")
    variant("buffer-outside-folder", lambda d: d["buffers"][0].__setitem__("uri", "../../../../etc/passwd"), r"error .",
            "a buffer outside the model's folder")
    variant("buffer-missing-file", lambda d: d["buffers"][0].__setitem__("uri", "nothere.bin"), r"error nothere",
            "a buffer file that is not there")
    variant("data-uri-bad-base64", lambda d: d["buffers"][0].__setitem__("uri", "data:application/octet-stream;base64,@@@"),
            r"error .", "a data: URI that is not base64")
    variant("version-1", lambda d: d["asset"].__setitem__("version", "1.0"), r"error .", "glTF 1.0")
    variant("component-type-bad", lambda d: d["accessors"][0].__setitem__("componentType", 1), r"error .",
            "an accessor component type that does not exist")
    nan_doc = gltf_doc(positions=[0, 0, 0, 1, 0, 0, 0, 1, 0])
    blob = struct.pack("<9f", 0, 0, 0, float("nan"), 0, 0, 0, 1, 0)
    nan_doc["buffers"][0]["uri"] = "data:application/octet-stream;base64," + base64.b64encode(blob).decode()
    case(r, "positions-nan.gltf", pretty(nan_doc), "error .", "every element's triangle has a NaN corner")
    no_acc = gltf_doc()
    no_acc["accessors"] = []
    case(r, "position-accessor-missing.gltf", pretty(no_acc), "error POSITION",
         "a primitive's POSITION accessor is not there (a panic found by fuzzing)")
    glb_doc = gltf_doc()
    blob = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    glb_doc["buffers"] = [{"byteLength": len(blob)}]
    good_glb = glb_bytes(glb_doc, blob)
    case(r, "good.glb", good_glb, "ok 3", "the valid base as GLB")
    case(r, "glb-truncated.glb", good_glb[:-20], r"error .", "GLB cut short")
    case(r, "glb-length-lies.glb", good_glb[:8] + struct.pack("<I", 10**9) + good_glb[12:], r"error .", "GLB length 1 GB")
    case(r, "glb-chunk-length-lies.glb", good_glb[:12] + struct.pack("<I", 10**8) + good_glb[16:], r"error .",
         "JSON chunk length 100 MB")
    case(r, "glb-version-3.glb", good_glb[:4] + struct.pack("<I", 3) + good_glb[8:], r"error .", "GLB version 3")


# ---------------------------------------------------------------------------------------------
# tileset.json, subtrees and tile contents.

def tileset_doc(children=3):
    def tile(i):
        return {"boundingVolume": {"box": [i * 20.0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10]}, "geometricError": 0,
                "content": {"uri": f"t{i}.glb"}}
    return {"asset": {"version": "1.1"}, "geometricError": 100,
            "root": {"boundingVolume": {"box": [0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 100]}, "geometricError": 50,
                     "refine": "ADD", "children": [tile(i) for i in range(children)]}}


def gen_tileset():
    r, ext = "tileset", ".json"
    base = tileset_doc()
    text, variant = json_reader(r, ext, "ts", base, 4, "the valid base: root and 3 children")

    ch = lambda d, k: d["root"]["children"][k]  # noqa: E731
    variant("root-missing", lambda d: d.pop("root"), "error root", "no root")
    variant("asset-missing", lambda d: d.pop("asset"), "error asset", "no asset")
    variant("box-short", lambda d: ch(d, 1)["boundingVolume"].__setitem__("box", [1, 2, 3]), "error box|line", "a box of 3 numbers")
    variant("box-huge", lambda d: ch(d, 1)["boundingVolume"].__setitem__("box", [1e308] * 12), "error box or ok 4", "a box of 1e308")
    variant("region-out", lambda d: ch(d, 1)["boundingVolume"].__setitem__("region", [10, 10, 20, 20, 0, 1]) or ch(d, 1)["boundingVolume"].pop("box"),
            "error region or ok 4", "a region in degrees, not radians")
    variant("sphere-negative", lambda d: ch(d, 0)["boundingVolume"].__setitem__("sphere", [0, 0, 0, -5]) or ch(d, 0)["boundingVolume"].pop("box"),
            "error sphere|radius or ok 4", "a sphere of radius -5")
    variant("no-bounding-volume", lambda d: ch(d, 2).pop("boundingVolume"), "error boundingVolume", "a tile without a bounding volume")
    variant("geometric-error-negative", lambda d: ch(d, 2).__setitem__("geometricError", -1), "error geometricError or ok 4",
            "a negative geometric error")
    variant("geometric-error-text", lambda d: ch(d, 2).__setitem__("geometricError", "big"), "error geometricError|line",
            "a geometric error in words")
    variant("transform-short", lambda d: ch(d, 0).__setitem__("transform", [1, 0, 0]), "error transform|line", "a transform of 3 numbers")
    variant("transform-nan", lambda d: ch(d, 0).__setitem__("transform", [1e308, 0, 0, 0, 0, 1e308, 0, 0, 0, 0, 1e308, 0, 1e308, 0, 0, 1]),
            "error transform or ok 4", "a transform that overflows")
    variant("refine-unknown", lambda d: d["root"].__setitem__("refine", "SOMETIMES"), "error refine or ok 4", "refine SOMETIMES")
    variant("children-not-array", lambda d: d["root"].__setitem__("children", {"a": 1}), "error children|line", "children an object")
    variant("uri-absolute-path", lambda d: ch(d, 0)["content"].__setitem__("uri", "/etc/passwd"), "ok 4", "a content URI naming /etc (refused when loaded)")
    variant("required-unknown-ext", lambda d: d.__setitem__("extensionsRequired", ["EXT_from_the_future"]), "ok 4",
            "an unknown required extension: the tileset opens, its tiles fail")
    deep = {"boundingVolume": {"box": [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]}, "geometricError": 0}
    for _ in range(100):
        deep = {"boundingVolume": {"box": [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]}, "geometricError": 1, "children": [deep]}
    case(r, "tiles-101-deep" + ext, json.dumps({"asset": {"version": "1.1"}, "geometricError": 1, "root": deep}),
         f"error {PLACE_JSON}", "a chain of 101 tiles: deeper than JSON nesting is read")
    deep = {"boundingVolume": {"box": [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]}, "geometricError": 0}
    for _ in range(30):
        deep = {"boundingVolume": {"box": [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]}, "geometricError": 1, "children": [deep]}
    case(r, "tiles-31-deep" + ext, json.dumps({"asset": {"version": "1.1"}, "geometricError": 1, "root": deep}), "ok 31",
         "a chain of 31 tiles")
    case(r, "json-deep" + ext, '{"asset":{"version":"1.1"},"root":' + "[" * 5000 + "]" * 5000 + "}", f"error {PLACE_JSON}",
         "5,000 nested arrays")


def subtree_bytes(json_part, binary=b""):
    js = json.dumps(json_part).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    return struct.pack("<4sIQQ", b"subt", 1, len(js), len(binary)) + js + binary


def gen_subtree():
    r, ext = "subtree", ".subtree"
    good = {"tileAvailability": {"constant": 1}, "contentAvailability": [{"constant": 1}],
            "childSubtreeAvailability": {"constant": 0}}
    case(r, "good" + ext, subtree_bytes(good), "ok 5", "the valid base: levels 0 and 1 of a quadtree")
    case(r, "empty" + ext, b"", "error .", "an empty file")
    case(r, "magic-wrong" + ext, b"gltf" + subtree_bytes(good)[4:], "error .", "not a subtree")
    case(r, "truncated" + ext, subtree_bytes(good)[:30], "error .", "cut short")
    case(r, "json-length-huge" + ext, subtree_bytes(good)[:8] + struct.pack("<Q", 2**62) + subtree_bytes(good)[16:], "error .",
         "a JSON length of 2^62")
    case(r, "bin-length-huge" + ext, subtree_bytes(good)[:16] + struct.pack("<Q", 2**63) + subtree_bytes(good)[24:], "error .",
         "a binary length of 2^63")
    case(r, "json-broken" + ext, subtree_bytes(good)[:24] + b"!" + subtree_bytes(good)[25:], "error .", "the JSON broken")
    bits = {"tileAvailability": {"bitstream": 0}, "contentAvailability": [{"bitstream": 0}],
            "childSubtreeAvailability": {"constant": 0},
            "buffers": [{"byteLength": 8}], "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 1}]}
    case(r, "bitstream" + ext, subtree_bytes(bits, bytes([0b00011111]) + b"\0" * 7), "ok 5", "availability as a bitstream")
    case(r, "bitstream-short" + ext, subtree_bytes({**bits, "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 0}]}, b"\0" * 8),
         "error .", "a bitstream too short for the tiles")
    case(r, "view-past-buffer" + ext, subtree_bytes({**bits, "bufferViews": [{"buffer": 0, "byteOffset": 6, "byteLength": 100}]}, b"\0" * 8),
         "error .", "a buffer view past its buffer")
    case(r, "buffer-index-out" + ext, subtree_bytes({**bits, "bufferViews": [{"buffer": 7, "byteOffset": 0, "byteLength": 1}]}, b"\0" * 8),
         "error .", "a buffer view of buffer 7")
    case(r, "view-index-out" + ext, subtree_bytes({**bits, "tileAvailability": {"bitstream": 5}}, b"\0" * 8), "error .",
         "a bitstream naming view 5")
    case(r, "external-buffer-outside" + ext, subtree_bytes({**bits, "buffers": [{"byteLength": 8, "uri": "../../../../etc/passwd"}]}),
         "error .", "an external buffer outside the tileset's folder")
    case(r, "no-availability" + ext, subtree_bytes({}), "error .", "no tileAvailability")
    case(r, "constant-two" + ext, subtree_bytes({**good, "tileAvailability": {"constant": 2}}), "error . or ok 5", "availability constant 2")
    case(r, "json-form" + ext, json.dumps(good), "ok 5", "a JSON subtree (the spec's .json form) under a .subtree name")


def b3dm_bytes(glb, ft_json=None, bt_json=None, ft_bin=b"", bt_bin=b""):
    ft = json.dumps(ft_json or {"BATCH_LENGTH": 0}).encode()
    ft += b" " * ((8 - (28 + len(ft)) % 8) % 8)
    bt = json.dumps(bt_json).encode() if bt_json else b""
    if bt:
        bt += b" " * ((8 - len(bt) % 8) % 8)
    body = ft + ft_bin + bt + bt_bin + glb
    return struct.pack("<4sIIIIII", b"b3dm", 1, 28 + len(body), len(ft), len(ft_bin), len(bt), len(bt_bin)) + body


def pnts_bytes(ft_json, ft_bin, bt_json=None):
    ft = json.dumps(ft_json).encode()
    ft += b" " * ((8 - (28 + len(ft)) % 8) % 8)
    ft_bin += b"\0" * ((8 - len(ft_bin) % 8) % 8)
    bt = json.dumps(bt_json).encode() if bt_json else b""
    body = ft + ft_bin + bt
    return struct.pack("<4sIIIIII", b"pnts", 1, 28 + len(body), len(ft), len(ft_bin), len(bt), 0) + body


def i3dm_bytes(glb, n=2):
    ft = json.dumps({"INSTANCES_LENGTH": n, "POSITION": {"byteOffset": 0}}).encode()
    ft += b" " * ((8 - (32 + len(ft)) % 8) % 8)
    ft_bin = struct.pack(f"<{3 * n}f", *[v for i in range(n) for v in (5.0 * i, 0, 0)])
    ft_bin += b"\0" * ((8 - len(ft_bin) % 8) % 8)
    body = ft + ft_bin + glb
    return struct.pack("<4sIIIIIII", b"i3dm", 1, 32 + len(body), len(ft), len(ft_bin), 0, 0, 1) + body


def cmpt_bytes(tiles):
    body = b"".join(tiles)
    return struct.pack("<4sIII", b"cmpt", 1, 16 + len(body), len(tiles)) + body


def gen_content():
    r = "content"
    d = gltf_doc(nodes=1)
    blob = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    d["buffers"] = [{"byteLength": len(blob)}]
    glb = glb_bytes(d, blob)
    case(r, "good.glb", glb, "ok 1", "a GLB of one triangle")
    b3 = b3dm_bytes(glb)
    case(r, "good.b3dm", b3, "ok 1", "a b3dm around it")
    pts = pnts_bytes({"POINTS_LENGTH": 3, "POSITION": {"byteOffset": 0}}, struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0))
    case(r, "good.pnts", pts, "ok 1", "a pnts of three points")
    i3 = i3dm_bytes(glb)
    case(r, "good.i3dm", i3, "ok 1", "an i3dm of two instances")
    cm = cmpt_bytes([b3, pts])
    case(r, "good.cmpt", cm, "ok 2", "a cmpt of a b3dm and a pnts")
    for name, data in [("glb", glb), ("b3dm", b3), ("pnts", pts), ("i3dm", i3), ("cmpt", cm)]:
        case(r, f"{name}-empty.{name}", b"", "error .", "an empty file")
        case(r, f"{name}-truncated-head.{name}", data[:10], "error .", "cut inside the header")
        case(r, f"{name}-truncated-half.{name}", data[: len(data) // 2], "error .", "cut half way")
        case(r, f"{name}-length-huge.{name}", data[:8] + struct.pack("<I", 0xFFFFFFF0) + data[12:], "error .", "a byte length of 4 GB")
        junk = bytearray(data)
        for _ in range(6):
            k = rng.randrange(12, len(junk))
            junk[k] = rng.randrange(256)
        case(r, f"{name}-flipped.{name}", bytes(junk), r"error . or ok \d", "six bytes changed at random")
    case(r, "b3dm-ft-length-huge.b3dm", b3[:12] + struct.pack("<I", 0xFFFFFF00) + b3[16:], "error .", "a feature table length of 4 GB")
    case(r, "b3dm-batch-table-broken.b3dm", b3dm_bytes(glb, {"BATCH_LENGTH": 1}, {"height": [1]})[:-len(glb)]
         .replace(b'"height"', b'"heig{}') + glb, "error . or ok 1", "a batch table that is not JSON")
    case(r, "b3dm-batch-length-lies.b3dm", b3dm_bytes(glb, {"BATCH_LENGTH": 5}, {"height": [1]}), "error . or ok 1",
         "BATCH_LENGTH 5 with one value per column")
    case(r, "pnts-length-past.pnts", pnts_bytes({"POINTS_LENGTH": 1000000, "POSITION": {"byteOffset": 0}}, b"\0" * 36), "error .",
         "a million points in 36 bytes")
    case(r, "pnts-offset-past.pnts", pnts_bytes({"POINTS_LENGTH": 3, "POSITION": {"byteOffset": 4000}}, b"\0" * 36), "error .",
         "positions past the binary")
    case(r, "pnts-no-position.pnts", pnts_bytes({"POINTS_LENGTH": 3}, b"\0" * 36), "error .", "no POSITION")
    case(r, "pnts-nan.pnts", pnts_bytes({"POINTS_LENGTH": 3, "POSITION": {"byteOffset": 0}}, struct.pack("<9f", *[float("nan")] * 9)),
         "error . or ok 1", "NaN positions")
    case(r, "i3dm-instances-past.i3dm", i3dm_bytes(glb, 2)[:12] + i3dm_bytes(glb, 2)[12:].replace(b'"INSTANCES_LENGTH": 2', b'"INSTANCES_LENGTH": 9'),
         "error .", "nine instances, positions for two")
    case(r, "cmpt-count-lies.cmpt", cm[:12] + struct.pack("<I", 1000) + cm[16:], "error .", "a cmpt that says 1,000 tiles")
    nested = cm
    for _ in range(40):
        nested = cmpt_bytes([nested])
    case(r, "cmpt-nested-40.cmpt", nested, "error .", "cmpt inside cmpt 40 deep")
    case(r, "cmpt-inner-unknown.cmpt", cmpt_bytes([b"xxxx" + b3[4:]]), "error .", "an inner tile of no known format")
    dj = gltf_doc(nodes=1)
    case(r, "gltf-json.gltf", pretty(dj), "ok 1", "a .gltf with a data: URI")
    case(r, "gltf-json-broken.gltf", pretty(dj)[:50], r"error line \d+", "a .gltf cut short")
    ext_req = gltf_doc(nodes=1)
    ext_req["extensionsRequired"] = ["KHR_from_the_future"]
    ext_req["extensionsUsed"] = ["KHR_from_the_future"]
    case(r, "gltf-required-unknown.gltf", pretty(ext_req), "error KHR_from_the_future", "a required extension we do not read")
    bad_idx = gltf_doc(nodes=1)
    bad_idx["accessors"].append({"bufferView": 0, "byteOffset": 12, "componentType": 5125, "count": 3, "type": "SCALAR"})
    bad_idx["meshes"][0]["primitives"][0]["indices"] = 1
    case(r, "gltf-index-out.gltf", pretty(bad_idx), "error .", "indices that point past the vertices")
    # Found by fuzzing (fuzz/, tile_content): the gltf crate indexed the accessors with POSITION
    # before checking it, and panicked.
    no_acc = gltf_doc(nodes=1)
    no_acc["accessors"] = []
    no_acc["buffers"] = [{"byteLength": len(blob)}]
    case(r, "glb-position-accessor-missing.glb", glb_bytes(no_acc, blob), "error POSITION",
         "a primitive's POSITION accessor is not there (a panic found by fuzzing)")


# ---------------------------------------------------------------------------------------------
# CAP alerts, hazard zones, scenes, query CSV, objects, MQTT payloads.

CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>TEST-1</identifier>
  <sender>ops@example.org</sender>
  <sent>2026-12-07T10:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>Flood</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>River over its banks</headline>
    <area>
      <areaDesc>Old town</areaDesc>
      <polygon>22.27,113.56 22.28,113.56 22.28,113.58 22.27,113.58 22.27,113.56</polygon>
    </area>
    <area>
      <areaDesc>Harbour</areaDesc>
      <circle>22.26,113.57 0.5</circle>
    </area>
  </info>
</alert>
"""


def gen_cap():
    r, ext = "cap", ".xml"
    case(r, "good" + ext, CAP, "ok 2", "the valid base: two areas")
    text_mutations(r, "cap", ext, CAP, 2, LINE, nul_ok=True)
    sub = lambda name, a, b, expect, why: case(r, name + ext, CAP.replace(a, b, 1), expect, why)  # noqa: E731
    sub("polygon-nan", "22.27,113.56 22.28", "NaN,113.56 22.28", r"ok 1 warn line \d+", "a polygon point NaN")
    sub("polygon-lat-95", "22.27,113.56 22.28", "95,113.56 22.28", r"ok 1 warn line \d+", "a polygon point at latitude 95")
    sub("polygon-open", "22.27,113.58 22.27,113.56", "22.27,113.58", r"ok 1 warn line \d+", "a polygon not closed")
    sub("polygon-text", "22.27,113.56 22.28", "a,b 22.28", r"ok 1 warn line \d+", "a polygon point in words")
    sub("circle-radius-negative", "113.57 0.5", "113.57 -3", r"ok 1 warn line \d+", "a circle of radius -3 km")
    sub("circle-radius-huge", "113.57 0.5", "113.57 1e300", r"ok 1 warn line \d+", "a circle of radius 1e300 km")
    sub("circle-malformed", "22.26,113.57 0.5", "22.26;113.57", r"ok 1 warn line \d+", "a circle without a radius")
    sub("sent-bad", "2026-12-07T10:00:00+08:00", "yesterday", r"ok 2 warn sent|line \d+", "a sent time in words")
    sub("severity-unknown", "Severe", "Apocalyptic", r"ok 2", "an unknown severity is Unknown")
    sub("not-cap", "<alert xmlns", "<rss xmlns", f"error {LINE}", "an RSS root")
    sub("unclosed", "</info>", "", f"error {LINE}", "info never closed")
    sub("doctype", "<alert", '<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<alert', f"error {LINE}", "an external entity")
    case(r, "deep-nesting" + ext, CAP.replace("<scope>", "<x>" * 20000 + "</x>" * 20000 + "<scope>"), f"error {LINE}",
         "20,000 nested elements")
    many = CAP.replace("</info>", "<area><circle>22.26,113.57 0.5</circle></area>\n" * 20000 + "</info>")
    case(r, "areas-20000" + ext, many, "ok 20002", "20,000 more areas (parsing was once quadratic)")
    case(r, "no-info" + ext, CAP.split("<info>")[0] + "</alert>\n", "ok 0", "an alert with no info")


FLOOD = """<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml"
 xmlns:wtr="http://www.opengis.net/citygml/waterbody/2.0" xmlns:uro="https://www.geospatial.jp/iur/uro/2.0">
<gml:boundedBy><gml:Envelope srsName="http://www.opengis.net/def/crs/EPSG/0/6697" srsDimension="3">
<gml:lowerCorner>35.28 139.66 0</gml:lowerCorner><gml:upperCorner>35.29 139.67 0</gml:upperCorner></gml:Envelope></gml:boundedBy>
{members}</core:CityModel>
"""
FLOOD_MEMBER = """<core:cityObjectMember><wtr:WaterBody gml:id="{id}">
<uro:floodingRiskAttribute><uro:RiverFloodingRiskAttribute><uro:rank>2</uro:rank><uro:scale>L2</uro:scale></uro:RiverFloodingRiskAttribute></uro:floodingRiskAttribute>
<wtr:lod1MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
<gml:posList>{pos}</gml:posList>
</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></wtr:lod1MultiSurface>
</wtr:WaterBody></core:cityObjectMember>
"""


def flood_ring(i):
    lat, lon = 35.28 + 0.001 * i, 139.66
    pts = [(lat, lon), (lat, lon + 0.001), (lat + 0.001, lon + 0.001), (lat + 0.001, lon), (lat, lon)]
    return " ".join(f"{a} {b} 0" for a, b in pts)


def gen_hazard():
    r = "hazard"
    members = [FLOOD_MEMBER.format(id=f"w{i + 1}", pos=flood_ring(i)) for i in range(3)]
    text = FLOOD.format(members="".join(members))
    case(r, "good.gml", text, "ok 3", "the valid base: three flood zones")
    text_mutations(r, "flood", ".gml", text, 3, LINE, nul_ok=True)

    def member(name, k, pos, expect, why):
        ms = list(members)
        ms[k] = FLOOD_MEMBER.format(id=f"w{k + 1}", pos=pos)
        case(r, name + ".gml", FLOOD.format(members="".join(ms)), expect, why)

    member("poslist-nan", 1, flood_ring(1).replace("139.66", "NaN"), r"ok 2 warn w2", "w2 with NaN coordinates")
    member("poslist-inf", 1, flood_ring(1).replace("139.66", "inf"), r"ok 2 warn w2", "w2 with infinite coordinates")
    member("poslist-lat-95", 1, flood_ring(1).replace("35.281", "95.281"), r"ok 2 warn w2", "w2 at latitude 95")
    member("poslist-text", 2, flood_ring(2).replace("139.66", "east"), r"ok 2 warn w3", "w3 with a coordinate in words")
    member("poslist-odd", 2, flood_ring(2) + " 1", r"ok 2 warn w3", "w3 with one value too many")
    member("ring-open", 0, " ".join(flood_ring(0).split()[:-3]), r"ok 2 warn w1", "w1 not closed")
    case(r, "srs-projected.gml", text.replace("EPSG/0/6697", "EPSG/0/6677"), f"error {LINE}", "a projected CRS")
    case(r, "deep-nesting.gml", FLOOD.format(members="<a>" * 20000 + "</a>" * 20000), f"error {LINE}", "20,000 nested elements")
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"z{i + 1}", "properties": {"hazard": "flood", "depth": 1.5},
         "geometry": {"type": "Polygon", "coordinates": square(113.56 + 0.01 * i, 22.27, 0.005)}} for i in range(3)]}
    gtext = pretty(gj)
    case(r, "good.geojson", gtext, "ok 3", "three zones as GeoJSON")
    text_mutations(r, "zones", ".geojson", gtext, 3, LINE)

    def gvariant(name, change, expect, why):
        d = json.loads(gtext)
        change(d)
        case(r, name + ".geojson", pretty(d), expect, why)

    gvariant("zone-nan-ring", lambda d: d["features"][1]["geometry"].__setitem__("coordinates", [[["NaN", 1], [2, 2]]]),
             r"ok 2 warn z2", "z2's ring in words")
    gvariant("zone-lon-514", lambda d: d["features"][1]["geometry"].__setitem__("coordinates", square(514.0, 22.0)),
             r"ok 2 warn z2", "z2 at longitude 514")
    gvariant("zone-point", lambda d: d["features"][2].__setitem__("geometry", {"type": "Point", "coordinates": [1, 2]}),
             r"ok 2 warn z3", "z3 is a point")


SCENE = """name = "Corpus scene"

[[tilesets]]
name = "city"
path = "city"

[camera]
lon_deg = 113.57
lat_deg = 22.27
distance_m = 2600
heading_deg = 25
pitch_deg = 38

[[incidents]]
name = "fire-1"
kind = "fire"
lon_deg = 113.57
lat_deg = 22.27
radius_m = 200
"""


def gen_scene():
    r, ext = "scene", ".toml"
    case(r, "good" + ext, SCENE, "ok 2", "a tileset and an incident")
    text_mutations(r, "scene", ext, SCENE, 2, LINE)
    # TOML cut between tables is still TOML: what precedes the cut is the scene.
    half = SCENE.encode()[: len(SCENE) // 2]
    CASES[:] = [c for c in CASES if c[1] not in (f"scene-truncated-half{ext}", f"scene-truncated-end{ext}")]
    case(r, f"scene-truncated-end{ext}", SCENE.encode()[:-3], "ok 2", "cut inside the last number: still TOML")
    case(r, f"scene-truncated-half{ext}", half, f"error {LINE} or ok 1", "cut half way, maybe between tables")
    sub = lambda name, a, b, expect, why: case(r, name + ext, SCENE.replace(a, b, 1), expect, why)  # noqa: E731
    sub("camera-nan", "lon_deg = 113.57", "lon_deg = nan", f"error {LINE}", "a NaN camera longitude")
    sub("camera-inf", "distance_m = 2600", "distance_m = inf", f"error {LINE}", "an infinite camera distance")
    sub("camera-lat-95", "lat_deg = 22.27", "lat_deg = 95", f"error {LINE}", "a camera at latitude 95")
    sub("incident-nan", "radius_m = 200", "radius_m = nan", f"error {LINE}|fire-1", "a NaN incident radius")
    sub("incident-negative", "radius_m = 200", "radius_m = -200", f"error {LINE}|fire-1", "a negative incident radius")
    sub("tilesets-not-array", "[[tilesets]]", "[tilesets]", f"error {LINE}", "tilesets as a table")
    sub("unknown-key", "name = \"city\"", "name = \"city\"\ncolour = \"red\"", f"error {LINE} or ok 2", "a key no scene has")
    sub("string-unclosed", '"Corpus scene"', '"Corpus scene', f"error {LINE}", "a string never closed")
    sub("duplicate-key", 'name = "Corpus scene"', 'name = "a"\nname = "b"', f"error {LINE}", "a key given twice")
    case(r, "deep-arrays" + ext, SCENE + "deep = " + "[" * 5000 + "]" * 5000 + "\n", f"error {LINE}", "5,000 nested arrays")


def gen_query_csv():
    r, ext = "querycsv", ".csv"
    rows = ["id,minx,miny,maxx,maxy"] + [f"q{i},{i},{i},{i + 10},{i + 10}" for i in range(8)]
    text = "\n".join(rows) + "\n"
    case(r, "good" + ext, text, "ok 8", "eight windows")
    text_mutations(r, "win", ext, text, 8, LINE, lines_lost=LINE, nul_ok=True)

    def row(name, k, new, expect, why):
        rs = list(rows)
        rs[k] = new
        case(r, name + ext, "\n".join(rs) + "\n", expect, why)

    row("unterminated-quote", 3, 'q2,"2,2,12,12', r"ok 7 warn line 4", "an unterminated quote costs its line only")
    row("nan", 2, "q1,NaN,1,11,11", r"ok 7 warn line 3", "NaN in a window")
    row("inf", 2, "q1,inf,1,11,11", r"ok 7 warn line 3", "inf in a window")
    row("huge", 2, "q1,-1e300,-1e300,1e300,1e300", "ok 8", "a window of 1e300 is a window")
    row("inverted", 4, "q3,10,10,0,0", r"ok 7 warn line 5", "a window with min over max")
    row("text", 5, "q4,a,b,c,d", r"ok 7 warn line 6", "a window in words")
    row("short", 6, "q5,1,2", r"ok 7 warn line 7", "a row of three fields")
    row("long", 6, "q5,1,2,3,4,5,6", r"ok 7 warn line 7 or ok 8", "a row of seven fields")
    row("header-missing-column", 0, "id,minx,miny,maxx", "error maxy", "no maxy column")
    case(r, "header-only" + ext, rows[0] + "\n", "ok 0", "no rows")
    case(r, "quote-at-end" + ext, text + 'q9,"1,2,3,4\n', r"ok 8 warn line 10", "an unterminated quote on the last line")


def gen_objects():
    r = "objects"
    rows = ["id,minx,miny,maxx,maxy"] + [f"o{i},{i},{i},{i + 5},{i + 5}" for i in range(6)]
    text = "\n".join(rows) + "\n"
    case(r, "good.csv", text, "ok 6", "six boxes")
    text_mutations(r, "boxes", ".csv", text, 6, LINE, lines_lost=LINE, nul_ok=True)
    case(r, "nan.csv", text.replace("o2,2,2", "o2,NaN,2"), r"ok 5 warn line 4", "o2 with NaN")
    case(r, "inverted.csv", text.replace("o3,3,3,8,8", "o3,8,8,3,3"), r"ok 5 warn line 5", "o3 inverted")
    gj = geojson_doc(5)
    gt = pretty(gj)
    case(r, "good.geojson", gt, "ok 5", "five footprints")
    text_mutations(r, "fp", ".geojson", gt, 5, r"line \d+")
    d = json.loads(gt)
    d["features"][2]["geometry"]["coordinates"] = [[["x", "y"]]]
    case(r, "coords-text.geojson", pretty(d), r"ok 4 warn feature 3", "feature 3 in words")
    d = json.loads(gt)
    d["features"][1]["geometry"]["coordinates"] = square(4.36, 1e300)
    case(r, "coords-huge.geojson", pretty(d), r"ok 4 warn feature 2", "feature 2 at latitude 1e300")


def gen_mqtt():
    r = "mqtt"
    # The harness reads a `.st.json` file as a SensorThings observation on
    # v1.1/Datastreams(<stem>)/Observations, and a `.json` one as CityTwin's own form on
    # citytwin/<stem>. The topic names the case: errors must carry it.
    st = lambda name, payload, expect, why: case(r, name + ".st.json", payload, expect, why)  # noqa: E731
    own = lambda name, payload, expect, why: case(r, name + ".json", payload, expect, why)  # noqa: E731
    st("st-good", '{"result": 21.5, "phenomenonTime": "2026-12-07T10:00:00Z"}', "ok 1", "a SensorThings observation")
    st("st-interval", '{"result": 21.5, "phenomenonTime": "2026-12-07T10:00:00Z/2026-12-07T10:05:00Z"}', "ok 1", "an interval")
    st("st-result-text", '{"result": "warm", "phenomenonTime": "2026-12-07T10:00:00Z"}', "error result", "a result in words")
    st("st-result-nan", '{"result": NaN, "phenomenonTime": "2026-12-07T10:00:00Z"}', "error JSON", "NaN is not JSON")
    st("st-result-huge", '{"result": 1e999, "phenomenonTime": "2026-12-07T10:00:00Z"}', "error JSON|result", "1e999")
    st("st-time-bad", '{"result": 1, "phenomenonTime": "noon"}', "error phenomenonTime", "a time in words")
    st("st-time-missing", '{"result": 1}', "error phenomenonTime", "no time")
    st("st-time-float", '{"result": 1, "phenomenonTime": 1.5}', "error phenomenonTime", "a time of 1.5 ms")
    st("st-time-month-13", '{"result": 1, "phenomenonTime": "2026-13-07T10:00:00Z"}', "error phenomenonTime", "month 13")
    st("st-empty", "", "error JSON", "an empty payload")
    st("st-array", "[1,2,3]", "error .", "an array")
    st("st-deep", "[" * 10000 + "]" * 10000, "error JSON", "10,000 nested arrays")
    st("st-truncated", '{"result": 21.5, "phenomenonTi', "error JSON", "cut short")
    st("st-bad-utf8", b'{"result": 1, "phenomenonTime": "2026-12-07T10:00:00Z", "x": "\xff"}', "error JSON", "bytes not UTF-8")
    st("st-too-large", '{"result": 1, "phenomenonTime": "2026-12-07T10:00:00Z", "pad": "' + "x" * 300000 + '"}',
       r"error larger|bytes", "300 kB of payload")
    own("own-good", '{"sensor": "s1", "t": 1765101600000, "value": 3}', "ok 1", "CityTwin's own form")
    own("own-no-sensor", '{"t": 1765101600000, "value": 3}', "error sensor", "no sensor")
    own("own-value-null", '{"sensor": "s1", "t": 1765101600000, "value": null}', "error value", "a null value")
    own("own-value-bool", '{"sensor": "s1", "t": 1765101600000, "value": true}', "error value", "a boolean value")
    own("own-t-negative-huge", '{"sensor": "s1", "t": -99999999999999999999, "value": 3}', "error t", "a time before time")
    own("own-garbage", bytes(rng.randrange(256) for _ in range(200)), "error JSON", "random bytes")
    own("own-nul", b'{"sensor": "s1\x00", "t": 1765101600000, "value": 3}', "error JSON", "a NUL inside a string")


# ---------------------------------------------------------------------------------------------
# DEMs as GeoTIFF: a 4 x 3 float32 raster in RD New, written here tag by tag (TIFF 6.0 + GeoTIFF 1.1).

def tiff_bytes(w=4, h=3, pixels=None, fmt="f", bits=32, sample_format=3, samples=1, compression=1,
               georef="tiepoint", keys=None, nodata=None, strip=None, claimed=None):
    """A little-endian baseline TIFF with one strip. `georef`: "tiepoint" (ModelTiepoint +
    ModelPixelScale), "rotated" (a ModelTransformation with rotation), "zero-scale", or None.
    `keys`: the GeoKeys as (id, value) pairs (default: projected, PixelIsArea, EPSG:28992)."""
    if pixels is None:
        pixels = [1.0 + 0.25 * i for i in range(w * h * samples)]
    data = strip if strip is not None else struct.pack("<" + fmt * len(pixels), *pixels)
    if keys is None:
        keys = [(1024, 1), (1025, 1), (3072, 28992)]
    cw, ch = claimed or (w, h)
    entries = []  # (tag, type, count, payload bytes)
    def short(tag, *v): entries.append((tag, 3, len(v), struct.pack("<" + "H" * len(v), *v)))
    def long(tag, *v): entries.append((tag, 4, len(v), struct.pack("<" + "I" * len(v), *v)))
    def double(tag, *v): entries.append((tag, 12, len(v), struct.pack("<" + "d" * len(v), *v)))
    def ascii(tag, text): entries.append((tag, 2, len(text) + 1, text.encode() + b"\0"))
    long(256, cw)
    long(257, ch)
    short(258, *([bits] * samples))
    short(259, compression)
    short(262, 1 if samples == 1 else 2)
    long(273, 0)  # strip offset, patched below
    short(277, samples)
    long(278, ch)
    long(279, len(data))
    short(339, *([sample_format] * samples))
    if georef == "tiepoint":
        double(33550, 0.5, 0.5, 0.0)
        double(33922, 0.0, 0.0, 0.0, 85000.0, 447500.0, 0.0)
    elif georef == "zero-scale":
        double(33550, 0.0, 0.5, 0.0)
        double(33922, 0.0, 0.0, 0.0, 85000.0, 447500.0, 0.0)
    elif georef == "rotated":
        double(34264, 0.4, 0.3, 0.0, 85000.0, -0.3, 0.4, 0.0, 447500.0, 0, 0, 0, 0, 0, 0, 0, 1)
    if keys:
        short(34735, 1, 1, 0, len(keys), *[x for k, v in keys for x in (k, 0, 1, v)])
    if nodata is not None:
        ascii(42113, nodata)
    entries.sort(key=lambda e: e[0])
    # Header, then the IFD, then out-of-line values, then the strip.
    ifd_at = 8
    ifd_size = 2 + 12 * len(entries) + 4
    extra = bytearray()
    extra_at = ifd_at + ifd_size
    fields = []
    for tag, typ, count, payload in entries:
        if len(payload) <= 4:
            fields.append((tag, typ, count, payload.ljust(4, b"\0")))
        else:
            off = extra_at + len(extra)
            extra += payload
            if len(extra) % 2:
                extra += b"\0"
            fields.append((tag, typ, count, struct.pack("<I", off)))
    strip_at = extra_at + len(extra)
    out = bytearray(b"II*\0" + struct.pack("<I", ifd_at))
    out += struct.pack("<H", len(fields))
    for tag, typ, count, value in fields:
        if tag == 273:
            value = struct.pack("<I", strip_at)
        out += struct.pack("<HHI", tag, typ, count) + value
    out += struct.pack("<I", 0) + extra + data
    return bytes(out)


def gen_dem():
    r = "dem"
    n = 12
    case(r, "good.tif", tiff_bytes(), f"ok {n}", "a 4 x 3 float32 DEM in RD New")
    case(r, "good-pixel-is-point.tif", tiff_bytes(keys=[(1024, 1), (1025, 2), (3072, 28992)]), f"ok {n}",
         "PixelIsPoint: the tiepoint is the first pixel's centre")
    case(r, "good-int16.tif", tiff_bytes(pixels=list(range(n)), fmt="h", bits=16, sample_format=2), f"ok {n}",
         "heights as signed 16-bit integers")
    case(r, "good-uint16.tif", tiff_bytes(pixels=list(range(n)), fmt="H", bits=16, sample_format=1), f"ok {n}",
         "heights as unsigned 16-bit integers")
    case(r, "good-float64.tif", tiff_bytes(fmt="d", bits=64), f"ok {n}", "heights as 64-bit floats")
    px = [1.0 + 0.25 * i for i in range(n)]
    px[5] = px[9] = -9999.0
    case(r, "nodata-tag.tif", tiff_bytes(pixels=px, nodata="-9999"), f"ok {n - 2}", "two pixels equal GDAL_NODATA")
    px = [1.0 + 0.25 * i for i in range(n)]
    px[3] = float("nan")
    case(r, "nan-pixel.tif", tiff_bytes(pixels=px), f"ok {n - 1}", "a NaN height")
    px = [1.0 + 0.25 * i for i in range(n)]
    px[7] = 3.0e38
    case(r, "absurd-height.tif", tiff_bytes(pixels=px), f"ok {n - 1}", "a height of 3e38 m is no height")
    case(r, "all-nodata.tif", tiff_bytes(pixels=[-9999.0] * n, nodata="-9999"), "error nothing to mesh",
         "every pixel is no data")
    case(r, "one-pixel.tif", tiff_bytes(w=1, h=1, pixels=[2.0]), "error nothing to mesh", "a single pixel")
    case(r, "no-georeference.tif", tiff_bytes(georef=None), "error no georeference", "a plain TIFF")
    case(r, "rotated.tif", tiff_bytes(georef="rotated"), "error rotated", "a rotated ModelTransformation")
    case(r, "zero-pixel-size.tif", tiff_bytes(georef="zero-scale"), "error pixel size", "a pixel 0 m wide")
    case(r, "no-crs.tif", tiff_bytes(keys=[(1024, 1), (1025, 1)]), "error no CRS|--crs", "georeferenced, CRS unsaid")
    case(r, "user-defined-crs.tif", tiff_bytes(keys=[(1024, 1), (3072, 32767)]), "error no CRS|--crs",
         "a user-defined CRS (32767)")
    case(r, "unknown-epsg.tif", tiff_bytes(keys=[(1024, 1), (3072, 9999)]), "error EPSG:9999", "EPSG:9999 does not exist")
    case(r, "rgb.tif", tiff_bytes(pixels=[10] * (n * 3), fmt="B", bits=8, sample_format=1, samples=3),
         "error bands", "an RGB image, not heights")
    case(r, "lerc-compression.tif", tiff_bytes(compression=34887), "error compression|heights",
         "LERC compression (not supported)")
    case(r, "jpeg-compression.tif", tiff_bytes(compression=7), "error compression|heights", "JPEG-compressed heights")
    case(r, "strip-cut.tif", tiff_bytes(strip=struct.pack("<5f", 1, 2, 3, 4, 5)), "error heights",
         "the strip holds 5 of 12 heights")
    case(r, "claims-huge.tif", tiff_bytes(claimed=(200000, 200000)), "error too large|heights",
         "claims 200,000 x 200,000 pixels in a 48-byte strip")
    good = tiff_bytes()
    case(r, "truncated-half.tif", good[: len(good) // 2], "error .", "cut half way")
    case(r, "empty.tif", b"", "error TIFF", "an empty file")
    case(r, "garbage.tif", bytes(rng.randrange(256) for _ in range(600)), "error TIFF", "random bytes")
    case(r, "big-endian-magic-only.tif", b"MM\0*", "error TIFF", "a header and nothing else")


# ---------------------------------------------------------------------------------------------
# Imagery to drape on terrain: RGB GeoTIFFs (written with tiff_bytes) and MBTiles files (SQLite,
# written here with Python's sqlite3; tiles are PNGs written by hand).

def png_1x1(rgb=(90, 140, 60)):
    """The smallest valid PNG: one RGB pixel."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = zlib.compress(b"\0" + bytes(rgb))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def mbtiles_bytes(metadata=None, tiles=None, with_metadata=True):
    """An MBTiles 1.3 file: `metadata` name/value pairs, `tiles` (z, x, tms_row, data)."""
    import sqlite3
    import tempfile
    if metadata is None:
        metadata = {"name": "test", "format": "png", "minzoom": "0", "maxzoom": "0", "attribution": "tests"}
    if tiles is None:
        tiles = [(0, 0, 0, png_1x1())]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.mbtiles"
        db = sqlite3.connect(path)
        if with_metadata:
            db.execute("CREATE TABLE metadata (name text, value text)")
            db.executemany("INSERT INTO metadata VALUES (?, ?)", list(metadata.items()))
        db.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", tiles)
        db.commit()
        db.close()
        return path.read_bytes()


def gen_imagery():
    r = "imagery"
    rgb = dict(fmt="B", bits=8, sample_format=1)
    case(r, "good-rgb.tif", tiff_bytes(pixels=[40 * (i % 6) for i in range(36)], samples=3, **rgb), "ok 1",
         "a 4 x 3 RGB GeoTIFF in RD New")
    case(r, "good-grey.tif", tiff_bytes(pixels=list(range(12)), **rgb), "ok 1", "one 8-bit band: grey")
    case(r, "good-rgba.tif", tiff_bytes(pixels=[200] * 48, samples=4, **rgb), "ok 1", "RGBA: alpha ignored")
    case(r, "float-rgb.tif", tiff_bytes(samples=3), "error 8-bit", "three float32 bands: not 8-bit colour")
    case(r, "two-bands.tif", tiff_bytes(pixels=[1] * 24, samples=2, **rgb), "error bands", "two bands")
    case(r, "no-crs.tif", tiff_bytes(pixels=[9] * 36, samples=3, keys=[(1024, 1), (1025, 1)], **rgb),
         "error no CRS", "placed, but in no CRS")
    case(r, "no-georeference.tif", tiff_bytes(pixels=[9] * 36, samples=3, georef=None, **rgb),
         "error no georeference", "a plain RGB TIFF")
    case(r, "strip-cut.tif", tiff_bytes(samples=3, strip=bytes(7), **rgb), "error pixels|samples",
         "the strip holds 7 of 36 samples")
    case(r, "empty.tif", b"", "error TIFF", "an empty file")
    case(r, "good.mbtiles", mbtiles_bytes(), "ok 1", "one PNG tile at zoom 0")
    case(r, "zooms-from-tiles.mbtiles", mbtiles_bytes(metadata={"format": "png", "maxzoom": "99"}), "ok 1",
         "maxzoom 99 is no zoom: the range comes from the tiles")
    case(r, "garbage-tile.mbtiles", mbtiles_bytes(tiles=[(0, 0, 0, b"<html>Service unavailable</html>")]),
         "ok 1 warn not a PNG or JPEG", "the one tile is HTML: a warning names it, the import goes on")
    case(r, "pbf.mbtiles", mbtiles_bytes(metadata={"format": "pbf", "minzoom": "0", "maxzoom": "0"}),
         "error vector tiles", "vector tiles are not imagery")
    case(r, "webp.mbtiles", mbtiles_bytes(metadata={"format": "webp", "minzoom": "0", "maxzoom": "0"}),
         "error webp", "WebP tiles are not read")
    case(r, "no-metadata.mbtiles", mbtiles_bytes(with_metadata=False), "error metadata", "no metadata table")
    case(r, "no-tiles.mbtiles", mbtiles_bytes(metadata={"format": "png"}, tiles=[]), "error no tiles",
         "no zoom range and no tiles")
    case(r, "not-sqlite.mbtiles", bytes(rng.randrange(256) for _ in range(2048)), "error SQLite|MBTiles",
         "random bytes")
    good = mbtiles_bytes()
    case(r, "truncated.mbtiles", good[: len(good) // 3], "error .", "cut to a third")
    case(r, "empty.mbtiles", b"", "error .", "an empty file")


# ---------------------------------------------------------------------------------------------
# Point clouds: LAS 1.2, point format 0, written here field by field (ASPRS LAS 1.2, section 2).

def las_bytes(points, epsg=None, scale=0.01, bounds=None, claimed=None, record_len=20):
    """`points`: (x, y, z, class). `epsg`: a GeoKeyDirectory VLR naming it (projected)."""
    vlrs = b""
    n_vlrs = 0
    if epsg is not None:
        keys = struct.pack("<16H", 1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg)
        vlrs = struct.pack("<H16sHH32s", 0, b"LASF_Projection", 34735, len(keys), b"GeoKeyDirectoryTag") + keys
        n_vlrs = 1
    xs, ys, zs = [p[0] for p in points], [p[1] for p in points], [p[2] for p in points]
    lo_hi = bounds or (min(xs), max(xs), min(ys), max(ys), min(zs), max(zs))
    off = (85000.0, 447500.0, 0.0)
    header_size = 227
    offset = header_size + len(vlrs)
    count = claimed if claimed is not None else len(points)
    h = b"LASF" + struct.pack("<HH", 0, 0) + bytes(16) + bytes([1, 2]) + b"CityTwin corpus".ljust(32, b"\0")
    h += b"gen-bad-input.py".ljust(32, b"\0") + struct.pack("<HHHIIBHI", 1, 2026, header_size, offset, n_vlrs, 0,
                                                               record_len, count)
    h += struct.pack("<5I", count, 0, 0, 0, 0)
    h += struct.pack("<3d", scale, scale, scale) + struct.pack("<3d", *off)
    h += struct.pack("<6d", lo_hi[1], lo_hi[0], lo_hi[3], lo_hi[2], lo_hi[5], lo_hi[4])
    assert len(h) == header_size, len(h)
    body = b""
    for x, y, z, c in points:
        body += struct.pack("<iiiHBBbBH", round((x - off[0]) / scale), round((y - off[1]) / scale),
                            round((z - off[2]) / scale), 0, 0x09, c, 0, 0, 0)
    return h + vlrs + body


def gen_pointcloud():
    r = "pointcloud"
    # 2 x 2 m at 1 m cells: ground points in three cells, a building point (class 6) in the fourth.
    pts = [(85000.2, 447500.2, 1.0, 2), (85001.2, 447500.3, 1.5, 2), (85000.4, 447501.6, 2.0, 2),
           (85000.6, 447501.4, 2.5, 2), (85001.5, 447501.5, 9.0, 6)]
    # The grid: x from 85000 to 85002, y from 447500 to 447502 (rounded up): 2 x 2 cells, all with a height.
    case(r, "good.las", las_bytes(pts, epsg=28992), "ok 4", "three cells of ground points, one filled")
    case(r, "good-no-crs-record.las", las_bytes(pts), "error no CRS|--crs", "no CRS record: --crs needed")
    case(r, "unknown-epsg.las", las_bytes(pts, epsg=9999), "error EPSG:9999", "a CRS record naming EPSG:9999")
    case(r, "no-ground.las", las_bytes([(85000.5, 447500.5, 9.0, 6), (85001.5, 447501.5, 9.0, 1)], epsg=28992),
         "error class 2", "no point classified ground")
    case(r, "no-points.las", las_bytes([], epsg=28992, bounds=(0, 0, 0, 0, 0, 0)), "error no points|class 2",
         "a header and no points")
    case(r, "claims-more-points.las", las_bytes(pts, epsg=28992, claimed=1000), "error .",
         "the header claims 1,000 points; 5 follow")
    case(r, "nan-bounds.las", las_bytes(pts, epsg=28992, bounds=(float("nan"),) * 6), "error bounds",
         "header bounds NaN")
    good = las_bytes(pts, epsg=28992)
    case(r, "truncated-header.las", good[:100], "error .", "cut inside the header")
    case(r, "truncated-points.las", good[: len(good) - 30], "error .", "the last points cut off")
    case(r, "empty.las", b"", "error .", "an empty file")
    case(r, "garbage.laz", bytes(rng.randrange(256) for _ in range(600)), "error .", "random bytes named .laz")
    case(r, "not-lasf.las", b"LASX" + good[4:], "error .", "the wrong signature")


# ---------------------------------------------------------------------------------------------
# Inputs the fuzzer crashed on (tests/fuzz-crashes/READER/NAME, kept as found), each with what
# it should give now.
FUZZ_CRASHES = [
    ("citygml", "hull-overflow.gml", r"ok 2 warn g2",
     "fuzz round 4: g2's corners at x = 1e300 far apart overflowed geo's quickhull (a panic); g3 has a "
     "coordinate '4+7000' (its polygon dropped), g1 is whole"),
    ("ifc", "slow-opening-cut.ifc", r"error place",
     "fuzz round 4: a mutated model whose opening cuts took 4.9 s of IFClite's exact CSG; now bounded by "
     "the per-element budget (the cuts made as boxes; a test in ifc.rs reads the warnings); no georeference"),
]


def gen_fuzz_crashes():
    crashes = Path(__file__).resolve().parent.parent / "tests" / "fuzz-crashes"
    for reader, name, expect, why in FUZZ_CRASHES:
        case(reader, "fuzz-" + name, (crashes / reader / name).read_bytes(), expect, why)


def main():
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for gen in [gen_cityjson, gen_cityjsonseq, gen_citygml, gen_geojson, gen_osm, gen_ifc, gen_gltf_bim, gen_tileset,
                gen_subtree, gen_content, gen_cap, gen_hazard, gen_scene, gen_query_csv, gen_objects, gen_mqtt, gen_dem, gen_pointcloud, gen_imagery, gen_fuzz_crashes]:
        gen()
    names = [(c[0], c[1]) for c in CASES]
    assert len(names) == len(set(names)), "two cases with one name"
    with open(ROOT / "cases.tsv", "w") as f:
        f.write("# reader\tfile\texpected\twhat (written by scripts/gen-bad-input.py)\n")
        for c in CASES:
            f.write("\t".join(c) + "\n")
    print(f"{len(CASES)} cases in {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
