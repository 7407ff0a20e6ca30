"""Campaign cost and returns, pipeline coverage and lead velocity on tests/seed.sql, worked out by hand.

The campaigns in March 2026: 10 "Search Q1" (1 Jan-31 Mar, 90 days, 3,000: 31 days in March), 20 "Webinar
March" (1,500), 30 "Social spring" (1 Mar-31 May, 92 days, 800: 31 days in March), 40 "Guide" (400).
Their leads: 10 brought L1, L7, L10 (MQLs in March) and L9 (MQL in February); 20 brought L2, 30 brought L4
(MQLs in March); 40 brought L8, an inquiry that never qualified. Only L1 has a deal from March (won,
10,000 booked 20 Mar, 2,000 more on 5 Apr); L9's deal (4,000, opened 25 Feb) is still open."""

from datetime import date, datetime

import pytest

from handshake import campaigns as campaign_text, kpis, queries

from test_app import assert_clean, open_app, visible_text

NOW = datetime(2026, 4, 1, 0, 0)
COST_10 = 3000 * 31 / 90  # 1,033.33: 31 of its 90 days fall in March
COST_30 = 800 * 31 / 92  # 269.57: 31 of its 92 days fall in March
MARCH_COST = COST_10 + 1500 + COST_30 + 400  # 3,202.90


def period(start, end, now=NOW, **filters):
    return kpis.query_params(start, end, dict(filters, now=now))


def march(now=NOW, **filters):
    return period(date(2026, 3, 1), date(2026, 3, 31), now, **filters)


def performance(run_query, params, dimension="total"):
    rows = run_query("campaign_performance", **dict(params, dimension=dimension))
    if dimension == "total":
        return rows.iloc[0]
    key = "campaign_id" if dimension == "campaign" else "channel"
    return rows.set_index(key)


def coverage(run_query, params):
    pipeline = run_query("kpi_open_pipeline", **params).iloc[0]
    params = dict(params, open_pipeline_eur=float(pipeline["open_pipeline_eur"]))
    return run_query("pipeline_coverage", **params).iloc[0]


# ---- campaign cost, MQLs, pipeline, revenue

def test_campaign_cost_counts_the_days_of_each_run_inside_the_period(run_query):
    rows = performance(run_query, march(), "campaign")
    assert rows.loc[10, "campaign_cost_eur"] == pytest.approx(COST_10, abs=0.01)  # 3,000 x 31/90
    assert rows.loc[20, "campaign_cost_eur"] == 1500  # its whole run is March
    assert rows.loc[30, "campaign_cost_eur"] == pytest.approx(COST_30, abs=0.01)  # 800 x 31/92
    total = performance(run_query, march())
    assert total["campaign_count"] == 4
    assert total["campaign_cost_eur"] == pytest.approx(MARCH_COST, abs=0.01)  # 1,033.33 + 1,500 + 269.57 + 400


def test_campaign_cost_of_a_part_of_a_run(run_query):
    rows = performance(run_query, period(date(2026, 1, 1), date(2026, 1, 31)), "campaign")
    # January: only Search Q1 runs, 31 of its 90 days
    assert rows.index.tolist() == [10]
    assert rows.loc[10, "campaign_cost_eur"] == pytest.approx(3000 * 31 / 90, abs=0.01)


def test_campaign_without_end_date_spreads_its_cost_until_now(seed_con, run_query):
    seed_con.execute("insert into campaigns values (50, 'Always on', 'partner', '2026-03-11', null, 1000, null, null)")
    rows = performance(run_query, period(date(2026, 3, 1), date(2026, 3, 20)), "campaign")
    # run 11 Mar until now (1 Apr): 21 days so far, 10 of them (11-20 Mar) in the period
    assert rows.loc[50, "campaign_cost_eur"] == pytest.approx(1000 * 10 / 21, abs=0.01)
    assert rows.loc[50, "has_ended"] == False  # noqa: E712 (a pandas boolean)


