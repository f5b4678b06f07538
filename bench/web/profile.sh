#!/usr/bin/env bash
# Profiles the browser benchmark's job (bench/web/profile.test.ts): the web
# app is built unminified into a temporary folder so the profile names the
# functions, then served by pop3ws-proxy (POP3WS_PROXY_BIN, as for run.sh).
#   POP3WS_PROXY_BIN=build/release/proxy/pop3ws-proxy bash bench/web/profile.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dist=$(mktemp -d /tmp/pop3ws-bench-dist.XXXXXX)
trap 'rm -rf "$dist"' EXIT
(cd "$repo/web" && npx vite build --minify false --outDir "$dist" --emptyOutDir --logLevel warn)
POP3WS_WEB_ROOT="$dist" bash "$repo/bench/web/run.sh" profile
