"""Opening warehouses: upgrades in place, refusals with a clear message, the data version."""

import subprocess
import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from handshake import dashboard, warehouse

from conftest import APP, TESTS, as_read
from handshake.access import Person

ADMIN = Person("Test admin", "admin")

TABLES_V1 = ["agreements", "campaigns", "follow_ups", "leads", "opportunities", "reps", "revenue"]


def row_counts(con, tables):
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def test_new_warehouse_is_at_the_latest_schema_version(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    assert warehouse.schema_version(con) == warehouse.LATEST_VERSION == 17


def test_older_warehouse_upgrades_in_place_with_no_row_lost(tmp_path):
    path = tmp_path / "v1.duckdb"
    con = warehouse.open_warehouse(path, target=1)
    # the seed rows that version 1 can hold (campaign feedback came with version 2)
    seed = (TESTS / "seed.sql").read_text()
    con.execute(seed[: seed.index("insert into campaign_feedback")] + seed[seed.index("insert into follow_ups"):])
    before = row_counts(con, TABLES_V1)
    assert warehouse.schema_version(con) == 1
    con.close()

    con = warehouse.open_warehouse(path)
    assert warehouse.schema_version(con) == warehouse.LATEST_VERSION
    assert row_counts(con, TABLES_V1) == before
    assert before["leads"] == 11  # the seed's eleven leads, so the comparison is not of empty tables
    # version 2's tables now exist and are usable
    con.execute("insert into meeting_actions (title, owner, status, created_at) values ('t', 'o', 'open', now())")
    assert con.execute("select count(*) from meeting_actions").fetchone()[0] == 1
    # version 3 brought the published reference bands
    assert con.execute("select count(*) from reference_bands").fetchone()[0] == 4
    # version 5 lets a rep be known by name only, as an export names them, and records imports
    con.execute("insert into reps (rep_id, rep_name) values (99, 'Known by name')")
    assert con.execute("select count(*) from imports").fetchone()[0] == 0


def test_newer_warehouse_is_refused_with_what_to_do(empty_warehouse):
    con = duckdb.connect(str(empty_warehouse))
    con.execute("update meta set value = '99' where key = 'schema_version'")
    con.close()
    with pytest.raises(warehouse.WarehouseError, match="schema version 99, newer than .* upgrade Handshake"):
        warehouse.open_warehouse(empty_warehouse)


def test_corrupt_file_is_refused_by_name(tmp_path):
    path = tmp_path / "garbage.duckdb"
    path.write_bytes(b"\x00\x01 not a database " * 400)
    with pytest.raises(warehouse.WarehouseError, match="garbage.duckdb: not a DuckDB warehouse"):
        warehouse.open_warehouse(path)


def test_missing_file_is_not_created_when_reading(tmp_path):
    with pytest.raises(warehouse.WarehouseError, match="no warehouse here"):
        warehouse.open_warehouse(tmp_path / "none.duckdb", create=False)
    assert not (tmp_path / "none.duckdb").exists()


def test_failed_upgrade_leaves_the_old_version(tmp_path, monkeypatch):
    path = tmp_path / "v1.duckdb"
    warehouse.open_warehouse(path, target=1).close()
    broken = tmp_path / "schema"
    broken.mkdir()
    for version, file in warehouse.migrations():
        text = file.read_text() if version == 1 else file.read_text() + "\nselect * from no_such_table;"
        (broken / file.name).write_text(text)
    monkeypatch.setattr(warehouse, "SCHEMA_DIR", broken)
    with pytest.raises(duckdb.Error):
        warehouse.open_warehouse(path)
    con = duckdb.connect(str(path))
    assert warehouse.schema_version(con) == 1
    assert not con.execute("select count(*) from information_schema.tables where table_name = 'meeting_actions'").fetchone()[0]


def test_data_version_changes_on_write_and_cached_queries_see_it(seed_warehouse, monkeypatch):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
    assert dashboard.query("data_range").iloc[0]["lead_count"] == 11
    con = warehouse.shared_connection(seed_warehouse)
    before = warehouse.data_version(con)
    cur = con.cursor()
    cur.execute("begin transaction")
    cur.execute("delete from leads where lead_id = 8")
    warehouse.refresh_lead_facts(cur)
    warehouse.bump_data_version(cur)
    cur.execute("commit")
    assert warehouse.data_version(con) == before + 1
    # the cached result of the same query with the same parameters is not reused after the write
    assert dashboard.query("data_range").iloc[0]["lead_count"] == 10


def test_shared_connection_serves_many_threads(seed_warehouse):
    from concurrent.futures import ThreadPoolExecutor

    from handshake import queries

    con = warehouse.shared_connection(seed_warehouse)
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: queries.run(con, "data_range").iloc[0]["lead_count"], range(64)))
    assert counts == [11] * 64


