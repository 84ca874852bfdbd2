"""Reference side of CityTwin's IFC (BIM) import tests and benchmark, computed with IfcOpenShell.

For one IFC file this writes a JSON document that CityTwin's own IFC importer can be checked and
timed against:

* ``elements``: every product the IfcOpenShell geometry iterator tessellated, keyed by GlobalId,
  with its class, name, world-coordinate bounding box in metres and triangle count;
* ``counts_with_representation``: every ``IfcProduct`` instance (all subclasses, spatial ones
  such as IfcSite / IfcSpace included) whose ``Representation`` is set, counted per class with
  IfcOpenShell's entity model (``file.by_type("IfcProduct")``), not with the geometry iterator;
  ``spatial_with_representation`` repeats the spatial subset (IfcSpatialElement in IFC4,
  IfcSpatialStructureElement in IFC2X3) on its own;
* ``iterator_classes``: per-class count of what the geometry iterator actually emitted (it runs
  with its defaults: nothing is included or excluded explicitly, so e.g. IfcOpeningElement and
  IfcSpace come out too in IfcOpenShell 0.9);
* timings: ``parse_seconds`` (``ifcopenshell.open``), ``geometry_seconds`` (construction,
  ``initialize()`` and the ``get()``/``next()`` loop of the iterator, bounding boxes included),
  ``elements_per_s``;
* ``failed``: products that have a representation in a 3D ("Model") context but that the iterator
  did not emit; ``skipped_no_model_representation``: products whose representations are all in
  other contexts (e.g. 2D "Plan" annotations), which the iterator ignores by design;
* ``length_unit``, ``site`` (RefLatitude / RefLongitude / RefElevation as given and in decimal
  degrees), ``map_conversion`` and the ObjectPlacement chains of IfcSite and IfcBuilding, for the
  georeferencing tests;
* ``step_text``: the same per-class counts from an independent, regex-based reading of the STEP
  text (see below), and the differences to IfcOpenShell's counts.

Geometry settings: ``use-world-coords`` (USE_WORLD_COORDS) is on, so the vertices carry the whole
ObjectPlacement chain (site, building, storey, element) and ``shape.transformation`` is the
identity. ``convert-back-units`` is left off (its default), so IfcOpenShell scales the file's
length unit to metres: a millimetre file (IfcOpenHouse_IFC4.ifc) comes out in metres as well.
No model offset / rotation is applied, and IfcMapConversion is *not* applied by the iterator:
"world" means the project's engineering coordinate system, not a CRS.

``--count-only`` does not import IfcOpenShell at all: it parses the DATA section with regular
expressions (``#id=IFCNAME(args);``, records may span lines; strings are honoured so quoted
``;`` / ``)`` / ``,`` do not split anything) and counts, per class, the instances that look like
products with a representation. Without the schema the product classes are guessed: an instance
is "rooted" when its first attribute is a 22-character GlobalId string; IfcProduct's attributes
are (GlobalId, OwnerHistory, Name, Description, ObjectType, ObjectPlacement, Representation), so
attribute 6 (0-based) is the Representation; rooted classes that are not products (relationships,
property sets, type objects, the project, groups, processes, controls, resources, ...) are
excluded by name. In normal mode the same STEP counter also runs with the exact set of class names
that ``by_type("IfcProduct")`` yields for the file, and both are compared with IfcOpenShell.

Usage (from the repository root, venv in target/peers-venv with ``pip install ifcopenshell``):

    target/peers-venv/bin/python benches/peers/ifc_reference.py FILE.ifc OUT.json [--threads N]
    target/peers-venv/bin/python benches/peers/ifc_reference.py FILE.ifc OUT.json --count-only
"""
import argparse
import collections
import json
import multiprocessing
import os
import re
import sys
import time

# --------------------------------------------------------------------------------------------
# Independent STEP text reader (no IfcOpenShell)
# --------------------------------------------------------------------------------------------

# One record of the DATA section: `#12= IFCWALL(...)`. The argument text is split off by
# `_split_records` (which knows about strings), so this only needs to match the head.
_RECORD_HEAD = re.compile(r"\s*#(\d+)\s*=\s*([A-Za-z0-9_]+)\s*\(", re.S)
# A STEP string: '...' with '' as an escaped quote inside.
_STRING = re.compile(r"'(?:[^']|'')*'", re.S)
# A GlobalId: 22 characters of IFC's base-64 alphabet.
_GLOBAL_ID = re.compile(r"^'[0-9A-Za-z_$]{22}'$")

