"""lead_facts is a stored table kept up to date by every write: it must always equal the view that
derives it (lead_facts_live), row for row, after a demo, imports and a new agreement."""

from datetime import date, datetime

import duckdb
import pytest

from conftest import TESTS
from handshake import agreements, importer, mappings, warehouse
from handshake.access import Person

ADMIN = Person("Test admin", "admin")

NOW = datetime(2026, 11, 22, 12)


def differences(con) -> tuple[int, int, int]:
    """Stored rows missing from the live view, live rows missing from the store, and the stored count."""
    def count(sql):
        return con.execute(sql).fetchall()[0][0]
    return (count("select count(*) from (select * from lead_facts except all select * from lead_facts_live)"),
            count("select count(*) from (select * from lead_facts_live except all select * from lead_facts)"),
            count("select count(*) from lead_facts"))


@pytest.mark.parametrize("profile", ["default", "undefined", "integrated"])
def test_a_demo_stores_the_facts_it_derives(demo_warehouses, profile):
    con = duckdb.connect(str(demo_warehouses[profile]), read_only=True)
    try:
        stale, missing, stored = differences(con)
    finally:
        con.close()
    assert (stale, missing) == (0, 0) and stored > 0


def run(path, text, kind, tmp_path, name="file.csv"):
    file = tmp_path / name
    file.write_text(text)
    con = warehouse.open_warehouse(path)
    try:
        return importer.run(con, file, mappings.canonical(kind), now=NOW, by=ADMIN)
    finally:
        con.close()


@pytest.mark.parametrize("listed", [warehouse.LISTED_IDS, 1])  # ids named one by one, or too many for that
def test_imports_keep_the_facts_of_the_leads_they_change(empty_warehouse, tmp_path, monkeypatch, listed):
    monkeypatch.setattr(warehouse, "LISTED_IDS", listed)
    run(empty_warehouse, "lead_id,created_at,mql_at\nA,2026-03-02 09:00,2026-03-02 10:00\n"
                         "B,2026-03-03 09:00,2026-03-03 10:00\n", "leads", tmp_path)
    run(empty_warehouse, "lead_id,touched_at,channel\nA,2026-03-02 12:00,call\n", "follow_ups", tmp_path)
    run(empty_warehouse, "opportunity_id,lead_id,created_date,stage,amount_eur,closed_date\n"
                         "O1,A,2026-03-05,won,100,2026-03-20\n", "opportunities", tmp_path)
    # the deal moves from A to B: both leads' facts change
    run(empty_warehouse, "opportunity_id,lead_id,created_date,stage,amount_eur,closed_date\n"
                         "O1,B,2026-03-05,won,100,2026-03-20\n", "opportunities", tmp_path)
    # a lead updated with an acceptance time
    run(empty_warehouse, "lead_id,created_at,mql_at,accepted_at\nA,2026-03-02 09:00,2026-03-02 10:00,"
                         "2026-03-03 09:00\n", "leads", tmp_path)
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        assert differences(con) == (0, 0, 2)
        # A: touched 2 h after its MQL, accepted; B: won through the deal it now holds
        assert con.execute("select lead_id, first_touch_hours, accepted_at is not null, is_won from lead_facts "
                           "order by lead_id").fetchall() == [(1, 2.0, True, False), (2, None, False, True)]
    finally:
        con.close()


