// The server's JSON API (host/server/web_server.h). Every POST carries the CSRF header the
// server requires and a JSON body; cookies (the token, off loopback) go along same-origin.

export type Status = "MISSING" | "MATERIALIZING" | "FRESH" | "STALE" | "FAILED";

// An asset's freshness evaluation (host/freshness FreshnessJson; null without a policy, see
// FreshnessField in host/server/api_json.cc). FAIL shows as "overdue".
export interface Freshness {
  state: "PASS" | "WARN" | "FAIL" | "UNKNOWN";
  overdue_minutes: number | null;
  spare_minutes: number | null;
  maximum_lag_minutes: number;
  reason?: string;
}

export interface AssetSummary {
  key: string;
  group: string;
  status: Status;
  running_run_id?: string;
  cause: string;
  last_ms?: number;
  last_run_id?: string;
  freshness: Freshness | null;
}

export interface MetadataEntry {
  key: string;
  type: string;
  value: string;
}

export interface EventRecord {
  id: number;
  run_id: string;
  asset: string;
  type: string;
  time_ms: number;
  message: string;
  data: Record<string, unknown>;
}

export interface AssetDetail {
  key: string;
  group: string;
  type: string;
  description: string;
  code_version: string;
  status: Status;
  running_run_id?: string;
  upstream: string[];
  downstream: string[];
  causes: { kind: string; detail: string }[];
  last: null | {
    run_id: string;
    time_ms: number;
    data_version: string;
    code_version: string;
    artifact: string;
    metadata: MetadataEntry[];
  };
  last_attempt: null | { run_id: string; time_ms: number; failed: boolean; message: string };
  loadable: boolean;
  media_type: string;
  freshness: Freshness | null;
  history: EventRecord[];
}

export interface LayoutNode {
  id: string;
  label: string;
  group: string;
  is_group: boolean;
  count: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GraphLayout {
  hash: string;
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: number[];
  node_of_asset: Record<string, number>;
}

export interface Run {
  run_id: string;
  status: "STARTED" | "SUCCESS" | "FAILED" | "CANCELED";
  selection: string;
  started_ms: number;
  ended_ms: number;
  pid: number;
  host: string;
}

export interface RunStep {
  asset: string;
  state: string;
  message: string;
  attempts: number;
  started_ms: number;
  ended_ms: number;
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Assetflow": "1" },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json as { error?: string }).error ?? `${res.status}`);
  return json as T;
}

export interface MaterializeRequest {
  all?: boolean;
  assets?: string[];
  select?: string;
  missing?: boolean;
  stale?: boolean;
  failed?: boolean;
  with_upstream?: boolean;
}

export function materialize(req: MaterializeRequest) {
  return postJson<{ run_id: string | null; assets?: number; message?: string }>(
    "/api/materialize",
    req,
  );
}

export function formatTime(ms: number | undefined): string {
  if (!ms) return "—";
  return new Date(ms).toLocaleString();
}