# Rooted (IfcRoot) classes that are not IfcProduct subtypes, by exact name (upper case). Names
# matched by the prefixes / suffixes below are left out of this list. Covers IFC2X3 and IFC4.
_NON_PRODUCT_ROOTED = {
    # IfcContext
    "IFCPROJECT", "IFCPROJECTLIBRARY",
    # IfcPropertyDefinition
    "IFCPROPERTYSET", "IFCELEMENTQUANTITY", "IFCPROPERTYSETTEMPLATE", "IFCSIMPLEPROPERTYTEMPLATE",
    "IFCCOMPLEXPROPERTYTEMPLATE", "IFCPREDEFINEDPROPERTYSET", "IFCDOORLININGPROPERTIES",
    "IFCDOORPANELPROPERTIES", "IFCWINDOWLININGPROPERTIES", "IFCWINDOWPANELPROPERTIES",
    "IFCPERMEABLECOVERINGPROPERTIES", "IFCREINFORCEMENTDEFINITIONPROPERTIES",
    "IFCFLUIDFLOWPROPERTIES", "IFCSOUNDPROPERTIES", "IFCSOUNDVALUE", "IFCSPACETHERMALLOADPROPERTIES",
    "IFCENERGYPROPERTIES", "IFCELECTRICALBASEPROPERTIES", "IFCSERVICELIFE", "IFCSERVICELIFEFACTOR",
    # IfcGroup and subtypes
    "IFCGROUP", "IFCSYSTEM", "IFCZONE", "IFCBUILDINGSYSTEM", "IFCBUILTSYSTEM",
    "IFCDISTRIBUTIONSYSTEM", "IFCDISTRIBUTIONCIRCUIT", "IFCELECTRICALCIRCUIT",
    "IFCSTRUCTURALANALYSISMODEL", "IFCSTRUCTURALLOADGROUP", "IFCSTRUCTURALLOADCASE",
    "IFCSTRUCTURALRESULTGROUP", "IFCASSET", "IFCINVENTORY", "IFCCONDITION",
    # IfcProcess, IfcControl, IfcResource, IfcActor
    "IFCTASK", "IFCPROCEDURE", "IFCEVENT", "IFCPROCESS", "IFCWORKPLAN", "IFCWORKSCHEDULE",
    "IFCWORKCONTROL", "IFCCOSTITEM", "IFCCOSTSCHEDULE", "IFCPERMIT", "IFCACTIONREQUEST",
    "IFCPROJECTORDER", "IFCPROJECTORDERRECORD", "IFCPERFORMANCEHISTORY", "IFCTIMESERIESSCHEDULE",
    "IFCSCHEDULETIMECONTROL", "IFCSPACEPROGRAM", "IFCSERVICELIFE", "IFCFURNITURESTANDARD",
    "IFCEQUIPMENTSTANDARD", "IFCMOVE", "IFCORDERACTION", "IFCCONDITIONCRITERION",
    "IFCACTOR", "IFCOCCUPANT", "IFCCONTROL", "IFCRESOURCE", "IFCCONSTRUCTIONRESOURCE",
    "IFCCREWRESOURCE", "IFCLABORRESOURCE", "IFCSUBCONTRACTRESOURCE", "IFCCONSTRUCTIONEQUIPMENTRESOURCE",
    "IFCCONSTRUCTIONMATERIALRESOURCE", "IFCCONSTRUCTIONPRODUCTRESOURCE",
}
# Prefixes / suffixes of rooted non-product classes: relationships (IfcRel*), type objects
# (IfcWallType, IfcDoorStyle, IfcTypeObject, IfcTypeProduct, ...), quantity / property sets.
_NON_PRODUCT_PREFIXES = ("IFCREL", "IFCTYPE")
_NON_PRODUCT_SUFFIXES = ("TYPE", "STYLE", "PROPERTYSET", "QUANTITY")
# What the Representation attribute of a product normally points to.
_PRODUCT_REPRESENTATIONS = {"IFCPRODUCTDEFINITIONSHAPE", "IFCPRODUCTREPRESENTATION"}


