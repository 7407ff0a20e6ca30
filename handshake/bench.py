"""Benchmarks that print their figures (never timed tests): python -m handshake bench.

Pages: for demo warehouses of several sizes, every page's complete set of queries (recorded by
running the page once through Streamlit's AppTest), replayed on a cache miss and through the cache,
with and without a filter; beside it, the headline KPIs computed the way a typical Streamlit dashboard
does, with pandas over tables loaded into memory, in a process of its own so each peak memory is its own.
Import: a generated canonical leads CSV imported into an empty warehouse, then again.
Load (--load): people on a running app (handshake/load.py), one process and served, and with --compare-with an
earlier checkout's app, side by side: page views per second, the median, 95th percentile and slowest view,
errors, and every confirmed write found once in the warehouse."""

import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from handshake import access, importer, mappings, warehouse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "data" / "bench"  # the generated warehouses (ignored by git)
RESULTS_DIR = ROOT / "data" / "benchmark"  # the results the README links to
SIZES = (100_000, 1_000_000, 10_000_000)
# touches added after everything else to every touched lead, on average: three touches per lead in all,
# the follow-up load of a large sales team (the demo alone gives about 0.8)
LATER_TOUCHES = 8.5
AS_OF = datetime(2026, 11, 2, 12)  # fixed, so a warehouse built on another day is the same one
IMPORT_NOW = datetime(2026, 11, 22, 12)
BENCH = access.Person("benchmark", "admin")
PANDAS_KPIS = ("mql_count", "sla_compliance_rate", "acceptance_rate", "mql_to_won_rate", "open_pipeline_eur",
               "revenue_eur")


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, because on Linux ru_maxrss survives exec and would
    report the parent's peak for a child started from a large process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spread(times: list[float]) -> dict:
    return {"median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4),
            "max_s": round(max(times), 4), "runs": len(times)}


# ---- the warehouses

def demo_warehouse(leads: int, progress=print) -> Path:
    """The demo at this size with three touches per lead, built once and reused while it matches."""
    from handshake import demo

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"demo_{leads}.duckdb"
    if path.exists():
        con = duckdb.connect(str(path), read_only=True)
        try:
            about = dict(con.execute("select key, value from meta").fetchall())
            version = warehouse.schema_version(con)
        finally:
            con.close()
        if (about.get("demo_leads") == str(leads) and about.get("demo_later_touches") == str(LATER_TOUCHES)
                and about.get("demo_as_of", "").startswith(AS_OF.isoformat(sep=" ")[:16])):
            if version < warehouse.LATEST_VERSION:
                warehouse.open_warehouse(path).close()  # upgraded in place, as the app would
                progress(f"upgraded {path.name} to schema {warehouse.LATEST_VERSION}")
            return path
    started = time.perf_counter()
    demo.generate(path, leads=leads, as_of=AS_OF, later_touches=LATER_TOUCHES, replace=True)
    progress(f"built {path.name} ({leads:,} leads) in {time.perf_counter() - started:.0f} s")
    return path


def demo_warehouse_default(progress=print) -> Path:
    from handshake import demo

    path = BENCH_DIR / "demo_default.duckdb"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        demo.generate(path, as_of=AS_OF)
        progress(f"built {path.name} (the default demo, {demo.DEFAULT_LEADS:,} leads)")
    return path


# ---- which queries each page runs

def record_pages(path: Path, link: dict | None = None) -> dict[str, list]:
    """Run every page once through AppTest and keep, per page, each query it asked for, in order: a query
    as (name, parameters), the queries a page asked for together (dashboard.query_many) as a list of them."""
    from streamlit.testing.v1 import AppTest

    from handshake import dashboard, queries

    os.environ["HANDSHAKE_WAREHOUSE"] = str(path)
    original, original_many = queries.run, dashboard.query_many
    seen: list = []
    together: list[list] = []  # the batch being asked for, if any (its queries run in other threads)

    def recording(con, name, params=None):
        (together[-1] if together else seen).append((name, dict(params or {})))
        return original(con, name, params)

    def recording_many(calls):
        together.append([])
        try:
            return original_many(calls)
        finally:
            batch = together.pop()
            if batch:  # only the queries not cached already ran
                seen.append(batch)

    pages = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
    recorded = {}
    queries.run, dashboard.query_many = recording, recording_many
    try:
        for page in pages:
            dashboard.clear_caches()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            for key, value in (link or {}).items():
                at.query_params[key] = value
            at.run()
            seen.clear()  # the entry page's own queries; the page's set starts with its own run
            dashboard.clear_caches()
            at.switch_page(page).run()
            if at.exception:
                raise RuntimeError(f"{page} failed on {path.name}: {at.exception[0].value}")
            recorded[page] = list(seen)
    finally:
        queries.run, dashboard.query_many = original, original_many
        warehouse.close_shared()
    return recorded


def step_name(step) -> str:
    """A recorded step in words: a query's name, or the names of queries run together."""
    if not isinstance(step, list):
        return step[0]
    names = collections.Counter(name for name, _ in step)
    return "at once: " + ", ".join(name + (f" x{n}" if n > 1 else "") for name, n in names.items())


def query_count(steps: list) -> int:
    return sum(len(step) if isinstance(step, list) else 1 for step in steps)


# ---- replaying them

def run_step(con, step):
    """A recorded step on a cache miss, as a rerun runs it: one query, or several at once."""
    from handshake import queries
    return queries.run_many(con, step) if isinstance(step, list) else queries.run(con, *step)


def replay(path: Path, recorded: dict, runs: int) -> dict[str, dict]:
    """Per page: its query set on a cache miss (every query run as one rerun runs it: one after another,
    or at once where the page asks for several together) and through the dashboard's cache (every query a hit)."""
    from handshake import dashboard

    os.environ["HANDSHAKE_WAREHOUSE"] = str(path)
    con = warehouse.shared_connection(path)

    def hit(step):
        return dashboard.query_many(step) if isinstance(step, list) else dashboard.query(*step)

    results = {}
    for page, steps in recorded.items():
        misses, each = [], [[] for _ in steps]
        for _ in range(runs):
            started = time.perf_counter()
            for i, step in enumerate(steps):
                began = time.perf_counter()
                run_step(con, step)
                each[i].append(time.perf_counter() - began)
            misses.append(time.perf_counter() - started)
        slowest = sorted(((statistics.median(t), step_name(step)) for t, step in zip(each, steps)), reverse=True)[:3]
        dashboard.clear_caches()
        for step in steps:
            hit(step)
        hits = []
        for _ in range(runs):
            started = time.perf_counter()
            for step in steps:
                hit(step)
            hits.append(time.perf_counter() - started)
        results[page] = {"queries": query_count(steps), "miss": spread(misses), "cached": spread(hits),
                         "slowest_queries": [{"query": name, "median_s": round(t, 4)} for t, name in slowest]}
    warehouse.close_shared()
    return results


