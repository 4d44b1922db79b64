#!/usr/bin/env bash
# The whole seed pipeline, side by side against one replay server with 20 ms per request:
# the seed's Python script (sequential extract + wordcloud + markdown) vs
# `assetflow materialize --all` of manifests/hackernews.yaml (fresh home each run).
# A second row runs the same manifest over HTTPS, where the replay server offers HTTP/2 (ALPN h2)
# as the live API does: the same server and script run (10 runs of each assetflow side), a
# throwaway certificate trusted through a copy of the manifest with `ca_file` added; the seed
# side is unchanged (requests speaks HTTP/1.1 only), so both rows share its figure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
"$BUILD/hn-replay" --data "$BENCH_ROOT/../shared/hn-data/hn-2022-03-29" --port 0 --latency-ms 20 \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" >"$tmp/replay.log" 2>&1 &
replay=$!
trap 'kill $replay 2>/dev/null; wait $replay 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do port=$(awk '/^listening on/ {print $3; exit}' "$tmp/replay.log"); [ -n "$port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$port/v0"

export HN_API_URL="$url" ASSETFLOW_OUTPUT="$tmp/out.md"
af_cmd="$AF --home $tmp/home --manifest $BENCH_ROOT/manifests/hackernews.yaml -q materialize --all"
py_cmd="/usr/bin/python3 $BENCH_ROOT/bench/seed_pipeline.py $url $tmp/seed.md"
mkdir -p "$tmp/h2"
sed "s|^\(      base_url: .*\)$|\1\n      ca_file: \"$tmp/cert.pem\"|" "$BENCH_ROOT/manifests/hackernews.yaml" >"$tmp/h2/hackernews.yaml"
grep -q "ca_file: \"$tmp/cert.pem\"" "$tmp/h2/hackernews.yaml" || { echo "pipeline.sh: no base_url line to add ca_file to" >&2; exit 1; }
af_h2_cmd="env HN_API_URL=https://127.0.0.1:$port/v0 $AF --home $tmp/home --manifest $tmp/h2/hackernews.yaml -q materialize --all"

json=$(mktemp)
medians() { python3 -c 'import json,sys; print(" ".join("%.6f" % r["median"] for r in json.load(open(sys.argv[1]))["results"]))' "$1"; }
# The seed script 3 times (13 s each), then both assetflow sides 10 times each, back to back.
hyperfine --runs 3 --export-json "$json" "$py_cmd" >/dev/null 2>&1
read -r t_py < <(medians "$json")
hyperfine --runs 10 --prepare "rm -rf $tmp/home" --export-json "$json" "$af_cmd" "$af_h2_cmd" >/dev/null 2>&1
read -r t_af t_h2 < <(medians "$json")
rm -f "$json"
rm -rf "$tmp/home"
rss_af=$(peak_rss_mb $af_cmd)
rm -rf "$tmp/home"
rss_h2=$(peak_rss_mb $af_h2_cmd)
rss_py=$(peak_rss_mb $py_cmd)
row "seed pipeline end to end (500 stories, 20 ms/request, the seed's 400×200 white cloud; shipped concurrency 128)" "$(fmt_s "$t_af")" "$(fmt_s "$t_py") (seed script)" "$(ratio "$t_py" "$t_af") faster" "$(at_least 40 "$t_py" "$t_af")" "$rss_af / $rss_py MiB"
row "seed pipeline end to end over HTTP/2 (the same, the manifest's extract over HTTPS with ALPN h2: 128 streams on one connection; the seed side as above)" "$(fmt_s "$t_h2")" "$(fmt_s "$t_py") (seed script)" "$(ratio "$t_py" "$t_h2") faster" "$(at_least 40 "$t_py" "$t_h2")" "$rss_h2 / $rss_py MiB"
