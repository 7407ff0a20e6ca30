"""The journeys people take through Handshake, in a real browser against the real server."""

import csv
import re
from datetime import date, datetime, timedelta

from e2e.browsing import add_action, main_text, settle, widget

from handshake import assessment, kpis, meeting, queries, warehouse


def months_ago(today: date, months: int) -> tuple[date, date]:
    """The first and last day of the calendar month `months` before today's."""
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def pick_period(page, start: date, end: date) -> None:
    """Type a period into the sidebar's date field, as a person does, and close its calendar to apply it."""
    for which, day in (("start", start), ("end", end)):
        page.get_by_role("spinbutton", name=f"year, Period {which} date").click()
        page.keyboard.type(f"{day:%Y%m%d}")
    page.keyboard.press("Escape")
    page.get_by_text(f"{start:%d %b %Y} to {end:%d %b %Y}").first.wait_for()
    settle(page)


def test_a_leader_changes_the_period_and_downloads_the_mqls_nobody_touched(demo_server, e2e_demo, open_page):
    start, end = months_ago(date.today(), 2)  # a month long settled: nobody can touch its leads meanwhile
    page = open_page(demo_server.url)
    page.get_by_text("Where we stand").wait_for()
    settle(page)
    pick_period(page, start, end)
    assert f"period={start:%Y-%m-%d}&period={end:%Y-%m-%d}" in page.url  # the view is a link to send

    page.get_by_role("link", name="The MQLs nobody touched").click()
    page.get_by_role("heading", name="MQLs nobody has touched").wait_for()
    settle(page)
    assert "/follow_up" in page.url
    assert f"{start:%d %b %Y} to {end:%d %b %Y}" in main_text(page)  # the period came along
    listed = page.locator('[data-testid="stExpander"]').filter(
        has=page.locator("summary", has_text=re.compile(r"MQLs? never touched")))
    shown = int(re.search(r"([\d,]+) MQLs? never touched", listed.inner_text())[1].replace(",", ""))
    with page.expect_download() as download:
        listed.get_by_role("button", name=f"Download all {shown:,} as CSV").click()
    assert download.value.suggested_filename == "handshake_never_touched_mqls.csv"
    with open(download.value.path(), newline="") as f:
        rows = list(csv.DictReader(f))

    # the file holds the rows the page counts: the query's whole list, on a copy of the warehouse the server reads
    con = warehouse.open_warehouse(e2e_demo)
    try:
        tz = warehouse.organisation_timezone(warehouse.meta(con))
        params = dict(kpis.query_params(start, end, tz=tz), limit=None)
        expected = queries.run(con, "follow_up_never_touched", params)
    finally:
        con.close()
    assert shown > 0
    assert len(rows) == shown == len(expected)
    assert [int(r["lead_id"]) for r in rows] == expected["lead_id"].tolist()
    assert all(r["status"] and r["mql_at"] for r in rows)


def test_the_weekly_meeting_adds_an_action_and_its_pack_shows_the_pages_numbers(demo_server, tmp_path, open_page):
    page = open_page(f"{demo_server.url}/weekly_meeting")
    page.get_by_role("heading", name="Scorecard").wait_for()
    settle(page)
    tz = re.search(r"days in ([\w/+-]+)", main_text(page))[1]
    # the week follows the sidebar's period, which by default ends on the newest lead's day
    newest = re.search(r"Leads from .+ to (\d\d \w{3} \d{4})\.", page.locator('[data-testid="stSidebar"]').inner_text())[1]
    last_week = meeting.week_for_period(datetime.strptime(newest, "%d %b %Y").date(), tz)
    assert widget(page, "stSelectbox", "Week").locator("input").input_value() == last_week.describe()
    assert f"week={last_week.label}" in page.url
    cards = page.locator('[data-testid="stMetric"]')
    assert cards.count() == 8
    shown = {}
    for n in range(cards.count()):
        label, value = cards.nth(n).locator('[data-testid="stMetricLabel"]'), cards.nth(n).locator('[data-testid="stMetricValue"]')
        shown[label.inner_text().strip()] = value.inner_text().strip()
    assert all(shown.values()), shown

    action_id = add_action(page, "Call back the webinar MQLs nobody touched", "Dana Tester")
    widget(page, "stSelectbox", "Action").click()
    page.get_by_role("option", name=f"#{action_id} · Call back the webinar MQLs nobody touched").wait_for()
    page.keyboard.press("Escape")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download HTML").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"handshake-meeting-{last_week.label}.html"
    pack = open_page(saved.as_uri())
    text = pack.inner_text("body")
    assert last_week.describe() in text
    assert "Call back the webinar MQLs nobody touched" in text and "Dana Tester" in text
    for label, value in shown.items():
        row = next((line for line in text.splitlines() if line.startswith(label)), None)
        assert row is not None and value in row, (label, value, row)


