"""The joint agreement's versions, worked out by hand from tests/seed.sql (v1 from 1 Jan 2026: score 50,
24 h SLA, 3 attempts, 31 MQLs and €31,000 a month; v2 from 16 Mar: 50, 4 h, 3, 62 and €62,000), and the
Definitions page that records them, run by Streamlit's AppTest."""

from datetime import date, datetime

import pytest
from streamlit.testing.v1 import AppTest

from handshake import agreements, queries, warehouse
from conftest import APP
from test_app import assert_clean
from handshake.access import Person

PAGE = "pages/definitions.py"
AT = datetime(2026, 3, 30, 9, 15)
V2 = {"mql_score_threshold": 50, "first_touch_sla_hours": 4.0, "min_attempts": 3, "monthly_mql_target": 62,
      "monthly_revenue_target_eur": 62000.0}


def versions(con) -> list[tuple]:
    return con.execute("select * from agreements order by effective_date").fetchall()


# ---- the module

def test_a_valid_version_is_written_with_who_and_when(seed_con):
    before = warehouse.data_version(seed_con)
    changed = agreements.add_version(seed_con, date(2026, 4, 1), dict(V2, first_touch_sla_hours=8.0),
                                     Person(" Mara Market ", "admin"), "Sales asked for a working day", AT)
    assert changed == ["first-touch SLA 4 h → 8 h"]
    assert versions(seed_con)[-1] == (date(2026, 4, 1), 50, 8.0, 3, 62, 62000, "Mara Market", AT,
                                      "Sales asked for a working day")
    assert warehouse.data_version(seed_con) == before + 1
    in_force = queries.run(seed_con, "agreement_in_force", {"day": date(2026, 4, 2)})
    assert in_force["first_touch_sla_hours"].tolist() == [8.0]


def test_a_term_left_out_or_empty_is_stored_as_not_agreed(seed_con):
    changed = agreements.add_version(seed_con, date(2026, 4, 1), dict(V2, monthly_revenue_target_eur=None),
                                     Person("Heads", "admin"), None, AT)
    assert changed == ["monthly revenue target €62,000 → not agreed"]
    agreements.add_version(seed_con, date(2026, 5, 1), {"mql_score_threshold": 55}, Person("Heads", "admin"), "  ", AT)
    assert versions(seed_con)[-1] == (date(2026, 5, 1), 55, None, None, None, None, "Heads", AT, None)


def test_the_first_version_may_take_any_date(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    try:
        assert agreements.add_version(con, date(2020, 1, 1), V2, Person("Heads", "admin"), None, AT) == []
        assert [row[0] for row in versions(con)] == [date(2020, 1, 1)]
    finally:
        con.close()


@pytest.mark.parametrize("effective", [date(2026, 3, 16), date(2026, 2, 1)])
def test_a_version_not_after_the_latest_is_refused(seed_con, effective):
    with pytest.raises(agreements.AgreementError, match="must take effect after 16 Mar 2026"):
        agreements.add_version(seed_con, effective, V2, Person("Heads", "admin"), None, AT)


@pytest.mark.parametrize("term, value, says", [
    ("mql_score_threshold", 101, "whole number from 0 to 100"),
    ("mql_score_threshold", -1, "whole number from 0 to 100"),
    ("mql_score_threshold", 55.5, "whole number from 0 to 100"),
    ("first_touch_sla_hours", 0, "above 0 and at most 720"),
    ("first_touch_sla_hours", 720.5, "above 0 and at most 720"),
    ("first_touch_sla_hours", float("nan"), "above 0 and at most 720"),
    ("min_attempts", 0, "whole number from 1 to 20"),
    ("min_attempts", 21, "whole number from 1 to 20"),
    ("monthly_mql_target", -1, "0 or more"),
    ("monthly_mql_target", 10.5, "whole number of MQLs"),
    ("monthly_revenue_target_eur", -0.01, "0 or more"),
])
def test_a_term_out_of_range_is_refused_with_what_to_do(term, value, says):
    with pytest.raises(agreements.AgreementError, match=says):
        agreements.check(date(2026, 4, 1), dict(V2, **{term: value}), "Heads", date(2026, 3, 16))


@pytest.mark.parametrize("terms", [
    {"mql_score_threshold": 0, "first_touch_sla_hours": 720, "min_attempts": 1, "monthly_mql_target": 0,
     "monthly_revenue_target_eur": 0},
    {"mql_score_threshold": 100, "first_touch_sla_hours": 0.5, "min_attempts": 20},
    dict.fromkeys(agreements.TERMS),
])
def test_terms_at_their_limits_or_not_agreed_are_accepted(terms):
    agreements.check(date(2026, 4, 1), terms, "Heads", date(2026, 3, 16))


@pytest.mark.parametrize("by", ["", "   ", None])
def test_a_version_needs_the_name_of_who_records_it(by):
    with pytest.raises(agreements.AgreementError, match="Type your name"):
        agreements.check(date(2026, 4, 1), V2, by, date(2026, 3, 16))


@pytest.mark.parametrize("since, expected", [
    (date(2026, 3, 10), 5),  # L4 (10 Mar 09:00), L5 (12 Mar), L6 (20 Mar), L7 (25 Mar), L10 (31 Mar 22:00)
    (date(2026, 3, 20), 3),  # L6 (20 Mar 09:00), L7, L10; L8 of 31 Mar never became an MQL
    (date(2026, 4, 1), 0),   # the newest MQL is L10, 31 Mar 22:00
])
def test_the_mqls_a_backdated_version_judges_are_counted(run_query, since, expected):
    assert run_query("mqls_since", since=since)["mql_count"].tolist() == [expected]


def test_the_counted_mqls_are_the_ones_the_new_version_judges(seed_con):
    counted = queries.run(seed_con, "mqls_since", {"since": date(2026, 3, 20)})["mql_count"].iloc[0]
    agreements.add_version(seed_con, date(2026, 3, 20), dict(V2, first_touch_sla_hours=8.0), Person("Heads", "admin"), None, AT)
    judged = seed_con.execute(
        "select list(lead_id order by lead_id) from lead_facts where agreement_effective_date = '2026-03-20'"
    ).fetchone()[0]
    assert judged == [6, 7, 10]  # 3 leads, as counted
    assert counted == len(judged)


def test_a_refused_version_leaves_the_table_unchanged(seed_con):
    before, version = versions(seed_con), warehouse.data_version(seed_con)
    with pytest.raises(agreements.AgreementError):
        agreements.add_version(seed_con, date(2026, 4, 1), dict(V2, min_attempts=0), Person("Heads", "admin"), None, AT)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (before, version)


def test_a_write_that_fails_after_inserting_leaves_the_table_unchanged(seed_con, monkeypatch):
    before, version = versions(seed_con), warehouse.data_version(seed_con)

    def fail(cur):
        raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse, "bump_data_version", fail)  # runs after the insert, in the same transaction
    with pytest.raises(RuntimeError):
        agreements.add_version(seed_con, date(2026, 4, 1), V2, Person("Heads", "admin"), None, AT)
    assert (versions(seed_con), warehouse.data_version(seed_con)) == (before, version)


