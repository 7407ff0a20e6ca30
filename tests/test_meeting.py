"""The weekly joint meeting: weeks, the scorecard, the agenda's lists and the actions, worked out by hand
from tests/seed.sql (agreement v1 from 1 Jan: 24 h SLA, 31 MQLs and €31,000 a month; v2 from 16 Mar:
4 h, 62 and €62,000)."""

import shutil
import threading
from datetime import date, datetime

import pandas as pd
import pytest

from conftest import DEMO_AS_OF
from handshake import actions, kpis, meeting, queries, warehouse
from handshake.access import LOCAL, Person

ADMIN = Person("Test admin", "admin")
MEMBER = Person("Test member", "member")

NOW = datetime(2026, 4, 1, 0, 0)
AFTER_W14 = datetime(2026, 4, 6, 0, 0)  # midnight ending Sunday 5 Apr: W14 whole
W09, W10, W11, W12, W13, W14, W15 = (meeting.Week.parse(f"2026-W{n:02d}") for n in range(9, 16))


@pytest.fixture
def run(seed_con):
    return lambda name, params: queries.run(seed_con, name, params)


def together(run):
    """A run_many made of run: the scorecard's queries one after another (queries.run_many is tested alone)."""
    return lambda calls: [run(name, params) for name, params in calls]


def card(run, week, tz="UTC", now=NOW, **filters):
    return meeting.scorecard(together(run), week, filters, tz, now).set_index("kpi")


def week_rows(run, name, week, tz="UTC", now=NOW, **extra):
    return run(name, dict(meeting.params(week, {}, tz, now), **extra))


# ---- weeks

def test_a_week_reads_and_writes_its_iso_label():
    assert (W10.monday, W10.sunday, W10.label) == (date(2026, 3, 2), date(2026, 3, 8), "2026-W10")
    assert meeting.Week.parse("2026-w53") == meeting.Week(date(2026, 12, 28))  # 2026 has 53 ISO weeks
    assert meeting.Week.parse("2027-W01").monday == date(2027, 1, 4)


@pytest.mark.parametrize("label", ["2026-46", "2026-W54", "W46", ""])
def test_a_bad_week_says_how_to_write_one(label):
    with pytest.raises(ValueError, match="YYYY-Www"):
        meeting.Week.parse(label)


def test_a_week_describes_its_days_across_a_month_and_a_year():
    assert W10.describe() == "Week 10 · 2–8 Mar 2026"
    assert W14.describe() == "Week 14 · 30 Mar – 5 Apr 2026"
    assert meeting.Week.parse("2026-W53").describe() == "Week 53 · 28 Dec 2026 – 3 Jan 2027"


def test_the_default_week_is_the_last_complete_one_in_the_organisations_time_zone():
    sunday_noon_utc = datetime(2026, 11, 22, 12, 0)
    # Sunday 22 Nov is the last day of W47, still running in UTC
    assert meeting.last_complete_week("UTC", sunday_noon_utc).label == "2026-W46"
    # ... but 01:00 on Monday 23 Nov in Auckland (UTC+13), where W47 is over
    assert meeting.last_complete_week("Pacific/Auckland", sunday_noon_utc).label == "2026-W47"


def test_week_options_run_from_the_first_leads_week_to_the_running_one_newest_first():
    options = meeting.week_options(date(2026, 10, 28), "UTC", datetime(2026, 11, 22, 12, 0))
    assert options == ["2026-W47", "2026-W46", "2026-W45", "2026-W44"]


def test_a_day_starts_at_local_midnight_in_utc():
    # Berlin is UTC+1 in March before the clocks change on 29 Mar, UTC+2 after
    assert kpis.utc_midnight(date(2026, 3, 9), "Europe/Berlin") == datetime(2026, 3, 8, 23, 0)
    assert kpis.utc_midnight(date(2026, 3, 30), "Europe/Berlin") == datetime(2026, 3, 29, 22, 0)
    assert kpis.utc_midnight(date(2026, 3, 9), "UTC") == datetime(2026, 3, 9, 0, 0)


def test_the_time_zone_decides_which_week_a_late_sunday_mql_counts_in(seed_con, run):
    seed_con.execute("""insert into leads (lead_id, created_at, source, sourced_by, segment, region, lead_score,
                        mql_at, status) values (12, '2026-03-08 23:00', 'organic', 'marketing', 'SMB', 'DACH', 70,
                        '2026-03-08 23:30', 'mql')""")
    warehouse.refresh_lead_facts(seed_con)
    # 23:30 UTC on Sunday 8 Mar is 00:30 on Monday 9 Mar in Berlin
    assert card(run, W10)["this_week"]["mql_count"] == 4  # L1, L2, L3 and the new lead
    warehouse.set_timezone(seed_con, "Europe/Berlin", by=ADMIN)  # as the Warehouse page does: the rollups' days move
    assert card(run, W10, tz="Europe/Berlin")["this_week"]["mql_count"] == 3
    assert card(run, W11, tz="Europe/Berlin")["this_week"]["mql_count"] == 3  # L4, L5 and the new lead


