#!/usr/bin/env bash
# Wordcloud rendering: the wordcloud plugin (through the SDK harness, dlopen'ed like the host
# does it) vs Python's wordcloud 1.8 (Debian's python3-wordcloud, /usr/bin/python3) on the same
# 500 real HN titles (hn-2022-03-29), at 400x200, 800x800 and 1600x1600. Target: >= 30x at every
# size (issue 12). Rows in bench/lib.sh's format; bench/run.sh runs this script.
#
# Two rows per size, both sides measured the same way, in this one invocation:
#   in-process    the median of several renders inside one process, after a warm-up:
#                 Python's WordCloud(...).generate(text).to_image().save(png) (what the issue's
#                 0.31 / 0.67 / 3.37 s measure) vs the plugin's materialize (JSON parse +
#                 tokenize + layout + render + PNG encode; bench/wordcloud_bench.cc REPEAT);
#   process       whole processes (hyperfine medians): interpreter start and imports vs
#                 process start, dlopen and font loading included.
# Peak RSS: one whole-process run of each side.
#
#   BUILD=/path/to/build bench/wordcloud_bench.sh      (needs the wordcloud_bench target)
#   RUNS_CPP=20 RUNS_PY=5 SIZES="400x200 800x800" bench/wordcloud_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ITEMS="${ITEMS:-$BENCH_ROOT/../shared/hn-data/hn-2022-03-29/items.json}"
DRIVER="$BUILD/plugins/wordcloud/wordcloud_bench"
PY=/usr/bin/python3
PYBENCH="$BENCH_ROOT/bench/wordcloud_py.py"
RUNS_CPP="${RUNS_CPP:-20}"
RUNS_PY="${RUNS_PY:-5}"
SIZES="${SIZES:-400x200 800x800 1600x1600}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

[ -x "$DRIVER" ] || { echo "missing $DRIVER: cmake --build $BUILD --target wordcloud_bench" >&2; exit 1; }
"$PY" -c 'import wordcloud' 2>/dev/null || { echo "Python's wordcloud is missing: apt-get install python3-wordcloud" >&2; exit 1; }

for size in $SIZES; do
  w=${size%x*} h=${size#*x}
  cpp_cmd="$DRIVER $ITEMS $w $h $OUT/cpp_$size.png"
  py_cmd="$PY $PYBENCH $ITEMS $w $h $OUT/py_$size.png"
  # In-process medians, back to back so both see the same machine load.
  py_in=$($py_cmd "$RUNS_PY")
  cpp_in=$($cpp_cmd "$RUNS_CPP")
  cpp=$(median_s "$RUNS_CPP" "$cpp_cmd")
  py=$(median_s "$RUNS_PY" "$py_cmd")
  rss_cpp=$(peak_rss_mb $cpp_cmd)
  rss_py=$(peak_rss_mb $py_cmd)
  row "wordcloud $size, generate + image + PNG, in-process median (vs Python wordcloud 1.8)" \
    "$(fmt_s "$cpp_in")" "$(fmt_s "$py_in")" "$(ratio "$py_in" "$cpp_in")" "$(at_least 30 "$py_in" "$cpp_in")" "–"
  row "wordcloud $size, whole process (vs Python wordcloud 1.8)" \
    "$(fmt_s "$cpp")" "$(fmt_s "$py")" "$(ratio "$py" "$cpp")" "$(at_least 30 "$py" "$cpp")" "$rss_cpp / $rss_py MiB"
done
