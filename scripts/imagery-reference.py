#!/usr/bin/env python3
"""Imagery for the terrain tests, made by GDAL (rasterio) from real data, and GDAL's view of it.

The shared data holds no orthophoto over a city (its README says why), so the tests drape a
shaded relief of Delft's AHN3 DSM: real measurements, coloured by height and lit from the
north-west, so that every metre of the ground looks different and a misplaced texture shows.

    imagery-reference.py make DSM OUT_DIR
        OUT_DIR/relief-4326.tif   RGB GeoTIFF, reprojected by GDAL to EPSG:4326 (bilinear)
        OUT_DIR/relief.mbtiles    the same through GDAL's MBTiles driver (Web Mercator, PNG
                                  tiles, zoom 14 to 18 by GDAL overviews), attribution set
        OUT_DIR/xyz/Z/X/Y.png     the MBTiles' tiles as an XYZ folder (rows from the north)
    imagery-reference.py sample TIF < [[lon, lat], ...]
        prints [[r, g, b] or null, ...]: the GeoTIFF's colour at each point (pyproj from
        EPSG:4326 to its CRS, rasterio's geotransform to the pixel, bilinear between pixel
        centres, done here by hand)

Needs rasterio and pyproj (.ci/run installs them in a venv).
"""
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pyproj
import rasterio
import rasterio.shutil
from rasterio.enums import Resampling
from rasterio.warp import calculate_default_transform, reproject

ATTRIBUTION = "Relief from AHN3 (AHN, CC0 1.0), shaded by CityTwin's tests"


def relief(h, pixel):
    """RGB bytes: a height ramp (blue-green low, yellow-brown high) times a hillshade."""
    lo, hi = np.nanpercentile(h, 2), np.nanpercentile(h, 98)
    t = np.clip((h - lo) / max(hi - lo, 1e-6), 0, 1)
    ramp = np.array([[40, 90, 160], [60, 160, 90], [230, 210, 90], [150, 90, 50]], dtype="float64")
    x = t * (len(ramp) - 1)
    i = np.clip(np.floor(x).astype(int), 0, len(ramp) - 2)
    f = (x - i)[..., None]
    rgb = ramp[i] * (1 - f) + ramp[i + 1] * f
    gy, gx = np.gradient(np.nan_to_num(h, nan=lo), pixel)
    # Sun from the north-west, 45 degrees up (north is up the raster).
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    sun_az, sun_alt = np.radians(315), np.radians(45)
    shade = np.sin(sun_alt) * np.cos(slope) + np.cos(sun_alt) * np.sin(slope) * np.cos(sun_az - aspect)
    rgb = rgb * (0.35 + 0.65 * np.clip(shade, 0, 1))[..., None]
    return np.clip(rgb, 0, 255).astype("uint8").transpose(2, 0, 1)


def make(dsm, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with rasterio.open(dsm) as d:
        h = d.read(1, masked=True).astype("float64").filled(np.nan)
        rgb = relief(h, d.res[0])
        transform, w, hgt = calculate_default_transform(d.crs, "EPSG:4326", d.width, d.height, *d.bounds)
        dst = np.zeros((3, hgt, w), dtype="uint8")
        for b in range(3):
            reproject(rgb[b], dst[b], src_transform=d.transform, src_crs=d.crs, dst_transform=transform,
                      dst_crs="EPSG:4326", resampling=Resampling.bilinear)
    tif = out / "relief-4326.tif"
    profile = dict(driver="GTiff", width=w, height=hgt, count=3, dtype="uint8", crs="EPSG:4326",
                   transform=transform, photometric="RGB", compress="deflate", interleave="pixel")
    with rasterio.open(tif, "w", **profile) as t:
        t.write(dst)
    mb = out / "relief.mbtiles"
    if mb.exists():
        mb.unlink()
    rasterio.shutil.copy(tif, mb, driver="MBTiles", TILE_FORMAT="PNG", RESAMPLING="BILINEAR",
                         ZOOM_LEVEL_STRATEGY="UPPER")
    with rasterio.open(mb, "r+") as m:
        m.build_overviews([2, 4, 8, 16], Resampling.average)
    db = sqlite3.connect(mb)
    db.execute("DELETE FROM metadata WHERE name = 'attribution'")
    db.execute("INSERT INTO metadata (name, value) VALUES ('attribution', ?)", (ATTRIBUTION,))
    db.commit()
    n = 0
    for z, x, row, data in db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
        y = (1 << z) - 1 - row
        p = out / "xyz" / str(z) / str(x) / f"{y}.png"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        n += 1
    zooms = db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
    db.close()
    print(json.dumps({"tif": str(tif), "mbtiles": str(mb), "xyz": str(out / "xyz"), "tiles": n,
                      "zooms": zooms, "attribution": ATTRIBUTION}))


def sample(tif):
    points = json.load(sys.stdin)
    with rasterio.open(tif) as d:
        img = d.read().astype("float64")
        to_crs = pyproj.Transformer.from_crs("EPSG:4326", d.crs, always_xy=True)
        inverse = ~d.transform
        out = []
        for lon, lat in points:
            x, y = to_crs.transform(lon, lat)
            col, row = inverse * (x, y)
            # Pixel centres at half-integers of the geotransform.
            col, row = col - 0.5, row - 0.5
            if not (-0.5 <= col <= d.width - 0.5 and -0.5 <= row <= d.height - 0.5):
                out.append(None)
                continue
            col, row = min(max(col, 0), d.width - 1), min(max(row, 0), d.height - 1)
            c0, r0 = min(int(col), d.width - 2), min(int(row), d.height - 2)
            fx, fy = col - c0, row - r0
            top = img[:, r0, c0] * (1 - fx) + img[:, r0, c0 + 1] * fx
            bottom = img[:, r0 + 1, c0] * (1 - fx) + img[:, r0 + 1, c0 + 1] * fx
            out.append([round(v) for v in top * (1 - fy) + bottom * fy])
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["make"]:
        make(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["sample"]:
        sample(sys.argv[2])
    else:
        sys.exit(__doc__)
