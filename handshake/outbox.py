"""What is due and what became of it: each message is recorded in the outbox before it is sent and marked sent
after, so `python -m handshake send` can run from cron every few minutes and send each message once: a digest once
per week and recipient, an SLA-breach alert once per day and recipient (handshake/breaches.py), a KPI alert once each
time its rule starts to hold (handshake/kpi_alerts.py). A refusal for now or a timeout waits and is tried again by a
later run; a permanent refusal is marked failed with its reason."""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from handshake import access, breaches, deliver, digest, kpi_alerts, meeting, queries, subscriptions, warehouse

SENDER = access.Person("handshake send", "admin")
FIRST_WAIT = timedelta(minutes=5)  # doubled after each failed attempt, up to LONGEST_WAIT
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 8  # about a day of trying: then the message is marked failed and the last reason kept


@dataclass(frozen=True)
class Due:
    subscription_id: int
    kind: str
    channel: str
    period_key: str
    recipient: str
    message_id: int | None = None  # the outbox row, once recorded
    attempts: int = 0


def send_at(week: meeting.Week, weekday: int, hour: int) -> datetime:
    """When a week's digest goes out, local time: on the weekday and hour after the week ends."""
    return datetime.combine(week.monday + timedelta(days=7 + weekday), time(hour))


def due_week(weekday: int, hour: int, created_at: datetime, tz: str, now: datetime) -> meeting.Week | None:
    """The complete week whose digest is due by `now` (naive UTC): the last one whose weekday and hour have passed.
    None when that moment came before the subscription did (it starts with the next one)."""
    week = meeting.last_complete_week(tz, now)
    if meeting.local_now(tz, now) < send_at(week, weekday, hour):
        week = week.shift(-1)
    return None if send_at(week, weekday, hour) < meeting.local_now(tz, created_at) else week


