#!/usr/bin/env bash
# The store's write benchmark (issue 14): writes/s, write latency p50/p99/max with 8 writers and
# the read rate of 2 readers during the writes, on 400 records (the dev store) and on 50,000
# (generated here from the synthetic BAG register), for the GeoPackage and for PostGIS. Each run
# prints two ratios measured in the same run: gebieden's writes/s against a plain loop of one
# committed row per transaction into the same kind of store by as many threads, and the readers'
# rate during the writes against the same readers alone just before.
#
#   bench/bench_store_write.sh [BUILD_DIR=build] [SECONDS=10] [WRITERS=8] [READERS=2]
#
# Environment: CASES (default "gpkg:400 gpkg:50000 pg:400 pg:50000"), COLLECTION (default
# organisaties), SERVER_THREADS (server.threads of the server's configuration; default: as in
# data/leeuwarden.json). PostGIS runs on a throwaway cluster (tests/pg/cluster.sh when present, else one
# started here the same way: initdb as postgres, 127.0.0.1 only, fsync on); it needs the
# Debian packages postgresql-15 and postgresql-15-postgis-3. Everything runs on 127.0.0.1 and
# stops by itself; temporary files go to a mktemp directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-10}
WRITERS=${3:-8}
READERS=${4:-2}
CASES=${CASES:-gpkg:400 gpkg:50000 pg:400 pg:50000}
COLLECTION=${COLLECTION:-organisaties}
SERVER_THREADS=${SERVER_THREADS:-}
GEBIEDEN=$BUILD/app/gebieden
CLIENT=$BUILD/bench/bench_store_write
DEV_SEED=../shared/data/synthetic/organisaties_dev.csv
BAG=../shared/data/synthetic/bag_leeuwarden_synthetic.gpkg
for f in "$GEBIEDEN" "$CLIENT"; do
  [ -x "$f" ] || { echo "error: $f is missing: build first (cmake --build $BUILD)" >&2; exit 1; }
done
for f in "$DEV_SEED" "$BAG"; do [ -f "$f" ] || { echo "error: $f is missing" >&2; exit 1; }; done

TMP=$(mktemp -d /tmp/gebieden-bench-write.XXXXXX)
chmod 711 "$TMP"  # the postgres user reaches its cluster in $TMP/pg
SERVER_PID=""
PG_DIR=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$PG_DIR" ] && pg_cluster stop "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---- PostgreSQL: tests/pg/cluster.sh (start DIR -> DIR/conninfo, createdb DIR NAME prints the
# conninfo, stop DIR), or the same steps by hand.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
pg_cluster() {
  if [ -x tests/pg/cluster.sh ]; then
    tests/pg/cluster.sh "$@"
    return
  fi
  local cmd=$1 dir=$2
  case "$cmd" in
    start)
      [ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server (apt-get install postgresql-15 postgresql-15-postgis-3)" >&2; return 1; }
      mkdir -p "$dir"
      chown postgres "$dir"
      chmod 700 "$dir"
      runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -A trust -U gebieden -E UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; return 1; }
      local port
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=on -c synchronous_commit=on" \
        start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
      echo "host=127.0.0.1 port=$port user=gebieden dbname=postgres" >"$dir/conninfo"
      ;;
    createdb)
      local name=$3 ci
      ci=$(cat "$dir/conninfo")
      psql -X -q -v ON_ERROR_STOP=1 -d "$ci" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" || return 1
      ci=${ci/dbname=postgres/dbname=$name}
      psql -X -q -v ON_ERROR_STOP=1 -d "$ci" -c "CREATE EXTENSION postgis" || return 1
      echo "$ci"
      ;;
    stop)
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
      rm -rf "$dir"
      ;;
  esac
}

