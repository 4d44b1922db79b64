// Live asset status: /api/assets once, then every run's events over one event stream
// (/api/stream, resumed by the browser with Last-Event-ID), patching statuses at once and
// refetching the authoritative list shortly after. When the stream cannot be held (the
// server's stream limit, a proxy), it falls back to polling and retries the stream later.
import { useEffect, useRef, useState } from "react";
import { AssetSummary, EventRecord, getJson, Status } from "./api";

export type Connection = "connecting" | "live" | "polling";

interface AssetsResponse {
  assets: AssetSummary[];
  cursor: number;
}

// A step shows as materializing for at least this long, even when it ends sooner (a 10 ms
// step would otherwise never be seen running: its start and end arrive in one frame).
const MIN_MATERIALIZING_MS = 500;
// /api/assets recomputes every asset's status (~0.2 s of CPU at 10,000 assets): not per event.
const REFRESH_MS = 1500;

export function useLiveAssets() {
  const [assets, setDisplayed] = useState<Map<string, AssetSummary>>(new Map());
  // The latest statuses as the server knows them; `assets` is this with the holds applied.
  const latest = useRef<Map<string, AssetSummary>>(new Map());
  const holdUntil = useRef<Map<string, number>>(new Map());
  const holdTimer = useRef<number | undefined>(undefined);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [lastEvent, setLastEvent] = useState<EventRecord | null>(null);
  const refreshTimer = useRef<number | undefined>(undefined);
  const refreshNow = useRef<() => void>(() => {});

  useEffect(() => {
    let closed = false;
    const show = () => {
      const now = Date.now();
      const shown = new Map(latest.current);
      let next = Infinity;
      for (const [key, until] of holdUntil.current) {
        const a = shown.get(key);
        if (until <= now || !a) {
          holdUntil.current.delete(key);
          continue;
        }
        if (a.status !== "MATERIALIZING") shown.set(key, { ...a, status: "MATERIALIZING" });
        next = Math.min(next, until);
      }
      for (const [key, a] of latest.current) {
        if (a.status === "MATERIALIZING" && !holdUntil.current.has(key)) {
          holdUntil.current.set(key, now + MIN_MATERIALIZING_MS);
          next = Math.min(next, now + MIN_MATERIALIZING_MS);
        }
      }
      window.clearTimeout(holdTimer.current);
      if (next !== Infinity) holdTimer.current = window.setTimeout(show, next - now + 5);
      setDisplayed(shown);
    };
    const setAssets = (update: (prev: Map<string, AssetSummary>) => Map<string, AssetSummary>) => {
      latest.current = update(latest.current);
      show();
    };
    let source: EventSource | null = null;
    let poll: number | undefined;
    let retry: number | undefined;

    const load = async () => {
      const data = await getJson<AssetsResponse>("/api/assets");
      if (closed) return data.cursor;
      setAssets(() => new Map(data.assets.map((a) => [a.key, a])));
      return data.cursor;
    };
    // The authoritative list is refetched at most every REFRESH_MS while events flow (events
    // patch the statuses in between), and once more shortly after the last one.
    let lastLoad = 0;
    const scheduleRefresh = () => {
      if (refreshTimer.current !== undefined) return;
      const wait = Math.max(300, REFRESH_MS - (Date.now() - lastLoad));
      refreshTimer.current = window.setTimeout(() => {
        refreshTimer.current = undefined;
        lastLoad = Date.now();
        void load().catch(() => {});
      }, wait);
    };
    refreshNow.current = () => void load().catch(() => {});
    const patch = (e: EventRecord) => {
      const next: Partial<Record<string, Status>> = {
        STEP_STARTED: "MATERIALIZING",
        STEP_RETRY: "MATERIALIZING",
        STEP_FAILED: "FAILED",
        STEP_SUCCESS: "FRESH",
      };
      const status = next[e.type];
      if (!e.asset || !status) return;
      setAssets((prev) => {
        const a = prev.get(e.asset);
        if (!a) return prev;
        const copy = new Map(prev);
        copy.set(e.asset, {
          ...a,
          status,
          cause: status === "FAILED" ? e.message : a.cause,
          running_run_id: status === "MATERIALIZING" ? e.run_id : undefined,
        });
        return copy;
      });
    };
    const startPolling = () => {
      setConnection("polling");
      if (poll === undefined) poll = window.setInterval(() => void load().catch(() => {}), 2000);
      window.clearTimeout(retry);
      retry = window.setTimeout(() => connect(), 10000);
    };
    const connect = (cursor?: number) => {
      if (closed) return;
      source?.close();
      source = new EventSource(cursor === undefined ? "/api/stream" : `/api/stream?after=${cursor}`);
      source.addEventListener("hello", () => {
        setConnection("live");
        if (poll !== undefined) {
          window.clearInterval(poll);
          poll = undefined;
          scheduleRefresh();
        }
      });
      source.onmessage = (m) => {
        const e = JSON.parse(m.data) as EventRecord;
        patch(e);
        setLastEvent(e);
        scheduleRefresh();
      };
      source.onerror = () => {
        // CONNECTING: the browser reconnects by itself (with Last-Event-ID); CLOSED: it gave up.
        if (source?.readyState === EventSource.CLOSED) startPolling();
        else setConnection("connecting");
      };
    };
    load()
      .then((cursor) => connect(cursor))
      .catch(() => startPolling());
    return () => {
      closed = true;
      source?.close();
      window.clearInterval(poll);
      window.clearTimeout(retry);
      window.clearTimeout(refreshTimer.current);
      window.clearTimeout(holdTimer.current);
    };
  }, []);

  // After a reload of the definitions (no event says so).
  const refresh = () => refreshNow.current();
  return { assets, connection, lastEvent, refresh };
}
