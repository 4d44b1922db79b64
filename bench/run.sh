#!/usr/bin/env bash
# Runs every benchmark side by side in one invocation and prints one markdown table.
# Builds Release first (scripts/setup.sh). Figures and machine go into bench/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
echo "assetflow benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC') — $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo
echo "| benchmark | assetflow | baseline | ratio | target | peak RSS |"
echo "|---|---|---|---|---|---|"
for row in foundation engine history eventlog hn_extract wordcloud_bench pipeline s3 layout hostile sdk slurm; do
  script="bench/$row.sh"
  [ -x "$script" ] || [ -f "$script" ] || continue
  # The rows before write a lot (100,000 assets, a 1,000,000-event log): their dirty pages are
  # written back now, not by the kernel's flusher threads on these two cores during the next
  # row's timings.
  sync
  bash "$script" || echo "| $row | failed (exit $?) | | | | |"
done
