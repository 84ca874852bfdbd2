#!/usr/bin/env python3
"""Independent references for `citytwin analyze` (issue 19), run by the tests.

    analysis-reference.py sun POINTS.csv
        POINTS.csv has lon,lat,unix_s; prints a JSON list of [azimuth, apparent_elevation,
        elevation] per row from pvlib's NREL SPA (what get_solarposition's "nrel_numpy" runs:
        pvlib.spa.solar_position, delta_t from pvlib's own Espenak-Meeus polynomial,
        1013.25 hPa, 12 degrees C).
    analysis-reference.py flood DEM COLUMN ROW LEVEL OURS.tif
        the cells of DEM below LEVEL connected to (COLUMN, ROW) across cell edges, by
        scipy.ndimage.label (its default structure: 4-connected), against the cells where
        OURS.tif (read by rasterio) has a depth above 0; prints JSON: both counts, the cells
        that differ, whether OURS.tif has the DEM's grid, CRS and nodata, and the largest
        difference between OURS.tif's depth and LEVEL minus the height.

Needs pvlib, scipy, rasterio (.ci/run installs them in a venv).
"""
import json
import sys

import numpy as np


def sun(points):
    import pandas as pd
    from pvlib import spa
    rows = np.loadtxt(points, delimiter=",", skiprows=1, ndmin=2)
    # pvlib.solarposition.get_solarposition(method="nrel_numpy", delta_t=None) takes one place
    # a call; its engine, pvlib.spa.solar_position, takes arrays: the same code, in one call.
    lon, lat, t = rows[:, 0], rows[:, 1], rows[:, 2]
    when = pd.DatetimeIndex(pd.to_datetime(t, unit="s", utc=True))
    delta_t = spa.calculate_deltat(when.year.to_numpy(), when.month.to_numpy())
    # The array's rows: apparent zenith, zenith, apparent elevation, elevation, azimuth, equation
    # of time (the docstring swaps the two elevations; get_solarposition reads them this way).
    _, _, apparent, elevation, azimuth, _ = spa.solar_position(t, lat, lon, 0.0, 1013.25, 12.0, delta_t, 0.5667)
    print(json.dumps([[float(a), float(p), float(e)] for a, p, e in zip(azimuth, apparent, elevation)]))


def flood(dem, col, row, level, ours):
    import rasterio
    from scipy import ndimage
    with rasterio.open(dem) as d:
        h = d.read(1, masked=True)
        dem_transform, dem_crs = d.transform, d.crs
    valid = ~np.ma.getmaskarray(h)
    heights = np.ma.filled(h.astype("float64"), np.nan)
    wet = valid & (heights < level)
    labels, _ = ndimage.label(wet)
    ref = labels == labels[row, col] if wet[row, col] else np.zeros_like(wet)
    with rasterio.open(ours) as o:
        depth = o.read(1)
        same_grid = o.transform.almost_equals(dem_transform) and o.crs == dem_crs and o.shape == h.shape
        nodata = o.nodata
    got = depth > 0
    diff = np.abs(np.where(ref, depth - (level - heights), 0.0))
    print(json.dumps({
        "reference_cells": int(ref.sum()), "our_cells": int(got.sum()),
        "differing_cells": int((ref != got).sum()), "same_grid": bool(same_grid),
        "nodata_is_nan": nodata is not None and bool(np.isnan(nodata)),
        "nan_where_dem_has_none": bool(np.all(np.isnan(depth[~valid]))),
        "max_depth_difference": float(np.nanmax(diff)) if ref.any() else 0.0,
    }))


if __name__ == "__main__":
    if sys.argv[1] == "sun":
        sun(sys.argv[2])
    elif sys.argv[1] == "flood":
        flood(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    else:
        sys.exit(__doc__)
