"""One lead model for the exports people really have (schema 11), worked out by hand.

The Olist-shaped export (tests/data/olist/, in the column names, date formats and value spellings of Olist's
published marketing funnel) holds ten MQLs dated by their first contact (created and MQL the same day) and four
won deals, with no amounts, no lost or open deals, no acceptance and no SQL: an export of won deals alone.
  MQLs: a1c5 (social, 1 Feb), b2d6 (paid_search, 4 Feb), c3e7 (organic_search, 10 Feb), d4f8 (unknown, 15 Feb),
        e5a9 (blank origin, 20 Feb), f6b0 (paid_search, 28 Feb), a7c1 (organic_search, 1 Mar), b8d2 (social, 5 Mar),
        c9e3 (paid_search, 12 Mar), d0f4 (unknown, 20 Mar)
  won:  a1c5 on 26 Feb, b2d6 on 2 Mar, d4f8 on 10 Feb (before its lead's first contact on 15 Feb), e5a9 on 3 Apr"""

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from handshake import cli, funnel, kpis, queries, warehouse
from handshake.access import Person

from test_app import assert_clean, open_app, visible_text

TESTS = Path(__file__).resolve().parent
OLIST = TESTS / "data" / "olist"
EXAMPLES = TESTS.parent / "data" / "mappings" / "examples"
ADMIN = Person("Test admin", "admin")


@pytest.fixture
def olist(tmp_path):
    path = tmp_path / "olist.duckdb"
    for file, mapping in (("olist_marketing_qualified_leads_dataset.csv", "olist_mqls.toml"),
                          ("olist_closed_deals_dataset.csv", "olist_closed_deals.toml")):
        assert cli.main(["import", str(OLIST / file), "--mapping", str(EXAMPLES / mapping),
                         "--warehouse", str(path)]) == 0
    return path


def run(path, name, **params):
    con = warehouse.open_warehouse(path, create=False)
    try:
        return queries.run(con, name, params)
    finally:
        con.close()


def feb_and_march(source=None, **extra):
    return {**kpis.query_params(date(2018, 2, 1), date(2018, 3, 31), {"source": source}), "dimension": "all", **extra}


def test_a_won_deals_only_export_measures_mql_to_won_and_nothing_it_has_no_record_of(olist):
    row = run(olist, "kpi_mql_cohort", **feb_and_march()).iloc[0]
    assert row["mql_count"] == 10
    assert row["mql_to_won_rate"] == pytest.approx(4 / 10)  # a1c5, b2d6, d4f8, e5a9 of the ten MQLs
    assert kpis.clean(row["acceptance_rate"]) is None  # no decision recorded: not 4 / 4 = 100%
    cohort = run(olist, "funnel_by_cohort", **feb_and_march()).iloc[0]
    assert cohort["inquiry_count"] == 10 and cohort["reached_mql_count"] == 10
    # every arrival is an MQL (the export holds MQLs alone), and no lead records SAL, SQL or opportunity
    for rate in ("inquiry_to_mql_rate", "mql_to_sal_rate", "sal_to_sql_rate", "sql_to_opportunity_rate",
                 "opportunity_to_won_rate", "sql_to_won_rate"):
        assert kpis.clean(cohort[rate]) is None, rate
    assert cohort["won_count"] == 4
    stages = run(olist, "funnel_stages", **feb_and_march()).set_index("stage")
    assert stages["is_measured"].to_dict() == {
        "Inquiry": True, "MQL": True, "SAL": False, "SQL": False, "Opportunity": False, "Won": True}
    assert kpis.clean(stages.loc["SAL", "reached_count"]) is None
    assert stages.loc["Won", "reached_count"] == 4


