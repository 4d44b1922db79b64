#!/usr/bin/env bash
# The main job: set up (install what is missing, build), then materialize the Hacker News
# wordcloud pipeline against the live API, or, when it can't be reached, against the bundled
# snapshot through the local replay server. Ends by printing where the results are.
#
#   ./run.sh --daemon [daemon options]   instead leaves the pipeline under `assetflow daemon`,
#                                        which keeps the wordcloud within its 30-minute
#                                        freshness policy and alerts when it can't (Ctrl-C stops)
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh

export ASSETFLOW_HOME="${ASSETFLOW_HOME:-$PWD/.assetflow}"
SNAPSHOT="$(cd .. && pwd)/shared/hn-data/hn-2022-03-29"
LIVE_API="${HN_LIVE_URL:-https://hacker-news.firebaseio.com/v0}"
BUILD_DIR="${BUILD_DIR:-build}"

replay_pid=""
cleanup() { [ -n "$replay_pid" ] && kill "$replay_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${HN_API_URL:-}" ]; then
  if curl -fsS --max-time 5 -o /dev/null "$LIVE_API/topstories.json" 2>/dev/null; then
    export HN_API_URL="$LIVE_API"
  else
    echo "run: the live Hacker News API can't be reached; using the bundled snapshot $(basename "$SNAPSHOT") through the local replay server."
    replay_log=$(mktemp)
    "$BUILD_DIR/hn-replay" --data "$SNAPSHOT" --port 0 >"$replay_log" 2>&1 &
    replay_pid=$!
    port=""
    for _ in $(seq 100); do
      port=$(awk '/^listening on/ {print $3; exit}' "$replay_log")
      [ -n "$port" ] && break
      sleep 0.05
    done
    [ -n "$port" ] || { echo "run: the replay server did not start:"; cat "$replay_log"; exit 1; }
    export HN_API_URL="http://127.0.0.1:$port/v0"
  fi
fi

if [ "${1:-}" = "--daemon" ]; then
  shift
  echo "run: the daemon keeps the wordcloud fresh (alerts: $ASSETFLOW_HOME/alerts.jsonl); Ctrl-C stops it"
  # Not exec: the trap must stop the replay server when the daemon ends.
  "$BUILD_DIR/assetflow" --manifest manifests/hackernews.yaml daemon "$@"
  echo "status:    $BUILD_DIR/assetflow --manifest manifests/hackernews.yaml status --freshness"
  exit 0
fi
# `./run.sh serve [--port N]`: the web UI on the same pipeline (and replay server) instead;
# open the printed URL and press "Materialize all". Ctrl-C stops it.
if [ "${1:-}" = "serve" ]; then
  shift
  "$BUILD_DIR/assetflow" --manifest manifests/hackernews.yaml serve "$@"
  exit $?
fi

"$BUILD_DIR/assetflow" --manifest manifests/hackernews.yaml materialize --all "$@"

echo
echo "report:    $PWD/${ASSETFLOW_OUTPUT:-output.md}"
echo "wordcloud: $ASSETFLOW_HOME/storage/hackernews_wordcloud_png (PNG)"
echo "status:    $BUILD_DIR/assetflow --manifest manifests/hackernews.yaml status"
