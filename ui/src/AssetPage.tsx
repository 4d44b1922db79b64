// One asset: status and why (stale causes, the failure), the last materialization's metadata
// (markdown sanitized, PNG and markdown values inline), history with failed attempts.
import { useEffect, useState } from "react";
import { AssetDetail, AssetSummary, Freshness, formatTime, getJson, MaterializeRequest, MetadataEntry } from "./api";
import { displayStatus, STATUS_COLOURS, STATUS_LABELS } from "./Graph";
import { renderMarkdown } from "./markdown";

function Metadata({ entry }: { entry: MetadataEntry }) {
  if (entry.type === "markdown") {
    return <div className="markdown" data-testid={`md-${entry.key}`} dangerouslySetInnerHTML={{ __html: renderMarkdown(entry.value) }} />;
  }
  if (entry.type === "json") {
    let text = entry.value;
    try {
      text = JSON.stringify(JSON.parse(entry.value), null, 2);
    } catch {
      /* shown as it is */
    }
    return <pre className="json">{text}</pre>;
  }
  if (entry.type === "url" && /^https?:\/\//.test(entry.value)) {
    return <a href={entry.value} rel="noreferrer noopener" target="_blank">{entry.value}</a>;
  }
  return <span>{entry.value}</span>;
}

function Artifact({ detail }: { detail: AssetDetail }) {
  const [markdown, setMarkdown] = useState<string | null>(null);
  const id = detail.last?.artifact;
  const media = detail.media_type;
  useEffect(() => {
    setMarkdown(null);
    if (!id || !detail.loadable || media !== "text/markdown") return;
    let current = true;  // an answer for an artifact no longer shown is dropped
    fetch(`/api/artifacts/${id}`)
      .then((r) => (r.ok ? r.text() : Promise.reject()))
      .then((text) => current && setMarkdown(text), () => {});
    return () => {
      current = false;
    };
  }, [id, media, detail.loadable]);
  if (!detail.last) return null;
  if (!detail.loadable) {
    return <p className="muted">The stored value is written by a write-only IO manager; it cannot be shown here.</p>;
  }
  if (media.startsWith("image/")) {
    return <img className="preview" data-testid="artifact-image" src={`/api/artifacts/${id}`} alt={`${detail.key}`} />;
  }
  if (markdown !== null) {
    return <div className="markdown" data-testid="artifact-markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(markdown) }} />;
  }
  return <a href={`/api/artifacts/${id}`}>stored value</a>;
}

interface Props {
  assetKey: string;
  live: Map<string, AssetSummary>;
  launch: (req: MaterializeRequest, what: string) => void;
}

export function AssetPage({ assetKey, live, launch }: Props) {
  const [detail, setDetail] = useState<AssetDetail | null>(null);
  const [error, setError] = useState("");
  const summary = live.get(assetKey);
  // Refetched whenever the live status of this asset changes.
  const version = `${summary?.status}:${summary?.last_ms}:${summary?.cause}`;
  // Only the newest request's answer is shown: going from one asset's page to another's, the
  // first page's answer may arrive last, and must not replace the second's.
  useEffect(() => {
    let current = true;
    getJson<AssetDetail>(`/api/assets/${assetKey}`).then(
      (d) => current && setDetail(d),
      (e) => current && setError(String(e)),
    );
    return () => {
      current = false;
    };
  }, [assetKey, version]);
  if (detail && detail.key !== assetKey) return <p>Loading…</p>;
  if (error) return <div className="notice error">{error}</div>;
  if (!detail) return <p>Loading…</p>;
  const status = displayStatus(summary ?? { ...detail, cause: "" });
  return (
    <div className="asset-page">
      <h1>{detail.key}</h1>
      <p className="muted">{detail.description}</p>
      <p>
        <span className="badge" data-testid="asset-status" style={{ background: STATUS_COLOURS[status] }}>
          {STATUS_LABELS[status]}
        </span>{" "}
        {detail.type} · group {detail.group}
        {detail.code_version && <> · code version {detail.code_version}</>}{" "}
        <button onClick={() => launch({ assets: [detail.key] }, `Materialize ${detail.key}`)}>Materialize</button>{" "}
        <button onClick={() => launch({ assets: [detail.key], with_upstream: true }, `Materialize ${detail.key} with upstream`)}>
          with upstream
        </button>
      </p>
      {detail.status === "FAILED" && detail.last_attempt && (
        <div className="step-error" data-testid="asset-error">
          <b>Last attempt failed</b> ({formatTime(detail.last_attempt.time_ms)},{" "}
          <a href={`#/run/${detail.last_attempt.run_id}`}>run</a>): {detail.last_attempt.message}
        </div>
      )}
      {detail.causes.length > 0 && (
        <div className="causes" data-testid="stale-causes">
          <b>Stale because</b>
          <ul>{detail.causes.map((c, i) => <li key={i}>{c.detail}</li>)}</ul>
        </div>
      )}
      <section>
        <h2>Freshness</h2>
        <p className="muted">
          {detail.freshness ? freshnessText(detail.freshness) : "No freshness policy."}
        </p>
      </section>
      <section>
        <h2>Lineage</h2>
        <p>
          Upstream: {detail.upstream.length ? detail.upstream.map((u) => <a key={u} href={`#/asset/${u}`}>{u} </a>) : "none"}
          <br />
          Downstream: {detail.downstream.length ? detail.downstream.map((d) => <a key={d} href={`#/asset/${d}`}>{d} </a>) : "none"}
        </p>
      </section>
      {detail.last && (
        <section>
          <h2>Last materialization</h2>
          <p>
            {formatTime(detail.last.time_ms)} · <a href={`#/run/${detail.last.run_id}`}>run</a> · data version{" "}
            <code>{detail.last.data_version.slice(0, 12)}</code>
          </p>
          <Artifact detail={detail} />
          <table className="metadata">
            <tbody>
              {detail.last.metadata.map((m) => (
                <tr key={m.key}>
                  <th>{m.key}</th>
                  <td><Metadata entry={m} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section>
        <h2>History</h2>
        <table className="history" data-testid="history">
          <tbody>
            {detail.history.map((e) => (
              <tr key={e.id} className={e.type === "STEP_FAILED" ? "failed" : ""}>
                <td>{formatTime(e.time_ms)}</td>
                <td>{e.type.replace("STEP_", "").toLowerCase()}</td>
                <td><a href={`#/run/${e.run_id}`}>{e.run_id.slice(0, 8)}</a></td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

// "FAIL (7 min overdue)", "PASS (12 min to spare)", "UNKNOWN (never materialized)".
function freshnessText(f: Freshness): string {
  const minutes = (m: number) => `${Math.round(m * 10) / 10} min`;
  if (f.state === "FAIL" && f.overdue_minutes != null) return `FAIL (${minutes(f.overdue_minutes)} overdue)`;
  if (f.spare_minutes != null) return `${f.state} (${minutes(f.spare_minutes)} to spare)`;
  return f.reason ? `${f.state} (${f.reason})` : f.state;
}
