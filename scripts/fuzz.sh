#!/usr/bin/env bash
# Fuzzes every reader of outside input with cargo-fuzz (libFuzzer), SECONDS per target:
#
#   scripts/fuzz.sh 300              # all 15 targets, 5 minutes each
#   scripts/fuzz.sh 60 cap scene     # only these
#
# Needs the nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz (installed here
# when missing). Each target starts from a seed corpus: the bad-input corpus (tests/bad-input)
# and the shared data's files of its kind ($CITYTWIN_DATA, default ../shared/data; large files
# by their first 64 KiB). Prints one line per target (executions, seconds, crashes) and writes
# them to fuzz/results.tsv (or $FUZZ_RESULTS); exits 1 when a target crashed, hung or ran out of memory (its input
# is in fuzz/artifacts/<target>/: add it to tests/bad-input as a regression case).
#
# FUZZ_RUNS=N stops each target after N executions (or SECONDS, whichever comes first).
# FUZZ_SANITIZER (default `none`): the code fuzzed is safe Rust, where what we look for (panics,
# hangs, runaway memory) needs no sanitizer, and without AddressSanitizer the slow readers run
# about 10x faster (IFC: 51 -> 559 executions a second). `address` brings it back for unsafe code.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}"
shift
data="${CITYTWIN_DATA:-$PWD/../shared/data}"
test -f "$data/README.md" || { echo "CITYTWIN_DATA=$data does not hold the shared data" >&2; exit 1; }
rustup run nightly rustc --version >/dev/null 2>&1 || { echo "no nightly toolchain: rustup toolchain install nightly" >&2; exit 1; }
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

all="cityjson cityjsonseq citygml geojson osmpbf ifc gltf_bim tileset subtree tile_content cap hazard scene query_csv mqtt_payload"
targets="${*:-$all}"

# target -> the bad-input folders and the shared-data files that seed it
seeds() {
  case "$1" in
    cityjson) echo "tests/bad-input/cityjson"; find "$data/cityjson" -name '*.json' ;;
    cityjsonseq) echo "tests/bad-input/cityjsonseq"; find "$data/cityjson" -name '*.jsonl' ;;
    citygml) echo "tests/bad-input/citygml"; find "$data/citygml" -name '*.gml' ;;
    geojson) echo "tests/bad-input/geojson"; find "$data/geojson" -name '*.geojson' ;;
    osmpbf) echo "tests/bad-input/osmpbf"; find "$data/osm" -name '*.pbf' ;;
    ifc) echo "tests/bad-input/ifc"; find "$data/ifc" -name '*.ifc' ;;
    gltf_bim) echo "tests/bad-input/gltfbim"; find "$data/gltf" -name '*.gl*' ;;
    tileset) echo "tests/bad-input/tileset"; find "$data/3dtiles" -name '*.json' ;;
    subtree) echo "tests/bad-input/subtree"; find "$data/3dtiles" -name '*.subtree' ;;
    tile_content) echo "tests/bad-input/content"
      find "$data/3dtiles" \( -name '*.glb' -o -name '*.b3dm' -o -name '*.i3dm' -o -name '*.pnts' -o -name '*.cmpt' \) ;;
    cap) echo "tests/bad-input/cap"; find "$data/emergency/cap" -name '*.xml' ;;
    hazard) echo "tests/bad-input/hazard"; find "$data/citygml" -path '*fld*' -name '*.gml' ;;
    scene) echo "tests/bad-input/scene"; find scenes -name '*.toml' ;;
    query_csv) echo "tests/bad-input/querycsv"; echo "tests/bad-input/objects" ;;
    mqtt_payload) echo "tests/bad-input/mqtt" ;;
    *) echo "unknown target $1 (targets: $all)" >&2; return 1 ;;
  esac
}

sanitizer="${FUZZ_SANITIZER:-none}"
echo "== building the fuzz targets (nightly, sanitizer: $sanitizer)"
cargo +nightly fuzz build --release --sanitizer "$sanitizer" 2>&1 | grep -v '^\s*Compiling' || true
# Run the built binaries directly: `cargo fuzz run` would rebuild them mid-round when a source
# changes, and a round should fuzz one build.
bin="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"
runs="${FUZZ_RUNS:+-runs=$FUZZ_RUNS}"

results="${FUZZ_RESULTS:-fuzz/results.tsv}"
echo -e "target\texecutions\tseconds\texec_per_s\tcrashes" | tee "$results"
failed=0
for t in $targets; do
  corpus="fuzz/corpus/$t"
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  for src in $(seeds "$t"); do
    if [ -d "$src" ]; then
      for f in "$src"/*; do head -c 65536 "$f" > "$corpus/seed-$(basename "$f")"; done
    elif [ -f "$src" ]; then
      head -c 65536 "$src" > "$corpus/seed-$(basename "$src")"
    fi
  done
  log="fuzz/artifacts/$t/run.log"
  # One worker on one core; 10 s per input is a hang, 2 GiB a runaway.
  set +e
  started=$SECONDS
  "$bin/$t" "$corpus" -max_total_time="$seconds" $runs -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" > "$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "fuzz/artifacts/$t" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
  took=$(( SECONDS - started > 0 ? SECONDS - started : 1 ))
  rate=$(( ${execs:-0} / took ))
  echo -e "$t\t${execs:-0}\t$took\t$rate\t$crashes" | tee -a "$results"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    echo "   $t: exit $rc; see $log and fuzz/artifacts/$t/" >&2
  fi
done
exit $failed