def test_cost_per_mql_counts_campaign_leads_that_qualified_in_the_period(run_query):
    rows = performance(run_query, march(), "campaign")
    # Search Q1: L1, L7, L10 qualified in March (L9 in February)
    assert rows.loc[10, "campaign_mql_count"] == 3
    assert rows.loc[10, "cost_per_mql_eur"] == pytest.approx(COST_10 / 3)
    total = performance(run_query, march())
    # 3 (Search Q1) + L2 (Webinar) + L4 (Social) = 5; L3, L5, L6 have no campaign
    assert total["campaign_mql_count"] == 5
    assert total["cost_per_mql_eur"] == pytest.approx(MARCH_COST / 5)


def test_campaign_with_no_mqls_has_cost_but_no_cost_per_mql(run_query):
    row = performance(run_query, march(), "campaign").loc[40]
    # Guide brought L8, an inquiry that never qualified
    assert (row["lead_count"], row["campaign_mql_count"]) == (1, 0)
    assert row["campaign_cost_eur"] == 400
    assert kpis.clean(row["cost_per_mql_eur"]) is None


def test_pipeline_sourced_is_opportunities_opened_on_campaign_leads(run_query):
    rows = performance(run_query, march(), "campaign")
    # deal 1 (L1, opened 6 Mar, 10,000); deal 9 (L9) opened in February; deal 5 (L5) has no campaign
    assert (rows.loc[10, "opportunity_count"], rows.loc[10, "pipeline_sourced_eur"]) == (1, 10000)
    assert performance(run_query, march())["pipeline_sourced_eur"] == 10000


def test_revenue_sourced_traces_bookings_to_campaign_leads(run_query):
    total = performance(run_query, march())
    # 10,000 booked 20 Mar on L1's deal; L6's 5,000 has no campaign, deal 99's 3,000 no lead, L1's 2,000 is April's
    assert total["revenue_sourced_eur"] == 10000


def test_return_on_spend_and_acquisition_cost(run_query):
    rows = performance(run_query, march(), "campaign")
    assert rows.loc[10, "return_on_spend"] == pytest.approx(10000 / COST_10)  # 9.7x
    assert rows.loc[10, "customer_acquisition_cost_eur"] == pytest.approx(COST_10 / 1)  # L1 won on 20 Mar
    assert rows.loc[20, "return_on_spend"] == 0  # 1,500 spent, nothing booked yet
    total = performance(run_query, march())
    assert total["return_on_spend"] == pytest.approx(10000 / MARCH_COST)  # 3.1x
    assert total["customer_acquisition_cost_eur"] == pytest.approx(MARCH_COST / 1)


def test_leads_still_open_at_period_end_are_not_customers(run_query):
    row = performance(run_query, march(), "campaign").loc[10]
    # L7 and L10 are open MQLs and L9's deal is open: they count as MQLs, not customers
    assert (row["campaign_mql_count"], row["customer_count"]) == (3, 1)


def test_revenue_after_a_campaign_ended_still_counts_for_it(run_query):
    rows = performance(run_query, period(date(2026, 4, 1), date(2026, 4, 30)), "campaign")
    # April: Search Q1 has ended (no cost) but L1's second booking of 2,000 lands on 5 Apr
    row = rows.loc[10]
    assert (row["campaign_cost_eur"], row["revenue_sourced_eur"], row["customer_count"]) == (0, 2000, 0)
    assert kpis.clean(row["return_on_spend"]) is None
    # Social spring runs on: 30 of its 92 days, and nothing booked
    assert rows.loc[30, "campaign_cost_eur"] == pytest.approx(800 * 30 / 92, abs=0.01)
    total = performance(run_query, period(date(2026, 4, 1), date(2026, 4, 30)))
    assert total["campaign_count"] == 1  # only Social spring ran in April
    assert total["return_on_spend"] == pytest.approx(2000 / (800 * 30 / 92), rel=1e-4)
    assert kpis.clean(total["customer_acquisition_cost_eur"]) is None  # no customer won in April


