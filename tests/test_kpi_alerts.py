"""KPI alerts, worked out by hand from tests/seed.sql, whose weeks (UTC, the seed's zone) hold:
W10 (2-8 Mar): MQLs L1, L2, L3 (3); decided L1, L3 accepted, L2 rejected; revenue 0.
W11 (9-15 Mar): MQLs L4, L5 (2); L4 rejected, L5 accepted; revenue 3,000 (opp 99 on 15 Mar).
W12 (16-22 Mar): MQL L6 (1), accepted; revenue 10,000 (opp 1 on 20 Mar).
W13 (23-29 Mar): MQL L7 (1), undecided; revenue 0.
W14 (30 Mar-5 Apr): MQL L10 (1), undecided; revenue 5,000 (30 Mar) + 2,000 (5 Apr) = 7,000.
W15 (6-12 Apr): after the data (the newest lead is from 31 Mar).
Each run of send is on the Monday after a week, at 06:00 UTC, so that week is the last complete one. The mail goes to
a real SMTP server on localhost (aiosmtpd), Slack's webhook to a real HTTP server."""

import email
from datetime import datetime
from email import policy

import pytest

from handshake import cli, kpi_alerts, kpis, meeting, outbox, subscriptions, warehouse
from handshake.access import LOCAL
from mail_server import Mailbox, Slack

CREATED = datetime(2026, 3, 1)
W10, W11, W12, W13, W14, W15 = (meeting.Week.parse(f"2026-W{n}") for n in range(10, 16))
AFTER = {W10: datetime(2026, 3, 9, 6), W11: datetime(2026, 3, 16, 6), W12: datetime(2026, 3, 23, 6),
         W13: datetime(2026, 3, 30, 6), W14: datetime(2026, 4, 6, 6), W15: datetime(2026, 4, 13, 6)}


def alert(con, kpi, rule, threshold, channel="email", to=("ana@example.com",), **filters):
    return subscriptions.add(con, "kpi_alert", channel, list(to), None, None, LOCAL, CREATED,
                             rule={"kpi": kpi, "rule": rule, "threshold": threshold, **filters})


def outbox_rows(con):
    return con.execute("select subscription_id, period_key, recipient, state from outbox order by message_id").fetchall()


def state(con):
    return con.execute("select subscription_id, holds, since_key, value, compared_value from kpi_alert_state "
                       "order by subscription_id").fetchall()


def subscription(con, sub_id):
    return outbox.Messages(con, AFTER[W10], None).subscription(sub_id)


def test_the_runs_are_on_the_monday_after_each_week():
    assert [meeting.last_complete_week("UTC", AFTER[w]) for w in AFTER] == [W10, W11, W12, W13, W14, W15]