# ---- The seeds: the dev store (400) and 50,000 real addresses of the synthetic BAG register,
# soorten and categorieën cycling, in the columns of organisaties_dev.csv (no coordinates: the
# geocoder places them by address, as it does the dev store).
seed_csv() {
  local n=$1 out=$TMP/seed$1.csv
  if [ "$n" = 400 ]; then
    echo "$PWD/$DEV_SEED"
    return
  fi
  if [ ! -f "$out" ]; then
    ogr2ogr -f CSV "$out" "$BAG" -dialect SQLite -sql "
      SELECT printf('BEN%06d', fid) AS id,
             'Benchvereniging ' || openbare_ruimte_naam || ' ' || huisnummer AS naam,
             CASE fid % 5 WHEN 0 THEN 'organisatie' WHEN 1 THEN 'initiatief'
               WHEN 2 THEN 'activiteit' WHEN 3 THEN 'vrijwilligerswerk' ELSE 'ontmoetingsplek' END AS soort,
             CASE fid % 12 WHEN 0 THEN 'armoede_schulden' WHEN 1 THEN 'buurthuis' WHEN 2 THEN 'cultuur'
               WHEN 3 THEN 'jeugd' WHEN 4 THEN 'natuur_duurzaamheid' WHEN 5 THEN 'onderwijs'
               WHEN 6 THEN 'ouderen' WHEN 7 THEN 'religie' WHEN 8 THEN 'sport'
               WHEN 9 THEN 'taal_integratie' WHEN 10 THEN 'welzijn' ELSE 'zorg' END AS categorie,
             openbare_ruimte_naam AS straat,
             huisnummer || COALESCE(huisletter, '') ||
               CASE WHEN COALESCE(toevoeging, '') = '' THEN '' ELSE '-' || toevoeging END AS huisnummer,
             postcode, woonplaats_naam AS plaats,
             '' AS lat, '' AS lon, '' AS x, '' AS y,
             'https://example.org/bench-' || fid AS website,
             'Synthetisch record voor de schrijfbenchmark.' AS omschrijving,
             '' AS contact_naam, '' AS contact_telefoon, '' AS contact_email
      FROM verblijfsobject ORDER BY (fid * 7919) % 88789 LIMIT $n" 2>"$TMP/ogr2ogr.err" ||
      { cat "$TMP/ogr2ogr.err" >&2; exit 1; }
  fi
  echo "$out"
}

ADMIN_KEY=bench-admin-$RANDOM$RANDOM
TOKEN=bench-editor-$RANDOM$RANDOM

# data/leeuwarden.json with every relative path made absolute (as tests/test_config_copy.hpp),
# the store in its own file (and database), seeded from $2, the admin key in a key file.
make_config() {
  local out=$1 seed=$2 gpkg=$3 database=${4:-}
  python3 - "$PWD/data/leeuwarden.json" "$out" "$seed" "$gpkg" "$database" "$TMP/keys.json" "$ADMIN_KEY" "$SERVER_THREADS" <<'PY'
import hashlib, json, os, sys
src, out, seed, gpkg, database, keys, admin, threads = sys.argv[1:9]
base = os.path.dirname(src)
j = json.load(open(src))
def absolute(p):
    return p if "://" in p or os.path.isabs(p) else os.path.normpath(os.path.join(base, p))
def walk(v):
    if not isinstance(v, dict): return
    for k, m in v.items():
        if k == "sources" and isinstance(m, list): v[k] = [absolute(s) for s in m]
        elif k in ("place_aliases", "scheme", "schema") and isinstance(m, str): v[k] = absolute(m)
        else: walk(m)
walk(j)
j["store"]["path"] = gpkg
j["store"]["source"] = {"sources": [seed]}
j["store"]["write_token_env"] = "GEBIEDEN_WRITE_TOKEN"
if database: j["store"]["database"] = database
if threads: j["server"]["threads"] = int(threads)
j["access"] = {"keys_file": keys}
json.dump({"keys": [{"name": "bench-admin", "role": "admin",
                     "sha256": hashlib.sha256(admin.encode()).hexdigest(),
                     "created": "2026-12-02T00:00:00Z"}]}, open(keys, "w"))
json.dump(j, open(out, "w"), indent=1)
PY
}

# Start the server; on failure return 1 (the reason in $SERVER_ERR) instead of exiting. Each
# start has files of its own: a background child may not have truncated a reused file yet when
# the loop reads it.
try_start_server() {
  local name
  name=$TMP/server-$(basename "$1" .json)
  SERVER_OUT=$name.out
  SERVER_ERR=$name.err
  : >"$SERVER_OUT"
  : >"$SERVER_ERR"
  GEBIEDEN_WRITE_TOKEN=$TOKEN GEBIEDEN_STORE_DATABASE= \
    "$GEBIEDEN" serve --config "$1" --host 127.0.0.1 --port 0 >>"$SERVER_OUT" 2>>"$SERVER_ERR" &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 1 3000); do
    PORT=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$SERVER_OUT")
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; return 1; }
    sleep 0.1
  done
  stop_server
  return 1
}

stop_server() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# A member of the client's JSON line, or - when it has none.
field() { python3 -c "import json,sys; v=json.loads(sys.argv[1]).get('$2', ''); print('-' if v == '' else v)" "$1"; }

echo "store writes: $WRITERS writers, $READERS readers, ${SECONDS_PER_RUN}s per phase, collection $COLLECTION, server threads ${SERVER_THREADS:-$(python3 -c "import json; print(json.load(open('data/leeuwarden.json'))['server']['threads'])")}, $(nproc) cores, $(git log -1 --format='%h %s' | cut -c1-60)"
FMT='%-5s %6s %6s | %8s %7s %7s %7s %5s %4s | %8s %6s %7s %6s | %8s %8s %5s'
HEADER=$(printf "$FMT" store records start "writes/s" "p50 ms" "p99 ms" "max ms" 412s errs \
  "plain/s" ratio "gdal/s" ratio "reads/s" "during" ratio)
