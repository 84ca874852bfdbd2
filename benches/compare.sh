#!/usr/bin/env bash
# The side-by-side comparison: the same synthetic city and queries through CityTwin's index,
# geo-index, rstar and shapely's STRtree. See benches/README.md.
#   benches/compare.sh [--objects N] [--queries N] [--k N] [--repeat N]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/peers-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r benches/peers/requirements.txt
fi
export CITYTWIN_DATA="${CITYTWIN_DATA:-$PWD/../shared/data}"
exec cargo bench --no-default-features --bench peers -- --python "$venv/bin/python" "$@"
