"""The hand-off funnel on the seed rows of tests/seed.sql, worked out by hand.

March's cohort is the nine leads created in March: L1-L8 and L10 (L9 arrived in February, L11 in December).
Where each stands: L1, L6 won; L5 lost as an opportunity; L3 accepted, still open; L2, L4 rejected;
L7, L10 MQLs still open; L8 an inquiry."""

import io
import json
from datetime import date

import pandas as pd
import pytest

from handshake import dashboard, kpis, queries, warehouse

from test_app import assert_clean, open_app


def march(**extra):
    return {**kpis.query_params(date(2026, 3, 1), date(2026, 3, 31)), "dimension": "all", **extra}


def test_cohort_counts_how_far_each_lead_got(run_query):
    row = run_query("funnel_by_cohort", **march()).iloc[0]
    assert row["inquiry_count"] == 9
    assert row["reached_mql_count"] == 8  # all but L8
    assert row["reached_sal_count"] == 4  # L1, L3, L5, L6
    assert row["reached_sql_count"] == 3  # L1, L5, L6
    assert row["reached_opportunity_count"] == 3  # L1, L5, L6
    assert row["won_count"] == 2  # L1, L6


def test_open_leads_are_not_counted_as_lost(run_query):
    row = run_query("funnel_by_cohort", **march()).iloc[0]
    assert row["in_play_count"] == 3  # L3 (SAL), L7 and L10 (MQL)
    assert row["dropped_count"] == 3  # L2, L4 rejected; L5 lost
    assert row["not_yet_mql_count"] == 1  # L8


def test_stage_to_stage_conversion(run_query):
    row = run_query("funnel_by_cohort", **march()).iloc[0]
    assert row["inquiry_to_mql_rate"] == pytest.approx(8 / 9)
    assert row["mql_to_sal_rate"] == pytest.approx(4 / 8)
    assert row["sal_to_sql_rate"] == pytest.approx(3 / 4)
    assert row["sql_to_opportunity_rate"] == pytest.approx(3 / 3)
    assert row["opportunity_to_won_rate"] == pytest.approx(2 / 3)
    assert row["sql_to_won_rate"] == pytest.approx(2 / 3)


def test_waterfall_splits_each_stage_into_moved_on_open_and_dropped(run_query):
    stages = run_query("funnel_stages", **march()).set_index("stage")
    parts = ["reached_count", "moved_on_count", "open_count", "dropped_count", "won_count"]
    assert stages.loc["Inquiry", parts].tolist() == [9, 8, 1, 0, 0]  # L8 open
    assert stages.loc["MQL", parts].tolist() == [8, 4, 2, 2, 0]  # L7, L10 open; L2, L4 rejected
    assert stages.loc["SAL", parts].tolist() == [4, 3, 1, 0, 0]  # L3 open
    assert stages.loc["SQL", parts].tolist() == [3, 3, 0, 0, 0]
    assert stages.loc["Opportunity", parts].tolist() == [3, 2, 0, 1, 0]  # L5 lost
    assert stages.loc["Won", parts].tolist() == [2, 0, 0, 0, 2]


def test_drill_down_lists_the_leads_behind_a_bar(run_query):
    open_mqls = run_query("funnel_leads", **march(stage_rank=2, outcome="open"))
    assert open_mqls["lead_id"].tolist() == [10, 7]  # newest first
    moved_on = run_query("funnel_leads", **march(stage_rank=2, outcome="moved_on"))
    assert sorted(moved_on["lead_id"]) == [1, 3, 5, 6]
    assert run_query("funnel_leads", **march(stage_rank=5, outcome="dropped"))["lead_id"].tolist() == [5]


def test_time_in_stage_medians(run_query):
    times = run_query("funnel_stage_times", **march()).set_index("transition")
    # inquiry to MQL: 1, 0.5, 2, 1, 1, 1, 1, 1 hours -> median 1 hour
    assert times.loc["Inquiry to MQL", "median_days_in_stage"] == pytest.approx(1 / 24)
    # MQL to SAL: L1 23 h, L3 21 h, L5 50 h, L6 24 h -> median (23 + 24) / 2 hours
    assert times.loc["MQL to SAL", "median_days_in_stage"] == pytest.approx(23.5 / 24)
    # opportunity to won: L1 6 Mar 09:00 -> 20 Mar (13.625 days), L6 23 Mar 09:00 -> 30 Mar (6.625 days)
    assert times.loc["Opportunity to won", "median_days_in_stage"] == pytest.approx((13.625 + 6.625) / 2)
    assert times.loc["Opportunity to won", "lead_count"] == 2


