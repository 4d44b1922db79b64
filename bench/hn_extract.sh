#!/usr/bin/env bash
# Rows: the Hacker News extract, 500 stories from one hn-replay server with 20 ms of latency per
# request, side by side in one run: assetflow's hackernews/top_stories vs the seed's sequential
# Python (bench/hn_seed_extract.py). Target: ≤ 0.5 s and within 1.5× of the ideal
# (ceil(500 / concurrency) + 1) × latency: the items' waves and topstories' round trip before
# them, as the sweep's ideal below. Prints one markdown table row per concurrency (see lib.sh).
#
# Then the concurrency sweep (issue 12: no cliff at any allowed concurrency): the extract alone,
# timed inside one process (bench/hn_extract_driver.cc, the plugin entry through the SDK harness,
# a fresh fetcher and fresh connections per run), at every C of SWEEP, against the ideal
# ceil(COUNT / C) × latency + latency (the topstories request first); target ≤ 1.3× of it.
#
# Each sweep measurement starts its own hn-replay of the build measured; with SWEEP_BASE (a build
# directory of another commit, e.g. main's) every C is measured ROUNDS times alternating the base
# and this build, each with its own server and plugin, so both see the same machine load; a
# row's figure is the median of its ROUNDS medians.
#
# The sweep runs over HTTP/1.1 (plain, a connection per request in flight) and over HTTP/2 (TLS
# with ALPN h2, as the live API serves it: one connection, a stream per request in flight; a
# throwaway self-signed certificate trusted through the plugin's ca_file), in the same rounds, so
# both see the same load: SWEEP_PROTOCOLS ("http/1.1 h2"). SWEEP_BASE applies to HTTP/1.1 only
# (an older hn-replay has no HTTP/2).
#
# Env: BUILD (default <repo>/build), HN_DATA (default <repo>/../shared/hn-data), LATENCY_MS (20),
# CONCURRENCIES (one row each, default: the shipped 128 and 32; set but empty: no such rows, and
# no Python), COUNT (500), RUNS (assetflow runs per row, 10), PY_RUNS (Python runs, 3; measured
# once for all rows), SWEEP ("8 32 64 128 256"), SWEEP_RUNS (7), SWEEP_BASE (none), ROUNDS (3),
# SWEEP_PROTOCOLS ("http/1.1 h2").
# The assetflow side is `assetflow materialize` when the engine is built, else the driver.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LATENCY_MS="${LATENCY_MS:-20}"
CONCURRENCIES="${CONCURRENCIES-128 32}"
SWEEP="${SWEEP:-8 32 64 128 256}"
SWEEP_RUNS="${SWEEP_RUNS:-7}"
SWEEP_BASE="${SWEEP_BASE:-}"
ROUNDS="${ROUNDS:-3}"
SWEEP_PROTOCOLS="${SWEEP_PROTOCOLS-http/1.1 h2}"
COUNT="${COUNT:-500}"
RUNS="${RUNS:-10}"
PY_RUNS="${PY_RUNS:-3}"
DATA="${HN_DATA:-$BENCH_ROOT/../shared/hn-data}/hn-2022-03-29"
REPLAY="$BUILD/hn-replay"
PLUGIN="$BUILD/plugins/hackernews.so"
for f in "$REPLAY" "$PLUGIN"; do
  [[ -e "$f" ]] || { echo "hn_extract.sh: $f is missing (build targets hn-replay and hackernews)" >&2; exit 1; }
done

if [[ -n "$SWEEP_BASE" ]]; then
  for f in "$SWEEP_BASE/hn-replay" "$SWEEP_BASE/plugins/hackernews.so"; do
    [[ -e "$f" ]] || { echo "hn_extract.sh: $f is missing (SWEEP_BASE)" >&2; exit 1; }
  done
fi

