#!/usr/bin/env bash
# The demo: builds everything, starts a private Dovecot (implicit TLS on
# 127.0.0.1) holding the sample mailbox, and pop3ws-proxy serving the web app
# with that Dovecot as its target "demo". Ctrl-C stops both.
#   PORT=8080 scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${PORT:-8080}
user=${DEMO_USER:-alice}
password=${DEMO_PASSWORD:-demo-pass}

bash scripts/setup.sh
export NODE_PATH=/usr/share/nodejs
echo "== building (native release, WebAssembly, web app)"
cmake --preset release >/dev/null
cmake --build --preset release --target pop3ws pop3ws-proxy
cmake --preset wasm >/dev/null
cmake --build --preset wasm
(cd web && npm run --silent build)

# Dovecot drops privileges: its work directory must be reachable by others.
work=$(mktemp -d /tmp/pop3ws-demo.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== starting a private Dovecot with the sample mailbox"
PYTHONPATH="$root/tests/harness" /usr/bin/python3 -m pop3ws_harness dovecot \
  --mailbox demo --user "$user" --password "$password" --workdir "$work/dovecot" \
  >"$work/dovecot.json" 2>"$work/dovecot.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/dovecot.json" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/dovecot.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/dovecot.json" ] || { echo "demo: Dovecot did not start" >&2; cat "$work/dovecot.log" >&2; exit 1; }
read -r pop3s_port ca_file < <(/usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())
print(d["pop3s_port"], d["ca_file"])' "$work/dovecot.json")

cat >"$work/proxy.toml" <<TOML
listen = ["127.0.0.1:$port"]
log_level = "info"

[http]
web_root = "$root/web/dist"

[[targets]]
name = "demo"
label = "Demo mailbox (private Dovecot)"
host = "127.0.0.1"
port = $pop3s_port
security = "tls"
server_name = "localhost"
ca_file = "$ca_file"
allow_private = true
TOML
build/release/proxy/pop3ws-proxy --check-config -c "$work/proxy.toml"
build/release/proxy/pop3ws-proxy -c "$work/proxy.toml" &
pids+=($!)
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "demo: pop3ws-proxy did not start" >&2; exit 1; }

cat <<MSG

  pop3ws demo is running.
    Open:      http://127.0.0.1:$port/
    Account:   "Demo mailbox (private Dovecot)"
    User:      $user
    Password:  $password
    Terminal:  build/release/client-wasm/cli/pop3ws --server 127.0.0.1:$pop3s_port --security tls \\
                 --ca-file $ca_file --user $user --password-env DEMO_PASSWORD list
  Ctrl-C stops the demo.

MSG
wait "${pids[1]}"
