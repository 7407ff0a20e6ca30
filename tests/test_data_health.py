"""Data health on tests/seed.sql, worked out by hand, and KPIs that say an input is missing instead of a number."""

from datetime import date, datetime

import pytest

from handshake import kpis, queries, warehouse
from test_app import assert_clean, open_app

NOW = datetime(2026, 4, 1, 0, 0)
MARCH = {"period": ["2026-03-01", "2026-03-31"]}


def march():
    return kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), {"now": NOW})


def health(run_query, params=None):
    return run_query("data_health", **(params or march())).iloc[0]


# ---- the checks, on the leads created in March: L1-L8 and L10 (L9 came in February, L11 in December)

def test_mqls_with_an_owner(run_query):
    row = health(run_query)
    # MQLs: L1-L7 and L10, all owned by rep 2; L8, the one lead without an owner, never qualified
    assert (row["with_owner_count"], row["mql_count"]) == (8, 8)
    assert row["mql_owner_rate"] == 8 / 8


def test_leads_with_a_source(run_query):
    assert health(run_query)["lead_source_rate"] == 9 / 9  # every seed lead records its source


def test_mqls_with_a_first_touch(run_query):
    row = health(run_query)
    # MQLs: L1-L7 and L10 (L8 never qualified); touched: L1, L2, L3, L5 (its real touch), L6, L7;
    # L4 and L10 were never touched
    assert (row["with_first_touch_count"], row["mql_count"]) == (6, 8)
    assert row["mql_first_touch_rate"] == pytest.approx(6 / 8)


def test_mqls_with_a_decision(run_query):
    row = health(run_query)
    # accepted L1, L3, L5, L6; rejected L2, L4; L7 and L10 undecided
    assert row["with_disposition_count"] == 4 + 2
    assert row["mql_disposition_rate"] == pytest.approx(6 / 8)


def test_won_leads_linked_to_revenue(run_query):
    row = health(run_query)
    # L1 (bookings 1 and 4 on deal 1) and L6 (booking 2 on deal 6), both won, both booked
    assert (row["won_with_revenue_count"], row["won_count"]) == (2, 2)
    assert row["won_revenue_link_rate"] == 2 / 2


def test_revenue_traced_to_a_lead(run_query):
    row = run_query("kpi_revenue", **march()).iloc[0]
    # March bookings: 10,000 (deal 1, L1) + 5,000 (deal 6, L6) traced; 3,000 (deal 99) has no lead
    assert row["traced_revenue_rate"] == pytest.approx((10000 + 5000) / (10000 + 5000 + 3000))


def test_mqls_handed_over_below_the_agreed_score(run_query, seed_con):
    # March's MQLs L1-L7 and L10 score 55 to 90, none below the threshold of 50 that v1 and v2 agree
    row = health(run_query)
    assert (row["below_threshold_count"], row["threshold_judged_count"], row["below_threshold_rate"]) == (0, 8, 0 / 8)
    # three more March MQLs: L12 scored 45 (below), L13 exactly 50 (not below), L14 without a score (not judged)
    seed_con.execute("""
        insert into leads (lead_id, created_at, source, sourced_by, lead_score, mql_at, owner_rep_id, status) values
            (12, '2026-03-17 09:00', 'webinar', 'marketing', 45, '2026-03-17 10:00', 2, 'mql'),
            (13, '2026-03-18 09:00', 'webinar', 'marketing', 50, '2026-03-18 10:00', 2, 'mql'),
            (14, '2026-03-19 09:00', 'webinar', 'marketing', null, '2026-03-19 10:00', 2, 'mql')
    """)
    row = health(run_query)
    assert (row["below_threshold_count"], row["threshold_judged_count"]) == (1, 8 + 2)
    assert row["below_threshold_rate"] == pytest.approx(1 / 10)  # L12 of L1-L7, L10, L12 and L13


def test_mqls_from_before_any_agreement_are_not_judged_against_a_threshold(run_query):
    # December 2025: L11 became an MQL (score 60) before the first agreement took effect on 1 Jan 2026
    row = health(run_query, kpis.query_params(date(2025, 12, 1), date(2025, 12, 31)))
    assert (row["mql_count"], row["threshold_judged_count"]) == (1, 0)
    assert kpis.clean(row["below_threshold_rate"]) is None  # not measured, rather than 0%


def test_gaps_an_export_leaves_lower_the_shares(run_query, seed_con):
    # L12: a March MQL marked won in the CRM with no source, no owner and no deal behind it, so no revenue
    seed_con.execute("""
        insert into leads (lead_id, created_at, source, sourced_by, mql_at, accepted_at, status)
        values (12, '2026-03-15 09:00', '', 'marketing', '2026-03-15 10:00', '2026-03-16 09:00', 'won')
    """)
    row = health(run_query)
    assert row["lead_source_rate"] == pytest.approx(9 / 10)  # an empty source is no source
    assert row["mql_owner_rate"] == pytest.approx(8 / 9)  # L1-L7 and L10 of 9 MQLs with L12
    assert row["mql_first_touch_rate"] == pytest.approx(6 / 9)  # L12 is an MQL nobody touched
    assert row["mql_disposition_rate"] == pytest.approx(7 / 9)  # L12 was accepted
    assert row["won_revenue_link_rate"] == pytest.approx(2 / 3)  # L1, L6 of L1, L6, L12


