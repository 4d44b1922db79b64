#!/usr/bin/env bash
# Graph layout for the web UI (host/layout): af::ComputeLayout on the bench's layered DAG
# (100 assets per layer, two inputs each, 10 groups; bench/layout_bench.cc), in-process
# medians, vs dagre (@dagrejs/dagre with its fastest ranker, longest-path; Node, from ui/'s
# dev dependencies) on the same graph in this same invocation. Target: 10,000 assets <= 100 ms.
#   RUNS=11 DAGRE_RUNS=3 bench/layout.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DRIVER="$BUILD/host/layout/layout_bench"
RUNS="${RUNS:-11}"
DAGRE_RUNS="${DAGRE_RUNS:-3}"
[ -x "$DRIVER" ] || { row "graph layout" "not built (layout_bench)" "" "" "" ""; exit 0; }

read -r ours_1k _ < <("$DRIVER" 1000 expanded "$RUNS")
dagre_1k="—"; ratio_1k="—"
if command -v node >/dev/null && [ -d "$BENCH_ROOT/ui/node_modules/@dagrejs/dagre" ]; then
  dagre_1k=$(node "$BENCH_ROOT/bench/layout_dagre.mjs" 1000 "$DAGRE_RUNS")
  ratio_1k=$(ratio "$dagre_1k" "$ours_1k")
  dagre_1k="$(fmt_s "$(python3 -c "print($dagre_1k/1000)")") (dagre)"
fi
rss=$(peak_rss_mb "$DRIVER" 10000 expanded 1)
row "graph layout, 1,000 assets (longest-path + 4 barycenter sweeps + packing)" \
  "$(fmt_s "$(python3 -c "print($ours_1k/1000)")")" "$dagre_1k" "$ratio_1k" "—" "—"
read -r ours_10k _ < <("$DRIVER" 10000 expanded "$RUNS")
read -r ours_10k_c nodes_c < <("$DRIVER" 10000 collapsed "$RUNS")
row "graph layout, 10,000 assets, every asset drawn" \
  "$(fmt_s "$(python3 -c "print($ours_10k/1000)")")" "dagre: ~76 s (reference, not rerun)" "—" "≤ 100 ms" "$rss MiB"
row "graph layout, 10,000 assets, groups collapsed (default view: $nodes_c nodes)" \
  "$(fmt_s "$(python3 -c "print($ours_10k_c/1000)")")" "—" "—" "≤ 100 ms" "—"
