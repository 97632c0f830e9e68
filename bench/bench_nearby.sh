#!/usr/bin/env bash
# /nearby over HTTP: requests/s and p50/p99 of radius (500 m) and k-nearest (k = 10) queries
# (answered afresh every time: nothing is cached) beside a cached /collections/{id}/items page
# of the same server, measured in
# the same run with the same keep-alive client (bench_ogc). In-process figures against a
# brute-force scan come from build/bench/bench_nearby (100,000 points).
#
#   bench/bench_nearby.sh [BUILD_DIR=build] [SECONDS=8] [CONNECTIONS=4]
#
# Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-8}
CONNECTIONS=${3:-4}
GEBIEDEN=$BUILD/app/gebieden
CLIENT=$BUILD/bench/bench_ogc
for f in "$GEBIEDEN" "$CLIENT" "$BUILD/bench/bench_nearby"; do
  [ -x "$f" ] || { echo "error: $f is missing: build first (cmake --build $BUILD)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/gebieden-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== in process: the proximity index beside a brute-force scan (100,000 points)"
"$BUILD/bench/bench_nearby"

start_server --config data/leeuwarden.json --store "$TMP/store.gpkg"

echo "== over HTTP: $CONNECTIONS keep-alive connections, ${SECONDS_PER_RUN}s each, $(nproc) cores"
printf '%-34s %10s %8s %8s\n' case "req/s" "p50 ms" "p99 ms"
CASES=(
  "items page (cached), limit=10|/collections/ontmoetingsplekken/items?limit=10"
  "nearby within=500 m|/nearby?coords=POINT(5.7965%2053.2005)&within=500"
  "nearby k=10 (within 5 km)|/nearby?coords=POINT(5.7965%2053.2005)&within=5000&limit=10"
  "nearby k=10, RD, categorie|/nearby?coords=POINT(182351%20579395)&crs=EPSG:28992&within=5000&limit=10&categorie=sport"
)
base=""
for c in "${CASES[@]}"; do
  name=${c%%|*}
  path=${c#*|}
  curl -sf -o /dev/null "http://127.0.0.1:$PORT$path" || { echo "error: $path failed" >&2; exit 1; }
  out=$("$CLIENT" 127.0.0.1 "$PORT" "$path" "$CONNECTIONS" "$SECONDS_PER_RUN")
  rps=$(field "$out" rps)
  [ -z "$base" ] && base=$rps
  printf '%-34s %10s %8s %8s   (%s of the cached page)\n' "$name" "$rps" "$(field "$out" p50_ms)" \
    "$(field "$out" p99_ms)" "$(python3 -c "print(f'{$rps/$base:.2f}x')")"
  [ "$(field "$out" errors)" = 0 ] || echo "  ($name: $(field "$out" errors) errors)"
done
