#!/usr/bin/env bash
# Run every fuzz target briefly over its seed corpus: a regression of a fixed finding (its input
# is in the corpus) or a new crash on the seeds fails. Usage: tests/fuzz/smoke.sh BUILD_FUZZ
# [SECONDS]. SECONDS (default 5) is each target's time after its corpus has run once; the
# corpus is copied to a scratch folder, so that the checked-in seeds stay as they are.
# FUZZ_TARGETS="cql2_text http" restricts the run. Exit 1 on any finding.
set -u
build=${1:?usage: smoke.sh BUILD_FUZZ [SECONDS]}
seconds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
targets=${FUZZ_TARGETS:-"cql2_text cql2_json esri_where http http_parse geocoder config store_body csv"}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The targets' temporary folders (the dev store, the files they write) go there too.
export GEBIEDEN_FUZZ_TMPDIR="$scratch"
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
failed=""
for t in $targets; do
  exe="$build/tests/fuzz/fuzz_$t"
  if [ ! -x "$exe" ]; then echo "smoke: $exe is missing (build with GEBIEDEN_FUZZ=ON)"; exit 1; fi
  mkdir -p "$scratch/$t" "$scratch/artifacts-$t"
  start=$(date +%s%N)
  if ASAN_OPTIONS=$(asan_options "$t") "$exe" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
       -dict="$here/$t.dict" -artifact_prefix="$scratch/artifacts-$t/" \
       "$scratch/$t" "$here/corpus/$t" >"$scratch/$t.log" 2>&1; then
    stats=$(grep -E '^stat::number_of_executed_units' "$scratch/$t.log" | awk '{print $2}')
    ms=$((($(date +%s%N) - start) / 1000000))
    printf 'smoke: %-11s ok %8s runs in %d.%01d s\n' "$t" "${stats:-?}" $((ms / 1000)) $((ms % 1000 / 100))
  else
    echo "smoke: $t FAILED; the end of its log:"
    tail -n 60 "$scratch/$t.log"
    for a in "$scratch/artifacts-$t"/*; do
      [ -e "$a" ] && { echo "input ($a):"; head -c 600 "$a" | od -c | head -20; }
    done
    failed="$failed $t"
  fi
done
if [ -n "$failed" ]; then echo "smoke: findings in:$failed"; exit 1; fi
echo "smoke: all targets ok"
