#!/usr/bin/env bash
# Tail latency (issue 12, point 2): random bbox pages of at most 100 features over the 88,780
# synthetic register points (an extra layer `bag`), work that no cache holds, at 4, 16 and 64
# keep-alive connections. wrk paces each connection with a Lua delay() so that the machine is
# not saturated (about RATE requests/s in all: the delay is CONNECTIONS/RATE s), and prints
# p50/p99/p99.9 per connection count. The baseline in the same run: nginx serving one such
# page as a static file, paced the same. Goal: p99 <= 20 ms and p99.9 <= 50 ms at 4, 16, 64.
#
#   bench/bench_load_tail.sh [BUILD_DIR=build] [SECONDS=20] [RATE=800]
#
# Needs wrk and nginx (Debian packages; installed when missing). Everything runs on 127.0.0.1
# and stops by itself; temporary files go to a mktemp directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
BUILD=${1:-build}
SECONDS_RUN=${2:-20}
RATE=${3:-800}
BASELINE_SECONDS=${BASELINE_SECONDS:-10}
GEBIEDEN=$BUILD/app/gebieden
BAG=../shared/data/synthetic/bag_leeuwarden_synthetic.gpkg
[ -x "$GEBIEDEN" ] || { echo "error: $GEBIEDEN is missing: build first (cmake --build $BUILD)" >&2; exit 1; }
[ -f "$BAG" ] || { echo "error: $BAG is missing" >&2; exit 1; }
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
for pkg in wrk nginx; do
  if ! command -v $pkg >/dev/null 2>&1 && [ ! -x /usr/sbin/$pkg ]; then
    echo "installing $pkg (Debian package)" >&2
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkg >/dev/null
  fi
done
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

python3 bench/config_with_bag.py data/leeuwarden.json "$BAG" "$TMP/config.json"
start_server --config "$TMP/config.json" --store "$TMP/store.gpkg"
BASE="http://127.0.0.1:$PORT"
SAMPLE="/collections/bag/items?bbox=5.79,53.20,5.80,53.205&limit=100&f=json"
curl -sf -o /dev/null "$BASE$SAMPLE" || { echo "error: $SAMPLE failed" >&2; exit 1; }

val() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
run() {  # URL CONNECTIONS SECONDS [FIXED-PATH]
  local delay_ms
  delay_ms=$(python3 -c "print(max(1, round($2 * 1000 / $RATE)))")
  wrk -t2 -c"$2" -d"${3}s" --timeout 10s -s bench/load_tail.lua "$1" -- "$delay_ms" ${4:-} |
    sed -n 's/^RESULT //p'
}

# Warm up: the snapshot's encoding of the layer, the first pages.
run "$BASE" 4 3 >/dev/null

mkdir -p "$TMP/www" "$TMP/nginx"
curl -sf -o "$TMP/www/page.json" "$BASE$SAMPLE"
chmod a+rx "$TMP" "$TMP/www"
chmod a+r "$TMP"/www/*
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  types { application/json json; }
  server { listen 127.0.0.1:$NGINX_PORT; root $TMP/www; }
}
NGX
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
sleep 0.5

echo "random bbox pages (limit=100) of the 88,780 register points, paced to about $RATE req/s, ${SECONDS_RUN}s per count, wrk -t2, $(nproc) cores"
printf '%-6s | %8s %8s %8s %9s %8s %6s | %8s %8s %9s\n' conns "req/s" "p50 ms" "p99 ms" "p99.9 ms" "max ms" errors \
  "nginx/s" "p99 ms" "p99.9 ms"
ok=1
for c in 4 16 64; do
  ours=$(run "$BASE" "$c" "$SECONDS_RUN")
  theirs=$(run "http://127.0.0.1:$NGINX_PORT" "$c" "$BASELINE_SECONDS" /page.json)
  errors=$(($(val "$ours" socket_errors) + $(val "$ours" non2xx)))
  printf '%-6s | %8s %8s %8s %9s %8s %6s | %8s %8s %9s\n' "$c" "$(val "$ours" rps)" \
    "$(val "$ours" p50_ms)" "$(val "$ours" p99_ms)" "$(val "$ours" p999_ms)" "$(val "$ours" max_ms)" \
    "$errors" "$(val "$theirs" rps)" "$(val "$theirs" p99_ms)" "$(val "$theirs" p999_ms)"
  python3 -c "import sys; sys.exit(0 if $(val "$ours" p99_ms) <= 20 and $(val "$ours" p999_ms) <= 50 else 1)" ||
    { echo "  above the goal at $c connections"; ok=0; }
  [ "$errors" = 0 ] || ok=0
done
kill -0 "$SERVER_PID" || { echo "error: the server died" >&2; exit 1; }
[ $ok = 1 ] && echo "PASS: p99 <= 20 ms and p99.9 <= 50 ms at 4, 16 and 64 connections, 0 errors" || echo "FAIL"
