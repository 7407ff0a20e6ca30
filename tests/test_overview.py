"""The Overview (issue 20): MQL to won compared at equal age, partial months, win rate, deal size, sales cycle,
period presets and the year-on-year comparison, each worked out by hand on the rows of tests/seed.sql."""

from datetime import date, datetime, timedelta

import pytest

from streamlit.testing.v1 import AppTest

from handshake import formats, kpis, periods, queries, warehouse
from test_app import assert_clean, open_app, visible_text

NOW = datetime(2026, 6, 1)


def april(**filters):
    """April 2026; its previous period is 2 to 31 March (30 days), whose MQLs are L1-L7 and L10 of the seed."""
    return kpis.query_params(date(2026, 4, 1), date(2026, 4, 30), dict(filters, now=NOW))


def at_age(run_query, current_end=date(2026, 5, 1), **filters):
    """kpi_won_at_age for April's previous period, as the Overview asks for it."""
    previous = kpis.query_params(*kpis.previous_period(date(2026, 4, 1), date(2026, 4, 30)), dict(filters, now=NOW))
    return run_query("kpi_won_at_age", **dict(previous, current_end=current_end)).iloc[0].to_dict()


def arrive(con, lead_id: int, created_at: str):
    """A lead that only arrives: it moves the newest moment the warehouse holds (data_as_of) to its arrival."""
    con.execute("insert into leads (lead_id, created_at, segment, region, status) values (?, ?, 'SMB', 'DACH', 'inquiry')",
                [lead_id, created_at])


# --- item 1: MQL to won at equal age ------------------------------------------------------------------------------

def test_the_previous_period_counts_only_the_wins_it_had_at_the_same_age(seed_con, run_query):
    # L6's deal closes on 15 April instead of 30 March; the data runs to 10 May
    seed_con.execute("update opportunities set closed_date = '2026-04-15' where opportunity_id = 6")
    arrive(seed_con, 12, "2026-05-10 09:00")
    row = at_age(run_query)
    # April ended on the 30th; the data stands 10 days later (10 May), so March is read to 31 Mar + 10 days
    assert row["age_days"] == 10
    assert row["won_by_date"].date() == date(2026, 4, 10)
    # of the 8 MQLs of 2-31 March, L1 was won on 20 Mar (counted), L6 on 15 Apr (after 10 Apr: not yet)
    assert (row["mql_count"], row["won_count"]) == (8, 1)
    assert row["mql_to_won_rate"] == pytest.approx(1 / 8)

    arrive(seed_con, 13, "2026-05-20 09:00")
    row = at_age(run_query)
    # ten days more: read to 20 April, so L6's win of 15 April counts too
    assert row["won_by_date"].date() == date(2026, 4, 20)
    assert row["mql_to_won_rate"] == pytest.approx(2 / 8)


def test_now_caps_the_age_when_it_is_earlier_than_the_data(seed_con, run_query):
    seed_con.execute("update opportunities set closed_date = '2026-04-15' where opportunity_id = 6")
    arrive(seed_con, 12, "2026-05-20 09:00")
    previous = kpis.query_params(date(2026, 3, 2), date(2026, 3, 31), {"now": datetime(2026, 5, 5, 12)})
    row = run_query("kpi_won_at_age", **dict(previous, current_end=date(2026, 5, 1))).iloc[0]
    # judged on 5 May: 5 days after April's end, so March is read to 5 April: L1 only
    assert (row["age_days"], row["won_count"]) == (5, 1)


def test_no_equal_age_when_a_win_has_no_date(seed_con, run_query):
    arrive(seed_con, 12, "2026-05-10 09:00")
    # L3 (an MQL of 4 March) recorded as won by its status alone: no deal, no time it became a customer
    seed_con.execute("update leads set status = 'won' where lead_id = 3")
    row = at_age(run_query)
    assert row["undated_won_count"] == 1
    assert kpis.clean(row["mql_to_won_rate"]) is None
    value, said = kpis.at_equal_age(row)
    assert value is None
    assert said == ("Not compared: 1 win of the previous period has no date, so it cannot be read as it stood at "
                    "this period's age.")