def test_channel_groups_its_campaigns(seed_con, run_query):
    seed_con.execute(
        "insert into campaigns values (60, 'Search March', 'paid_search', '2026-03-01', '2026-03-31', 600, null, null)"
    )
    seed_con.execute(
        "insert into leads (lead_id, created_at, source, sourced_by, campaign_id, segment, region, lead_score, "
        "mql_at, status) values (12, '2026-03-05 09:00', 'paid_search', 'marketing', 60, 'SMB', 'DACH', 70, "
        "'2026-03-05 10:00', 'mql')"
    )
    row = performance(run_query, march(), "channel").loc["paid_search"]
    # Search Q1 (1,033.33, 3 MQLs) and Search March (600, L12)
    assert row["campaign_count"] == 2
    assert row["campaign_cost_eur"] == pytest.approx(COST_10 + 600, abs=0.01)
    assert row["campaign_mql_count"] == 4
    assert row["cost_per_mql_eur"] == pytest.approx((COST_10 + 600) / 4)
    assert row["kickoff_recorded_count"] == 1  # Search March's kick-off is not recorded


def test_a_filter_shares_each_campaigns_cost_by_its_kept_leads(run_query):
    row = performance(run_query, march(region="DACH"))
    # every lead of Search Q1 (L1, L7, L9, L10), Social (L4) and Guide (L8) is in DACH, Webinar's L2 is not:
    # 1,033.33 x 4/4 + 1,500 x 0/1 + 269.57 x 1/1 + 400 x 1/1
    assert row["campaign_cost_eur"] == pytest.approx(COST_10 + COST_30 + 400, abs=0.01)  # 1,702.90
    assert row["whole_campaign_cost_eur"] == pytest.approx(MARCH_COST, abs=0.01)
    assert (row["campaign_kept_lead_count"], row["campaign_all_lead_count"]) == (6, 7)  # L2 of the 7 is out
    # DACH MQLs: L1, L7, L10 (Search Q1) and L4 (Social); L2 (Nordics) is out
    assert row["campaign_mql_count"] == 4
    assert row["revenue_sourced_eur"] == 10000
    assert row["cost_per_mql_eur"] == pytest.approx((COST_10 + COST_30 + 400) / 4)  # 425.72
    assert row["return_on_spend"] == pytest.approx(10000 / (COST_10 + COST_30 + 400))  # 5.9x
    assert row["customer_acquisition_cost_eur"] == pytest.approx(COST_10 + COST_30 + 400)  # 1 customer, L1


def add_north_push(con):
    """Campaign 70, all of March for 1,000, with 40 leads: 100-109 in North (100 and 101 MQLs, 100 won 500 in
    March), 110-139 in DACH."""
    con.execute("insert into campaigns values (70, 'North push', 'events', '2026-03-01', '2026-03-31', 1000, "
                "null, null)")
    con.execute("""
        insert into leads (lead_id, created_at, source, sourced_by, campaign_id, segment, region, lead_score,
            mql_at, status)
        select i, timestamp '2026-03-02 09:00', 'events', 'marketing', 70, 'SMB',
            case when i < 110 then 'North' else 'DACH' end, 70,
            case when i in (100, 101) then timestamp '2026-03-03 09:00' end,
            case when i = 100 then 'won' when i = 101 then 'mql' else 'inquiry' end
        from range(100, 140) t(i)""")
    con.execute("insert into opportunities values (700, 100, 2, '2026-03-10', 'won', 500, '2026-03-20', true)")
    con.execute("insert into revenue values (700, 700, '2026-03-20', 500)")


def test_a_campaigns_cost_in_a_region_is_its_share_of_the_campaigns_leads(seed_con, run_query):
    add_north_push(seed_con)
    row = performance(run_query, march(region="North"), "campaign").loc[70]
    assert row["campaign_cost_eur"] == 250  # 1,000 x 10/40: 10 of its 40 leads are in North
    assert row["whole_campaign_cost_eur"] == 1000
    assert row["cost_per_mql_eur"] == 125  # 250 / 2 MQLs (leads 100 and 101)
    assert row["return_on_spend"] == 2  # 500 booked / 250
    assert row["customer_acquisition_cost_eur"] == 250  # 250 / 1 customer (lead 100)
    total = performance(run_query, march(region="North"))
    # no other campaign has a lead in North, so they add nothing
    assert (total["campaign_cost_eur"], total["cost_per_mql_eur"]) == (250, 125)
    dach = performance(run_query, march(region="DACH"), "campaign").loc[70]
    assert dach["campaign_cost_eur"] == 750  # 1,000 x 30/40
    assert performance(run_query, march(), "campaign").loc[70, "campaign_cost_eur"] == 1000  # no filter: whole


