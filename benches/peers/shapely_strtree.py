#!/usr/bin/env python3
"""Peer benchmark: shapely 2.x STRtree (GEOS) on the data our Rust benchmark writes.

Usage:
  python benches/peers/shapely_strtree.py --boxes BOXES.f64 --windows WINDOWS.f64 \
      --points POINTS.f64 [--k 10] [--repeat 3]

Inputs are raw little-endian float64 files: BOXES and WINDOWS hold rows of
(minx, miny, maxx, maxy), POINTS holds rows of (x, y). Object id = row index in BOXES.
Prints exactly one JSON line on stdout; progress goes to stderr.

How each number is measured, and why:
- Every timing is the best (minimum) of --repeat runs with time.perf_counter: the
  minimum is the least noisy estimate of what the code costs on an idle machine.
- geom_s: shapely.box() over the N object rows, vectorised. GEOS can only index
  geometry objects, so this cost is real for a shapely user, but our Rust index takes
  raw rectangles, so it is reported apart and kept out of build_s. Creating the
  window and point geometries is not timed at all (it is input preparation).
- build_s: STRtree(geoms) plus one trivial query. shapely 2.x builds the GEOS tree
  eagerly, but the trivial query makes sure that any lazy build is paid here and
  not in the first timed query.
- windows_per_s = Q / time of tree.query(windows, predicate="intersects"), one
  vectorised call. GEOS "intersects" is closed-set: boxes that only touch (share an
  edge or a corner) are hits, as on the Rust side. The same call with predicate=None
  (bounding-box test only, windows_bbox_per_s) must give the identical hit set for
  axis-aligned boxes; the script checks this and fails (exit 3) if not.
- window_hits: number of (window, object) pairs. window_checksum: sum over those pairs
  of (object_id + 1) * (window_index + 1), wrapping modulo 2^64 (numpy uint64), as a
  decimal integer. It is order independent, so it cross-checks the hit *set*.
- knn1_per_s = P / time of tree.query_nearest(points), one vectorised call. This is
  k=1 with all ties returned (all_matches=True): a point inside several boxes is at
  distance 0 from each of them and gets all of them. knn1_hits / knn1_checksum count
  those (point, object) pairs the same way. shapely has no k-nearest query, so --k is
  accepted for interface parity but cannot be measured (see "notes").
- Single thread: GEOS queries run on the calling thread; the thread variables below are
  set before numpy is imported so no helper library starts a pool either.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import sys
import time

import numpy as np
import shapely


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load(path, cols, what):
    """Read a raw little-endian float64 file as an (n, cols) array, or exit 2."""
    if not os.path.isfile(path):
        log(f"error: {what} file not found: {path}")
        sys.exit(2)
    size = os.path.getsize(path)
    if size % (8 * cols):
        log(f"error: {what} file {path} has {size} bytes, not a multiple of "
            f"{8 * cols} (rows of {cols} float64)")
        sys.exit(2)
    return np.fromfile(path, dtype="<f8").reshape(-1, cols)


def best(fn, repeat):
    """Best wall time of `repeat` calls of fn(), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        result = None  # let the previous result go before the next run
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def checksum(pairs):
    """Sum of (object_id+1)*(query_index+1) over hit pairs, wrapping mod 2^64."""
    q = pairs[0].astype(np.uint64) + 1
    i = pairs[1].astype(np.uint64) + 1
    return int(np.sum(q * i, dtype=np.uint64))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boxes", required=True)
    ap.add_argument("--windows", required=True)
    ap.add_argument("--points", required=True)
    ap.add_argument("--k", type=int, default=10, help="not measurable with shapely")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    repeat = max(1, args.repeat)

    boxes = load(args.boxes, 4, "boxes")
    windows = load(args.windows, 4, "windows")
    points = load(args.points, 2, "points")
    n, q, p = len(boxes), len(windows), len(points)
    log(f"loaded {n} boxes, {q} windows, {p} points; best of {repeat}")

    geom_s, geoms = best(lambda: shapely.box(*boxes.T), repeat)
    window_geoms = shapely.box(*windows.T)
    point_geoms = shapely.points(points)
    log(f"geometries: {geom_s:.3f} s")

    probe = shapely.points([0.0], [0.0])

    def build():
        tree = shapely.STRtree(geoms)
        tree.query(probe)  # forces any lazy tree build into build_s
        return tree

    build_s, tree = best(build, repeat)
    log(f"build: {build_s:.3f} s")

    win_s, hits = best(lambda: tree.query(window_geoms, predicate="intersects"), repeat)
    bbox_s, bbox_hits = best(lambda: tree.query(window_geoms), repeat)
    window_checksum = checksum(hits)
    if hits.shape[1] != bbox_hits.shape[1] or checksum(bbox_hits) != window_checksum:
        log(f"error: intersects gave {hits.shape[1]} hits but bbox-only gave "
            f"{bbox_hits.shape[1]}; they must be equal for boxes")
        sys.exit(3)
    log(f"windows: {win_s:.3f} s intersects, {bbox_s:.3f} s bbox, {hits.shape[1]} hits")

    knn_s, nearest = best(lambda: tree.query_nearest(point_geoms), repeat)
    log(f"knn1: {knn_s:.3f} s, {nearest.shape[1]} hits")

    print(json.dumps({
        "library": f"shapely {shapely.__version__} STRtree (GEOS {shapely.geos_version_string})",
        "objects": n,
        "windows": q,
        "points": p,
        "geom_s": geom_s,
        "build_s": build_s,
        "windows_per_s": q / win_s if win_s else None,
        "windows_bbox_per_s": q / bbox_s if bbox_s else None,
        "window_hits": int(hits.shape[1]),
        "window_checksum": window_checksum,
        "knn1_per_s": p / knn_s if knn_s else None,
        "knn1_hits": int(nearest.shape[1]),
        "knn1_checksum": checksum(nearest),
        "notes": (f"shapely STRtree has no k-nearest query, so k={args.k} is not measured; "
                  "knn1 is query_nearest (k=1, all ties at equal distance returned). "
                  "geom_s (shapely.box over the objects) is excluded from build_s. "
                  "Single thread; best of %d runs." % repeat),
    }))


if __name__ == "__main__":
    main()