def wait(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def due_now(con, now: datetime, record: bool = False) -> list[Due]:
    """The messages due by now, one per recipient, whatever the outbox holds. record: keep what a KPI alert's
    check found (a dry run only reads)."""
    tz = warehouse.organisation_timezone(warehouse.meta(con))
    found = []
    for sub in subscriptions.active(con):
        sub_id, kind = int(sub["subscription_id"]), sub["kind"]
        if kind == "digest":
            week = due_week(int(sub["weekday"]), int(sub["hour"]), sub["created_at"].to_pydatetime(), tz, now)
            keyed = [] if week is None else [(week.label, r) for r in sub["recipients"]]
        elif kind == "sla_breach":
            keyed = breaches.due(con, sub, tz, now)
        else:
            keyed = kpi_alerts.due(con, sub, tz, now, record)
        found += [Due(sub_id, kind, sub["channel"], key, r) for key, r in keyed]
    return found


def queue(con, now: datetime) -> None:
    """Record every message due that is not recorded yet (the unique key leaves a recorded one alone)."""
    due = due_now(con, now, record=True)
    if due:
        with warehouse.transaction(con, SENDER, "outbox") as cur:
            for d in due:
                cur.execute(queries.sql("outbox_queue"), {"subscription_id": d.subscription_id,
                                                          "period_key": d.period_key, "recipient": d.recipient,
                                                          "now": now})


def pending(con, now: datetime) -> list[Due]:
    return [Due(int(r["subscription_id"]), r["kind"], r["channel"], r["period_key"], r["recipient"],
                int(r["message_id"]), int(r["attempts"]))
            for r in queries.run(con, "outbox_pending", {"now": now}).to_dict("records")]


def unsent(con, now: datetime) -> list[Due]:
    """What a run would send now, read without writing: due and not recorded, or recorded, queued and due again."""
    result = []
    for d in due_now(con, now):
        held = queries.run(con, "outbox_recorded", {"subscription_id": d.subscription_id, "period_key": d.period_key})
        row = held[held["recipient"] == d.recipient]
        if row.empty or (row["state"].iloc[0] == "queued" and row["next_attempt_at"].iloc[0] <= now):
            result.append(d)
    return result


def claim(con, d: Due, retry_at: datetime) -> bool:
    """Take a message for one attempt; False when another run took it since it was read."""
    with warehouse.transaction(con, SENDER, "outbox") as cur:
        return bool(cur.execute(queries.sql("outbox_claim"), {
            "message_id": d.message_id, "attempts": d.attempts, "next_attempt_at": retry_at,
            "last_error": "an attempt was started and not finished"}).fetchall())


def mark(con, d: Due, now: datetime, state: str, attempts: int, error: str | None = None,
         next_attempt: datetime | None = None) -> None:
    with warehouse.transaction(con, SENDER, "outbox") as cur:
        cur.execute(queries.sql("outbox_update"), {
            "message_id": d.message_id, "state": state, "attempts": attempts, "last_error": error,
            "next_attempt_at": next_attempt or now, "sent_at": now if state == "sent" else None})


class Messages:
    """Each week's pack built once a run, whoever it goes to; each alert written for its recipient."""

    def __init__(self, con, now: datetime, smtp: dict | None):
        self.con, self.now, self.smtp, self.packs, self.bursts, self.subs = con, now, smtp, {}, {}, None
        self.tz = warehouse.organisation_timezone(warehouse.meta(con))

    def pack(self, period_key: str):
        if period_key not in self.packs:
            self.packs[period_key] = digest.build(self.con, meeting.Week.parse(period_key), self.now)
        return self.packs[period_key]

    def burst(self, d: Due) -> dict:
        """Every address's part of one SLA-breach alert, drawn up once a run rather than once per recipient."""
        key = (d.subscription_id, d.period_key)
        if key not in self.bursts:
            self.bursts[key] = breaches.parts(self.con, self.subscription(d.subscription_id),
                                              date.fromisoformat(d.period_key), self.tz, self.now)
        return self.bursts[key]

    def subscription(self, subscription_id: int) -> dict:
        if self.subs is None:
            self.subs = {int(s["subscription_id"]): s for s in subscriptions.active(self.con)}
        return self.subs[subscription_id]

    def email(self, d: Due):
        sender = self.smtp["from"] if self.smtp else "handshake@localhost"
        msg_id = deliver.message_id(d.subscription_id, d.period_key, d.recipient)
        if d.kind == "digest":
            return deliver.email(self.pack(d.period_key), sender, d.recipient, msg_id, self.now,
                                 bool(self.subscription(d.subscription_id)["with_csv"]))
        if d.kind == "sla_breach":
            return breaches.email(date.fromisoformat(d.period_key), self.burst(d).get(d.recipient, []), d.recipient,
                                  self.now, sender, msg_id)
        return kpi_alerts.email(self.con, self.subscription(d.subscription_id), d.period_key, d.recipient, self.now,
                                sender, msg_id)

    def slack(self, d: Due) -> dict:
        if d.kind == "digest":
            return deliver.slack(self.pack(d.period_key))
        made = breaches if d.kind == "sla_breach" else kpi_alerts
        return made.slack(self.con, self.subscription(d.subscription_id), d.period_key, self.now)


def send(con, now: datetime, smtp: dict | None, no_smtp: str = "no mail server is set",
         slack_timeout: float = deliver.TIMEOUT_S) -> tuple[dict[str, int], list[str]]:
    """Record what is due, then send what is pending: each message marked sent, waiting (with its reason) or
    failed. Returns how many of each, and a sentence for each message not sent. no_smtp: why there is no mail
    server (smtp None), said for each email that waits for one."""
    queue(con, now)
    messages, counts, problems = Messages(con, now, smtp), {"sent": 0, "waiting": 0, "failed": 0}, []
    for d in pending(con, now):
        attempts = d.attempts + 1
        # the attempt is counted before it is made: a run that dies mid-send leaves it to wait, not to loop; and
        # a run that finds another took it first since it read the outbox leaves it to that one
        if not claim(con, d, now + wait(attempts)):
            continue
        try:
            if d.channel == "email":
                if smtp is None:
                    raise deliver.Retry(no_smtp)
                deliver.send_email(messages.email(d), smtp)
            else:
                deliver.post_slack(d.recipient, messages.slack(d), slack_timeout)
        except (deliver.Refused, deliver.Retry) as e:
            gave_up = isinstance(e, deliver.Refused) or attempts >= MAX_ATTEMPTS
            reason = f"{e} (gave up after {attempts} attempts)" if isinstance(e, deliver.Retry) and gave_up else str(e)
            mark(con, d, now, "failed" if gave_up else "queued", attempts, reason, now + wait(attempts))
            counts["failed" if gave_up else "waiting"] += 1
            to = d.recipient if d.channel == "email" else "its Slack webhook"  # a webhook's address is its key
            problems.append(f"subscription {d.subscription_id}, {d.period_key} to {to}: {reason.rstrip('.')}; "
                            + ("marked failed" if gave_up else f"tried again from {now + wait(attempts):%Y-%m-%d %H:%M} UTC"))
            continue
        mark(con, d, now, "sent", attempts)
        counts["sent"] += 1
    return counts, problems


def dry_run(con, now: datetime, folder: Path, smtp: dict | None) -> list[Path]:
    """Write what a run would send now into folder (an email as .eml, a Slack message as .json); nothing is sent
    and nothing recorded."""
    messages, written = Messages(con, now, smtp), []
    folder.mkdir(parents=True, exist_ok=True)
    for n, d in enumerate(unsent(con, now), 1):
        stem = folder / f"{n:03d}-{d.kind.replace('_', '-')}-{d.subscription_id}-{d.period_key}"
        if d.channel == "email":  # named for its recipient too, so a folder of alerts reads as who gets what
            path = stem.with_name(f"{stem.name}-{re.sub(r'[^A-Za-z0-9.@_-]', '_', d.recipient)}.eml")
            path.write_bytes(bytes(messages.email(d)))
        else:
            path = stem.with_suffix(".json")
            # the payload only: a webhook's address is a key to the channel, kept out of files lying about
            path.write_text(json.dumps(messages.slack(d), indent=2, ensure_ascii=False), encoding="utf-8")
        written.append(path)
    return written
