"""A received digest as its reader sees it: sent by the outbox to a real SMTP server on localhost (aiosmtpd), parsed
back with the email package, its HTML part rendered in Chromium at a mail client's reading-pane width."""

import io
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pypdf

from conftest import DEMO_AS_OF
from handshake import digest, meeting, outbox, pack, subscriptions, warehouse
from handshake.access import LOCAL
from mail_server import Mailbox

NOW = DEMO_AS_OF  # Monday 2 Nov 2026 12:00 UTC: the Monday 8:00 digest of week 44 (26 Oct - 1 Nov) is due
READING_PANE = {"width": 800, "height": 900}  # a mail client's message pane beside its list of messages


def test_a_received_digest_shows_the_weeks_scorecard_in_chromium(send_demo, smtp, open_page, tmp_path):
    con = warehouse.open_warehouse(shutil.copy(send_demo, tmp_path / "warehouse.duckdb"))
    subscriptions.add(con, "digest", "email", ["ana@example.com"], "monday", 8, LOCAL, datetime(2026, 10, 20))
    mailbox = Mailbox()
    assert outbox.send(con, NOW, smtp(mailbox)) == ({"sent": 1, "waiting": 0, "failed": 0}, [])
    expected = digest.build(con, meeting.Week.parse("2026-W44"), NOW)  # what the page says of the week
    # counted here too: the demo's organisation is in UTC, so the week is 26 Oct 00:00 to 2 Nov 00:00
    mqls = con.execute("select count(*) from leads "
                       "where mql_at >= '2026-10-26' and mql_at < '2026-11-02'").fetchone()[0]
    con.close()
    (to, message), = mailbox.received  # parsed by email.message_from_bytes with the default policy
    assert to == ["ana@example.com"]
    attached = next(message.iter_attachments())
    pdf_lines = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(attached.get_content())).pages)
    pdf_lines = pdf_lines.splitlines()

    body = message.get_body(("html",)).get_content()
    page = open_page("about:blank", READING_PANE)
    page.set_content(body)
    title = page.locator("h1")
    assert title.is_visible()
    assert title.inner_text() == expected.title == "Weekly joint meeting · Week 44 · 26 Oct – 1 Nov 2026"
    scorecard = page.locator("table").first
    assert [h.strip() for h in scorecard.locator("th").all_inner_texts()] == pack.SCORECARD
    rows = scorecard.locator("tbody tr")
    assert rows.count() == len(meeting.SCORECARD) == 8
    wanted = expected.scorecard[pack.SCORECARD].to_dict("records")
    for n, want in enumerate(wanted):
        row = rows.nth(n)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert cells == list(want.values()), want["KPI"]
        assert cells[0] == meeting.SHORT_LABELS[meeting.SCORECARD[n]]
        # nothing cut off: the whole row is drawn inside the pane, no part of it scrolled out of view
        box = row.bounding_box()
        assert row.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= READING_PANE["width"], want["KPI"]
        # the attached PDF prints the same row on one line: "MQLs Marketing 127 138 -8.0% 126.5 target 91, met"
        assert " ".join(cells) in pdf_lines, cells
    assert rows.first.locator("td").nth(2).inner_text() == f"{mqls:,}"
    assert page.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth",
                         scorecard.element_handle())
    items = page.locator("ol > li")
    assert [t.strip() for t in items.all_inner_texts()] == [f"{h}\n{s}" for h, s in expected.agenda]
    assert all(items.nth(n).is_visible() for n in range(items.count()))

    shots = Path(os.environ.get("HANDSHAKE_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / "digest-email.png", full_page=True)
    assert (shots / "digest-email.png").stat().st_size > 10_000


    # a mail client that drops the <style> block still pads the cells, puts numbers on the right and colours the
    # verdicts: MQLs' 127 against a target of 91 is met (green), Attempts' 1.5 short of the minimum of 3 (red)
    page.set_content(re.sub(r"<style>.*?</style>", "", body, flags=re.S))
    rows = page.locator("table").first.locator("tbody tr")

    def seen(row: int, column: int, css: str) -> str:
        # the align attribute computes as -webkit-right, which lines up as right does
        value = rows.nth(row).locator("td").nth(column).evaluate(f"c => getComputedStyle(c).{css}")
        return value.removeprefix("-webkit-")

    assert (seen(0, 2, "textAlign"), seen(0, 2, "paddingLeft"), seen(0, 0, "textAlign")) == ("right", "6px", "left")
    mqls_row, attempts_row = meeting.SCORECARD.index("mql_count"), meeting.SCORECARD.index("avg_attempt_count")
    assert seen(mqls_row, 4, "color") == "rgb(26, 127, 55)"  # #1A7F37
    assert seen(attempts_row, 4, "color") == "rgb(198, 40, 40)"  # #C62828
    page.screenshot(path=shots / "digest-email-without-its-style.png", full_page=True)