WORK="$(mktemp -d)"
REPLAY_PID=""
stop_replay() {
  # The server's exit status (143 after SIGTERM) must not become the script's.
  if [[ -n "$REPLAY_PID" ]]; then kill "$REPLAY_PID" 2>/dev/null; wait "$REPLAY_PID" 2>/dev/null || true; fi
  REPLAY_PID=""
}
cleanup() {
  stop_replay
  rm -rf "$WORK"
}
trap cleanup EXIT

# The h2 side's certificate, for 127.0.0.1, thrown away with WORK.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# start_replay SERVER_BINARY [ARGS...]: starts it and sets REPLAY_PID, PORT and BASE (the API's
# plain URL).
start_replay() {
  rm -f "$WORK/replay.out"  # not an earlier server's port: the new one may not have truncated it yet
  local bin="$1"
  shift
  "$bin" --data "$DATA" --port 0 --latency-ms "$LATENCY_MS" "$@" >"$WORK/replay.out" 2>"$WORK/replay.err" &
  REPLAY_PID=$!
  for _ in $(seq 100); do grep -q '^listening on' "$WORK/replay.out" 2>/dev/null && break; sleep 0.05; done
  PORT="$(awk '/^listening on/ {print $3; exit}' "$WORK/replay.out")"
  [[ -n "$PORT" ]] || { echo "hn_extract.sh: $bin did not start: $(cat "$WORK/replay.err")" >&2; exit 1; }
  BASE="http://127.0.0.1:$PORT/v0"
}

# One server for both sides of the rows against Python, so they see the same latency and load.
start_replay "$REPLAY"

c++ -O2 -std=c++17 -I"$BENCH_ROOT/sdk/include" "$BENCH_ROOT/bench/hn_extract_driver.cc" \
  -o "$WORK/driver" -ldl
HAVE_ENGINE=""
SIDE="harness driver"
if [[ -x "$AF" ]] && "$AF" --help 2>/dev/null | grep -qE '^ +materialize'; then
  HAVE_ENGINE=1
  SIDE="assetflow materialize"
fi

# af_command CONCURRENCY: prints the assetflow command of one run at that concurrency.
af_command() {
  local c="$1"
  local config="{\"base_url\":\"$BASE\",\"count\":$COUNT,\"concurrency\":$c}"
  if [[ -n "$HAVE_ENGINE" ]]; then
    mkdir -p "$WORK/c$c/manifests"
    printf '%s\n' "resources:" "  io_manager:" "    type: fs_io/fs_io_manager" \
      "    config: { base_dir: \"$WORK/c$c/home/storage\" }" "assets:" \
      "  hackernews_source_data:" "    type: hackernews/top_stories" "    config: $config" \
      >"$WORK/c$c/manifests/hn.yaml"
    echo "$AF --home $WORK/c$c/home --manifest $WORK/c$c/manifests --plugin-dir $BUILD/plugins -q materialize --select hackernews_source_data"
  else
    echo "$config" >"$WORK/config-$c.json"
    echo "$WORK/driver $PLUGIN $WORK/config-$c.json $COUNT"
  fi
}

# The baseline once: it does not depend on the concurrency.
if [[ -n "${CONCURRENCIES// }" ]]; then
  PY_CMD="/usr/bin/python3 $BENCH_ROOT/bench/hn_seed_extract.py $BASE $COUNT"
  /usr/bin/python3 "$BENCH_ROOT/bench/hn_seed_extract.py" "$BASE" 3 >/dev/null
  t_py="$(median_s "$PY_RUNS" "$PY_CMD")"
  rss_py="$(peak_rss_mb $PY_CMD)"
fi

for c in $CONCURRENCIES; do
  AF_CMD="$(af_command "$c")"
  # It must produce all the stories before anything is timed.
  $AF_CMD >/dev/null || { echo "hn_extract.sh: assetflow side failed: $AF_CMD" >&2; exit 1; }
  t_af="$(median_s "$RUNS" "$AF_CMD")"
  rss_af="$(peak_rss_mb $AF_CMD)"
  ideal="$(python3 -c "import math; print((math.ceil($COUNT / $c) + 1) * $LATENCY_MS / 1000)")"
  verdict="$(python3 -c "
