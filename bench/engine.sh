#!/usr/bin/env bash
# Engine rows: N no-op assets materialized end to end (plan, thread pool, fs IO manager with
# atomic writes, SQLite event log), -j = cores, a fresh home per run so every asset is written.
# Two storage settings: the default (fsync of file and directory per asset: crash-durable) and
# `fsync: false` (atomic rename only — what Dagster's fs_io_manager does, which never fsyncs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
# A second home on tmpfs separates the engine's own cost from this machine's disk: on the
# ext4 of this VM creating a file costs ~0.4 ms of system time, which dominates no-op steps.
shm=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp" "$shm"' EXIT
J=$(nproc)
HOME_DIR="$tmp/home"

run_n() {  # run_n N RUNS [gen options] -> median seconds; manifest at $tmp/m-N.yaml
  local n=$1 runs=$2; shift 2
  python3 "$BENCH_ROOT/bench/gen_manifest.py" "$n" "$tmp/m-$n.yaml" "$@"
  local json; json=$(mktemp)
  hyperfine -N --runs "$runs" --prepare "rm -rf $HOME_DIR" --export-json "$json" \
    "$AF --home $HOME_DIR --manifest $tmp/m-$n.yaml -q materialize --all -j $J" >/dev/null 2>&1
  python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}
rss_n() { rm -rf "$HOME_DIR"; peak_rss_mb "$AF" --home "$HOME_DIR" --manifest "$tmp/m-$1.yaml" -q materialize --all -j "$J"; }
per_step() { python3 -c "import sys; print('%.0f µs' % (float(sys.argv[1])/float(sys.argv[2])*1e6))" "$1" "$2"; }

# Durable (default) and `fsync: false` back to back, so their ratio is taken under the same load:
# durability is one syncfs per batch of finished assets plus the event log's WAL sync (group
# commit), not a file + directory fsync per asset.
t10k=$(run_n 10000 5 --no-fsync)
t=$(run_n 10000 5)
row "materialize 10,000 no-op assets, -j $J, durable (default: group commit)" "$(fmt_s "$t")" "\`fsync: false\`: $(fmt_s "$t10k")" "$(ratio "$t" "$t10k")" "≤ 1.5 s and ≤ 1.6×" "$(rss_n 10000) MiB"
row "materialize 10,000 no-op assets, -j $J, \`fsync: false\`" "$(fmt_s "$t10k")" "—" "$(per_step "$t10k" 10000)/step" "—" "$(rss_n 10000) MiB"

# Process isolation: the same 200 no-op assets with every step in a child process
# (`assetflow worker run-step`), -j 1 so the difference is the per-step cost, on tmpfs.
iso_home="$shm/iso"
python3 "$BENCH_ROOT/bench/gen_manifest.py" 200 "$tmp/m-iso.yaml" --no-fsync
iso_in=$(median_s 5 "$AF" --home "$iso_home" --manifest "$tmp/m-iso.yaml" -q materialize --all -j 1 --executor in_process)
iso_mp=$(median_s 5 "$AF" --home "$iso_home" --manifest "$tmp/m-iso.yaml" -q materialize --all -j 1 --executor multiprocess)
row "isolated no-op step (\`--executor multiprocess\`, 200 steps, -j 1): overhead per step" "$(python3 -c "import sys; print('%.2f ms' % ((float(sys.argv[1])-float(sys.argv[2]))/200*1e3))" "$iso_mp" "$iso_in")" "in-process: $(per_step "$iso_in" 200)/step" "$(ratio "$iso_mp" "$iso_in")" "≤ 5 ms" "—"
t100k=$(run_n 100000 1 --no-fsync)
row "materialize 100,000 no-op assets, -j $J, \`fsync: false\`" "$(fmt_s "$t100k")" "10,000: $(fmt_s "$t10k")" "$(ratio "$t100k" "$t10k") of 10k" "≤ 10× the 10k time" "$(rss_n 100000) MiB"

HOME_DIR="$shm/home"
s10k=$(run_n 10000 5)
row "materialize 10,000 no-op assets, -j $J, home on tmpfs (engine cost without the disk)" "$(fmt_s "$s10k")" "—" "$(per_step "$s10k" 10000)/step" "≤ 3 s" "$(rss_n 10000) MiB"
s100k=$(run_n 100000 3)
row "materialize 100,000 no-op assets, -j $J, home on tmpfs" "$(fmt_s "$s100k")" "10,000: $(fmt_s "$s10k")" "$(ratio "$s100k" "$s10k") of 10k" "≤ 10× the 10k time" "$(rss_n 100000) MiB"

# Memory (issue 12): peak RSS of the whole materialization at 10k and 100k assets, what each
# asset costs beyond the fixed part (the slope between the two), and the target at 100k.
m10k=$(rss_n 10000)
m100k=$(rss_n 100000)
read -r per_asset fixed < <(python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); s=(b-a)*1048576/90000; print('%.0f %.1f' % (s, a-s*10000/1048576))" "$m10k" "$m100k")
row "peak RSS, materialize 10,000 / 100,000 no-op assets (tmpfs)" "$m10k / $m100k MiB" "—" "$per_asset bytes/asset + $fixed MiB fixed" \
  "$(python3 -c "import sys; print('✅' if float(sys.argv[1]) <= 100 else '❌')" "$m100k") ≤ 100 MiB at 100k" "$m100k MiB"