def test_a_campaign_with_no_leads_puts_no_cost_in_a_filtered_view(seed_con, run_query):
    seed_con.execute("insert into campaigns values (80, 'Billboard', 'events', '2026-03-01', '2026-03-31', 900, "
                     "null, null)")
    assert performance(run_query, march(), "campaign").loc[80, "campaign_cost_eur"] == 900
    # none of its 0 leads is in DACH: 0 of its cost there, so the DACH total is as before (1,702.90)
    assert performance(run_query, march(region="DACH"))["campaign_cost_eur"] == \
        pytest.approx(COST_10 + COST_30 + 400, abs=0.01)


def test_a_campaign_with_no_cost_recorded_makes_the_cost_unknown(seed_con, run_query):
    seed_con.execute("update campaigns set cost_eur = null where campaign_id = 40")
    total = performance(run_query, march())
    assert total["uncosted_campaign_count"] == 1
    for name in ("campaign_cost_eur", "cost_per_mql_eur", "return_on_spend", "customer_acquisition_cost_eur"):
        assert kpis.clean(total[name]) is None, name
    assert performance(run_query, march(), "campaign").loc[10, "campaign_cost_eur"] == pytest.approx(COST_10, abs=0.01)


def test_period_with_no_campaigns_gives_one_empty_total(run_query):
    params = period(date(2025, 6, 1), date(2025, 6, 30))
    total = performance(run_query, params)
    assert (total["campaign_count"], total["campaign_cost_eur"], total["campaign_mql_count"]) == (0, 0, 0)
    for name in ("cost_per_mql_eur", "return_on_spend", "customer_acquisition_cost_eur", "sales_kickoff_rate",
                 "sales_postmortem_rate", "sales_campaign_rating"):
        assert kpis.clean(total[name]) is None, name
    assert run_query("campaign_performance", **dict(params, dimension="campaign")).empty


# ---- how sales took part

def test_sales_kickoff_rate_leaves_unrecorded_kickoffs_out(run_query):
    row = performance(run_query, march())
    # Search Q1 yes, Webinar yes, Social no, Guide not recorded
    assert (row["kickoff_attended_count"], row["kickoff_recorded_count"]) == (2, 3)
    assert row["sales_kickoff_rate"] == pytest.approx(2 / 3)


def test_sales_postmortem_rate_waits_for_campaigns_to_end(run_query):
    row = performance(run_query, march())
    # ended by 31 Mar: Search Q1 (yes), Webinar (no), Guide (not recorded); Social runs to 31 May
    counts = row[["postmortem_due_count", "postmortem_recorded_count", "postmortem_attended_count"]].tolist()
    assert counts == [3, 2, 1]
    assert row["sales_postmortem_rate"] == pytest.approx(1 / 2)


def test_no_postmortem_is_due_before_a_campaign_ends(run_query):
    row = performance(run_query, march(now=datetime(2026, 3, 20, 12)))
    # on 20 Mar every campaign is still running
    assert row["postmortem_due_count"] == 0
    assert kpis.clean(row["sales_postmortem_rate"]) is None


def test_sales_campaign_rating_weighs_each_rating_the_same(run_query):
    rows = performance(run_query, march(), "campaign")
    assert (rows.loc[10, "sales_campaign_rating"], rows.loc[10, "rating_count"]) == (3.0, 2)  # (4 + 2) / 2
    assert (rows.loc[20, "sales_campaign_rating"], rows.loc[20, "rating_count"]) == (5.0, 1)
    assert kpis.clean(rows.loc[30, "sales_campaign_rating"]) is None  # not rated
    total = performance(run_query, march())
    assert total["rating_count"] == 3
    assert total["sales_campaign_rating"] == pytest.approx((4 + 2 + 5) / 3)


