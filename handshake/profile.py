"""Where one page view's time goes, on a real server: `streamlit run app.py` on a free port of localhost, read
through Streamlit's own WebSocket protocol as a browser tab reads it (tests/e2e/load.py's reader), with a
sampler inside the server that looks at the script thread's stack every millisecond (each look weighed by the
time since the last). The sampler costs the server some 10 to 15% more time: compare views, not absolutes.

    python -m handshake.profile [--warehouse PATH] [--page NAME ...] [--runs N]

For each page, with the cache warm (two views first), N views: what the browser waited (request sent to
"script finished" received), split into the parts below, plus the server's CPU per view. A sample counts
for the first of these its stack reaches, from app.py inward:
  queries   inside dashboard.query / query_many (the cache lookup and copying included; a query that runs)
  figures   Plotly: building and validating figures (go.Figure, add_bar, update_layout, ...)
  elements  Streamlit's element calls: marshalling to protobuf, a figure to JSON, a frame to Arrow, widgets
  cache     Streamlit's cache outside queries (hashing the arguments, copying the result)
  page      the rest of the pages' and helpers' own Python (pandas, sentences, formatting)
  streamlit Streamlit's own work for a run before the script starts (preparing, widget state)
  after     from the end of the script until the browser has "script finished": Streamlit's clean-up after a
            run (by default a full garbage collection, which holds the interpreter lock, so the message waits
            for it) and the last messages' way out; the clean-up's own time is shown beside it
A sampler is statistical: the parts of the script are shares of its measured time, so they add up to it, and
with "after" to the view's time. For the benchmark: profile(warehouse, pages, runs) returns the summary, table()
writes it out."""

import argparse
import asyncio
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = {
    "queries": "queries (dashboard.query/query_many)",
    "figures": "Plotly figure building",
    "elements": "Streamlit elements (marshalling)",
    "cache": "Streamlit cache outside queries",
    "page": "the pages' own Python",
    "streamlit": "Streamlit's run work before the script",
    "after": "after the script, until the browser has it",
}
SAMPLE_S = 0.001
WARM_VIEWS = 2  # the first fills the cache (and reruns a fresh session through app.py); the second is warm


def pages() -> list[str]:
    """The page names a browser asks for ('' is the default page, the Overview), in the sidebar's file order."""
    return sorted(("" if p.stem == "overview" else p.stem) for p in (ROOT / "pages").glob("*.py"))


# ---- inside the server

def classify(frame, root: str = str(ROOT)) -> str:
    """The part a stack belongs to (see the module's doc): that of its outermost frame, from app.py inward,
    that belongs to one; "page" when none does, "streamlit" when the script is not running at all."""
    codes = []
    while frame is not None:
        codes.append(frame.f_code)
        frame = frame.f_back
    codes.reverse()  # outermost first
    app = next((i for i, c in enumerate(codes) if c.co_filename.startswith(root) and c.co_filename != __file__), None)
    if app is None:
        return "streamlit"
    for code in codes[app:]:
        name, path = code.co_name, code.co_filename
        if path.endswith("handshake/dashboard.py") and name in ("query", "query_many"):
            return "queries"
        if "/streamlit/runtime/caching/" in path:
            return "cache"
        if "/streamlit/elements/" in path or "/streamlit/delta_generator" in path:
            return "elements"
        if "/plotly/" in path or "/_plotly_utils/" in path:
            return "figures"
    return "page"


def _place(frame, root: str) -> str | None:
    """The innermost frame of the project's own code ('pages/glossary.py:44 <module>'), and the library function
    it called, if any ('> streamlit.elements.code.code'): where the time was spent or handed to a library."""
    called = None
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(root) and path != __file__:
            place = f"{os.path.relpath(path, root)}:{frame.f_lineno} {frame.f_code.co_name}"
            return place + (f" > {called}" if called else "")
        module = frame.f_globals.get("__name__", "?")
        if module != "streamlit.runtime.metrics_util":  # the wrapper around every st.* call
            called = f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
    return None


class Sampler:
    """Samples the stacks of the threads running a script, while one is."""

    def __init__(self, root: str = str(ROOT), interval: float = SAMPLE_S):
        self.root, self.interval = root, interval
        self.running: dict[int, dict] = {}  # thread id -> this run's counts
        self.lock = threading.Lock()
        self.busy = threading.Event()
        threading.Thread(target=self._loop, name="handshake-profile-sampler", daemon=True).start()

    def begin(self) -> dict:
        counts = {"parts": collections.Counter(), "places": collections.Counter(), "last": time.perf_counter()}
        with self.lock:
            self.running[threading.get_ident()] = counts
            self.busy.set()
        return counts

    def end(self) -> None:
        with self.lock:
            self.running.pop(threading.get_ident(), None)
            if not self.running:
                self.busy.clear()

    def _loop(self) -> None:
        while True:
            self.busy.wait()
            time.sleep(self.interval)
            frames, now = sys._current_frames(), time.perf_counter()
            with self.lock:
                for thread, counts in self.running.items():
                    frame = frames.get(thread)
                    if frame is None:
                        continue
                    # A sample weighs the time since the last: this thread is seen whenever it lets go of the
                    # interpreter lock, at once when it waits for DuckDB or the disk, only every switch interval
                    # while it runs Python; counted alike, waits would look longer than they are.
                    weight, counts["last"] = now - counts["last"], now
                    part = classify(frame, self.root)
                    counts["parts"][part] += weight
                    place = _place(frame, self.root)
                    if place:
                        counts["places"][f"{part}: {place}"] += weight
            del frames


