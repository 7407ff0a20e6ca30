"""Sending the digest, end to end: a real SMTP server (aiosmtpd on 127.0.0.1) and a real HTTP server standing in for
Slack receive it; the outbox sends each message once, whatever the servers do in between."""

import email
import io
import json
import shutil
import zipfile
from datetime import datetime, timedelta
from email import policy

import pandas as pd
import pypdf
import pytest

from conftest import DEMO_AS_OF
from handshake import cli, deliver, kpis, meeting, outbox, pack, queries, subscriptions, warehouse
from handshake.access import LOCAL
from mail_server import Mailbox, Slack, free_port

# Monday 2 Nov 2026 12:00 UTC (the demo's end): the digests of Monday 8:00 for week 44 (26 Oct - 1 Nov) are due
NOW = DEMO_AS_OF
W44 = meeting.Week.parse("2026-W44")
SUBSCRIBED = datetime(2026, 10, 20)


@pytest.fixture
def con(send_demo, tmp_path):
    path = shutil.copy(send_demo, tmp_path / "warehouse.duckdb")
    connection = warehouse.open_warehouse(path)
    yield connection
    connection.close()


def subscribe(con, channel, *recipients):
    return subscriptions.add(con, "digest", channel, list(recipients), "monday", 8, LOCAL, SUBSCRIBED)


def outbox_rows(con):
    return con.execute("select recipient, period_key, state, attempts, last_error from outbox "
                       "order by message_id").fetchall()


def pdf_text(message) -> str:
    attached = next(message.iter_attachments())
    assert attached.get_filename() == "handshake-meeting-2026-W44.pdf"
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(attached.get_content())).pages)