# ---- the scorecard

def test_scorecard_of_a_week_inside_one_month(run):
    c = card(run, W10)
    this = c["this_week"]
    assert this["mql_count"] == 3  # L1, L2, L3
    assert c.at["mql_count", "target"] == 7  # 31 a month in March = 1 a day, x 7 days
    assert this["sla_compliance_rate"] == pytest.approx(2 / 3)  # L1, L3 within 24 h; L2 48 h
    assert this["first_touch_median_hours"] == 8  # median of 4 (L1), 48 (L2), 8 (L3)
    assert this["avg_attempt_count"] == 1  # one touch each before deciding
    assert c.at["avg_attempt_count", "target"] == 3  # the agreed minimum
    assert this["acceptance_rate"] == pytest.approx(2 / 3)  # L1, L3 accepted; L2 rejected
    assert this["rejection_reason_rate"] == 1  # L2's rejection has a reason
    assert this["revenue_eur"] == 0  # nothing booked 2-8 Mar
    assert c.at["revenue_eur", "target"] == 7000  # 31,000 a month in March = 1,000 a day, x 7
    assert this["open_pipeline_eur"] == 17000  # open at 8 Mar: opp 1 10,000 + opp 9 4,000 + opp 99 3,000


def test_scorecard_of_a_week_that_spans_a_month_end(run):
    c = card(run, W14, now=AFTER_W14)  # Mon 30 Mar to Sun 5 Apr, under v2 (62 a month), now over
    assert c.at["mql_count", "this_week"] == 1  # L10, at 22:00 on 31 Mar
    assert c.at["mql_count", "target"] == 14  # 2 days x 62/31 + 5 days x 62/30 = 4 + 10.33 = 14.33
    assert c.at["revenue_eur", "this_week"] == 7000  # 5,000 on 30 Mar + 2,000 on 5 Apr
    assert c.at["revenue_eur", "target"] == pytest.approx(14333.33)  # 2 x 2,000 + 5 x 62,000/30
    # W09 (23 Feb to 1 Mar) spans February's end under v1: 6 days x 31/28 + 1 day x 31/31 = 7.64
    assert card(run, W09).at["mql_count", "target"] == 8


def test_scorecard_of_a_week_with_no_leads_has_zero_counts_and_no_rates(run):
    c = card(run, W15, now=datetime(2026, 4, 13))  # 6 to 12 Apr, over
    assert c.at["mql_count", "this_week"] == 0
    assert c.at["sla_compliance_rate", "this_week"] is None
    assert c.at["acceptance_rate", "this_week"] is None
    assert c.at["revenue_eur", "this_week"] == 0
    assert c.at["mql_count", "target"] == 14  # 7 days x 62/30 = 14.47


def test_last_week_and_the_four_week_average(run):
    c = card(run, W10)
    assert c.at["mql_count", "last_week"] == 0  # nothing in W09
    # the four weeks before W10 (2 Feb to 1 Mar) hold one MQL, L9: 1 / 4 a week
    assert c.at["mql_count", "four_week_average"] == 0.25
    assert c.at["sla_compliance_rate", "four_week_average"] == 1  # L9 touched 2 h after assignment
    assert c.at["first_touch_median_hours", "four_week_average"] == 2
    assert c.at["avg_attempt_count", "four_week_average"] == 1  # L9: one touch before acceptance, not 1 / 4
    # pipeline is a stock: the mean of the four week-end values; opp 99 (€3,000) opened 1 Feb and opp 9
    # (€4,000) on 25 Feb, so the week ends of 8, 15, 22 Feb hold 3,000 and 1 Mar holds 7,000
    assert c.at["open_pipeline_eur", "four_week_average"] == (3000 * 3 + 7000) / 4
    assert c.at["mql_count", "weekly"] == [0, 0, 1, 0, 3]  # W06 .. W10, L9 (20 Feb) in W08


