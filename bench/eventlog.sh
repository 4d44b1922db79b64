#!/usr/bin/env bash
# Event-log rows: what checking a history at open costs. Every command opens the log with
# CheckIntegrity (host/eventlog/schema.h: the schema complete, the newest row of every table
# read back, a few pages whatever the size); SQLite's PRAGMA quick_check, which reads every
# page, is the baseline it replaces. A 1,000,000-event log (~190 MB) is built by appending to
# a real one with Python's sqlite3; both are timed warm (the file in the page cache).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'assets:\n  a: { type: examples/constant, config: { value: "A" } }\n' > "$tmp/m.yaml"
for h in small big; do "$AF" --home "$tmp/$h" --manifest "$tmp/m.yaml" -q materialize --all >/dev/null; done
python3 - "$tmp/big/assetflow.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = ((f"{i // 1000:08x}-0000-4000-8000-{i // 1000:012x}", f"asset_{i % 100}", "STEP_SUCCESS",
         1700000000000 + i, "succeeded in 12 ms", '{"duration_ms":12,"attempts":1}') for i in range(1000000))
db.executemany("INSERT INTO events (run_id, asset_key, type, time_ms, message, data_json) VALUES (?,?,?,?,?,?)", rows)
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
PY
quick_check_s=$(python3 - "$tmp/big/assetflow.db" <<'PY'
import sqlite3, statistics, sys, time
times = []
for _ in range(5):
    db = sqlite3.connect(sys.argv[1])
    t = time.perf_counter()
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    times.append(time.perf_counter() - t)
    db.close()
print("%.6f" % statistics.median(times))
PY
)
big=$(median_s 10 "$AF" --home "$tmp/big" runs -n 1)
small=$(median_s 10 "$AF" --home "$tmp/small" runs -n 1)
size=$(du -m "$tmp/big/assetflow.db" | cut -f1)
row "open + integrity check + \`runs -n 1\`, 1,000,000-event log (${size} MB)" "$(fmt_s "$big")" "PRAGMA quick_check alone: $(fmt_s "$quick_check_s")" "$(python3 -c 'import sys; print("1/%.0f" % (float(sys.argv[2])/float(sys.argv[1])))' "$big" "$quick_check_s")" "≤ 20 ms, flat in history size" "$(peak_rss_mb "$AF" --home "$tmp/big" runs -n 1) MiB"
row "open + integrity check + \`runs -n 1\`, 1-run log" "$(fmt_s "$small")" "1,000,000 events: $(fmt_s "$big")" "$(ratio "$big" "$small") of it" "≤ 1.2×" "$(peak_rss_mb "$AF" --home "$tmp/small" runs -n 1) MiB"