def test_times_the_export_does_not_hold_are_not_measured_and_backwards_times_are_counted(olist):
    times = run(olist, "funnel_stage_times", **feb_and_march()).set_index("step")
    # created and MQL are one date in this export: the step took no time because nothing measured it
    assert kpis.clean(times.loc[1, "median_days_in_stage"]) is None
    for step in (2, 3, 4, 5):
        assert kpis.clean(times.loc[step, "median_days_in_stage"]) is None, step
    # the sales cycle: a1c5 1 Feb -> 26 Feb (25 days), b2d6 4 Feb -> 2 Mar (26 days), e5a9 20 Feb -> 3 Apr
    # (42 days); d4f8 was won on 10 Feb, five days before it arrived on 15 Feb: left out and counted
    assert times.loc[6, "lead_count"] == 3
    assert times.loc[6, "median_days_in_stage"] == pytest.approx(26)  # the middle of 25, 26 and 42
    assert times.loc[6, "backwards_count"] == 1
    assert funnel.slowest_step(times.reset_index()) is None
    assert funnel.left_out_of_times(times.reset_index()) == [
        "Inquiry to won (sales cycle): 1 lead has times in the wrong order (for example a deal won before its "
        "lead was created); left out of the time."]


def test_a_blank_source_and_a_source_called_unknown_are_two_groups(olist):
    by_source = run(olist, "funnel_by_cohort", **feb_and_march(dimension="source")).set_index("breakdown")
    assert by_source.loc["unknown", "inquiry_count"] == 2  # d4f8, d0f4
    assert by_source.loc["(no source)", "inquiry_count"] == 1  # e5a9
    options = run(olist, "filter_options")
    assert {"unknown", "(no source)"} <= set(options.loc[options["filter"] == "source", "value"])
    blank = run(olist, "kpi_mql_cohort", **feb_and_march(source=kpis.NO_SOURCE))
    assert blank.iloc[0]["mql_count"] == 1  # e5a9 alone
    called_unknown = run(olist, "kpi_mql_cohort", **feb_and_march(source="unknown"))
    assert called_unknown.iloc[0]["mql_count"] == 2


