#!/usr/bin/env python3
"""Writes a manifest of N assets of one type (default examples/noop) for benchmarks.

Shape: a layered DAG, `width` assets per layer; each asset reads up to two assets of the
previous layer, so the graph has ~2N edges and depth N/width — realistic fan-in, no quadratic
edge count.  usage: gen_manifest.py N OUT.yaml [--type T] [--width W] [--no-fsync]
"""
import argparse

ap = argparse.ArgumentParser()
ap.add_argument("n", type=int)
ap.add_argument("out")
ap.add_argument("--type", default="examples/noop")
ap.add_argument("--width", type=int, default=100)
ap.add_argument("--no-fsync", action="store_true",
                help="default io_manager with fsync: false (atomic rename, not crash-durable)")
a = ap.parse_args()

lines = []
if a.no_fsync:
    lines += ["resources:", "  io_manager:", "    type: fs_io/fs_io_manager", "    config: { fsync: false }"]
lines.append("assets:")
for i in range(a.n):
    layer, pos = divmod(i, a.width)
    lines.append(f"  a{i:06d}:")
    lines.append(f"    type: {a.type}")
    lines.append(f"    group: g{i % 10}")
    if layer > 0:
        prev = (layer - 1) * a.width
        ups = sorted({prev + pos, prev + (pos + 1) % a.width})
        lines.append("    inputs: {" + ", ".join(f"in{k}: a{u:06d}" for k, u in enumerate(ups)) + "}")
with open(a.out, "w") as f:
    f.write("\n".join(lines) + "\n")
