#!/usr/bin/env bash
# Runs CityTwin's tests: installs the npm tools the tests call (once), then `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The npm tools the tests call, each pinned by its package-lock.json: the Khronos glTF-Validator
# (import output), glTF-Transform (Draco, meshopt and separate-file variants of real tiles) and
# CesiumJS with puppeteer-core (terrain tilesets opened in CesiumJS, in Debian's chromium).
for marker in gltf-validator/node_modules/gltf-validator gltf-transform/node_modules/@gltf-transform/cli \
  cesium-check/node_modules/cesium; do
  tool="${marker%%/*}"
  if [ ! -d "tools/$marker" ]; then
    if ! command -v npm >/dev/null; then
      echo "npm not found: install Node.js 20 (Debian: apt-get install nodejs npm)" >&2
      exit 1
    fi
    npm ci --prefix "tools/$tool" --no-audit --no-fund
  fi
done
# The Python references the terrain and analysis tests compare against: GDAL (through rasterio,
# which bundles it), PROJ (pyproj), pvlib's NREL SPA and scipy.ndimage, in a venv of their own,
# pinned.
venv="${CITYTWIN_VENV:-$HOME/.cache/citytwin-venv}"
if ! "$venv/bin/python" -c "import rasterio, pyproj, pvlib, scipy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q rasterio==1.4.4 pyproj==3.7.2 pvlib==0.16.1 scipy==1.17.1
fi
export CITYTWIN_PYTHON="$venv/bin/python"
exec cargo test --workspace --no-fail-fast "$@"