def _is_non_product_rooted(cls):
    """True for rooted class names (upper case) that are known not to be IfcProduct subtypes."""
    return (
        cls in _NON_PRODUCT_ROOTED
        or cls.startswith(_NON_PRODUCT_PREFIXES)
        or cls.endswith(_NON_PRODUCT_SUFFIXES)
    )


def _split_records(data):
    """Yield the records (text between `;`) of a DATA section, not splitting inside strings and
    leaving out `/* comments */`."""
    parts = []  # pieces of the current record (comments cut out)
    start = 0
    pos = 0
    n = len(data)
    while pos < n:
        c = data[pos]
        if c == "'":
            m = _STRING.match(data, pos)
            pos = m.end() if m else n
            continue
        if c == "/" and data.startswith("/*", pos):  # STEP comment
            parts.append(data[start:pos])
            end = data.find("*/", pos + 2)
            pos = start = n if end < 0 else end + 2
            continue
        if c == ";":
            parts.append(data[start:pos])
            yield "".join(parts)
            parts = []
            start = pos + 1
        pos += 1
    parts.append(data[start:])
    rest = "".join(parts)
    if rest.strip():
        yield rest


def _split_args(args):
    """Split the top-level attribute list of `IFCNAME(` ... `)` (text after the `(`) at commas."""
    out = []
    depth = 0
    cur = []
    pos = 0
    n = len(args)
    while pos < n:
        c = args[pos]
        if c == "'":
            m = _STRING.match(args, pos)
            end = m.end() if m else n
            cur.append(args[pos:end])
            pos = end
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:  # the closing parenthesis of the record
                break
            depth -= 1
        elif c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            pos += 1
            continue
        cur.append(c)
        pos += 1
    out.append("".join(cur).strip())
    return out


def read_step(path):
    """Parse a STEP physical file's header schema and DATA section with regexes.

    Returns (schema, {id: (CLASS, [attribute text, ...])}); attribute texts are raw STEP
    (`$`, `*`, `#12`, `'text'`, `(1,2)`, `.ENUM.`, `IFCLABEL('x')`)."""
    with open(path, "r", encoding="latin-1") as fh:  # STEP is 7-bit; latin-1 never fails
        text = fh.read()
    m = re.search(r"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", text)
    schema = m.group(1).upper() if m else None
    m = re.search(r"\bDATA\s*;", text)
    if not m:
        raise ValueError(f"{path}: no DATA section")
    # No cut at ENDSEC: the records are split string-aware below, and what follows the DATA
    # section (`ENDSEC`, `END-ISO-10303-21`) is not a `#id=` record, so it is simply skipped.
    data = text[m.end():]
    entities = {}
    for rec in _split_records(data):
        h = _RECORD_HEAD.match(rec)
        if not h:
            continue  # ENDSEC, END-ISO-10303-21, complex `#id=(A()B())` instances, blanks
        entities[int(h.group(1))] = (h.group(2).upper(), _split_args(rec[h.end():]))
    return schema, entities


def step_length_unit(entities):
    """The project's length unit from the STEP text: IfcProject.UnitsInContext (attribute 8)
    -> IfcUnitAssignment -> the IfcSIUnit / IfcConversionBasedUnit with .LENGTHUNIT."""
    for cls, args in entities.values():
        if cls != "IFCPROJECT" or len(args) < 9 or not args[8].startswith("#"):
            continue
        ua = entities.get(int(args[8][1:]))
        if not ua:
            return None
        for ref in re.findall(r"#(\d+)", ua[1][0]):
            ucls, uargs = entities.get(int(ref), (None, []))
            if ucls == "IFCSIUNIT" and len(uargs) >= 4 and uargs[1] == ".LENGTHUNIT.":
                prefix = uargs[2].strip(".") if uargs[2] != "$" else None
                return {"entity": f"#{ref}", "prefix": prefix, "name": uargs[3].strip(".")}
            if ucls == "IFCCONVERSIONBASEDUNIT" and len(uargs) >= 3 and uargs[1] == ".LENGTHUNIT.":
                return {"entity": f"#{ref}", "conversion_based": uargs[2].strip("'")}
    return None


