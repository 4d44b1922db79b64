// bench/layout.sh's baseline: dagre (@dagrejs/dagre, what Dagster's UI lays out with) on the
// same layered DAG as layout_bench.cc, ranker longest-path (its fastest; network-simplex, the
// default, is slower still). Prints the median wall time of REPEAT layouts in milliseconds.
//   node bench/layout_dagre.mjs N [REPEAT]
import { createRequire } from "node:module";
const require = createRequire(new URL("../ui/package.json", import.meta.url));
const dagre = require("@dagrejs/dagre");

const n = Number(process.argv[2] ?? 1000);
const repeat = Number(process.argv[3] ?? 3);
const width = 100;
const times = [];
for (let r = 0; r < repeat; r++) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", ranker: "longest-path", nodesep: 14, ranksep: 90 });
  g.setDefaultEdgeLabel(() => ({}));
  for (let i = 0; i < n; i++) g.setNode(`a${i}`, { width: 200, height: 36 });
  for (let i = width; i < n; i++) {
    const layer = Math.floor(i / width), pos = i % width, prev = (layer - 1) * width;
    for (const u of new Set([prev + pos, prev + ((pos + 1) % width)])) g.setEdge(`a${u}`, `a${i}`);
  }
  const t0 = performance.now();
  dagre.layout(g);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)].toFixed(1));