# ---- the same KPIs, the usual way

def pandas_kpis(path: str, start: str, end: str, now: str, runs: int) -> dict:
    """The headline KPIs as a typical dashboard computes them: whole tables in pandas, grouped per rerun.
    Runs in a process of its own (see kpis_both), so its peak memory is its own."""
    import pandas as pd

    con = duckdb.connect(path, read_only=True)
    started = time.perf_counter()
    leads = con.execute("select * from leads").df()
    touches = con.execute("select lead_id, touched_at from follow_ups").df()
    deals = con.execute("select * from opportunities").df()
    revenue = con.execute("select * from revenue").df()
    agreements = con.execute("select * from agreements order by effective_date").df()
    con.close()
    load_s = time.perf_counter() - started
    start_at, end_at, now_at = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1), pd.Timestamp(now)

    def compute() -> dict:
        mqls = leads[(leads["mql_at"] >= start_at) & (leads["mql_at"] < end_at)]
        valid = touches.merge(leads[["lead_id", "created_at"]], on="lead_id")
        valid = valid[valid["touched_at"] >= valid["created_at"]]
        first = valid.groupby("lead_id")["touched_at"].min().rename("first_touch_at")
        m = mqls.join(first, on="lead_id")
        rules = agreements[["effective_date", "first_touch_sla_hours"]].copy()
        rules["effective_date"] = pd.to_datetime(rules["effective_date"])
        m = pd.merge_asof(m.sort_values("mql_at"), rules.sort_values("effective_date"), left_on="mql_at",
                          right_on="effective_date")
        clock = m["assigned_at"].fillna(m["mql_at"])
        deadline = clock + pd.to_timedelta(m["first_touch_sla_hours"], unit="h")
        within = (m["first_touch_at"] <= deadline).sum()
        breached = ((m["first_touch_at"] > deadline) | (m["first_touch_at"].isna() & (deadline < now_at))).sum()
        accepted, rejected = m["accepted_at"].notna().sum(), (m["accepted_at"].isna() & m["rejected_at"].notna()).sum()
        won_leads = set(deals.loc[deals["is_won"].fillna(False).astype(bool), "lead_id"].dropna())
        created = pd.to_datetime(deals["created_date"])
        closed = pd.to_datetime(deals["closed_date"])
        end_day = pd.Timestamp(end) + pd.Timedelta(days=1)
        open_at_end = (created < end_day) & (closed.isna() | (closed >= end_day))
        booked = pd.to_datetime(revenue["booked_date"])
        return {
            "mql_count": len(m),
            "sla_compliance_rate": within / (within + breached) if within + breached else None,
            "acceptance_rate": accepted / (accepted + rejected) if accepted + rejected else None,
            "mql_to_won_rate": m["lead_id"].isin(won_leads).mean() if len(m) else None,
            "open_pipeline_eur": float(deals.loc[open_at_end, "amount_eur"].astype(float).sum()),
            "revenue_eur": float(revenue.loc[(booked >= start_at) & (booked < end_at), "amount_eur"].astype(float).sum()),
        }

    times, values = [], None
    for _ in range(runs):
        began = time.perf_counter()
        values = compute()
        times.append(time.perf_counter() - began)
    return {"load_s": round(load_s, 2), "compute": spread(times), "values": values, "peak_rss_mb": round(peak_rss_mb())}


def handshake_kpis(path: str, start: str, end: str, now: str, runs: int) -> dict:
    """The same KPIs from Handshake's queries, in a process of its own."""
    from datetime import date

    from handshake import kpis, queries

    con = duckdb.connect(path, read_only=True)
    params = kpis.query_params(date.fromisoformat(start), date.fromisoformat(end), {"now": datetime.fromisoformat(now)})
    times, values = [], None
    for _ in range(runs):
        began = time.perf_counter()
        values = kpis.values(lambda calls: queries.run_many(con, calls), params,
                             among=tuple(kpis.BY_NAME[k] for k in PANDAS_KPIS))
        times.append(time.perf_counter() - began)
    con.close()
    return {"compute": spread(times), "values": {k: values[k] for k in PANDAS_KPIS}, "peak_rss_mb": round(peak_rss_mb())}


