#!/usr/bin/env bash
# The whole seed pipeline, side by side against one replay server with 20 ms per request:
# the seed's Python script (sequential extract + wordcloud + markdown) vs
# `assetflow materialize --all` of manifests/hackernews.yaml (fresh home each run).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
"$BUILD/hn-replay" --data "$BENCH_ROOT/../shared/hn-data/hn-2022-03-29" --port 0 --latency-ms 20 >"$tmp/replay.log" 2>&1 &
replay=$!
trap 'kill $replay 2>/dev/null; wait $replay 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do port=$(awk '/^listening on/ {print $3; exit}' "$tmp/replay.log"); [ -n "$port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$port/v0"

export HN_API_URL="$url" ASSETFLOW_OUTPUT="$tmp/out.md"
af_cmd="$AF --home $tmp/home --manifest $BENCH_ROOT/manifests/hackernews.yaml -q materialize --all"
py_cmd="/usr/bin/python3 $BENCH_ROOT/bench/seed_pipeline.py $url $tmp/seed.md"

json=$(mktemp)
hyperfine --runs 3 --prepare "rm -rf $tmp/home" --export-json "$json" "$af_cmd" "$py_cmd" >/dev/null 2>&1
read -r t_af t_py < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("%.6f %.6f" % (r[0]["median"], r[1]["median"]))' "$json")
rm -f "$json"
rm -rf "$tmp/home"
rss_af=$(peak_rss_mb $af_cmd)
rss_py=$(peak_rss_mb $py_cmd)
row "seed pipeline end to end (500 stories, 20 ms/request, the seed's 400×200 white cloud; shipped concurrency 128)" "$(fmt_s "$t_af")" "$(fmt_s "$t_py") (seed script)" "$(ratio "$t_py" "$t_af") faster" "$(at_least 40 "$t_py" "$t_af")" "$rss_af / $rss_py MiB"
