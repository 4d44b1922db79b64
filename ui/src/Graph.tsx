// The asset graph on a canvas (cytoscape, positions from the server's layout: no layout runs
// in the browser, no DOM element per node). Colours follow the live status; a collapsed
// group takes the most urgent status of its assets. Shift-drag box-selects.
import cytoscape, { Core } from "cytoscape";
import { useEffect, useRef } from "react";
import { AssetSummary, GraphLayout, Status } from "./api";

export const STATUS_COLOURS: Record<string, string> = {
  MISSING: "#a0aec0",
  MATERIALIZING: "#3182ce",
  FRESH: "#38a169",
  STALE: "#d69e2e",
  FAILED: "#e53e3e",
  OVERDUE: "#805ad5",
};
export const STATUS_LABELS: Record<string, string> = {
  MISSING: "never materialized",
  MATERIALIZING: "materializing",
  FRESH: "fresh",
  STALE: "stale",
  FAILED: "failed",
  OVERDUE: "overdue",
};

const URGENCY = ["FAILED", "OVERDUE", "MATERIALIZING", "STALE", "MISSING", "FRESH"];

// What a node shows: the asset's status, "OVERDUE" when its freshness check fails.
export function displayStatus(a: AssetSummary | undefined): string {
  if (!a) return "MISSING";
  if (a.status !== "MATERIALIZING" && a.status !== "FAILED" && a.freshness?.state === "FAIL") {
    return "OVERDUE";
  }
  return a.status;
}

function nodeStatuses(layout: GraphLayout, assets: Map<string, AssetSummary>): string[] {
  const rank = layout.nodes.map(() => URGENCY.length - 1);
  for (const [key, index] of Object.entries(layout.node_of_asset)) {
    const r = URGENCY.indexOf(displayStatus(assets.get(key)));
    if (r < rank[index]) rank[index] = r;
  }
  return rank.map((r) => URGENCY[r]);
}

declare global {
  interface Window {
    __af?: { cy?: Core; graphReadyMs?: number; nodes?: number };
  }
}

interface Props {
  layout: GraphLayout;
  assets: Map<string, AssetSummary>;
  onOpen: (id: string, isGroup: boolean) => void;
  onSelect: (ids: string[]) => void;
}

export function Graph({ layout, assets, onOpen, onSelect }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const callbacks = useRef({ onOpen, onSelect });
  callbacks.current = { onOpen, onSelect };

  useEffect(() => {
    const started = performance.now();
    const big = layout.nodes.length > 1500;
    const statuses = nodeStatuses(layout, assets);
    const elements: cytoscape.ElementDefinition[] = layout.nodes.map((n, i) => ({
      group: "nodes",
      data: {
        id: n.id,
        label: n.is_group ? `${n.label} (${n.count})` : n.label,
        w: n.w,
        h: n.h,
        status: statuses[i],
        isGroup: n.is_group,
      },
      position: { x: n.x + n.w / 2, y: n.y + n.h / 2 },
      classes: n.is_group ? "group" : "",
    }));
    for (let i = 0; i + 1 < layout.edges.length; i += 2) {
      const a = layout.nodes[layout.edges[i]].id;
      const b = layout.nodes[layout.edges[i + 1]].id;
      elements.push({ group: "edges", data: { id: `e${i}`, source: a, target: b } });
    }
    const style: cytoscape.StylesheetJson = [
      {
        selector: "node",
        style: {
          shape: "round-rectangle",
          width: "data(w)",
          height: "data(h)",
          label: "data(label)",
          "text-valign": "center",
          "text-halign": "center",
          "font-size": 13,
          color: "#fff",
          "text-max-width": "190px",
          "text-wrap": "ellipsis",
          "min-zoomed-font-size": 7,
          "background-color": STATUS_COLOURS.MISSING,
          "border-width": 0,
        },
      },
      ...Object.entries(STATUS_COLOURS).map(([status, colour]) => ({
        selector: `node[status = "${status}"]`,
        style: { "background-color": colour },
      })),
      { selector: "node.group", style: { "border-width": 2, "border-style": "dashed", "border-color": "#2d3748" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#1a202c", "border-style": "solid" } },
      {
        selector: "edge",
        style: {
          width: 1.2,
          "line-color": "#a0aec0",
          "target-arrow-color": "#a0aec0",
          "target-arrow-shape": big ? "none" : "triangle",
          "curve-style": big ? "haystack" : "straight",
        },
      },
    ];
    const cy = cytoscape({
      container: container.current,
      elements,
      style,
      layout: { name: "preset" },
      boxSelectionEnabled: true,
      selectionType: "additive",
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      pixelRatio: 1,
      minZoom: 0.02,
      maxZoom: 3,
    });
    cy.fit(undefined, 30);
    cy.on("tap", "node", (e) => callbacks.current.onOpen(e.target.id(), e.target.data("isGroup")));
    const report = () => callbacks.current.onSelect(cy.$("node:selected").map((n) => n.id()));
    cy.on("select unselect", "node", () => {
      window.clearTimeout((report as unknown as { t?: number }).t);
      (report as unknown as { t?: number }).t = window.setTimeout(report, 50);
    });
    cy.one("render", () => {
      window.__af = { ...(window.__af ?? {}), cy, graphReadyMs: performance.now() - started, nodes: layout.nodes.length };
    });
    cyRef.current = cy;
    return () => cy.destroy();
    // Rebuilt only when the layout changes; statuses are patched below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const statuses = nodeStatuses(layout, assets);
    cy.batch(() => {
      layout.nodes.forEach((n, i) => {
        const node = cy.getElementById(n.id);
        if (node.data("status") !== statuses[i]) node.data("status", statuses[i]);
      });
    });
  }, [assets, layout]);

  return <div ref={container} className="graph" data-testid="graph" />;
}

export function Legend() {
  return (
    <div className="legend">
      {Object.entries(STATUS_LABELS).map(([s, label]) => (
        <span key={s}>
          <i style={{ background: STATUS_COLOURS[s] }} /> {label}
        </span>
      ))}
    </div>
  );
}

export type { Status };
