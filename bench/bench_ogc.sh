#!/usr/bin/env bash
# OGC API benchmark: requests/s and p50/p99 latency of gebieden for /items?limit=100,
# /items?limit=1000 and a bbox query, on buurten and on a 100,000-point collection (the
# synthetic BAG points, topped up to 100,000), beside nginx serving the very same response
# bytes as static files, measured in the same run with the same keep-alive client (bench_ogc).
#
#   bench/bench_ogc.sh [BUILD_DIR=build] [SECONDS=8] [CONNECTIONS=4]
#
# Installs nginx (Debian package) when missing. Everything runs on 127.0.0.1 and stops by
# itself; temporary files go to a mktemp directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-8}
CONNECTIONS=${3:-4}
GEBIEDEN=$BUILD/app/gebieden
CLIENT=$BUILD/bench/bench_ogc
BAG=../shared/data/synthetic/bag_leeuwarden_synthetic.gpkg
for f in "$GEBIEDEN" "$CLIENT"; do
  [ -x "$f" ] || { echo "error: $f is missing: build first (cmake --build $BUILD)" >&2; exit 1; }
done
[ -f "$BAG" ] || { echo "error: $BAG is missing" >&2; exit 1; }
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx (Debian package) for the comparison" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

TMP=$(mktemp -d /tmp/gebieden-bench.XXXXXX)
SERVER_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# 100,000 points: the 88,780 synthetic BAG addresses, topped up with a second copy of the first
# 11,220 (new feature ids, same places).
ogr2ogr -f GPKG "$TMP/bag100k.gpkg" "$BAG" verblijfsobject
ogr2ogr -append "$TMP/bag100k.gpkg" "$BAG" verblijfsobject -limit 11220
# The default configuration plus the points as a file layer (paths made absolute).
python3 - "$PWD/data/leeuwarden.json" "$TMP/bag100k.gpkg" "$TMP/config.json" <<'PY'
import json, os, sys
src, gpkg, out = sys.argv[1:4]
base = os.path.dirname(src)
j = json.load(open(src))
def fix(s):
    if isinstance(s, dict) and "sources" in s:
        s["sources"] = [p if "://" in p or p.startswith("/") else os.path.normpath(os.path.join(base, p)) for p in s["sources"]]
for k in ("buurten", "wijken", "gemeente"):
    if k in j.get("boundaries", {}): fix(j["boundaries"][k])
for k in ("addresses",):
    if k in j: fix(j[k])
if "store" in j:
    fix(j["store"]["source"])
    if isinstance(j["store"].get("schema"), str): j["store"]["schema"] = os.path.normpath(os.path.join(base, j["store"]["schema"]))
for k in ("place_aliases", "scheme"):
    if isinstance(j.get(k), str): j[k] = os.path.normpath(os.path.join(base, j[k]))
j.setdefault("layers", []).append({
    "id": "bag", "title": "BAG verblijfsobjecten (synthetic, 100,000)",
    "description": "Benchmark points", "source": {"sources": [gpkg], "layer": "verblijfsobject"}})
json.dump(j, open(out, "w"), indent=1)
PY

start_server --config "$TMP/config.json"

NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/www" "$TMP/nginx"
CASES=(
  "buurten limit=100|/collections/buurten/items?limit=100"
  "buurten limit=1000|/collections/buurten/items?limit=1000"
  "buurten bbox|/collections/buurten/items?bbox=5.77,53.19,5.82,53.21&limit=100"
  "bag limit=100|/collections/bag/items?limit=100"
  "bag limit=1000|/collections/bag/items?limit=1000"
  "bag bbox|/collections/bag/items?bbox=5.79,53.20,5.80,53.205&limit=1000"
)
i=0
for c in "${CASES[@]}"; do
  path=${c#*|}
  # Warm up (encodes the snapshot, fills the page cache) and keep the bytes for nginx.
  curl -sf -H 'Accept: application/geo+json' -o "$TMP/www/case$i.json" "http://127.0.0.1:$PORT$path"
  i=$((i + 1))
done
# nginx's workers drop root privileges: let them read the files.
chmod a+rx "$TMP" "$TMP/www"
chmod a+r "$TMP"/www/*
cat >"$TMP/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  types { application/geo+json json; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP/www;
    etag on;
  }
}
NGX
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
sleep 0.5
curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/case0.json" || { echo "error: nginx did not start" >&2; cat "$TMP/nginx/error.log" >&2; exit 1; }

echo "gebieden vs nginx (same bytes), $CONNECTIONS keep-alive connections, ${SECONDS_PER_RUN}s each, $(nproc) cores"
printf '%-18s %9s | %10s %8s %8s | %10s %8s %8s | %6s\n' case bytes "gebieden/s" "p50 ms" "p99 ms" "nginx/s" "p50 ms" "p99 ms" ratio
i=0
for c in "${CASES[@]}"; do
  name=${c%%|*}
  path=${c#*|}
  bytes=$(stat -c %s "$TMP/www/case$i.json")
  ours=$("$CLIENT" 127.0.0.1 "$PORT" "$path" "$CONNECTIONS" "$SECONDS_PER_RUN")
  theirs=$("$CLIENT" 127.0.0.1 "$NGINX_PORT" "/case$i.json" "$CONNECTIONS" "$SECONDS_PER_RUN")
  r1=$(field "$ours" rps); r2=$(field "$theirs" rps)
  printf '%-18s %9s | %10s %8s %8s | %10s %8s %8s | %6s\n' "$name" "$bytes" \
    "$r1" "$(field "$ours" p50_ms)" "$(field "$ours" p99_ms)" \
    "$r2" "$(field "$theirs" p50_ms)" "$(field "$theirs" p99_ms)" \
    "$(python3 -c "print(f'{$r1/$r2:.2f}x')")"
  [ "$(field "$ours" errors)" = 0 ] || echo "  ($name: $(field "$ours" errors) errors against gebieden)"
  i=$((i + 1))
done
echo "goal: at least 0.50x nginx for cached pages (repeated identical requests)"
