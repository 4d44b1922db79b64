#!/usr/bin/env bash
# Slurm rows: what running a step as a Slurm job costs, on the test cluster of tests/slurm
# (two 1-CPU nodes on this machine, sched_interval=1; started here in a temporary directory and
# stopped at exit; needs root like the tests).
#  - a chain of N no-op assets (each reads the previous one, so steps run one after another):
#    `--executor slurm` against the thread executor, per-step overhead = difference / N;
#  - 100 independent no-op assets on the two nodes, against the thread executor at -j 2;
#  - Slurm's own floor for the same shapes, without assetflow: N chained no-op jobs (each
#    submitted once the previous one left squeue), and 100 no-op jobs submitted at once until the
#    queue drains.
# Medians by hyperfine (runs below); a fresh home per run so every asset is materialized.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CHAIN="${SLURM_BENCH_CHAIN:-10}"
WIDE="${SLURM_BENCH_WIDE:-100}"
RUNS="${SLURM_BENCH_RUNS:-3}"

tmp=$(mktemp -d -p "$BUILD" slurm-bench.XXXXXX)  # shared storage: the nodes see this disk
cluster="$tmp/cluster"
trap '"$BENCH_ROOT/tests/slurm/cluster.sh" stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
if ! env_lines=$("$BENCH_ROOT/tests/slurm/cluster.sh" start "$cluster" 2>"$tmp/start.err"); then
  row "Slurm executor" "not run: no test cluster ($(tail -1 "$tmp/start.err"))" "" "" "" ""
  exit 0
fi
eval "$env_lines"
H="$tmp/home"

# median_prep RUNS PREPARE CMD: median seconds, PREPARE run before every timed run.
median_prep() {
  local runs="$1" prep="$2"; shift 2
  local json; json=$(mktemp)
  hyperfine -N --runs "$runs" --prepare "$prep" --export-json "$json" "$*" >/dev/null 2>&1 ||
    { rm -f "$json"; echo fail; return 0; }
  python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}
ms_per() { python3 -c 'import sys; print("%.0f ms" % ((float(sys.argv[1]) - float(sys.argv[2])) / float(sys.argv[3]) * 1e3))' "$@"; }
per_s() { python3 -c 'import sys; print("%.1f steps/s" % (float(sys.argv[2]) / float(sys.argv[1])))' "$@"; }

# Slurm alone. A chained no-op job: submit, poll squeue every 50 ms until it has left the queue,
# next (`sbatch --wait` polls at seconds). 100 at once: submitted back to back, then until the
# queue is empty.
cat >"$tmp/raw_chain.sh" <<EOF
#!/bin/sh
set -e
for i in \$(seq $CHAIN); do
  id=\$(sbatch --parsable --no-requeue -D "$tmp" -o /dev/null --wrap true)
  while [ -n "\$(squeue -h -j "\$id" -o %i 2>/dev/null)" ]; do sleep 0.05; done
done
EOF
cat >"$tmp/raw_wide.sh" <<EOF
#!/bin/sh
set -e
for i in \$(seq $WIDE); do sbatch --parsable --no-requeue -Q -D "$tmp" -o /dev/null --job-name afb --wrap true >/dev/null; done
while [ -n "\$(squeue -h -n afb -o %i)" ]; do sleep 0.05; done
EOF
chmod +x "$tmp/raw_chain.sh" "$tmp/raw_wide.sh"
raw_chain=$(median_s "$RUNS" "$tmp/raw_chain.sh")
raw_wide=$(median_s "$RUNS" "$tmp/raw_wide.sh")

python3 "$BENCH_ROOT/bench/gen_manifest.py" "$CHAIN" "$tmp/chain.yaml" --width 1 --no-fsync
python3 "$BENCH_ROOT/bench/gen_manifest.py" "$WIDE" "$tmp/wide.yaml" --width "$WIDE" --no-fsync
thr_chain=$(median_prep 5 "rm -rf $H" "$AF" --home "$H" --manifest "$tmp/chain.yaml" -q materialize --all -j 1)
thr_wide=$(median_prep 5 "rm -rf $H" "$AF" --home "$H" --manifest "$tmp/wide.yaml" -q materialize --all -j 2)

# The option's list of values (the binary's own path may contain "slurm").
if ! "$AF" materialize --help 2>&1 | grep -qE -- '--executor[^{]*\{[^}]*slurm'; then
  row "Slurm: $CHAIN chained no-op steps, per-step overhead vs threads" "not run: this assetflow has no \`--executor slurm\`" \
    "threads: $(fmt_s "$thr_chain"); Slurm alone: $(ms_per "$raw_chain" 0 "$CHAIN")/job (chained sbatch + squeue)" "" "" ""
  row "Slurm: $WIDE independent no-op steps on 2 nodes" "not run: no \`--executor slurm\`" \
    "threads -j 2: $(fmt_s "$thr_wide"); Slurm alone: $(fmt_s "$raw_wide") ($(per_s "$raw_wide" "$WIDE"))" "" "" ""
  exit 0
fi

slurm_chain=$(median_prep "$RUNS" "rm -rf $H" "$AF" --home "$H" --manifest "$tmp/chain.yaml" -q materialize --all -j 1 --executor slurm)
slurm_wide=$(median_prep "$RUNS" "rm -rf $H" "$AF" --home "$H" --manifest "$tmp/wide.yaml" -q materialize --all -j "$WIDE" --executor slurm)
if [ "$slurm_chain" = fail ] || [ "$slurm_wide" = fail ]; then
  rm -rf "$H"
  "$AF" --home "$H" --manifest "$tmp/chain.yaml" -q materialize --all -j 1 --executor slurm >"$tmp/err" 2>&1 || true
  row "Slurm executor" "failed: $(tail -1 "$tmp/err")" "" "" "" ""
  exit 0
fi
rm -rf "$H"
rss=$(peak_rss_mb "$AF" --home "$H" --manifest "$tmp/wide.yaml" -q materialize --all -j "$WIDE" --executor slurm)
row "Slurm: $CHAIN chained no-op steps (\`--executor slurm\`, -j 1): overhead per step vs threads" \
  "$(ms_per "$slurm_chain" "$thr_chain" "$CHAIN") ($(fmt_s "$slurm_chain") in all)" \
  "threads: $(fmt_s "$thr_chain"); Slurm alone: $(ms_per "$raw_chain" 0 "$CHAIN")/job" \
  "$(ratio "$slurm_chain" "$raw_chain") of Slurm alone" "—" "—"
row "Slurm: $WIDE independent no-op steps on 2 one-CPU nodes (\`--executor slurm\`)" \
  "$(fmt_s "$slurm_wide") ($(per_s "$slurm_wide" "$WIDE"))" \
  "threads -j 2: $(fmt_s "$thr_wide"); Slurm alone: $(fmt_s "$raw_wide")" \
  "$(ratio "$slurm_wide" "$raw_wide") of Slurm alone" "—" "$rss MiB"