def test_the_digest_arrives_by_email_with_the_weeks_scorecard_in_its_pdf(con, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    subscribe(con, "email", "ana@example.com")
    assert outbox.send(con, NOW, settings) == ({"sent": 1, "waiting": 0, "failed": 0}, [])
    (to, message), = mailbox.received
    assert to == ["ana@example.com"] and message["From"] == "handshake@example.com"
    assert message["Date"] == "Mon, 02 Nov 2026 12:00:00 +0000"
    assert message["Subject"] == "Handshake digest · Weekly joint meeting · Week 44 · 26 Oct – 1 Nov 2026"
    html = message.get_body(("html",)).get_content()
    assert "Weekly joint meeting · Week 44" in html
    # the scorecard meeting.py computes for the week, as the page would show it with no filter
    present = kpis.present_inputs(queries.run(con, "data_inputs").iloc[0].to_dict())
    card = meeting.scorecard(lambda calls: queries.run_many(con, calls), W44, {}, "UTC", NOW)
    missing = {name: kpis.missing_inputs(kpis.BY_NAME[name], present) for name in card["kpi"]}
    table = meeting.scorecard_table(card, missing)
    lines = pdf_text(message).splitlines()
    # each scorecard row as a line of the PDF's table: "MQLs Marketing 16 16 – 13.5 target 9, met"
    for row in table.to_dict("records"):
        shown = " ".join([row["KPI"], row["Owner"], row["This week"], row["Last week"], row["Change"],
                          row["4-week average"], row["Agreed level"]])
        assert shown in lines, shown
    # and the MQL count counted here: the demo's organisation is in UTC, so the week is 26 Oct 00:00 to 2 Nov 00:00
    mqls = con.execute("select count(*) from leads where mql_at >= '2026-10-26' and mql_at < '2026-11-02'").fetchone()[0]
    assert next(line for line in lines if line.startswith("MQLs ")).split()[2] == f"{mqls:,}"
    assert outbox_rows(con) == [("ana@example.com", "2026-W44", "sent", 1, None)]


def test_the_digest_arrives_in_slack_as_text(con, slack):
    server = slack()
    subscribe(con, "slack", server.url)
    assert outbox.send(con, NOW, None, slack_timeout=2) == ({"sent": 1, "waiting": 0, "failed": 0}, [])
    (path, payload), = server.received
    assert path == "/services/T0/B0/x"
    lines = payload["text"].splitlines()
    assert lines[0] == "Weekly joint meeting · Week 44 · 26 Oct – 1 Nov 2026"
    assert [line.split(":")[0] for line in lines[1:]] == [f"• {meeting.SHORT_LABELS[k]}" for k in meeting.SCORECARD]


def test_a_second_run_in_the_same_week_sends_nothing(con, smtp, slack):
    mailbox, server = Mailbox(), slack()
    settings = smtp(mailbox)
    subscribe(con, "email", "ana@example.com", "bo@example.com")
    subscribe(con, "slack", server.url)
    assert outbox.send(con, NOW, settings, slack_timeout=2)[0]["sent"] == 3
    for later in (NOW + timedelta(minutes=5), NOW + timedelta(days=3), datetime(2026, 11, 9, 7, 59)):
        assert outbox.send(con, later, settings, slack_timeout=2)[0] == {"sent": 0, "waiting": 0, "failed": 0}
    assert sorted(to for (to,), _ in mailbox.received) == ["ana@example.com", "bo@example.com"]
    assert len(server.received) == 1
    # Monday 9 Nov 8:00: week 45's digest, once more to each
    assert outbox.send(con, datetime(2026, 11, 9, 8), settings, slack_timeout=2)[0]["sent"] == 3


def test_a_temporary_refusal_waits_and_the_next_run_sends_it_once(con, smtp):
    mailbox = Mailbox(replies=["451 4.7.1 greylisted, try again later"])
    settings = smtp(mailbox)
    subscribe(con, "email", "ana@example.com")
    counts, problems = outbox.send(con, NOW, settings)
    assert counts == {"sent": 0, "waiting": 1, "failed": 0}
    assert "451 4.7.1 greylisted" in problems[0] and "tried again from 2026-11-02 12:05 UTC" in problems[0]
    # before the 5 minutes' wait is over nothing is tried; after it, sent once
    assert outbox.send(con, NOW + timedelta(minutes=4), settings)[0] == {"sent": 0, "waiting": 0, "failed": 0}
    assert outbox.send(con, NOW + timedelta(minutes=5), settings)[0] == {"sent": 1, "waiting": 0, "failed": 0}
    assert outbox.send(con, NOW + timedelta(minutes=30), settings)[0]["sent"] == 0
    assert [to for (to,), _ in mailbox.received] == ["ana@example.com"]
    assert outbox_rows(con) == [("ana@example.com", "2026-W44", "sent", 2, None)]


def test_a_server_that_does_not_answer_is_tried_again_with_a_longer_wait(con, smtp):
    slow = Mailbox(stall=3)  # the client waits 1 s
    port = free_port()
    subscribe(con, "email", "ana@example.com")
    counts, problems = outbox.send(con, NOW, smtp(slow, port))
    assert counts["waiting"] == 1 and "did not answer within 1 s" in problems[0]
    counts, problems = outbox.send(con, NOW + timedelta(minutes=5), smtp(Mailbox(stall=3)))
    # the second failed attempt waits twice as long: 10 minutes
    assert "tried again from 2026-11-02 12:15 UTC" in problems[0]
    slow.controller.stop()
    working = Mailbox()
    settings = smtp(working)
    assert outbox.send(con, NOW + timedelta(minutes=15), settings)[0]["sent"] == 1
    assert outbox.send(con, NOW + timedelta(hours=2), settings)[0]["sent"] == 0
    assert len(working.received) == 1 and slow.received == []


def test_a_server_going_away_mid_run_leaves_the_rest_to_the_next_run_and_sends_each_once(con, smtp):
    going = Mailbox(stop_after=1)
    settings = smtp(going)
    subscribe(con, "email", "ana@example.com", "bo@example.com", "cy@example.com")
    counts, problems = outbox.send(con, NOW, settings)
    assert counts == {"sent": 1, "waiting": 2, "failed": 0} and all("could not reach" in p for p in problems)
    back = Mailbox()
    smtp(back, settings["port"])  # the same server, started again
    assert outbox.send(con, NOW + timedelta(minutes=5), settings)[0] == {"sent": 2, "waiting": 0, "failed": 0}
    assert outbox.send(con, NOW + timedelta(minutes=20), settings)[0]["sent"] == 0
    delivered = sorted(to for box in (going, back) for (to,), _ in box.received)
    assert delivered == ["ana@example.com", "bo@example.com", "cy@example.com"]


def test_a_run_that_died_after_recording_and_before_sending_is_sent_by_the_next_run(con, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    subscribe(con, "email", "ana@example.com")
    outbox.queue(con, NOW)  # the run recorded it, then died
    assert outbox_rows(con) == [("ana@example.com", "2026-W44", "queued", 0, None)]
    assert outbox.send(con, NOW + timedelta(minutes=3), settings)[0]["sent"] == 1
    assert len(mailbox.received) == 1


def test_a_permanent_refusal_is_marked_failed_with_its_reason_and_not_tried_again(con, smtp, slack):
    mailbox, gone = Mailbox(replies=["550 5.1.1 no such mailbox"]), slack(statuses=[404])
    settings = smtp(mailbox)
    subscribe(con, "email", "nobody@example.com")
    subscribe(con, "slack", gone.url)
    counts, problems = outbox.send(con, NOW, settings, slack_timeout=2)
    assert counts == {"sent": 0, "waiting": 0, "failed": 2}
    assert [(state, error) for _, _, state, _, error in outbox_rows(con)] == [
        ("failed", "the mail server replied 550 5.1.1 no such mailbox"), ("failed", "Slack replied 404 Not Found")]
    assert "its Slack webhook" in problems[1] and gone.url not in problems[1]
    assert outbox.send(con, NOW + timedelta(hours=1), settings, slack_timeout=2)[0] == {
        "sent": 0, "waiting": 0, "failed": 0}
    assert mailbox.received == [] and gone.received == []


def test_slack_asking_to_slow_down_or_not_answering_is_tried_again(con, slack):
    busy, slow = slack(statuses=[429]), slack(stall=1.5)
    subscribe(con, "slack", busy.url)
    subscribe(con, "slack", slow.url)
    counts, problems = outbox.send(con, NOW, None, slack_timeout=0.5)
    assert counts == {"sent": 0, "waiting": 2, "failed": 0}
    assert "Slack replied 429" in problems[0] and "did not answer within 0.5 s" in problems[1]
    slow.stall = 0
    assert outbox.send(con, NOW + timedelta(minutes=5), None, slack_timeout=2)[0]["sent"] == 2
    assert len(busy.received) == 1
    # the slow server may have taken the first POST after the client gave up: that ambiguity is a timeout's own
    assert 1 <= len(slow.received) <= 2


def test_email_without_mail_settings_waits_while_slack_goes(con, slack):
    server = slack()
    subscribe(con, "email", "ana@example.com")
    subscribe(con, "slack", server.url)
    counts, problems = outbox.send(con, NOW, None, "no [handshake.smtp] in secrets.toml", slack_timeout=2)
    assert counts == {"sent": 1, "waiting": 1, "failed": 0} and "no [handshake.smtp]" in problems[0]


def test_text_from_the_data_stays_text_in_slack():
    week_pack = pack.Pack(title="Weekly joint meeting · <@U123>", subtitle="", commitments=[], agenda=[], tables={},
                          file_stem="x", scorecard=pd.DataFrame({
        "KPI": ["<https://evil.example|Click> & *bold*"], "Owner": [""], "This week": ["1"], "Last week": ["1"],
        "Change": ["–"], "4-week average": ["1"], "Agreed level": ["<!channel>"], "meets": [None]}))
    text = deliver.slack(week_pack)["text"]
    assert "<" not in text and ">" not in text
    assert "&lt;https://evil.example|Click&gt; &amp; *bold*" in text and "&lt;!channel&gt;" in text
    assert text.startswith("Weekly joint meeting · &lt;@U123&gt;")


def test_a_dry_run_writes_the_messages_and_sends_and_records_nothing(con, smtp, slack, tmp_path):
    mailbox, server = Mailbox(), slack()
    settings = smtp(mailbox)
    subscribe(con, "email", "ana@example.com")
    subscribe(con, "slack", server.url)
    written = outbox.dry_run(con, NOW, tmp_path / "out", settings)
    assert [p.name for p in written] == ["001-digest-1-2026-W44-ana@example.com.eml", "002-digest-2-2026-W44.json"]
    message = email.message_from_bytes(written[0].read_bytes(), policy=policy.default)
    assert message["To"] == "ana@example.com" and "Week 44" in pdf_text(message)
    assert json.loads(written[1].read_text())["text"].startswith("Weekly joint meeting · Week 44")
    assert mailbox.received == [] and server.received == [] and outbox_rows(con) == []


def test_send_on_the_command_line(con, smtp, tmp_path, capsys):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[handshake.smtp]\nhost = "127.0.0.1"\nport = {settings["port"]}\nfrom = "hs@example.com"\n')
    subscribe(con, "email", "ana@example.com")
    path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    con.close()
    common = ["send", "--warehouse", path, "--now", "2026-11-02T13:00:00+01:00", "--secrets", str(secrets)]
    assert cli.main([*common, "--dry-run", str(tmp_path / "dry")]) == 0
    assert "wrote 1 message" in capsys.readouterr().out and mailbox.received == []
    assert cli.main(common) == 0  # 13:00 in Paris is 12:00 UTC
    assert capsys.readouterr().out == "sent 1, waiting to be tried again 0, failed 0\n"
    assert cli.main(common) == 0 and len(mailbox.received) == 1
    assert mailbox.received[0][1]["From"] == "hs@example.com"


def test_names_from_the_data_stay_text_in_the_email(con, smtp):
    # a campaign whose post-mortem is due this week (the agenda names it) given a name that is markup and a formula
    hostile = '<a href="https://evil.example">Win</a> =HYPERLINK("https://evil.example")'
    con.execute("update campaigns set campaign_name = $name where campaign_name = 'Guide: Security first Q3 2026'",
                {"name": hostile})
    mailbox = Mailbox()
    subscribe(con, "email", "ana@example.com")
    outbox.send(con, NOW, smtp(mailbox))
    (_, message), = mailbox.received
    html = message.get_body(("html",)).get_content()
    assert "&lt;a href=&quot;https://evil.example&quot;&gt;Win&lt;/a&gt;" in html and "<a href" not in html
    assert "<a href" not in message.get_body(("plain",)).get_content()
    assert hostile in pdf_text(message).replace("\n", " ")  # printed as written


def test_a_message_waiting_for_a_retry_is_not_sent_once_its_subscription_is_removed(con, smtp):
    mailbox = Mailbox(replies=["421 4.3.2 closing for now"])
    settings = smtp(mailbox)
    made = subscribe(con, "email", "ana@example.com")
    assert outbox.send(con, NOW, settings)[0]["waiting"] == 1
    subscriptions.deactivate(con, made, LOCAL)
    assert outbox.send(con, NOW + timedelta(hours=1), settings)[0] == {"sent": 0, "waiting": 0, "failed": 0}
    assert mailbox.received == [] and outbox_rows(con)[0][2] == "queued"


def test_the_csvs_come_as_a_zip_when_asked_for(con, smtp):
    mailbox = Mailbox()
    subscriptions.add(con, "digest", "email", ["ana@example.com"], "monday", 8, LOCAL, SUBSCRIBED, with_csv=True)
    subscribe(con, "email", "bo@example.com")
    outbox.send(con, NOW, smtp(mailbox))
    attached = {to: [a.get_filename() for a in m.iter_attachments()] for (to,), m in mailbox.received}
    assert attached == {"ana@example.com": ["handshake-meeting-2026-W44.pdf", "handshake-meeting-2026-W44-csv.zip"],
                        "bo@example.com": ["handshake-meeting-2026-W44.pdf"]}
    (_, ana), = [r for r in mailbox.received if r[0] == ["ana@example.com"]]
    archive = zipfile.ZipFile(io.BytesIO(list(ana.iter_attachments())[1].get_content()))
    scorecard = pd.read_csv(io.BytesIO(archive.read("scorecard.csv")), encoding="utf-8-sig")
    assert len(scorecard) == len(meeting.SCORECARD) == 8


def test_csvs_are_for_a_digest_by_email_only(con):
    with pytest.raises(subscriptions.SubscriptionError, match="Only a digest by email carries the pack's CSVs"):
        subscriptions.add(con, "digest", "slack", ["https://hooks.slack.com/services/T/B/x"], "monday", 8, LOCAL,
                          SUBSCRIBED, with_csv=True)
    assert con.execute("select count(*) from subscriptions").fetchone() == (0,)
