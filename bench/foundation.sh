#!/usr/bin/env bash
# Foundation rows: CLI cold start and manifest load + plan at scale.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export ASSETFLOW_HOME="$tmp/home"

# Cold start: a whole process that parses the shipped manifest, loads every plugin, resolves
# config schemas, builds the graph and prints the list.
t=$(median_s 50 "$AF --manifest $BENCH_ROOT/manifests/hackernews.yaml list")
rss=$(peak_rss_mb "$AF" --manifest "$BENCH_ROOT/manifests/hackernews.yaml" list)
row "cold start: \`assetflow list\` (shipped manifest)" "$(fmt_s "$t")" "—" "—" "≤ 20 ms" "$rss MiB"

python3 "$BENCH_ROOT/bench/gen_manifest.py" 10000 "$tmp/10k.yaml"
t=$(median_s 10 "$AF --manifest $tmp/10k.yaml materialize --all --dry-run")
rss=$(peak_rss_mb "$AF" --manifest "$tmp/10k.yaml" materialize --all --dry-run)
row "load + plan 10,000-asset manifest (\`materialize --all --dry-run\`)" "$(fmt_s "$t")" "—" "—" "≤ 200 ms" "$rss MiB"
