import { useEffect, useState } from "react";
import { AssetSummary, getJson, GraphLayout, MaterializeRequest } from "./api";
import { Graph, Legend } from "./Graph";

interface Props {
  live: Map<string, AssetSummary>;
  selected: string[];
  onSelect: (keys: string[]) => void;
  launch: (req: MaterializeRequest, what: string) => void;
}

export function GraphPage({ live, selected, onSelect, launch }: Props) {
  // "#/?expand=*" (or a,b) opens with those groups expanded: a link to the whole graph.
  const [expand, setExpand] = useState<string[]>(() => {
    const m = window.location.hash.match(/[?&]expand=([^&]*)/);
    return m ? decodeURIComponent(m[1]).split(",").filter(Boolean) : [];
  });
  const [layout, setLayout] = useState<GraphLayout | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    const q = expand.length ? `?expand=${encodeURIComponent(expand.join(","))}` : "";
    getJson<GraphLayout>(`/api/graph${q}`).then(setLayout, (e) => setError(String(e)));
  }, [expand]);

  // Selected node ids -> asset keys (a group stands for all its assets).
  const selectNodes = (ids: string[]) => {
    if (!layout) return;
    const wanted = new Set(ids.map((id) => layout.nodes.findIndex((n) => n.id === id)));
    onSelect(Object.entries(layout.node_of_asset).filter(([, n]) => wanted.has(n)).map(([k]) => k));
  };

  const counts = new Map<string, number>();
  for (const a of live.values()) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);

  return (
    <div className="graph-page">
      <div className="toolbar">
        <button data-testid="materialize-selected" disabled={!selected.length}
          onClick={() => launch({ assets: selected }, "Materialize selected")}>
          Materialize selected ({selected.length})
        </button>
        <button onClick={() => setExpand(["*"])} data-testid="expand-all">Expand all groups</button>
        <button onClick={() => setExpand([])}>Collapse groups</button>
        <span className="hint">shift-drag to select · click to open · click a group to expand it</span>
        <span className="counts">
          {[...counts.entries()].map(([s, n]) => `${n} ${s.toLowerCase()}`).join(" · ")}
        </span>
      </div>
      <Legend />
      {error && <div className="notice error">{error}</div>}
      {layout && (
        <Graph
          layout={layout}
          assets={live}
          onSelect={selectNodes}
          onOpen={(id, isGroup) => {
            if (isGroup) setExpand((e) => [...e.filter((x) => x !== "*"), id.replace(/^group:/, "")]);
            else window.location.hash = `#/asset/${id}`;
          }}
        />
      )}
    </div>
  );
}