def step_counts(entities, product_classes=None):
    """Per-class counts of product instances whose Representation (attribute 6) is not `$`.

    product_classes: exact upper-case class names to treat as products (from IfcOpenShell), or
    None for the heuristic (rooted, not a known non-product rooted class). Also returns the
    instances counted whose attribute 6 does not point at a product representation, which would
    hint at a wrong guess."""
    counts = collections.Counter()
    suspicious = []
    for eid, (cls, args) in entities.items():
        if product_classes is not None:
            if cls not in product_classes:
                continue
        elif not args or not _GLOBAL_ID.match(args[0]) or _is_non_product_rooted(cls):
            continue
        if len(args) < 7 or args[6] == "$":
            continue
        counts[cls] += 1
        target = entities.get(int(args[6][1:])) if args[6].startswith("#") and args[6][1:].isdigit() else None
        if target is None or target[0] not in _PRODUCT_REPRESENTATIONS:
            suspicious.append({"id": f"#{eid}", "class": cls, "representation": args[6]})
    return dict(sorted(counts.items())), suspicious


def count_only(path, out):
    """--count-only: STEP text counts with the heuristic product classes, no IfcOpenShell."""
    t = time.perf_counter()
    schema, entities = read_step(path)
    parse_s = time.perf_counter() - t
    counts, suspicious = step_counts(entities)
    return {
        "file": os.path.abspath(path),
        "mode": "count-only",
        "schema": schema,
        "entities": len(entities),
        "parse_seconds": parse_s,
        "length_unit": step_length_unit(entities),
        # Keys are STEP upper-case names (IFCWALL); IfcOpenShell's output uses IfcWall.
        "counts_with_representation": counts,
        "total_with_representation": sum(counts.values()),
        "suspicious": suspicious,
    }


# --------------------------------------------------------------------------------------------
# IfcOpenShell side
# --------------------------------------------------------------------------------------------


def compound_angle(value):
    """IfcCompoundPlaneAngleMeasure (deg, min, sec[, millionths of sec]) -> given and decimal."""
    if value is None:
        return None
    parts = list(value) + [0] * (4 - len(value))
    d, m, s, us = parts[:4]
    return {"given": list(value), "degrees": d + m / 60.0 + (s + us / 1e6) / 3600.0}


def placement_chain(placement):
    """Follow ObjectPlacement -> PlacementRelTo upwards; one dict per IfcLocalPlacement."""
    chain = []
    while placement is not None:
        entry = {"placement": f"#{placement.id()}", "class": placement.is_a()}
        if placement.is_a("IfcLocalPlacement"):
            rel = placement.RelativePlacement
            entry["relative_placement"] = f"#{rel.id()} {rel.is_a()}"
            entry["location"] = list(rel.Location.Coordinates) if rel.Location else None
            axis = getattr(rel, "Axis", None)
            ref = getattr(rel, "RefDirection", None)
            entry["axis"] = list(axis.DirectionRatios) if axis else None
            entry["ref_direction"] = list(ref.DirectionRatios) if ref else None
            placement = placement.PlacementRelTo
        else:  # IfcGridPlacement etc.: not followed
            placement = None
        chain.append(entry)
    return chain


def length_unit(f):
    """The project's length unit (IfcProject.UnitsInContext) and its scale to metres."""
    import ifcopenshell.util.unit as unit_util

    unit = unit_util.get_project_unit(f, "LENGTHUNIT")
    if unit is None:
        return None
    info = {"entity": f"#{unit.id()}", "class": unit.is_a(), "name": unit.Name}
    if unit.is_a("IfcSIUnit"):
        info["prefix"] = unit.Prefix
    info["scale_to_metre"] = unit_util.calculate_unit_scale(f, "LENGTHUNIT")
    return info


