#!/usr/bin/env bash
# The long fuzz runs (`make fuzz`): each target for SECONDS (default 600) under nice -n 19, its
# growing corpus in BUILD_FUZZ/fuzz-corpus/<target> (seeded from tests/fuzz/corpus/<target>),
# findings in BUILD_FUZZ/fuzz-findings/<target>/, the log in BUILD_FUZZ/fuzz-logs/<target>.log.
# Prints one line per target: executions, exec/s, cov, ft, corpus size, findings.
# Usage: tests/fuzz/run.sh BUILD_FUZZ [SECONDS]; FUZZ_TARGETS restricts, FUZZ_JOBS (default 1)
# runs that many targets at once. Exit 1 when a target had a finding.
set -u
build=$(cd "${1:?usage: run.sh BUILD_FUZZ [SECONDS]}" && pwd)
seconds=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
targets=${FUZZ_TARGETS:-"cql2_text cql2_json esri_where http http_parse geocoder config store_body csv"}
jobs=${FUZZ_JOBS:-1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
# The targets that reach GEOS's MakeValid (filter literals): the slow unwinder, so that the
# stack of GEOS's BufferBuilder leak reaches BufferBuilder and lsan.supp matches it (Debian's
# libgeos has no frame pointers). It makes every allocation slower: only where it is needed.
asan_options() {
  case "$1" in
    cql2_text | cql2_json | esri_where | http) echo "$ASAN_OPTIONS:fast_unwind_on_malloc=0" ;;
    *) echo "$ASAN_OPTIONS" ;;
  esac
}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
mkdir -p "$build/fuzz-logs"
# The targets' temporary folders (the dev store, the files they write), removed at the end.
export GEBIEDEN_FUZZ_TMPDIR="$build/fuzz-tmp"
mkdir -p "$GEBIEDEN_FUZZ_TMPDIR"

one() {
  local t=$1 exe="$build/tests/fuzz/fuzz_$1"
  mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-findings/$t"
  ASAN_OPTIONS=$(asan_options "$t") nice -n 19 "$exe" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
    -dict="$here/$t.dict" -artifact_prefix="$build/fuzz-findings/$t/" \
    "$build/fuzz-corpus/$t" "$here/corpus/$t" >"$build/fuzz-logs/$t.log" 2>&1
}

summary() {
  local t=$1 log="$build/fuzz-logs/$1.log"
  local runs rate cov ft corp findings
  runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/^stat::average_exec_per_sec/ {print $2}' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  corp=$(ls "$build/fuzz-corpus/$t" | wc -l)
  # crash-, leak-, timeout-, oom-: findings; slow-unit- (over 10 s once, on a shared machine) not.
  findings=$(ls "$build/fuzz-findings/$t" | grep -vc '^slow-unit-')
  printf '%-11s %5ss %10s runs %7s exec/s  cov %6s  ft %7s  corpus %6s  findings %s\n' \
    "$t" "$seconds" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$findings"
  [ "$findings" = 0 ]
}

running=0
for t in $targets; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
rm -rf "$GEBIEDEN_FUZZ_TMPDIR"
status=0
for t in $targets; do summary "$t" || status=1; done
exit $status
