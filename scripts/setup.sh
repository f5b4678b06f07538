#!/usr/bin/env bash
# Installs everything pop3ws needs on Debian 12. Idempotent: a second run
# installs nothing new. Used by the README's commands and by .ci/run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

# Debian packages, grouped by what needs them.
packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  # codec, CLI and proxy libraries
  libssl-dev libboost-dev libboost-system-dev libwebsocketpp-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libedit-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-pytest python3-websockets
  openssl curl tmux
  # WebAssembly
  emscripten nodejs
  # real peers and services used by the tests and the demo
  dovecot-core dovecot-pop3d nginx-light websockify mpop fetchmail
  # browser tests
  chromium fonts-noto-cjk fonts-noto-color-emoji
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The distribution's services are not used: the harness starts private ones.
for svc in dovecot nginx; do
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  service "$svc" stop >/dev/null 2>&1 || true
done

# npm packages from the committed lockfile (web app, browser tests).
if [ -f "$here/web/package-lock.json" ]; then
  if [ ! -d "$here/web/node_modules" ] || [ "$here/web/package-lock.json" -nt "$here/web/node_modules/.package-lock.json" ]; then
    (cd "$here/web" && npm ci --no-audit --no-fund)
  fi
fi
echo "setup: done"