def georeferencing(f):
    """IfcSite lat/long/elevation, IfcMapConversion / IfcProjectedCRS, placement chains."""
    out = {"contexts": [], "sites": [], "buildings": [], "map_conversion": [], "projected_crs": []}
    for ctx in f.by_type("IfcGeometricRepresentationContext"):
        if ctx.is_a("IfcGeometricRepresentationSubContext"):
            continue
        wcs = ctx.WorldCoordinateSystem
        out["contexts"].append({
            "context": f"#{ctx.id()}",
            "type": ctx.ContextType,
            "wcs_location": list(wcs.Location.Coordinates) if wcs and wcs.Location else None,
            "true_north": list(ctx.TrueNorth.DirectionRatios) if ctx.TrueNorth else None,
        })
    for site in f.by_type("IfcSite"):
        out["sites"].append({
            "global_id": site.GlobalId,
            "name": site.Name,
            "ref_latitude": compound_angle(site.RefLatitude),
            "ref_longitude": compound_angle(site.RefLongitude),
            "ref_elevation": site.RefElevation,
            "placement_chain": placement_chain(site.ObjectPlacement),
        })
    for b in f.by_type("IfcBuilding"):
        out["buildings"].append({
            "global_id": b.GlobalId,
            "name": b.Name,
            "placement_chain": placement_chain(b.ObjectPlacement),
        })
    if f.schema != "IFC2X3":  # IfcMapConversion exists from IFC4 on
        for mc in f.by_type("IfcMapConversion"):
            out["map_conversion"].append(mc.get_info(recursive=False, include_identifier=False) | {
                "SourceCRS": f"#{mc.SourceCRS.id()}", "TargetCRS": f"#{mc.TargetCRS.id()}",
                "Scale": mc.Scale,
            })
        for crs in f.by_type("IfcProjectedCRS"):
            out["projected_crs"].append({"name": crs.Name, "description": crs.Description})
    # IFC2X3 georeferencing conventions (ePSet_MapConversion) are property sets: report them.
    for pset in f.by_type("IfcPropertySet"):
        if pset.Name in ("ePSet_MapConversion", "ePSet_ProjectedCRS"):
            out["map_conversion"].append({"pset": pset.Name, "properties": {
                p.Name: getattr(p.NominalValue, "wrappedValue", None) for p in pset.HasProperties
            }})
    return out


def is_spatial(product):
    """Spatial elements: IfcSpatialElement (IFC4: site, building, storey, space, zones) or
    IfcSpatialStructureElement (IFC2X3)."""
    # is_a() with a name the schema lacks (IfcSpatialElement in IFC2X3) is simply False.
    return product.is_a("IfcSpatialElement") or product.is_a("IfcSpatialStructureElement")


def has_model_representation(product):
    """True if any of the product's representations lives in a "Model" (3D) context, directly
    or through IfcGeometricRepresentationSubContext.ParentContext. The iterator only tessellates
    those, so a product without one is skipped by design, not a failure."""
    for rep in product.Representation.Representations:
        ctx = rep.ContextOfItems
        while ctx is not None:
            if (ctx.ContextType or "").lower() == "model":
                return True
            ctx = getattr(ctx, "ParentContext", None)
    return False


def split_log(log):
    """IfcOpenShell's log text -> ({level: count}, [error and warning messages]). A message
    starts with `[level]` and may continue on further lines (the offending entity)."""
    messages = re.split(r"\n(?=\[(?:notice|warning|error|debug|perf)\])", log or "")
    levels = collections.Counter()
    kept = []
    for m in messages:
        lv = re.match(r"\[(\w+)\]", m)
        if not lv:
            continue
        levels[lv.group(1)] += 1
        if lv.group(1) in ("error", "warning"):
            kept.append(m.strip())
    return dict(levels), kept


