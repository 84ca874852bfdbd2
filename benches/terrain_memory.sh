#!/usr/bin/env bash
# Peak memory of terrain tiling, whole against block by block, on a DEM larger than a block:
# Delft's AHN3 DTM upsampled FACTOR times by GDAL (rasterio, bilinear; tiled, deflate), then
# `citytwin import` with --terrain-block large enough to read it whole, and with blocks of
# 1,024 and 4,096 pixels. Prints one line per run: pixels, block, seconds, peak memory (the
# process's high-water mark, from the import's own summary).
#
#   benches/terrain_memory.sh [FACTOR]     (default 16: 8,464 x 7,328 pixels, 62 Mpixels)
set -euo pipefail
cd "$(dirname "$0")/.."
factor="${1:-16}"
data="${CITYTWIN_DATA:-$PWD/../shared/data}"
py="${CITYTWIN_PYTHON:-$HOME/.cache/citytwin-venv/bin/python}"
bin="${CARGO_TARGET_DIR:-target}/release/citytwin"
test -x "$bin" || cargo build --release -p citytwin
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$py" - "$data/terrain/delft-ahn3/delft_ahn3_dtm_0p5m.tif" "$work/big.tif" "$factor" <<'PY'
import sys
import rasterio
from rasterio.enums import Resampling
src, dst, f = sys.argv[1], sys.argv[2], int(sys.argv[3])
with rasterio.open(src) as d:
    w, h = d.width * f, d.height * f
    data = d.read(1, out_shape=(h, w), resampling=Resampling.bilinear)
    t = d.transform * d.transform.scale(d.width / w, d.height / h)
    p = d.profile | dict(width=w, height=h, transform=t, tiled=True, blockxsize=256, blockysize=256, compress="deflate")
with rasterio.open(dst, "w", **p) as o:
    o.write(data, 1)
PY
for block in 1000000 4096 1024; do
  line=$("$bin" import "$work/big.tif" -o "$work/out" --terrain-block "$block" 2>&1 | grep "DEM (")
  echo "block $block: $(echo "$line" | sed -E 's/.*; ([0-9.]+ s) .*peak memory ([0-9]+ MiB).*/\1, peak \2/') | $(echo "$line" | cut -d: -f1)"
done