def serve(port: int, log: str) -> None:
    """`streamlit run app.py` in this process, with each script run sampled and written to `log` as a line of
    JSON: its wall time, the script thread's CPU time, the samples per part and place, and the time this process
    had spent serialising messages for the socket when the run began."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunnerEvent
    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_websocket

    # HANDSHAKE_PROFILE_SAMPLE_S=0 turns the sampler off: the views' times then show what sampling costs
    interval = float(os.environ.get("HANDSHAKE_PROFILE_SAMPLE_S", SAMPLE_S))
    sampler, lock = Sampler(interval=interval or 3600), threading.Lock()
    sys.setswitchinterval(min(interval, 0.001) or sys.getswitchinterval())  # a running thread is seen every ms
    serialising = [0.0]
    original_serialise = starlette_websocket.serialize_forward_msg
    original_run = script_runner.ScriptRunner._run_script
    original_finished = script_runner.ScriptRunner._on_script_finished

    def timed_serialise(msg):
        began = time.perf_counter()
        try:
            return original_serialise(msg)
        finally:
            serialising[0] += time.perf_counter() - began

    def sampled_run(self, rerun_data):
        record = {"serialising_s_before": serialising[0]}
        counts = sampler.begin()
        began, cpu = time.perf_counter(), time.thread_time()
        self._handshake_profile_end = lambda: record.update(  # noqa: E731
            script_s=time.perf_counter() - began, script_cpu_s=time.thread_time() - cpu) or sampler.end()
        try:
            return original_run(self, rerun_data)
        finally:
            if "script_s" not in record:
                self._handshake_profile_end()
            record["cleanup_s"] = time.perf_counter() - began - record["script_s"]
            record.update(parts=dict(counts["parts"]), places=dict(counts["places"]))
            with lock, open(log, "a") as out:
                out.write(json.dumps(record) + "\n")

    def finished(self, ctx, event, *args, **kwargs):
        # the run as the browser waits for it ends here, where "script finished" is sent (a run stopped for a
        # rerun is followed by the rerun, in the same call of _run_script)
        if event != ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN:
            self._handshake_profile_end()
        return original_finished(self, ctx, event, *args, **kwargs)

    starlette_websocket.serialize_forward_msg = timed_serialise
    script_runner.ScriptRunner._run_script = sampled_run
    script_runner.ScriptRunner._on_script_finished = finished
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false", "--secrets.files", log + ".no-secrets.toml"]
    cli.main()


# ---- the browser's side

def _cpu_s(pid: int) -> float | None:
    """A process's CPU time so far (user + system), on Linux; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def _view(ws, page: str) -> float:
    """One page view as a browser tab asks for it (load.view): seconds until the script has finished; raises on
    an error."""
    from handshake import load

    seen = await load.view(ws, page)
    if seen["errors"]:
        raise RuntimeError(f"page {seen['page']}: {seen['errors'][0]}")
    return seen["ended"] - seen["started"]


def _records(log: Path, at_least: int) -> list[dict]:
    """The server's run records, once there are `at_least` (a run's record is written just after its
    "script finished" message is sent)."""
    deadline = time.monotonic() + 30
    while True:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= at_least or time.monotonic() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.01)


async def _read(url: str, log: Path, pid: int, names: list[str], runs: int) -> list[dict]:
    from handshake import load

    views, written = [], 0  # each view is one script run, and one record (reruns run inside it)

    async def view(page):
        nonlocal written
        seconds = await _view(ws, page)
        written += 1
        records = _records(log, written)
        if len(records) != written:
            raise RuntimeError(f"the server wrote {len(records)} run records for {written} page views")
        return seconds, records[-1]

    async with load.session(url) as ws:
        for page in names:
            for _ in range(WARM_VIEWS):
                await view(page)
            for _ in range(runs):
                cpu = _cpu_s(pid)
                seconds, record = await view(page)
                after = _cpu_s(pid)
                views.append({"page": page or "overview", "view_s": seconds, "record": record, "number": written,
                              "cpu_s": None if cpu is None or after is None else after - cpu})
        await view("glossary")  # the last view's messages are all sent once the next one starts
    every = _records(log, written)
    for view in views:  # the time spent serialising a view's messages: until the next run began
        view["serialising_s"] = every[view["number"]]["serialising_s_before"] - view["record"]["serialising_s_before"]
    return views


def split(view: dict) -> dict[str, float]:
    """One view's milliseconds per part (PARTS); they add up to the view's time."""
    ms = dict.fromkeys(PARTS, 0.0)
    record = view["record"]
    samples = sum(record["parts"].values())
    for part, n in record["parts"].items():
        ms[part] += 1000 * record["script_s"] * n / samples
    if not samples:
        ms["streamlit"] += 1000 * record["script_s"]
    ms["after"] = 1000 * (view["view_s"] - record["script_s"])
    return ms