def test_breakdown_by_segment(run_query):
    rows = run_query("funnel_by_cohort", **march(dimension="segment")).set_index("breakdown")
    # SMB: L1, L3, L4, L6, L7, L8, L10; Mid-market: L5; Enterprise: L2
    assert rows["inquiry_count"].to_dict() == {"SMB": 7, "Mid-market": 1, "Enterprise": 1}
    assert rows.loc["SMB", "won_count"] == 2


def test_filter_and_empty_period(run_query):
    row = run_query("funnel_by_cohort", **dict(march(), segment="Enterprise")).iloc[0]
    assert (row["inquiry_count"], row["reached_mql_count"], row["dropped_count"]) == (1, 1, 1)  # L2
    empty = dict(kpis.query_params(date(2025, 6, 1), date(2025, 6, 30)), dimension="all")
    assert run_query("funnel_by_cohort", **empty).empty
    assert run_query("funnel_stages", **empty)["reached_count"].sum() == 0


def test_funnel_page_drills_into_a_stage(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/funnel.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    at.selectbox(key="drill_stage").set_value("MQL")
    at.selectbox(key="drill_outcome").set_value("open")
    at.run()
    assert_clean(at)
    listed = at.dataframe[0].value
    assert sorted(listed["lead_id"]) == [7, 10]
    assert any("Published range 40.0%–60.0%" in c.value for c in at.caption)


def test_a_list_says_how_much_of_it_shows_and_its_download_holds_every_lead(monkeypatch, seed_warehouse):
    monkeypatch.setattr(dashboard, "LIST_ROWS", 1)  # a screenful of one row, so that the seed's two leads overflow it
    at = open_app(monkeypatch, seed_warehouse, "pages/funnel.py", period=["2026-03-01", "2026-03-31"])
    at.selectbox(key="drill_stage").set_value("MQL")
    at.selectbox(key="drill_outcome").set_value("open")
    at.run()
    assert_clean(at)
    assert len(at.dataframe[0].value) == 1
    # leads 7 and 10 are open MQLs of March: two on the list, the newest shown
    assert any(e.label == "2 leads at MQL, still open here · showing 1 of 2, newest first" for e in at.expander)
    csv = dashboard._whole_list_csv("funnel_leads", dict(march(stage_rank=2, outcome="open"), limit=1))()
    download = pd.read_csv(io.StringIO(csv))
    assert sorted(download["lead_id"]) == [7, 10]  # every lead, whatever the screen's limit
    assert "listed_count" not in download
    # L7 and L10 both came from paid_search (tests/seed.sql): words, and the code beside them
    assert download["source"].tolist() == ["Paid search", "Paid search"]
    assert download["source_code"].tolist() == ["paid_search", "paid_search"]


def test_the_funnel_names_its_window_and_why_its_mqls_differ_from_the_overviews(monkeypatch, seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    con.execute("update leads set mql_at = '2026-03-01 10:00' where lead_id = 9")  # arrived 20 Feb, MQL in March
    warehouse.refresh_lead_facts(con)
    con.close()
    at = open_app(monkeypatch, seed_warehouse, "pages/funnel.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    said = " ".join(c.value for c in at.caption)
    # by arrival: the 8 March arrivals that became MQLs (L1-L7, L10); by MQL day: those 8 + L9 = 9
    assert ("The Overview and Follow-up count MQLs by the day they became MQLs: 9 in this period, 1 more: leads "
            "that arrived before the period and qualified in it") in said
    assert any(c.value == "**Of 9 leads that arrived 01 Mar to 31 Mar 2026, 8 became MQLs and 2 are won so far**"
               for c in at.markdown)


def test_months_the_period_cuts_short_are_hatched_and_said(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/funnel.py", period=["2026-03-05", "2026-03-20"])
    assert_clean(at)
    figure = json.loads(at.get("plotly_chart")[-2].proto.spec)  # the cohort months, before the stage times
    patterns = {tuple(trace["marker"]["pattern"]["shape"]) for trace in figure["data"]}
    assert patterns == {("/",)}  # March alone, cut short at both ends
    assert any(c.value == "Hatched: March 2026 counts only 05 Mar to 20 Mar, so holds fewer leads: not a slump." for c in at.caption)
