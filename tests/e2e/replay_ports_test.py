#!/usr/bin/env python3
"""End to end: two runs of the HN pipeline through the replay server on two different
(ephemeral) ports leave every asset FRESH, because the extract's base_url is unversioned
("x-assetflow-no-version"); `status` shows it with and without HN_API_URL set, and
`status --why` finds nothing stale. Then a versioned key (count) does make the extract
STALE, and --why names it from the report down.  usage: replay_ports_test.py SOURCE_DIR BUILD_DIR"""
import json
import os
import subprocess
import sys
import tempfile

src, build = sys.argv[1], sys.argv[2]
snapshot = os.path.join(os.path.dirname(os.path.abspath(src)), "shared", "hn-data", "hn-2022-03-29")
if not os.path.isdir(snapshot):
    snapshot = "/work/shared/hn-data/hn-2022-03-29"
assetflow = os.path.join(build, "assetflow")
manifest = os.path.join(src, "manifests", "hackernews.yaml")


def start_replay():
    p = subprocess.Popen([os.path.join(build, "hn-replay"), "--data", snapshot, "--port", "0"],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("listening on "), line
    return p, int(line.split()[2])


def af(env, *args):
    p = subprocess.run([assetflow, "--manifest", manifest, *args], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, (args, p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return p.stdout


def statuses(env):
    rows = [json.loads(l) for l in af(env, "--log-format", "json", "status").splitlines() if l]
    return {r["asset"]: (r["status"], r["causes"]) for r in rows}


ALL_FRESH = {k: ("FRESH", []) for k in
             ("hackernews_source_data", "hackernews_wordcloud_png", "hackernews_wordcloud")}

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ)
    env.pop("HN_API_URL", None)
    env.update(ASSETFLOW_HOME=os.path.join(tmp, "home"), ASSETFLOW_OUTPUT=os.path.join(tmp, "out.md"))
    first, first_port = start_replay()
    second, second_port = start_replay()  # both listening at once: two different ports
    try:
        assert first_port != second_port
        for port in (first_port, second_port):
            run_env = dict(env, HN_API_URL=f"http://127.0.0.1:{port}/v0")
            out = af(run_env, "materialize", "--all")
            assert "hackernews_wordcloud" in out, out
            assert statuses(run_env) == ALL_FRESH, statuses(run_env)
        assert statuses(env) == ALL_FRESH, statuses(env)  # as run.sh's printed command runs it
        why = af(env, "status", "--why", "hackernews_wordcloud")
        assert why == "hackernews_wordcloud: FRESH\nnothing stale here or upstream\n", why
        # concurrency is unversioned too; count is not.
        with open(manifest) as f:
            text = f.read()
        edited = os.path.join(tmp, "hackernews.yaml")
        with open(edited, "w") as f:
            assert "concurrency: 128" in text
            f.write(text.replace("concurrency: 128", "concurrency: 64"))
        edited_env = dict(env)
        out = subprocess.run([assetflow, "--manifest", edited, "--log-format", "json", "status"],
                             env=edited_env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert all(json.loads(l)["status"] == "FRESH" for l in out.stdout.splitlines()), out.stdout
        with open(edited, "w") as f:
            f.write(text.replace("count: 500", "count: 100"))
        out = subprocess.run([assetflow, "--manifest", edited, "status", "--why", "hackernews_wordcloud"],
                             env=edited_env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert out.stdout == (
            "hackernews_wordcloud: FRESH\n"
            "  hackernews_wordcloud <- hackernews_wordcloud_png <- hackernews_source_data: "
            "config changed: key 'count' 500 -> 100\n"), out.stdout
        out = subprocess.run([assetflow, "--manifest", edited, "--log-format", "json", "status", "--why",
                              "hackernews_wordcloud"], env=edited_env, capture_output=True, text=True,
                             timeout=300)
        assert json.loads(out.stdout) == {
            "asset": "hackernews_wordcloud", "status": "FRESH",
            "root_causes": [{"path": ["hackernews_wordcloud", "hackernews_wordcloud_png",
                                      "hackernews_source_data"],
                             "asset": "hackernews_source_data", "kind": "config",
                             "cause": "config changed: key 'count' 500 -> 100"}]}, out.stdout
    finally:
        for p in (first, second):
            p.terminate()
            p.wait(timeout=10)
print("ok")
