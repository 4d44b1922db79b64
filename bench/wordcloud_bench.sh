#!/usr/bin/env bash
# Wordcloud rendering: the wordcloud plugin (through the SDK harness, dlopen'ed like the host
# does it) vs Python's wordcloud 1.8 (Debian's python3-wordcloud) on the same 500 real HN
# titles, at 400x200, 800x800 and 1600x1600: read items.json, generate, render, write the PNG.
#
# Two rows per size:
#   process     both sides as whole processes (hyperfine medians, same run, same machine load);
#   in-process  Python's generate + to_image + save alone (no interpreter start, no imports;
#               what the issue's 0.31 / 0.67 / 3.37 s measure) vs our whole process, unchanged.
# Target: >= 20x at every size.
#
#   BUILD=/path/to/build bench/wordcloud_bench.sh      (needs the wordcloud_bench target)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ITEMS="${ITEMS:-$BENCH_ROOT/../shared/hn-data/hn-2022-03-29/items.json}"
DRIVER="$BUILD/plugins/wordcloud/wordcloud_bench"
PY=/usr/bin/python3
PYBENCH="$BENCH_ROOT/bench/wordcloud_py.py"
RUNS_CPP="${RUNS_CPP:-20}"
RUNS_PY="${RUNS_PY:-5}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

[ -x "$DRIVER" ] || { echo "missing $DRIVER: cmake --build $BUILD --target wordcloud_bench" >&2; exit 1; }
"$PY" -c 'import wordcloud' 2>/dev/null || { echo "Python's wordcloud is missing: apt-get install python3-wordcloud" >&2; exit 1; }

for size in 400x200 800x800 1600x1600; do
  w=${size%x*} h=${size#*x}
  cpp_cmd="$DRIVER $ITEMS $w $h $OUT/cpp_$size.png"
  py_cmd="$PY $PYBENCH $ITEMS $w $h $OUT/py_$size.png"
  cpp=$(median_s "$RUNS_CPP" "$cpp_cmd")
  py=$(median_s "$RUNS_PY" "$py_cmd")
  py_inproc=$("$PY" "$PYBENCH" "$ITEMS" "$w" "$h" "$OUT/py_$size.png" "$RUNS_PY")
  rss_cpp=$(peak_rss_mb $cpp_cmd)
  rss_py=$(peak_rss_mb $py_cmd)
  row "wordcloud $size, process" "$(fmt_s "$cpp")" "$(fmt_s "$py")" "$(ratio "$py" "$cpp")" "≥ 20×" "$rss_cpp / $rss_py MiB"
  row "wordcloud $size, in-process baseline" "$(fmt_s "$cpp")" "$(fmt_s "$py_inproc")" "$(ratio "$py_inproc" "$cpp")" "≥ 20×" "–"
done
