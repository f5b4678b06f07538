#!/usr/bin/env bash
# Codec throughput, native and WebAssembly, in one run. Prints both JSON
# lines and the ratios against the targets of docs/benchmarks.md:
#   native codec >= 0.75 x memchr line scan;  WASM codec >= 0.40 x native.
# Usage: bench/codec/run.sh [MEGABYTES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
mb=${1:-64}; rounds=${2:-5}
export NODE_PATH=/usr/share/nodejs
cmake --preset release >/dev/null
cmake --build --preset release --target codec_throughput >/dev/null
cmake --preset wasm -B build/bench-wasm -DPOP3WS_BUILD_BENCH=ON -DPOP3WS_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench-wasm --target codec_throughput >/dev/null
native=$(build/release/bench/codec/codec_throughput "$mb" "$rounds")
wasm=$(node --no-experimental-fetch build/bench-wasm/bench/codec/codec_throughput.js "$mb" "$rounds")
echo "native: $native"
echo "wasm:   $wasm"
python3 - "$native" "$wasm" <<'PY'
import json, sys
n, w = json.loads(sys.argv[1]), json.loads(sys.argv[2])
r1 = n["codec_mb_s"] / n["memchr_mb_s"]
r2 = w["codec_mb_s"] / n["codec_mb_s"]
print(f"native codec / memchr line scan: {r1:.2f}  (target >= 0.75)  {'OK' if r1 >= 0.75 else 'BELOW TARGET'}")
print(f"wasm codec / native codec:       {r2:.2f}  (target >= 0.40)  {'OK' if r2 >= 0.40 else 'BELOW TARGET'}")
PY