def test_the_command_line_shows_no_share_the_export_cannot_measure(olist, capsys):
    assert cli.main(["kpis", "--warehouse", str(olist), "--start", "2018-02-01", "--end", "2018-03-31"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["mql_to_won_rate"] == pytest.approx(0.4)  # 4 won of 10 MQLs
    assert printed["acceptance_rate"] is None
    # the deals carry no amounts and no revenue was imported: revenue is not measured, not 0
    assert printed["revenue_eur"] is None and printed["marketing_sourced_revenue_share"] is None
    # won deals alone say nothing of the deals still open: no pipeline, not 0
    assert printed["open_pipeline_eur"] is None


def test_the_funnel_page_on_a_won_deals_only_export_says_not_measured_and_no_100_percent(monkeypatch, olist):
    at = open_app(monkeypatch, olist, "pages/funnel.py", period=["2018-02-01", "2018-03-31"])
    assert_clean(at)
    text = visible_text(at)
    assert not [m.value for m in at.metric if m.value.startswith("100")]  # no step reads 100%
    assert "SAL, SQL, Opportunity are not measured" in text
    cards = {m.label: m.value for m in at.metric}
    assert cards["MQL to SAL"] == cards["SQL to won"] == cards["Inquiry to MQL"] == "–"
    assert "0.0 days" not in text
    assert "turns the most SQLs into wins" not in text


def test_a_lead_recorded_as_won_is_won_in_every_rollup(seed_con, run_query):
    # L7 (MQL 25 Mar, undecided) becomes a customer in the CRM without a deal in the export
    seed_con.execute("update leads set status = 'won' where lead_id = 7")
    march = kpis.query_params(date(2026, 3, 1), date(2026, 3, 31))
    cohort = run_query("kpi_mql_cohort", **march).iloc[0]
    assert cohort["won_count"] == 3  # L1 and L6 by their deals, L7 by its own record
    funnel_row = run_query("funnel_by_cohort", **dict(march, dimension="all")).iloc[0]
    assert funnel_row["won_count"] == 3
    stages = run_query("funnel_stages", **march).set_index("stage")
    assert stages.loc["Won", "won_count"] == 3  # not "dropped" at MQL


def test_a_decision_without_a_time_counts_in_acceptance_but_not_in_attempts(seed_con, run_query):
    march = kpis.query_params(date(2026, 3, 1), date(2026, 3, 31))
    # L7 (MQL, undecided) is rejected in the CRM without a date (HubSpot's Lead Status "Unqualified")
    seed_con.execute("update leads set decision = 'rejected', rejection_reason = 'unqualified' where lead_id = 7")
    cohort = run_query("kpi_mql_cohort", **march).iloc[0]
    # accepted: L1, L3, L5, L6; rejected: L2, L4 and now L7 -> 4 / (4 + 3)
    assert cohort["acceptance_rate"] == pytest.approx(4 / 7)
    summary = run_query("follow_up_summary", **march).iloc[0]
    # attempts before a decision need its time: L7 is left out of the mean, which stays the seed's
    assert summary["disposed_count"] == 7
    listed = run_query("accountability_list", **dict(march, limit=None))
    assert 7 not in set(listed["lead_id"])  # decided, so no longer waiting for sales


def test_the_sla_clock_starts_at_mql_when_the_recorded_assignment_is_after_the_first_touch(seed_con, run_query):
    # L1: MQL 2 Mar 10:00, first touch 4 h after its assignment at 11:00 (15:00). HubSpot's Owner Assigned Date
    # holds the latest assignment: a re-assignment on 4 Mar would make the first touch come before the clock.
    seed_con.execute("update leads set assigned_at = '2026-03-04 09:00' where lead_id = 1")
    facts = run_query("data_inputs").iloc[0]
    assert facts["assigned_after_touch_count"] == 1
    assert kpis.clock_notes(facts.to_dict())[0].startswith(
        "In the whole warehouse, 1 lead has its recorded assignment after the first touch")
    row = seed_con.execute("select sla_clock_at, first_touch_hours from lead_facts where lead_id = 1").fetchone()
    assert str(row[0]) == "2026-03-02 10:00:00"  # the MQL time
    assert row[1] == pytest.approx(5)  # 15:00 - 10:00


def test_an_mql_without_progress_for_the_recycle_term_is_recycled(seed_con, run_query):
    # L11: MQL 15 Dec 2025, never touched or decided; the newest moment the seed holds is L8's arrival,
    # 31 Mar 2026 20:00 (or a later touch). A 90-day term from 15 Dec 2025 10:00 ends 15 Mar 2026 10:00: recycled.
    seed_con.execute("update agreements set recycle_days = 90")
    seed_con.execute("insert into agreements (effective_date, recycle_days) values ('2025-12-01', 90)")
    stages = run_query("funnel_stages", **kpis.query_params(date(2025, 12, 1), date(2025, 12, 31))).set_index("stage")
    assert stages.loc["MQL", "recycled_count"] == 1
    assert stages.loc["MQL", "open_count"] == 0
    # L7 (MQL 25 Mar 2026, touched since) is within its 90 days: still open
    march = run_query("funnel_stages", **kpis.query_params(date(2026, 3, 1), date(2026, 3, 31))).set_index("stage")
    assert march.loc["MQL", "recycled_count"] == 0


def test_every_list_that_names_a_lead_carries_its_crm_id_and_link(seed_con, run_query):
    # L4 came from a CRM as record 4711; L2 has no CRM id (the seed's own lead): its own id stands in
    seed_con.execute("insert into source_keys values ('leads', '4711', 4)")
    seed_con.execute("insert or replace into meta values ('record_link', "
                     "'https://app.hubspot.com/contacts/123456/record/0-1/{id}')")
    march = kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), {"now": datetime(2026, 4, 1)})
    never = run_query("follow_up_never_touched", **dict(march, limit=None)).set_index("lead_id")
    assert never.loc[4, "crm_id"] == "4711"
    assert never.loc[4, "record_url"] == "https://app.hubspot.com/contacts/123456/record/0-1/4711"
    listed = run_query("funnel_leads", **dict(march, stage_rank=2, outcome="dropped")).set_index("lead_id")
    assert listed.loc[4, "crm_id"] == "4711" and listed.loc[2, "crm_id"] == "2"
    breaches = run_query("meeting_sla_breaches", start_at=datetime(2026, 3, 9), end_at=datetime(2026, 3, 16),
                         segment=None, region=None, source=None, now=datetime(2026, 4, 1))
    assert breaches.set_index("lead_id").loc[4, "crm_id"] == "4711"  # L4's 24 h ran out on 11 Mar, untouched
    # on 15 Apr L10 is untouched past its 4 h and L7 short of its 3 attempts two weeks after assignment
    overdue = run_query("accountability_list", **dict(march, now=datetime(2026, 4, 15), limit=None))
    assert sorted(overdue["crm_id"]) == ["10", "7"]
    assert overdue["record_url"].str.endswith("/0-1/7").sum() == 1