def test_the_arrow_weighs_the_agreed_level_not_the_direction(run):
    c = card(run, W10, now=AFTER_W14)
    # MQLs rose from 0 (W09) to 3, but the target for 2-8 Mar is 7 (31 a month in March, 1 a day): red, not green
    assert c.at["mql_count", "change"] == "new"
    assert c.at["mql_count", "meets"] is False  # 3 < 7
    assert meeting.arrow_colour(c.loc["mql_count"]) == "red"
    # the acceptance rate has no agreed level: whichever way it moved, the arrow is neutral
    assert c.at["acceptance_rate", "meets"] is None
    assert meeting.arrow_colour(c.loc["acceptance_rate"]) == "gray"


def test_attempts_up_but_short_of_the_agreed_minimum_is_red():
    attempts = kpis.BY_NAME["avg_attempt_count"]
    # the projector's case: 1.8 attempts, up 1.9% on last week's 1.77, against an agreed minimum of 3
    row = {"kpi": "avg_attempt_count", "unit": "count", "target": 3, "outcomes": 40, "days": 7,
           "meets": meeting.meets(attempts, 1.8, 3), "change": "+1.9%"}
    assert row["meets"] is False  # 1.8 < 3
    assert meeting.arrow_colour(row) == "red"
    assert meeting.verdict_text(row) == "agreed minimum 3, not met"
    assert meeting.meets(attempts, 3, 3) is True  # the minimum itself meets it
    assert meeting.meets(kpis.BY_NAME["first_touch_median_hours"], 30, 24) is False  # lower is better: 30 > 24


def test_no_verdict_on_attempts_from_too_few_decisions(run):
    c = card(run, W10, now=AFTER_W14)
    # L1, L2, L3 decided in W10, one touch each: 1 attempt against the minimum 3, from 3 decisions (< 10)
    assert c.at["avg_attempt_count", "outcomes"] == 3
    assert c.at["avg_attempt_count", "meets"] is None
    assert meeting.arrow_colour(c.loc["avg_attempt_count"]) == "gray"
    assert meeting.verdict_text(c.loc["avg_attempt_count"]) == (
        "agreed minimum 3; too few decisions to judge (3; at least 10 needed)")


def test_the_meetings_week_follows_the_sidebar_periods_end():
    # NOW is Wed 1 Apr 2026 00:00: the last whole week is W13 (23-29 Mar)
    assert meeting.week_for_period(date(2026, 3, 18), "UTC", NOW) == W11  # Wed 18 Mar: the week to Sun 15 Mar
    assert meeting.week_for_period(date(2026, 3, 15), "UTC", NOW) == W11  # a Sunday ends its own week
    assert meeting.week_for_period(date(2026, 3, 16), "UTC", NOW) == W11  # Mon 16 Mar: W12 has only begun
    assert meeting.week_for_period(date(2026, 3, 31), "UTC", NOW) == W13  # the seed's default period end
    assert meeting.week_for_period(date(2026, 4, 5), "UTC", NOW) == W13  # W14 ends 5 Apr but is still running
    assert meeting.week_sentence(W11, W11, date(2026, 3, 18)) == (
        "Week 11 · 9–15 Mar 2026: the last whole week of the sidebar's period (to 18 Mar 2026)")
    # a period that ends before the first lead (31 Jan 2020) falls back to the first week with data, and says so
    assert meeting.week_sentence(W11, W11, date(2020, 1, 31)) == (
        "Week 11 · 9–15 Mar 2026: the first week with data, as the sidebar's period ends before it (on 31 Jan 2020)")


def test_a_week_cut_short_holds_the_days_so_far():
    assert meeting.days_in(W14, "UTC", NOW) == 2  # 1 Apr 00:00: Mon 30 and Tue 31 Mar are over
    assert meeting.days_in(W13, "UTC", NOW) == 7
    # an export taken on Tue 31 Mar, read in May: the data stops inside W14 after 2 days (30, 31 Mar)
    assert meeting.days_in(W14, "UTC", datetime(2026, 5, 1), date(2026, 3, 31)) == 2
    assert meeting.days_in(W15, "UTC", datetime(2026, 5, 1), date(2026, 3, 31)) == 7  # after the data: no leads


