# Shared by the HTTP benchmarks (sourced): start `gebieden serve` on a free port of 127.0.0.1
# and wait for its listening line; `field` reads a member of bench_ogc's JSON line.
# Expects GEBIEDEN (the binary) and TMP (a scratch folder); sets SERVER_PID and PORT.

start_server() {
  "$GEBIEDEN" serve "$@" --host 127.0.0.1 --port 0 >"$TMP/server.out" 2>"$TMP/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    grep -q "^listening on" "$TMP/server.out" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.err" >&2; exit 1; }
    sleep 0.1
  done
  PORT=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$TMP/server.out")
  [ -n "$PORT" ] || { echo "error: the server did not start" >&2; cat "$TMP/server.err" >&2; exit 1; }
}

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }
