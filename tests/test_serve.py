"""`python -m handshake serve`, started for real on localhost: the proxy spreads new browsers over the dashboard
processes and keeps each on its own, pages are drawn through it, and a bad start says what to do."""

import os
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from handshake import load
from handshake.proxy import COOKIE
from handshake.serve import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The seed warehouse served by two dashboard processes."""
    from handshake import warehouse
    folder = tmp_path_factory.mktemp("served")
    path = folder / "seed.duckdb"
    con = warehouse.open_warehouse(path)
    con.execute((ROOT / "tests" / "seed.sql").read_text())
    warehouse.refresh_lead_facts(con)
    con.close()
    port, log = free_port(), folder / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "handshake", "serve", "--warehouse", str(path), "--workers", "2", "--port",
             str(port), "--", "--secrets.files", str(folder / "none.toml"), "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while "is held by" not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    yield url, log
    process.terminate()
    process.wait(30)


def visit(url: str, cookie: str | None = None) -> str | None:
    """GET the app's page as a browser would; the process cookie the proxy set, if it set one."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(url + "/", headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with opener.open(request, timeout=60) as answer:
        assert answer.status == 200 and b"<html" in answer.read().lower()
    return next((c.value for c in jar if c.name == COOKIE), None)


def test_new_browsers_are_spread_over_the_processes_and_each_stays_on_its_own(served):
    url, _ = served
    first, second = visit(url), visit(url)
    assert {first, second} == {"0", "1"}  # two processes, no session open yet: one each
    assert visit(url, cookie=first) is None  # a browser the proxy knows keeps its process: no new cookie


def test_pages_are_drawn_through_the_proxy_without_an_error(served):
    url, _ = served

    async def read() -> list[dict]:
        async with load.session(url) as ws:
            return [await load.view(ws, page) for page in ("", "follow_up", "weekly_meeting")]

    views = load.run(read())  # the end-to-end tests' Playwright may hold this thread's loop
    assert [v["errors"] for v in views] == [[], [], []]
    assert all(v["finished"] == "FINISHED_SUCCESSFULLY" and v["elements"] > 10 for v in views)


def test_a_missing_named_warehouse_is_refused_with_how_to_make_one(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    done = subprocess.run([sys.executable, "-m", "handshake", "serve", "--warehouse", str(missing), "--port",
                           str(free_port())], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env=dict(os.environ, HANDSHAKE_WAREHOUSE=""))
    assert done.returncode != 0
    assert f"no warehouse at {missing}" in done.stderr + done.stdout
    assert "python -m handshake demo --warehouse" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not missing.exists()
