#!/usr/bin/python3
"""Baseline for bench/wordcloud_bench.sh: Python's wordcloud (Debian's python3-wordcloud 1.8) on
the same titles, as the seed does it: WordCloud(width, height).generate(text).to_image(), saved
as PNG. Run with /usr/bin/python3 (the pyenv python3 on PATH has no wordcloud).

    wordcloud_py.py ITEMS.json WIDTH HEIGHT OUT.png [REPEAT]

With REPEAT, renders once to warm up, then that many more times in one process, and prints the
median seconds of generate + to_image + save (PNG encode) alone: no interpreter start, imports
or JSON reading, as the issue's 0.31 / 0.67 / 3.37 s measure it. bench/wordcloud_bench.cc's
REPEAT measures the plugin the same way.
"""
import io
import json
import statistics
import sys
import time

from wordcloud import WordCloud


def render(text, width, height):
    png = io.BytesIO()
    WordCloud(width=width, height=height).generate(text).to_image().save(png, format="PNG")
    return png.getvalue()


def main():
    items_path, width, height, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(items_path, encoding="utf-8") as f:
        items = json.load(f)
    text = "\n".join(item["title"] for item in items if item and isinstance(item.get("title"), str))
    repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    times = []
    png = render(text, width, height) if repeat else None  # warm-up
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        png = render(text, width, height)
        times.append(time.perf_counter() - start)
    with open(out, "wb") as f:
        f.write(png)
    if repeat:
        print("%.6f" % statistics.median(times))


if __name__ == "__main__":
    main()