def test_a_respondent_answers_the_questionnaire_and_sees_their_score_and_stage(demo_server, open_page):
    page = open_page(f"{demo_server.url}/questionnaire")
    page.get_by_role("button", name="Submit my answers").wait_for()
    settle(page)
    radios = page.locator('[data-testid="stRadio"]')
    assert radios.count() == 2 + 20
    radios.nth(0).get_by_text("Sales", exact=True).click()
    radios.nth(1).get_by_text("Staff", exact=True).click()
    ratings = [4] * 10 + [3] * 10
    for n, rating in enumerate(ratings):
        radios.nth(2 + n).get_by_text(re.compile(rf"^{rating} ")).click()

    page.get_by_role("button", name="Submit my answers").click()
    page.get_by_text("Your score").wait_for()
    settle(page)
    text = main_text(page)
    total = 10 * 4 + 10 * 3  # = 70
    assert assessment.score(dict(zip(assessment.statement_ids(), ratings))) == total
    assert f"{total} / 100" in text
    assert "Aligned" in text and "60 to 79 of 100" in text  # 70 lies in Aligned's band
    assert "Nothing was stored" not in text


def test_a_user_imports_a_small_export_and_sees_its_numbers_on_the_overview(empty_server, tmp_path, open_page):
    export = tmp_path / "our_leads.csv"
    export.write_text(
        "lead_id,created_at,source,segment,region,lead_score,mql_at,accepted_at,rejected_at,rejection_reason\n"
        "L1,2026-10-01 09:00,webinar,SMB,DACH,80,2026-10-02 10:00,2026-10-03 10:00,,\n"
        "L2,2026-10-05 09:00,webinar,SMB,DACH,75,2026-10-06 10:00,,2026-10-07 10:00,not a fit\n"
        "L3,2026-10-08 09:00,paid_search,Enterprise,Nordics,90,2026-10-09 10:00,,,\n"
        "L4,2026-10-10 09:00,paid_search,SMB,DACH,20,,,,\n"
        "L5,2026-10-12 09:00,content,SMB,DACH,30,,,,\n"
    )
    page = open_page(empty_server.url)
    page.get_by_text("This warehouse holds no leads yet").wait_for()
    settle(page)
    page.get_by_role("link", name="Import data").first.click()
    page.get_by_role("heading", name="1. The file").wait_for()
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(export))
    page.get_by_role("button", name="Check the file").click()
    report = page.get_by_text("checked with mapping")
    report.wait_for()
    settle(page)
    metrics = page.locator('[data-testid="stMetric"]')
    assert [metrics.nth(n).inner_text().split("\n")[-1] for n in range(4)] == ["5 rows", "5 rows", "0 rows", "0 rows"]
    page.get_by_role("button", name="Import 5 accepted rows").click()
    page.get_by_text(re.compile(r"Imported our_leads\.csv as import #1: 5 rows new")).wait_for()
    settle(page)

    page.get_by_role("link", name="Overview").first.click()
    page.get_by_text("Where we stand").wait_for()
    settle(page)
    # the period this session had on the empty warehouse (90 days to today) now follows the data: the 90 days
    # up to the newest lead, 12 Oct 2026 back to 15 Jul (12 Oct - 89 days), which hold L1 to L3's MQL days
    assert "15 Jul 2026 to 12 Oct 2026" in main_text(page)
    card = {}
    for n in range(page.locator('[data-testid="stMetric"]').count()):
        metric = page.locator('[data-testid="stMetric"]').nth(n)
        card[metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()] = metric.inner_text()
    assert "\n3\n" in f"\n{card['MQLs delivered']}\n"  # L1, L2 and L3 became MQLs
    assert "50.0%" in card["Acceptance rate"]  # 1 accepted / (1 accepted + 1 rejected)
    text = main_text(page)
    assert "1 accepted, 1 rejected, 1 undecided." in text
    # no deals in the export: a dash and what to import, not a 0% that would blame sales
    assert card["MQL to won"].split("\n")[-1] == "–"
    assert "No won or lost deal and no lead recorded as won: MQL to won cannot be measured." in text
