#!/usr/bin/env bash
# The crate layering (ARCHITECTURE.md, ADR 0011), checked by .ci/run:
#   1. each of our crates uses only the crates of ours the table below allows it;
#   2. nothing below the viewer depends on Bevy, wgpu or winit (architecture invariant 1).
# Fails naming both crates of every edge that breaks a rule.
set -euo pipefail
cd "$(dirname "$0")/.."

# Which of our crates each crate may use (normal and build dependencies), bottom to top. A crate
# may use only crates of a lower level, and only those listed: `city_bevy` never uses
# `cim_import`, and nothing uses `citytwin`. A new workspace crate needs a line here before CI
# passes. `*`: any of ours. "planned": a crate to come, placed in advance.
#
# level  crate           may use
LAYERS='
  0      city_core       -
  1      city_index      city_core
  1      city_tiles      city_core
  2      city_routing    city_core city_index                          # planned
  2      city_analysis   city_core city_index city_tiles
  2      cim_import      city_core city_index city_tiles
  2      city_layers     city_core city_index city_tiles
  3      city_bevy       city_core city_index city_tiles city_layers
  3      city_serve      city_core city_index city_tiles city_layers   # planned
  4      citytwin        *
'
# Tests and benches (dev-dependencies) may use what the crate may, and these besides. Never
# `citytwin`; the binary's own tests and benches may use anything.
#
# crate          its tests may also use
TEST_LAYERS='
  city_tiles     cim_import    # tiles written by the real GLB writer, decoded back
  city_layers    cim_import    # sensors joined to imported OSM buildings
  city_bevy      cim_import    # terrain tilesets built from a real DEM, streamed headless
'
# Crates that may depend on Bevy, wgpu or winit; every other crate of ours is checked.
GRAPHICS='city_bevy citytwin'

# Our crates and their dependencies from one `cargo metadata` without the dependency graph (it
# resolves and downloads nothing); then `cargo tree -e normal` for each crate below the viewer.
cargo metadata --no-deps --format-version 1 |
  LAYERS="$LAYERS" TEST_LAYERS="$TEST_LAYERS" GRAPHICS="$GRAPHICS" python3 -c '
import json, os, re, subprocess, sys

def table(text, with_level):
    rows = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if words and with_level:
            rows[words[1]] = (int(words[0]), set(words[2:]) - {"-"})
        elif words:
            rows[words[0]] = set(words[1:])
    return rows

layers = table(os.environ["LAYERS"], True)
tests = table(os.environ["TEST_LAYERS"], False)
graphics = set(os.environ["GRAPHICS"].split())
errors = []

def fail(msg):
    errors.append(msg)
    print("layering: " + msg, file=sys.stderr)

def level(name):
    return "level %d" % layers[name][0]

# The tables themselves: every crate named has a line, and what a crate may use is below it.
for crate, (lvl, allowed) in layers.items():
    for dep in sorted(allowed - {"*"}):
        if dep not in layers:
            fail("table: %s may use %s, which has no line in the table" % (crate, dep))
        elif layers[dep][0] >= lvl:
            fail("table: %s (%s) may use %s (%s), which is not below it" % (crate, level(crate), dep, level(dep)))
for crate, (lvl, allowed) in layers.items():  # what it may use may use only what it may use
    if "*" not in allowed:
        for dep in sorted(allowed & set(layers)):
            for deeper in sorted(layers[dep][1] - allowed):
                fail("table: %s may use %s, which may use %s, which %s may not" % (crate, dep, deeper, crate))
for crate, extra in tests.items():
    if crate not in layers:
        fail("table: tests of %s, which has no line in the table" % crate)
    for dep in sorted(extra):
        if dep == "citytwin" or dep not in layers:
            fail("table: tests of %s may not use %s" % (crate, dep))

meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
packages = sorted((p for p in meta["packages"] if p["id"] in members), key=lambda p: p["name"])
ours = {p["name"] for p in packages} | set(layers)
root = meta["workspace_root"]
sections = {"normal": "dependencies", "build": "build-dependencies", "dev": "dev-dependencies"}

# 1. Our crates: each edge allowed by the table.
for p in packages:
    crate = p["name"]
    manifest = os.path.relpath(p["manifest_path"], root)
    if crate not in layers:
        fail("%s (%s) is not in the layer table: give it a level and the crates it may use in scripts/check-layering.sh" % (crate, manifest))
        continue
    lvl, allowed = layers[crate]
    uses = set()
    for d in p["dependencies"]:
        dep, kind = d["name"], d["kind"] or "normal"
        if dep not in ours and not d.get("path"):
            continue  # not one of ours
        where = "%s [%s%s]" % (manifest, "target.%s." % d["target"] if d.get("target") else "", sections[kind])
        if dep not in layers:
            fail("%s depends on %s, which is not in the layer table (%s)" % (crate, dep, where))
            continue
        if kind == "dev" and crate == "citytwin":
            continue  # the binary: its own tests and benches may use anything
        ok = dep != "citytwin" and ("*" in allowed or dep in allowed or (kind == "dev" and dep in tests.get(crate, ())))
        if not ok:
            dl = layers[dep][0]
            why = "above it" if dl > lvl else "at its own level" if dl == lvl else "not one it may use"
            may = ", ".join(sorted(allowed)) or "none of ours"
            fail("%s (%s) depends on %s (%s), %s, in %s; %s may use: %s" % (crate, level(crate), dep, level(dep), why, where, crate, may))
        elif kind != "dev":
            uses.add(dep)
    print("layering: %s (%s) uses %s" % (crate, level(crate), ", ".join(sorted(uses)) or "none of ours"))

# 2. Below the viewer: no Bevy, wgpu or winit, however deep.
for crate in (p["name"] for p in packages if p["name"] not in graphics):
    run = subprocess.run(["cargo", "tree", "-e", "normal", "-p", crate, "--prefix", "none"],
                         capture_output=True, text=True)
    if run.returncode != 0:  # a cycle, say: once is enough
        fail("cargo tree -p %s failed, so Bevy, wgpu and winit were not looked for: %s" % (crate, run.stderr.strip()))
        break
    bad = sorted({line.split()[0] for line in run.stdout.splitlines() if re.match(r"(bevy|wgpu|winit)[a-z_-]* ", line)})
    if bad:
        named = ", ".join(bad[:4]) + (" and %d more" % (len(bad) - 4) if len(bad) > 4 else "")
        fail("%s depends on %s; only %s may" % (crate, named, " and ".join(sorted(graphics))))
    else:
        print("layering: %s has no bevy, wgpu or winit" % crate)

if errors:
    print("layering: %d problem(s), see above" % len(errors), file=sys.stderr)
sys.exit(1 if errors else 0)
'
