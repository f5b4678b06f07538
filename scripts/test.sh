#!/usr/bin/env bash
# Runs every test of pop3ws: native (ASan+UBSan) unit and integration tests
# against private Dovecot/nginx/websockify, the codec's tests compiled to
# WebAssembly under node, short fuzz runs, and the browser tests in Debian's
# Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NODE_PATH=/usr/share/nodejs

echo "== native debug build (ASan+UBSan)"
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug

echo "== WebAssembly build, tests under node"
cmake --preset wasm >/dev/null
cmake --build --preset wasm
ctest --preset wasm

echo "== short fuzz runs (libFuzzer, ASan+UBSan)"
bash scripts/fuzz.sh "${POP3WS_FUZZ_SECONDS:-30}"

if [ -f web/package.json ]; then
  echo "== web app and browser tests (Chromium)"
  (cd web && npm run --silent build && npm run --silent test)
fi
