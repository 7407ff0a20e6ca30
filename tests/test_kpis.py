"""Each headline KPI on the seed rows of tests/seed.sql, worked out by hand."""

import inspect
from datetime import date, datetime

import pytest

from handshake import evidence, kpis, queries

NOW = datetime(2026, 4, 1, 0, 0)


def march(**filters):
    return kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), dict(filters, now=NOW))


def cohort(run_query, params):
    return run_query("kpi_mql_cohort", **params).iloc[0]


def test_mqls_delivered_counts_mql_time_in_period(run_query):
    row = cohort(run_query, march())
    # L1, L2, L3, L4, L5, L6, L7, L10 became MQLs in March; L8 never did, L9 in Feb, L11 in Dec
    assert row["mql_count"] == 8


def test_mql_target_follows_the_agreement_in_force_each_day(run_query):
    row = cohort(run_query, march())
    # 1-15 Mar under v1: 15 days x 31/31 = 15; 16-31 Mar under v2: 16 days x 62/31 = 32
    assert row["mql_target"] == 15 + 32


def test_sla_compliance_judges_each_mql_by_its_own_agreement(run_query):
    row = cohort(run_query, march())
    # within: L1 (4 h of 24), L3 (8 h of 24, clock from MQL), L6 (3 h of 4)
    assert row["within_sla_count"] == 3
    # breached: L2 (48 h of 24), L4 (never touched), L5 (48 h; its pre-creation touch ignored), L7 (6 h of 4)
    assert row["breached_sla_count"] == 4
    # L10: MQL at 22:00 on 31 Mar, 4 h SLA, judged at 00:00 on 1 Apr: still running
    assert row["sla_pending_count"] == 1
    assert row["sla_compliance_rate"] == pytest.approx(3 / (3 + 4))


def test_sla_untouched_lead_is_breached_once_its_clock_runs_out(run_query):
    later = dict(march(), now=datetime(2026, 4, 1, 3, 0))
    row = cohort(run_query, later)
    # at 03:00 L10's deadline (02:00) has passed: within 3, breached 4 + 1
    assert row["sla_pending_count"] == 0
    assert row["sla_compliance_rate"] == pytest.approx(3 / (3 + 5))


def test_acceptance_rate_leaves_undecided_mqls_out(run_query):
    row = cohort(run_query, march())
    # accepted L1, L3, L5, L6; rejected L2, L4 (L4 with no reason still counts); L7, L10 undecided
    assert (row["accepted_count"], row["rejected_count"]) == (4, 2)
    assert row["acceptance_rate"] == pytest.approx(4 / (4 + 2))


def test_mql_to_won_counts_open_leads_in_the_cohort(run_query):
    row = cohort(run_query, march())
    # won L1 and L6 of 8 MQLs; L3, L7, L10 are still open and stay in the denominator
    assert row["won_count"] == 2
    assert row["mql_to_won_rate"] == pytest.approx(2 / 8)


def test_revenue_split_by_who_sourced_it(run_query):
    row = run_query("kpi_revenue", **march()).iloc[0]
    # bookings dated in March: 10,000 (L1, marketing) + 5,000 (L6, sales) + 3,000 (deal 99, no lead);
    # L1's second booking on 5 Apr is outside
    assert row["revenue_eur"] == 10000 + 5000 + 3000
    assert row["marketing_sourced_revenue_eur"] == 10000
    assert row["sales_sourced_revenue_eur"] == 5000
    assert row["untraced_revenue_eur"] == 3000
    assert row["marketing_sourced_revenue_share"] == pytest.approx(10000 / 18000)
    # 15 days x 31,000/31 + 16 days x 62,000/31
    assert row["revenue_target_eur"] == 15 * 1000 + 16 * 2000


def test_open_pipeline_is_a_snapshot_at_period_end(run_query):
    row = run_query("kpi_open_pipeline", **march()).iloc[0]
    # open at 1 Apr: deal 9 (4,000) and deal 100 (7,000); deals 1, 5, 6 and 99 closed in March
    assert row["open_opportunity_count"] == 2
    assert row["open_pipeline_eur"] == 4000 + 7000


def test_open_pipeline_counts_deals_closed_after_the_period_as_open(run_query):
    row = run_query("kpi_open_pipeline", **kpis.query_params(date(2026, 3, 1), date(2026, 3, 15))).iloc[0]
    # at 16 Mar: deal 9 (4,000), deal 1 (10,000: closes 20 Mar), deal 100 (7,000); 99 closed on 15 Mar
    assert row["open_pipeline_eur"] == 4000 + 10000 + 7000


def test_filter_keeps_only_matching_leads_and_drops_targets(run_query):
    params = march(region="Nordics")
    row = cohort(run_query, params)
    # only L2 is in the Nordics: breached, rejected
    assert (row["mql_count"], row["breached_sla_count"], row["rejected_count"]) == (1, 1, 1)
    assert row["sla_compliance_rate"] == 0
    assert row["acceptance_rate"] == 0
    assert kpis.clean(row["mql_target"]) is None  # the target is the whole organisation's
    money = run_query("kpi_revenue", **params).iloc[0]
    # untraced revenue (deal 99) cannot belong to a region, so a filtered view has none
    assert money["revenue_eur"] == 0


