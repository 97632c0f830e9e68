#!/usr/bin/env bash
# GeoServices benchmark: the same ArcGIS client queries answered by gebieden and by Koop
# (@koopjs/koop-core with the GeoJSON file provider, from npm), measured in the same run with
# the same client (bench_esri). Both servers listen on 127.0.0.1 only; the load is a fixed
# number of requests. Not run by CI.
#
#   bench/bench_esri.sh [BUILD_DIR]        (default: build)
#   REQUESTS=300 CONCURRENCY=4 KEEP_ALIVE=0 bench/bench_esri.sh build
#
# Koop is installed with npm into BUILD_DIR/bench/esri-bench/koop (never into the source tree);
# the buurten GeoJSON it serves is exported from gebieden's own OGC API in the same run.
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "${1:-$SRC/build}" && pwd)"
WORK="$BUILD/bench/esri-bench"
REQUESTS="${REQUESTS:-300}"
CONCURRENCY="${CONCURRENCY:-4}"
KEEP_ALIVE="${KEEP_ALIVE:-0}"
CONFIG="${CONFIG:-$SRC/data/leeuwarden.json}"

for exe in "$BUILD/app/gebieden" "$BUILD/bench/bench_esri"; do
  [ -x "$exe" ] || { echo "error: $exe is missing; build first (cmake --build $BUILD)" >&2; exit 1; }
done
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "error: node and npm are needed for the Koop baseline" >&2; exit 1; }

mkdir -p "$WORK/data" "$WORK/koop"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Wait for "listening on http://127.0.0.1:PORT" in a file; print the port.
wait_port() {
  local file="$1" pid="$2"
  for _ in $(seq 1 600); do
    if line="$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$file" 2>/dev/null)"; then
      echo "${line##*:}"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "error: no 'listening on' line in $file" >&2
  cat "$file" >&2
  return 1
}

echo "== gebieden"
"$BUILD/app/gebieden" serve --config "$CONFIG" --host 127.0.0.1 --port 0 \
  >"$WORK/gebieden.out" 2>"$WORK/gebieden.err" &
PIDS+=($!)
GPORT="$(wait_port "$WORK/gebieden.out" "${PIDS[-1]}")"
GBASE="http://127.0.0.1:$GPORT"
FS="$GBASE/arcgis/rest/services/gebieden/FeatureServer"
LAYER="$(curl -sf "$FS?f=json" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const l = JSON.parse(s).layers.find((x) => x.name === "Buurten");
    process.stdout.write(String(l.id));
  });')"
MAXREC="$(curl -sf "$FS/$LAYER?f=json" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
    process.stdout.write(String(JSON.parse(s).maxRecordCount)));')"
echo "gebieden on $GBASE, buurten is layer $LAYER, maxRecordCount $MAXREC"

echo "== export buurten from the OGC API"
node "$SRC/bench/koop/export.js" "$GBASE" buurten "$WORK/data/buurten.geojson" "$MAXREC"

echo "== Koop (npm)"
cp "$SRC/bench/koop/package.json" "$SRC/bench/koop/server.js" "$WORK/koop/"
if [ ! -d "$WORK/koop/node_modules/@koopjs/koop-core" ] ||
   [ ! -d "$WORK/koop/node_modules/@koopjs/provider-file-geojson" ]; then
  # --ignore-scripts: farmhash's native build would try to download; winnow falls back to JS.
  (cd "$WORK/koop" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
(cd "$WORK/koop" && exec node server.js "$WORK/data") >"$WORK/koop.out" 2>"$WORK/koop.err" &
PIDS+=($!)
KPORT="$(wait_port "$WORK/koop.out" "${PIDS[-1]}")"
KOOP="http://127.0.0.1:$KPORT/file-geojson/rest/services/buurten/FeatureServer/0"
echo "Koop $(node -p 'require(process.argv[1] + "/node_modules/@koopjs/koop-core/package.json").version' "$WORK/koop") on 127.0.0.1:$KPORT"

echo "== load"
ARGS=(--requests "$REQUESTS" --concurrency "$CONCURRENCY")
[ "$KEEP_ALIVE" = 1 ] && ARGS+=(--keep-alive)
"$BUILD/bench/bench_esri" "${ARGS[@]}" "gebieden=$FS/$LAYER" "koop=$KOOP"