# ---- pipeline coverage

def test_pipeline_coverage_against_the_next_90_days_target(run_query):
    row = coverage(run_query, march())
    # v2 (62,000 a month) in force on 31 Mar; 1 Apr-29 Jun: April 62,000 + May 62,000 + 29 days x 62,000/30
    target = 62000 + 62000 + 29 * 62000 / 30
    assert row["next_90_days_revenue_target_eur"] == pytest.approx(target, abs=0.01)
    # open at 1 Apr: deal 9 (4,000) and deal 100 (7,000)
    assert row["pipeline_coverage_ratio"] == pytest.approx(11000 / target)


def test_pipeline_coverage_takes_the_agreement_in_force_at_period_end(run_query):
    row = coverage(run_query, period(date(2026, 3, 1), date(2026, 3, 15)))
    # v1 (31,000 a month) holds on 15 Mar, though v2 starts the next day: 16-31 Mar 16 x 1,000,
    # April 31,000, May 31,000, 1-13 Jun 13 x 31,000/30 (16 + 30 + 31 + 13 = 90 days)
    target = 16 * 1000 + 31000 + 31000 + 13 * 31000 / 30
    assert row["agreement_effective_date"].date() == date(2026, 1, 1)
    assert row["next_90_days_revenue_target_eur"] == pytest.approx(target, abs=0.01)
    # open at 16 Mar: deal 9 (4,000), deal 1 (10,000), deal 100 (7,000)
    assert row["pipeline_coverage_ratio"] == pytest.approx(21000 / target)


def test_pipeline_coverage_with_no_agreement_in_force(run_query):
    row = coverage(run_query, period(date(2025, 12, 1), date(2025, 12, 31)))
    # the first agreement took effect on 1 Jan 2026
    assert kpis.clean(row["agreement_effective_date"]) is None
    assert kpis.clean(row["next_90_days_revenue_target_eur"]) is None
    assert kpis.clean(row["pipeline_coverage_ratio"]) is None


def test_pipeline_coverage_with_no_revenue_target_agreed(seed_con, run_query):
    seed_con.execute("update agreements set monthly_revenue_target_eur = null")
    row = coverage(run_query, march())
    assert row["agreement_effective_date"].date() == date(2026, 3, 16)
    assert kpis.clean(row["pipeline_coverage_ratio"]) is None


def test_pipeline_coverage_is_empty_for_a_region_with_no_target_agreed(run_query):
    row = coverage(run_query, march(region="DACH"))
    # the seed agrees targets for the whole organisation only (tests/test_targets.py adds a region's)
    assert row["agreement_effective_date"].date() == date(2026, 3, 16)
    assert kpis.clean(row["next_90_days_revenue_target_eur"]) is None
    assert kpis.clean(row["pipeline_coverage_ratio"]) is None


# ---- lead velocity

def test_lead_velocity_rate_compares_whole_months(run_query):
    rows = run_query("lead_velocity", **period(date(2026, 2, 1), date(2026, 3, 31))).set_index("month_start_date")
    # February: L9 against none in January: no rate; March: 8 against 1
    assert rows["month_mql_count"].tolist() == [1, 8]
    assert rows["previous_month_mql_count"].tolist() == [0, 1]
    assert kpis.clean(rows["lead_velocity_rate"].iloc[0]) is None
    assert rows["lead_velocity_rate"].iloc[1] == pytest.approx((8 - 1) / 1)


def test_lead_velocity_month_counts_are_the_mqls_delivered(run_query):
    params = period(date(2026, 1, 1), date(2026, 3, 31))
    velocity = run_query("lead_velocity", **params)
    cohort = run_query("kpi_mql_cohort", **dict(params, grain="month"))
    assert velocity["month_mql_count"].tolist() == cohort["mql_count"].tolist() == [0, 1, 8]


