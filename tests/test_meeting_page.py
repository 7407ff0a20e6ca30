"""The weekly meeting page run by Streamlit's AppTest on tests/seed.sql: the week's numbers, the pack,
actions and ratings written from the page, two sessions at once."""

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from handshake import actions, digest, kpis, meeting, pack, warehouse
from conftest import APP, as_read
from test_app import assert_clean, open_app
from handshake.access import LOCAL

PAGE = "pages/weekly_meeting.py"


def open_week(monkeypatch, path, week: str | None = None):
    """The meeting page on a week. The week is picked with the widget: switching page in AppTest drops
    the URL's parameters, which a real link keeps (the browser tests cover the link)."""
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    if week:
        at.selectbox(key="week").set_value(week).run()
    return at


def meeting_colour(name: str) -> int:
    """The colour st.metric sends for a delta_color name ("red", "gray")."""
    return Metric.MetricColor.Value(name.upper())


def shown(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_the_week_shows_the_hand_worked_scorecard(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W10")
    assert_clean(at)
    # L1, L2, L3 became MQLs 2-8 Mar: see tests/test_meeting.py for the arithmetic
    assert shown(at) == {
        "MQLs": "3", "Within SLA": "66.7%", "Time to touch": "8.0 h", "Attempts": "1", "Accepted": "66.7%",
        "Reason given": "100.0%", "Revenue": "€0", "Pipeline": "€17K",
    }
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Pipeline"] == "+142.9%"  # €7,000 at 1 Mar -> €17,000 at 8 Mar
    # MQLs rose from 0 to 3 but the week's target is 7: the arrow is red; nothing was agreed on pipeline: grey
    colours = {m.label: m.proto.color for m in at.metric}
    assert (colours["MQLs"], colours["Pipeline"]) == (meeting_colour("red"), meeting_colour("gray"))
    captions = [c.value for c in at.caption]
    assert "Last week 0 · 4-week average 0.2 · target 7, not met" in captions  # 1 MQL (L9) in 4 weeks: 0.25
    agenda = next(as_read(m.value) for m in at.markdown if m.value.startswith("1. "))
    assert "1 MQL went past the first-touch SLA this week, 0 of them still untouched" in agenda  # L2
    assert "Delivered 3 MQLs against a target of 7 (42.9%)." in [as_read(m.value) for m in at.markdown]  # 3 / 7


def test_the_pack_shows_the_same_numbers_as_the_page(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W11")
    week_pack = at.session_state["meeting_pack"]
    page_values = shown(at)
    table = week_pack.scorecard.set_index("KPI")
    for label, value in page_values.items():
        assert table.at[label, "This week"] == value, label
    document = pack.html(week_pack)
    printed = " ".join(PdfReader(io.BytesIO(pack.pdf(week_pack))).pages[0].extract_text().split())
    for value in page_values.values():
        assert f">{value}<" in document
        assert value in printed
    assert week_pack.tables["SLA breaches"]["Lead (CRM id)"].tolist() == ["4", "5"]  # see test_meeting.py; no CRM: its own ids
    for heading, sentence in week_pack.agenda:
        assert sentence in next(as_read(m.value) for m in at.markdown if m.value.startswith("1. "))
    assert week_pack.title == "Weekly joint meeting · Week 11 · 9–15 Mar 2026"


@pytest.mark.parametrize("follow_ups", ["kept", "deleted"])
def test_the_digest_says_what_the_page_says(monkeypatch, seed_warehouse, follow_ups):
    if follow_ups == "deleted":  # the KPIs touches feed are blank on the page: not 0% in the email either
        con = warehouse.open_warehouse(seed_warehouse)
        con.execute("delete from follow_ups")
        warehouse.refresh_lead_facts(con)
        con.close()
    for _ in range(2):  # the page and the digest judge the SLA at one quarter hour (kpis.current_time)
        before = kpis.current_time()
        at = open_week(monkeypatch, seed_warehouse, "2026-W10")
        if kpis.current_time() == before:
            break
    page = at.session_state["meeting_pack"]
    sent = digest.build(warehouse.shared_connection(seed_warehouse).cursor(), meeting.Week.parse("2026-W10"), before)
    assert sent.title == page.title == "Weekly joint meeting · Week 10 · 2–8 Mar 2026"
    assert sent.scorecard.equals(page.scorecard)
    assert sent.commitments == page.commitments
    # the accountability list is the sidebar's period, which the page has and the digest does not
    assert sent.agenda == [item for item in page.agenda if item[0] != "Accountability list"]
    assert len(sent.agenda) == len(page.agenda) - 1 == 5
    assert sent.tables.keys() == page.tables.keys() - {"Accountability list by owner"}
    for name, table in sent.tables.items():
        assert table.equals(page.tables[name]), name
    if follow_ups == "deleted":
        assert page.scorecard.set_index("KPI").at["Within SLA", "This week"] == "not measured"
        assert "Within SLA" not in page.agenda[0][1]  # what moved most: not a KPI that was not measured


def test_the_week_follows_the_sidebars_period(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse)
    assert_clean(at)
    # the sidebar's default period ends with the newest lead, Tue 31 Mar 2026: its last whole week ends Sun 29 Mar
    assert at.selectbox(key="week").value == "2026-W13"
    # a link with the sidebar's period to Wed 18 Mar (AppTest keeps app.py's sidebar out of a switched page's tree,
    # so the period comes as a link sets it): the week that ends on or before it is 9-15 Mar, W11
    at = open_app(monkeypatch, seed_warehouse, PAGE, period=["2026-03-01", "2026-03-18"])
    assert_clean(at)
    assert at.selectbox(key="week").value == "2026-W11"
    assert shown(at)["MQLs"] == "2"  # L4, L5 became MQLs 9-15 Mar
    captions = [as_read(c.value) for c in at.caption]
    assert any(c.startswith("Week 11 · 9–15 Mar 2026: the last whole week of the sidebar's period (to 18 Mar 2026)")
               for c in captions)
    at.selectbox(key="week").set_value("2026-W10").run()  # picked by hand, and said so
    captions = [as_read(c.value) for c in at.caption]
    assert any("picked here; the sidebar's period (to 18 Mar 2026) would show Week 11" in c for c in captions)


def test_a_week_after_the_newest_lead_offers_the_last_week_with_leads(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W16")  # 13-19 Apr, after the newest lead
    assert_clean(at)
    assert "newest lead in the warehouse is from 31 Mar 2026" in at.warning[0].value
    at.button(key="open_latest_week").click().run()
    assert at.selectbox(key="week").value == "2026-W14"
    assert shown(at)["MQLs"] == "1"  # L10


def test_a_week_with_no_leads_shows_zeros_and_dashes(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W15")
    assert_clean(at)
    assert shown(at)["MQLs"] == "0"
    assert shown(at)["Within SLA"] == "–"


def test_projector_mode_keeps_the_numbers(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W10")
    at.toggle(key="projector").set_value(True).run()
    assert_clean(at)
    assert shown(at)["MQLs"] == "3"
    # large numbers only: the bars stay in the normal layout, so both rows of four cards fit on one 720 px screen
    assert [list(m.proto.chart_data) for m in at.metric] == [[]] * 8


def test_an_action_added_on_the_page_is_listed_and_stored(monkeypatch, seed_warehouse):
    # the last complete week: its meeting is this week, when the action is agreed
    at = open_week(monkeypatch, seed_warehouse, meeting.last_complete_week("UTC").label)
    at.text_input(key="new_title").input("Call back the webinar leads")
    at.selectbox(key="new_owner").set_value("Sam Sales")
    at.selectbox(key="new_function").set_value("sales")
    at.button(key="add_action_button").click().run()
    assert_clean(at)
    assert at.success[0].value == "Action #1 added."
    listed = next(d.value for d in at.dataframe if "Action" in d.value)
    assert listed[["#", "Action", "Owner", "Status"]].values.tolist() == [
        ["1", "Call back the webinar leads", "Sam Sales", "Open"]]
    con = warehouse.shared_connection(seed_warehouse)
    assert con.execute("select owner, owner_function, status from meeting_actions").fetchall() == [
        ("Sam Sales", "sales", "open")]


def test_an_action_without_a_title_is_refused_on_the_page(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W10")
    at.selectbox(key="new_owner").set_value("Sam Sales")
    at.button(key="add_action_button").click().run()
    assert at.error[0].value == "An action needs a title: what is to be done."
    assert warehouse.shared_connection(seed_warehouse).execute("select count(*) from meeting_actions").fetchone()[0] == 0


def test_two_sessions_editing_one_action_keep_both_edits(monkeypatch, seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    action_id = actions.create(con, "Fix routing", "Mara Market", "marketing", date(2026, 3, 13), LOCAL,
                               datetime(2026, 3, 2, 9, 0))
    first = open_week(monkeypatch, seed_warehouse, "2026-W10")
    second = open_week(monkeypatch, seed_warehouse, "2026-W10")
    # both sessions show the action; the first moves its due date, then the second renames it
    first.date_input(key=f"edit_due_{action_id}").set_value(date(2026, 3, 20))
    first.button(key="save_action").click().run()
    assert first.success[0].value == f"Action #{action_id} saved."
    second.text_input(key=f"edit_title_{action_id}").input("Fix lead routing")
    second.button(key="save_action").click().run()
    assert_clean(second)
    assert con.execute("select title, due_date from meeting_actions").fetchone() == ("Fix lead routing", date(2026, 3, 20))
    fields = [r[0] for r in con.execute("select field from meeting_action_history order by field").fetchall()]
    assert fields == ["created", "due_date", "title"]


def test_the_same_field_saved_from_two_sessions_warns_the_second(monkeypatch, seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    action_id = actions.create(con, "Fix routing", "Mara Market", "marketing", None, LOCAL, datetime(2026, 3, 2, 9))
    first = open_week(monkeypatch, seed_warehouse, "2026-W10")
    second = open_week(monkeypatch, seed_warehouse, "2026-W10")
    first.text_input(key=f"edit_owner_{action_id}").input("Sam Sales")
    first.button(key="save_action").click().run()
    second.text_input(key=f"edit_owner_{action_id}").input("Both heads")
    second.button(key="save_action").click().run()
    assert "had been changed to 'Sam Sales' meanwhile" in second.warning[0].value
    assert con.execute("select count(*) from meeting_action_history where field = 'owner'").fetchone()[0] == 2


def test_a_rating_given_in_the_meeting_is_stored(monkeypatch, seed_warehouse):
    at = open_week(monkeypatch, seed_warehouse, "2026-W14")
    at.selectbox(key="rate_campaign_id").set_value(40)
    at.radio(key="rate_rating").set_value(2)
    at.text_area(key="rate_comment").input("Students, not buyers")
    at.button(key="save_rating").click().run()
    assert_clean(at)
    assert "Rating saved for Guide" in at.success[0].value
    rows = warehouse.shared_connection(seed_warehouse).execute(
        "select rating, comment from campaign_feedback where campaign_id = 40").fetchall()
    assert rows == [(2, "Students, not buyers")]


@pytest.mark.parametrize("missing", ["campaign", "rating"])
def test_a_rating_needs_a_campaign_and_a_score(monkeypatch, seed_warehouse, missing):
    at = open_week(monkeypatch, seed_warehouse, "2026-W14")
    if missing != "campaign":
        at.selectbox(key="rate_campaign_id").set_value(40)
    if missing != "rating":
        at.radio(key="rate_rating").set_value(3)
    at.button(key="save_rating").click().run()
    assert at.error[0].value == "Choose a campaign and a rating from 1 to 5 before saving."


def test_the_time_zone_set_on_the_warehouse_page_moves_the_week(monkeypatch, seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    con.execute("""insert into leads (lead_id, created_at, source, sourced_by, segment, region, lead_score,
                   mql_at, status) values (12, '2026-03-08 23:00', 'organic', 'marketing', 'SMB', 'DACH', 70,
                   '2026-03-08 23:30', 'mql')""")
    warehouse.refresh_lead_facts(con)
    monkeypatch.setenv("HANDSHAKE_WAREHOUSE", str(seed_warehouse))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/warehouse.py").run()
    at.selectbox(key="timezone").set_value("Europe/Berlin")
    at.button(key="save_timezone").click().run()
    assert at.success[0].value.startswith("Days now start at midnight Europe/Berlin")
    # 23:30 UTC on Sunday 8 Mar is Monday 9 Mar in Berlin: W10 keeps L1-L3 only
    assert shown(open_week(monkeypatch, seed_warehouse, "2026-W10"))["MQLs"] == "3"


def test_the_accountability_list_adds_up_and_is_grouped_by_owner(monkeypatch, seed_warehouse):
    con = warehouse.shared_connection(seed_warehouse)
    con.execute("update leads set owner_rep_id = null where lead_id = 7")  # nobody owns L7 now
    warehouse.refresh_lead_facts(con)
    at = open_week(monkeypatch, seed_warehouse)
    assert_clean(at)
    # the sidebar's period, 1 Jan to 31 Mar, today: L7 (touched once of 3, long past its two weeks) and L10
    # (never touched, past its deadline and its two weeks) are still undecided; 1 untouched + 1 touched = 2
    headline = ("2 MQLs from 1 Jan 2026 to 31 Mar 2026 on the list: 1 of them without an owner; 1 untouched past "
                "the deadline and 1 touched but short of the agreed attempts after two weeks (1 of the untouched is "
                "short of them too).")
    assert headline in [as_read(m.value) for m in at.markdown]
    agenda = next(as_read(m.value) for m in at.markdown if m.value.startswith("1. "))
    assert f"**Accountability list**: {headline}" in agenda
    owners = next(d.value for d in at.dataframe if "On the list" in d.value)
    assert owners[meeting.OWNER_COLUMNS[:4]].values.tolist() == [
        ["No owner", 1, 0, 1], ["Sam Sales", 1, 1, 0]]  # nobody's first
    listed = next(d.value for d in at.dataframe if "Why on the list" in d.value)
    assert listed["Owner"].tolist() == ["No owner", "Sam Sales"]
    assert listed["Overdue by"].iloc[1].endswith(" days")  # L10 has waited since 1 Apr 2026: months, in days
    assert at.session_state["meeting_pack"].tables["Accountability list by owner"].equals(owners)