def in_own_process(function, *args):
    """function(*args) in a fresh Python process, so its peak memory is its own; returns its JSON result."""
    code = (f"import json, sys; from handshake import bench; "
            f"print(json.dumps(bench.{function.__name__}(*json.loads(sys.argv[1])), default=str))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(args)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{function.__name__} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # DuckDB may print a progress bar before it


def app_process(path: str) -> dict:
    """A new app process on this warehouse: seconds until its first page has rendered, then its peak
    memory after rendering every page once (the server's own process would hold the same)."""
    started = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    os.environ["HANDSHAKE_WAREHOUSE"] = path
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    first_page_s = time.perf_counter() - started
    for page in sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")):
        at.switch_page(page).run()
    return {"first_page_s": round(first_page_s, 2), "peak_rss_after_every_page_mb": round(peak_rss_mb())}


def kpis_both(path: Path, runs: int) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    last = con.execute("select max(created_at)::date from leads").fetchall()[0][0]
    con.close()
    start, end = (last - timedelta(days=89)).isoformat(), last.isoformat()
    now = AS_OF.isoformat()
    ours = in_own_process(handshake_kpis, str(path), start, end, now, runs)
    theirs = in_own_process(pandas_kpis, str(path), start, end, now, runs)
    return {"period": [start, end], "handshake": ours, "pandas": theirs,
            "speed_ratio": round(theirs["compute"]["median_s"] / ours["compute"]["median_s"], 1),
            "memory_ratio": round(ours["peak_rss_mb"] / theirs["peak_rss_mb"], 2)}


def pages_benchmark(sizes=SIZES, runs: int = 5, progress=print) -> dict:
    results = {}
    for leads in sizes:
        path = demo_warehouse(leads, progress)
        con = duckdb.connect(str(path), read_only=True)
        counts = con.execute("select (select count(*) from leads), (select count(*) from follow_ups)").fetchall()[0]
        region = con.execute("select region from leads group by region order by count(*) desc limit 1").fetchall()[0][0]
        con.close()
        progress(f"{leads:,} leads: recording each page's queries")
        plain = record_pages(path)
        filtered = record_pages(path, {"region": region})
        progress(f"{leads:,} leads: replaying them {runs} times")
        results[str(leads)] = {
            "leads": counts[0], "follow_ups": counts[1], "filter": {"region": region},
            "write": write_cost(path, runs), "evidence": evidence_cost(path, runs),
            "pages": replay(path, plain, runs), "pages_filtered": replay(path, filtered, runs),
            "kpis_vs_pandas": kpis_both(path, runs),
            "app_process": in_own_process(app_process, str(path)),
        }
    return results


def write_cost(path: Path, runs: int, whole: bool = True) -> dict:
    """What every write pays to keep the derived tables current: the stored facts of 1,000 changed leads recomputed
    and the rollup rows of their days and groups rebuilt, in one transaction (the data is unchanged, so the file is
    too). With whole, also the same write rebuilding every rollup whole, as every write did before schema 14."""
    con = warehouse.open_warehouse(path)
    changed = "select lead_id from leads using sample reservoir(1000 rows) repeatable (7)"

    def timed(**how) -> dict:
        times, cpu = [], []
        for _ in range(min(runs, 3)):
            started, cpu_started = time.perf_counter(), time.process_time()
            with warehouse.transaction(con, BENCH, "import") as cur:
                warehouse.refresh_lead_facts(cur, changed, **how)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        # the processor time of every thread: on a machine others share, the part of the time that is the write's own
        return spread(times) | {"cpu_median_s": round(statistics.median(cpu), 4)}

    try:
        return timed() | ({"whole": timed(whole=True)} if whole else {})
    finally:
        con.close()


def write_benchmark(sizes, runs: int, progress=print) -> dict:
    """write_cost alone on the demo of each size (the pages section measures it with everything else)."""
    measured = {}
    for leads in sizes:
        measured[str(leads)] = {"leads": leads, **write_cost(demo_warehouse(leads, progress), runs)}
        progress(f"{leads:,} leads: 1,000 changed leads written in {measured[str(leads)]['median_s']:.2f} s")
    return measured


def evidence_cost(path: Path, runs: int) -> dict:
    """The Evidence page's computations on a cache miss: its two queries (the window's MQLs counted), then the
    estimates from those counts (handshake/evidence.py, bootstrap included), each timed on its own."""
    from datetime import date

    from handshake import evidence, kpis, queries

    con = duckdb.connect(str(path), read_only=True)
    last = con.execute("select max(created_at)::date from leads").fetchall()[0][0]
    first, end = evidence.window(last if isinstance(last, date) else date.fromisoformat(str(last)))
    params = kpis.query_params(first, end, {})
    query_s, estimate_s, total_s, found = [], [], [], {}
    try:
        for _ in range(runs):
            started = time.perf_counter()
            counts = queries.run_many(con, [("evidence_strata", params), ("evidence_contact", params)])
            middle = time.perf_counter()
            found = evidence.findings(*counts)
            done = time.perf_counter()
            query_s.append(middle - started)
            estimate_s.append(done - middle)
            total_s.append(done - started)
    finally:
        con.close()
    return {"mqls": found.get("mql_count", 0), "query": spread(query_s), "estimates": spread(estimate_s),
            "total": spread(total_s)}


# the Evidence page reads a year of MQLs by design (its estimates need every lead of the window), so its time
# grows with the leads; its computations have their own target instead of the growth one
EVIDENCE_PAGE = "pages/evidence.py"
EVIDENCE_S, EVIDENCE_LEADS = 2, "1000000"
TARGETS_S = 0.5  # every page's query set on a cache miss, at the largest size
GROWTH = 3  # page time from 1,000,000 to 10,000,000 leads
PANDAS_SPEED, PANDAS_MEMORY = 10, 0.25
SERVER_PEAK_MB = 1536
FIRST_PAGE_S = 5
# 1,000 changed leads written (write_cost), by warehouse size
WRITE_S = {"1000000": 0.5, "10000000": 2}


def targets(result: dict) -> list[str]:
    """The issue's targets against this run's figures, each marked met or not."""
    pages = result.get("pages", {})
    if not pages:
        return []
    largest = pages[max(pages, key=int)]
    rows = []

    def check(what, figure, met):
        """met: True, False, or None when the run did not measure all that the target names."""
        rows.append(f"| {what} | {figure} | {'not measured' if met is None else 'met' if met else '**not met**'} |")

    worst = max(((p["miss"]["median_s"], name) for r in (largest["pages"], largest["pages_filtered"])
                 for name, p in r.items()))
    check(f"slowest page on a cache miss, {largest['leads']:,} leads (≤ {TARGETS_S} s)",
          f"{worst[1].removeprefix('pages/').removesuffix('.py')}: {worst[0]:.2f} s", worst[0] <= TARGETS_S)
    k = largest["kpis_vs_pandas"]
    check(f"faster than pandas on the headline KPIs (≥ {PANDAS_SPEED}x)", f"{k['speed_ratio']}x",
          k["speed_ratio"] >= PANDAS_SPEED)
    check(f"peak memory against pandas' (≤ {PANDAS_MEMORY:.0%})", f"{k['memory_ratio']:.0%}",
          k["memory_ratio"] <= PANDAS_MEMORY)
    if "1000000" in pages and "10000000" in pages:
        small, big = pages["1000000"]["pages"], pages["10000000"]["pages"]
        growth = max((big[p]["miss"]["median_s"] / small[p]["miss"]["median_s"], p) for p in big
                     if p in small and p != EVIDENCE_PAGE)
        check(f"page time from 1,000,000 to 10,000,000 leads, the Evidence page aside (≤ {GROWTH}x)",
              f"{growth[0]:.1f}x ({growth[1].removeprefix('pages/').removesuffix('.py')})", growth[0] <= GROWTH)
    if "evidence" in pages.get(EVIDENCE_LEADS, {}):
        cost = pages[EVIDENCE_LEADS]["evidence"]["total"]["median_s"]
        check(f"the Evidence page's computations, {int(EVIDENCE_LEADS):,} leads (≤ {EVIDENCE_S} s)", f"{cost:.2f} s",
              cost <= EVIDENCE_S)
    # the write section when the run has one (measured alone, perhaps later than the pages)
    writes = result.get("write") or {leads: pages[leads]["write"] for leads in pages if "write" in pages[leads]}
    written = {leads: writes[leads]["median_s"] for leads in WRITE_S if leads in writes}
    if written:
        check("1,000 changed leads written: " + ", ".join(f"≤ {s:g} s at {int(n):,} leads" for n, s in WRITE_S.items()),
              ", ".join(f"{written[n]:.2f} s at {int(n):,}" if n in written else f"{int(n):,} not measured"
                        for n in WRITE_S),
              False if any(written[n] > WRITE_S[n] for n in written) else True if len(written) == len(WRITE_S) else None)
    peak = largest["app_process"]["peak_rss_after_every_page_mb"]
    check(f"app process after every page, {largest['leads']:,} leads (≤ {SERVER_PEAK_MB:,} MB)", f"{peak:,} MB",
          peak <= SERVER_PEAK_MB)
    if "default_demo_app" in result:
        first = result["default_demo_app"]["first_page_s"]
        check(f"a new app process's first page, default demo (≤ {FIRST_PAGE_S} s)", f"{first:.1f} s",
              first <= FIRST_PAGE_S)
    return ["## Targets", "", "| target | this run | |", "|---|---:|---|", *rows, ""]


def import_benchmark(rows: int, repeats: int = 3, progress=print) -> dict:
    """Median seconds to import a fresh `rows`-row leads CSV into an empty warehouse, and to import it
    again (every row unchanged), each repeated in one run so the two are measured side by side."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv = folder / "leads.csv"
        started = time.perf_counter()
        lead_csv(csv, rows)
        progress(f"wrote {rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        first, again = [], []
        for n in range(repeats):
            path = folder / f"bench_{n}.duckdb"
            con = warehouse.open_warehouse(path)
            try:
                for times in (first, again):
                    started = time.perf_counter()
                    report = importer.run(con, csv, mappings.canonical("leads"), by=BENCH, now=IMPORT_NOW)
                    times.append(time.perf_counter() - started)
                    assert report.accepted == rows, report.problems.head()
                progress(f"run {n + 1}: first import {first[-1]:.1f} s ({report.rows_read:,} rows), "
                         f"again {again[-1]:.1f} s ({report.unchanged:,} unchanged)")
            finally:
                con.close()
        return {"rows": rows, "csv_mb": round(csv.stat().st_size / 1e6, 1),
                "first_import": spread(first), "reimport": spread(again),
                "rows_per_second": round(rows / statistics.median(first))}


def lead_csv(path: Path, rows: int) -> None:
    """A canonical leads export of `rows` rows, the same every time: about 80 bytes a row."""
    duckdb.execute(
        f"""
        copy (
            select 'L-' || i as lead_id,
                timestamp '2024-01-01' + to_minutes(i % 900000) as created_at,
                ['Google', 'google', 'Paid Social', 'Webinar', 'Referral'][1 + i % 5] as source,
                'marketing' as sourced_by,
                ['smb', 'mid-market', 'enterprise'][1 + i % 3] as segment,
                ['EMEA', 'NA', 'APAC'][1 + i % 3] as region,
                (i * 37) % 101 as lead_score,
                case when i % 3 = 0 then timestamp '2024-01-01' + to_minutes(i % 900000 + 60) end as mql_at,
                'Rep ' || (i % 40) as owner_rep_id
            from range({rows}) t(i)
        ) to '{path}' (header, delimiter ',')
        """)


# ---- the load: people on a running server (handshake/load.py)

LOAD_SIZES = ("default", 1_000_000)  # the default demo, as a first start makes it, and one million leads
LOAD_READERS = (1, 25, 50)
LOAD_WRITERS = (0, 5)
LOAD_THINK = (5, 15)  # seconds a reading session stays on a page, as in the end-to-end load
LOAD_SECONDS = 20  # measured per configuration, after the sessions' arrival: the section takes about 20 minutes
CAPACITY_SESSIONS = 10  # sessions reading without a pause: what a setup draws at most, a person's pause aside
SERVE_WORKERS = 2
QUICK = {"sizes": ("default",), "readers": (1, 5), "writers": (0, 1), "seconds": 10, "think": (1, 3),
         "capacity": 4, "alone_rounds": 1}


def serve_missing(root: Path = ROOT) -> str | None:
    """Why `python -m handshake serve` cannot run from root, or None when it can."""
    done = subprocess.run([sys.executable, "-m", "handshake", "serve", "--help"], cwd=root, capture_output=True,
                          text=True)
    return None if done.returncode == 0 else "`python -m handshake serve` is not in this Handshake yet"


def start_app(kind: str, root: Path, path: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """The app on a free port, in a process group of its own: `streamlit run app.py` as the README starts it
    (kind "one process"), or `python -m handshake serve` (kind "served"). Returns it and its address once its
    health check answers."""
    from handshake import serve

    port = serve.free_port()
    if kind == "served":
        command = [sys.executable, "-m", "handshake", "serve", "--warehouse", str(path), "--workers",
                   str(SERVE_WORKERS), "--port", str(port)]
    else:
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--browser.gatherUsageStats", "false",
                   "--server.headless", "true", "--server.port", str(port)]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=root, env=dict(os.environ, HANDSHAKE_WAREHOUSE=str(path)),
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://localhost:{port}"
    try:
        serve.wait_until_up(f"{url}/_stcore/health", process, " ".join(command[1:4]), 180, log)
    except RuntimeError:
        stop_app(process)
        raise
    return process, url


def stop_app(process: subprocess.Popen) -> None:
    """SIGTERM to the app's process group, SIGKILL if it is still there after 30 s; returns once every process
    of the group is gone (the warehouse file is then free)."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            process.poll()  # reaps the leader, so the group can empty
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def checkout_label(folder: Path) -> str:
    """'before (90d8568)': an earlier checkout by its commit."""
    done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return f"before ({done.stdout.strip() or folder.name})"


def load_warehouse(size, folder: Path, as_of: datetime, progress=print) -> Path:
    """The demo at this size (the default one, or leads with three touches each as the pages section's) made to
    end at as_of, as the app makes its demo on a first start: the weekly meeting's week is then this week, so
    the actions a writing session adds are on its list."""
    from handshake import demo

    path = folder / f"demo_{size}.duckdb"
    started = time.perf_counter()
    if size == "default":
        demo.generate(path, as_of=as_of, replace=True)
    else:
        demo.generate(path, leads=int(size), as_of=as_of, later_touches=LATER_TOUCHES, replace=True)
    progress(f"built {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def checkout_warehouse(folder: Path, source: Path, size, as_of: datetime, work: Path) -> Path:
    """The warehouse the earlier checkout reads: the same file when its schema is one the checkout knows (its
    app upgrades an older one on open), else the same demo built by the checkout's own generator."""
    con = duckdb.connect(str(source), read_only=True)
    try:
        version = warehouse.schema_version(con)
    finally:
        con.close()
    known = subprocess.run([sys.executable, "-c", "from handshake import warehouse; print(warehouse.LATEST_VERSION)"],
                           cwd=folder, capture_output=True, text=True, check=True)
    if version <= int(known.stdout.strip().splitlines()[-1]):
        return source
    path = work / f"before_{size}.duckdb"
    if not path.exists():
        arguments = (f"as_of=datetime.fromisoformat('{as_of.isoformat()}')" if size == "default" else
                     f"leads={int(size)}, as_of=datetime.fromisoformat('{as_of.isoformat()}'), "
                     f"later_touches={LATER_TOUCHES}")
        subprocess.run([sys.executable, "-c", f"from datetime import datetime; from handshake import demo; "
                        f"demo.generate({str(path)!r}, {arguments}, replace=True)"],
                       cwd=folder, capture_output=True, text=True, check=True)
    return path


def load_row(figures: dict) -> dict:
    """A load's figures as the results keep them: the counts, not every view and write."""
    kept = ("readers", "writers", "think_s", "page_views", "views_before", "views_per_s", "median_view_s", "p95_view_s",
            "slowest_view_s", "slowest_page", "errors", "per_page", "writers_cut", "seconds", "median_write_s",
            "slowest_write_s")
    row = {key: figures[key] for key in kept if key in figures}
    row["error_samples"] = (figures.get("page_view_errors", []) + figures.get("failures", []))[:5]
    return row


def load_setup(kind: str, root: Path, source: Path, work: Path, name: str, readers, writers, seconds: float,
               think, capacity: int, alone_rounds: int, progress=print) -> dict:
    """Every load on one setup, one after another on one running app (its caches warm, as a running server's
    are) on its own copy of the warehouse: one session alone, the reading sessions without and with writing
    ones, and `capacity` sessions reading without a pause. Writes are checked against the file once the app
    has stopped."""
    path = work / f"{name}.duckdb"
    shutil.copyfile(source, path)
    log = work / f"{name}.log"
    try:
        result = measure_setup(kind, root, path, log, name, readers, writers, seconds, think, capacity,
                               alone_rounds, progress)
    finally:
        for left in (path, path.with_name(path.name + ".wal")):
            left.unlink(missing_ok=True)
    log.unlink()  # kept only when the setup failed, for its reason
    return result


def measure_setup(kind, root, path, log, name, readers, writers, seconds, think, capacity, alone_rounds,
                  progress) -> dict:
    """load_setup's measurements on the warehouse at path, the app's output going to log."""
    from handshake import load

    result = {"kind": kind, "rows": []}
    started = time.perf_counter()
    process, url = start_app(kind, root, path, log)
    result["start_s"] = round(time.perf_counter() - started, 1)
    runs = []
    # sessions arrive over one average pause before the measured time, so it sees people mid-reading, not a
    # crowd opening the app in the same second
    ramp = (think[0] + think[1]) / 2 or 2
    try:
        # one session per worker first, as the first people of the day would: each process's caches filled
        load.run(load.warm(url, SERVE_WORKERS))
        if 1 in readers:
            result["alone"] = load_row(load.run(load.alone(url, alone_rounds)))
            progress(f"  {name}: one session alone, slowest page {result['alone']['slowest_view_s']:.2f} s")
        for w in writers:
            for r in readers:
                tag = f"r{r}w{w} "
                figures = load.run(load.load(url, r, w, seconds=seconds, ramp=ramp, think=think, tag=tag,
                                             browsers=False))
                runs.append((figures, tag))
                progress(f"  {name}: {r} reading, {w} writing: {figures['page_views']} views, median "
                         f"{figures['median_view_s']} s, p95 {figures['p95_view_s']} s, errors {figures['errors']}"
                         + "".join(f"\n    {e}" for e in (figures["page_view_errors"] + figures["failures"])[:3]))
        if capacity:
            figures = load.run(load.load(url, capacity, 0, seconds=seconds, ramp=2, think=(0, 0)))
            result["capacity"] = load_row(figures)
            progress(f"  {name}: {capacity} sessions without a pause: {figures['views_per_s']} views a second")
    finally:
        stop_app(process)
    for figures, tag in runs:
        row = load_row(figures)
        if figures["writers"]:
            row["writes"] = load.stored_writes(path, figures["confirmed"], tag, figures["began_utc"],
                                               figures["ended_utc"])
        result["rows"].append(row)
    return result


def load_benchmark(sizes=LOAD_SIZES, readers=LOAD_READERS, writers=LOAD_WRITERS, seconds: float = LOAD_SECONDS,
                   think=LOAD_THINK, capacity: int = CAPACITY_SESSIONS, alone_rounds: int = 2,
                   compare_with: Path | None = None, warehouses: dict | None = None, work: Path = BENCH_DIR / "load",
                   progress=print) -> dict:
    """For each size (the default demo, or leads), each setup (one process; served; one process of an earlier
    checkout with compare_with) and each number of reading and writing sessions: page views per second, the
    median, 95th percentile and slowest view, errors, and writes confirmed against stored. `warehouses` gives
    a size's warehouse file instead of the demo's; each setup's copy of it and the app's log go in work."""
    from handshake import load

    setups = [("one process", "one process", ROOT)]
    notes = []
    missing = serve_missing()
    if missing:
        notes.append(f"{missing}: the served rows were not measured.")
    else:
        setups.append((f"served, {SERVE_WORKERS} workers", "served", ROOT))
    if compare_with:
        setups.insert(0, (checkout_label(Path(compare_with)), "one process", Path(compare_with).resolve()))
    work.mkdir(parents=True, exist_ok=True)
    result = {"seconds": seconds, "think_s": list(think), "capacity_sessions": capacity, "workers": SERVE_WORKERS,
              "setups": [label for label, _, _ in setups], "notes": notes, "sizes": {}}
    from handshake import demo

    as_of = demo.default_as_of()  # one "now" for every setup, so each reads the same data
    for size in sizes:
        given = (warehouses or {}).get(size)
        source = Path(given) if given else load_warehouse(size, work, as_of, progress)
        con = duckdb.connect(str(source), read_only=True)
        leads = con.execute("select count(*) from leads").fetchone()[0]
        con.close()
        measured = {"leads": leads, "setups": {}}
        for label, kind, root in setups:
            progress(f"load, {leads:,} leads, {label}")
            name = f"{size}_{label.split(' (')[0].replace(', ', '_').replace(' ', '_')}"
            try:
                used = checkout_warehouse(root, source, size, as_of, work) if root != ROOT else source
                measured["setups"][label] = load_setup(kind, root, used, work, name, readers, writers, seconds,
                                                       think, capacity, alone_rounds, progress)
            except (RuntimeError, OSError, subprocess.CalledProcessError) as e:  # the other setups still run
                reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                notes.append(f"{leads:,} leads, {label}: not measured: {reason} (its log: {work / name}.log).")
                measured["setups"][label] = {"kind": kind, "rows": [], "failed": reason}
                progress(f"  {name}: not measured: {reason}")
                continue
            if used != source:
                measured["setups"][label]["warehouse"] = "the same demo built by that checkout's own generator"
                notes.append(f"{leads:,} leads, {label}: this warehouse's schema is newer than the checkout "
                             "knows, so it ran on the same demo built by its own generator.")
        result["sizes"][str(size)] = measured
        for built in ([] if given else [source]) + list(work.glob(f"before_{size}.duckdb")):
            built.unlink()
    return result


LOAD_MEDIAN_S, LOAD_P95_S = 1, 3  # 50 reading and 5 writing sessions on the default demo
LOAD_GROWTH = 1.5  # the same at one million leads, within this factor
LOAD_VIEWS_PER_S = 8  # four times the 2 page views a second one process drew before issue 21
LOAD_SCALING = 1.6  # two processes against one on the same machine
ALONE_S = 1  # one session alone: every page


def load_targets(load: dict) -> list[str]:
    """The issue's load targets against this run's figures, for each setup of this Handshake (an earlier
    checkout's rows are there to compare, not to judge)."""
    rows = []

    def check(what, figure, met):
        rows.append(f"| {what} | {figure} | {'met' if met else '**not met**'} |")

    def busiest(setup):
        found = [r for r in setup["rows"] if (r["readers"], r["writers"]) == (max(LOAD_READERS), max(LOAD_WRITERS))]
        return found[0] if found else None

    for size, factor in (("default", 1), (str(max(s for s in LOAD_SIZES if s != "default")), LOAD_GROWTH)):
        measured = load["sizes"].get(size)
        for label, setup in (measured or {}).get("setups", {}).items():
            row = None if label.startswith("before") else busiest(setup)
            if not row or row["median_view_s"] is None:
                continue
            writes = row.get("writes", {})
            where = "default demo" if size == "default" else f"{int(size):,} leads"
            check(f"{row['readers']} reading and {row['writers']} writing, {where}, {label}: median ≤ "
                  f"{LOAD_MEDIAN_S * factor:g} s, p95 ≤ {LOAD_P95_S * factor:g} s, 0 errors, no write lost or doubled",
                  f"{row['median_view_s']:.2f} s, {row['p95_view_s']:.2f} s, {row['errors']} errors, "
                  f"{writes.get('lost', 0)} lost, {writes.get('doubled', 0)} doubled",
                  row["median_view_s"] <= LOAD_MEDIAN_S * factor and row["p95_view_s"] <= LOAD_P95_S * factor
                  and row["errors"] == 0 and not writes.get("lost") and not writes.get("doubled"))
    default = load["sizes"].get("default", {}).get("setups", {})
    capacity = {label: s["capacity"]["views_per_s"] for label, s in default.items()
                if not label.startswith("before") and s.get("capacity")}
    for label, rate in capacity.items():
        check(f"page views per second, {load['capacity_sessions']} sessions without a pause, default demo, {label} "
              f"(≥ {LOAD_VIEWS_PER_S})", f"{rate:g}", rate >= LOAD_VIEWS_PER_S)
    one, served = capacity.get("one process"), next((r for label, r in capacity.items() if label.startswith("served")),
                                                    None)
    if one and served:
        check(f"served against one process, page views per second (≥ {LOAD_SCALING}x)", f"{served / one:.1f}x",
              served / one >= LOAD_SCALING)
    for label, setup in default.items():
        a = setup.get("alone")
        if a and not label.startswith("before"):
            check(f"one session alone, default demo, {label}: every page drawn in ≤ {ALONE_S} s",
                  f"slowest {a['slowest_page']} {a['slowest_view_s']:.2f} s", a["slowest_view_s"] <= ALONE_S)
    return ["### Targets", "", "| target | this run | |", "|---|---:|---|", *rows, ""] if rows else []


def load_markdown(load: dict) -> list[str]:
    """The load section: per size, every configuration with the setups side by side, then each page's time
    for one session alone."""
    t0, t1 = load["think_s"]
    lines = ["## Load", "",
             f"Sessions on a running app, each configuration measured for {load['seconds']:g} s, one after another "
             "on one app per setup (its caches warm, as a running server's are), each setup on its own copy of the "
             "warehouse. A reading session speaks Streamlit's WebSocket protocol as a browser tab does and stays "
             f"{t0:g} to {t1:g} s on a page; a writing session answers the questionnaire or adds and closes "
             "actions without a pause, sending what a Chromium tab sends (the widgets' values and the button "
             "pressed, a message a press; `load.protocol_writer`), so the machine's cores are the app's and not "
             "a browser's drawing beside it (the end-to-end tests write with Chromium itself). A page view is "
             "timed from asking for the page to the end of its script; a write, from pressing the button to the "
             "page saying it is stored. The sessions arrive over one average pause before the measured time (their "
             "first views, which open them, are not timed); page views per second count the views finished "
             f"within the {load['seconds']:g} s. "
             f"\"Served\" is `python -m handshake serve --workers {load['workers']}`. The sessions run on the same "
             "machine as the app. Times in seconds.", ""]
    lines += [f"Note: {note}" for note in load["notes"]] + ([""] if load["notes"] else [])
    lines += load_targets(load)
    for size, measured in load["sizes"].items():
        setups = measured["setups"]
        title = ("the default demo" if size == "default" else f"{int(size):,}-lead demo" if size.isdigit()
                 else f"warehouse {size}")
        lines += [f"### {measured['leads']:,} leads ({title})", "",
                  "| reading | writing | setup | page views/s | median | p95 | slowest | errors | writes confirmed / stored "
                  "| a write: median (slowest) |",
                  "|---:|---:|---|---:|---:|---:|---:|---:|---|---:|"]

        def line(reading, writing, label, r):
            w = r.get("writes")
            slowest_page = f" ({r['slowest_page']})" if r.get("slowest_page") else ""
            write_time = ("–" if r.get("median_write_s") is None else
                          f"{seconds(r['median_write_s'])} ({seconds(r['slowest_write_s'])})")
            written = "–" if not w else (f"{w['confirmed']} / {w['stored']}"
                                         + (f", **{w['lost']} lost**" if w["lost"] else "")
                                         + (f", **{w['doubled']} doubled**" if w["doubled"] else "")
                                         + (f" ({w['unconfirmed']} stored as the end cut its confirmation)"
                                            if w.get("unconfirmed") else ""))
            lines.append(f"| {reading} | {writing} | {label} | {r['views_per_s']:g} | {seconds(r['median_view_s'])} | "
                         f"{seconds(r['p95_view_s'])} | {seconds(r['slowest_view_s'])}"
                         f"{slowest_page} | {r['errors']} | "
                         f"{written} | {write_time} |")

        for label, s in setups.items():
            if s.get("alone"):
                line("1 alone, no pause", 0, label, s["alone"])
        shapes = list(dict.fromkeys((r["readers"], r["writers"]) for s in setups.values() for r in s["rows"]))
        for shape in shapes:
            for label, s in setups.items():
                for r in s["rows"]:
                    if (r["readers"], r["writers"]) == shape:
                        line(shape[0], shape[1], label, r)
        for label, s in setups.items():
            if s.get("capacity"):
                line(f"{s['capacity']['readers']}, no pause", 0, label, s["capacity"])
        alone = {label: s["alone"]["per_page"] for label, s in setups.items() if s.get("alone")}
        if alone:
            pages = list(dict.fromkeys(p for per_page in alone.values() for p in per_page))
            lines += ["", "One session alone, each page's median (slowest) view:", "",
                      "| page | " + " | ".join(alone) + " |", "|---|" + "---:|" * len(alone)]
            for page in pages:
                lines.append(f"| {page} | " + " | ".join(
                    f"{seconds(p[page]['median_s'])} ({seconds(p[page]['slowest_s'])})" if page in p else "–"
                    for p in alone.values()) + " |")
        lines.append("")
    return lines


def seconds(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def add_load_arguments(parser) -> None:
    """The load section's options on the bench command (handshake/cli.py adds them)."""
    parser.add_argument("--load", action="store_true",
                        help="measure people on a running app: 1, 25 and 50 reading sessions with 0 and 5 writing, "
                             "one process and served, the default demo and 1,000,000 leads (about 15 minutes)")
    parser.add_argument("--load-quick", action="store_true",
                        help="a smoke run of the load section: the default demo, 1 and 5 reading sessions, 0 and 1 "
                             "writing, 10 s each")
    parser.add_argument("--load-sizes", default=",".join(str(s) for s in LOAD_SIZES),
                        help="warehouses the load runs on: default (the default demo) and demo sizes in leads, "
                             "comma-separated (default %(default)s)")
    parser.add_argument("--load-seconds", type=float, default=LOAD_SECONDS,
                        help=f"seconds measured per load configuration (default {LOAD_SECONDS})")
    parser.add_argument("--load-think", default=",".join(str(s) for s in LOAD_THINK), metavar="LEAST,MOST",
                        help="seconds a reading session stays on a page (default %(default)s)")
    parser.add_argument("--compare-with", metavar="DIR",
                        help="a checkout of an earlier Handshake (git worktree add DIR COMMIT): its app is measured "
                             "as one process beside this one, on the same warehouse and the same load")


def load_options(args) -> dict | None:
    """load_benchmark's arguments from the bench command's, or None when the load is not asked for."""
    if not (args.load or args.load_quick or args.compare_with):
        return None
    options = dict(QUICK) if args.load_quick else {}
    if not args.load_quick or args.load_seconds != LOAD_SECONDS:
        options["seconds"] = args.load_seconds
    if not args.load_quick or args.load_think != ",".join(str(s) for s in LOAD_THINK):
        options["think"] = tuple(float(s) for s in args.load_think.split(","))
    if not args.load_quick or args.load_sizes != ",".join(str(s) for s in LOAD_SIZES):
        options["sizes"] = tuple(s.strip() if s.strip() == "default" else int(s) for s in args.load_sizes.split(",")
                                 if s.strip())
    if args.compare_with:
        options["compare_with"] = Path(args.compare_with)
    return options


def markdown(result: dict) -> str:
    """The results as the README's linked table."""
    lines = [f"# Handshake benchmark, {result['ran_at']}", "",
             f"Machine: {result['machine']}. Medians of {result['runs']} runs (min–max). Times in milliseconds.", ""]
    if "default_demo_app" in result:
        a = result["default_demo_app"]
        lines += [f"On the default demo a new app process showed its first page after {a['first_page_s']:.1f} s.", ""]
    lines += targets(result)
    for size, r in result.get("pages", {}).items():
        lines += [f"## {int(size):,} leads, {r['follow_ups']:,} follow-ups", "",
                  "| page | queries | cache miss | cache miss, filtered by region | cached |",
                  "|---|---:|---:|---:|---:|"]
        for page, p in r["pages"].items():
            f = r["pages_filtered"][page]
            lines.append(f"| {page.removeprefix('pages/').removesuffix('.py')} | {p['queries']} | {ms(p['miss'])} | "
                         f"{ms(f['miss'])} | {ms(p['cached'])} |")
        a = r["app_process"]
        if "evidence" in r:
            e = r["evidence"]
            lines += ["", f"The Evidence page's computations over the window's {e['mqls']:,} MQLs: the query "
                          f"{ms(e['query'])}, the estimates {ms(e['estimates'])}, together {ms(e['total'])}."]
        if "write" in r:
            w = r["write"]
            cpu = (lambda t: f", processor {t['cpu_median_s'] * 1000:,.0f}" if "cpu_median_s" in t else "")
            lines += ["", f"Every write recomputes the stored facts of the leads it changed and rebuilds the rollup "
                          f"rows of the days and groups they are in: for 1,000 changed leads {ms(w)}{cpu(w)}"
                          + (f" (rebuilding every rollup whole, as before: {ms(w['whole'])}{cpu(w['whole'])})."
                             if "whole" in w else ".")]
        lines += ["", f"A new app process showed its first page after {a['first_page_s']:.1f} s and peaked at "
                      f"{a['peak_rss_after_every_page_mb']:,} MB after rendering every page once.", ""]
        k = r["kpis_vs_pandas"]
        lines += ["", f"Headline KPIs ({', '.join(PANDAS_KPIS)}), period {k['period'][0]} to {k['period'][1]}:", "",
                  "| approach | compute | load | peak memory |", "|---|---:|---:|---:|",
                  f"| Handshake (DuckDB queries) | {ms(k['handshake']['compute'])} | – | "
                  f"{k['handshake']['peak_rss_mb']:,} MB |",
                  f"| pandas over loaded tables | {ms(k['pandas']['compute'])} | {k['pandas']['load_s']:.1f} s | "
                  f"{k['pandas']['peak_rss_mb']:,} MB |", "",
                  f"Handshake is **{k['speed_ratio']}x** faster and uses **{k['memory_ratio']:.0%}** of the pandas "
                  "process's peak memory.", ""]
    if result.get("write"):
        lines += ["## Write cost", "", "A write of 1,000 leads picked at random recomputes their stored facts and the "
                  "rollup rows of the days and groups they are in, in one transaction; before schema 14 every write "
                  "rebuilt every rollup whole. Medians (min–max) in milliseconds, and the processor time of every "
                  "thread.", "", "| leads | the write | processor | rebuilding every rollup whole | processor |",
                  "|---:|---:|---:|---:|---:|"]
        for size, w in result["write"].items():
            whole = w.get("whole")
            lines.append(f"| {int(size):,} | {ms(w)} | {w['cpu_median_s'] * 1000:,.0f} | "
                         + (f"{ms(whole)} | {whole['cpu_median_s'] * 1000:,.0f} |" if whole else "– | – |"))
        lines.append("")
    if "import" in result:
        i = result["import"]
        lines += ["## Import", "", f"A {i['rows']:,}-row canonical leads CSV ({i['csv_mb']} MB) into an empty warehouse: "
                  f"{ms(i['first_import'])}; the same file again (every row unchanged): {ms(i['reimport'])}.", ""]
    if "load" in result:
        lines += load_markdown(result["load"])
    if "spark" in result:
        from handshake import bench_spark
        lines += bench_spark.markdown(result["spark"])
    if result.get("carried_over"):
        lines += ["Not measured in this run, kept from an earlier one: " + ", ".join(
            f"{CARRIED[key]} ({ran_at})" for key, ran_at in result["carried_over"].items()) + ".", ""]
    lines.append(f"Peak memory of the benchmark process: {result['peak_rss_mb']:,} MB.")
    return "\n".join(lines) + "\n"


def ms(s: dict) -> str:
    return f"{s['median_s'] * 1000:,.0f} ({s['min_s'] * 1000:,.0f}–{s['max_s'] * 1000:,.0f})"


# the sections a run may leave out, kept from the results before it so one section can be measured again alone
CARRIED = {"default_demo_app": "the default demo's first page", "pages": "the pages", "import": "the import",
           "load": "the load", "write": "the write cost", "spark": "Spark and the lake"}


def run(sizes=SIZES, runs: int = 5, import_rows: int = 1_000_000, progress=print, load: dict | None = None,
        results_dir: Path = RESULTS_DIR, write_sizes=(), spark_sizes=()) -> dict:
    """Every section asked for, written to results_dir as results.json and results.md; a section not measured
    this time is kept from the results already there. load: load_benchmark's arguments, None to leave it out."""
    result = {"ran_at": datetime.now().strftime("%Y-%m-%d %H:%M"), "runs": runs,
              "machine": f"{os.cpu_count()} cores, DuckDB {duckdb.__version__}"}
    if sizes:
        # the embedded demo, as a user's first start meets it (built by the first start when missing)
        default = demo_warehouse_default(progress)
        result["default_demo_app"] = in_own_process(app_process, str(default))
        result["pages"] = pages_benchmark(sizes, runs, progress)
    if import_rows:
        result["import"] = import_benchmark(import_rows, min(runs, 3), progress)
    if write_sizes:
        result["write"] = write_benchmark(write_sizes, runs, progress)
    if load is not None:
        result["load"] = load_benchmark(**load, progress=progress)
    if spark_sizes:
        from handshake import bench_spark
        result["spark"] = bench_spark.spark_benchmark(spark_sizes, runs, progress)
    result["peak_rss_mb"] = round(peak_rss_mb())
    results_dir.mkdir(parents=True, exist_ok=True)
    before = results_dir / "results.json"
    previous = json.loads(before.read_text()) if before.exists() else {}
    for key in CARRIED:
        if key not in result and key in previous:
            result[key] = previous[key]
            result.setdefault("carried_over", {})[key] = previous.get("carried_over", {}).get(key, previous["ran_at"])
    (results_dir / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (results_dir / "results.md").write_text(markdown(result))
    return result
