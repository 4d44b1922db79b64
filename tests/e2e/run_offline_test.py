#!/usr/bin/env python3
"""End to end: ./run.sh's offline path (the live API unreachable) produces output.md whose
embedded image decodes to a PNG of the configured size, and the PNG kept by the fs IO manager
is the same image, and the status command it prints shows every asset FRESH.  usage: run_offline_test.py SOURCE_DIR BUILD_DIR"""
import base64
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

src, build = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ)
    env.pop("HN_API_URL", None)
    env.update(
        HN_LIVE_URL="http://127.0.0.1:9/v0",  # nothing listens on the discard port: "no network"
        ASSETFLOW_HOME=os.path.join(tmp, "home"),
        ASSETFLOW_OUTPUT=os.path.join(tmp, "output.md"),
        BUILD_DIR=build,
    )
    p = subprocess.run([os.path.join(src, "run.sh")], env=env, capture_output=True, text=True, timeout=600)
    print(p.stdout[-3000:], p.stderr[-3000:])
    assert p.returncode == 0, f"run.sh exited {p.returncode}"
    assert "live Hacker News API can't be reached" in p.stdout, "the offline path was not announced"
    assert f"report:    {env['ASSETFLOW_OUTPUT']}" in p.stdout or "report:" in p.stdout

    md = open(env["ASSETFLOW_OUTPUT"]).read()
    assert md.startswith("# Wordcloud of top Hacker News stories\n"), md[:80]
    m = re.search(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", md)
    assert m, "no embedded PNG data URI"
    png = base64.b64decode(m.group(1), validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (400, 200), (width, height)  # the seed's WordCloud size
    # The seed's white background: the most frequent pixel is white (words cover the rest).
    assert png[24:26] == b"\x08\x02", "expected 8-bit RGB"
    idat, at = b"", 8
    while at < len(png):
        (n,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        if kind == b"IDAT":
            idat += png[at + 8:at + 8 + n]
        at += 12 + n
    raw, stride, prev, pixels = zlib.decompress(idat), width * 3, bytearray(width * 3), {}
    for y in range(height):  # undo the PNG row filters (None, Sub, Up, Average, Paeth)
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a, b = row[i - 3] if i >= 3 else 0, prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if kind == 1: row[i] = (row[i] + a) & 255
            elif kind == 2: row[i] = (row[i] + b) & 255
            elif kind == 3: row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                est = a + b - c
                pa, pb, pc = abs(est - a), abs(est - b), abs(est - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, 3):
            pixels[bytes(row[x:x + 3])] = pixels.get(bytes(row[x:x + 3]), 0) + 1
        prev = row
    dominant = max(pixels, key=pixels.get)
    assert dominant == b"\xff\xff\xff", f"the background is {dominant.hex()}, not white"
    stored = open(os.path.join(env["ASSETFLOW_HOME"], "storage", "hackernews_wordcloud_png"), "rb").read()
    assert stored == png, "the report embeds a different image than the stored PNG"

    # The `status` command run.sh prints, run as printed (the replay port is gone, HN_API_URL
    # unset): every asset FRESH, since base_url is unversioned.
    m = re.search(r"^status:\s+(.*)$", p.stdout, re.M)
    assert m, "run.sh printed no status command"
    status = subprocess.run(m.group(1).split(), cwd=src, env=env, capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    rows = [line.split() for line in status.stdout.splitlines()[1:] if line.strip()]
    assert {r[0]: r[1] for r in rows} == {"hackernews_source_data": "FRESH",
                                         "hackernews_wordcloud_png": "FRESH",
                                         "hackernews_wordcloud": "FRESH"}, status.stdout
print("ok")
