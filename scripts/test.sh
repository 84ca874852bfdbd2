#!/usr/bin/env bash
# Runs CityTwin's tests: installs the Khronos glTF-Validator the import tests call (once, from
# npm, pinned by tools/gltf-validator/package-lock.json), then `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tools/gltf-validator/node_modules/gltf-validator ]; then
  if ! command -v npm >/dev/null; then
    echo "npm not found: install Node.js 20 (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
  npm ci --prefix tools/gltf-validator --no-audit --no-fund
fi
exec cargo test --workspace --no-fail-fast "$@"
