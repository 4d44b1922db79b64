#!/usr/bin/env bash
# Engine rows: N no-op assets materialized end to end (plan, thread pool, fs IO manager with
# atomic writes, SQLite event log), -j = cores. A fresh home per run: every asset is written.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
J=$(nproc)

run_n() {  # run_n N RUNS -> median seconds
  local n=$1 runs=$2
  python3 "$BENCH_ROOT/bench/gen_manifest.py" "$n" "$tmp/$n.yaml"
  local json; json=$(mktemp)
  hyperfine -N --runs "$runs" --prepare "rm -rf $tmp/home-$n" --export-json "$json" \
    "$AF --home $tmp/home-$n --manifest $tmp/$n.yaml -q materialize --all -j $J" >/dev/null 2>&1
  python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}

t10k=$(run_n 10000 5)
rm -rf "$tmp/home-10000"
rss10k=$(peak_rss_mb "$AF" --home "$tmp/home-10000" --manifest "$tmp/10000.yaml" -q materialize --all -j "$J")
per_step=$(python3 -c "print('%.0f µs' % ($t10k/10000*1e6))")
row "materialize 10,000 no-op assets, -j $J" "$(fmt_s "$t10k")" "—" "—" "≤ 3 s" "$rss10k MiB"
row "per-step overhead (10,000 run / 10,000)" "$per_step" "—" "—" "—" "—"

t100k=$(run_n 100000 1)
rm -rf "$tmp/home-100000"
rss100k=$(peak_rss_mb "$AF" --home "$tmp/home-100000" --manifest "$tmp/100000.yaml" -q materialize --all -j "$J")
row "materialize 100,000 no-op assets, -j $J" "$(fmt_s "$t100k")" "10,000: $(fmt_s "$t10k")" "$(ratio "$t100k" "$t10k") of 10k" "≤ 10× the 10k time" "$rss100k MiB"
