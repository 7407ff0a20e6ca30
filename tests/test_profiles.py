"""The four demo profiles order as the HBR stages say they should, on the same KPIs the pages show."""

from datetime import date

import pytest

from handshake import kpis, queries, warehouse
from conftest import DEMO_AS_OF

# the whole demo: its two years up to its as-of time
WHOLE_DEMO = kpis.query_params(date(2024, 1, 1), DEMO_AS_OF.date(), {"now": DEMO_AS_OF})


@pytest.fixture(scope="module")
def measured(demo_warehouses):
    """For each profile, the row of each query the comparisons read."""
    rows = {}
    for profile, path in demo_warehouses.items():
        con = warehouse.open_warehouse(path)
        try:
            rows[profile] = {
                name: queries.run(con, name, WHOLE_DEMO).iloc[0]
                for name in ("kpi_mql_cohort", "follow_up_summary", "rejection_summary")
            }
        finally:
            con.close()
    return rows


def value(measured, profile, query, column):
    return kpis.clean(measured[profile][query][column])


def test_integrated_follows_up_within_the_sla_more_than_undefined(measured):
    # undefined agreed no SLA, so its first touches are judged by HubSpot's 24-hour reference instead
    assert value(measured, "undefined", "kpi_mql_cohort", "sla_compliance_rate") is None
    integrated = value(measured, "integrated", "kpi_mql_cohort", "sla_compliance_rate")
    undefined = value(measured, "undefined", "follow_up_summary", "touched_within_24h_rate")
    assert integrated > undefined
    # and like for like, on the 24-hour reference both are judged by
    assert (value(measured, "integrated", "follow_up_summary", "touched_within_24h_rate")
            > value(measured, "undefined", "follow_up_summary", "touched_within_24h_rate"))


def test_integrated_accepts_more_of_its_mqls_than_undefined(measured):
    assert (value(measured, "integrated", "kpi_mql_cohort", "acceptance_rate")
            > value(measured, "undefined", "kpi_mql_cohort", "acceptance_rate"))


def test_integrated_gives_reasons_for_rejections_more_than_undefined(measured):
    integrated = value(measured, "integrated", "rejection_summary", "rejection_reason_rate")
    undefined = value(measured, "undefined", "rejection_summary", "rejection_reason_rate")
    assert integrated > 0.9 > 0.5 > undefined  # the profiles record reasons 99% and 30% of the time


@pytest.mark.parametrize("query,column", [
    ("kpi_mql_cohort", "acceptance_rate"),
    ("follow_up_summary", "touched_within_24h_rate"),
    ("follow_up_summary", "follow_up_rate"),
    ("rejection_summary", "rejection_reason_rate"),
])
def test_every_stage_does_better_than_the_one_before(measured, query, column):
    values = [value(measured, p, query, column) for p in ("undefined", "defined", "aligned", "integrated")]
    assert values == sorted(values), f"{column} by stage: {values}"


def test_disciplined_stages_give_up_early_less_often(measured):
    # 'unable to reach' rejections made before the agreed minimum of attempts (undefined agreed none);
    # aligned and integrated reach almost every lead, so their few such rejections are not ranked
    rates = {p: value(measured, p, "follow_up_summary", "early_give_up_rate") for p in ("defined", "aligned", "integrated")}
    assert rates["defined"] > 2 * max(rates["aligned"], rates["integrated"]), rates
