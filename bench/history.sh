#!/usr/bin/env bash
# History rows (issue 12): `status`, `runs` and `logs RUN` against an event log of 1,000 runs and
# ~1,000,000 events, next to the same commands on a home with one run, so the ratio shows what
# the history's size costs (indexes: it should cost nothing). The large log is a real run of a
# 333-asset manifest (1,001 events) grown by bench/gen_eventlog.py into RUNS runs.
#
# Env: BUILD, RUNS (1000 runs in the log), REPS (hyperfine runs per command, 20).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS="${RUNS:-1000}"
REPS="${REPS:-20}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$BENCH_ROOT/bench/gen_manifest.py" 333 "$tmp/m.yaml" --no-fsync
af() { "$AF" --manifest "$tmp/m.yaml" --plugin-dir "$BUILD/plugins" "$@"; }
af --home "$tmp/small" -q materialize --all >/dev/null
af --home "$tmp/big" -q materialize --all >/dev/null
read -r n_runs n_events < <(python3 "$BENCH_ROOT/bench/gen_eventlog.py" "$tmp/big" "$RUNS")
newest_run() {
  python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT run_id FROM runs ORDER BY started_ms DESC LIMIT 1").fetchone()[0])' "$1/assetflow.db"
}
run_id=$(newest_run "$tmp/big")
small_id=$(newest_run "$tmp/small")

for cmd in "status|100" "runs|50" "logs|50"; do
  name=${cmd%|*} target=${cmd#*|}
  case $name in
    status) args_big="status"; args_small="status" ;;
    runs) args_big="runs"; args_small="runs" ;;
    logs) args_big="logs ${run_id:0:8}"; args_small="logs ${small_id:0:8}" ;;
  esac
  base="$AF --manifest $tmp/m.yaml --plugin-dir $BUILD/plugins"
  t_big=$(median_s "$REPS" "$base --home $tmp/big $args_big")
  t_small=$(median_s "$REPS" "$base --home $tmp/small $args_small")
  verdict=$(python3 -c "t=$t_big; print('%s ≤ $target ms' % ('✅' if t <= $target / 1000 else '❌'))")
  case $name in
    status) what="\`status\` (333 assets)" ;;
    runs) what="\`runs\` (the 20 newest)" ;;
    logs) what="\`logs RUN\` (one run's 1,001 events, by an 8-character id prefix)" ;;
  esac
  row "$what with $n_runs runs and $n_events events in the log" \
    "$(fmt_s "$t_big")" "1 run: $(fmt_s "$t_small")" "$(ratio "$t_big" "$t_small") of 1 run" "$verdict" \
    "$(peak_rss_mb $base --home "$tmp/big" $args_big) MiB"
done
