"""SLA-breach alerts, burst per owner: each owner named gets only their own leads on the accountability list, a head
of team their team's summary, the subscription's recipients the leads nobody named is reached for. A real SMTP
server (aiosmtpd on 127.0.0.1) and a real HTTP server standing in for Slack receive them.

The week by hand (the organisation in UTC; agreement: first-touch SLA 24 h, 3 attempts; the alert due daily at 8:00,
sent at Friday 20 Mar 2026 09:00, so it lists the MQLs of 21 Feb to 20 Mar, the 28 days up to that day):
  lead 1  Ana  MQL Mon 16 Mar 10:00, untouched                      -> on the list, untouched (71 h past 24 h)
  lead 2  Ana  MQL Wed 18 Mar 10:00, touched 12:00                   -> not listed (touched in time, not 14 days yet)
  lead 3  Bo   MQL Tue 17 Mar 10:00, untouched                      -> listed, untouched (47 h past)
  lead 4  Bo   MQL Sun  1 Mar 10:00, one touch 11:00, 19 days later  -> listed, short of attempts (1 of 3)
  lead 5  Cy   MQL Thu 19 Mar 08:00, untouched                      -> listed, untouched (1 h past)
  lead 6  none MQL Wed 18 Mar 10:00, untouched                      -> listed, without an owner
  lead 7  Dee  MQL Wed 18 Mar 10:00, untouched (no address for Dee) -> listed, to the recipients
  lead 8  Ana  MQL Tue 17 Mar 10:00, accepted 18 Mar                 -> not listed (decided)
  lead 9  Ana  MQL Sun  1 Feb 10:00, untouched                      -> not listed (before the 28 days)
Ana, Bo and Cy (team Inside) have addresses, Hana heads Inside; desk@ gets what nobody named is reached for.
"""

import email
from datetime import date, datetime, timedelta
from email import policy

import pytest

from conftest import DEMO_AS_OF
from handshake import agreements, breaches, cli, demo, meeting, outbox, subscriptions, warehouse
from handshake.access import LOCAL, Person
from mail_server import Mailbox

NOW = datetime(2026, 3, 20, 9, 0)
HEADS = Person("Heads", "admin")
PEOPLE = {"Ana": "ana@example.com", "Bo": "bo@example.com", "Cy": "cy@example.com", "Hana": "hana@example.com"}

ROWS = """
insert into agreements (effective_date, mql_score_threshold, first_touch_sla_hours, min_attempts, changed_by, changed_at)
values ('2026-01-01', 50, 24, 3, 'Heads', '2025-12-20 10:00');
insert into reps values
    (1, 'Hana', 'sales', 'head', 'Inside', null, '2025-01-01', null),
    (2, 'Ana', 'sales', 'sdr', 'Inside', null, '2025-01-01', null),
    (3, 'Bo', 'sales', 'sdr', 'Inside', null, '2025-01-01', null),
    (4, 'Cy', 'sales', 'sdr', 'Inside', null, '2025-01-01', null),
    (5, 'Dee', 'sales', 'sdr', 'Field', null, '2025-01-01', null);
insert into leads (lead_id, created_at, source, sourced_by, campaign_id, segment, region, lead_score,
                   mql_at, assigned_at, owner_rep_id, accepted_at, rejected_at, rejection_reason, sql_at,
                   opportunity_at, status) values
    (1, '2026-03-16 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-16 10:00', '2026-03-16 10:00', 2, null, null, null, null, null, 'mql'),
    (2, '2026-03-18 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-18 10:00', '2026-03-18 10:00', 2, null, null, null, null, null, 'mql'),
    (3, '2026-03-17 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-17 10:00', '2026-03-17 10:00', 3, null, null, null, null, null, 'mql'),
    (4, '2026-03-01 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-01 10:00', '2026-03-01 10:00', 3, null, null, null, null, null, 'mql'),
    (5, '2026-03-19 07:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-19 08:00', '2026-03-19 08:00', 4, null, null, null, null, null, 'mql'),
    (6, '2026-03-18 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-18 10:00', '2026-03-18 10:00', null, null, null, null, null, null, 'mql'),
    (7, '2026-03-18 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-18 10:00', '2026-03-18 10:00', 5, null, null, null, null, null, 'mql'),
    (8, '2026-03-17 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-03-17 10:00', '2026-03-17 10:00', 2, '2026-03-18 09:00', null, null, null, null, 'sal'),
    (9, '2026-02-01 09:00', 'webinar', 'marketing', null, 'SMB', 'DACH', 80, '2026-02-01 10:00', '2026-02-01 10:00', 2, null, null, null, null, null, 'mql');
insert into follow_ups values
    (1, 2, 2, '2026-03-18 12:00', 'call', 'connected'),
    (2, 4, 3, '2026-03-01 11:00', 'call', 'no_answer');
"""


