#!/usr/bin/env python3
"""The peer terrain tiler for the side-by-side benchmark (benches/terrain_vs_pydelatin.sh):
the same quadtree as `citytwin import DEM` (the same tile windows, sample steps and per-level
target errors), each tile meshed by pydelatin (Fogleman's hmm, C++) at the same maximum error
and written as quantized-mesh-1.0 by quantized-mesh-encoder, positions in longitude, latitude
and height through pyproj. Prints one JSON line: tiles, triangles (all, and in the leaves) and
the seconds from opening the DEM to the last tile written.

    terrain_peer.py DEM MAX_ERROR GRID OUTDIR
"""
import json
import math
import os
import sys
import time

import numpy as np
import pyproj
import quantized_mesh_encoder
import rasterio
from pydelatin import Delatin


def lines(start, step, end, last):
    end = min(end, last)
    if start > end:
        return []
    v = list(range(start, end, step))
    v.append(end)
    return v


def main():
    path, max_error, grid, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    t0 = time.perf_counter()
    with rasterio.open(path) as d:
        band = d.read(1, masked=True).astype("float64").filled(np.nan)
        transform, crs = d.transform, d.crs
    h, w = band.shape
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    cells = max(w - 1, h - 1)
    levels = 1
    while grid << (levels - 1) < cells:
        levels += 1
    tiles = triangles = leaf_triangles = 0
    for level in range(levels):
        step = 1 << (levels - 1 - level)
        span = grid * step
        target = max_error * step
        n = 1 << level
        for y in range(n):
            for x in range(n):
                cols = lines(x * span, step, (x + 1) * span, w - 1)
                rows = lines(y * span, step, (y + 1) * span, h - 1)
                if len(cols) < 2 or len(rows) < 2:
                    continue
                arr = np.ascontiguousarray(band[np.ix_(rows, cols)], dtype=np.float32)
                if np.isnan(arr).any():
                    continue  # the peer meshes complete tiles only
                tin = Delatin(arr, max_error=target)
                v, tri = tin.vertices, tin.triangles
                col = np.asarray(cols, dtype=np.float64)[v[:, 0].astype(int)]
                row = np.asarray(rows, dtype=np.float64)[v[:, 1].astype(int)]
                xs, ys = transform * (col + 0.5, row + 0.5)
                lon, lat = to_lonlat.transform(np.asarray(xs), np.asarray(ys))
                positions = np.column_stack([lon, lat, v[:, 2]]).astype(np.float64)
                folder = os.path.join(out, str(level), str(x))
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, f"{y}.terrain"), "wb") as f:
                    quantized_mesh_encoder.encode(f, positions, tri.astype(np.uint32).flatten())
                tiles += 1
                triangles += len(tri)
                if level == levels - 1:
                    leaf_triangles += len(tri)
    seconds = time.perf_counter() - t0
    print(json.dumps({"tiler": "pydelatin+quantized-mesh-encoder", "pixels": int(np.isfinite(band).sum()),
                      "levels": levels, "tiles": tiles, "triangles": triangles, "leaf_triangles": leaf_triangles,
                      "seconds": seconds}))


if __name__ == "__main__":
    main()