def test_no_equal_age_when_the_period_runs_past_the_data(run_query):
    # the seed's data ends on 31 March (L10's MQL at 22:00): April is not in yet
    row = at_age(run_query)
    assert row["age_days"] == date(2026, 3, 31).toordinal() - date(2026, 4, 30).toordinal()  # -30
    value, said = kpis.at_equal_age(row)
    assert value is None
    assert said.startswith("Not compared: this period runs past the newest data")


def test_equal_age_says_what_it_compares(seed_con, run_query):
    arrive(seed_con, 12, "2026-04-30 09:00")
    value, said = kpis.at_equal_age(at_age(run_query))
    # data to 30 April, April's own end: March read at its end, with both its wins (20 and 30 March)
    assert value == pytest.approx(2 / 8)
    assert said == "The previous period at its end (wins to 31 Mar 2026): 2 of 8 won, 25.0%."


def test_biggest_movers_compare_a_maturing_rate_only_at_equal_age():
    current = {"mql_count": 110, "mql_to_won_rate": 0.05}
    previous = {"mql_count": 100, "mql_to_won_rate": 0.10}
    among = (kpis.BY_NAME["mql_count"], kpis.BY_NAME["mql_to_won_rate"])
    # without the earlier period at the same age, MQL to won (5% against an older 10%) is no mover at all
    assert kpis.biggest_movers(current, previous, among=among) == ["MQLs delivered rose 10.0%, from 100 to 110."]
    # at the same age the earlier period had won 4%: 4% -> 5% is +25%, more than MQLs' +10%
    assert kpis.biggest_movers(current, previous, among=among, same_age={"mql_to_won_rate": 0.04}) == [
        "MQL to won rose 1.0 points, from 4.0% to 5.0%, against the previous period at the same age.",
        "MQLs delivered rose 10.0%, from 100 to 110.",
    ]
    # not computable at equal age: left out, never compared with the older period as it is now
    assert kpis.biggest_movers(current, previous, among=among, same_age={"mql_to_won_rate": None}) == [
        "MQLs delivered rose 10.0%, from 100 to 110."]


def test_overview_compares_mql_to_won_at_equal_age(monkeypatch, demo_warehouses):
    path = demo_warehouses["aligned"]
    at = open_app(monkeypatch, path, period=["2026-07-01", "2026-09-30"])
    assert_clean(at)
    card = next(m for m in at.metric if m.label == "MQL to won")
    con = warehouse.shared_connection(path)  # the app's own connection: DuckDB lets one process open a file once
    # the demo ends on 2 Nov 2026, 33 days after 30 Sep: the previous 92 days (31 Mar to 30 Jun) are read to
    # 30 Jun + 33 days = 2 Aug
    tz = warehouse.organisation_timezone(warehouse.meta(con.cursor()))
    row = queries.run(con, "kpi_won_at_age", dict(kpis.query_params(
        date(2026, 3, 31), date(2026, 6, 30), {"now": kpis.current_time()}, tz=tz), current_end=date(2026, 10, 1))).iloc[0]
    now = queries.run(con, "kpi_mql_cohort", kpis.query_params(
        date(2026, 7, 1), date(2026, 9, 30), {"now": kpis.current_time()}, tz=tz)).iloc[0]
    assert (row["age_days"], row["won_by_date"].date()) == (33, date(2026, 8, 2))
    assert min(now["won_count"], row["won_count"]) >= 10  # enough wins on both sides to compare
    assert card.proto.delta == formats.change(now["mql_to_won_rate"], row["mql_to_won_rate"], "rate")
    assert card.proto.delta_description == "at same age"
    assert f"The previous period 33 days after its end (wins to 02 Aug 2026): {row['won_count']:,} of " \
        f"{row['mql_count']:,} won" in visible_text(at)


