// The asset graph on one 2D canvas, from the server's layout (no layout in the browser, no
// DOM element per node). Drawing batches one path per status colour and one for all edges,
// culls what is off screen, and draws labels only when they are legible, so 10,000 assets
// pan and zoom smoothly. (cytoscape took 9.6 s to first draw 10,000 nodes on this machine's
// software-rendered headless Chromium; this draws them in tens of milliseconds.)
// Input: wheel zooms at the pointer, drag pans, shift-drag box-selects (added to the
// selection), click opens a node, shift-click toggles it, Escape clears the selection.
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

// A collapsed group takes the most urgent status of its assets.
function nodeStatuses(layout: GraphLayout, assets: Map<string, AssetSummary>): string[] {
  const rank = layout.nodes.map(() => URGENCY.length - 1);
  for (const [key, index] of Object.entries(layout.node_of_asset)) {
    const r = URGENCY.indexOf(displayStatus(assets.get(key)));
    if (r < rank[index]) rank[index] = r;
  }
  return rank.map((r) => URGENCY[r]);
}

interface TestHooks {
  graphReadyMs?: number;  // the first frame's cost: data in hand -> drawn
  readyAt?: number;       // when it was drawn, ms since the page's navigation started
  nodes?: number;
  zoom?: () => number;
  status?: (id: string) => string;
  // The colour drawn at a node's left edge, read back from the canvas ("rgb(r,g,b)").
  pixel?: (id: string) => string;
  // Where a node's centre is on the page, or null when off screen.
  screen?: (id: string) => { x: number; y: number } | null;
  ids?: () => string[];
}
declare global {
  interface Window {
    __af?: TestHooks;
  }
}

interface Props {
  layout: GraphLayout;
  assets: Map<string, AssetSummary>;
  onOpen: (id: string, isGroup: boolean) => void;
  onSelect: (ids: string[]) => void;
}