def test_lead_velocity_counts_whole_months_where_the_period_cuts_one(run_query):
    rows = run_query("lead_velocity", **period(date(2026, 3, 10), date(2026, 3, 20)))
    # all eight March MQLs, not only those of 10-20 March
    assert rows["month_mql_count"].tolist() == [8]


def test_lead_velocity_marks_a_change_of_the_mql_threshold(run_query):
    rows = run_query("lead_velocity", **period(date(2025, 12, 1), date(2026, 2, 28)))
    # December had no agreement, January v1 (threshold 50): January compares two definitions
    assert rows["is_mql_threshold_changed"].tolist() == [False, True, False]
    # January: 0 MQLs against L11 in December, marked but still shown
    assert rows["lead_velocity_rate"].iloc[1] == pytest.approx((0 - 1) / 1)


def test_lead_velocity_marks_a_threshold_raised_mid_month(seed_con, run_query):
    seed_con.execute("update agreements set mql_score_threshold = 60 where effective_date = '2026-03-16'")
    rows = run_query("lead_velocity", **period(date(2026, 2, 1), date(2026, 4, 30)))
    # 50 until 15 Mar, 60 from 16 Mar: March and April (compared with a mixed March) are marked
    assert rows["is_mql_threshold_changed"].tolist() == [False, True, True]
    assert rows["mql_score_threshold"].tolist() == [50, 60, 60]
    assert rows["previous_mql_score_threshold"].tolist() == [50, 50, 60]


def test_lead_velocity_gives_no_rate_to_a_month_not_over(run_query):
    rows = run_query("lead_velocity", **march(now=datetime(2026, 3, 20, 12)))
    assert rows["is_complete_month"].tolist() == [False]
    assert kpis.clean(rows["lead_velocity_rate"].iloc[0]) is None


def test_lead_velocity_in_a_period_with_no_leads(run_query):
    rows = run_query("lead_velocity", **period(date(2025, 6, 1), date(2025, 6, 30)))
    assert (rows["month_mql_count"].tolist(), rows["previous_month_mql_count"].tolist()) == ([0], [0])
    assert kpis.clean(rows["lead_velocity_rate"].iloc[0]) is None


def test_campaign_queries_declare_only_parameters_a_page_can_bind():
    shared = set(kpis.query_params(date(2026, 3, 1), date(2026, 3, 31)))
    assert queries.parameters("campaign_performance") == shared - {"grain", "start_at", "end_at"} | {"dimension"}
    assert queries.parameters("lead_velocity") == shared - {"grain", "start_at", "end_at"}
    assert queries.parameters("pipeline_coverage") == {"end", "segment", "region", "source", "open_pipeline_eur"}


# ---- the page