def test_overview_does_not_compare_mql_to_won_from_a_handful_of_wins(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    card = next(m for m in at.metric if m.label == "MQL to won")
    # March: L1 and L6 won of 8 MQLs, 25.0%; February at its end: L9, not won, 0 of 1. Fewer than 10 wins a side
    assert card.value == "25.0%"
    assert not card.proto.delta
    assert "Not compared. Too few wins to judge (0; at least 10 needed)." in visible_text(at)


def test_overview_shows_no_change_for_mql_to_won_when_the_period_runs_past_the_data(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-04-30"])
    assert_clean(at)
    card = next(m for m in at.metric if m.label == "MQL to won")
    assert card.value == f"{2 / 8:.1%}"  # the same 8 MQLs of March, none in April: 2 of 8
    assert not card.proto.delta  # no red or green arrow
    assert "Not compared: this period runs past the newest data" in visible_text(at)


# --- item 2: partial months ---------------------------------------------------------------------------------------

def test_a_month_the_period_cuts_short_is_partial():
    assert periods.days_covered(date(2026, 12, 1), "month", date(2026, 12, 6)) == (6, 31)
    assert periods.is_partial(date(2026, 12, 1), "month", date(2026, 12, 6))
    assert not periods.is_partial(date(2026, 11, 1), "month", date(2026, 12, 6))  # November is whole
    assert not periods.is_partial(date(2026, 11, 1), "month", date(2026, 11, 30))  # ends on its last day
    assert periods.is_partial(date(2026, 11, 30), "week", date(2026, 12, 2))  # Monday to Wednesday of 7 days
    assert periods.partial_note(date(2026, 12, 1), "month", date(2026, 12, 6)) == \
        "December 2026 runs only to 06 Dec (6 of its 31 days)"


def test_a_partial_months_target_is_prorated_to_its_days():
    # 410 MQLs agreed for December, 6 of its 31 days so far
    assert periods.prorated(410, date(2026, 12, 1), "month", date(2026, 12, 6)) == pytest.approx(410 * 6 / 31)
    assert periods.prorated(410, date(2026, 11, 1), "month", date(2026, 12, 6)) == 410  # a whole month
    assert periods.prorated(None, date(2026, 12, 1), "month", date(2026, 12, 6)) is None


def test_a_sparkline_leaves_out_the_partial_month():
    starts = [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert periods.whole_buckets([400, 410, 80], starts, "month", date(2026, 12, 6)) == [400, 410]
    assert periods.whole_buckets([400, 410, 395], starts, "month", date(2026, 12, 31)) == [400, 410, 395]


def test_the_overview_says_its_sparklines_leave_out_the_partial_month(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-20"])
    assert_clean(at)
    text = visible_text(at)
    assert "whole months only (March 2026 runs only to 20 Mar (20 of its 31 days): left out)" in text
    card = next(m for m in at.metric if m.label == "MQLs delivered")
    # the months from March 2025 to 20 March 2026: the seed's MQLs before March fall in Dec 2025 (L11) and Feb 2026
    # (L9); March is cut short and left out, so the line ends in February: 0 a month from March to November 2025
    # (9 months), 1 in December, 0 in January, 1 in February
    assert list(card.proto.chart_data) == [0] * 9 + [1, 0, 1]


# --- item 13: win rate, average deal size, sales cycle -------------------------------------------------------------

def march(**filters):
    return kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), {"now": NOW, **filters})


def test_win_rate_is_won_of_the_deals_closed_in_the_period(run_query):
    row = run_query("kpi_deals", **march()).iloc[0]
    # closed in March: deals 1 (won 20 Mar), 6 (won 30 Mar), 99 (won 15 Mar, no lead) and 5 (lost 28 Mar)
    assert (row["won_deal_count"], row["lost_deal_count"]) == (3, 1)
    assert row["win_rate"] == pytest.approx(3 / (3 + 1))


def test_average_deal_size_is_the_won_value_per_won_deal(run_query):
    row = run_query("kpi_deals", **march()).iloc[0]
    assert row["avg_deal_size_eur"] == pytest.approx((10000 + 5000 + 3000) / 3)


def test_sales_cycle_is_the_median_days_from_creation_to_win(run_query):
    row = run_query("kpi_deals", **march()).iloc[0]
    # deal 1: 6 -> 20 Mar, 14 days; deal 6: 23 -> 30 Mar, 7 days; deal 99: 1 Feb -> 15 Mar, 42 days; median 14
    assert row["sales_cycle_days"] == 14


def test_deal_kpis_under_a_filter_leave_out_deals_without_a_lead(run_query):
    row = run_query("kpi_deals", **march(region="DACH")).iloc[0]
    # in DACH: deals 1 and 6, both won (deal 5's lead is in UK & Ireland, deal 99 has no lead)
    assert row["win_rate"] == 2 / 2
    assert row["avg_deal_size_eur"] == pytest.approx((10000 + 5000) / 2)
    assert row["sales_cycle_days"] == pytest.approx((7 + 14) / 2)  # the median of two is their mean


def test_win_rate_is_not_measured_without_a_lost_deal(seed_con, run_query):
    seed_con.execute("delete from opportunities where opportunity_id = 5")
    row = run_query("kpi_deals", **march()).iloc[0]
    # only won deals in the warehouse: 3 of 3 would read 100%
    assert kpis.clean(row["win_rate"]) is None
    assert row["won_deal_count"] == 3


def test_the_deal_kpis_are_in_the_glossary_and_the_headline(run_query):
    values = kpis.headline(lambda calls: [run_query(name, **p) for name, p in calls], march())
    assert values["win_rate"] == pytest.approx(3 / 4)
    assert values["avg_deal_size_eur"] == pytest.approx(6000)
    assert values["sales_cycle_days"] == 14
    for name in ("win_rate", "avg_deal_size_eur", "sales_cycle_days"):
        assert kpis.BY_NAME[name].query == "kpi_deals" and kpis.help_text(name)


def test_a_warehouse_without_deals_shows_the_deal_kpis_as_not_measured(monkeypatch, seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    con.execute("delete from opportunities")  # the revenue stays: an export of bookings without the deals
    warehouse.refresh_lead_facts(con)
    con.close()
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Win rate"] == shown["Avg deal size"] == shown["Sales cycle"] == "–"
    assert "No opportunities imported: Win rate cannot be measured." in visible_text(at)


def test_the_overview_shows_the_deal_kpis(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-31"])
    shown = {m.label: m.value for m in at.metric}
    assert shown["Win rate"] == "75.0%"  # 3 won of 4 closed
    assert shown["Avg deal size"] == "€6K"  # 18,000 over 3 won deals
    assert shown["Sales cycle"] == "14.0 days"
    assert "3 won, 1 lost in this period." in visible_text(at)


# --- item 13: presets and year on year ----------------------------------------------------------------------------

@pytest.mark.parametrize("preset, expected", [
    # 6 December 2026 is a Sunday: its week began on Monday 30 November
    ("Last week", (date(2026, 11, 23), date(2026, 11, 29))),
    ("Last month", (date(2026, 11, 1), date(2026, 11, 30))),
    ("This quarter", (date(2026, 10, 1), date(2026, 12, 6))),
    ("Last quarter", (date(2026, 7, 1), date(2026, 9, 30))),
    ("Year to date", (date(2026, 1, 1), date(2026, 12, 6))),
])
def test_presets_count_from_the_newest_day_of_data(preset, expected):
    assert periods.preset_range(preset, date(2026, 12, 6)) == expected
    assert periods.preset_of(expected, date(2026, 12, 6)) == preset


def test_presets_across_a_year_end():
    # 10 January 2027: last quarter and last month are in 2026
    assert periods.preset_range("Last quarter", date(2027, 1, 10)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert periods.preset_range("Last month", date(2027, 1, 10)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert periods.preset_of((date(2026, 12, 2), date(2026, 12, 31)), date(2027, 1, 10)) == periods.CUSTOM


def test_a_year_earlier_is_the_same_days():
    assert periods.year_earlier(date(2026, 3, 1), date(2026, 3, 31)) == (date(2025, 3, 1), date(2025, 3, 31))
    assert periods.year_earlier(date(2024, 2, 1), date(2024, 2, 29)) == (date(2023, 2, 1), date(2023, 2, 28))


def preset_app():
    """The sidebar's period as dashboard.sidebar_filters draws it, on data whose newest day is 31 March 2026."""
    from datetime import date

    import streamlit as st

    from handshake import periods
    periods.preset_picker(date(2026, 3, 31))
    st.date_input("Period", value=(date(2026, 1, 1), date(2026, 3, 31)), key="period", bind="query-params")


def test_a_preset_sets_the_period_and_the_period_stays_in_the_url():
    # AppTest loses the entrypoint's widgets when one of them is set under st.navigation (see test_app), so the
    # picker runs here in a script of its own, beside the same bound date input
    at = AppTest.from_function(preset_app).run()
    at.selectbox(key="period_preset").select("Last month").run()
    assert at.date_input(key="period").value == (date(2026, 2, 1), date(2026, 2, 28))
    assert at.query_params["period"] == ["2026-02-01", "2026-02-28"]
    at.selectbox(key="period_preset").select("Last week").run()
    # 31 March 2026 is a Tuesday: its week began on Monday 30 March, the week before on the 23rd
    assert at.date_input(key="period").value == (date(2026, 3, 23), date(2026, 3, 29))


def test_a_link_to_a_presets_dates_shows_the_preset(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-01-01", "2026-03-31"])
    assert at.selectbox(key="period_preset").value == "This quarter"  # 1 Jan to 31 Mar, the newest day


def test_year_on_year_compares_with_the_same_days_a_year_earlier(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-31"])
    at.button_group(key="compare").set_value("year").run()
    assert_clean(at)
    assert "compared with 01 Mar 2025 to 31 Mar 2025" in visible_text(at)
    card = next(m for m in at.metric if m.label == "MQLs delivered")
    # no lead in March 2025: 8 MQLs against 0 is "new"
    assert card.proto.delta == "new"
    assert card.proto.delta_description == "vs a year ago"


# --- item 16: the cards first on a phone ----------------------------------------------------------------------------

def test_the_cards_come_before_the_boxes(monkeypatch, seed_warehouse):
    # on a phone the columns stack: whatever comes first in the page is what the first screen shows
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-31"])
    shown = list(walk(at.main))

    def first(kind, text=""):
        return next(i for i, n in enumerate(shown) if n.type == kind and text in str(getattr(n, "value", "")))
    assert first("metric") < first("markdown", "Where we stand")


def walk(node):
    """Every element under node, in the order the page shows them."""
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for key in sorted(children):
        yield from walk(children[key])


# --- the records behind each card -----------------------------------------------------------------------------------

def test_the_records_behind_the_mql_cards(run_query):
    rows = run_query("overview_mqls", **march(now=datetime(2026, 4, 1)))
    # the 8 MQLs of March, newest first: L10 (31 Mar 22:00) to L1 (2 Mar)
    assert rows["lead_id"].tolist() == [10, 7, 6, 5, 4, 3, 2, 1]
    assert sorted(rows.loc[rows["is_won"], "lead_id"]) == [1, 6]  # the 2 the MQL to won card counts
    # judged on the SLA: within L1, L3, L6; breached L2, L4, L5, L7; L10's clock still runs (as the card's 3 of 7)
    assert dict(rows["sla"].value_counts()) == {"breached": 4, "within_sla": 3, "sla_running": 1}


def test_the_records_behind_the_deal_cards(run_query):
    rows = run_query("overview_deals", **march()).set_index("deal_id")
    assert rows.loc[["6", "5", "1", "99"], "status"].tolist() == ["won", "lost", "won", "won"]
    # open at the end of March: deals 9 and 100, 4,000 + 7,000 = the open pipeline card's 11,000
    assert rows.loc[rows["status"] == "open", "amount_eur"].sum() == 4000 + 7000
    # booked in March: 10,000 (deal 1) + 5,000 (deal 6) + 3,000 (deal 99) = the revenue card's 18,000
    assert rows["booked_eur"].sum() == 10000 + 5000 + 3000


def test_a_card_opens_the_records_behind_it(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, period=["2026-03-01", "2026-03-31"])
    at.button(key="records_mql_to_won_rate").click().run()
    assert_clean(at)
    # the card's 2 of 8: L6 (MQL 20 Mar) and L1 (2 Mar), newest first
    listed = next(e for e in at.expander if e.label.startswith("The MQLs won"))
    assert listed.label == "The MQLs won: all 2"
    assert listed.dataframe[0].value["crm_id"].tolist() == ["6", "1"]
    at.button(key="records_win_rate").click().run()
    listed = next(e for e in at.expander if e.label.startswith("The deals closed"))
    # closed in March: 6 (won), 5 (lost), 1 (won), 99 (won, no lead): the card's 3 won of 4
    assert listed.dataframe[0].value["deal_id"].tolist() == ["6", "5", "1", "99"]
    assert listed.dataframe[0].value["status"].tolist() == ["Won", "Lost", "Won", "Won"]
