#!/usr/bin/env bash
# The impact join side by side with DuckDB spatial (issue 6): the same polygon-intersects join of
# zones against building footprints, on the same files, through `citytwin query polygon` and
# through DuckDB (R-tree index, `ST_Intersects` join), each on 1 and 2 threads, best of 3
# (loading not counted). Both print the number of hits, which must agree.
#
#   benches/impact_vs_duckdb.sh [BUILDINGS] [ZONES]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
zones="${2:-1000}"
# shellcheck source=benches/peers/setup.sh
source benches/peers/setup.sh
"$bin" generate --objects "$n" --queries "$zones" --footprints -o "$dir" >/dev/null
for t in 1 2; do
  best=""
  for _ in 1 2 3; do
    line=$("$bin" query polygon --objects "$dir/objects.csv" --queries "$dir/polygons.csv" --threads "$t" --out "$dir/hits.csv" 2>/dev/null | tail -1)
    s=$(echo "$line" | sed 's/.*"query_s":\([0-9.e-]*\).*/\1/')
    hits=$(echo "$line" | sed 's/.*"hits":\([0-9]*\).*/\1/')
    if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then best=$s; fi
  done
  echo "{\"peer\":\"citytwin\",\"zones\":$zones,\"hits\":$hits,\"threads\":$t,\"query_s\":$best}"
  "$venv/bin/python" benches/peers/duckdb_join.py "$dir/objects.csv" "$dir/polygons.csv" "$t"
done
