"""python -m handshake as a user runs it: real processes, real files, one clear line on bad input."""

import json
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest

from conftest import TESTS
from handshake import warehouse
from handshake.access import Person

ROOT = TESTS.parent


def handshake(*args):
    return subprocess.run([sys.executable, "-m", "handshake", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_demo_then_kpis_prints_every_kpi(tmp_path):
    path = tmp_path / "x.duckdb"
    made = handshake("demo", "--profile", "integrated", "--leads", 10000, "--warehouse", path,
                     "--as-of", "2026-11-02T12:00")
    assert made.returncode == 0, made.stderr
    assert "10,000 leads, profile integrated" in made.stderr
    shown = handshake("kpis", "--warehouse", path, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["period_end"] == "2026-11-02"  # the newest lead's day
    assert record["period_start"] == "2026-08-05"  # 90 days, both ends included
    for name in ("mql_count", "mql_target", "sla_compliance_rate", "acceptance_rate", "mql_to_won_rate",
                 "open_pipeline_eur", "revenue_eur", "revenue_target_eur", "marketing_sourced_revenue_share"):
        assert isinstance(record[name], (int, float)), name
    assert 0 < record["sla_compliance_rate"] <= 1


def test_kpis_on_seed_rows_match_the_hand_computed_values(seed_warehouse):
    shown = handshake("kpis", "--warehouse", seed_warehouse, "--start", "2026-03-01", "--end", "2026-03-31",
                      "--now", "2026-04-01T00:00", "--format", "csv")
    assert shown.returncode == 0, shown.stderr
    header, values = shown.stdout.strip().splitlines()
    record = dict(zip(header.split(","), values.split(",")))
    assert record["mql_count"] == "8"  # see test_kpis.py for the arithmetic
    assert float(record["sla_compliance_rate"]) == pytest.approx(3 / 7)
    assert float(record["revenue_eur"]) == 18000


@pytest.mark.parametrize("args,message", [
    (["demo", "--profile", "nonsense"], "unknown profile 'nonsense'"),
    (["demo", "--leads", "-5"], "--leads -5: choose between 1,000 and 10,000,000"),
    (["demo", "--warehouse", "/proc/handshake.duckdb"], "cannot write in /proc"),
    (["demo", "--warehouse", "/no/such/folder/x.duckdb"], "folder /no/such/folder does not exist"),
    (["kpis", "--warehouse", "/no/such/file.duckdb"], "no warehouse here"),
])
def test_bad_input_gives_one_clear_line(args, message):
    result = handshake(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_corrupt_warehouse_gives_one_clear_line(tmp_path):
    path = tmp_path / "corrupt.duckdb"
    path.write_bytes(bytes(range(256)) * 64)
    result = handshake("kpis", "--warehouse", path)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"error: {path}: not a DuckDB warehouse (the file is damaged or of another kind): "
        "move it aside or choose another path"
    )


def test_existing_warehouse_is_not_overwritten_without_replace(seed_warehouse):
    before = seed_warehouse.read_bytes()
    result = handshake("demo", "--warehouse", seed_warehouse, "--leads", 1000)
    assert result.returncode != 0 and "pass --replace" in result.stderr
    assert seed_warehouse.read_bytes() == before


def test_replace_refuses_a_warehouse_another_process_holds(seed_warehouse):
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(seed_warehouse)!r}); "
                               "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        before = seed_warehouse.read_bytes()
        result = handshake("demo", "--warehouse", seed_warehouse, "--leads", 1000, "--replace")
        assert result.returncode != 0
        assert "another process holds this warehouse" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert seed_warehouse.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


def test_import_prints_accepted_and_rejected_per_file(tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at,source\nC-1,2026-03-02 09:00,Google\nC-2,2026-03-03 09:00,google\n"
                     "C-3,2100-01-01,google\n")
    touches = tmp_path / "touches.csv"
    touches.write_text("lead_id,touched_at,channel\nC-1,2026-03-02 10:00,call\n")
    path = tmp_path / "new.duckdb"  # created, empty, by the import
    first = handshake("import", leads, "--kind", "leads", "--warehouse", path, "--format", "json")
    assert first.returncode == 0, first.stderr
    [report] = json.loads(first.stdout)
    assert (report["accepted"], report["rejected"], report["inserted"]) == (2, 1, 2)
    assert report["problems"][0]["row"] == 4 and "outside the years" in report["problems"][0]["reason"]
    both = handshake("import", leads, touches, "--kind", "leads", "--warehouse", path, "--format", "json")
    assert both.returncode == 1  # a file was refused
    # one --kind for both files: the touches file lacks created_at, so it is refused whole, the leads re-import
    # changes nothing
    reports = json.loads(both.stdout)
    assert reports[0]["unchanged"] == 2 and reports[1]["written"] is False
    text = handshake("import", touches, "--kind", "activities", "--warehouse", path)
    assert text.returncode == 0 and "1 accepted, 0 rejected" in text.stdout  # the report on stdout
    assert text.stderr == ""


def test_import_while_the_dashboard_holds_the_warehouse_says_where_to_import(seed_warehouse, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nC-1,2026-03-02 09:00\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(seed_warehouse)!r}); "
                               "print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = handshake("import", leads, "--kind", "leads", "--warehouse", seed_warehouse)
        assert result.returncode == 1
        assert f"process {holder.pid}" in result.stderr and "Import data page" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def imports_recorded(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from imports").fetchone()[0]
    finally:
        con.close()


def test_a_file_whose_every_row_is_refused_exits_1_and_writes_nothing(empty_warehouse, tmp_path):
    # a HubSpot contacts export whose create dates are placeholders and whose ids are gone
    bad = tmp_path / "contacts.csv"
    bad.write_text("Record ID,Create Date\n,2026-03-02 09:00\n101,1900-01-01 00:00\n")
    before = empty_warehouse.read_bytes()
    result = handshake("import", bad, "--mapping", "hubspot_contacts", "--warehouse", empty_warehouse)
    assert result.returncode == 1
    # one message: the file, the first refused row with its column and reason, and how to see the rest
    assert result.stderr.strip().splitlines() == [
        f"error: contacts.csv: every row was refused, so nothing was written (row 2, column Record ID: lead_id is "
        "required and the cell is empty). 1 other row was refused too: run with --dry-run to see each reason."]
    assert result.stdout == ""
    assert imports_recorded(empty_warehouse) == 0
    assert empty_warehouse.read_bytes() == before
    as_json = handshake("import", bad, "--mapping", "hubspot_contacts", "--warehouse", empty_warehouse,
                        "--format", "json")
    assert as_json.returncode == 1 and as_json.stderr == ""
    [report] = json.loads(as_json.stdout)
    assert report["written"] is False and report["error"].startswith("contacts.csv: every row was refused")
    assert [p["row"] for p in report["problems"]] == [2, 3]
    assert imports_recorded(empty_warehouse) == 0
    shown = handshake("import", bad, "--mapping", "hubspot_contacts", "--warehouse", empty_warehouse, "--dry-run")
    assert shown.returncode == 1  # nothing would be accepted
    assert "row 3, column Create Date: '1900-01-01 00:00' is outside the years 1990" in shown.stdout


def test_a_dry_run_creates_no_warehouse_and_changes_none(seed_warehouse, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nC-1,2026-03-02 09:00\n")
    missing = tmp_path / "none.duckdb"
    checked = handshake("import", leads, "--kind", "leads", "--warehouse", missing, "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert "checked (nothing written) as leads with mapping canonical: 1 rows, 1 accepted" in checked.stdout
    assert not missing.exists() and not (tmp_path / "none.duckdb.wal").exists()
    before = seed_warehouse.read_bytes()
    checked = handshake("import", leads, "--kind", "leads", "--warehouse", seed_warehouse, "--dry-run",
                        "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)[0]["accepted"] == 1
    assert seed_warehouse.read_bytes() == before


def test_import_reads_times_in_the_zone_given_and_says_which(empty_warehouse, tmp_path):
    # a HubSpot contacts export of a São Paulo team: times in its local time, without an offset
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Record ID,Create Date,Email,Last Activity Date\n101,2026-03-02 09:00,ana@example.com,\n")
    result = handshake("import", contacts, "--mapping", "hubspot_contacts", "--warehouse", empty_warehouse,
                       "--timezone", "America/Sao_Paulo")
    assert result.returncode == 0, result.stderr
    assert "times without an offset read in America/Sao_Paulo (set for this import)" in result.stdout
    # the file's columns no field reads are named
    assert "not read (no field is mapped to them): Email, Last Activity Date" in result.stdout
    con = duckdb.connect(str(empty_warehouse), read_only=True)
    # 09:00 in São Paulo (UTC-3, no summer time since 2019) is 12:00 UTC
    assert con.execute("select created_at from leads").fetchall() == [(datetime(2026, 3, 2, 12),)]
    con.close()
    con = warehouse.open_warehouse(empty_warehouse)
    warehouse.set_timezone(con, "America/Sao_Paulo", Person("Test admin", "admin"))
    con.close()
    as_json = handshake("import", contacts, "--mapping", "hubspot_contacts", "--warehouse", empty_warehouse,
                        "--format", "json", "--dry-run")
    [report] = json.loads(as_json.stdout)
    assert report["times_read"] == "times without an offset read in America/Sao_Paulo (the organisation's time zone)"
    assert report["unread_columns"] == ["Email", "Last Activity Date"]
    unknown = handshake("import", contacts, "--mapping", "hubspot_contacts", "--warehouse", empty_warehouse,
                        "--timezone", "Sao Paulo")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "error: --timezone: Unknown time zone 'Sao Paulo': use an IANA name such as America/Sao_Paulo or "
        "Europe/Berlin (the list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)."]


def test_day_first_dates_with_dashes_read_with_dates_dmy_and_ambiguous_ones_ask(empty_warehouse, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nD-1,14-03-2026\nD-2,14-03-2026 09:30\n")
    result = handshake("import", leads, "--kind", "leads", "--warehouse", empty_warehouse, "--dates", "dmy")
    assert result.returncode == 0, result.stderr
    assert "2 accepted, 0 rejected" in result.stdout
    con = duckdb.connect(str(empty_warehouse), read_only=True)
    assert con.execute("select created_at from leads order by 1").fetchall() == [
        (datetime(2026, 3, 14),), (datetime(2026, 3, 14, 9, 30),)]
    con.close()
    both = tmp_path / "both.csv"
    both.write_text("lead_id,created_at\nB-1,01-03-2026\nB-2,02-03-2026 10:00\n")
    asked = handshake("import", both, "--kind", "leads", "--warehouse", empty_warehouse)
    assert asked.returncode == 1
    [line] = asked.stderr.strip().splitlines()
    assert "reads both day first and month first (for example '01-03-2026')" in line
    assert "--dates dmy (day first) or --dates mdy (month first)" in line


def test_a_dry_run_on_an_older_warehouse_checks_a_copy_and_leaves_the_file_as_it_was(tmp_path):
    old = tmp_path / "old.duckdb"
    warehouse.open_warehouse(old, target=10).close()  # before schema 11's converted_opportunity_key
    before = old.read_bytes()
    # the check of a deal reads schema 11's leads.converted_opportunity_key, which this file lacks
    deals = tmp_path / "deals.csv"
    deals.write_text("opportunity_id,stage,amount_eur,closed_date\nO-1,won,100,2026-03-02\n")
    checked = handshake("import", deals, "--kind", "deals", "--warehouse", old, "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert "1 accepted, 0 rejected" in checked.stdout
    assert old.read_bytes() == before
