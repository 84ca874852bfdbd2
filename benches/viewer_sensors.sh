#!/usr/bin/env bash
# Frame time of the viewer with 100,000 live sensors updating every second against the same
# scene without the sensor layer (issue 5), under Xvfb with Mesa's software Vulkan (lavapipe)
# or on a GPU. Runs alternate, so both see the same machine load; prints each run's mean and
# median frame time at rest (after everything has loaded) and the ratio of the means.
#
#   benches/viewer_sensors.sh [SENSORS] [RUNS] [HOLD_SECONDS] [SIZE]
#
# Uses the demo city (generated and cached on first run) and the built `citytwin`
# ($CARGO_TARGET_DIR or target/, debug unless PROFILE=release).
set -euo pipefail
cd "$(dirname "$0")/.."
sensors="${1:-100000}"
runs="${2:-3}"
hold="${3:-20}"
size="${4:-640x360}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/${PROFILE:-debug}/citytwin"
test -x "$bin" || { echo "build first: cargo build ${PROFILE:+--$PROFILE} ($bin missing)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

run() { # N -> "mean median"
  local n="$1"
  local log="$out/run-$n.log"
  ${XVFB:-xvfb-run -a -s "-screen 0 1280x720x24"} env WGPU_BACKEND="${WGPU_BACKEND:-vulkan}" \
    "$bin" view --sensors "$n" --hold "$hold" --size "$size" --screenshot "$out/shot-$n.png" >"$log" 2>&1 \
    || { cat "$log" >&2; exit 1; }
  local mean median
  mean=$(sed -n 's/^frames at rest: mean \([0-9.]*\) ms.*/\1/p' "$log")
  median=$(sed -n 's/.* at rest (median \([0-9.]*\) ms).*/\1/p' "$log")
  echo "$mean $median"
}

printf "%-5s %-12s %-12s %-12s %-12s %s\n" run "base mean" "base median" "100k mean" "100k median" "ratio (means)"
for r in $(seq 1 "$runs"); do
  read -r bm bmed < <(run 0)
  read -r sm smed < <(run "$sensors")
  printf "%-5s %-12s %-12s %-12s %-12s %s\n" "$r" "$bm" "$bmed" "$sm" "$smed" "$(echo "scale=3; $sm / $bm" | bc)"
done
