#!/usr/bin/env python3
"""End to end: `./run.sh --daemon --once` offline puts the shipped pipeline under the daemon at
a fixed instant (ASSETFLOW_NOW): one tick materializes everything through the replay server,
every freshness policy then PASSes with 30 minutes to spare; 31 minutes later they FAIL, and
the shipped alert command appended the FAIL alert to $ASSETFLOW_HOME/alerts.jsonl.
usage: run_daemon_test.py SOURCE_DIR BUILD_DIR"""
import json
import os
import subprocess
import sys
import tempfile

src, build = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ)
    env.pop("HN_API_URL", None)
    env.update(
        HN_LIVE_URL="http://127.0.0.1:9/v0",  # "no network": the bundled snapshot is served
        ASSETFLOW_HOME=os.path.join(tmp, "home"),
        ASSETFLOW_OUTPUT=os.path.join(tmp, "output.md"),
        ASSETFLOW_NOW="2026-12-01T10:00:00Z",
        BUILD_DIR=build,
    )
    p = subprocess.run([os.path.join(src, "run.sh"), "--daemon", "--once"], env=env,
                       capture_output=True, text=True, timeout=600)
    print(p.stdout[-3000:], p.stderr[-3000:])
    assert p.returncode == 0, f"run.sh --daemon --once exited {p.returncode}"
    assert "launch freshness hackernews_wordcloud: never materialized" in p.stderr, p.stderr
    assert os.path.exists(env["ASSETFLOW_OUTPUT"]), "no report"

    def freshness(now):
        e = dict(env, ASSETFLOW_NOW=now)
        s = subprocess.run([os.path.join(build, "assetflow"), "--manifest",
                            os.path.join(src, "manifests/hackernews.yaml"), "status",
                            "--freshness"], env=e, capture_output=True, text=True, timeout=120)
        assert s.returncode == 0, s.stderr
        return s.stdout
    assert freshness("2026-12-01T10:00:00Z") == (
        "hackernews_source_data: PASS (30 min to spare)\n"
        "hackernews_wordcloud: PASS (30 min to spare)\n"
        "hackernews_wordcloud_png: PASS (30 min to spare)\n"), freshness("2026-12-01T10:00:00Z")

    # 31 minutes later, nothing refreshed: a daemon tick (at that instant) alerts, then refreshes
    # from the replay server (gone now: the refresh fails and alerts once).
    e = dict(env, ASSETFLOW_NOW="2026-12-01T10:31:00Z", HN_API_URL="http://127.0.0.1:9/v0")
    d = subprocess.run([os.path.join(build, "assetflow"), "--manifest",
                        os.path.join(src, "manifests/hackernews.yaml"), "daemon", "--once"],
                       env=e, capture_output=True, text=True, timeout=300)
    print(d.stderr[-3000:])
    assert d.returncode == 1, d.returncode  # the refresh failed
    alerts = [json.loads(line) for line in open(os.path.join(env["ASSETFLOW_HOME"], "alerts.jsonl"))]
    kinds = sorted((a["kind"], a["state"], a["asset"]) for a in alerts)
    assert kinds == [("freshness", "FAIL", "hackernews_source_data"),
                     ("freshness", "FAIL", "hackernews_wordcloud"),
                     ("freshness", "FAIL", "hackernews_wordcloud_png"),
                     ("run_failed", "", "hackernews_wordcloud")], kinds
print("ok")
