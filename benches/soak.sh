#!/usr/bin/env bash
# The viewer's soak test (issue 17): the demo city with two incidents (benches/soak/scene.toml)
# and 100,000 simulated sensors, its bookmark tour recorded once (poses and the sensor feeds'
# ticks) and replayed in a loop (the feeds driven by the recorded ticks) for
# SECONDS (default 600) under Xvfb with Mesa's software Vulkan (lavapipe), or on a GPU with
# XVFB=0 and a display. Prints the replay's JSON line (citytwin bench) and checks it:
#   - resident memory after warm-up (30 s) never grows more than 5% over its value then;
#   - no frame takes more than 4x the median frame.
# (Warm-up: 30 s and the path flown once.) Exits 1 when either fails. Uses the release build ($CARGO_TARGET_DIR or target/).
#
#   benches/soak.sh [SECONDS] [SENSORS] [SIZE]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
sensors="${2:-100000}"
size="${3:-1280x720}"
bin="${CARGO_TARGET_DIR:-target}/${PROFILE:-release}/citytwin"
test -x "$bin" || { echo "build first: cargo build --release ($bin missing)" >&2; exit 1; }
# Under Xvfb unless XVFB=0 (a real display, e.g. on a GPU machine).
if [ "${XVFB:-1}" = 0 ]; then xvfb=(); else xvfb=(xvfb-run -a -s "-screen 0 1280x720x24"); fi
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
path="${RECORDING:-$(mktemp -d)/tour.jsonl}"

if [ ! -s "$path" ]; then
  echo "== recording the bookmark tour to $path"
  "${xvfb[@]}" "$bin" bench benches/soak/scene.toml --record "$path" --tour --sensors "$sensors" --size "$size" \
    > /dev/null 2>&1
  echo "   $(wc -l < "$path") poses, $(grep -o tick_ms "$path" | wc -l) sensor ticks"
fi
echo "== replaying it for $seconds s with $sensors sensors"
line=$("${xvfb[@]}" "$bin" bench benches/soak/scene.toml --replay "$path" --duration "$seconds" --sensors "$sensors" \
  --size "$size" 2>/dev/null | grep '"bench":"replay"')
echo "$line"
python3 - "$line" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
ok = True
after, most = r["rss_after_warm_up_mib"], r["rss_max_after_warm_up_mib"]
if after is None or most > after * 1.05:
    print(f"FAIL: resident memory grew from {after} MiB after warm-up to {most} MiB (limit +5%)")
    ok = False
if r["over_4x_median"]:
    print(f"FAIL: {r['over_4x_median']} frames over 4x the median ({r['frame_ms']['p50']:.1f} ms); max {r['frame_ms']['max']:.1f} ms")
    ok = False
if not r.get("sensor_ticks"):
    print("FAIL: the sensor feeds never ticked: the recording holds no ticks")
    ok = False
print("soak: " + ("passed" if ok else "failed"))
sys.exit(0 if ok else 1)
EOF