def test_a_running_week_is_not_set_against_a_whole_one(run):
    c = card(run, W14)  # at 1 Apr 00:00, 2 of its 7 days over
    assert set(c["days"]) == {2}
    # the whole week's target, 14 (2 x 62/31 + 5 x 62/30 = 14.33, rounded), for 2 of 7 days: 14 x 2 / 7 = 4
    assert c.at["mql_count", "target"] == 4  # a count target stays whole
    assert c.at["mql_count", "meets"] is False  # 1 MQL (L10) < 4
    assert c.at["mql_count", "change"] is None  # a flow: 1 in 2 days is not "-75%" on W13's 4 (L6, L7, L8, L11)
    assert c.at["revenue_eur", "change"] is None
    assert meeting.level_text(c.loc["mql_count"]) == "target 4 for its 2 days so far"
    # five weekly values W10..W14, given by hand: the bars leave out W14, cut short after 2 days
    assert meeting.bars([3, 2, 2, 4, 1], W14, 2) == [3, 2, 2, 4]
    assert meeting.bars([3, 2, 2, 4, 1], W14, 7) == [3, 2, 2, 4, 1]  # a whole week keeps its bar
    assert meeting.bars([3, 2, 2, 4, 1], W14, 0) == [3, 2, 2, 4]  # Monday 30 Mar, no day over yet: still cut short
    assert meeting.cut_short_note(W14, 2, "UTC", NOW).startswith("This week is still running: 2 days of 7 over.")
    items = dict(meeting.agenda(c.reset_index(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
    assert "MQLs delivered" not in items["What moved most"] and "Revenue" not in items["What moved most"]


def test_a_filtered_week_says_its_target_is_the_whole_organisations(run):
    c = card(run, W10, now=AFTER_W14, region="Nordics")  # L2 alone
    assert c.at["mql_count", "this_week"] == 1
    assert meeting.verdict_text(c.loc["mql_count"]) == "no target agreed for these filters"  # 7 is everyone's
    assert meeting.verdict_text(c.loc["acceptance_rate"]) == "no target agreed"  # none for anyone
    assert meeting.commitments(c.reset_index(), {})[0][1] == (
        "Delivered 1 MQL; the agreed MQL target is the whole organisation's, none is agreed for these filters.")


def test_scorecard_table_shows_units_and_the_agreed_level(run):
    table = meeting.scorecard_table(meeting.scorecard(together(run), W10, {}, "UTC", AFTER_W14)).set_index("KPI")
    assert table.at["Within SLA", "This week"] == "66.7%"  # 2 of 3
    assert table.at["Revenue", "Agreed level"] == "target €7K, not met"  # €0 of 7 x €1,000
    assert table.at["Attempts", "Agreed level"] == (
        "agreed minimum 3; too few decisions to judge (3; at least 10 needed)")
    assert table.at["Accepted", "Agreed level"] == "no target agreed"
    assert table.at["Time to touch", "This week"] == "8.0 h"  # median of 4, 48, 8


def test_card_labels_are_short_enough_for_a_card_on_the_projector():
    # four cards a row at 1280 px leave about 230 px for a label in 1.15rem type: 16 characters
    assert set(meeting.SHORT_LABELS) == set(meeting.SCORECARD)
    assert max(len(label) for label in meeting.SHORT_LABELS.values()) <= 16


def test_commitments_name_each_sides_promise(run):
    c = meeting.scorecard(together(run), W10, {}, "UTC", AFTER_W14)
    marketing, sales = meeting.commitments(c, {"first_touch_sla_hours": 24.0, "min_attempts": 3})
    assert marketing == ("Marketing", "Delivered 3 MQLs against a target of 7 (42.9%).")  # 3 / 7 = 42.86%
    assert sales[1] == ("Touched 66.7% of the week's MQLs within the agreed 24 h; attempts per lead before "
                        "deciding: 1 on average (agreed minimum 3; too few decisions to judge (3; at least 10 "
                        "needed)).")
    assert meeting.commitments(c, {})[1][1] == "No first-touch SLA is agreed, so there is no promise to measure."


def test_without_follow_ups_the_sales_promise_and_breaches_say_so_rather_than_zero(run):
    c = meeting.scorecard(together(run), W10, {}, "UTC", NOW)
    missing = {"sla_compliance_rate": ["follow_ups"]}
    sales = meeting.commitments(c, {"first_touch_sla_hours": 24.0, "min_attempts": 3}, missing)[1][1]
    assert sales.startswith("No follow-ups imported: First touch within SLA cannot be measured.")
    items = dict(meeting.agenda(c, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), missing))
    assert items["New SLA breaches"].startswith("No follow-ups imported")


# ---- the agenda's lists

def test_new_sla_breaches_are_the_deadlines_that_ran_out_in_the_week(run):
    w10 = week_rows(run, "meeting_sla_breaches", W10)
    assert w10["lead_id"].tolist() == [2]  # deadline 4 Mar 10:00, touched 5 Mar 10:00
    assert w10["hours_late"].tolist() == [24]
    w11 = week_rows(run, "meeting_sla_breaches", W11)
    # L4 untouched since its deadline 11 Mar 09:00: 20 days 15 h = 495 h by 1 Apr; L5 touched 24 h late
    assert w11[["lead_id", "hours_late", "is_still_untouched"]].values.tolist() == [[4, 495, True], [5, 24, False]]
    assert w11["owner_name"].tolist() == ["Sam Sales", "Sam Sales"]
    assert w11["decision"].tolist() == ["rejected", "accepted"]
    # L7: 4 h SLA from 10:00 on 25 Mar, touched at 16:00, 2 h late
    assert week_rows(run, "meeting_sla_breaches", W13)["hours_late"].tolist() == [2]


def test_a_deadline_still_running_is_not_a_breach_yet(run):
    # L10's 4 h from 22:00 on 31 Mar ends at 02:00 on 1 Apr
    assert week_rows(run, "meeting_sla_breaches", W14, now=datetime(2026, 4, 1, 1, 0)).empty
    late = week_rows(run, "meeting_sla_breaches", W14, now=datetime(2026, 4, 2, 0, 0))
    assert late[["lead_id", "hours_late"]].values.tolist() == [[10, 22]]  # 02:00 1 Apr to 00:00 2 Apr


def test_rejection_spikes_compare_the_week_with_the_four_before(run):
    spikes = week_rows(run, "meeting_rejection_spikes", W10, min_count=1, spike_ratio=2.0)
    # L2, rejected 6 Mar for no budget, the campaign's first rejection
    assert spikes[["campaign_name", "rejection_reason", "week_count", "weekly_average_before"]].values.tolist() == [
        ["Webinar March", "no_budget", 1, 0]]
    assert week_rows(run, "meeting_rejection_spikes", W12, min_count=1, spike_ratio=2.0)[
        "rejection_reason"].tolist() == ["no_reason"]  # L4, rejected 20 Mar without a reason
    assert week_rows(run, "meeting_rejection_spikes", W10, min_count=meeting.SPIKE_MIN_COUNT,
                     spike_ratio=meeting.SPIKE_RATIO).empty  # one rejection is not a spike


def test_postmortems_due_are_ended_campaigns_without_sales_at_one(run):
    due = week_rows(run, "meeting_postmortems_due", W14)
    # campaign 10 had sales there, 30 runs until May; 20 held one without sales, 40 recorded none
    assert due[["campaign_name", "postmortem_status", "days_since_end"]].values.tolist() == [
        ["Guide", "no post-mortem recorded", 5], ["Webinar March", "held without sales", 5]]  # 31 Mar to 5 Apr
    assert week_rows(run, "meeting_postmortems_due", W13).empty  # they all ended 31 Mar, in W14


# ---- actions

def test_a_new_action_is_open_and_has_its_creation_in_its_history(seed_con):
    action_id = actions.create(seed_con, "Call back the webinar leads", "Sam Sales", "sales", date(2026, 3, 13),
                               LOCAL, datetime(2026, 3, 6, 9, 0))
    history = queries.run(seed_con, "meeting_action_history", {"action_id": action_id})
    assert history[["field", "new_value"]].values.tolist() == [["created", "Call back the webinar leads"]]
    listed = week_rows(lambda n, p: queries.run(seed_con, n, p), "meeting_actions", W10)
    # reviewed in the meeting of W11 (9-15 Mar): due 13 Mar, so due by then, not overdue
    assert listed[["title", "status", "is_due", "is_overdue"]].values.tolist() == [
        ["Call back the webinar leads", "open", True, False]]
    assert week_rows(lambda n, p: queries.run(seed_con, n, p), "meeting_actions", W09)["title"].tolist() == [
        "Call back the webinar leads"]  # agreed in W10, the week W09 is reviewed


@pytest.mark.parametrize("fields, message", [
    ({"title": " "}, "needs a title"), ({"owner": ""}, "needs an owner"), ({"owner_function": "finance"}, "one of"),
])
def test_an_action_without_what_it_needs_is_refused_and_nothing_is_stored(seed_con, fields, message):
    given = dict({"title": "Fix routing", "owner": "Mara", "owner_function": "marketing"}, **fields)
    with pytest.raises(actions.ActionError, match=message):
        actions.create(seed_con, given["title"], given["owner"], given["owner_function"], None, LOCAL, NOW)
    assert seed_con.execute("select count(*) from meeting_actions").fetchone()[0] == 0


def test_open_actions_carry_over_until_closed(seed_con):
    run = lambda n, p: queries.run(seed_con, n, p)  # noqa: E731
    action_id = actions.create(seed_con, "Agree the reason list", "Both heads", "joint", date(2026, 3, 6),
                               LOCAL, datetime(2026, 3, 2, 9, 0))
    # agreed 2 Mar, due 6 Mar: due at the meeting reviewing W09 (held in W10), overdue at the next
    assert week_rows(run, "meeting_actions", W09)[["is_due", "is_overdue"]].values.tolist() == [[True, False]]
    assert week_rows(run, "meeting_actions", W10)[["is_due", "is_overdue"]].values.tolist() == [[True, True]]
    stored = {"title": "Agree the reason list", "owner": "Both heads", "owner_function": "joint",
              "due_date": date(2026, 3, 6), "status": "open"}
    actions.update(seed_con, action_id, stored, dict(stored, status="done"), LOCAL, datetime(2026, 3, 17, 9, 0))
    assert week_rows(run, "meeting_actions", W12)["status"].tolist() == ["done"]  # closed during W12
    assert week_rows(run, "meeting_actions", W13).empty


def test_actions_added_at_the_same_time_are_all_kept(seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    try:
        version = warehouse.data_version(con)
        threads = [threading.Thread(target=actions.create, args=(
            con, f"Action {n}", "Sam Sales", "sales", None, LOCAL, NOW)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        titles = {r[0] for r in con.execute("select title from meeting_actions").fetchall()}
        assert titles == {f"Action {n}" for n in range(20)}
        assert con.execute("select count(*) from meeting_action_history").fetchone()[0] == 20
        assert warehouse.data_version(con) == version + 20
    finally:
        warehouse.close_shared()


def test_an_actions_history_reads_in_words_not_codes(seed_con):
    action_id = actions.create(seed_con, "Fix routing", "Sam Sales", "sales", None, LOCAL, datetime(2026, 3, 6, 9))
    seen = {"title": "Fix routing", "owner": "Sam Sales", "owner_function": "sales", "due_date": None, "status": "open"}
    actions.update(seed_con, action_id, seen, dict(seen, owner_function="joint", status="done"), LOCAL,
                   datetime(2026, 3, 7, 9))
    history = meeting.history_table(queries.run(seed_con, "meeting_action_history", {"action_id": action_id}))
    # newest first, then by field code: owner_function before status
    assert history[["field", "old_value", "new_value"]].values.tolist()[:2] == [
        ["Owner's function", "Sales", "Joint"], ["Status", "Open", "Done"]]  # owner_function, sales... as words
    assert history["field"].iloc[-1] == "Created"


def test_two_edits_of_one_action_from_two_sessions_both_stay_in_its_history(seed_con):
    action_id = actions.create(seed_con, "Fix routing", "Mara Market", "marketing", date(2026, 3, 13), LOCAL, NOW)
    shown = {"title": "Fix routing", "owner": "Mara Market", "owner_function": "marketing",
             "due_date": date(2026, 3, 13), "status": "open"}
    # both sessions were shown the same action; one moves the due date, the other renames it
    assert actions.update(seed_con, action_id, shown, dict(shown, due_date=date(2026, 3, 20)), Person("A", "member"), NOW) == []
    assert actions.update(seed_con, action_id, shown, dict(shown, title="Fix lead routing"), Person("B", "member"), NOW) == []
    row = seed_con.execute("select title, due_date from meeting_actions").fetchone()
    assert row == ("Fix lead routing", date(2026, 3, 20))  # neither edit lost
    changes = seed_con.execute("select changed_by, field, old_value, new_value from meeting_action_history "
                               "where field <> 'created' order by changed_by").fetchall()
    assert changes == [("A", "due_date", "2026-03-13", "2026-03-20"), ("B", "title", "Fix routing", "Fix lead routing")]


def test_the_same_field_edited_in_two_sessions_keeps_both_values_and_says_so(seed_con):
    action_id = actions.create(seed_con, "Fix routing", "Mara Market", "marketing", None, LOCAL, NOW)
    shown = {"title": "Fix routing", "owner": "Mara Market", "owner_function": "marketing", "due_date": None,
             "status": "open"}
    actions.update(seed_con, action_id, shown, dict(shown, owner="Sam Sales"), Person("A", "member"), NOW)
    clashes = actions.update(seed_con, action_id, shown, dict(shown, owner="Both heads"), Person("B", "member"), NOW)
    assert clashes == ["Owner had been changed to 'Sam Sales' meanwhile; your 'Both heads' replaced it. "
                       "Both are in the history."]
    owners = seed_con.execute("select old_value, new_value from meeting_action_history where field = 'owner' "
                              "order by changed_by").fetchall()
    assert owners == [("Mara Market", "Sam Sales"), ("Sam Sales", "Both heads")]


def test_closing_and_reopening_sets_and_clears_the_closing_time(seed_con):
    action_id = actions.create(seed_con, "Fix routing", "Mara Market", "marketing", None, LOCAL, NOW)
    shown = {"title": "Fix routing", "owner": "Mara Market", "owner_function": "marketing", "due_date": None,
             "status": "open"}
    actions.update(seed_con, action_id, shown, dict(shown, status="dropped"), LOCAL, datetime(2026, 4, 2, 9, 0))
    assert seed_con.execute("select closed_at from meeting_actions").fetchone()[0] == datetime(2026, 4, 2, 9, 0)
    actions.update(seed_con, action_id, dict(shown, status="dropped"), shown, LOCAL, datetime(2026, 4, 3, 9, 0))
    assert seed_con.execute("select status, closed_at from meeting_actions").fetchone() == ("open", None)


def test_a_campaign_rating_counts_in_the_campaign_kpi(seed_con):
    params = kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), {"now": NOW})
    before = queries.run(seed_con, "campaign_performance", dict(params, dimension="total"))
    assert before["sales_campaign_rating"].iloc[0] == pytest.approx(11 / 3)  # 4, 2 and 5 in the seed
    actions.rate_campaign(seed_con, 30, 1, "  Students  ", 2, datetime(2026, 4, 2, 9, 0), by=MEMBER)
    after = queries.run(seed_con, "campaign_performance", dict(params, dimension="total"))
    assert after["sales_campaign_rating"].iloc[0] == pytest.approx(12 / 4)  # (4 + 2 + 5 + 1) / 4
    assert seed_con.execute("select comment from campaign_feedback where campaign_id = 30").fetchone() == ("Students",)


def test_a_rating_outside_one_to_five_is_refused(seed_con):
    with pytest.raises(actions.ActionError, match="1 \\(poor leads\\) to 5"):
        actions.rate_campaign(seed_con, 30, 6, None, None, NOW, by=MEMBER)


def test_movers_say_hours_with_their_unit():
    kpi = kpis.BY_NAME["first_touch_median_hours"]
    assert kpis.change_sentence(kpi, 12.8, 11.4) == "Median time to first touch rose 12.3%, from 11.4 h to 12.8 h."  # 1.4 / 11.4 = 12.3%


def test_the_time_zone_is_stored_in_the_warehouse_and_an_unknown_one_refused(seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    assert warehouse.organisation_timezone(warehouse.meta(con)) == "UTC"  # until set
    warehouse.set_timezone(con, "Europe/Berlin", by=ADMIN)
    assert warehouse.organisation_timezone(warehouse.meta(con)) == "Europe/Berlin"
    with pytest.raises(warehouse.WarehouseError, match="IANA name such as Europe/Berlin"):
        warehouse.set_timezone(con, "Mars/Olympus", by=ADMIN)
    assert warehouse.meta(con)["timezone"] == "Europe/Berlin"


def test_the_scorecard_weeks_in_one_run_equal_each_week_run_on_its_own(demo_warehouses, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_warehouses["default"], path)
    con = warehouse.open_warehouse(path)
    try:
        warehouse.set_timezone(con, "America/New_York", by=ADMIN)
        run = lambda calls: queries.run_many(con, calls)  # noqa: E731
        among = tuple(kpis.BY_NAME[name] for name in meeting.SCORECARD)
        weeks = [meeting.Week.containing(date(2026, 10, 26)).shift(-n) for n in range(4, -1, -1)]
        now = DEMO_AS_OF
        each = [meeting.params(w, {"region": "DACH"}, "America/New_York", now) for w in weeks]
        whole = kpis.query_params(weeks[0].monday, weeks[-1].sunday, {"region": "DACH", "now": now}, "total",
                                  "America/New_York")
        assert kpis.BY_WEEK <= {k.query for k in among}  # every bucketing query is exercised here
        assert kpis.weekly_values(run, each, whole, among) == [kpis.values(run, p, among) for p in each]
    finally:
        con.close()


# ---- the accountability list, as the meeting shows it

MARCH_1, MARCH_31 = date(2026, 3, 1), date(2026, 3, 31)


def accountable(seed_con, run, now):
    """The whole list of March's MQLs at `now`, with L7's owner removed (a lead nobody owns)."""
    seed_con.execute("update leads set owner_rep_id = null where lead_id = 7")
    warehouse.refresh_lead_facts(seed_con)
    return run("accountability_list", kpis.query_params(MARCH_1, MARCH_31,
                                                        {"now": now, "limit": None}))


def test_the_accountability_headline_adds_up_and_counts_the_leads_without_an_owner_first(seed_con, run):
    listed = accountable(seed_con, run, datetime(2026, 4, 15, 0, 0))
    # at 15 Apr 00:00: L10 untouched since 31 Mar 22:00 (deadline 1 Apr 02:00) and past its two weeks (14 Apr
    # 22:00) with 0 of 3 attempts: in both groups; L7 touched once, short of 3 since 8 Apr 10:00
    assert (listed["listed_count"].iloc[0], listed["overdue_count"].iloc[0],
            listed["short_of_attempts_count"].iloc[0]) == (2, 1, 2)  # 1 + 2 = 3 > 2: the groups overlap by 1
    assert meeting.accountability_headline(listed, MARCH_1, MARCH_31) == (
        "2 MQLs from 1 Mar 2026 to 31 Mar 2026 on the list: 1 of them without an owner; 1 untouched past the deadline "
        "and 1 touched but short of the agreed attempts after two weeks (1 of the untouched is short of them too).")
    # 1 untouched + 1 touched = 2 on the list; the overlap is 1 + 2 - 2 = 1


def test_the_accountability_list_is_grouped_by_owner_with_overdue_in_days(seed_con, run):
    listed = accountable(seed_con, run, datetime(2026, 4, 15, 0, 0))
    owners = meeting.accountability_owners(listed)
    assert owners.to_dict("records") == [
        # L7, nobody's: first whatever its count
        {"Owner": "No owner", "On the list": 1, "Untouched past deadline": 0, "Touched, short of attempts": 1,
         "Longest overdue": "–"},
        # L10: deadline 1 Apr 02:00 to 15 Apr 00:00 = 13 days 22 h = 334 h, past 48 h so in days: 334 / 24 = 13.9
        {"Owner": "Sam Sales", "On the list": 1, "Untouched past deadline": 1, "Touched, short of attempts": 0,
         "Longest overdue": "13.9 days"},
    ]
    rows = meeting.accountability_rows(listed, "UTC")
    assert rows["Owner"].tolist() == ["No owner", "Sam Sales"]  # L7 before L10, though L10 is the most overdue
    assert rows["Overdue by"].tolist() == ["–", "13.9 days"]
    assert rows["Why on the list"].tolist() == ["Short of attempts",
                                                "Untouched, short of attempts"]
    assert rows["Source"].tolist() == ["Paid search", "Paid search"]  # both paid_search, as words


def test_an_empty_accountability_list_says_so_for_its_window(seed_con, run):
    # at 1 Apr 00:00 L10's 4 h SLA still runs and L7's two weeks run to 8 Apr: nobody is on the list
    listed = accountable(seed_con, run, NOW)
    assert meeting.accountability_headline(listed, MARCH_1, MARCH_31) == (
        "Nobody is on the list: every undecided MQL from 1 Mar 2026 to 31 Mar 2026 has been touched in time and "
        "worked as often as agreed.")
    assert meeting.accountability_owners(listed).empty


def test_an_overdue_of_under_48_hours_stays_in_hours(seed_con, run):
    listed = accountable(seed_con, run, datetime(2026, 4, 2, 12, 0))
    # L10 alone: deadline 1 Apr 02:00 to 2 Apr 12:00 = 34 h, under 48 h; L7's two weeks run to 8 Apr
    assert meeting.accountability_rows(listed, "UTC")["Overdue by"].tolist() == ["34.0 h"]
    assert meeting.accountability_headline(listed, MARCH_1, MARCH_31) == (
        "1 MQL from 1 Mar 2026 to 31 Mar 2026 on the list: 1 untouched past the deadline and 0 touched but short of "
        "the agreed attempts after two weeks (0 of the untouched are short of them too).")


def test_the_detail_tables_write_waits_in_days_and_codes_as_words(run):
    breaches = week_rows(run, "meeting_sla_breaches", W11)
    spikes = week_rows(run, "meeting_rejection_spikes", W12, min_count=1, spike_ratio=2.0)  # L4: no_reason
    details = meeting.tables(breaches, spikes, week_rows(run, "meeting_postmortems_due", W14),
                             week_rows(run, "meeting_actions", W11), "UTC")
    assert details["Rejection spikes"]["Reason"].tolist() == ["No reason"]
    assert details["Post-mortems due"]["Post-mortem"].tolist() == ["No post-mortem recorded", "Held without sales"]
    # L4: 495 h late = 20.6 days (495 / 24 = 20.625); L5: 24 h stays in hours
    assert details["SLA breaches"]["Late by"].tolist() == ["20.6 days", "24.0 h"]
    assert details["SLA breaches"]["Decision"].tolist() == ["Rejected", "Accepted"]
