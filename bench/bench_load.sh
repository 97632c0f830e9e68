#!/usr/bin/env bash
# Load (issue 12, point 2): wrk drives the server for SECONDS (default 60) at CONNECTIONS
# (default 64) keep-alive connections on a mix of routes (OGC items pages, bbox, a CQL2 filter,
# FeatureServer queries, geocode, nearby, over the boundaries, the social base and the 88,780
# synthetic register points as the extra layer `bag`), and prints requests/s, p50/p99, errors
# (socket errors and non-2xx answers) and the server's resident memory before (after a warm-up
# of the same mix) and after, with its growth. A baseline in the same run: nginx serving one
# items page of similar size as a static file, with the same wrk, connections and threads.
# Acceptance: 0 errors, memory growth under 5 %.
#
#   bench/bench_load.sh [BUILD_DIR=build] [SECONDS=60] [CONNECTIONS=64]
#
# Needs wrk and nginx (Debian packages; installed when missing). Everything runs on 127.0.0.1
# and stops by itself; temporary files go to a mktemp directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
BUILD=${1:-build}
SECONDS_RUN=${2:-60}
CONNECTIONS=${3:-64}
WARMUP=${WARMUP:-10}
BASELINE_SECONDS=${BASELINE_SECONDS:-20}
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

FS=/arcgis/rest/services/gebieden/FeatureServer
cat >"$TMP/paths.txt" <<PATHS
/collections/buurten/items?limit=10
/collections/buurten/items?limit=100
/collections/wijken/items?limit=22
/collections/bag/items?limit=100
/collections/bag/items?limit=100&offset=5000
/collections/buurten/items?bbox=5.77,53.19,5.82,53.21&limit=100
/collections/bag/items?bbox=5.79,53.20,5.80,53.205&limit=100
/collections/bag/items?bbox=5.70,53.10,5.71,53.11&limit=100
/collections/organisaties/items?filter=categorie%20%3D%20%27ouderen%27&limit=50
/collections/buurten/items?filter=wijkcode%20LIKE%20%27WK0080%25%27&limit=50
$FS/0/query?where=1%3D1&outFields=*&resultRecordCount=10&f=json
$FS/1/query?where=1%3D1&returnGeometry=false&outFields=*&f=json
$FS/0/query?geometry=5.78,53.19,5.81,53.21&geometryType=esriGeometryEnvelope&inSR=4326&spatialRel=esriSpatialRelIntersects&f=json
/geocode?q=Marisdijk%201,%20Leeuwarden
/geocode?postcode=8914GD&huisnummer=1
/nearby?coords=POINT(5.7965%2053.2005)&within=500
/nearby?coords=POINT(5.7965%2053.2005)&within=5000&limit=10
PATHS
# Every path answers 2xx before the run (else the mix is wrong, not the server).
while read -r p; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "$BASE$p")
  case $code in 2*) ;; *) echo "error: $p answers $code" >&2; exit 1 ;; esac
done <"$TMP/paths.txt"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
run_wrk() {  # URL SECONDS LUA-ARGS...
  local url=$1 secs=$2
  shift 2
  wrk -t2 -c"$CONNECTIONS" -d"${secs}s" --timeout 10s -s bench/load_mix.lua "$url" -- "$@" |
    sed -n 's/^RESULT //p'
}
val() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "warm-up: ${WARMUP}s of the mix"
run_wrk "$BASE" "$WARMUP" "$TMP/paths.txt" >/dev/null
before=$(rss_kb)
echo "gebieden: ${SECONDS_RUN}s, $CONNECTIONS connections, wrk -t2, $(nproc) cores, $(wc -l <"$TMP/paths.txt") routes in the mix"
ours=$(run_wrk "$BASE" "$SECONDS_RUN" "$TMP/paths.txt")
after=$(rss_kb)
kill -0 "$SERVER_PID" || { echo "error: the server died" >&2; exit 1; }

# nginx: one items page (about the mix's average size) as a static file.
mkdir -p "$TMP/www" "$TMP/nginx"
curl -sf -H 'Accept: application/json' -o "$TMP/www/page.json" "$BASE/collections/buurten/items?limit=10"
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
# gebieden is idle now (kept alive only for the memory figure above).
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
sleep 0.5
echo /page.json >"$TMP/nginx-paths.txt"
theirs=$(run_wrk "http://127.0.0.1:$NGINX_PORT" "$BASELINE_SECONDS" "$TMP/nginx-paths.txt")

printf '%-9s %10s %8s %8s %9s %8s %8s\n' "" "req/s" "p50 ms" "p99 ms" "p99.9 ms" "sockerr" "non-2xx"
for who in gebieden nginx; do
  r=$([ $who = gebieden ] && echo "$ours" || echo "$theirs")
  printf '%-9s %10s %8s %8s %9s %8s %8s\n' $who "$(val "$r" rps)" "$(val "$r" p50_ms)" \
    "$(val "$r" p99_ms)" "$(val "$r" p999_ms)" "$(val "$r" socket_errors)" "$(val "$r" non2xx)"
done
growth=$(python3 -c "print(f'{($after-$before)*100/$before:+.1f}')")
echo "ratio: $(python3 -c "print(f'{$(val "$ours" rps)/$(val "$theirs" rps):.2f}')")x nginx's requests/s (nginx: $(stat -c %s "$TMP/www/page.json") bytes static)"
echo "memory (RSS): ${before} kB before, ${after} kB after: ${growth} %"
errors=$(($(val "$ours" socket_errors) + $(val "$ours" non2xx)))
ok=1
[ "$errors" = 0 ] || { echo "FAIL: $errors errors"; ok=0; }
python3 -c "import sys; sys.exit(0 if $after <= $before * 1.05 else 1)" || { echo "FAIL: memory grew by ${growth} %"; ok=0; }
[ $ok = 1 ] && echo "PASS: 0 errors, memory growth under 5 %"
