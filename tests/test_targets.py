"""Targets agreed for a region and/or a segment (schema 13): stored with their agreement version, picked by the KPI
queries for exactly the filtered region and segment, and said to be missing where none was agreed.

The seed's agreement: v1 from 1 Jan 2026 (31 MQLs and 31,000 a month: 1 and 1,000 a day in March), v2 from 16 Mar
(62 MQLs and 62,000 a month: 2 and 2,000 a day). The tests add targets for DACH and for SMB in DACH to both."""

from datetime import date, datetime

import pytest

from handshake import agreements, kpis, queries, warehouse
from handshake.access import Person

HEADS = Person("Heads", "admin")
NOW = datetime(2026, 4, 1)


def agree(con, rows):
    """(effective_date, region, segment, monthly MQL target, monthly revenue target) rows, stored as the schema
    stores them."""
    for row in rows:
        con.execute(queries.sql("agreement_target_insert"), dict(zip(
            ("effective_date", "region", "segment", "monthly_mql_target", "monthly_revenue_target_eur"), row)))


def march(run_query, query, **filters):
    params = kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), dict(filters, now=NOW))
    return run_query(query, **params).iloc[0]


def test_a_region_filter_takes_the_regions_target(seed_con, run_query):
    # DACH: 31 MQLs and 3,100 a month under v1, 62 and 6,200 under v2 (1 and 100, then 2 and 200 a day in March)
    agree(seed_con, [("2026-01-01", "DACH", None, 31, 3100), ("2026-03-16", "DACH", None, 62, 6200)])
    cohort = march(run_query, "kpi_mql_cohort", region="DACH")
    assert cohort["mql_target"] == 15 * 1 + 16 * 2  # 1-15 Mar under v1, 16-31 Mar under v2: 47
    revenue = march(run_query, "kpi_revenue", region="DACH")
    assert revenue["revenue_target_eur"] == pytest.approx(15 * 100 + 16 * 200)  # 4,700
    # unfiltered, the whole organisation's: 15 x 1 + 16 x 2 and 15 x 1,000 + 16 x 2,000
    assert march(run_query, "kpi_mql_cohort")["mql_target"] == 47
    assert march(run_query, "kpi_revenue")["revenue_target_eur"] == pytest.approx(47000)


def test_a_target_counts_only_for_exactly_its_region_and_segment(seed_con, run_query):
    agree(seed_con, [("2026-01-01", "DACH", "SMB", 62, None), ("2026-03-16", "DACH", "SMB", 62, None)])
    # SMB in DACH: 62 a month, 2 a day in March under both versions
    assert march(run_query, "kpi_mql_cohort", region="DACH", segment="SMB")["mql_target"] == 31 * 2
    # DACH alone, SMB alone and Nordics have none agreed
    for filters in ({"region": "DACH"}, {"segment": "SMB"}, {"region": "Nordics"}):
        assert kpis.clean(march(run_query, "kpi_mql_cohort", **filters)["mql_target"]) is None, filters
    # no revenue target was agreed for SMB in DACH
    assert kpis.clean(march(run_query, "kpi_revenue", region="DACH", segment="SMB")["revenue_target_eur"]) is None


def test_no_target_is_agreed_per_source(seed_con, run_query):
    agree(seed_con, [("2026-01-01", "DACH", None, 31, 3100), ("2026-03-16", "DACH", None, 62, 6200)])
    row = march(run_query, "kpi_mql_cohort", region="DACH", source="paid_search")
    assert kpis.clean(row["mql_target"]) is None


def test_a_target_holds_only_while_its_version_does(seed_con, run_query):
    agree(seed_con, [("2026-01-01", "DACH", None, 31, 3100)])  # v2 repeats no DACH target
    # 1-15 Mar have one, 16-31 Mar none: not agreed for all of March
    assert kpis.clean(march(run_query, "kpi_mql_cohort", region="DACH")["mql_target"]) is None
    first_half = kpis.query_params(date(2026, 3, 1), date(2026, 3, 15), {"region": "DACH", "now": NOW})
    assert run_query("kpi_mql_cohort", **first_half).iloc[0]["mql_target"] == 15  # 15 days x 31/31


def test_pipeline_coverage_under_a_region_filter_takes_its_revenue_target(seed_con, run_query):
    agree(seed_con, [("2026-03-16", "DACH", None, None, 6000)])
    params = kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), {"region": "DACH", "now": NOW})
    pipeline = run_query("kpi_open_pipeline", **params).iloc[0]
    row = run_query("pipeline_coverage", **dict(params, open_pipeline_eur=float(pipeline["open_pipeline_eur"]))).iloc[0]
    # v2 in force on 31 Mar; 1 Apr-29 Jun: 6,000 (April) + 6,000 (May) + 29 x 6,000/30 (June) = 17,800
    assert row["next_90_days_revenue_target_eur"] == pytest.approx(17800)
    # open DACH pipeline at 1 Apr: deal 9 (4,000, L9 in DACH); deal 100 has no lead, so no region
    assert pipeline["open_pipeline_eur"] == 4000
    assert row["pipeline_coverage_ratio"] == pytest.approx(4000 / 17800)


# ---- storing targets with a version

