#!/usr/bin/python3
"""The seed's ETL script, as the Dagster post writes it: the baseline for bench/pipeline.sh.

extract: topstories.json, then every item one request at a time; transform: Python's wordcloud
(Debian's python3-wordcloud) rendered through matplotlib at 8x8 in; load: markdown with the PNG
embedded as base64.  usage: seed_pipeline.py BASE_URL OUT.md
(pandas, which the post uses for a DataFrame of titles, is not in Debian's Python here; a list
of dicts stands in for it and costs less.)
"""
import base64
import sys
from io import BytesIO

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import requests  # noqa: E402
from wordcloud import STOPWORDS, WordCloud  # noqa: E402

base, out = sys.argv[1], sys.argv[2]

# extract
session = requests.Session()
ids = session.get(f"{base}/topstories.json", timeout=30).json()
results = []
for item_id in ids[:500]:
    item = session.get(f"{base}/item/{item_id}.json", timeout=30).json()
    results.append(item)

# transform
stopwords = set(STOPWORDS)
stopwords.update(["Ask", "Show", "HN"])
titles_text = " ".join(str(item.get("title", "")) for item in results if item)
titles_cloud = WordCloud(stopwords=stopwords, background_color="white").generate(titles_text)
plt.figure(figsize=(8, 8), facecolor=None)
plt.imshow(titles_cloud, interpolation="bilinear")
plt.axis("off")
plt.tight_layout(pad=0)
buffer = BytesIO()
plt.savefig(buffer, format="png")
image_data = base64.b64encode(buffer.getvalue())

# load
md_content = f"# Wordcloud of top Hacker News stories\n\n![img](data:image/png;base64,{image_data.decode()})\n"
with open(out, "w") as f:
    f.write(md_content)
