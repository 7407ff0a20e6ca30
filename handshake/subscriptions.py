"""Who gets the numbers: subscriptions to the weekly digest, by email or Slack, each on a weekday at an hour of the
organisation's time zone. Checked whole before anything is stored."""

import re
from datetime import datetime
from urllib.parse import urlsplit

import pandas as pd

from handshake import access, queries, warehouse

KINDS = ("digest",)  # 'sla_breach' and 'kpi_alert' are in the schema, not built yet
CHANNELS = ("email", "slack")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# one address, nothing a header could be split on (a line break, a comma, angle brackets)
ADDRESS = re.compile(r"[^@\s<>,;\"()\[\]\\]+@[^@\s<>,;\"()\[\]\\]+\.[^@\s<>,;\"()\[\]\\.]+")
# a local server stands in for Slack in tests and on a laptop; anything else must be https
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class SubscriptionError(ValueError):
    """A subscription that cannot be stored as given; the message says what to change."""


def weekday_number(day) -> int:
    """'monday', 'Mon' or 0 -> 0; anything else is refused with the days to choose from."""
    if isinstance(day, int) and 0 <= day <= 6:
        return day
    name = str(day).strip().lower()
    found = [n for n, full in enumerate(WEEKDAYS) if len(name) >= 3 and full.startswith(name)]
    if not found:
        raise SubscriptionError(f"'{day}' is not a day of the week: use one of {', '.join(WEEKDAYS)}.")
    return found[0]


def check_hour(hour) -> int:
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise SubscriptionError(f"The hour must be a whole number from 0 to 23 (the organisation's time), not {hour!r}.")
    return hour


def check_recipient(channel: str, recipient: str) -> str:
    recipient = recipient.strip()
    if channel == "email":
        if not ADDRESS.fullmatch(recipient):
            raise SubscriptionError(f"'{recipient}' is not an email address: write one such as ana@example.com.")
        return recipient
    parts = urlsplit(recipient)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not ((parts.scheme == "https" or local) and parts.hostname) or any(c.isspace() for c in recipient):
        raise SubscriptionError(f"'{recipient}' is not a Slack incoming-webhook URL: it must start with https:// "
                                "(Slack gives one such as https://hooks.slack.com/services/...).")
    return recipient


def check(kind: str, channel: str, recipients: list[str], weekday, hour) -> dict:
    """The subscription as it will be stored, or SubscriptionError naming the first thing wrong."""
    if kind not in KINDS:
        raise SubscriptionError(f"'{kind}' is not a kind of subscription: use {', '.join(KINDS)}.")
    if channel not in CHANNELS:
        raise SubscriptionError(f"'{channel}' is not a channel: use {' or '.join(CHANNELS)}.")
    cleaned = [check_recipient(channel, r) for r in recipients if r.strip()]
    if not cleaned:
        raise SubscriptionError("A subscription needs at least one recipient: an email address or a Slack "
                                "incoming-webhook URL.")
    return {"kind": kind, "channel": channel, "recipients": list(dict.fromkeys(cleaned)),
            "weekday": weekday_number(weekday), "hour": check_hour(hour)}


def add(con, kind: str, channel: str, recipients: list[str], weekday, hour, by: access.Person, at: datetime) -> int:
    """Store a new active subscription; returns its id."""
    fields = check(kind, channel, recipients, weekday, hour)
    with warehouse.transaction(con, by, "subscriptions") as cur:
        return cur.execute(queries.sql("subscription_insert"), queries.bind(
            "subscription_insert", dict(fields, created_by=by.name, created_at=at))).fetchone()[0]


def deactivate(con, subscription_id: int, by: access.Person) -> None:
    """Stop a subscription: nothing more is queued for it (its outbox stays, as the record of what was sent)."""
    with warehouse.transaction(con, by, "subscriptions") as cur:
        if not cur.execute(queries.sql("subscription_deactivate"),
                           {"subscription_id": subscription_id}).fetchall():
            raise SubscriptionError(f"There is no active subscription {subscription_id}: "
                                    "list them with: python -m handshake subscriptions list")


def listed(con) -> pd.DataFrame:
    return queries.run(con, "subscriptions")