def test_a_rule_that_holds_three_runs_in_a_row_sends_one_alert(seed_con, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    made = alert(seed_con, "mql_count", "below", 3)
    # W11: 2 < 3 holds; W12: 1 < 3 still; W13: 1 < 3 still
    for week in (W11, W12, W13):
        outbox.send(seed_con, AFTER[week], settings)
    (to, message), = mailbox.received
    assert to == ["ana@example.com"]
    assert message["Subject"] == "Handshake alert · MQLs delivered below 3 (week 11)"
    assert message["Date"] == "Mon, 16 Mar 2026 06:00:00 +0000"
    body = message.get_body(("plain",)).get_content()
    assert "MQLs delivered below 3." in body
    assert "MQLs delivered was 2 in week 11 (9–15 Mar 2026, days in UTC), against 3 in week 10." in body
    assert "For the whole organisation." in body
    assert kpis.BY_NAME["mql_count"].definition in body
    assert outbox_rows(seed_con) == [(made, "2026-W11", "ana@example.com", "sent")]
    # the state keeps the week it started, and this week's value against last week's: W13 1, W12 1
    assert state(seed_con) == [(made, True, "2026-W11", 1, 1)]


def test_a_rule_that_stops_holding_and_starts_again_sends_a_second_alert(seed_con, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    made = alert(seed_con, "revenue_eur", "above", 5000)
    outbox.send(seed_con, AFTER[W12], settings)  # 10,000 > 5,000: starts
    outbox.send(seed_con, AFTER[W13], settings)  # 0: stops
    assert state(seed_con) == [(made, False, None, 0, 10000)]
    outbox.send(seed_con, AFTER[W14], settings)  # 5,000 + 2,000 = 7,000 > 5,000: starts again
    assert [m["Subject"] for _, m in mailbox.received] == [
        "Handshake alert · Revenue above €5K (week 12)", "Handshake alert · Revenue above €5K (week 14)"]
    assert outbox_rows(seed_con) == [(made, "2026-W12", "ana@example.com", "sent"),
                                     (made, "2026-W14", "ana@example.com", "sent")]
    body = mailbox.received[1][1].get_body(("plain",)).get_content()
    assert "Revenue was €7K in week 14 (30 Mar – 5 Apr 2026, days in UTC), against €0 in week 13." in body


@pytest.mark.parametrize("kpi, rule, threshold, week, filters, holds", [
    ("acceptance_rate", "below", 60, W11, {}, True),  # L5 of L4, L5: 1 / 2 = 50% < 60%
    ("acceptance_rate", "below", 60, W10, {}, False),  # L1, L3 of L1-L3: 2 / 3 = 66.7%, not < 60%
    ("acceptance_rate", "below", 50, W11, {}, False),  # 50% is not below 50%
    ("acceptance_rate", "below", 60, W11, {"region": "DACH"}, True),  # DACH's L4 only, rejected: 0 / 1 = 0%
    ("acceptance_rate", "below", 60, W10, {"region": "DACH"}, False),  # DACH's L1, L3, both accepted: 2 / 2
    ("revenue_eur", "above", 5000, W12, {}, True),  # 10,000 > 5,000
    ("revenue_eur", "above", 5000, W11, {}, False),  # 3,000
    ("mql_count", "change_pct", 30, W11, {}, True),  # |2 - 3| / 3 = 33.3% > 30%
    ("mql_count", "change_pct", 40, W11, {}, False),  # 33.3% is not > 40%
    ("revenue_eur", "change_pct", 200, W12, {}, True),  # |10,000 - 3,000| / 3,000 = 233.3% > 200%
    ("revenue_eur", "change_pct", 99, W13, {}, True),  # |0 - 10,000| / 10,000 = 100% > 99%: a fall counts too
    ("revenue_eur", "change_pct", 1, W11, {}, False),  # from 0 in W10: no percentage to judge
    ("acceptance_rate", "change_points", 15, W11, {}, True),  # |50% - 66.7%| = 16.7 points > 15
    ("acceptance_rate", "change_points", 20, W11, {}, False),  # 16.7 points is not > 20
    ("acceptance_rate", "change_points", 40, W12, {}, True),  # L6 accepted: |100% - 50%| = 50 points > 40
])
def test_each_rule_is_judged_on_the_weeks_values(seed_con, kpi, rule, threshold, week, filters, holds):
    made = alert(seed_con, kpi, rule, threshold, **filters)
    found = kpi_alerts.reading(seed_con, subscription(seed_con, made), week, "UTC", AFTER[week])
    assert found.holds is holds, found
    assert kpi_alerts.due(seed_con, subscription(seed_con, made), "UTC", AFTER[week], record=False) == (
        [(week.label, "ana@example.com")] if holds else [])


def test_a_change_alert_says_the_change_it_judged(seed_con, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    alert(seed_con, "acceptance_rate", "change_points", 15, to=("ana@example.com",))
    alert(seed_con, "mql_count", "change_pct", 30, to=("bo@example.com",))
    assert outbox.send(seed_con, AFTER[W11], settings)[0]["sent"] == 2
    said = {to[0]: (m["Subject"], m.get_body(("plain",)).get_content().splitlines()) for to, m in mailbox.received}
    subject, lines = said["ana@example.com"]
    assert subject == "Handshake alert · Acceptance rate changes by more than 15 points against the week before (week 11)"
    # 1 / 2 = 50.0% against 2 / 3 = 66.7%: 16.7 points down
    assert "Acceptance rate was 50.0% in week 11 (9–15 Mar 2026, days in UTC), against 66.7% in week 10, down 16.7 points." in lines
    subject, lines = said["bo@example.com"]
    assert subject == "Handshake alert · MQLs delivered changes by more than 30% against the week before (week 11)"
    # 2 against 3: (3 - 2) / 3 = 33.3% down
    assert "MQLs delivered was 2 in week 11 (9–15 Mar 2026, days in UTC), against 3 in week 10, down 33.3%." in lines


def test_a_kpi_not_measured_never_fires(seed_con, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    undecided = alert(seed_con, "acceptance_rate", "below", 60)  # W13: L7 undecided, 0 decided: no rate
    after_data = alert(seed_con, "mql_count", "below", 1)  # W15: 0 MQLs, but the data ends on 31 Mar
    for week in (W13, W15):
        outbox.send(seed_con, AFTER[week], settings)
    assert mailbox.received == [] and outbox_rows(seed_con) == []
    assert state(seed_con) == [(undecided, False, None, None, None), (after_data, False, None, None, None)]
    # first touch within SLA in W11: L4 never touched and L5 touched after 48 h, 0 of 2 = 0% < 90% ...
    sla = alert(seed_con, "sla_compliance_rate", "below", 90)
    assert kpi_alerts.reading(seed_con, subscription(seed_con, sla), W11, "UTC", AFTER[W11]).holds
    # ... until no follow-up is in the warehouse: then 0% would say sales never called, and it is not measured
    seed_con.execute("delete from follow_ups")
    warehouse.refresh_lead_facts(seed_con)
    found = kpi_alerts.reading(seed_con, subscription(seed_con, sla), W11, "UTC", AFTER[W11])
    assert (found.holds, found.value) == (False, None)
    assert found.unmeasured.startswith("No follow-ups imported: First touch within SLA cannot be measured.")
    outbox.send(seed_con, AFTER[W11], settings)  # the acceptance rule above holds in W11 (1 / 2 = 50%): it goes
    assert [row[0] for row in outbox_rows(seed_con)] == [undecided]


def test_a_dry_run_stores_no_state_and_writes_what_a_run_would_send(seed_con, smtp, tmp_path):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    made = alert(seed_con, "acceptance_rate", "below", 60, region="DACH")
    written = outbox.dry_run(seed_con, AFTER[W11], tmp_path / "out", settings)
    assert [p.name for p in written] == [f"001-kpi-alert-{made}-2026-W11-ana@example.com.eml"]
    assert state(seed_con) == [] and outbox_rows(seed_con) == []
    assert outbox.send(seed_con, AFTER[W11], settings)[0]["sent"] == 1
    (_, message), = mailbox.received
    assert message["Subject"] == "Handshake alert · Acceptance rate below 60% for region DACH (week 11)"
    dry = email.message_from_bytes(written[0].read_bytes(), policy=policy.default)
    assert dry["Subject"] == message["Subject"]  # the file holds the message the server received
    assert dry.get_body(("plain",)).get_content().splitlines() == message.get_body(("plain",)).get_content().splitlines()
    # after the alert went, a dry run on the next Monday has nothing to write: W12's DACH L6 accepted, 1 / 1
    assert outbox.dry_run(seed_con, AFTER[W12], tmp_path / "later", settings) == []
    assert state(seed_con) == [(made, True, "2026-W11", 0, 1)]  # W11's DACH rate 0 against W10's 1


@pytest.fixture
def slack_server():
    server = Slack()
    yield server
    server.close()


def test_the_slack_alert_keeps_names_from_the_data_as_text(seed_con, slack_server):
    seed_con.execute("update leads set region = 'R&D <b>North</b>' where region = 'DACH'")
    warehouse.refresh_lead_facts(seed_con)
    server = slack_server
    made = alert(seed_con, "acceptance_rate", "below", 60, channel="slack", to=(server.url,),
                 region="R&D <b>North</b>")
    assert outbox.send(seed_con, AFTER[W11], None, slack_timeout=2)[0]["sent"] == 1
    (_, payload), = server.received
    lines = payload["text"].splitlines()
    assert lines[0] == "Handshake alert · Acceptance rate below 60% for region R&amp;D &lt;b&gt;North&lt;/b&gt; (week 11)"
    assert lines[1] == "Acceptance rate was 0.0% in week 11 (9–15 Mar 2026, days in UTC), against 100.0% in week 10."
    assert "<" not in payload["text"] and outbox_rows(seed_con) == [(made, "2026-W11", server.url, "sent")]
    # the email's HTML alternative escapes the same name
    message = kpi_alerts.email(seed_con, subscription(seed_con, made), "2026-W11", "ana@example.com", AFTER[W11],
                               "handshake@example.com", "<x@handshake.invalid>")
    assert "R&amp;D &lt;b&gt;North&lt;/b&gt;" in message.get_body(("html",)).get_content()


@pytest.mark.parametrize("sub, said", [
    ({"kpi": "acceptance_rate", "rule": "below", "threshold": 60, "region": "North"},
     "Acceptance rate below 60% for region North"),
    ({"kpi": "revenue_eur", "rule": "change_pct", "threshold": 20}, "Revenue changes by more than 20% against the week before"),
    ({"kpi": "sla_compliance_rate", "rule": "change_points", "threshold": 5.5, "segment": "smb", "source": "paid_search"},
     "First touch within SLA changes by more than 5.5 points against the week before for segment SMB and source Paid search"),
    ({"kpi": "first_touch_median_hours", "rule": "above", "threshold": 24}, "Median time to first touch above 24 h"),
    ({"kpi": "open_pipeline_eur", "rule": "below", "threshold": 50000}, "Open pipeline below 50,000 in the organisation's currency"),
])
def test_a_rule_reads_as_one_sentence_with_its_unit(sub, said):
    assert kpi_alerts.rule_text(sub) == said


def test_a_money_threshold_is_written_in_the_organisations_currency():
    sub = {"kpi": "open_pipeline_eur", "rule": "below", "threshold": 50000}
    assert kpi_alerts.rule_text(sub, "BRL") == "Open pipeline below R$50K"


def count(path, table):
    con = warehouse.open_warehouse(path, create=False)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


ADD = ["subscriptions", "add", "--kind", "kpi_alert", "--channel", "email", "--to", "ana@example.com"]


@pytest.mark.parametrize("args, said", [
    (["--kpi", "acceptance", "--rule", "below", "--threshold", "60"],
     "'acceptance' is not a KPI: list them with python -m handshake kpis --list."),
    (["--kpi", "mql_to_won_rate", "--rule", "change_pct", "--threshold", "10"],
     "MQL to won rises as a week's leads age, so a week set against the week before is no news: use below or above."),
    (["--kpi", "acceptance_rate", "--rule", "below", "--threshold", "60", "--region", "North"],
     "'North' is not a region of the warehouse's leads: use one of DACH, Nordics, UK & Ireland."),
    (["--kpi", "acceptance_rate", "--rule", "under", "--threshold", "60"],
     "'under' is not a rule: use below or above (a value), change_pct (a change of more than N% against the week "
     "before) or change_points (of more than N points, for a rate)."),
    (["--kpi", "acceptance_rate", "--rule", "below"],
     "A KPI alert needs a threshold (--threshold) that is a number, not None: for a rate in percent (60 means 60%), "
     "for change_pct a percentage, for change_points points."),
    (["--kpi", "revenue_eur", "--rule", "change_pct", "--threshold", "0"],
     "A change of more than 0 % would hold nearly every week: give a threshold above 0, such as 20."),
    (["--kpi", "acceptance_rate", "--rule", "below", "--threshold", "nan"],
     "A KPI alert needs a threshold (--threshold) that is a number, not nan: for a rate in percent (60 means 60%), "
     "for change_pct a percentage, for change_points points."),
    (["--kpi", "extra_won", "--rule", "above", "--threshold", "3"],
     "Wins left on the table is estimated in Python from the evidence window's leads, not measured for a week, so "
     "no alert can watch it: pick a KPI measured each week (python -m handshake kpis --list)."),
    (["--kpi", "median_days_in_stage", "--rule", "above", "--threshold", "3"],
     "Median days in stage is not a single value for a week (it has one value per hand-off step), so no alert can "
     "watch it: pick another KPI (python -m handshake kpis --list)."),
    (["--kpi", "revenue_eur", "--rule", "change_points", "--threshold", "5"],
     "change_points is for a rate (points of a percentage), and Revenue is not one: use change_pct."),
    (["--kpi", "acceptance_rate", "--rule", "above", "--threshold", "0.6"], None),  # 0.6%: stored as given
    (["--kpi", "acceptance_rate", "--rule", "above", "--threshold", "160"],
     "Acceptance rate is a rate, given in percent from 0 to 100 (60 means 60%), not 160."),
    (["--kpi", "lead_source_rate", "--rule", "below", "--threshold", "90", "--segment", "SMB"],
     "Leads with a source is measured over the whole organisation whatever the segment, region or source: leave "
     "out the filter."),
])
def test_a_bad_kpi_alert_on_the_command_line_exits_2_with_one_sentence(seed_warehouse, capsys, args, said):
    code = cli.main(ADD + args + ["--warehouse", str(seed_warehouse)])
    out, err = capsys.readouterr()
    if said is None:
        assert code == 0 and count(seed_warehouse, "subscriptions") == 1
        return
    assert (code, err) == (2, f"error: {said}\n")
    assert count(seed_warehouse, "subscriptions") == 0 and count(seed_warehouse, "kpi_alert_state") == 0


def test_a_kpi_alert_added_on_the_command_line_is_stored_as_given_and_listed(seed_warehouse, capsys):
    assert cli.main(ADD + ["--kpi", "acceptance_rate", "--rule", "BELOW", "--threshold", "60", "--region", "DACH",
                           "--warehouse", str(seed_warehouse)]) == 0
    con = warehouse.open_warehouse(seed_warehouse, create=False)
    stored = con.execute("select kpi, rule, threshold, segment, region, source, weekday, hour from subscriptions").fetchall()
    con.close()
    assert stored == [("acceptance_rate", "below", 60.0, None, "DACH", None, None, None)]
    capsys.readouterr()
    assert cli.main(["subscriptions", "list", "--warehouse", str(seed_warehouse)]) == 0
    assert ("KPI alert by email to ana@example.com: Acceptance rate below 60% for region DACH; sent 0, waiting 0, "
            "failed 0") in capsys.readouterr().out


def test_kpis_list_names_every_kpi_an_alert_takes(capsys):
    assert cli.main(["kpis", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(kpis.KPIS)
    assert "acceptance_rate: Acceptance rate (a share, 0 to 100%)" in lines
    assert "extra_won: Wins left on the table (a count; no KPI alert: not one value for a week)" in lines


def test_a_stored_rule_on_a_kpi_this_version_does_not_know_reads_and_never_fires(seed_con):
    made = alert(seed_con, "acceptance_rate", "below", 60)
    seed_con.execute("update subscriptions set kpi = 'acceptance_pct'")  # as a later version might have named it
    sub = subscription(seed_con, made)
    assert kpi_alerts.rule_text(sub) == "acceptance_pct below 60 (a KPI this version of Handshake does not know)"
    assert kpi_alerts.due(seed_con, sub, "UTC", AFTER[W11], record=True) == []  # 50% would hold for acceptance_rate
    assert state(seed_con) == [(made, False, None, None, None)]
