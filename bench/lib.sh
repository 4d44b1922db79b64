# Shared helpers for bench/*.sh rows. Source it; every row prints one markdown table line:
# | benchmark | assetflow | baseline | ratio | target | peak RSS (assetflow / baseline) |
# Medians come from hyperfine (several runs in the same invocation, so both sides see the same
# machine load); peak RSS from GNU time's "Maximum resident set size".

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-$BENCH_ROOT/build}"
AF="$BUILD/assetflow"

# median_s RUNS CMD: median wall time in seconds (hyperfine, 1 warmup).
median_s() {
  local runs="$1"; shift
  local json; json=$(mktemp)
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1 \
    || hyperfine --warmup 1 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
  python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}

# peak_rss_mb CMD...: peak resident set size of one run, in MiB.
peak_rss_mb() {
  local out; out=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$out" || true
  awk '/Maximum resident set size/ {printf "%.1f", $NF/1024}' "$out"
  rm -f "$out"
}

# fmt_s SECONDS: "12.3 ms" or "1.23 s".
fmt_s() { python3 -c 'import sys; s=float(sys.argv[1]); print("%.1f ms" % (s*1e3) if s < 1 else "%.2f s" % s)' "$1"; }
ratio() { python3 -c 'import sys; print("%.1f×" % (float(sys.argv[1])/float(sys.argv[2])))' "$1" "$2"; }
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 |"; }
# at_least TARGET BASELINE OURS: "✅ ≥ 30×" when BASELINE / OURS reaches TARGET, else "❌ ≥ 30×".
at_least() { python3 -c 'import sys; t,b,o=map(float,sys.argv[1:]); print("%s ≥ %g×" % ("✅" if b/o >= t else "❌", t))' "$1" "$2" "$3"; }
