#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset, clang, ASan+UBSan) and runs each
# for SECONDS (default 30, the test command's setting). For a long run:
#   scripts/fuzz.sh 3600            # an hour per target
#   scripts/fuzz.sh 600 codec_body  # only targets whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
filter=${2:-}
cmake --preset fuzz -DPOP3WS_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz --target fuzzers
ctest --test-dir build/fuzz -L fuzz ${filter:+-R "$filter"} --output-on-failure --timeout $((seconds + 600))