# ---- the page

def open_definitions(monkeypatch, path):
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    return at


def history(at):
    return at.dataframe[0].value


def test_the_page_shows_the_agreement_in_force_and_its_history(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    assert_clean(at)
    summary = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert "within **4 hours** of the hand-off and make at least **3 attempts**" in summary  # v2 holds today
    assert "**62 MQLs a month**" in summary and "**€62,000 revenue a month**" in summary
    assert history(at)["note"].tolist() == ["v2", "v1"]
    # the form starts from v2
    assert at.number_input(key="def_sla_hours").value == 4.0
    assert at.number_input(key="def_mql_target").value == 62
    assert not at.checkbox  # the default date is in the future: nothing to confirm


def test_an_empty_warehouse_invites_the_first_version(monkeypatch, empty_warehouse):
    at = open_definitions(monkeypatch, empty_warehouse)
    assert_clean(at)
    assert "first step from the Undefined to the Defined stage" in at.info[0].value
    assert at.number_input(key="def_threshold").value is None
    at.number_input(key="def_threshold").set_value(60)
    at.number_input(key="def_sla_hours").set_value(24.0)
    at.text_input(key="def_by").input("Heads")
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert at.success[0].value.startswith("Saved the first version of the joint agreement")
    assert history(at)["mql_score_threshold"].tolist() == [60]


def test_a_version_added_on_the_page_is_in_the_history(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    effective = at.date_input(key="def_effective").value  # the default: tomorrow
    at.number_input(key="def_mql_target").set_value(70)
    at.text_input(key="def_by").input("Mara Market")
    at.text_input(key="def_note").input("More webinars planned")
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert at.success[0].value == (f"Saved the version that takes effect on {effective.day} {effective:%b %Y}. "
                                   "Compared with the version before: monthly MQL target 62 → 70.")
    newest = history(at).iloc[0]
    assert (newest["effective_date"].date(), newest["monthly_mql_target"], newest["changed_by"], newest["note"]) == (
        effective, 70, "Mara Market", "More webinars planned")
    assert at.text_input(key="def_by").value == ""  # the form starts again from the new version


def test_a_backdated_version_needs_the_confirmation(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.date_input(key="def_effective").set_value(date(2026, 3, 20)).run()
    # L6, L7 and L10 became MQLs on or after 20 Mar
    assert "the 3 MQLs since 20 Mar 2026 will be judged by this version" in at.checkbox(key="def_confirm").label
    at.number_input(key="def_sla_hours").set_value(8.0)
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert "tick the box above to confirm" in at.error[0].value
    assert len(history(at)) == 2
    at.checkbox(key="def_confirm").check()
    at.button(key="def_save").click().run()
    assert_clean(at)
    assert "first-touch SLA 4 h → 8 h" in at.success[0].value
    assert history(at)["effective_date"].dt.date.tolist() == [date(2026, 3, 20), date(2026, 3, 16), date(2026, 1, 1)]


def test_a_term_out_of_range_is_refused_on_the_page(monkeypatch, seed_warehouse):
    at = open_definitions(monkeypatch, seed_warehouse)
    at.number_input(key="def_threshold").set_value(150)
    at.text_input(key="def_by").input("Mara Market")
    at.button(key="def_save").click().run()
    assert at.error[0].value.startswith("The MQL score threshold is a whole number from 0 to 100")
    assert len(history(at)) == 2