ROWS=()
NOTES=()
for c in $CASES; do
  kind=${c%%:*}
  n=${c#*:}
  seed=$(seed_csv "$n")
  gpkg=$TMP/store-$kind-$n.gpkg
  database=""
  plain=(--plain-gpkg "$TMP/plain-$n.gpkg")
  if [ "$kind" = pg ]; then
    if [ -z "$PG_DIR" ]; then
      PG_DIR=$TMP/pg
      pg_cluster start "$PG_DIR" >/dev/null || { NOTES+=("pg: no cluster (see above)"); PG_DIR=""; continue; }
    fi
    database=$(pg_cluster createdb "$PG_DIR" "gebieden_$n" | tail -n 1)
    plain=(--plain-pg "$(pg_cluster createdb "$PG_DIR" "plain_$n" | tail -n 1)")
  fi
  make_config "$TMP/config-$kind-$n.json" "$seed" "$gpkg" "$database"
  t0=$(date +%s.%N)
  if ! try_start_server "$TMP/config-$kind-$n.json"; then
    NOTES+=("$kind $n: the server did not start: $(tail -n 2 "$SERVER_ERR" | tr '\n' ' ' | cut -c1-200)")
    # The plain store's figure all the same (a build without the PostGIS store, say).
    out=$("$CLIENT" --plain-only --writers "$WRITERS" --seconds "$SECONDS_PER_RUN" "${plain[@]}" 2>"$TMP/client.err" || true)
    [ -n "$out" ] && ROWS+=("$(printf "$FMT" "$kind" "$n" - - - - - - - \
      "$(field "$out" plain_writes_per_s)" - "$(field "$out" gdal_writes_per_s)" - - - -)")
    continue
  fi
  start_s=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")
  if [ "$kind" = pg ]; then
    # The store must live in the database, not in the file beside it.
    if [ "$(psql -X -tA -d "$database" -c "SELECT to_regclass('store') IS NOT NULL" 2>/dev/null)" != t ]; then
      NOTES+=("pg $n: this build keeps the store in the GeoPackage (store.database not supported): skipped")
      stop_server
      continue
    fi
  fi
  set +e
  out=$("$CLIENT" --port "$PORT" --token "$TOKEN" --admin-key "$ADMIN_KEY" --collection "$COLLECTION" \
    --writers "$WRITERS" --readers "$READERS" --seconds "$SECONDS_PER_RUN" "${plain[@]}" 2>"$TMP/client.err")
  rc=$?
  set -e
  stop_server
  if [ -z "$out" ]; then
    NOTES+=("$kind $n: the client failed: $(head -c 300 "$TMP/client.err")")
    continue
  fi
  echo "$kind $n: $out" >&2
  ratio() { local v; v=$(field "$out" "$1"); [ "$v" != - ] && echo "${v}x" || echo -; }
  ROWS+=("$(printf "$FMT" \
    "$kind" "$n" "${start_s}s" "$(field "$out" writes_per_s)" "$(field "$out" write_p50_ms)" \
    "$(field "$out" write_p99_ms)" "$(field "$out" write_max_ms)" "$(field "$out" expected_412)" \
    "$(($(field "$out" write_errors) + $(field "$out" read_errors)))" \
    "$(field "$out" plain_writes_per_s)" "$(ratio plain_ratio)" \
    "$(field "$out" gdal_writes_per_s)" "$(ratio gdal_ratio)" \
    "$(field "$out" reads_alone_per_s)" "$(field "$out" reads_during_per_s)" "$(field "$out" read_ratio)x")")
  [ "$rc" = 0 ] || NOTES+=("$kind $n: $(field "$out" first_error | cut -c1-200)")
done
echo
echo "$HEADER"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "start: the server's start-up (seeding a new store, placing every record). writes/s: committed"
echo "POST/PATCH/DELETE answers per second ($WRITERS writers, keep-alive; p50/p99/max of those); 412s:"
echo "PATCHes with a stale If-Match (expected, not writes); errs: any other failure (reads included)."
echo "plain/s: one row per committed transaction by $WRITERS threads into the same kind of store: a plain"
echo "table of a GeoPackage file in WAL mode with sqlite3, or a PostGIS table with libpq; gdal/s: the same"
echo "through GDAL's GeoPackage driver, as the store writes (StartTransaction, CreateFeature, Commit,"
echo "FlushCache); ratio = writes/s / that. reads/s: $READERS readers alone, then during the writes;"
echo "ratio = during / alone. Same run, same machine: quote the ratios, the absolute rates are noisy."
echo "goal (issue 14): at least 240 writes/s with $WRITERS writers, on 400 and on 50,000 records, both stores"
for note in "${NOTES[@]}"; do echo "note: $note"; done