def summarise(views: list[dict]) -> dict[str, dict]:
    """Per page: the views' mean milliseconds per part and in all, the server's CPU and the script thread's CPU
    per view, the serialising for the socket per view, and the ten places in the code most often sampled."""
    pages_seen: dict[str, list] = {}
    for view in views:
        pages_seen.setdefault(view["page"], []).append(view)
    summary = {}
    for page, seen in pages_seen.items():
        parts = [split(v) for v in seen]
        places = collections.Counter()
        for v in seen:
            record = v["record"]
            total = sum(record["parts"].values()) or 1
            for place, n in record["places"].items():
                places[place] += 1000 * record["script_s"] * n / total / len(seen)
        cpus = [v["cpu_s"] for v in seen if v["cpu_s"] is not None]
        summary[page] = {
            "views": len(seen),
            "total_ms": statistics.mean(1000 * v["view_s"] for v in seen),
            "median_ms": statistics.median(1000 * v["view_s"] for v in seen),
            "parts_ms": {part: statistics.mean(p[part] for p in parts) for part in PARTS},
            "script_cpu_ms": statistics.mean(1000 * v["record"]["script_cpu_s"] for v in seen),
            "server_cpu_ms": 1000 * statistics.mean(cpus) if cpus else None,
            "serialising_ms": statistics.mean(1000 * v["serialising_s"] for v in seen),
            "cleanup_ms": statistics.mean(1000 * v["record"]["cleanup_s"] for v in seen),
            "places_ms": dict(places.most_common(10)),
        }
    return summary


def profile(warehouse: Path, names: list[str] | None = None, runs: int = 5) -> dict[str, dict]:
    """Start a profiled server on `warehouse`, view each page (names as a browser asks for them, '' or
    'overview' for the default page; all of them by default) WARM_VIEWS times and then `runs` times, and
    summarise the measured views (summarise)."""
    from handshake import serve

    names = pages() if names is None else ["" if n == "overview" else n for n in names]
    with tempfile.TemporaryDirectory(prefix="handshake-profile-") as folder:
        log, port = Path(folder) / "runs.jsonl", serve.free_port()
        env = dict(os.environ, HANDSHAKE_WAREHOUSE=str(warehouse))
        with open(Path(folder) / "server.log", "w") as out:
            server = subprocess.Popen(
                [sys.executable, "-c", f"from handshake import profile; profile.serve({port}, {str(log)!r})"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            serve.wait_until_up(f"{url}/_stcore/health", server, "profiled server", 60,
                                Path(folder) / "server.log")
            from handshake import load
            views = load.run(_read(url, log, server.pid, names, runs))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return summarise(views)


def table(summary: dict[str, dict], places: int = 5) -> str:
    """The summary as text: a table per page, then one line per page."""
    lines = []
    for page, s in summary.items():
        lines.append(f"{page}: {s['views']} warm views, mean {s['total_ms']:.0f} ms (median {s['median_ms']:.0f} ms)")
        for part, label in PARTS.items():
            ms = s["parts_ms"][part]
            lines.append(f"  {label:<42} {ms:8.1f} ms {ms / s['total_ms']:6.1%}")
        cpu = f"{s['server_cpu_ms']:.0f} ms" if s["server_cpu_ms"] is not None else "not measured"
        lines.append(f"  server CPU per view {cpu}; script thread CPU {s['script_cpu_ms']:.0f} ms; Streamlit's "
                     f"clean-up after the run {s['cleanup_ms']:.1f} ms; serialising messages for the socket "
                     f"{s['serialising_ms']:.1f} ms")
        for place, ms in list(s["places_ms"].items())[:places]:
            lines.append(f"    {ms:7.1f} ms  {place}")
        lines.append("")
    lines.append(f"{'page':<20} {'view ms':>8} " + " ".join(f"{p:>9}" for p in PARTS) + f" {'CPU ms':>7}")
    for page, s in summary.items():
        cpu = f"{s['server_cpu_ms']:7.0f}" if s["server_cpu_ms"] is not None else "      –"
        lines.append(f"{page:<20} {s['total_ms']:8.0f} " + " ".join(f"{s['parts_ms'][p]:9.1f}" for p in PARTS)
                     + f" {cpu}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m handshake.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="warehouse file to profile on (default: HANDSHAKE_WAREHOUSE, or the app's own)")
    parser.add_argument("--page", action="append", dest="pages",
                        help="a page to view, as its address names it (overview, funnel, ...); repeat for more; "
                             "default every page")
    parser.add_argument("--runs", type=int, default=5, help="warm views measured per page (default 5)")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON to this file")
    args = parser.parse_args(argv)
    from handshake import warehouse
    path = args.warehouse or warehouse.configured_path()
    if not Path(path).exists():
        parser.error(f"no warehouse at {path}: make one with python -m handshake demo --warehouse {path}")
    summary = profile(Path(path).resolve(), args.pages, args.runs)
    print(table(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