@pytest.fixture
def week(empty_warehouse):
    con = warehouse.open_warehouse(empty_warehouse)
    con.execute(ROWS)
    warehouse.refresh_lead_facts(con)
    yield con
    con.close()


def alert(con, channel="email", to=("desk@example.com",), people=PEOPLE, hour=8):
    return subscriptions.add(con, "sla_breach", channel, list(to), None, hour, LOCAL, datetime(2026, 3, 1),
                             people=people)


def by_recipient(mailbox) -> dict:
    return {to: message for (to,), message in mailbox.received}


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_owner_gets_only_their_own_leads_and_the_head_the_team(week, smtp):
    mailbox = Mailbox()
    alert(week)
    assert outbox.send(week, NOW, smtp(mailbox))[0] == {"sent": 5, "waiting": 0, "failed": 0}
    got = by_recipient(mailbox)
    # three owners with breaches, their head, and the desk for lead 6 (no owner) and lead 7 (Dee: no address)
    assert sorted(got) == ["ana@example.com", "bo@example.com", "cy@example.com", "desk@example.com",
                           "hana@example.com"]
    listed = {to: [n for n in range(1, 10) if f"Lead (CRM id): {n} ·" in text_of(m)]
              for to, m in got.items() if to != "hana@example.com"}
    assert listed == {"ana@example.com": [1], "bo@example.com": [3, 4], "cy@example.com": [5],
                      "desk@example.com": [6, 7]}
    ana = text_of(got["ana@example.com"])
    # lead 1: assigned 16 Mar 10:00, deadline 17 Mar 10:00, at 20 Mar 09:00 it is 3 days less 1 h = 71 h overdue,
    # shown in days from 48 h on: 71 / 24 = 2.96 -> 3.0 days
    assert "Your 1 MQL from 21 Feb 2026 to 20 Mar 2026 on the accountability list: 1 untouched past the deadline" in ana
    assert "Overdue by: 3.0 days" in ana
    bo = text_of(got["bo@example.com"])
    assert "Your 2 MQLs" in bo and "1 untouched past the deadline and 1 touched but short" in bo
    assert "Attempts: 1 · Minimum: 3" in bo  # lead 4: one touch of the three agreed, 19 days after assignment
    hana = text_of(got["hana@example.com"])
    # team Inside: Ana 1 + Bo 2 + Cy 1 = 4 leads; Dee (Field) and the unowned lead are not the team's
    assert "Team Inside's 4 MQLs" in hana and "3 untouched past the deadline and 1 touched but short" in hana
    assert "Owner: Bo · On the list: 2 · Untouched past deadline: 1 · Touched, short of attempts: 1" in hana
    assert "Lead (CRM id)" not in hana  # a summary, not the leads
    desk = text_of(got["desk@example.com"])
    assert "2 MQLs from 21 Feb 2026 to 20 Mar 2026 on the accountability list reach nobody by name " \
           "(1 without an owner; owners with no address in this alert: Dee)" in desk


def test_the_mqls_without_an_owner_go_to_whom_the_agreement_names(week, smtp):
    mailbox = Mailbox()
    agreements.add_version(week, date(2026, 3, 10), {"first_touch_sla_hours": 24, "min_attempts": 3}, HEADS, None,
                           datetime(2026, 3, 9), unowned_to="owners@example.com")
    alert(week)
    assert outbox.send(week, NOW, smtp(mailbox))[0]["sent"] == 6
    got = by_recipient(mailbox)
    # lead 6 (no owner) to the address the agreement in force on 20 Mar names; lead 7 (Dee, no address) to the desk
    owners, desk = text_of(got["owners@example.com"]), text_of(got["desk@example.com"])
    assert "Lead (CRM id): 6 ·" in owners and "Lead (CRM id): 7 ·" not in owners
    assert "the agreement names you for them" in owners
    assert "Lead (CRM id): 7 ·" in desk and "Lead (CRM id): 6 ·" not in desk
    assert "1 MQL from 21 Feb 2026 to 20 Mar 2026 on the accountability list reach" in desk


