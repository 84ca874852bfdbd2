#!/usr/bin/env python3
"""Side by side: `citytwin import DEM` against the peer tiler (benches/terrain_peer.py:
pydelatin + quantized-mesh-encoder) on the same DEMs, the same quadtree and the same maximum
error. Runs each RUNS times, alternating, and prints per DEM the median seconds (from opening
the DEM to the last tile written, as each tool times itself), the throughput ratio and both
triangle counts. Ratios only: absolute times on a shared machine say little.

    benches/terrain_vs_pydelatin.py [--runs 7] [--max-error 0.1] [DEM...]

Needs the release build ($CARGO_TARGET_DIR/release/citytwin) and a Python with rasterio,
pyproj, pydelatin and quantized-mesh-encoder ($CITYTWIN_PYTHON, default ~/.cache/citytwin-venv).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CITYTWIN_DATA", ROOT.parent / "shared" / "data"))
DEMS = ["terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif", "terrain/delft-ahn3/delft_ahn3_dsm_0p5m.tif",
        "terrain/helsinki-dem/elevation_model_2021_lapinlahti.tif"]


def ours(binary, dem, max_error, out):
    err = subprocess.run([binary, "import", dem, "-o", out, "--max-error", str(max_error)], capture_output=True,
                         text=True, check=True).stderr
    m = re.search(r"(\d+) triangles \((\d+) in the\s+leaves\).*?; ([0-9.]+) s \(", err, re.S)
    if not m:
        sys.exit(f"cannot read the summary of citytwin import:\n{err}")
    return int(m[1]), int(m[2]), float(m[3])


def peer(python, dem, max_error, out):
    line = subprocess.run([python, str(ROOT / "benches/terrain_peer.py"), dem, str(max_error), "64", out],
                          capture_output=True, text=True, check=True).stdout
    r = json.loads(line)
    return r["triangles"], r["leaf_triangles"], r["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--max-error", type=float, default=0.1)
    ap.add_argument("dems", nargs="*")
    a = ap.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = str(target / "release" / "citytwin")
    python = os.environ.get("CITYTWIN_PYTHON", str(Path.home() / ".cache/citytwin-venv/bin/python"))
    dems = a.dems or [str(DATA / d) for d in DEMS]
    with tempfile.TemporaryDirectory() as tmp:
        for dem in dems:
            o, p = [], []
            for i in range(a.runs):
                o.append(ours(binary, dem, a.max_error, f"{tmp}/ours"))
                p.append(peer(python, dem, a.max_error, f"{tmp}/peer{i}"))
            so, sp = statistics.median(r[2] for r in o), statistics.median(r[2] for r in p)
            print(json.dumps({"dem": Path(dem).name, "max_error_m": a.max_error, "runs": a.runs,
                              "citytwin_s": round(so, 4), "peer_s": round(sp, 4), "throughput_ratio": round(sp / so, 2),
                              "citytwin_triangles": o[0][0], "peer_triangles": p[0][0],
                              "triangle_ratio": round(o[0][0] / p[0][0], 4),
                              "citytwin_leaf_triangles": o[0][1], "peer_leaf_triangles": p[0][1]}))


if __name__ == "__main__":
    main()
