"""A whole company on one dashboard: many sessions reading while others write, the server killed with SIGKILL in
the middle of writes, and a second program on the same warehouse. Each keeps every confirmed write, once. The
load runs on the served setup (`python -m handshake serve`, two dashboard processes), as a company would run it;
the kill and the second program are tried on one process and on the served setup."""

import json
import os
import subprocess
import sys

import duckdb
import pytest

from e2e import conftest
from e2e.browsing import ARTEFACTS, ROOT, Server, add_action, free_port, main_text, settle
from e2e.conftest import start_server

LOAD = ROOT / "tests" / "e2e" / "load.py"


def drive(server, *args) -> dict:
    """Run the load (tests/e2e/load.py) against a server; its figures as a dict."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, str(LOAD), server.url, *map(str, args)], capture_output=True, text=True,
                          timeout=1800, env=dict(os.environ, LOAD_ARTEFACTS=str(ARTEFACTS)))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def counts(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {"responses": con.execute("select count(*) from assessment_responses").fetchone()[0],
                "answers": con.execute("select count(*) from assessment_answers").fetchone()[0],
                "actions": con.execute("select count(*) from meeting_actions").fetchone()[0]}
    finally:
        con.close()


def stored_actions(path) -> dict:
    """Each load-test action's title: how many rows carry it, its status and its status changes to done."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("""
            select a.title, count(distinct a.action_id), any_value(a.status),
                   count(h.action_id) filter (where h.field = 'status' and h.new_value = 'done')
            from meeting_actions a left join meeting_action_history h using (action_id)
            where a.title like 'Load test action %' group by a.title""").fetchall()
    finally:
        con.close()
    return {title: {"rows": n, "status": status, "closed": closed} for title, n, status, closed in rows}


def check_writes(path, before: dict, confirmed: list, in_flight: int = 0) -> dict:
    """Every confirmed write is in the warehouse once; with in_flight > 0 (a killed server), up to that many
    writes more may have been stored without their confirmation reaching anyone."""
    after, actions = counts(path), stored_actions(path)
    answered = sum(w["kind"] == "answers" for w in confirmed)
    added = [w for w in confirmed if w["kind"] == "action"]
    closed = {w["action_id"] for w in confirmed if w["kind"] == "closed"}
    new_responses = after["responses"] - before["responses"]
    assert answered <= new_responses <= answered + in_flight, (answered, new_responses)
    assert after["answers"] - before["answers"] == 20 * new_responses  # no response without its 20 answers
    for write in added:
        found = actions.get(write["title"])
        assert found and found["rows"] == 1, (write, found)  # there, once
        if write["action_id"] in closed:
            assert (found["status"], found["closed"]) == ("done", 1), (write, found)
    assert all(a["rows"] == 1 for a in actions.values())  # nothing doubled, confirmed or not
    assert len(actions) <= len(added) + in_flight
    return {"answers confirmed": answered, "responses stored": new_responses, "actions confirmed": len(added),
            "actions stored": len(actions), "closes confirmed": len(closed),
            "closes stored": sum(a["closed"] for a in actions.values())}


SETUPS = {"one process": None, "served": 2}


def test_50_readers_and_10_writers_at_once_see_no_error_and_lose_or_double_no_write(chromium, e2e_demo, tmp_path):
    server = start_server(tmp_path, e2e_demo, "load", served=2)
    before = counts(e2e_demo)
    try:
        figures = drive(server, "--readers", 50, "--writers", 10, "--rounds", 2)
    finally:
        server.stop()
    assert figures["failures"] == [] and figures["page_view_errors"] == []
    assert figures["page_views"] >= 100
    writes = check_writes(tmp_path / "load.duckdb", before, figures["confirmed"])
    assert writes["answers confirmed"] == 5 * 2 and writes["actions confirmed"] == 5 * 2  # 5 writers of each, 2 rounds
    assert writes["responses stored"] == 10 and writes["actions stored"] == 10 and writes["closes stored"] == 10
    conftest.FIGURES.append(
        f"load, served by 2 processes: {figures['readers']} reading sessions ({figures['page_views']} page views, median "
        f"{figures['median_view_s']} s, slowest {figures['slowest_view_s']} s) and {figures['writers']} writing at "
        f"once for {figures['seconds']:.0f} s; writes confirmed {len(figures['confirmed'])}, stored "
        f"{writes['responses stored'] + writes['actions stored'] + writes['closes stored']}, errors 0")


@pytest.mark.parametrize("setup", SETUPS)
def test_a_server_killed_in_the_middle_of_writes_keeps_every_confirmed_write(chromium, e2e_demo, tmp_path, setup):
    server = start_server(tmp_path, e2e_demo, "killed", served=SETUPS[setup])
    path = tmp_path / "killed.duckdb"
    before = counts(e2e_demo)
    holder = server.holder_pid  # the process with the file: the server, or the served setup's owner
    try:
        figures = drive(server, "--readers", 10, "--writers", 10, "--rounds", 3,
                        "--kill-pid", holder, "--kill-after", 12)
        if setup == "served":  # the owner is gone: the command stops its dashboard processes and says why
            assert server.process.wait(timeout=30) == 1
            assert "the warehouse process stopped (exit -9)" in server.log.read_text()
        else:
            assert server.process.wait(timeout=30) == -9  # SIGKILL: no shutdown code ran
    finally:
        server.stop()
    assert figures["failures"] == []
    confirmed = figures["confirmed"]
    assert len(confirmed) >= 12

    # DuckDB replays its log of committed writes on opening
    restarted = Server(path, tmp_path / "restarted.log", served=SETUPS[setup])
    try:
        after = drive(restarted, "--readers", 3, "--writers", 0)  # the restarted server serves pages again
    finally:
        restarted.stop()
    assert after["page_view_errors"] == [] and after["failures"] == []
    writes = check_writes(path, before, confirmed, in_flight=10)
    stored = writes["responses stored"] + writes["actions stored"] + writes["closes stored"]
    conftest.FIGURES.append(
        f"kill ({setup}): SIGKILL {figures['killed_at_s']} s into 10 writers and 10 readers; writes confirmed {len(confirmed)}, "
        f"all found after restart ({writes['answers confirmed']} questionnaires, {writes['actions confirmed']} "
        f"actions added, {writes['closes confirmed']} closed), {stored - len(confirmed)} more stored whose "
        "confirmation the kill cut off; errors 0")


@pytest.mark.parametrize("setup", SETUPS)
def test_a_second_program_on_the_same_warehouse_is_told_why_and_nothing_is_lost(e2e_demo, tmp_path, open_page, setup):
    first = start_server(tmp_path, e2e_demo, "shared", served=SETUPS[setup])
    path = tmp_path / "shared.duckdb"
    try:
        page = open_page(f"{first.url}/weekly_meeting")  # the first dashboard opens the file
        page.get_by_role("heading", name="Scorecard").wait_for()
        settle(page)

        second = Server(path, tmp_path / "second.log")
        try:
            other = open_page(second.url)
            other.get_by_text("is open in another program").wait_for()
            settle(other)
            text = main_text(other)
            assert f"process {first.holder_pid}" in text and "Use the dashboard that is already running" in text
            assert not other.locator('[data-testid="stException"]').count() and "Traceback" not in text
        finally:
            second.stop()

        export = tmp_path / "more_leads.csv"
        export.write_text("lead_id,created_at,source\nSECOND-1,2026-11-02 09:00,webinar\n")
        imported = subprocess.run([sys.executable, "-m", "handshake", "import", str(export), "--kind", "leads",
                                   "--warehouse", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert imported.returncode != 0
        assert "another process holds this warehouse" in imported.stderr and "import on its Import data page" \
            in imported.stderr
        assert "Traceback" not in imported.stderr and len(imported.stderr.strip().splitlines()) == 1

        if setup == "served":  # a second served setup on the same file stops at once and says why
            again = subprocess.run([sys.executable, "-m", "handshake", "serve", "--warehouse", str(path), "--workers",
                                    "1", "--port", str(free_port())], capture_output=True, text=True, cwd=ROOT,
                                   timeout=120)
            assert again.returncode != 0 and "another process holds this warehouse" in again.stderr
            assert "Traceback" not in again.stderr

        add_action(page, "Written while a second program knocked", "Dana Tester")  # the first works on
    finally:
        first.stop()
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("select count(*) from meeting_actions where title = 'Written while a second program "
                           "knocked'").fetchone()[0] == 1
        assert con.execute("select count(*) from source_keys where source_key = 'SECOND-1'").fetchone()[0] == 0
    finally:
        con.close()
