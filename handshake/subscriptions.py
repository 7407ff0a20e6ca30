"""Who gets the numbers: subscriptions to the weekly digest (a weekday and hour of the organisation's time zone),
to SLA-breach alerts (daily at an hour: each owner their own leads, each head their team's summary) and to KPI alerts
(when a rule on a glossary KPI starts to hold), by email or Slack. Checked whole before anything is stored."""

import tomllib
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from handshake import access, breaches, kpi_alerts, queries, warehouse

KINDS = ("digest", "sla_breach", "kpi_alert")
CHANNELS = ("email", "slack")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
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
        if not access.ADDRESS.fullmatch(recipient):
            raise SubscriptionError(f"'{recipient}' is not an email address: write one such as ana@example.com.")
        return recipient
    parts = urlsplit(recipient)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not ((parts.scheme == "https" or local) and parts.hostname) or any(c.isspace() for c in recipient):
        raise SubscriptionError(f"'{recipient}' is not a Slack incoming-webhook URL: it must start with https:// "
                                "(Slack gives one such as https://hooks.slack.com/services/...).")
    return recipient


RULE_FIELDS = ("kpi", "rule", "threshold", "segment", "region", "source")


def check(con, kind: str, channel: str, recipients: list[str], weekday, hour, people: dict | None = None,
          rule: dict | None = None, roles: dict | None = None, rep_level_roles=None,
          with_csv: bool = False) -> tuple[dict, dict]:
    """The subscription as it will be stored and its people (name -> address), or SubscriptionError naming the
    first thing wrong. A digest has a weekday and an hour; an SLA-breach alert goes daily at its hour, its
    recipients get the leads without an owner and its people their own (a head their team's summary); a KPI alert
    is checked at every run. roles: [handshake.roles] when sign-in is set up, so every address must have a role
    there, and a head's summary (each rep's figures) goes only to the roles that see them."""
    if kind not in KINDS:
        raise SubscriptionError(f"'{kind}' is not a kind of subscription: use {', '.join(KINDS)}.")
    if channel not in CHANNELS:
        raise SubscriptionError(f"'{channel}' is not a channel: use {' or '.join(CHANNELS)}.")
    cleaned = [check_recipient(channel, r) for r in recipients if r.strip()]
    if not cleaned:
        raise SubscriptionError("A subscription needs at least one recipient: an email address or a Slack "
                                "incoming-webhook URL" + (" (for an SLA-breach alert, who gets the leads without "
                                                          "an owner)." if kind == "sla_breach" else "."))
    fields = {"kind": kind, "channel": channel, "recipients": list(dict.fromkeys(cleaned)),
              "weekday": weekday_number(weekday) if kind == "digest" else None,
              "hour": check_hour(hour) if kind != "kpi_alert" else None, "with_csv": bool(with_csv),
              **dict.fromkeys(RULE_FIELDS)}
    if with_csv and (kind != "digest" or channel != "email"):
        raise SubscriptionError("Only a digest by email carries the pack's CSVs (a ZIP attached): leave the CSVs "
                                "out of this one.")
    named = {}
    if people and kind != "sla_breach":
        raise SubscriptionError("Only an SLA-breach alert reaches people by name; a digest or a KPI alert goes to "
                                "its recipients.")
    if kind == "sla_breach" and people:
        if channel != "email":
            raise SubscriptionError("People are reached by email: a Slack webhook posts to one channel, so an "
                                    "SLA-breach alert to Slack carries the summary only. Leave out the people.")
        named = breaches.check_people(con, {k: check_recipient("email", v) for k, v in people.items()})
    if kind == "kpi_alert":
        fields.update(kpi_alerts.check_rule(con, rule or {}))
    if roles:
        heads = breaches.heads(queries.run(con, "alert_people"), named) if named else set()
        check_audience(kind, channel, fields["recipients"], named, heads,
                       roles, rep_level_roles)
    return fields, named


def check_audience(kind: str, channel: str, recipients: list[str], people: dict, heads: set, roles: dict,
                   rep_level_roles) -> None:
    """With sign-in set up, a message goes only to an address [handshake.roles] gives a role, and each rep's
    figures only to roles that may see them: a head's summary, and the leads of reps an SLA-breach alert names no
    address for, which go to its recipients."""
    rep_level = set(rep_level_roles or access.REP_LEVEL_DEFAULT)
    emailed = recipients if channel == "email" else []
    for address in emailed + list(people.values()):
        if access.role_for(address, roles) is None:
            raise SubscriptionError(f"{address} has no role in [handshake.roles], so it may not see Handshake's "
                                    "numbers: add it there (or its domain) first.")
    seeing = [(f"{p} ({people[p]}) is a head of team and would get each rep's figures", people[p]) for p in heads]
    if kind == "sla_breach":
        seeing += [(f"{a} would get the leads of every rep the alert has no address for", a) for a in emailed]
    for said, address in seeing:
        role = access.role_for(address, roles)
        if role not in rep_level:
            raise SubscriptionError(
                f"{said}, which a {role} may not see ([handshake] rep_level_roles: {', '.join(sorted(rep_level))}): "
                "give the address one of those roles, or leave it out.")