t, ideal = $t_af, $ideal
ok = t <= 0.5 and t <= 1.5 * ideal
print('%s ≤ 0.5 s and ≤ 1.5× ideal %.0f ms: %.2f× ideal' % ('✅' if ok else '❌', ideal * 1e3, t / ideal))")"
  row "HN extract: $COUNT stories, ${LATENCY_MS} ms/request, concurrency $c ($SIDE vs the seed's sequential Python)" \
    "$(fmt_s "$t_af")" "$(fmt_s "$t_py")" "$(ratio "$t_py" "$t_af")" "$verdict" "$rss_af / $rss_py MiB"
done

# The sweep: the extract alone at each concurrency, one row each per protocol.
stop_replay
# sweep_once BUILD_DIR C PROTOCOL: median seconds of SWEEP_RUNS extracts with that build's server
# and plugin, over http/1.1 (plain) or h2 (TLS, ALPN).
sweep_once() {
  if [[ "$3" == h2 ]]; then
    start_replay "$1/hn-replay" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
    echo "{\"base_url\":\"https://127.0.0.1:$PORT/v0\",\"ca_file\":\"$WORK/cert.pem\",\"count\":$COUNT,\"concurrency\":$2}" >"$WORK/sweep.json"
  else
    start_replay "$1/hn-replay"
    echo "{\"base_url\":\"$BASE\",\"count\":$COUNT,\"concurrency\":$2}" >"$WORK/sweep.json"
  fi
  "$WORK/driver" "$1/plugins/hackernews.so" "$WORK/sweep.json" "$COUNT" "$SWEEP_RUNS"
  stop_replay
}
median_of() { python3 -c 'import statistics, sys; print("%.6f" % statistics.median(map(float, sys.argv[1:])))' "$@"; }
for c in $SWEEP; do
  declare -A ours=()
  base=()
  for _ in $(seq "$ROUNDS"); do
    for p in $SWEEP_PROTOCOLS; do
      [[ -n "$SWEEP_BASE" && "$p" == http/1.1 ]] && base+=("$(sweep_once "$SWEEP_BASE" "$c" "$p")")
      ours[$p]+="$(sweep_once "$BUILD" "$c" "$p") "
    done
  done
  ideal="$(python3 -c "import math; print((math.ceil($COUNT / $c) + 1) * $LATENCY_MS / 1000)")"
  for p in $SWEEP_PROTOCOLS; do
    read -r -a runs <<<"${ours[$p]}"
    t="$(median_of "${runs[@]}")"
    verdict="$(python3 -c "
t, ideal = $t, $ideal
print('%s ≤ 1.3× of ideal %.0f ms: %.2f×' % ('✅' if t <= 1.3 * ideal else '❌', ideal * 1e3, t / ideal))")"
    basecol="ideal ceil($COUNT/$c)·L + L = $(fmt_s "$ideal")"
    if [[ -n "$SWEEP_BASE" && "$p" == http/1.1 ]]; then
      tb="$(median_of "${base[@]}")"
      basecol="base $(fmt_s "$tb") ($(python3 -c "print('%.2f×' % ($tb / $ideal))") of ideal); $basecol"
    fi
    over="HTTP/1.1"
    [[ "$p" == h2 ]] && over="HTTP/2 (TLS, ALPN h2, one connection)"
    row "HN extract alone (in-process, plugin through the SDK harness), $COUNT items, ${LATENCY_MS} ms/request, concurrency sweep: C = $c over $over (median of $ROUNDS × $SWEEP_RUNS runs)" \
      "$(fmt_s "$t") [$(printf '%s ' "${runs[@]}" | python3 -c 'import sys; print(" / ".join("%.1f" % (float(x)*1e3) for x in sys.stdin.read().split()))') ms]" \
      "$basecol" "$(ratio "$t" "$ideal") of ideal" "$verdict" "—"
  done
  unset ours
done
