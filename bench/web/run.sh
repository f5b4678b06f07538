#!/usr/bin/env bash
# The browser benchmark: Chromium (Debian's, through playwright-core) lists and
# downloads BENCH_COUNT messages of BENCH_SIZE bytes into IndexedDB through
# pop3ws-proxy, and mpop fetches the same private Dovecot mailbox into a
# Maildir, in the same run. Needs the web app built (web/dist) and a proxy
# binary (POP3WS_PROXY_BIN, default build/debug/proxy/pop3ws-proxy; the
# release build is the fair one). Not part of the test command.
#   POP3WS_PROXY_BIN=build/release/proxy/pop3ws-proxy bash bench/web/run.sh
# An argument names another test of bench/web (profile.sh passes "profile").
set -euo pipefail
name=${1:-browser_vs_mpop}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out="$repo/web/.bench-build"
rm -rf "$out"
# Bundled by web/'s esbuild two levels below web/ (as web/tests/run.mjs does,
# which is where tests/browser/support.ts finds web/), so bare imports (playwright-core)
# resolve against web/node_modules.
(cd "$repo/web" && node -e '
  require("esbuild").buildSync({
    entryPoints: [process.argv[1]], outfile: process.argv[2], bundle: true,
    platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "warning",
  });' "$repo/bench/web/$name.test.ts" "$out/bench/$name.test.mjs")
cd "$repo/web"
exec node --test --test-concurrency=1 "$out/bench/$name.test.mjs"