def test_period_with_no_leads_gives_zero_counts_and_no_rates(run_query):
    params = kpis.query_params(date(2025, 6, 1), date(2025, 6, 30), {"now": NOW})
    values = kpis.headline(lambda calls: [run_query(name, **p) for name, p in calls], params)
    assert values["mql_count"] == 0
    assert values["sla_compliance_rate"] is None
    assert values["acceptance_rate"] is None
    assert values["mql_to_won_rate"] is None
    assert values["revenue_eur"] == 0
    assert values["marketing_sourced_revenue_share"] is None
    assert values["mql_target"] is None  # no agreement existed in June 2025


def test_period_with_no_agreement_has_no_sla_to_judge_by(run_query):
    row = cohort(run_query, kpis.query_params(date(2025, 12, 1), date(2025, 12, 31), {"now": NOW}))
    # L11 became an MQL on 15 Dec 2025, before the first agreement (1 Jan 2026)
    assert (row["mql_count"], row["no_sla_count"]) == (1, 1)
    assert kpis.clean(row["sla_compliance_rate"]) is None


def test_month_grain_gives_one_row_per_month(run_query):
    params = kpis.query_params(date(2026, 2, 1), date(2026, 3, 31), {"now": NOW}, grain="month")
    rows = run_query("kpi_mql_cohort", **params)
    assert rows["period_start"].dt.strftime("%Y-%m").tolist() == ["2026-02", "2026-03"]
    # February: L9 only; March: the eight above
    assert rows["mql_count"].tolist() == [1, 8]
    # February, all under v1: 28 days x 31/28 = 31
    assert rows["mql_target"].tolist() == [31, 47]


def test_headline_collects_every_kpi_and_target(run_query):
    values = kpis.headline(lambda calls: [run_query(name, **p) for name, p in calls], march())
    assert set(values) == {k.name for k in kpis.HEADLINE} | {k.target for k in kpis.HEADLINE if k.target}
    assert values["sla_compliance_rate"] == pytest.approx(3 / 7)
    assert values["open_pipeline_eur"] == 11000


def test_biggest_movers_rank_relative_change_and_say_it_in_words():
    current = {"mql_count": 110, "sla_compliance_rate": 0.5, "acceptance_rate": 0.6, "revenue_eur": 95_000,
               "mql_to_won_rate": 0.02}
    previous = {"mql_count": 100, "sla_compliance_rate": 0.4, "acceptance_rate": 0.6, "revenue_eur": 100_000,
                "mql_to_won_rate": 0.08}
    # SLA: 0.1 / 0.4 = 25%; MQLs: 10 / 100 = 10%; revenue: 5,000 / 100,000 = 5%; acceptance did not move;
    # MQL to won fell 75% but recent cohorts always trail older ones, so it is no mover
    assert kpis.biggest_movers(current, previous, count=3) == [
        "First touch within SLA rose 10.0 points, from 40.0% to 50.0%.",
        "MQLs delivered rose 10.0%, from 100 to 110.",
        "Revenue fell 5.0%, from €100K to €95K.",
    ]


def test_a_rate_rising_from_zero_is_the_biggest_mover():
    movers = kpis.biggest_movers({"acceptance_rate": 0.25, "mql_count": 20}, {"acceptance_rate": 0.0, "mql_count": 10})
    # 0% -> 25% has no relative size but outranks MQLs doubling (+100%)
    assert movers == ["Acceptance rate rose 25.0 points, from 0.0% to 25.0%.", "MQLs delivered rose 100.0%, from 10 to 20."]


@pytest.mark.parametrize("name", sorted(p.stem for p in queries.QUERY_DIR.glob("*.sql")))
def test_every_query_declares_its_grain_and_parameters(name):
    head = queries.sql(name).splitlines()[:3]
    assert head[0].startswith("-- one row"), f"{name}.sql should open with its grain"
    assert any(line.startswith("-- parameters:") for line in head), f"{name}.sql should list its parameters"


def test_every_kpi_has_a_glossary_entry_and_a_column():
    assert len(kpis.BY_NAME) == len(kpis.KPIS), "a KPI name is defined twice"
    for kpi in kpis.KPIS:
        assert kpi.unit in kpis.UNITS
        assert kpi.definition and kpi.formula and kpi.owner in {"marketing", "sales", "shared"}
        if kpi.computed_by:  # an estimate: its function reads the query's rows
            assert callable(getattr(evidence, kpi.computed_by)), kpi.name
            assert kpi.name in inspect.getsource(getattr(evidence, kpi.computed_by)), kpi.name
        else:
            assert f" as {kpi.name}," in queries.sql(kpi.query), f"{kpi.query}.sql does not compute {kpi.name}"
