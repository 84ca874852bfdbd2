#!/usr/bin/env bash
# CityGML parse throughput and peak memory (issue 7): files grown from the real PLATEAU Yokosuka
# buildings (their city objects repeated with fresh gml:ids) to about 100 MB and 1 GB, read by
# `citytwin inspect` (the streaming reader, no tiling). The reader holds one city object at a
# time, so peak memory must stay flat as the file grows ten times.
#
#   benches/citygml_scale.sh [SIZES_MB...]     (default: 100 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100 1000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
target="${CARGO_TARGET_DIR:-target}"
export CITYTWIN_DATA="${CITYTWIN_DATA:-$PWD/../shared/data}"
src="$CITYTWIN_DATA/citygml/plateau/yokosuka-shi/udx/bldg/52397519_bldg_6697_op.gml"
cargo build --release --no-default-features --quiet
bin="$target/release/citytwin"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
for mb in "${sizes[@]}"; do
  out="$dir/grown-${mb}mb.gml"
  python3 benches/peers/grow_citygml.py "$src" "$out" "$mb"
  "$bin" inspect "$out" | tail -1
  rm -f "$out"
done