def test_a_period_without_leads_has_counts_of_zero_and_no_shares(run_query):
    row = health(run_query, kpis.query_params(date(2025, 6, 1), date(2025, 6, 30)))
    assert row["lead_count"] == 0
    for name in ("lead_source_rate", "mql_owner_rate", "mql_first_touch_rate", "mql_disposition_rate",
                 "won_revenue_link_rate", "below_threshold_rate"):
        assert kpis.clean(row[name]) is None, name


def test_each_check_is_in_the_glossary_as_a_rate():
    assert [k.name for k in kpis.DATA_HEALTH] == [
        "lead_source_rate", "mql_owner_rate", "mql_first_touch_rate", "mql_disposition_rate",
        "won_revenue_link_rate", "below_threshold_rate", "traced_revenue_rate",
    ]
    assert all(k.unit == "rate" and k in kpis.KPIS for k in kpis.DATA_HEALTH)


# ---- which inputs the warehouse holds, and what a KPI says without them

def test_the_seed_holds_every_input(run_query):
    counts = run_query("data_inputs").iloc[0].to_dict()
    # 8 touches, 2 agreement versions, 6 deals, 4 bookings, 4 costed campaigns, and 7 leads decided (L1-L6, L9: a
    # time accepted or rejected)
    assert {k: counts[k] for k in ("follow_up_count", "agreement_count", "opportunity_count", "revenue_count",
                                   "costed_campaign_count", "decided_lead_seen")} == {
        "follow_up_count": 8, "agreement_count": 2, "opportunity_count": 6, "revenue_count": 4,
        "costed_campaign_count": 4, "decided_lead_seen": 7,
    }
    assert kpis.present_inputs(counts) == set(kpis.INPUTS)


def test_an_empty_warehouse_holds_no_input(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        assert kpis.present_inputs(queries.run(con, "data_inputs").iloc[0].to_dict()) == set()
    finally:
        con.close()


@pytest.mark.parametrize(("name", "present", "missing"), [
    ("sla_compliance_rate", set(kpis.INPUTS), []),
    ("sla_compliance_rate", {"agreement"}, ["follow_ups"]),
    ("sla_compliance_rate", set(), ["follow_ups", "agreement"]),
    ("mql_count", set(), []),  # needs nothing but leads
    ("return_on_spend", {"revenue"}, ["campaign_costs"]),
])
def test_missing_inputs_lists_what_a_kpi_needs_and_the_warehouse_lacks(name, present, missing):
    assert kpis.missing_inputs(kpis.BY_NAME[name], present) == missing


def test_missing_note_says_what_is_missing_and_how_to_fix_it():
    sla = kpis.BY_NAME["sla_compliance_rate"]
    assert kpis.missing_note(sla, ["follow_ups"]) == (
        "No follow-ups imported: First touch within SLA cannot be measured. "
        "Import a follow-ups file on the Import data page.")
    both = kpis.missing_note(sla, ["follow_ups", "agreement"])
    assert both.startswith("No follow-ups imported and no joint agreement recorded: First touch within SLA")


def test_every_need_is_a_known_input():
    for kpi in kpis.KPIS:
        assert set(kpi.needs) <= set(kpis.INPUTS), kpi.name


# ---- the dashboard

@pytest.fixture
def untouched_warehouse(seed_warehouse):
    """The seed with its follow-ups deleted: leads, deals and revenue, but no record of any sales touch."""
    con = warehouse.open_warehouse(seed_warehouse)
    con.execute("delete from follow_ups")
    warehouse.refresh_lead_facts(con)
    con.close()
    return seed_warehouse


@pytest.fixture
def leads_only_warehouse(seed_warehouse):
    """The seed's leads and reps alone, as after importing a first CRM export of leads."""
    con = warehouse.open_warehouse(seed_warehouse)
    for table in ("follow_ups", "revenue", "opportunities", "agreements", "campaigns", "campaign_feedback"):
        con.execute(f"delete from {table}")
    warehouse.refresh_lead_facts(con)
    con.close()
    return seed_warehouse


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_overview_says_follow_ups_are_missing_instead_of_showing_zero(monkeypatch, untouched_warehouse):
    at = open_app(monkeypatch, untouched_warehouse, **MARCH)
    assert_clean(at)
    shown = metrics(at)
    assert shown["First touch within SLA"] == "–"  # not 0.0%: every MQL would count as breached
    assert shown["MQLs delivered"] == "8"  # L1-L7 and L10 need nothing but leads
    assert shown["Revenue"] == "€18K"  # 10,000 + 5,000 + 3,000 booked in March
    captions = [c.value for c in at.caption]
    assert ("No follow-ups imported: First touch within SLA cannot be measured. "
            "Import a follow-ups file on the Import data page.") in captions


def test_overview_of_leads_alone_measures_only_what_leads_can_tell(monkeypatch, leads_only_warehouse):
    at = open_app(monkeypatch, leads_only_warehouse, **MARCH)
    assert_clean(at)
    shown = metrics(at)
    assert shown["MQLs delivered"] == "8"
    assert shown["Acceptance rate"] == "66.7%"  # 4 accepted of 4 + 2 decided: decisions live on the leads
    # won lives on the leads too: L1 and L6 say won themselves, 2 of the 8 MQLs (one definition of won)
    assert shown["MQL to won"] == "25.0%"
    for label in ("First touch within SLA", "Open pipeline", "Revenue", "Marketing-sourced"):
        assert shown[label] == "–", label
    text = "\n".join(c.value for c in at.caption)
    assert "No opportunities imported: Open pipeline cannot be measured." in text
    assert "No revenue imported: Revenue cannot be measured." in text


def test_weekly_meeting_cards_and_pack_say_follow_ups_are_missing(monkeypatch, untouched_warehouse):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(untouched_warehouse))
    at = open_app(monkeypatch, untouched_warehouse, "pages/weekly_meeting.py")
    at.selectbox(key="week").set_value("2026-W10").run()
    assert_clean(at)
    shown = metrics(at)
    # the meeting's cards carry short labels (meeting.SHORT_LABELS), whole on a projector
    assert shown["Within SLA"] == "–"
    assert shown["Time to touch"] == "–"
    assert shown["Attempts"] == "–"
    assert shown["MQLs"] == "3"  # L1, L2, L3 became MQLs 2-8 Mar
    assert any(c.value.startswith("No follow-ups imported: Median time to first touch cannot be measured.")
               for c in at.caption)
    table = at.session_state["meeting_pack"].scorecard.set_index("KPI")
    assert table.at["Within SLA", "This week"] == "not measured"  # the pack says why there is no number


