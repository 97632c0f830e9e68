#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster for the tests (CTest fixture `postgis`).
#
#   cluster.sh seed DIR           prepare what `start DIR` copies (initdb and a PostGIS template
#                                 database), in DIR.seed; done by `start` when missing
#   cluster.sh start DIR          create a new cluster in DIR (a stale one there is stopped and
#                                 replaced), listening on 127.0.0.1:<a free port> only, with a
#                                 trusted superuser `gebieden`; writes DIR/conninfo
#                                 (host=127.0.0.1 port=P user=gebieden dbname=postgres)
#   cluster.sh stop DIR           stop it and remove DIR (not the seed)
#   cluster.sh createdb DIR NAME  (re)create database NAME with the postgis extension and print
#                                 its connection string
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user. When
# that user cannot reach DIR (a build tree under /root, say), or DIR is too long for a unix
# socket path, the cluster lives in /tmp/gebieden-pg-<hash of DIR> and DIR is a symlink to it.
# The server binaries are those of PG_BINDIR, else the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

usage() { die "usage: cluster.sh seed DIR | start DIR | stop DIR | createdb DIR NAME"; }

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
case "$dir" in
  /*) ;;
  *) dir="$PWD/$dir" ;;
esac
dir=${dir%/}

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] || continue
    v=$(basename "$(dirname "$d")")
    if [ -z "$best" ] || [ "${v%%.*}" -gt "${best%%.*}" ]; then best=$v; fi
  done
  [ -n "$best" ] && bindir=/usr/lib/postgresql/$best/bin
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  die "no PostgreSQL server found (apt-get install postgresql-15 postgresql-15-postgis-3)"
fi

# Run a server binary as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# psql as the test superuser over TCP (never the unix socket: the conninfo is what tests use).
psql_q() {
  local conninfo=$1
  shift
  PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d "$conninfo" "$@"
}

# Stop whatever runs in a cluster directory and remove it (the symlink and its target too).
# Only what this script made is ever removed: an empty directory, one with its mark, or a
# symlink to /tmp/gebieden-pg-*.
remove_cluster() {
  local d=$1 real=$1
  if [ -L "$d" ]; then
    real=$(readlink -f "$d" || true)
    [[ "$real" == /tmp/gebieden-pg-* ]] || die "refusing to remove $d: a symlink to $real"
  fi
  if [ -n "$real" ] && [ -d "$real" ] && [ ! -f "$real/.gebieden-test-cluster" ] &&
    [ -n "$(ls -A "$real")" ]; then
    die "refusing to remove $real: not a cluster of cluster.sh"
  fi
  if [ -n "$real" ] && [ -f "$real/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$real/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    # pg_ctl may fail on a damaged directory: kill the postmaster named in postmaster.pid, but
    # only when that process is a postgres of this very data directory.
    local pid
    pid=$(head -n 1 "$real/data/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
      tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$real/data"; then
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 50); do
        [ -e "/proc/$pid" ] || break
        sleep 0.1
      done
    fi
  fi
  if [ -n "$real" ] && [ "$real" != "$d" ]; then rm -rf "$real"; fi
  rm -rf "$d"
}

# The directory the cluster lives in for DIR: DIR itself, or /tmp/gebieden-pg-<hash>.
# shellcheck disable=SC2016  # the $1 in single quotes is expanded by runuser's sh
cluster_home() {
  local d=$1
  local parent
  parent=$(dirname "$d")
  # 107 bytes is the unix socket path limit; keep a margin for "/.s.PGSQL.NNNNN".
  if [ ${#d} -gt 70 ] || [ ! -d "$parent" ] ||
    { [ "$(id -u)" = 0 ] &&
      ! runuser -u postgres -- sh -c 'test -e "$1" && test -x "$1"' _ "$parent" 2>/dev/null; }; then
    echo "/tmp/gebieden-pg-$(printf '%s' "$d" | sha256sum | cut -c1-16)"
  else
    echo "$d"
  fi
}

# A TCP port on 127.0.0.1 that nobody listens on now (the server's bind decides; see start).
pick_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# What a seed is made of: the server's version and this script. A seed of another is rebuilt.
seed_key() {
  echo "$("$bindir/postgres" --version) $(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-16)"
}

# The seed of a cluster: a stopped data directory after initdb, with the template database
# template_postgis (CREATE EXTENSION postgis), so that `start` is a copy and a server start.
# Made once per build tree, at build time (the target postgis_seed) or by the first start.
make_seed() {
  local seed=$1 key
  key=$(seed_key)
  if [ -f "$seed/key" ] && [ "$(cat "$seed/key")" = "$key" ]; then return 0; fi
  if [ -d "$seed" ] && [ ! -f "$seed/key" ] && [ -n "$(ls -A "$seed")" ]; then
    die "refusing to replace $seed: not a seed of cluster.sh"
  fi
  local tmp="$seed.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$tmp"; fi
  # --no-sync: the catalogue is copied, never run from here; the server runs with fsync=on.
  if ! as_owner "$bindir/initdb" -D "$tmp/data" -U gebieden --auth=trust --no-sync \
    --no-instructions -E UTF8 --locale=C --wal-segsize=1 >"$tmp/initdb.log" 2>&1; then
    cat "$tmp/initdb.log" >&2
    rm -rf "$tmp"
    die "initdb failed in $tmp"
  fi
  cat >>"$tmp/data/postgresql.conf" <<EOF
# cluster.sh: a test cluster on 127.0.0.1 only (port and socket in instance.conf).
fsync = on
synchronous_commit = on
shared_buffers = 16MB
max_connections = 120
min_wal_size = 2MB
max_wal_size = 256MB
logging_collector = off
log_min_messages = warning
include_if_exists = 'instance.conf'
EOF
  cat >"$tmp/data/pg_hba.conf" <<EOF
# cluster.sh: trust on the unix socket and on 127.0.0.1 (a throwaway test cluster).
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  # Socket only while seeding: no TCP port to find yet.
  printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = 5432\n" "$tmp" \
    >"$tmp/data/instance.conf"
  if ! as_owner "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/seed.log" -w -t 30 start \
    >"$tmp/pg_ctl.log" 2>&1; then
    cat "$tmp/pg_ctl.log" "$tmp/seed.log" >&2
    rm -rf "$tmp"
    die "the server did not start to seed $tmp"
  fi
  local ok=1
  if ! psql_q "host=$tmp port=5432 user=gebieden dbname=postgres" \
    -c "CREATE DATABASE template_postgis IS_TEMPLATE true" >/dev/null ||
    ! psql_q "host=$tmp port=5432 user=gebieden dbname=template_postgis" \
      -c "CREATE EXTENSION postgis" >/dev/null; then
    ok=0
  fi
  as_owner "$bindir/pg_ctl" -D "$tmp/data" -m fast -w -t 30 stop >/dev/null 2>&1 || ok=0
  if [ $ok = 0 ]; then
    cat "$tmp/seed.log" >&2
    rm -rf "$tmp"
    die "could not create the PostGIS template (apt-get install postgresql-15-postgis-3)"
  fi
  rm -f "$tmp/data/instance.conf" "$tmp/data/postmaster.opts"
  # After the clean shutdown only the WAL file of its checkpoint is needed; the later ones are
  # recycled, empty: not copying them makes `start` faster (15 MB of 50).
  local redo f
  redo=$(LC_ALL=C "$bindir/pg_controldata" "$tmp/data" | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
  if [[ "$redo" =~ ^[0-9A-F]{24}$ ]]; then
    for f in "$tmp/data/pg_wal/"*; do
      [[ "$(basename "$f")" =~ ^[0-9A-F]{24}$ ]] && [[ "$(basename "$f")" > "$redo" ]] && rm -f "$f"
    done
  fi
  echo "$key" >"$tmp/key"
  rm -rf "$seed"
  mv -T "$tmp" "$seed" 2>/dev/null || rm -rf "$tmp" # another one was faster: keep that
}

seed() {
  make_seed "$(cluster_home "$dir").seed"
}

start() {
  remove_cluster "$dir"
  local home
  home=$(cluster_home "$dir")
  if [ "$home" != "$dir" ]; then remove_cluster "$home"; fi
  make_seed "$home.seed"
  mkdir -p "$home"
  if [ "$home" != "$dir" ]; then
    mkdir -p "$(dirname "$dir")"
    ln -s "$home" "$dir"
  fi
  : >"$home/.gebieden-test-cluster"
  chmod 700 "$home"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$home"; fi
  cp -a "$home.seed/data" "$home/data"

  local port tries=0
  while :; do
    tries=$((tries + 1))
    port=$(pick_port)
    printf "listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nport = %s\n" \
      "$home" "$port" >"$home/data/instance.conf"
    : >"$home/server.log"
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$home/server.log" "$home/data/instance.conf"
    fi
    # -w -t 30: pg_ctl waits until the server accepts connections, at most 30 s.
    if as_owner "$bindir/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 30 start \
      >"$home/pg_ctl.log" 2>&1; then
      break
    fi
    # Another process took the port between the check and the bind: try another one.
    if [ $tries -lt 5 ] && grep -q "could not bind\|Address already in use" "$home/server.log"; then
      as_owner "$bindir/pg_ctl" -D "$home/data" -m immediate stop >/dev/null 2>&1 || true
      continue
    fi
    echo "--- pg_ctl ---" >&2
    cat "$home/pg_ctl.log" >&2
    echo "--- server log ($home/server.log) ---" >&2
    cat "$home/server.log" >&2
    die "the server did not start in $home"
  done

  local ready=0
  for _ in $(seq 300); do
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U gebieden -d postgres -t 1; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [ $ready = 0 ]; then
    echo "--- server log ($home/server.log) ---" >&2
    cat "$home/server.log" >&2
    die "the server on port $port does not accept connections"
  fi

  local conninfo="host=127.0.0.1 port=$port user=gebieden dbname=postgres"
  echo "$conninfo" >"$home/conninfo.tmp"
  chmod 644 "$home/conninfo.tmp"
  mv "$home/conninfo.tmp" "$home/conninfo"
  echo "$conninfo"
}

stop() {
  remove_cluster "$dir"
  local home
  home=$(cluster_home "$dir")
  if [ "$home" != "$dir" ]; then remove_cluster "$home"; fi
}

createdb() {
  local name=${1:-}
  [[ "$name" =~ ^[a-z0-9_]{1,63}$ ]] || die "database name '$name' is not [a-z0-9_]{1,63}"
  if [ "$name" = postgres ] || [[ "$name" == template* ]]; then
    die "database name '$name' is reserved"
  fi
  [ -f "$dir/conninfo" ] || die "no cluster in $dir (cluster.sh start $dir)"
  local conninfo
  conninfo=$(cat "$dir/conninfo")
  psql_q "$conninfo" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" \
    -c "CREATE DATABASE $name TEMPLATE template_postgis" >/dev/null ||
    die "could not create database $name"
  echo "${conninfo% dbname=postgres} dbname=$name"
}

case "$cmd" in
  seed) seed ;;
  start) start ;;
  stop) stop ;;
  createdb)
    [ $# -eq 3 ] || usage
    createdb "$3"
    ;;
  *) usage ;;
esac
