#!/usr/bin/env python3
"""The seed's extract step, as the Dagster tutorial writes it: fetch topstories.json, then each
item in turn, one blocking request at a time (a new connection each, as bare requests.get does).

usage: hn_seed_extract.py BASE_URL [COUNT]   (prints the items as a JSON array on stdout)
The baseline side of bench/hn_extract.sh; nothing else depends on it.
"""
import json
import sys

import requests


def main() -> int:
    base = sys.argv[1].rstrip("/")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    ids = requests.get(f"{base}/topstories.json", timeout=30).json()[:count]
    results = []
    for item_id in ids:
        item = requests.get(f"{base}/item/{item_id}.json", timeout=30).json()
        results.append(item)
    json.dump(results, sys.stdout)
    return 0 if len(results) == count else 1


if __name__ == "__main__":
    sys.exit(main())
