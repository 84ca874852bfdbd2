# Sourced by the side-by-side benchmark scripts (run from the repository root): the peers'
# Python venv with benches/peers/requirements.txt, a release CLI without the viewer, a scratch
# folder removed on exit, and the shared data. Sets: venv, bin, dir, CITYTWIN_DATA.
venv=target/peers-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet -r benches/peers/requirements.txt
cargo build --release --no-default-features --quiet
bin="${CARGO_TARGET_DIR:-target}/release/citytwin"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export CITYTWIN_DATA="${CITYTWIN_DATA:-$PWD/../shared/data}"