def test_a_version_stores_its_targets_and_says_what_they_change(seed_con):
    north = {"region": "DACH", "segment": None, "monthly_mql_target": 120, "monthly_revenue_target_eur": 40000.0}
    said = agreements.add_version(seed_con, date(2026, 4, 1), {"mql_score_threshold": 50, "monthly_mql_target": 62},
                                  HEADS, None, NOW, targets=[north])
    assert "monthly MQL target for region DACH not agreed → 120" in said
    assert "monthly revenue target for region DACH not agreed → €40,000" in said
    stored = seed_con.execute("select region, segment, monthly_mql_target, monthly_revenue_target_eur::double "
                              "from agreement_targets where effective_date = '2026-04-01'").fetchall()
    assert stored == [("DACH", None, 120, 40000.0)]


@pytest.mark.parametrize("target, says", [
    ({"region": None, "segment": None, "monthly_mql_target": 10}, "names a region, a segment or both"),
    ({"region": "DACH", "monthly_mql_target": None, "monthly_revenue_target_eur": None}, "agrees neither"),
    ({"region": "DACH", "monthly_mql_target": -5}, "For region DACH: The monthly MQL target is a whole number"),
])
def test_a_target_that_cannot_be_stored_is_refused_with_nothing_written(seed_con, target, says):
    target = {"segment": None, "monthly_revenue_target_eur": None} | target
    with pytest.raises(agreements.AgreementError, match=says):
        agreements.add_version(seed_con, date(2026, 4, 1), {}, HEADS, None, NOW, targets=[target])
    assert seed_con.execute("select count(*) from agreements where effective_date = '2026-04-01'").fetchone()[0] == 0


def test_two_targets_for_one_region_are_refused(seed_con):
    twice = [{"region": "DACH", "segment": None, "monthly_mql_target": 10, "monthly_revenue_target_eur": None}] * 2
    with pytest.raises(agreements.AgreementError, match="Two targets for region DACH"):
        agreements.add_version(seed_con, date(2026, 4, 1), {}, HEADS, None, NOW, targets=twice)


def test_the_summary_reads_each_target_out():
    target = {"region": "DACH", "segment": "SMB", "monthly_mql_target": 1, "monthly_revenue_target_eur": 2500.0}
    lines = agreements.summary(dict.fromkeys(agreements.TERMS), "EUR", [target])
    assert lines[-1] == "For segment SMB in region DACH: **1 MQL** and **€2,500 revenue** a month."


@pytest.mark.parametrize("values, says", [
    ({"region": "North"}, "No MQL target agreed for region North over this period."),
    ({"region": "North", "segment": "SMB"}, "No MQL target agreed for segment SMB in region North over this period."),
    ({"source": "paid_search"}, "No MQL target: targets are agreed for a region or segment, never for a source."),
    ({}, "No MQL target was agreed for all of this period."),
])
def test_a_missing_target_says_for_whom(values, says):
    assert says in agreements.no_target("mql_target", dict(dict.fromkeys(("segment", "region", "source")), **values))


# ---- the pages

def seed_with_targets(path, rows):
    con = warehouse.open_warehouse(path)
    try:
        agree(con, rows)
    finally:
        con.close()
    return path


def test_overview_compares_a_region_with_its_own_target(monkeypatch, seed_warehouse):
    from test_app import assert_clean, open_app, visible_text
    seed_with_targets(seed_warehouse, [("2026-01-01", "DACH", None, 31, 3100), ("2026-03-16", "DACH", None, 62, 6200)])
    at = open_app(monkeypatch, seed_warehouse, "pages/overview.py", period=["2026-03-01", "2026-03-31"], region="DACH")
    assert_clean(at)
    text = visible_text(at)
    # DACH MQLs in March: L1, L3, L4, L6, L7, L10 = 6, against 15 x 1 + 16 x 2 = 47
    assert f"Target 47 for region DACH · {6 / 47:.1%} of target." in text  # 12.8%
    # DACH revenue booked in March: L1's 10,000 + L6's 5,000 = 15,000 against 15 x 100 + 16 x 200 = 4,700
    assert f"Target €4.7K for region DACH · {15000 / 4700:.1%} of target." in text  # 319.1%
    assert "clear the filters to compare" not in text


def test_overview_says_when_no_target_was_agreed_for_the_region(monkeypatch, seed_warehouse):
    from test_app import assert_clean, open_app, visible_text
    seed_with_targets(seed_warehouse, [("2026-01-01", "DACH", None, 31, 3100)])
    at = open_app(monkeypatch, seed_warehouse, "pages/overview.py", period=["2026-03-01", "2026-03-31"],
                  region="Nordics")
    assert_clean(at)
    text = visible_text(at)
    assert "No MQL target agreed for region Nordics over this period." in text
    assert "No revenue target agreed for region Nordics over this period." in text


def test_campaigns_page_measures_a_regions_coverage_against_its_target(monkeypatch, seed_warehouse):
    from test_app import assert_clean, open_app, visible_text
    seed_with_targets(seed_warehouse, [("2026-03-16", "DACH", None, None, 6000)])
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2026-03-01", "2026-03-31"],
                  region="DACH")
    assert_clean(at)
    values = {m.label: m.value for m in at.metric}
    assert values["Pipeline coverage"] == f"{4000 / 17800:.1f}x"  # 0.2x: DACH's 4,000 open over 17,800
    assert "Target €17.8K for region DACH, 01 Apr to 29 Jun 2026" in visible_text(at)
