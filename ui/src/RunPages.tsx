// Runs: the list, and one run with its steps and live logs. The log streams over
// /api/runs/<id>/stream (the browser resumes it with Last-Event-ID); if the stream is closed
// for good, it polls /events?after=<last id> instead. A failed step's error shows inline.
import { useEffect, useRef, useState } from "react";
import { EventRecord, formatTime, getJson, postJson, Run, RunStep } from "./api";
import { Connection } from "./live";

export function RunsPage() {
  const [runs, setRuns] = useState<Run[]>([]);
  useEffect(() => {
    const load = () => getJson<{ runs: Run[] }>("/api/runs?limit=100").then((r) => setRuns(r.runs), () => {});
    void load();
    const t = window.setInterval(load, 2000);
    return () => window.clearInterval(t);
  }, []);
  return (
    <div>
      <h1>Runs</h1>
      <table className="runs" data-testid="runs">
        <thead>
          <tr><th>run</th><th>status</th><th>selection</th><th>started</th><th>ended</th></tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.run_id} className={r.status.toLowerCase()}>
              <td><a href={`#/run/${r.run_id}`}>{r.run_id.slice(0, 8)}</a></td>
              <td>{r.status}</td>
              <td>{r.selection}</td>
              <td>{formatTime(r.started_ms)}</td>
              <td>{formatTime(r.ended_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const MAX_LINES = 5000;

export function RunPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [steps, setSteps] = useState<RunStep[]>([]);
  const [events, setEvents] = useState<EventRecord[]>([]);
  const [connection, setConnection] = useState<Connection | "ended">("connecting");
  const lastId = useRef(0);

  useEffect(() => {
    let closed = false;
    let poll: number | undefined;
    let refresh: number | undefined;
    lastId.current = 0;
    setEvents([]);
    const loadRun = () =>
      getJson<{ run: Run; steps: RunStep[] }>(`/api/runs/${runId}`).then((r) => {
        if (closed) return;
        setRun(r.run);
        setSteps(r.steps);
      }, () => {});
    const add = (batch: EventRecord[]) => {
      const fresh = batch.filter((e) => e.id > lastId.current);
      if (!fresh.length) return;
      lastId.current = fresh[fresh.length - 1].id;
      setEvents((prev) => [...prev, ...fresh].slice(-MAX_LINES));
      window.clearTimeout(refresh);
      refresh = window.setTimeout(loadRun, 200);
    };
    const startPolling = () => {
      setConnection("polling");
      const tick = async () => {
        try {
          const r = await getJson<{ events: EventRecord[]; ended: boolean }>(
            `/api/runs/${runId}/events?after=${lastId.current}`);
          add(r.events);
          if (r.ended) {
            setConnection("ended");
            void loadRun();
            return;
          }
        } catch {
          /* the server is away: try again */
        }
        if (!closed) poll = window.setTimeout(tick, 1000);
      };
      void tick();
    };
    void loadRun();
    const source = new EventSource(`/api/runs/${runId}/stream`);
    source.addEventListener("hello", () => setConnection("live"));
    source.onmessage = (m) => add([JSON.parse(m.data) as EventRecord]);
    source.addEventListener("end", () => {
      source.close();
      setConnection("ended");
      void loadRun();
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) startPolling();
      else setConnection("connecting");
    };
    return () => {
      closed = true;
      source.close();
      window.clearTimeout(poll);
      window.clearTimeout(refresh);
    };
  }, [runId]);

  const cancel = () => void postJson(`/api/runs/${runId}/cancel`, {}).catch(() => {});
  return (
    <div className="run-page">
      <h1>Run {runId.slice(0, 8)}</h1>
      <p>
        <span className={`run-status ${run?.status.toLowerCase()}`} data-testid="run-status">{run?.status ?? "…"}</span>{" "}
        {run?.selection} · started {formatTime(run?.started_ms)} · ended {formatTime(run?.ended_ms)}{" "}
        {run?.status === "STARTED" && <button onClick={cancel}>Cancel</button>}{" "}
        <span className={`connection ${connection}`} data-testid="log-connection">● {connection}</span>
      </p>
      <table className="steps" data-testid="steps">
        <tbody>
          {steps.map((s) => (
            <tr key={s.asset} className={s.state.toLowerCase()}>
              <td><a href={`#/asset/${s.asset}`}>{s.asset}</a></td>
              <td>{s.state}</td>
              <td>{s.attempts > 1 ? `${s.attempts} attempts` : ""}</td>
              <td>
                {s.state === "FAILED" ? <div className="step-error" data-testid="step-error">{s.message}</div> : s.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Log</h2>
      <div className="log" data-testid="log">
        {events.map((e) => (
          <div key={e.id} className={`line ${e.type.toLowerCase()}`}>
            <span className="t">{new Date(e.time_ms).toLocaleTimeString()}</span>{" "}
            <span className="ty">{e.type}</span> <span className="a">{e.asset}</span> {e.message}
          </div>
        ))}
      </div>
    </div>
  );
}
