#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs one or all of them.
#   fuzz/run.sh TARGET SECONDS     e.g. fuzz/run.sh manifest 600
#   fuzz/run.sh all SECONDS        each target in turn, SECONDS each
#   fuzz/run.sh list               the targets
# The seeds in fuzz/corpus/TARGET are copied into a working corpus under build-fuzz/corpus/ (the
# repository keeps only the small seeds); crashes land in build-fuzz/artifacts/TARGET/. The last
# lines printed per target are libFuzzer's final stats (executions, cov, ft). Exit status: 1 if
# any target crashed. FUZZ_JOBS (default 2) is the build's -j; extra libFuzzer flags go in
# FUZZ_FLAGS (e.g. FUZZ_FLAGS=-rss_limit_mb=4096).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
TARGETS=(manifest selection cron hn_item hn_topstories wordcloud_tokenizer wordcloud_input)

dict_of() {
  case "$1" in
    manifest) echo fuzz/dict/manifest.dict ;;
    selection) echo fuzz/dict/selection.dict ;;
    cron) echo fuzz/dict/cron.dict ;;
    hn_item|hn_topstories|wordcloud_input) echo fuzz/dict/json.dict ;;
    *) echo "" ;;
  esac
}

usage() { echo "usage: fuzz/run.sh TARGET|all SECONDS   (targets: ${TARGETS[*]})" >&2; exit 2; }
[ $# -ge 1 ] || usage
if [ "$1" = list ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
[ $# -eq 2 ] || usage
[[ "$2" =~ ^[0-9]+$ ]] || usage
if [ "$1" = all ]; then sel=("${TARGETS[@]}"); else
  [[ " ${TARGETS[*]} " == *" $1 "* ]] || usage
  sel=("$1")
fi

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DASSETFLOW_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$BUILD" -j "${FUZZ_JOBS:-2}" --target "${sel[@]/#/fuzz_}" >/dev/null

failed=0
for t in "${sel[@]}"; do
  corpus=$BUILD/corpus/$t artifacts=$BUILD/artifacts/$t
  mkdir -p "$corpus" "$artifacts" "$BUILD/logs"
  cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  args=(-max_total_time="$2" -print_final_stats=1 -timeout=10 -artifact_prefix="$artifacts/")
  d=$(dict_of "$t"); [ -n "$d" ] && args+=(-dict="$ROOT/$d")
  echo "== $t: $2 s, log $BUILD/logs/$t.log"
  # halt_on_error: the first report ends the run with the input saved as an artifact.
  if ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$ROOT/tests/sanitizers/ubsan.supp \
     "$BUILD/fuzz/fuzz_$t" "${args[@]}" ${FUZZ_FLAGS:-} "$corpus" >"$BUILD/logs/$t.log" 2>&1; then
    :
  else
    failed=1
    echo "   CRASH: $(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$BUILD/logs/$t.log" || true)"
    ls "$artifacts"
  fi
  grep -E '^#[0-9]+.*(DONE|cov:)' "$BUILD/logs/$t.log" | tail -1 || true
  grep -E '^stat::' "$BUILD/logs/$t.log" || true
done
exit $failed