export function Graph({ layout, assets, onOpen, onSelect }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const view = useRef({ scale: 1, tx: 0, ty: 0 });
  const statuses = useRef<string[]>([]);
  const assetsRef = useRef(assets);
  assetsRef.current = assets;
  const selected = useRef<Set<number>>(new Set());
  const drawRef = useRef<() => void>(() => {});
  const callbacks = useRef({ onOpen, onSelect });
  callbacks.current = { onOpen, onSelect };

  useEffect(() => {
    const started = performance.now();
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext("2d", { alpha: false })!;
    const nodes = layout.nodes;
    const edges = layout.edges;
    const byId = new Map(nodes.map((n, i) => [n.id, i]));
    let frame = 0;
    let box: null | { x0: number; y0: number; x1: number; y1: number } = null;
    statuses.current = nodeStatuses(layout, assets);

    // False from a resize (which clears the canvas to opaque black: alpha is off) until the
    // next frame is drawn; `pixel` reports "" meanwhile, so a test never reads a cleared canvas.
    let painted = false;
    const resize = () => {
      painted = false;
      const r = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.floor(r.width));
      canvas.height = Math.max(1, Math.floor(r.height));
    };
    const fit = () => {
      const pad = 30;
      const s = Math.min((canvas.width - 2 * pad) / Math.max(layout.width, 1),
        (canvas.height - 2 * pad) / Math.max(layout.height, 1), 1.5);
      view.current = {
        scale: s,
        tx: (canvas.width - layout.width * s) / 2,
        ty: (canvas.height - layout.height * s) / 2,
      };
    };

    const draw = () => {
      frame = 0;
      const { scale: s, tx, ty } = view.current;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(s, 0, 0, s, tx, ty);
      // The visible part of the layout, in layout coordinates.
      const vx0 = -tx / s, vy0 = -ty / s, vx1 = (canvas.width - tx) / s, vy1 = (canvas.height - ty) / s;
      const visible = (i: number) => {
        const n = nodes[i];
        return n.x + n.w >= vx0 && n.x <= vx1 && n.y + n.h >= vy0 && n.y <= vy1;
      };
      ctx.beginPath();
      for (let e = 0; e + 1 < edges.length; e += 2) {
        const a = nodes[edges[e]], b = nodes[edges[e + 1]];
        const ax = a.x + a.w, ay = a.y + a.h / 2, bx = b.x, by = b.y + b.h / 2;
        if (Math.max(ax, bx) < vx0 || Math.min(ax, bx) > vx1 || Math.max(ay, by) < vy0 || Math.min(ay, by) > vy1) continue;
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
        if (s > 0.3) {  // an arrowhead when it can be seen
          const ang = Math.atan2(by - ay, bx - ax), k = 8;
          ctx.moveTo(bx, by);
          ctx.lineTo(bx - k * Math.cos(ang - 0.4), by - k * Math.sin(ang - 0.4));
          ctx.moveTo(bx, by);
          ctx.lineTo(bx - k * Math.cos(ang + 0.4), by - k * Math.sin(ang + 0.4));
        }
      }
      ctx.strokeStyle = "#a0aec0";
      ctx.lineWidth = Math.max(1 / s, 1.2);
      ctx.stroke();
      const shown: number[] = [];
      for (let i = 0; i < nodes.length; i++) if (visible(i)) shown.push(i);
      const radius = 6;
      for (const status of URGENCY) {
        ctx.beginPath();
        for (const i of shown) {
          if (statuses.current[i] !== status) continue;
          const n = nodes[i];
          if (s * n.h < 6) ctx.rect(n.x, n.y, n.w, n.h);
          else ctx.roundRect(n.x, n.y, n.w, n.h, radius);
        }
        ctx.fillStyle = STATUS_COLOURS[status];
        ctx.fill();
      }
      ctx.lineWidth = 2 / s;
      ctx.strokeStyle = "#2d3748";
      ctx.setLineDash([6 / s, 3 / s]);
      ctx.beginPath();
      for (const i of shown) if (nodes[i].is_group) ctx.rect(nodes[i].x, nodes[i].y, nodes[i].w, nodes[i].h);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.lineWidth = 4 / s;
      ctx.strokeStyle = "#1a202c";
      ctx.beginPath();
      for (const i of selected.current) if (visible(i)) ctx.rect(nodes[i].x, nodes[i].y, nodes[i].w, nodes[i].h);
      ctx.stroke();
      // Labels at 13 layout units, grown when zoomed out so they stay >= 10 screen pixels,
      // as long as they still fit the box.
      const font = Math.max(13, 10 / s);
      if (font <= 26 && shown.length < 4000) {
        ctx.fillStyle = "#ffffff";
        ctx.font = `${font}px 'DejaVu Sans', sans-serif`;
        ctx.textBaseline = "middle";
        for (const i of shown) {
          const n = nodes[i];
          const label = n.is_group ? `${n.label} (${n.count})` : n.label;
          ctx.save();
          ctx.beginPath();
          ctx.rect(n.x, n.y, n.w - 6, n.h);
          ctx.clip();
          ctx.fillText(label, n.x + 10, n.y + n.h / 2);
          ctx.restore();
        }
      }
      if (box) {
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.fillStyle = "rgba(49,130,206,0.15)";
        ctx.strokeStyle = "#3182ce";
        ctx.lineWidth = 1;
        const x = Math.min(box.x0, box.x1), y = Math.min(box.y0, box.y1);
        ctx.fillRect(x, y, Math.abs(box.x1 - box.x0), Math.abs(box.y1 - box.y0));
        ctx.strokeRect(x, y, Math.abs(box.x1 - box.x0), Math.abs(box.y1 - box.y0));
      }
      painted = true;
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    drawRef.current = schedule;

    const toLayout = (px: number, py: number) => {
      const { scale: s, tx, ty } = view.current;
      return { x: (px - tx) / s, y: (py - ty) / s };
    };
    const hit = (px: number, py: number) => {
      const p = toLayout(px, py);
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i];
        if (p.x >= n.x && p.x <= n.x + n.w && p.y >= n.y && p.y <= n.y + n.h) return i;
      }
      return -1;
    };
    const report = () => callbacks.current.onSelect([...selected.current].map((i) => nodes[i].id));
    const local = (e: MouseEvent) => {
      const r = canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };

    let drag: null | { x: number; y: number; moved: boolean; box: boolean; shift: boolean } = null;
    const onDown = (e: MouseEvent) => {
      const p = local(e);
      drag = { ...p, moved: false, box: e.shiftKey, shift: e.shiftKey };
      if (e.shiftKey) box = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
    };
    const onMove = (e: MouseEvent) => {
      const p = local(e);
      if (!drag) {
        const i = hit(p.x, p.y);
        canvas.style.cursor = i >= 0 ? "pointer" : "grab";
        // The hover text: the status and its cause (a stale cause, the failure).
        const a = i >= 0 && !nodes[i].is_group ? assetsRef.current.get(nodes[i].id) : undefined;
        canvas.title = i < 0 ? "" : `${nodes[i].id}: ${STATUS_LABELS[statuses.current[i]] ?? ""}${a?.cause ? ` (${a.cause})` : ""}`;
        return;
      }
      if (Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) > 3) drag.moved = true;
      if (drag.box && box) {
        box.x1 = p.x;
        box.y1 = p.y;
      } else {
        view.current.tx += p.x - drag.x;
        view.current.ty += p.y - drag.y;
        drag.x = p.x;
        drag.y = p.y;
      }
      schedule();
    };
    const onUp = (e: MouseEvent) => {
      if (!drag) return;
      const p = local(e);
      if (drag.box && box && drag.moved) {
        const a = toLayout(Math.min(box.x0, box.x1), Math.min(box.y0, box.y1));
        const b = toLayout(Math.max(box.x0, box.x1), Math.max(box.y0, box.y1));
        nodes.forEach((n, i) => {
          if (n.x + n.w >= a.x && n.x <= b.x && n.y + n.h >= a.y && n.y <= b.y) selected.current.add(i);
        });
        report();
      } else if (!drag.moved) {
        const i = hit(p.x, p.y);
        if (i >= 0 && drag.shift) {
          if (selected.current.has(i)) selected.current.delete(i);
          else selected.current.add(i);
          report();
        } else if (i >= 0) {
          callbacks.current.onOpen(nodes[i].id, nodes[i].is_group);
        }
      }
      box = null;
      drag = null;
      schedule();
    };
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const p = local(e);
      const factor = Math.exp(-e.deltaY * 0.0025);
      const v = view.current;
      const s = Math.min(4, Math.max(0.005, v.scale * factor));
      v.tx = p.x - ((p.x - v.tx) * s) / v.scale;
      v.ty = p.y - ((p.y - v.ty) * s) / v.scale;
      v.scale = s;
      schedule();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && selected.current.size) {
        selected.current.clear();
        report();
        schedule();
      }
    };
    const observer = new ResizeObserver(() => {
      resize();
      schedule();
    });

    resize();
    fit();
    observer.observe(canvas);
    canvas.addEventListener("mousedown", onDown);
    window.addEventListener("mousemove", onMove);
    window.addEventListener("mouseup", onUp);
    canvas.addEventListener("wheel", onWheel, { passive: false });
    window.addEventListener("keydown", onKey);
    selected.current = new Set();
    draw();
    window.__af = {
      graphReadyMs: performance.now() - started,
      readyAt: performance.now(),
      nodes: nodes.length,
      zoom: () => view.current.scale,
      ids: () => nodes.map((n) => n.id),
      status: (id) => statuses.current[byId.get(id) ?? -1] ?? "",
      screen: (id) => {
        const n = nodes[byId.get(id) ?? -1];
        if (!n) return null;
        const { scale: s, tx, ty } = view.current;
        const r = canvas.getBoundingClientRect();
        const x = (n.x + n.w / 2) * s + tx, y = (n.y + n.h / 2) * s + ty;
        return x < 0 || y < 0 || x > canvas.width || y > canvas.height ? null : { x: r.left + x, y: r.top + y };
      },
      pixel: (id) => {
        const n = nodes[byId.get(id) ?? -1];
        if (!n || !painted) return "";
        const { scale: s, tx, ty } = view.current;
        const d = ctx.getImageData(Math.round((n.x + 3) * s + tx), Math.round((n.y + n.h / 2) * s + ty), 1, 1).data;
        return `rgb(${d[0]},${d[1]},${d[2]})`;
      },
    };
    return () => {
      observer.disconnect();
      canvas.removeEventListener("mousedown", onDown);
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
      canvas.removeEventListener("wheel", onWheel);
      window.removeEventListener("keydown", onKey);
      if (frame) cancelAnimationFrame(frame);
    };
    // Rebuilt only for a new layout; statuses are redrawn by the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  // Statuses change without a new layout: redraw only.
  useEffect(() => {
    statuses.current = nodeStatuses(layout, assets);
    drawRef.current();
  }, [assets, layout]);

  return <canvas ref={canvasRef} className="graph" data-testid="graph" />;
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