def shown(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_page_shows_the_seed_campaigns(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    values = shown(at)
    assert values["Campaign cost"] == "€3.2K"  # 3,202.90
    assert values["Cost per MQL"] == "€641"  # 3,202.90 / 5
    assert values["Revenue from campaigns"] == "€10K"
    assert values["Return on spend"] == "3.1x"  # 10,000 / 3,202.90
    assert values["Sales at kick-off"] == "66.7%"  # 2 of 3 recorded
    assert values["Sales' campaign rating"] == "3.7 / 5"  # (4 + 2 + 5) / 3
    assert values["Open pipeline"] == "€11K"
    assert values["Pipeline coverage"] == "0.1x"  # 11,000 / 183,933
    assert values["Lead velocity rate"] == "700.0%"  # (8 - 1) / 1
    assert len(at.get("plotly_chart")) == 5  # by channel twice, revenue by source, coverage, lead velocity
    notes = [c.value for c in at.caption]
    # the windows named where the numbers are: MQLs of the period, deals closed won in it (not MQLs won so far)
    assert "5 campaign leads became MQLs in the period." in notes
    assert any(n.endswith("won in the period from campaign leads (deals closed won 01 Mar to 31 Mar 2026).")
               for n in notes)


def test_page_explains_a_period_with_no_data(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2020-01-01", "2020-01-31"])
    assert_clean(at)
    text = "\n".join(i.value for i in at.info)
    assert "No campaign ran" in text
    assert "No revenue booked" in text
    assert "No agreement was in force on 31 Jan 2020" in text
    assert "No lead velocity to show" in text


def test_page_with_a_region_filter_shares_the_cost_and_says_so(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2026-03-01", "2026-03-31"],
                  region="DACH")
    assert_clean(at)
    values = shown(at)
    # 1,033.33 x 4/4 (Search Q1) + 1,500 x 0/1 (Webinar) + 269.57 x 1/1 (Social) + 400 x 1/1 (Guide) = 1,702.90
    assert values["Campaign cost"] == "€1.7K"
    assert values["Cost per MQL"] == "€426"  # 1,702.90 / 4 DACH MQLs
    assert values["Return on spend"] == "5.9x"  # 10,000 / 1,702.90
    text = visible_text(at)
    # 6 of the 7 leads of the 4 campaigns are in DACH (Webinar's L2 is in the Nordics); whole cost 3,202.90
    assert "4 campaigns ran; 6 of their 7 leads are in region DACH: €1.7K of their €3.2K cost." in text
    assert "each campaign's cost is shared out by its share of leads in region DACH" in text
    # no revenue target is agreed for DACH in the seed
    assert values["Pipeline coverage"] == "–"
    assert "sets no revenue target for region DACH" in text


def test_page_names_the_window_of_sales_attendance(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2026-03-01", "2026-03-31"])
    text = visible_text(at)
    # kick-offs: Search Q1 and Webinar yes, Social no, Guide not recorded
    assert ("Of the 4 campaigns that ran 01 Mar 2026 to 31 Mar 2026, sales attended 2 of the 3 kick-offs recorded; "
            "1 not recorded.") in text
    # ended by 31 Mar: Search Q1 (yes), Webinar (no), Guide (not recorded); Social runs to 31 May
    assert ("Of the 3 campaigns that ran 01 Mar 2026 to 31 Mar 2026 and had ended, sales attended 1 of the "
            "2 post-mortems recorded; 1 not recorded. 1 campaign still running, no post-mortem yet.") in text


def test_page_says_channels_in_words(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2026-03-01", "2026-03-31"])
    text = visible_text(at)
    assert "paid_search" not in text and "paid_social" not in text
    # cost per MQL by channel: Search Q1 1,033.33 / 3 = 344.44, Webinar 1,500 / 1, Social 269.57 / 1
    assert "The cheapest MQLs came from Paid social, at €270 each" in text
    by_channel = at.dataframe[0].value  # the numbers by channel
    assert sorted(by_channel["channel"]) == ["Content", "Paid search", "Paid social", "Webinar"]
    listed = at.dataframe[1].value  # every campaign
    assert listed.loc[listed["campaign_name"] == "Search Q1", "channel"].tolist() == ["Paid search"]


def test_page_hatches_the_months_the_period_cuts_short(monkeypatch, seed_warehouse):
    import json
    at = open_app(monkeypatch, seed_warehouse, "pages/campaigns.py", period=["2026-03-05", "2026-04-10"])
    assert_clean(at)
    assert any("The period cuts March 2026 (from 05 Mar) and April 2026 (to 10 Apr) short: hatched" in c.value
               for c in at.caption)
    chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                 if "Revenue booked per month" in c.proto.spec)
    # two months, March and April: both cut short (5 Mar-31 Mar, 1-10 Apr)
    assert chart["data"][0]["marker"]["pattern"]["shape"] == ["/", "/"]


@pytest.mark.parametrize("start, end, said", [
    (date(2026, 3, 5), date(2026, 4, 10), ["March 2026 (from 05 Mar)", "April 2026 (to 10 Apr)"]),
    (date(2026, 3, 1), date(2026, 4, 30), [None, None]),  # two whole months
    (date(2026, 5, 5), date(2026, 5, 20), ["May 2026 (05 to 20 May)"]),
])
def test_the_months_a_period_cuts_short(start, end, said):
    months = [date(start.year, m, 1) for m in range(start.month, end.month + 1)]
    assert campaign_text.months_cut_short(months, start, end) == said
