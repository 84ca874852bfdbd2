#!/usr/bin/env bash
# Architecture invariant 1 (ARCHITECTURE.md): nothing below the viewer crate depends on Bevy,
# wgpu or winit. Fails, naming the crate and the dependency, when one creeps in.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
crates=$(cargo metadata --no-deps --format-version 1 | grep -o '"name":"city_[a-z_]*"\|"name":"cim_import"' | sort -u | cut -d'"' -f4 | grep -v '^city_bevy$' || true)
for crate in $crates; do
  bad=$(cargo tree -e normal -p "$crate" --prefix none | grep -E '^(bevy|wgpu|winit)[a-z_-]* ' | sort -u || true)
  if [ -n "$bad" ]; then
    echo "layering: $crate depends on: $bad" >&2
    status=1
  else
    echo "layering: $crate has no bevy, wgpu or winit"
  fi
done
exit $status