def test_an_agreement_naming_a_bad_address_is_refused_and_the_file_import_keeps_the_named_one(week):
    with pytest.raises(agreements.AgreementError, match="'the desk' is not an email address"):
        agreements.add_version(week, date(2026, 3, 10), {}, HEADS, None, NOW, unowned_to="the desk")
    changed = agreements.add_version(week, date(2026, 3, 10), {"first_touch_sla_hours": 24, "min_attempts": 3},
                                     HEADS, None, NOW, unowned_to="owners@example.com")
    assert changed[-1] == "MQLs without an owner to nobody named → owners@example.com"
    versions = week.execute("select effective_date, unowned_leads_to from agreements order by 1").fetchall()
    assert [v[1] for v in versions] == [None, "owners@example.com"]


def test_a_head_alone_in_their_team_gets_every_rep_of_their_function(week, smtp):
    mailbox = Mailbox()
    week.execute("insert into reps values (6, 'Sol', 'sales', 'head', 'Sales leadership', null, '2025-01-01', null)")
    alert(week, people={"Sol": "sol@example.com"})
    outbox.send(week, NOW, smtp(mailbox))
    sol = text_of(by_recipient(mailbox)["sol@example.com"])
    # every sales rep's listed leads: Ana 1 + Bo 2 + Cy 1 + Dee 1 = 5 (lead 6 has no owner); untouched 5 - 1 (lead 4)
    assert "Every sales rep\r\nThe sales reps' 5 MQLs" in sol and "4 untouched past the deadline and 1 touched" in sol


def test_the_alert_goes_once_a_day_and_again_the_next_day(week, smtp):
    mailbox = Mailbox()
    settings = smtp(mailbox)
    alert(week, people={"Ana": "ana@example.com"})
    assert outbox.send(week, NOW - timedelta(hours=2), settings)[0]["sent"] == 0  # 07:00: before its hour
    assert outbox.send(week, NOW, settings)[0]["sent"] == 2  # Ana, and the desk for everything else
    assert outbox.send(week, NOW + timedelta(hours=3), settings)[0]["sent"] == 0  # the same day: nothing again
    assert outbox.send(week, NOW + timedelta(days=1), settings)[0]["sent"] == 2  # Saturday's list
    keys = week.execute("select period_key, recipient from outbox order by message_id").fetchall()
    assert keys == [("2026-03-20", "ana@example.com"), ("2026-03-20", "desk@example.com"),
                    ("2026-03-21", "ana@example.com"), ("2026-03-21", "desk@example.com")]


def test_an_owner_with_nothing_on_the_list_gets_nothing(week, smtp):
    mailbox = Mailbox()
    week.execute("insert into follow_ups values (3, 5, 4, '2026-03-19 09:00', 'call', 'connected')")  # Cy in time
    warehouse.refresh_lead_facts(week)
    alert(week)
    outbox.send(week, NOW, smtp(mailbox))
    assert "cy@example.com" not in by_recipient(mailbox)


def test_slack_gets_the_organisations_counts_and_no_reps_leads(week, slack):
    channel = slack()
    alert(week, channel="slack", to=(channel.url,), people=None)
    assert outbox.send(week, NOW, None)[0]["sent"] == 1
    (path, payload), = channel.received
    # 6 listed: leads 1, 3, 4, 5, 6, 7; lead 4 is the one touched but short of attempts
    assert "6 MQLs from 21 Feb 2026 to 20 Mar 2026 on the list: 1 of them without an owner; 5 untouched" in payload["text"]
    assert "Ana" not in payload["text"] and "CRM id" not in payload["text"]


def test_a_dry_run_writes_one_eml_per_recipient_and_records_nothing(week, tmp_path):
    alert(week)
    written = outbox.dry_run(week, NOW, tmp_path / "out", None)
    assert len(written) == 5
    to = sorted(email.message_from_bytes(p.read_bytes(), policy=policy.default)["To"] for p in written)
    assert to == ["ana@example.com", "bo@example.com", "cy@example.com", "desk@example.com", "hana@example.com"]
    assert week.execute("select count(*) from outbox").fetchone() == (0,)


@pytest.mark.parametrize("people, channel, said", [
    ({"Nobody": "no@example.com"}, "email", "'Nobody' is not a rep in the warehouse"),
    ({"Ana": "not-an-address"}, "email", "'not-an-address' is not an email address"),
    ({"Ana": "ana@example.com"}, "slack", "People are reached by email"),
])
def test_a_bad_person_is_refused_and_nothing_stored(week, people, channel, said):
    to = ["desk@example.com"] if channel == "email" else ["https://hooks.slack.com/services/T/B/x"]
    with pytest.raises(subscriptions.SubscriptionError, match=said):
        alert(week, channel=channel, to=to, people=people)
    assert week.execute("select count(*) from subscriptions").fetchone() == (0,)
    assert week.execute("select count(*) from subscription_people").fetchone() == (0,)