def test_write_is_all_or_nothing(seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    before = warehouse.data_version(con)
    good = {"transition": "mql_to_sal", "low_rate": 0.3, "high_rate": 0.5, "changed_by": "t", "changed_at": None}
    bad = dict(good, transition="sal_to_sql", low_rate=0.9)  # low above high breaks a check constraint
    with pytest.raises(duckdb.ConstraintException):
        warehouse.write(con, "update_reference_band", [good, bad], by=ADMIN, doing="ranges")
    assert con.execute("select low_rate from reference_bands where transition = 'mql_to_sal'").fetchone()[0] == 0.4
    assert warehouse.data_version(con) == before
    warehouse.write(con, "update_reference_band", [good], by=ADMIN, doing="ranges")
    assert con.execute("select low_rate from reference_bands where transition = 'mql_to_sal'").fetchone()[0] == 0.3
    assert warehouse.data_version(con) == before + 1


def test_cached_queries_from_many_sessions_at_once(seed_warehouse, monkeypatch):
    """Streamlit runs each session on its own thread; all of them share one connection."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
    with ThreadPoolExecutor(16) as pool:
        counts = list(pool.map(lambda _: dashboard.query("data_range").iloc[0]["lead_count"], range(400)))
    assert counts == [11] * 400


def test_a_dashboard_on_a_warehouse_another_program_holds_says_so_and_changes_nothing(monkeypatch, seed_warehouse):
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(seed_warehouse)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        before = seed_warehouse.read_bytes()
        monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception
        assert [as_read(e.value) for e in at.error] == [
            f"`{seed_warehouse}` is open in another program (process {holder.pid}): another Handshake dashboard, or "
            "an import from the command line. DuckDB lets one program at a time use a warehouse file, so this "
            "dashboard cannot open it. Use the dashboard that is already running, or wait for the import to finish "
            "(or stop that program) and reload this page. Nothing was changed."]
        assert not at.metric
        assert seed_warehouse.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    at.run()  # once the other program has let go, a reload opens it
    assert not at.error and at.metric


# ---- a write invalidates what it changes

def test_a_write_statement_names_the_table_it_writes():
    assert warehouse.written_table("-- add one\ninsert into meeting_actions values (1)") == "meeting_actions"
    assert warehouse.written_table("insert or replace into meta values ('k', 'v')") == "meta"
    assert warehouse.written_table("  update leads set segment = 'SMB'") == "leads"
    assert warehouse.written_table("delete from lead_facts where lead_id in (1)") == "lead_facts"
    assert warehouse.written_table("create or replace table mql_daily as select 1") == "mql_daily"
    assert warehouse.written_table("select * from leads") is None
    assert warehouse.written_table("create or replace temp table typed as select 1") is None
    assert warehouse.written_table("alter table leads add column x int") == "*"  # unknown: anything may change


def test_a_query_reads_its_tables_through_views_and_macros(seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    from handshake import queries
    # kpi_revenue reads the revenue_daily rollup and the targets_in_force macro, which reads the agreements
    assert warehouse.tables_read(con, queries.sql("kpi_revenue")) == {"revenue_daily", "agreements",
                                                                      "agreement_targets"}
    assert warehouse.tables_read(con, queries.sql("meeting_actions")) == {"meeting_actions"}


def test_an_action_leaves_the_kpis_cached_and_an_import_does_not(seed_warehouse, monkeypatch):
    from datetime import datetime

    from handshake import actions
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
    con = warehouse.shared_connection(seed_warehouse)
    kpi, listed = dashboard.version_of("kpi_mql_cohort"), dashboard.version_of("meeting_actions")
    actions.create(con, "Call the webinar leads", "Ana", "sales", None, ADMIN, datetime(2026, 5, 4, 9))
    assert dashboard.version_of("kpi_mql_cohort") == kpi  # the KPI's cached results stay
    assert dashboard.version_of("meeting_actions") > listed  # the list of actions is read again
    listed = dashboard.version_of("meeting_actions")
    with warehouse.transaction(con, ADMIN, "import") as cur:
        cur.execute("update leads set segment = 'Enterprise' where lead_id = 1")
        warehouse.refresh_lead_facts(cur, "select 1")
    assert dashboard.version_of("kpi_mql_cohort") > kpi
    assert dashboard.version_of("meeting_actions") == listed  # leads written, actions not: still cached


def test_a_write_that_cannot_name_its_tables_invalidates_everything(seed_warehouse, monkeypatch):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
    con = warehouse.shared_connection(seed_warehouse)
    before = dashboard.version_of("meeting_actions")
    cur = con.cursor()
    cur.execute("begin transaction")
    warehouse.bump_data_version(cur)  # no tables named: any table may have changed
    cur.execute("commit")
    assert dashboard.version_of("meeting_actions") > before
