#!/usr/bin/env python3
"""Secrets never leave: the HN pipeline runs against the replay server with credentials in
HN_API_URL (userinfo and a ?token=), next to examples/leaky, which quotes its schema-marked
secret config (x-assetflow-secret, writeOnly) in logs, metadata and errors, and to an HN extract
whose server is down (its error names the URL). Every command's stdout and stderr (text and
JSON), every file of the home and the raw bytes of the database, its WAL and shm must hold no
secret, in any spelling; the runs still work, and a changed secret still makes its asset STALE.
usage: secrets_test.py SOURCE_DIR BUILD_DIR PLUGIN_DIR"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import urllib.parse

src, build, plugin_dir = sys.argv[1], sys.argv[2], sys.argv[3]
snapshot = os.path.join(os.path.dirname(os.path.abspath(src)), "shared", "hn-data", "hn-2022-03-29")
if not os.path.isdir(snapshot):
    snapshot = "/work/shared/hn-data/hn-2022-03-29"
assetflow = os.path.join(build, "assetflow")

PASSWORD = "s3cr3tPW-9f2"      # the URL's userinfo password
TOKEN = "t0k3nVALUE-77"        # the URL's ?token=
API_KEY = "AKIAsecretKEY123"   # examples/leaky api_key (x-assetflow-secret)
LEAKY_PW = "hunter2 pass!"     # examples/leaky password (writeOnly)
NEW_KEY = "AKIArotatedKEY456"  # the api_key after rotation
SECRETS = [PASSWORD, TOKEN, API_KEY, LEAKY_PW, NEW_KEY, "hnuser:" + PASSWORD,
           urllib.parse.quote(LEAKY_PW), "hunter2"]

outputs = []  # (command, stdout + stderr)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def af(env, *args, expect=0, manifests=()):
    cmd = [assetflow, "--plugin-dir", plugin_dir]
    for m in manifests:
        cmd += ["--manifest", m]
    cmd += list(args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    outputs.append((" ".join(args), p.stdout + p.stderr))
    assert p.returncode == expect, (args, p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    return p.stdout


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, "home")
    leaky_manifest = os.path.join(tmp, "leaky.yaml")
    with open(leaky_manifest, "w") as f:
        f.write("""
assets:
  leaky_ok:
    type: examples/leaky
    config: { api_key: "${LEAKY_KEY}", password: "${LEAKY_PW}" }
  leaky_failing:
    type: examples/leaky
    config: { api_key: "${LEAKY_KEY}", password: "${LEAKY_PW}", fail: true }
    retry_policy: { max_retries: 1 }
  hn_down:
    type: hackernews/top_stories
    config: { base_url: "${HN_DOWN_URL}", count: 5, retries: 0 }
""")
    manifests = (os.path.join(src, "manifests", "hackernews.yaml"), leaky_manifest)
    replay = subprocess.Popen([os.path.join(build, "hn-replay"), "--data", snapshot, "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = replay.stdout.readline()
        assert line.startswith("listening on "), line
        port = int(line.split()[2])
        env = dict(os.environ)
        env.update(
            ASSETFLOW_HOME=home, ASSETFLOW_OUTPUT=os.path.join(tmp, "output.md"),
            HN_API_URL=f"http://hnuser:{PASSWORD}@127.0.0.1:{port}/v0?token={TOKEN}",
            HN_DOWN_URL=f"http://hnuser:{PASSWORD}@127.0.0.1:{free_port()}/v0?token={TOKEN}",
            LEAKY_KEY=API_KEY, LEAKY_PW=LEAKY_PW)
        run = lambda *a, expect=0: af(env, *a, expect=expect, manifests=manifests)

        run("check")
        run("list")
        run("materialize", "--all", "--dry-run")
        # The pipeline and leaky_ok succeed; leaky_failing and hn_down fail (exit 1).
        out = run("materialize", "--all", "-j", "2", expect=1)
        assert "hackernews_wordcloud" in out, out
        run("--log-format", "json", "materialize", "--select", "leaky_ok,leaky_failing", expect=1)
        run("materialize", "--select", "leaky_ok", "--executor", "multiprocess")
        run("--log-format", "json", "materialize", "--select", "leaky_ok", "--executor", "multiprocess")

        statuses = {}
        for l in run("--log-format", "json", "status").splitlines():
            r = json.loads(l)
            statuses[r["asset"]] = r["status"]
        assert statuses == {"hackernews_source_data": "FRESH", "hackernews_wordcloud_png": "FRESH",
                            "hackernews_wordcloud": "FRESH", "leaky_ok": "FRESH",
                            "leaky_failing": "FAILED", "hn_down": "FAILED"}, statuses
        run("status")
        for asset in ("hackernews_source_data", "leaky_failing", "hn_down", "leaky_ok"):
            run("status", asset)
            run("--log-format", "json", "status", asset)
        run("status", "--why", "hackernews_wordcloud")
        runs = run("runs")
        for l in runs.splitlines()[1:]:
            run_id = l.split()[0]
            run("logs", run_id)
            run("--log-format", "json", "logs", run_id)

        # The failures said what failed, with the secrets masked.
        failing = run("status", "leaky_failing")
        assert "rejected key ***" in failing, failing
        down = run("status", "hn_down")
        assert "http://***@127.0.0.1:" in down and "topstories.json?token=***" in down, down

        # A rotated secret is a config change (the hash covers it), named without its value.
        env["LEAKY_KEY"] = NEW_KEY
        stale = run("status", "leaky_ok")
        assert "config changed: a secret value (hash " in stale, stale
        # A new token in the unversioned base_url is not.
        env["HN_API_URL"] = f"http://hnuser:{PASSWORD}@127.0.0.1:{port}/v0?token=other-{TOKEN}"
        assert "FRESH" in run("status", "hackernews_source_data")
        run("materialize", "--select", "leaky_ok")
        run("status", "--why", "leaky_ok")
    finally:
        replay.kill()
        replay.wait()

    leaks = []
    for command, text in outputs:
        for secret in SECRETS:
            if secret in text:
                leaks.append(f"`{command}` printed {secret!r}")
    for root, _, files in os.walk(tmp):
        for name in files:
            path = os.path.join(root, name)
            data = open(path, "rb").read()
            for secret in SECRETS:
                if secret.encode() in data:
                    leaks.append(f"{os.path.relpath(path, tmp)} holds {secret!r}")
    assert not leaks, "\n".join(leaks)
    # The database was really searched: it holds the runs, with the secrets masked.
    db = open(os.path.join(home, "assetflow.db"), "rb").read()
    wal_path = os.path.join(home, "assetflow.db-wal")
    wal = open(wal_path, "rb").read() if os.path.exists(wal_path) else b""
    assert b"rejected key ***" in db + wal
print("ok")