def add(con, kind: str, channel: str, recipients: list[str], weekday, hour, by: access.Person, at: datetime,
        people: dict | None = None, rule: dict | None = None, roles: dict | None = None,
        rep_level_roles=None, with_csv: bool = False) -> int:
    """Store a new active subscription and its people; returns its id."""
    fields, named = check(con, kind, channel, recipients, weekday, hour, people, rule, roles, rep_level_roles,
                          with_csv)
    with warehouse.transaction(con, by, "subscriptions") as cur:
        made = cur.execute(queries.sql("subscription_insert"), queries.bind(
            "subscription_insert", dict(fields, created_by=by.name, created_at=at))).fetchone()[0]
        for person, address in named.items():
            cur.execute(queries.sql("subscription_person_insert"),
                        {"subscription_id": made, "person": person, "address": address})
        return made


def deactivate(con, subscription_id: int, by: access.Person) -> None:
    """Stop a subscription: nothing more is queued for it (its outbox stays, as the record of what was sent)."""
    with warehouse.transaction(con, by, "subscriptions") as cur:
        if not cur.execute(queries.sql("subscription_deactivate"),
                           {"subscription_id": subscription_id}).fetchall():
            raise SubscriptionError(f"There is no active subscription {subscription_id}: "
                                    "list them with: python -m handshake subscriptions list")


def with_people(subs: pd.DataFrame, people: pd.DataFrame) -> list[dict]:
    """Each subscription as a dict with its people (person and address each, by name), read apart: a list of
    records in a column is not the same on every engine."""
    named = {}
    for row in people.to_dict("records"):
        named.setdefault(int(row["subscription_id"]), []).append({"person": row["person"], "address": row["address"]})
    return [dict(s, people=named.get(int(s["subscription_id"]), [])) for s in subs.to_dict("records")]


def listed(con) -> list[dict]:
    return with_people(*queries.run_many(con, [("subscriptions", {}), ("subscription_people", {})]))


def active(con) -> list[dict]:
    return with_people(*queries.run_many(con, [("subscriptions_active", {}), ("subscription_people", {})]))


def people_from(pairs: list[str]) -> dict:
    """'Ana Ruiz=ana@example.com' pairs, as the command line takes them, as name -> address."""
    found = {}
    for pair in pairs:
        name, sign, address = pair.partition("=")
        if not sign or not name.strip() or not address.strip():
            raise SubscriptionError(f"'{pair}' is not a person and an address: write it as 'Ana Ruiz=ana@example.com'.")
        found[name.strip()] = address.strip()
    return found


def roles_in(secrets: Path) -> tuple[dict, list | None]:
    """[handshake.roles] and rep_level_roles from a secrets file, when it sets up sign-in ([auth]); empty when it
    does not (one person at one machine: no roles to check against)."""
    try:
        data = tomllib.loads(Path(secrets).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SubscriptionError(f"{secrets}: cannot be read as TOML ({e}), so the recipients cannot be checked "
                                "against [handshake.roles]: fix the file and run this again.") from None
    if not data.get("auth"):
        return {}, None
    settings = data.get("handshake", {})
    return settings.get("roles") or {}, settings.get("rep_level_roles")


def describe(sub: dict) -> str:
    """A subscription in one line, as the page and the command line list it."""
    to = ", ".join(sub["recipients"])
    if sub["kind"] == "digest":
        return (f"weekly digest by {sub['channel']} to {to}, {WEEKDAYS[weekday_number(sub['weekday'])]} at "
                f"{int(sub['hour']):02d}:00" + (", with the CSVs" if sub.get("with_csv") else ""))
    if sub["kind"] == "sla_breach":
        people = sub.get("people") or []
        named = f"; {len(people)} people by name" if people else ""
        return (f"SLA-breach alert by {sub['channel']} daily at {int(sub['hour']):02d}:00, to {to} the leads nobody "
                f"named is reached for{named}")
    return f"KPI alert by {sub['channel']} to {to}: {kpi_alerts.rule_text(sub)}"
