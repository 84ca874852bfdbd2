#!/usr/bin/env bash
# Import throughput and peak memory, CityTwin against tyler 0.4.1, on the same synthetic
# CityJSONSeq (issue 3). Usage: benches/import_vs_tyler.sh [OBJECTS] [RUNS]
#   TYLER=/path/to/tyler   tyler's binary (default: `tyler` on PATH; see ../shared/docs/peers.md)
# Runs the two tools back to back RUNS times and prints each run's ratio of wall times.
set -euo pipefail
objects=${1:-100000}
runs=${2:-3}
tyler=${TYLER:-tyler}
command -v "$tyler" >/dev/null || { echo "tyler not found: set TYLER=/path/to/tyler (install: ../shared/docs/peers.md)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time is needed (apt install time)" >&2; exit 1; }
cd "$(dirname "$0")/.."
# Without the viewer: the import needs no Bevy, and a release Bevy build takes 17 minutes here.
cargo build --release --quiet --no-default-features
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/citytwin generate --objects "$objects" --queries 1 --cityjsonseq -o "$work/gen" 2>/dev/null
# tyler reads a folder of CityJSONSeq files.
mkdir "$work/in" && ln -s "$work/gen/city.city.jsonl" "$work/in/"
input_mb=$(du -m "$work/gen/city.city.jsonl" | cut -f1)
echo "input: $objects LoD1 buildings, ${input_mb} MB of CityJSONSeq"
printf '%-4s %12s %12s %14s %14s %8s\n' run citytwin_s tyler_s citytwin_MiB tyler_MiB speedup
for run in $(seq "$runs"); do
  rm -rf "$work/ct" "$work/ty"
  /usr/bin/time -f "%e %M" -o "$work/ct.time" target/release/citytwin import "$work/gen/city.city.jsonl" -o "$work/ct" >/dev/null 2>&1
  /usr/bin/time -f "%e %M" -o "$work/ty.time" "$tyler" "$work/in" -o "$work/ty" >/dev/null 2>&1
  read -r ct_s ct_kb <"$work/ct.time"
  read -r ty_s ty_kb <"$work/ty.time"
  printf '%-4s %12s %12s %14d %14d %8.2f\n' "$run" "$ct_s" "$ty_s" $((ct_kb / 1024)) $((ty_kb / 1024)) "$(echo "$ty_s / $ct_s" | bc -l)"
done
echo "output bytes: citytwin $(du -sb "$work/ct" | cut -f1), tyler $(du -sb "$work/ty" | cut -f1)"
