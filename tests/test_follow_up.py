"""The follow-up and SLA queries on the seed rows of tests/seed.sql, worked out by hand, and the page itself."""

import io
import json
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test

from handshake import formats, kpis, queries, warehouse
from test_app import assert_clean, open_app

NOW = datetime(2026, 4, 1, 0, 0)

# Hours to first touch in March, from assignment (or MQL) to the first touch dated after the lead's creation:
# L1 4, L2 48, L3 8 (clock from MQL), L5 48, L6 3, L7 6; L4 and L10 never touched.


def march(now=NOW, **filters):
    return kpis.query_params(date(2026, 3, 1), date(2026, 3, 31), dict(filters, now=now))


def december():
    return kpis.query_params(date(2025, 12, 1), date(2025, 12, 31), {"now": NOW})


def june_2025():
    return kpis.query_params(date(2025, 6, 1), date(2025, 6, 30), {"now": NOW})


def summary(run_query, params):
    return run_query("follow_up_summary", **params).iloc[0]


def records(frame) -> list[dict]:
    """Rows as plain values, a missing one as None whatever its column's dtype."""
    return [{k: kpis.clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def add_lead(con, lead_id, mql_at, rejected_at=None, reason=None, owner=2, touches=()):
    """One more March MQL, created an hour before it qualified, with its touches."""
    con.execute(
        "insert into leads (lead_id, created_at, source, sourced_by, segment, region, lead_score, mql_at, "
        "assigned_at, owner_rep_id, rejected_at, rejection_reason, status) values "
        "($id, $mql::timestamp - interval 1 hour, 'webinar', 'marketing', 'SMB', 'DACH', 70, $mql, $mql, "
        "$owner, $rejected, $reason, $status)",
        {"id": lead_id, "mql": mql_at, "owner": owner, "rejected": rejected_at, "reason": reason,
         "status": "rejected" if rejected_at else "mql"},
    )
    for i, touched_at in enumerate(touches):
        con.execute("insert into follow_ups values ($id, $lead, 2, $at, 'call', 'no_answer')",
                    {"id": lead_id * 100 + i, "lead": lead_id, "at": touched_at})


def test_hours_to_first_touch_count_the_reps_own_time(run_query):
    row = summary(run_query, march())
    # touched, sorted: 3, 4, 6, 8, 48, 48 -> median (6 + 8) / 2
    assert row["first_touch_median_hours"] == pytest.approx(7)
    # 90th percentile at position 0.9 x (6 - 1) = 4.5, between the 5th and 6th values: 48 and 48
    assert row["first_touch_p90_hours"] == pytest.approx(48)


def test_speed_to_lead_counts_from_creation(run_query):
    row = summary(run_query, march())
    # created -> first touch: L1 6, L2 49, L3 10, L5 49, L6 4, L7 8; sorted 4, 6, 8, 10, 49, 49 -> (8 + 10) / 2
    assert row["speed_to_lead_median_hours"] == pytest.approx(9)


def test_a_touch_dated_before_the_lead_existed_is_ignored(run_query):
    row = summary(run_query, march(source="organic"))
    # L5 only: touch 501 (11 Mar) predates its creation (12 Mar 07:00); the real first touch is 48 h after
    # assignment, not 0 h, and it is L5's one attempt before acceptance, not two
    assert row["mql_count"] == 1
    assert row["first_touch_median_hours"] == pytest.approx(48)
    assert row["speed_to_lead_median_hours"] == pytest.approx(49)  # 12 Mar 07:00 -> 14 Mar 08:00
    assert row["avg_attempt_count"] == 1


def test_follow_up_rate_and_never_touched(run_query):
    row = summary(run_query, march())
    # touched L1, L2, L3, L5, L6, L7 of 8 MQLs; never touched L4 (rejected unworked) and L10 (2 h old)
    assert row["follow_up_rate"] == pytest.approx(6 / 8)
    assert row["never_touched_count"] == 2
    assert row["never_touched_rate"] == pytest.approx(2 / 8)


def test_touched_within_24h_leaves_running_clocks_out(run_query):
    row = summary(run_query, march())
    # within 24 h: L1 (4), L3 (8), L6 (3), L7 (6); over: L2 (48), L5 (48), L4 (never, clock from 10 Mar);
    # L10's 24 hours (from 31 Mar 22:00) still run at 1 Apr 00:00
    assert (row["within_24h_count"], row["over_24h_count"]) == (4, 3)
    assert row["touched_within_24h_rate"] == pytest.approx(4 / (4 + 3))
    later = summary(run_query, march(now=datetime(2026, 4, 1, 23, 0)))
    # at 23:00 on 1 Apr L10 has waited 25 h untouched: over
    assert later["touched_within_24h_rate"] == pytest.approx(4 / (4 + 4))


def test_owner_breakdown_repeats_the_sla_judgement_of_kpi_mql_cohort(run_query):
    cohort = run_query("kpi_mql_cohort", **march()).iloc[0]
    row = summary(run_query, march())
    # the SLA KPI is defined in kpi_mql_cohort; follow_up_summary repeats its judgement per owner, and must agree
    for column in ("within_sla_count", "breached_sla_count", "sla_pending_count", "no_sla_count"):
        assert row[column] == cohort[column], column
    assert row["sla_compliance_rate"] == pytest.approx(cohort["sla_compliance_rate"])  # 3 / 7


def test_by_rep_and_team_split_the_mqls_by_owner(seed_con, run_query):
    seed_con.execute("insert into reps values (3, 'Nina North', 'sales', 'sdr', 'Nordics SDR', 'Nordics', "
                     "'2025-01-01', null)")
    seed_con.execute("update leads set owner_rep_id = 3 where lead_id = 7")
    seed_con.execute("update leads set owner_rep_id = null where lead_id = 10")
    reps = run_query("follow_up_summary", **dict(march(), grain="rep"))
    assert reps["rep_name"].fillna("nobody").tolist() == ["Sam Sales", "Nina North", "nobody"]
    sam, nina, nobody = (row for _, row in reps.iterrows())
    # Sam: L1-L6; within L1, L3, L6; breached L2, L4, L5; hours 3, 4, 8, 48, 48 -> median 8
    assert (sam["mql_count"], sam["within_sla_count"], sam["breached_sla_count"]) == (6, 3, 3)
    assert sam["sla_compliance_rate"] == pytest.approx(3 / 6)
    assert sam["first_touch_median_hours"] == pytest.approx(8)
    assert sam["never_touched_count"] == 1  # L4
    assert sam["avg_attempt_count"] == pytest.approx(5 / 6)  # L1, L2, L3, L5, L6 one each, L4 none
    # Nina: L7, touched after 6 h of a 4 h SLA, undecided
    assert (nina["mql_count"], nina["sla_compliance_rate"], nina["first_touch_median_hours"]) == (1, 0, 6)
    assert kpis.clean(nina["avg_attempt_count"]) is None
    # nobody owns L10: untouched, its SLA still running
    assert (nobody["mql_count"], nobody["never_touched_count"], nobody["sla_pending_count"]) == (1, 1, 1)
    teams = run_query("follow_up_summary", **dict(march(), grain="team"))
    assert teams["team"].fillna("nobody").tolist() == ["DACH SDR", "Nordics SDR", "nobody"]
    assert teams["mql_count"].tolist() == [6, 1, 1]
    assert teams["rep_name"].isna().all()


def test_all_grains_at_once_are_the_rows_of_each_grain(seed_con, run_query):
    # the page asks once, with grain 'all': its rows must be those each grain gives on its own
    seed_con.execute("insert into reps values (3, 'Nina North', 'sales', 'sdr', 'Nordics SDR', 'Nordics', "
                     "'2025-01-01', null)")
    seed_con.execute("update leads set owner_rep_id = 3 where lead_id = 7")
    seed_con.execute("update leads set owner_rep_id = null where lead_id = 10")
    every = run_query("follow_up_summary", **dict(march(), grain="all"))
    assert every["grain"].tolist() == ["total", "team", "team", "team", "rep", "rep", "rep"]
    for grain in ("total", "team", "rep"):
        alone = run_query("follow_up_summary", **dict(march(), grain=grain))
        if grain != "total":  # 'all' gives the speed-to-lead median for the period only
            assert every.loc[every["grain"] == grain, "speed_to_lead_median_hours"].isna().all()
            assert alone["speed_to_lead_median_hours"].notna().any()
            alone["speed_to_lead_median_hours"] = None
        assert records(every[every["grain"] == grain]) == records(alone), grain


def test_all_grains_of_a_period_without_mqls_is_its_empty_total(run_query):
    every = run_query("follow_up_summary", **dict(june_2025(), grain="all"))
    assert every["grain"].tolist() == ["total"]
    assert (every["mql_count"].iloc[0], every["never_touched_count"].iloc[0]) == (0, 0)


def test_first_touch_bands_hold_every_mql_once(run_query):
    bands = run_query("first_touch_buckets", **march())
    assert bands["band_label"].tolist() == [
        "up to 1 h", "1–4 h", "4–24 h", "1–3 days", "3–7 days", "over 7 days", "never touched"]
    # 1–4 h: L6 (3) and L1 (exactly 4: the upper bound is included, as in the SLA check);
    # 4–24 h: L7 (6), L3 (8); 1–3 days: L2, L5 (48); never touched: L4, L10
    assert bands["mql_count"].tolist() == [0, 2, 2, 2, 0, 0, 2]
    assert bands["mql_share_rate"].tolist() == pytest.approx([0, 0.25, 0.25, 0.25, 0, 0, 0.25])


def test_first_touch_bands_hold_their_upper_bound(seed_con, run_query):
    # May MQLs first touched exactly 1, 4, 24, 72 and 168 hours after assignment, and one after 169 hours:
    # each bound falls in the band it closes, as in the SLA check
    for lead_id, hours in zip(range(21, 27), (1, 4, 24, 72, 168, 169)):
        add_lead(seed_con, lead_id, "2026-05-04 09:00", touches=[datetime(2026, 5, 4, 9) + timedelta(hours=hours)])
    may = kpis.query_params(date(2026, 5, 1), date(2026, 5, 31), {"now": datetime(2026, 6, 1)})
    assert run_query("first_touch_buckets", **may)["mql_count"].tolist() == [1, 1, 1, 1, 1, 1, 0]


def test_attempts_before_disposition_count_touches_up_to_the_decision(run_query):
    attempts = run_query("attempts_before_disposition", **march())
    # decided: L4 rejected after 0 attempts; L1, L3, L5, L6 accepted and L2 rejected after 1 each;
    # L7 and L10 are undecided and left out
    assert attempts["attempt_count"].tolist() == [0, 1]
    assert attempts["disposed_count"].tolist() == [1, 5]
    assert attempts["accepted_count"].tolist() == [0, 4]
    assert attempts["other_rejected_count"].tolist() == [1, 1]
    assert attempts["unable_to_reach_count"].tolist() == [0, 0]
    assert summary(run_query, march())["avg_attempt_count"] == pytest.approx(5 / 6)


def test_early_give_up_rate_judges_unreachable_rejections_by_the_agreed_minimum(seed_con, run_query):
    # L12: 'unable to reach' after 2 attempts (v2 asks for 3); its touch after the rejection does not count
    add_lead(seed_con, 12, "2026-03-17 09:00", "2026-03-19 09:00", "unable_to_reach",
             touches=["2026-03-17 10:00", "2026-03-18 10:00", "2026-03-20 10:00"])
    # L13: 'unable to reach' after the agreed 3 attempts
    add_lead(seed_con, 13, "2026-03-18 09:00", "2026-03-22 09:00", "unable_to_reach",
             touches=["2026-03-18 10:00", "2026-03-19 10:00", "2026-03-20 10:00"])
    row = summary(run_query, march())
    assert (row["early_give_up_count"], row["unable_to_reach_with_minimum_count"]) == (1, 2)
    assert row["early_give_up_rate"] == pytest.approx(1 / 2)
    # all rejections below the minimum of 3: L2 (1), L4 (0), L12 (2); L13 (3) is not
    assert (row["rejected_below_minimum_count"], row["rejected_with_minimum_count"]) == (3, 4)
    attempts = run_query("attempts_before_disposition", **march()).set_index("attempt_count")
    assert attempts.loc[2, "unable_to_reach_count"] == 1
    assert attempts.loc[3, "unable_to_reach_count"] == 1


def test_early_give_up_rate_is_missing_without_unreachable_rejections(run_query):
    # March's rejections are L2 (no budget) and L4 (no reason): none for 'unable to reach'
    assert kpis.clean(summary(run_query, march())["early_give_up_rate"]) is None


def test_agreements_in_force_for_the_periods_mqls(run_query):
    rows = run_query("follow_up_agreements", **march())
    # v1 (24 h) judged L1-L5, v2 (4 h, from 16 Mar) L6, L7, L10
    assert rows["first_touch_sla_hours"].tolist() == [24, 4]
    assert rows["min_attempts"].tolist() == [3, 3]
    assert rows["mql_count"].tolist() == [5, 3]


def test_never_touched_list_puts_the_best_leads_first(run_query):
    rows = run_query("follow_up_never_touched", **march())
    # L10 (score 85) before L4 (60)
    assert rows["lead_id"].tolist() == [10, 4]
    assert rows["owner_name"].tolist() == ["Sam Sales", "Sam Sales"]
    # L10 assigned 31 Mar 22:00, undecided, 2 h before now; L4 assigned 10 Mar 09:00 and rejected untouched
    # on 20 Mar 09:00: 10 days
    assert rows["waited_days"].tolist() == pytest.approx([2 / 24, 10])
    # L4 created 10 Mar 08:00: 21 days 16 h
    assert rows["age_days"].iloc[1] == pytest.approx(21 + 16 / 24)
    assert rows["status"].tolist() == ["mql", "rejected"]


def test_leads_open_at_period_end_are_not_judged_early(run_query):
    at_end = run_query("accountability_list", **march())
    # at 1 Apr 00:00: L10's 4 h SLA runs to 02:00, L7 was touched and its two weeks run to 8 Apr,
    # L4 was rejected on 20 Mar: nobody is on the list yet
    assert at_end.empty
    assert summary(run_query, march())["sla_pending_count"] == 1  # L10


def test_accountability_list_at_a_chosen_now(run_query):
    rows = run_query("accountability_list", **march(now=datetime(2026, 4, 9, 0, 0))).set_index("lead_id")
    assert rows.index.tolist() == [10, 7]
    # L10: untouched, due 1 Apr 02:00 (4 h SLA of v2); at 9 Apr 00:00 that is 7 days 22 h = 190 h overdue
    assert rows.loc[10, "hours_overdue"] == pytest.approx(190)
    assert (rows.loc[10, "is_overdue"], rows.loc[10, "is_short_of_attempts"]) == (True, False)
    # L7: assigned 25 Mar 10:00, two weeks passed on 8 Apr 10:00, 1 attempt of the agreed 3, still undecided
    assert (rows.loc[7, "is_overdue"], rows.loc[7, "is_short_of_attempts"]) == (False, True)
    assert (rows.loc[7, "attempt_count"], rows.loc[7, "min_attempts"]) == (1, 3)
    assert kpis.clean(rows.loc[7, "hours_overdue"]) is None
    assert set(rows["deadline_basis"]) == {"agreed SLA"}


def test_accountability_list_holds_a_lead_decided_only_after_now(run_query):
    rows = run_query("accountability_list", **march(now=datetime(2026, 3, 12, 0, 0)))
    # at 12 Mar 00:00 L4 (assigned 10 Mar 09:00, SLA 24 h) is 15 h overdue; its rejection on 20 Mar is
    # still to come. L1-L3 were touched; L5 only became an MQL at 08:00
    assert rows["lead_id"].tolist() == [4]
    assert rows["hours_overdue"].iloc[0] == pytest.approx(15)


def test_accountability_list_limit_keeps_the_most_overdue_and_counts_them_all(run_query):
    at_9_april = march(now=datetime(2026, 4, 9, 0, 0))
    whole = run_query("accountability_list", **at_9_april)
    first = run_query("accountability_list", **dict(at_9_april, limit=1))
    # L10 (190 h overdue) before L7 (touched, short of attempts, not overdue); the limit keeps L10
    assert first["lead_id"].tolist() == [10]
    pd.testing.assert_frame_equal(first, whole.head(1))
    # the counts are the whole list's: L10 untouched past its deadline, L7 short of attempts (L10's two weeks
    # run to 14 Apr)
    assert (first["listed_count"].iloc[0], first["overdue_count"].iloc[0],
            first["short_of_attempts_count"].iloc[0]) == (2, 1, 1)


def test_never_touched_limit_keeps_the_best_leads_and_counts_them_all(run_query):
    whole = run_query("follow_up_never_touched", **march())
    first = run_query("follow_up_never_touched", **dict(march(), limit=1))
    assert first["lead_id"].tolist() == [10]  # score 85 before L4's 60
    pd.testing.assert_frame_equal(first, whole.head(1))
    assert first["listed_count"].iloc[0] == 2 == len(whole)


LISTS = {  # each list's order: most overdue first, and best score first
    "accountability_list": (["hours_overdue", "sla_clock_at", "lead_id"], [False, True, True]),
    "follow_up_never_touched": (["lead_score", "mql_at", "lead_id"], [False, True, True]),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_limited_list_is_the_head_of_the_whole_list(demo_warehouses, name):
    con = warehouse.shared_connection(demo_warehouses["default"])
    params = kpis.query_params(*kpis.default_period(date(2026, 11, 2)), {"now": datetime(2026, 11, 20)})
    whole = queries.run(con, name, params)
    limited = queries.run(con, name, dict(params, limit=200))
    assert len(whole) > 200, "the demo's list should be longer than the limit"
    by, ascending = LISTS[name]
    pd.testing.assert_frame_equal(whole, whole.sort_values(by, ascending=ascending, na_position="last"))
    pd.testing.assert_frame_equal(limited, whole.head(200))
    assert (whole["listed_count"] == len(whole)).all()


def test_follow_up_page_shows_a_long_lists_head_and_queries_it_whole_on_download(monkeypatch, demo_warehouses):
    managers = []  # the media file managers of AppTest's runs, which keep each deferred download

    class Kept(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    asked = []  # (query, limit) of every list query run, as bench.record_pages records them
    run = queries.run

    def recording(con, name, params=None):
        if name in LISTS:
            asked.append((name, (params or {}).get("limit")))
        return run(con, name, params)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)
    monkeypatch.setattr(queries, "run", recording)
    at = open_app(monkeypatch, demo_warehouses["default"], "pages/follow_up.py")
    assert_clean(at)
    # the accountability list whole, so that its counts by owner add up to it; the never-touched list's head
    assert sorted(asked) == [("accountability_list", None), ("follow_up_never_touched", 200)]
    tables = {e.label: e for e in at.expander}
    for name, file_name, label, order in (
        ("follow_up_never_touched", "handshake_never_touched_mqls.csv", "never touched", "highest score first"),
    ):
        heading = next(text for text in tables if label in text)
        button = next(b for b in at.get("download_button") if b.key == f"download_{file_name}")
        listed = int(button.label.split()[2].replace(",", ""))  # "Download all 384 as CSV"
        assert heading.startswith(f"{listed:,} MQLs")
        shown = tables[heading].dataframe[0].value
        assert len(shown) == min(listed, 200)
        assert (f" · showing 200 of {listed:,}, {order}" in heading) == (listed > 200)
        assert not {"listed_count", "overdue_count", "short_of_attempts_count"} & set(shown.columns)
        # the whole list is queried only now, as when someone clicks the button
        url = managers[-1].execute_deferred(button.proto.deferred_file_id)
        assert asked[-1] == (name, None)
        stored = managers[-1].read_file(url.rsplit("/", 1)[-1].split(".")[0])
        assert stored.filename == file_name
        csv = pd.read_csv(io.BytesIO(stored.content))
        assert len(csv) == listed
        # the download holds every column on screen, each coded one followed by its code (source, source_code)
        assert [c for c in csv.columns if not c.endswith("_code")] == list(shown.columns)
        assert csv["source"].head(200).tolist() == shown["source"].tolist()  # in words, as on screen
        assert csv["lead_id"].head(200).tolist() == shown["lead_id"].tolist()
    # 205 of the demo's MQLs were never touched, whenever the page judges them
    assert any("never touched · showing 200 of" in text for text in tables)


def test_follow_up_page_shows_a_short_list_whole(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    labels = [e.label for e in at.expander]
    assert "2 MQLs never touched" in labels  # L10 and L4, both shown
    assert "Download all 2 as CSV" in [b.label for b in at.get("download_button")]


def test_period_with_no_agreement_uses_the_24h_reference_only(run_query):
    row = summary(run_query, december())
    # L11, an MQL on 15 Dec 2025, before the first agreement (1 Jan 2026), never touched
    assert (row["mql_count"], row["no_sla_count"], row["never_touched_count"]) == (1, 1, 1)
    assert kpis.clean(row["sla_compliance_rate"]) is None
    assert row["follow_up_rate"] == 0
    assert row["touched_within_24h_rate"] == 0  # 0 of 1: its 24 hours ran out on 16 Dec
    assert kpis.clean(row["first_touch_median_hours"]) is None
    assert kpis.clean(row["early_give_up_rate"]) is None
    agreements = run_query("follow_up_agreements", **december())
    assert agreements["mql_count"].tolist() == [1]
    assert kpis.clean(agreements["effective_date"].iloc[0]) is None
    listed = run_query("accountability_list", **december())
    assert listed["lead_id"].tolist() == [11]
    assert listed["deadline_basis"].iloc[0] == "24 h reference (no SLA agreed)"
    # due 16 Dec 10:00; to 1 Jan 00:00 is 15 days 14 h = 374 h, then 90 days (Jan, Feb, Mar) = 2,160 h
    assert listed["hours_overdue"].iloc[0] == pytest.approx(374 + 2160)
    assert not listed["is_short_of_attempts"].iloc[0]  # no minimum was agreed, so the two-week rule is off


def test_period_with_no_leads_gives_zero_counts_and_no_rates(run_query):
    row = summary(run_query, june_2025())
    assert (row["mql_count"], row["never_touched_count"], row["disposed_count"]) == (0, 0, 0)
    for name in ("first_touch_median_hours", "first_touch_p90_hours", "speed_to_lead_median_hours",
                 "touched_within_24h_rate", "follow_up_rate", "avg_attempt_count", "early_give_up_rate"):
        assert kpis.clean(row[name]) is None, name
    bands = run_query("first_touch_buckets", **june_2025())
    assert bands["mql_count"].tolist() == [0] * 7
    assert bands["mql_share_rate"].isna().all()
    for name in ("attempts_before_disposition", "follow_up_never_touched", "accountability_list",
                 "follow_up_agreements"):
        assert run_query(name, **june_2025()).empty, name
    assert run_query("follow_up_summary", **dict(june_2025(), grain="rep")).empty


def test_filters_keep_only_matching_leads(run_query):
    row = summary(run_query, march(region="Nordics"))
    # L2 only: touched 48 h after assignment, rejected for no budget after 1 attempt
    assert (row["mql_count"], row["follow_up_rate"], row["first_touch_median_hours"]) == (1, 1, 48)
    assert run_query("first_touch_buckets", **march(region="Nordics"))["mql_count"].tolist() == [0, 0, 0, 1, 0, 0, 0]


def test_every_follow_up_kpi_is_in_the_glossary():
    assert {k.name for k in kpis.FOLLOW_UP} == {
        "first_touch_median_hours", "first_touch_p90_hours", "speed_to_lead_median_hours",
        "touched_within_24h_rate", "follow_up_rate", "never_touched_count", "avg_attempt_count",
        "early_give_up_rate",
    }


def test_follow_up_page_shows_the_seed_numbers(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Median time to first touch"] == "7.0 h"
    assert shown["P90 time to first touch"] == "2.0 days"  # 48 h, from two days on read in days
    assert shown["Median speed to lead"] == "9.0 h"
    assert shown["Follow-up rate"] == "75.0%"
    assert shown["Never touched"] == "2"
    # the page judges at the current time, long after L10's 4 h SLA ran out on 1 Apr: within 3, breached 5
    assert shown["First touch within SLA"] == "37.5%"
    assert shown["First touch within 24 h"] == "50.0%"  # 4 of 8, L10 over 24 h by now
    assert shown["Given up too early"] == "–"
    assert len(at.get("plotly_chart")) == 3


def test_follow_up_page_explains_a_period_without_mqls_or_agreement(monkeypatch, seed_warehouse):
    empty = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2020-01-01", "2020-01-31"])
    assert_clean(empty)
    assert "No MQLs arrived in this period" in empty.warning[0].value
    unagreed = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2025-12-01", "2025-12-31"])
    assert_clean(unagreed)
    assert "agreed no first-touch SLA" in unagreed.info[0].value
    assert {m.label: m.value for m in unagreed.metric}["First touch within SLA"] == "–"


def test_on_a_phone_each_rep_is_a_line_holding_every_column(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    lines = [m.value for m in at.markdown if m.value.startswith("- **Sam Sales**")]
    # Sam owns the 8 March MQLs (L1-L7, L10): within L1, L3, L6; breached L2, L4, L5, L7 and, judged now, L10
    # -> 3 / 8 = 37.5%
    assert lines and lines[0].startswith("- **Sam Sales** · Team: DACH SDR · MQLs owned: 8 · Within SLA: 37.5% · ")
    labels = ["Within 24 h", "Median time to first touch (h)", "Never touched", "Avg attempts"]
    assert all(f" · {label}: " in lines[0] for label in labels)  # all eight columns, none cut at 390 px


def test_the_team_chart_keeps_its_numbers_inside_the_bars(monkeypatch, seed_warehouse):
    at = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2026-03-01", "2026-03-31"])
    figure = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "DACH SDR (8)" in c.proto.spec)
    bar = figure["data"][0]
    assert bar["y"] == ["DACH SDR (8)"] and bar["text"] == ["37.5%"]  # 3 of 8 judged, as the rep line says
    assert bar["textposition"] == "inside"  # outside the bar it was cut off on a phone


def test_the_accountability_list_adds_up_and_puts_the_leads_without_an_owner_first(monkeypatch, seed_warehouse):
    con = warehouse.open_warehouse(seed_warehouse)
    con.execute("update leads set owner_rep_id = null where lead_id = 10")
    warehouse.refresh_lead_facts(con)
    con.close()
    at = open_app(monkeypatch, seed_warehouse, "pages/follow_up.py", period=["2026-03-01", "2026-03-31"])
    assert_clean(at)
    # judged now, long after March: L10 untouched (and so short of attempts too), L7 touched once of the agreed
    # minimum; 2 on the list = 1 untouched + 1 touched but short; L10 in both groups; L10 has no owner
    assert any(m.value == formats.md("2 MQLs from 1 Mar 2026 to 31 Mar 2026 on the list: 1 of them without an owner; "
                                     "1 untouched past the deadline and 1 touched but short of the agreed attempts "
                                     "after two weeks (1 of the untouched is short of them too).") for m in at.markdown)
    owners = next(d.value for d in at.dataframe if "Owner" in d.value.columns and len(d.value.columns) == 5)
    assert owners["Owner"].tolist() == ["No owner", "Sam Sales"]  # those without an owner first
    assert owners.iloc[:, 1].tolist() == [1, 1]  # one lead each, adding up to the 2 on the list
