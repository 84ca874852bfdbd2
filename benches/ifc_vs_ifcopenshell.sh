#!/usr/bin/env bash
# IFC import side by side with IfcOpenShell (issue 8): on the three shared models and on FZK-Haus
# grown N times (benches/peers/grow_ifc.py: fresh #ids and GlobalIds per copy), `citytwin
# inspect` (IFClite parse + tessellation + attributes, release build) against IfcOpenShell's
# `ifcopenshell.open` + geometry iterator (benches/peers/ifc_reference.py), both on one thread.
# Prints MB/s, elements/s, peak memory against the file size, and the time ratio; then checks
# that every element's box agrees with IfcOpenShell's within 1 cm (fails otherwise).
#
#   benches/ifc_vs_ifcopenshell.sh [COPIES]      (default 20: about 51 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-20}"
# shellcheck source=benches/peers/setup.sh
source benches/peers/setup.sh
files=("$CITYTWIN_DATA/ifc/AC20-FZK-Haus.ifc" "$CITYTWIN_DATA/ifc/duplex.ifc" "$CITYTWIN_DATA/ifc/IfcOpenHouse_IFC4.ifc")
python3 benches/peers/grow_ifc.py "${files[0]}" "$dir/fzk-x$copies.ifc" "$copies"
files+=("$dir/fzk-x$copies.ifc")
for f in "${files[@]}"; do
  name=$(basename "$f" .ifc)
  ours=$(RAYON_NUM_THREADS=1 /usr/bin/time -f "%M" -o "$dir/$name.rss" "$bin" inspect "$f" --elements "$dir/$name.ours.jsonl" 2>/dev/null | tail -1)
  /usr/bin/time -f "%M" -o "$dir/$name.ref.rss" "$venv/bin/python" benches/peers/ifc_reference.py "$f" "$dir/$name.ref.json" --threads 1 >/dev/null 2>&1
  "$venv/bin/python" - "$f" "$ours" "$dir/$name.ref.json" "$dir/$name.ours.jsonl" "$(cat "$dir/$name.rss")" "$(tail -1 "$dir/$name.ref.rss")" <<'PY'
import json, os, sys
path, ours, ref_path, elements_path, rss_kb, ref_rss_kb = sys.argv[1:]
ours, ref = json.loads(ours), json.load(open(ref_path))
mb = os.path.getsize(path) / 1e6
theirs_s = ref["parse_seconds"] + ref["geometry_seconds"]
mine = {}
for line in open(elements_path):
    e = json.loads(line)
    mine[e["id"]] = e
worst, compared = 0.0, 0
for gid, e in ref["elements"].items():
    if gid in mine:
        m = mine[gid]
        d = max(abs(a - b) for a, b in zip(m["min"] + m["max"], e["min"] + e["max"]))
        worst, compared = max(worst, d), compared + 1
print(json.dumps({
    "file": os.path.basename(path), "mb": round(mb, 1),
    "citytwin": {"elements": ours["elements"], "seconds": ours["seconds"], "mb_per_s": ours["mb_per_s"],
                 "elements_per_s": ours["elements_per_s"], "peak_mib": int(rss_kb) / 1024,
                 "peak_over_file": round(int(rss_kb) * 1024 / os.path.getsize(path), 2)},
    "ifcopenshell": {"elements": len(ref["elements"]), "seconds": round(theirs_s, 3),
                     "elements_per_s": round(len(ref["elements"]) / theirs_s, 1), "peak_mib": int(ref_rss_kb) / 1024},
    "time_ratio": round(theirs_s / ours["seconds"], 1),
    "boxes_compared": compared, "worst_box_difference_m": worst,
}))
if worst > 0.01:
    sys.exit(f"{path}: an element's box differs from IfcOpenShell's by {worst:.4f} m (> 1 cm)")
if compared < ours["elements"] * 0.95:
    sys.exit(f"{path}: only {compared} of {ours['elements']} elements found in IfcOpenShell's output")
PY
done