def test_a_new_agreement_rejudges_the_leads_from_its_day(seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    try:
        before = con.execute("select count(*) from lead_facts where first_touch_sla_hours = 5").fetchall()[0][0]
        agreements.add_version(con, date(2026, 3, 20), {"first_touch_sla_hours": 5.0}, Person("Test", "admin"), None, NOW)
        assert differences(con) == (0, 0, 11)
        after = con.execute("select count(*) from lead_facts where first_touch_sla_hours = 5").fetchall()[0][0]
        # L6, L7 and L10 of tests/seed.sql became MQLs on or after 20 March
        assert (before, after) == (0, 3)
    finally:
        con.close()


def stored_in_mql_order(con) -> bool:
    """Whether a plain scan, which keeps the stored order, meets the MQLs by time and the other leads last."""
    con.execute("set threads = 1")  # one thread reads the row groups in their stored order
    rows = con.execute("select mql_at, created_at from lead_facts").fetchall()
    keys = [(mql_at is None, mql_at or created_at, created_at) for mql_at, created_at in rows]
    return keys == sorted(keys)


def test_upgrading_to_schema_8_stores_the_facts_in_mql_order(tmp_path):
    path = tmp_path / "old.duckdb"
    con = warehouse.open_warehouse(path, target=7)
    try:
        con.execute((TESTS / "seed.sql").read_text())
        warehouse.refresh_lead_facts(con)
        con.execute("create or replace table lead_facts as select * from lead_facts_live order by created_at")
        assert not stored_in_mql_order(con)  # the seed's leads became MQLs in another order than they arrived
    finally:
        con.close()
    con = warehouse.open_warehouse(path)
    try:
        assert warehouse.schema_version(con) == warehouse.LATEST_VERSION
        assert differences(con)[:2] == (0, 0)
        assert stored_in_mql_order(con)
    finally:
        con.close()


def test_a_full_refresh_stores_the_facts_in_mql_order(seed_warehouse):
    con = duckdb.connect(str(seed_warehouse))
    try:
        con.execute("create or replace table lead_facts as select * from lead_facts order by created_at")
        assert not stored_in_mql_order(con)
        warehouse.refresh_lead_facts(con)
        assert differences(con)[:2] == (0, 0)
        assert stored_in_mql_order(con)
    finally:
        con.close()


def test_a_write_that_moves_the_newest_moment_back_reopens_the_leads_it_had_recycled(empty_warehouse, tmp_path):
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        agreements.add_version(con, date(2026, 1, 1), {"recycle_days": 7}, ADMIN, None, NOW)
    finally:
        con.close()
    run(empty_warehouse, "lead_id,created_at,mql_at\nA,2026-03-01 09:00,2026-03-01 10:00\n"
                         "B,2026-03-01 09:00,\n", "leads", tmp_path)

    def outcome_of_a():
        con = warehouse.open_warehouse(empty_warehouse)
        try:
            assert differences(con)[:2] == (0, 0)
            return con.execute("select stage_outcome from lead_facts where lead_id = 1").fetchall()[0][0]
        finally:
            con.close()

    # B's touch on 20 March is the newest moment: A, an MQL since 1 March, has had no progress for 7 days by then
    run(empty_warehouse, "follow_up_id,lead_id,touched_at,channel\nT1,B,2026-03-20 09:00,call\n", "follow_ups", tmp_path)
    assert outcome_of_a() == "recycled"
    # the touch was on 2 March after all: the newest moment is 2 March 09:00, before A's 8 March
    run(empty_warehouse, "follow_up_id,lead_id,touched_at,channel\nT1,B,2026-03-02 09:00,call\n", "follow_ups", tmp_path)
    assert outcome_of_a() == "open"


def test_a_touch_moved_to_another_lead_changes_the_facts_of_both(empty_warehouse, tmp_path):
    run(empty_warehouse, "lead_id,created_at,mql_at\nA,2026-03-02 09:00,2026-03-02 10:00\n"
                         "B,2026-03-02 09:00,2026-03-02 10:00\n", "leads", tmp_path)
    run(empty_warehouse, "follow_up_id,lead_id,touched_at,channel\nT1,A,2026-03-02 12:00,call\n", "follow_ups", tmp_path)
    # the CRM says the touch was B's after all
    run(empty_warehouse, "follow_up_id,lead_id,touched_at,channel\nT1,B,2026-03-02 12:00,call\n", "follow_ups", tmp_path)
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        assert differences(con) == (0, 0, 2)
        # A untouched now; B touched 2 h after its MQL
        assert con.execute("select lead_id, touch_count, first_touch_hours from lead_facts order by lead_id").fetchall() \
            == [(1, 0, None), (2, 1, 2.0)]
    finally:
        con.close()


def test_the_stored_local_days_move_with_the_organisation_time_zone(empty_warehouse, tmp_path):
    """Schema 15 keeps each lead's local days, by which a write finds the rollup rows to rebuild: a new zone moves
    them, and the next write rebuilds the day its lead is in there."""
    run(empty_warehouse, "lead_id,created_at,mql_at,region\nA,2026-03-02 09:00,2026-03-02 23:30,DACH\n", "leads",
        tmp_path)
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        days = "select lead_id, created_local_date, mql_local_date from lead_facts order by lead_id"
        assert con.execute(days).fetchall() == [(1, date(2026, 3, 2), date(2026, 3, 2))]  # UTC
        warehouse.set_timezone(con, "Europe/Berlin", by=ADMIN)
        # 23:30 UTC on 2 March is 00:30 on 3 March in Berlin (UTC+1 in winter); 09:00 UTC is 10:00 the same day
        assert con.execute(days).fetchall() == [(1, date(2026, 3, 2), date(2026, 3, 3))]
        assert differences(con) == (0, 0, 1)
    finally:
        con.close()
    # B, whose times are now read in Berlin: created late on 2 March, an MQL at midnight, in A's day and group
    run(empty_warehouse, "lead_id,created_at,mql_at,region\nB,2026-03-02 23:00,2026-03-03 00:00,DACH\n", "leads",
        tmp_path)
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        assert con.execute(days).fetchall() == [(1, date(2026, 3, 2), date(2026, 3, 3)),
                                                (2, date(2026, 3, 2), date(2026, 3, 3))]
        assert con.execute("select mql_date, mql_count from mql_daily").fetchall() == [(date(2026, 3, 3), 2)]  # A and B
        assert differences(con) == (0, 0, 2)
    finally:
        con.close()
