// The shell: a header (Materialize all, the Materialize menu, the connection indicator) over
// the page the #fragment names: #/ graph, #/asset/<key>, #/runs, #/run/<id>. Launching a
// run never leaves the page: a notice links to the run.
import { useCallback, useEffect, useRef, useState } from "react";
import { materialize, MaterializeRequest } from "./api";
import { AssetPage } from "./AssetPage";
import { GraphPage } from "./GraphPage";
import { useLiveAssets } from "./live";
import { RunPage, RunsPage } from "./RunPages";

function useRoute(): string[] {
  const parse = () => window.location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

export interface Notice {
  text: string;
  runId?: string;
  error?: boolean;
}

export function App() {
  const route = useRoute();
  const live = useLiveAssets();
  const [selected, setSelected] = useState<string[]>([]);
  const [notice, setNotice] = useState<Notice | null>(null);
  // Bumped by "Reload definitions": the graph page remounts and fetches the new layout.
  const [generation, setGeneration] = useState(0);
  const menu = useRef<HTMLDetailsElement>(null);
  // A menu item closes the menu, then acts.
  const item = (act: () => void) => () => {
    if (menu.current) menu.current.open = false;
    act();
  };
  const reload = useCallback(async () => {
    const r = await fetch("/api/reload", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Assetflow": "1" },
      body: "{}",
    });
    const body = await r.json().catch(() => ({}));
    setNotice(r.ok ? { text: "Definitions reloaded" } : { text: body.error ?? `reload: ${r.status}`, error: true });
    if (r.ok) {
      setGeneration((g) => g + 1);
      live.refresh();
    }
  }, [live]);

  const launch = useCallback(async (req: MaterializeRequest, what: string) => {
    try {
      const r = await materialize(req);
      setNotice(
        r.run_id
          ? { text: `Launched ${what}: ${r.assets} asset${r.assets === 1 ? "" : "s"}`, runId: r.run_id }
          : { text: r.message ?? "nothing to materialize" },
      );
    } catch (e) {
      setNotice({ text: `${what}: ${(e as Error).message}`, error: true });
    }
  }, []);

  const page = route[0] ?? "";
  let body;
  if (page === "asset" && route.length > 1) {
    body = <AssetPage assetKey={route.slice(1).join("/")} live={live.assets} launch={launch} />;
  } else if (page === "runs") {
    body = <RunsPage />;
  } else if (page === "run" && route[1]) {
    body = <RunPage runId={route[1]} />;
  } else {
    body = <GraphPage key={generation} live={live.assets} selected={selected} onSelect={setSelected} launch={launch} />;
  }

  return (
    <div className="app">
      <header>
        <a href="#/" className="brand">assetflow</a>
        <nav>
          <a href="#/">Assets</a>
          <a href="#/runs">Runs</a>
        </nav>
        <div className="actions">
          <button data-testid="materialize-all" onClick={() => launch({ all: true }, "Materialize all")}>
            Materialize all ({live.assets.size})
          </button>
          <details className="menu" data-testid="materialize-menu" ref={menu}>
            <summary>Materialize ▾</summary>
            <div>
              <button onClick={item(() => launch({ missing: true }, "Materialize missing"))}>Missing</button>
              <button onClick={item(() => launch({ failed: true }, "Materialize failed"))}>Failed</button>
              <button onClick={item(() => launch({ stale: true }, "Materialize stale"))}>Stale (and downstream)</button>
              <button
                disabled={selected.length === 0}
                onClick={item(() => launch({ assets: selected, with_upstream: true }, "Materialize selected with upstream"))}
              >
                Selected with upstream ({selected.length})
              </button>
              <button onClick={item(() => void reload())}>
                Reload definitions
              </button>
            </div>
          </details>
          <span className={`connection ${live.connection}`} data-testid="connection" title="live updates">
            ● {live.connection}
          </span>
        </div>
      </header>
      {notice && (
        <div className={`notice ${notice.error ? "error" : ""}`} data-testid="notice">
          {notice.text}
          {notice.runId && (
            <>
              {" "}— <a href={`#/run/${notice.runId}`}>view run</a>
            </>
          )}
          <button className="close" onClick={() => setNotice(null)}>×</button>
        </div>
      )}
      <main>{body}</main>
    </div>
  );
}
