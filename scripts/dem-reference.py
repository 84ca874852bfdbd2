#!/usr/bin/env python3
"""The reference a terrain test compares against: N random points inside a DEM, each with its
CRS coordinates, its longitude and latitude (pyproj, EPSG:4326) and the DEM's height there by
GDAL's bilinear resampling (rasterio); and the four corner pixels' centres and heights (null where
the pixel has none). Prints one JSON object.

    dem-reference.py DEM N SEED

A point's height is read as a one-pixel window centred on it, resampled bilinearly by GDAL
(rasterio's `read` with a fractional window); the script also interpolates the four pixel
centres around the point by hand and stops if the two disagree, so a misread of GDAL's pixel
convention cannot pass unseen. Needs rasterio and pyproj (.ci/run installs them in a venv).
"""
import json
import random
import sys

import numpy as np
import pyproj
import rasterio
from rasterio.enums import Resampling
from rasterio.windows import Window


def main():
    path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    with rasterio.open(path) as d:
        band = d.read(1, masked=True).astype("float64").filled(np.nan)
        to_lonlat = pyproj.Transformer.from_crs(d.crs, "EPSG:4326", always_xy=True)
        points = []
        while len(points) < n:
            # Centre-based pixel position: pixel i's centre is at i (GDAL's corner-based i + 0.5).
            col, row = rng.uniform(0, d.width - 1), rng.uniform(0, d.height - 1)
            c0, r0 = min(int(col), d.width - 2), min(int(row), d.height - 2)
            quad = band[r0:r0 + 2, c0:c0 + 2]
            if np.isnan(quad).any():
                continue
            fx, fy = col - c0, row - r0
            by_hand = (quad[0, 0] * (1 - fx) + quad[0, 1] * fx) * (1 - fy) + (quad[1, 0] * (1 - fx) + quad[1, 1] * fx) * fy
            # A 1x1 window whose centre (corner-based col + 0.5) is the point.
            gdal = float(d.read(1, window=Window(col, row, 1, 1), out_shape=(1, 1), resampling=Resampling.bilinear)[0, 0])
            if abs(gdal - by_hand) > 1e-3:
                sys.exit(f"{path}: GDAL's bilinear {gdal} and the hand-made {by_hand} disagree at pixel ({col}, {row})")
            x, y = d.transform * (col + 0.5, row + 0.5)
            lon, lat = to_lonlat.transform(x, y)
            points.append({"col": col, "row": row, "x": x, "y": y, "lon": lon, "lat": lat, "h": gdal})
        # The four corner pixels' centres, where the mesh's corner vertices must be.
        corners = []
        for col, row in [(0, 0), (d.width - 1, 0), (0, d.height - 1), (d.width - 1, d.height - 1)]:
            x, y = d.transform * (col + 0.5, row + 0.5)
            lon, lat = to_lonlat.transform(x, y)
            h = float(band[row, col])
            corners.append({"col": col, "row": row, "lon": lon, "lat": lat, "h": None if np.isnan(h) else h})
        out = {"crs": d.crs.to_string(), "width": d.width, "height": d.height, "points": points, "corners": corners}
        print(json.dumps(out))


if __name__ == "__main__":
    main()
