#!/usr/bin/env python3
"""Grows a real event log into a large history for the history benchmarks (bench/history.sh).

HOME must hold an assetflow.db with at least one finished run (the template): its runs row, its
events and its materializations are copied RUNS - 1 times with new run ids and times one minute
apart, so the copies are rows the engine itself wrote, only more of them. The template run stays
the newest (its times are moved after every copy), so `status` reads what it really recorded,
and last_attempts keeps pointing at it. Prints the total of runs and events.

usage: gen_eventlog.py HOME RUNS
"""
import os
import sqlite3
import sys
import uuid

home, runs = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(os.path.join(home, "assetflow.db"))
(template,) = db.execute("SELECT run_id FROM runs ORDER BY started_ms DESC LIMIT 1").fetchone()
run_cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
run = dict(zip(run_cols, db.execute("SELECT * FROM runs WHERE run_id = ?", (template,)).fetchone()))
ev_cols = [r[1] for r in db.execute("PRAGMA table_info(events)") if r[1] != "id"]
events = db.execute(f"SELECT {', '.join(ev_cols)} FROM events WHERE run_id = ? ORDER BY id",
                    (template,)).fetchall()
mat_cols = [r[1] for r in db.execute("PRAGMA table_info(materializations)") if r[1] != "id"]
mats = db.execute(f"SELECT {', '.join(mat_cols)} FROM materializations WHERE run_id = ? ORDER BY id",
                  (template,)).fetchall()
ev_run, ev_time = ev_cols.index("run_id"), ev_cols.index("time_ms")
mat_run, mat_time = mat_cols.index("run_id"), mat_cols.index("time_ms")

minute = 60_000
start = run["started_ms"] - runs * minute  # the copies come before the template, oldest first


def shifted(rows, run_at, time_at, run_id, delta):
    for row in rows:
        row = list(row)
        row[run_at], row[time_at] = run_id, row[time_at] + delta
        yield row


with db:
    # Copies first, then the template's own rows again (with the newest ids), so "latest" stays it.
    db.execute("DELETE FROM events WHERE run_id = ?", (template,))
    db.execute("DELETE FROM materializations WHERE run_id = ?", (template,))
    for k in range(runs):
        copy = k < runs - 1
        run_id = str(uuid.uuid4()) if copy else template
        delta = (start + k * minute - run["started_ms"]) if copy else 0
        if copy:
            row = dict(run, run_id=run_id, started_ms=run["started_ms"] + delta,
                       ended_ms=run["ended_ms"] + delta if run["ended_ms"] else 0)
            db.execute(f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       list(row.values()))
        db.executemany(f"INSERT INTO events ({', '.join(ev_cols)}) VALUES ({', '.join('?' * len(ev_cols))})",
                       shifted(events, ev_run, ev_time, run_id, delta))
        db.executemany(f"INSERT INTO materializations ({', '.join(mat_cols)}) VALUES ({', '.join('?' * len(mat_cols))})",
                       shifted(mats, mat_run, mat_time, run_id, delta))
(n_runs,) = db.execute("SELECT COUNT(*) FROM runs").fetchone()
(n_events,) = db.execute("SELECT COUNT(*) FROM events").fetchone()
print(n_runs, n_events)