def test_warehouse_page_lists_each_check(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, **MARCH)
    at.switch_page("pages/warehouse.py").run()
    assert_clean(at)
    table = at.table[0].value
    rows = dict(zip(table["Check"], table["Count"]))
    assert rows["Leads with a source"] == "9 of 9 leads"  # L1-L8 and L10 were created in March
    assert rows["MQLs with a first touch"] == "6 of 8 MQLs among the leads created in the period"
    assert rows["Revenue traced to a lead"] == "€15K of €18K booked"
    assert rows["MQLs below the agreed score"] == "0 of 8 scored MQLs under an agreed threshold"
    shares = dict(zip(table["Check"], table["Share"]))
    assert shares["MQLs with an owner"] == "100.0%"
    assert shares["MQLs with a decision"] == ":orange[**75.0%**]"  # 6 / 8, below 90%: flagged
    assert shares["MQLs below the agreed score"] == "0.0%"  # 0 / 8: lower is better, not flagged
    assert "Below 90.0%: MQLs with a first touch, MQLs with a decision, Revenue traced to a lead." in (
        "\n".join(c.value for c in at.caption))  # 6 / 8, 6 / 8 and 15,000 / 18,000


def test_warehouse_page_flags_a_high_share_below_the_agreed_score(monkeypatch, seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    # L12 and L13: March MQLs scored 40 and 45, under the threshold of 50 that v2 agrees
    con.execute("""
        insert into leads (lead_id, created_at, source, sourced_by, lead_score, mql_at, owner_rep_id, status) values
            (12, '2026-03-17 09:00', 'webinar', 'marketing', 40, '2026-03-17 10:00', 2, 'mql'),
            (13, '2026-03-18 09:00', 'webinar', 'marketing', 45, '2026-03-18 10:00', 2, 'mql')
    """)
    warehouse.refresh_lead_facts(con)
    con.close()
    at = open_app(monkeypatch, seed_warehouse, **MARCH)
    at.switch_page("pages/warehouse.py").run()
    assert_clean(at)
    table = at.table[0].value
    assert dict(zip(table["Check"], table["Share"]))["MQLs below the agreed score"] == ":orange[**20.0%**]"  # 2 / 10
    assert "Above 10.0%: MQLs below the agreed score." in "\n".join(c.value for c in at.caption)


def test_warehouse_page_without_leads_in_the_period_says_so(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2025-06-01", "2025-06-30"])
    at.switch_page("pages/warehouse.py").run()
    assert_clean(at)
    assert not at.table
    assert any("No lead was created from 01 Jun 2025 to 30 Jun 2025" in i.value for i in at.info)
