"""Subscriptions to the digest: what is stored, what is refused (one sentence, nothing stored), who may manage them,
and when a digest falls due in the organisation's time zone."""

from datetime import datetime

import pytest

from handshake import access, cli, meeting, outbox, subscriptions, warehouse
from handshake.access import LOCAL, Person

AT = datetime(2026, 10, 20, 9, 0)


def stored(con) -> int:
    return con.execute("select count(*) from subscriptions").fetchone()[0]


def test_a_subscription_is_stored_as_given_with_its_weekday_as_a_number(seed_con):
    made = subscriptions.add(seed_con, "digest", "email", [" ana@example.com", "bo@example.org", "ana@example.com"],
                             "Tue", 8, Person("Ana", "admin"), AT)
    row = subscriptions.listed(seed_con).set_index("subscription_id").loc[made]
    # trimmed, the repeated address once; Tuesday is 1 (Monday 0, as date.weekday())
    assert list(row["recipients"]) == ["ana@example.com", "bo@example.org"]
    assert (row["weekday"], row["hour"], row["created_by"], row["active"]) == (1, 8, "Ana", True)


@pytest.mark.parametrize("channel, recipients, weekday, hour, said", [
    ("email", ["ana.example.com"], "monday", 8, "'ana.example.com' is not an email address"),
    ("email", ["ana@example.com\r\nBcc: eve@example.com"], "monday", 8, "is not an email address"),
    ("email", ["ana@example.com, eve@example.com"], "monday", 8, "is not an email address"),
    ("slack", ["http://hooks.slack.com/services/T/B/X"], "monday", 8, "must start with https://"),
    ("slack", ["ftp://127.0.0.1/hook"], "monday", 8, "must start with https://"),
    ("email", ["ana@example.com"], "monday", 24, "from 0 to 23"),
    ("email", ["ana@example.com"], "monday", -1, "from 0 to 23"),
    ("email", ["ana@example.com"], "funday", 8, "'funday' is not a day of the week"),
    ("email", ["ana@example.com"], "mo", 8, "is not a day of the week"),  # two letters could be Monday or nothing
    ("pigeon", ["ana@example.com"], "monday", 8, "'pigeon' is not a channel"),
    ("email", ["  "], "monday", 8, "needs at least one recipient"),
])
def test_a_bad_subscription_says_what_is_wrong_and_stores_nothing(seed_con, channel, recipients, weekday, hour, said):
    with pytest.raises(subscriptions.SubscriptionError, match=said):
        subscriptions.add(seed_con, "digest", channel, recipients, weekday, hour, LOCAL, AT)
    assert stored(seed_con) == 0


def test_one_bad_recipient_among_good_ones_stores_none_of_them(seed_con):
    with pytest.raises(subscriptions.SubscriptionError, match="'not-an-address'"):
        subscriptions.add(seed_con, "digest", "email", ["ana@example.com", "not-an-address"], "monday", 8, LOCAL, AT)
    assert stored(seed_con) == 0


def test_a_local_server_may_stand_in_for_slack_over_http(seed_con):
    for url in ("http://127.0.0.1:8765/hook", "http://localhost/hook", "https://hooks.slack.com/services/T/B/X"):
        subscriptions.add(seed_con, "digest", "slack", [url], "monday", 8, LOCAL, AT)
    assert stored(seed_con) == 3


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_only_an_admin_manages_subscriptions(seed_con, role):
    with pytest.raises(access.Refused, match="takes the admin role"):
        subscriptions.add(seed_con, "digest", "email", ["ana@example.com"], "monday", 8, Person("Mo", role), AT)
    assert stored(seed_con) == 0


def test_a_removed_subscription_stays_on_record_and_queues_nothing(seed_con):
    kept = subscriptions.add(seed_con, "digest", "email", ["ana@example.com"], "monday", 8, LOCAL, AT)
    gone = subscriptions.add(seed_con, "digest", "email", ["bo@example.com"], "monday", 8, LOCAL, AT)
    subscriptions.deactivate(seed_con, gone, LOCAL)
    assert subscriptions.listed(seed_con).set_index("subscription_id")["active"].to_dict() == {kept: True, gone: False}
    # Monday 2 Nov 2026, 12:00 UTC: the W44 digest of the active one only
    assert [(d.subscription_id, d.period_key) for d in outbox.due_now(seed_con, datetime(2026, 11, 2, 12))] == [
        (kept, "2026-W44")]
    with pytest.raises(subscriptions.SubscriptionError, match=f"no active subscription {gone}"):
        subscriptions.deactivate(seed_con, gone, LOCAL)


def test_a_digest_falls_due_at_its_hour_in_the_organisations_time_zone():
    created = datetime(2026, 10, 1)
    # Monday 8:00 in Sao Paulo (UTC-3) is 11:00 UTC: at 10:59 the week before's digest is the last one due
    assert outbox.due_week(0, 8, created, "America/Sao_Paulo", datetime(2026, 11, 2, 10, 59)).label == "2026-W43"
    assert outbox.due_week(0, 8, created, "America/Sao_Paulo", datetime(2026, 11, 2, 11, 0)).label == "2026-W44"
    # a Wednesday digest: from Monday to Wednesday 8:00 the week before last is still the one due
    assert outbox.due_week(2, 8, created, "UTC", datetime(2026, 11, 3, 12)).label == "2026-W43"
    assert outbox.due_week(2, 8, created, "UTC", datetime(2026, 11, 4, 8)).label == "2026-W44"


def test_a_new_subscription_starts_with_the_next_digest_not_one_already_past():
    # created Tuesday 3 Nov: Monday's W44 digest went out before it existed
    assert outbox.due_week(0, 8, datetime(2026, 11, 3), "UTC", datetime(2026, 11, 3, 12)) is None
    assert outbox.due_week(0, 8, datetime(2026, 11, 3), "UTC", datetime(2026, 11, 9, 8)) == meeting.Week.parse("2026-W45")


def test_the_command_line_adds_lists_and_removes(seed_warehouse, capsys):
    path = str(seed_warehouse)
    assert cli.main(["subscriptions", "add", "--warehouse", path, "--channel", "email", "--to", "ana@example.com",
                     "--to", "bo@example.com", "--weekday", "friday", "--hour", "16", "--by", "Ana"]) == 0
    assert capsys.readouterr().out == "subscription 1 added\n"
    assert cli.main(["subscriptions", "list", "--warehouse", path]) == 0
    assert capsys.readouterr().out == ("1: weekly digest by email to ana@example.com, bo@example.com, friday at 16:00; "
                                       "sent 0, waiting 0, failed 0\n")
    assert cli.main(["subscriptions", "remove", "1", "--warehouse", path]) == 0
    assert cli.main(["subscriptions", "list", "--warehouse", path, "--format", "json"]) == 0
    assert '"active": false' in capsys.readouterr().out


@pytest.mark.parametrize("args, said", [
    (["--channel", "email", "--to", "ana"], "'ana' is not an email address"),
    (["--channel", "slack", "--to", "http://example.com/hook"], "must start with https://"),
    (["--channel", "email", "--to", "ana@example.com", "--hour", "25"], "from 0 to 23"),
    (["--channel", "email", "--to", "ana@example.com", "--weekday", "someday"], "not a day of the week"),
])
def test_a_bad_subscription_on_the_command_line_exits_2_with_one_sentence(seed_warehouse, capsys, args, said):
    assert cli.main(["subscriptions", "add", "--warehouse", str(seed_warehouse), *args]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    con = warehouse.open_warehouse(seed_warehouse)
    assert stored(con) == 0
    con.close()