def reference(path, threads):
    import numpy as np

    import ifcopenshell
    import ifcopenshell.geom

    t = time.perf_counter()
    f = ifcopenshell.open(path)
    parse_s = time.perf_counter() - t

    # Entity model counts: every IfcProduct instance with a Representation, per class.
    products = f.by_type("IfcProduct")  # includes subtypes
    with_rep = [p for p in products if p.Representation is not None]
    counts = collections.Counter(p.is_a() for p in with_rep)
    spatial = collections.Counter(p.is_a() for p in with_rep if is_spatial(p))

    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)  # == settings.USE_WORLD_COORDS
    # convert-back-units stays False (default): output lengths are metres whatever the file unit.

    elements = {}
    emitted = collections.Counter()
    duplicates = []
    ifcopenshell.get_log()  # drain anything logged while opening
    t = time.perf_counter()
    it = ifcopenshell.geom.iterator(settings, f, threads)
    if it.initialize():
        while True:
            shape = it.get()
            geom = shape.geometry
            v = np.asarray(geom.verts, dtype=np.float64).reshape(-1, 3)  # flat x,y,z list
            emitted[shape.type] += 1
            if shape.guid in elements:
                duplicates.append(shape.guid)
            elements[shape.guid] = {
                "class": shape.type,
                "name": shape.name,
                "min": v.min(axis=0).tolist() if len(v) else None,
                "max": v.max(axis=0).tolist() if len(v) else None,
                "triangles": len(geom.faces) // 3,
            }
            if not it.next():
                break
    geometry_s = time.perf_counter() - t
    log_levels, log_kept = split_log(ifcopenshell.get_log())

    failed, skipped = [], []
    for p in with_rep:
        if p.GlobalId in elements:
            continue
        (failed if has_model_representation(p) else skipped).append(p.GlobalId)
    skipped_classes = collections.Counter(f.by_guid(g).is_a() for g in skipped)

    # The same counts from the STEP text, with the exact product class names of this file and
    # with the schema-free heuristic of --count-only, compared with IfcOpenShell's.
    _, entities = read_step(path)
    exact, exact_susp = step_counts(entities, {c.upper() for c in {p.is_a() for p in products}})
    heur, heur_susp = step_counts(entities)
    ios = {k.upper(): v for k, v in counts.items()}

    def diff(step):
        return {k: {"step": step.get(k, 0), "ifcopenshell": ios.get(k, 0)}
                for k in sorted(set(step) | set(ios)) if step.get(k, 0) != ios.get(k, 0)}

    return {
        "file": os.path.abspath(path),
        "ifcopenshell": ifcopenshell.version,
        "schema": f.schema,
        "settings": {"use-world-coords": settings.get("use-world-coords"),
                     "convert-back-units": settings.get("convert-back-units"),
                     "threads": threads},
        "length_unit": length_unit(f),
        "georeferencing": georeferencing(f),
        "elements": elements,
        "counts_with_representation": dict(sorted(counts.items())),
        "total_with_representation": len(with_rep),
        "spatial_with_representation": dict(sorted(spatial.items())),
        "iterator_classes": dict(sorted(emitted.items())),
        "elements_with_geometry": len(elements),
        "parse_seconds": parse_s,
        "geometry_seconds": geometry_s,
        "elements_per_s": (sum(emitted.values()) / geometry_s) if geometry_s > 0 else None,
        "failed": failed,
        "skipped_no_model_representation": skipped,
        "skipped_classes": dict(sorted(skipped_classes.items())),
        "duplicate_guids_from_iterator": duplicates,
        # Errors and warnings the iterator logged (notices only counted); errors on elements
        # that still came out mean a partial shape (e.g. an opening not subtracted).
        "iterator_log_levels": log_levels,
        "iterator_log_errors": [m for m in log_kept if m.startswith("[error]")],
        "iterator_log_warnings": [m for m in log_kept if m.startswith("[warning]")][:50],
        "step_text": {
            "entities": len(entities),
            "exact_classes": {"counts": exact, "diff_vs_ifcopenshell": diff(exact),
                              "suspicious": exact_susp},
            "heuristic": {"counts": heur, "diff_vs_ifcopenshell": diff(heur),
                          "suspicious": heur_susp},
        },
    }


def main():
    ap = argparse.ArgumentParser(
        description="IfcOpenShell reference for CityTwin's IFC import tests and benchmark: per "
        "element world bounding boxes (metres) and triangle counts from the geometry iterator, "
        "per-class counts of IfcProduct instances with a representation, timings, georeferencing "
        "facts, written as JSON.")
    ap.add_argument("ifc", help="IFC (STEP, .ifc) file to read")
    ap.add_argument("out", help="JSON file to write")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for the geometry iterator (default 1; 0 = all CPUs)")
    ap.add_argument("--count-only", action="store_true",
                    help="do not use IfcOpenShell: count products with a representation from the "
                    "STEP text with regexes and a heuristic product class list")
    a = ap.parse_args()
    if a.count_only:
        result = count_only(a.ifc, a.out)
    else:
        threads = a.threads if a.threads > 0 else (multiprocessing.cpu_count() or 1)
        result = reference(a.ifc, threads)
    with open(a.out, "w") as fh:
        json.dump(result, fh, indent=1)
    summary = {k: result.get(k) for k in ("schema", "total_with_representation",
                                          "elements_with_geometry", "parse_seconds",
                                          "geometry_seconds", "elements_per_s")}
    summary["failed"] = len(result.get("failed", []))
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    main()