def test_with_sign_in_a_recipient_needs_a_role_and_a_head_the_rep_level_one(week):
    roles = {"admin": ["hana@example.com", "desk@example.com"], "member": ["@example.com"]}
    with pytest.raises(subscriptions.SubscriptionError, match="stranger@example.org has no role"):
        subscriptions.add(week, "sla_breach", "email", ["stranger@example.org"], None, 8, LOCAL, NOW, roles=roles)
    members = {"member": ["@example.com"], "admin": ["desk@example.com"]}
    with pytest.raises(subscriptions.SubscriptionError, match="Hana .* is a head of team .* a member may not see"):
        subscriptions.add(week, "sla_breach", "email", ["desk@example.com"], None, 8, LOCAL, NOW,
                          people={"Hana": "hana@example.com"}, roles=members)
    # the recipients get the leads of reps without an address: each rep's own, so the rep-level roles only
    with pytest.raises(subscriptions.SubscriptionError, match="bo@example.com would get the leads of every rep"):
        subscriptions.add(week, "sla_breach", "email", ["bo@example.com"], None, 8, LOCAL, NOW, roles=members)
    made = subscriptions.add(week, "sla_breach", "email", ["desk@example.com"], None, 8, LOCAL, NOW,
                             people=PEOPLE, roles=roles)
    assert week.execute("select count(*) from subscription_people where subscription_id = ?", [made]).fetchone() == (4,)


def test_the_command_line_takes_people_and_lists_them(empty_warehouse, capsys):
    con = warehouse.open_warehouse(empty_warehouse)
    con.execute(ROWS)
    con.close()
    path = str(empty_warehouse)
    assert cli.main(["subscriptions", "add", "--warehouse", path, "--kind", "sla_breach", "--channel", "email",
                     "--to", "desk@example.com", "--person", "Ana=ana@example.com", "--person", "Hana=hana@example.com",
                     "--hour", "7"]) == 0
    assert cli.main(["subscriptions", "list", "--warehouse", path]) == 0
    out = capsys.readouterr().out
    assert ("1: SLA-breach alert by email daily at 07:00, to desk@example.com the leads nobody named is reached for; "
            "2 people by name") in out
    assert cli.main(["subscriptions", "add", "--warehouse", path, "--kind", "sla_breach", "--channel", "email",
                     "--to", "desk@example.com", "--person", "Ana"]) == 2
    assert "is not a person and an address" in capsys.readouterr().err


def test_a_fresh_demo_writes_this_weeks_digest_and_one_alert_per_owner_with_breaches(tmp_path, capsys):
    path = demo.generate(tmp_path / "demo.duckdb", leads=3000, as_of=DEMO_AS_OF)
    out = tmp_path / "out"
    # Monday 2 Nov 2026 12:00 UTC: the Monday 8:00 digest of week 44 and the day's 8:00 alerts are due
    assert cli.main(["send", "--warehouse", str(path), "--dry-run", str(out), "--now", DEMO_AS_OF.isoformat()]) == 0
    digests = sorted(out.glob("*-digest-1-2026-W44-*.eml"))
    assert [p.name.split("-W44-")[1] for p in digests] == [
        "leadership@example.com.eml", "sales-team@example.com.eml", "marketing-team@example.com.eml"]
    for file in digests:
        attached = next(email.message_from_bytes(file.read_bytes(), policy=policy.default).iter_attachments())
        assert attached.get_filename() == "handshake-meeting-2026-W44.pdf"
    alerts = {email.message_from_bytes(p.read_bytes(), policy=policy.default)["To"]
              for p in out.glob("*-sla-breach-2-2026-11-02-*.eml")}
    con = warehouse.open_warehouse(path)
    tz = warehouse.organisation_timezone(warehouse.meta(con))
    listed = breaches.listed(con, meeting.local_now(tz, DEMO_AS_OF).date(), tz, DEMO_AS_OF)
    address = dict(con.execute("select person, address from subscription_people").fetchall())
    head = con.execute("select rep_name from reps where function = 'sales' and role = 'head'").fetchone()[0]
    con.close()
    owners = set(listed["owner_name"].dropna())
    assert owners and all(o in address for o in owners)  # every sales rep who owns a listed lead has an address
    # the MQLs without an owner go to the lead desk the demo's agreement names; every owner has an address, so the
    # subscription's own recipient (sales operations) gets nothing
    expected = {address[o] for o in owners} | {address[head]} | (
        {"lead-desk@example.com"} if listed["owner_name"].isna().any() else set())
    assert alerts == expected
    assert len(list(out.glob("*-sla-breach-*"))) == len(expected)  # one message per address, none twice
