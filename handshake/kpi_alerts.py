"""KPI alerts: a rule on a glossary KPI (below or above a value, or a change of more than N% or points against the
week before) for the whole organisation or a segment, region or source, checked at every run of `send` on the last
complete week, and sent once when it starts to hold."""

import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from handshake import deliver, kpis, meeting, pack, queries, warehouse
from handshake.formats import fmt, words

RULES = ("below", "above", "change_pct", "change_points")
# as the page's choice says them
RULE_LABELS = {"below": "falls below", "above": "rises above", "change_pct": "changes by more than N%",
               "change_points": "changes by more than N points"}
CHANGES = ("change_pct", "change_points")
FILTERS = ("segment", "region", "source")
# The KPI queries that give one row for a whole week, and what else makes them do so: an alert compares one week's
# value with the week before's, as the Weekly meeting's scorecard does.
WHOLE_PERIOD = {
    "kpi_mql_cohort": {}, "kpi_revenue": {}, "kpi_open_pipeline": {}, "kpi_deals": {}, "follow_up_summary": {},
    "rejection_summary": {}, "data_health": {}, "funnel_by_cohort": {"dimension": "all"},
    "quality_by_dimension": {"dimension": "total"}, "campaign_performance": {"dimension": "total"},
}
# why the others cannot be watched, said to whoever asks for one
NOT_ONE_VALUE = {
    "funnel_stage_times": "it has one value per hand-off step",
    "lead_velocity": "it is measured over whole calendar months",
    "pipeline_coverage": "it sets the open pipeline against the next 90 days' target, not a week's value",
}
# measured over the whole organisation whatever the filter: a filtered alert on it would watch the same number
WHOLE_ORGANISATION = {"data_health"}
# how a threshold reads in each unit; money is written by fmt() when the organisation's currency is known
THRESHOLD_UNITS = {"rate": "{:g}%", "count": "{:,g}", "hours": "{:g} h", "days": "{:g} days", "ratio": "{:g}x",
                   "score": "{:g} / 5", "points": "{:+g} points", "money": "{:,g} in the organisation's currency"}
LISTED = 12  # the filter values a refusal names before it says how many more there are


@dataclass(frozen=True)
class Reading:
    """A KPI's value for a week and the week before, and whether the rule holds; unmeasured says why there is no
    value to judge (the warehouse lacks an input, or holds no data of the week)."""

    week: meeting.Week
    value: float | None
    previous: float | None
    holds: bool
    unmeasured: str | None = None


def refuse(message: str):
    from handshake import subscriptions  # at call time: subscriptions imports this module
    raise subscriptions.SubscriptionError(message)


def text_or_none(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def why_not_watched(kpi: kpis.Kpi) -> str | None:
    """Why an alert cannot watch a KPI, or None when it can: it must be one value for a whole week from SQL."""
    if kpi.computed_by:
        return (f"{kpi.label} is estimated in Python from the evidence window's leads, not measured for a week, "
                "so no alert can watch it: pick a KPI measured each week (python -m handshake kpis --list).")
    if kpi.query not in WHOLE_PERIOD:
        why = NOT_ONE_VALUE.get(kpi.query, "its query does not give one value for a week")
        return (f"{kpi.label} is not a single value for a week ({why}), so no alert can watch it: pick another KPI "
                "(python -m handshake kpis --list).")
    return None


def watchable() -> list[kpis.Kpi]:
    """The glossary's KPIs an alert can watch, in the glossary's order (for a page's choice, say)."""
    return [k for k in kpis.KPIS if why_not_watched(k) is None]



def check_rule(con, rule: dict) -> dict:
    """The rule as it will be stored, or SubscriptionError naming the first thing wrong. A rate's threshold is in
    percent (60 means 60%), change_points' in points of a percentage; either is stored as given."""
    name = text_or_none(rule.get("kpi"))
    if name is None:
        refuse("A KPI alert needs a KPI (--kpi): list them with python -m handshake kpis --list.")
    kpi = kpis.BY_NAME.get(name)
    if kpi is None:
        refuse(f"'{name}' is not a KPI: list them with python -m handshake kpis --list.")
    if why := why_not_watched(kpi):
        refuse(why)
    said = text_or_none(rule.get("rule"))
    kind = said.lower() if said else None
    if kind not in RULES:
        refuse(f"'{said or ''}' is not a rule: use below or above (a value), change_pct (a change of more than N% "
               "against the week before) or change_points (of more than N points, for a rate).")
    threshold = rule.get("threshold")
    try:
        threshold = None if isinstance(threshold, bool) else float(threshold)
    except (TypeError, ValueError):
        threshold = None
    if threshold is None or not math.isfinite(threshold):
        refuse(f"A KPI alert needs a threshold (--threshold) that is a number, not {rule.get('threshold')!r}: "
               "for a rate in percent (60 means 60%), for change_pct a percentage, for change_points points.")
    if kind in CHANGES and kpi.matures:
        refuse(f"{kpi.label} rises as a week's leads age, so a week set against the week before is no news: "
               "use below or above.")
    if kind == "change_points" and kpi.unit != "rate":
        refuse(f"change_points is for a rate (points of a percentage), and {kpi.label} is not one: use change_pct.")
    if kind in CHANGES and threshold <= 0:
        refuse(f"A change of more than {threshold:g} {'%' if kind == 'change_pct' else 'points'} would hold nearly "
               "every week: give a threshold above 0, such as 20.")
    if kind not in CHANGES and kpi.unit == "rate" and not 0 <= threshold <= 100:
        refuse(f"{kpi.label} is a rate, given in percent from 0 to 100 (60 means 60%), not {threshold:g}.")
    chosen = {f: text_or_none(rule.get(f)) for f in FILTERS}
    if any(chosen.values()) and kpi.query in WHOLE_ORGANISATION:
        refuse(f"{kpi.label} is measured over the whole organisation whatever the segment, region or source: "
               "leave out the filter.")
    if any(chosen.values()):
        options = queries.run(con, "filter_options")
        for f, value in chosen.items():
            held = list(options.loc[options["filter"] == f, "value"])
            if value is not None and value not in held:
                named = ", ".join(held[:LISTED]) + (f" and {len(held) - LISTED} more" if len(held) > LISTED else "")
                refuse(f"'{value}' is not a {f} of the warehouse's leads: " + (
                    f"use one of {named}." if held else f"no lead records a {f}, so leave it out."))
    return {"kpi": name, "rule": kind, "threshold": threshold, **chosen}


def threshold_text(kpi: kpis.Kpi, threshold: float, currency: str | None = None) -> str:
    if kpi.unit == "money" and currency:
        return fmt(threshold, "money", currency)
    return THRESHOLD_UNITS[kpi.unit].format(threshold)


def filters_of(sub: dict) -> dict:
    return {f: text_or_none(sub.get(f)) for f in FILTERS}


def filter_text(sub: dict) -> str:
    """'region DACH', 'segment SMB and source Paid search'; '' for the whole organisation."""
    said = [f"{f} {words(v)}" for f, v in filters_of(sub).items() if v]
    return " and ".join([", ".join(said[:-1]), said[-1]] if len(said) > 1 else said)


def rule_text(sub: dict, currency: str | None = None) -> str:
    """The rule in one plain sentence with its unit: "Acceptance rate below 60% for region DACH", "Revenue changes
    by more than 20% against the week before". currency: the organisation's, to write a money threshold with it."""
    kpi, threshold = kpis.BY_NAME.get(sub["kpi"]), float(sub["threshold"])
    if kpi is None:  # stored by a version that knew it
        said = f"{sub['kpi']} {sub['rule']} {threshold:g} (a KPI this version of Handshake does not know)"
    elif sub["rule"] == "change_pct":
        said = f"{kpi.label} changes by more than {threshold:g}% against the week before"
    elif sub["rule"] == "change_points":
        said = f"{kpi.label} changes by more than {threshold:g} points against the week before"
    else:
        said = f"{kpi.label} {sub['rule']} {threshold_text(kpi, threshold, currency)}"
    where = filter_text(sub)
    return f"{said} for {where}" if where else said


def judge(kpi: kpis.Kpi, rule: str, threshold: float, value, previous) -> bool:
    """Whether the rule holds for a week's value and the week before's; never on a value not measured, nor a
    change against a week without one (or from 0, by a percentage)."""
    value, previous = kpis.clean(value), kpis.clean(previous)
    if value is None:
        return False
    scale = 100 if kpi.unit == "rate" else 1  # a rate is stored 0-1, its threshold given in percent
    if rule == "below":
        return value * scale < threshold
    if rule == "above":
        return value * scale > threshold
    if previous is None:
        return False
    if rule == "change_points":
        return abs(value - previous) * 100 > threshold
    return previous != 0 and abs(value - previous) / abs(previous) * 100 > threshold


def week_value(con, kpi: kpis.Kpi, week: meeting.Week, filters: dict, tz: str, now: datetime):
    """The KPI for one week, with the parameters the Weekly meeting's scorecard uses."""
    params = dict(meeting.params(week, filters, tz, now), **WHOLE_PERIOD[kpi.query])
    return kpis.values(lambda calls: queries.run_many(con, calls), params, (kpi,))[kpi.name]


def reading(con, sub: dict, week: meeting.Week, tz: str, now: datetime) -> Reading:
    """The sub's KPI for `week` and the week before, and whether its rule holds."""
    kpi = kpis.BY_NAME.get(sub["kpi"])
    if kpi is None or why_not_watched(kpi):  # stored by another version: one alert must not stop every other send
        return Reading(week, None, None, False, f"{sub['kpi']} is not a KPI an alert of this version can watch.")
    present = kpis.present_inputs(queries.run(con, "data_inputs").iloc[0].to_dict())
    lacking = kpis.missing_inputs(kpi, present)
    if lacking:
        return Reading(week, None, None, False, kpis.missing_note(kpi, lacking))
    last = kpis.clean(queries.run(con, "data_range").iloc[0]["last_lead_date"])
    if last is None or last.date() < week.monday:  # a week after the data would read as a week of nothing
        return Reading(week, None, None, False,
                       "the warehouse holds no lead of that week" + (f" (its newest is from {last:%-d %b %Y})"
                                                                   if last is not None else "") + ".")
    value = week_value(con, kpi, week, filters_of(sub), tz, now)
    previous = week_value(con, kpi, week.shift(-1), filters_of(sub), tz, now)
    return Reading(week, value, previous, judge(kpi, sub["rule"], float(sub["threshold"]), value, previous))


def due(con, sub: dict, tz: str, now: datetime, record: bool) -> list[tuple[str, str]]:
    """One message per recipient, keyed by the week the rule started to hold, while it holds on the last complete
    week: the outbox's key sends it once per start. record: keep what was found (a dry run stores nothing)."""
    sub_id = int(sub["subscription_id"])
    found = reading(con, sub, meeting.last_complete_week(tz, now), tz, now)
    state = queries.run(con, "kpi_alert_state", {"subscription_id": sub_id})
    held = text_or_none(state["since_key"].iloc[0]) if len(state) and bool(state["holds"].iloc[0]) else None
    since = (held or found.week.label) if found.holds else None
    if record:
        with warehouse.transaction(con, sender_person(), "outbox") as cur:
            cur.execute(queries.sql("kpi_alert_state_update"), queries.bind("kpi_alert_state_update", {
                "subscription_id": sub_id, "holds": found.holds, "since_key": since, "value": found.value,
                "compared_value": found.previous, "checked_at": now}))
    return [(since, r) for r in sub["recipients"]] if since else []


def sender_person():
    from handshake import outbox  # at call time: outbox imports this module
    return outbox.SENDER


def week_words(week: meeting.Week, tz: str) -> str:
    """'week 11 (9–15 Mar 2026, days in Europe/Berlin)': the window an alert judged, in the organisation's days."""
    number, days = week.describe().split(" · ", 1)
    return f"{number.lower()} ({days}, days in {tz})"


def change_words(kpi: kpis.Kpi, value, previous) -> str | None:
    """'down 52.4%', 'up 16.7 points': the change a change rule judged; None when there is none to say."""
    value, previous = kpis.clean(value), kpis.clean(previous)
    if value is None or previous is None or value == previous or (kpi.unit != "rate" and previous == 0):
        return None
    by = f"{abs(value - previous) * 100:.1f} points" if kpi.unit == "rate" else f"{abs(value - previous) / abs(previous):.1%}"
    return f"{'up' if value > previous else 'down'} {by}"


def sentence(sub: dict, found: Reading, tz: str, currency: str) -> list[str]:
    """What an alert says, one line each: the rule, the week's value against the week before's (the window named
    in the organisation's time zone), the filter and the KPI's glossary definition. Email and Slack both say this,
    and a page could."""
    kpi = kpis.BY_NAME[sub["kpi"]]
    before = found.week.shift(-1)
    if found.value is None:
        measured = f"{kpi.label} is not measured for {week_words(found.week, tz)}: {found.unmeasured}"
    else:
        measured = (f"{kpi.label} was {fmt(found.value, kpi.unit, currency)} in {week_words(found.week, tz)}, "
                    f"against {fmt(found.previous, kpi.unit, currency)} in week {before.monday.isocalendar()[1]}.")
        moved = change_words(kpi, found.value, found.previous) if sub["rule"] in CHANGES else None
        measured = f"{measured[:-1]}, {moved}." if moved else measured
    where = filter_text(sub)
    return [
        f"{rule_text(sub, currency)}.",
        measured,
        ("The rule holds: you get this once each time it starts to hold, not at every check." if found.holds
         else "The rule does not hold for that week any more."),
        f"For {where}." if where else "For the whole organisation.",
        f"{kpi.label}: {kpi.definition} Formula: {kpi.formula}.",
    ]


def message_reading(con, sub: dict, period_key: str, now: datetime) -> tuple[Reading, str, str]:
    """The reading of the week the rule started to hold (the outbox's period key), so a retry says the same."""
    about = warehouse.meta(con)
    tz, currency = warehouse.organisation_timezone(about), warehouse.organisation_currency(about)
    return reading(con, sub, meeting.Week.parse(period_key), tz, now), tz, currency


def one_line(text: str) -> str:
    """Text from the data in a header: a line break in a region's name must not start a header of its own."""
    return " ".join(text.split())


def subject(sub: dict, week: meeting.Week, currency: str) -> str:
    return one_line(f"Handshake alert · {rule_text(sub, currency)} (week {week.monday.isocalendar()[1]})")


def email(con, sub: dict, period_key: str, recipient: str, now: datetime, sender: str, msg_id: str):
    """The alert as an email written at `now` (naive UTC): plain text, and the same lines as simple HTML."""
    found, tz, currency = message_reading(con, sub, period_key, now)
    lines, title = sentence(sub, found, tz, currency), subject(sub, found.week, currency)
    # in the pack's style, as the digest and the SLA-breach alerts: the rule as the heading, the definition last
    return deliver.message(title, sender, recipient, msg_id, now, "\n\n".join(lines) + "\n",
                           pack.alert_html(title, lines[-1], [(lines[0], " ".join(lines[1:-1]), pd.DataFrame())]))


def slack(con, sub: dict, period_key: str, now: datetime) -> dict:
    """The alert as a Slack message; &, < and > escaped as Slack asks, so names from the data stay text."""
    found, tz, currency = message_reading(con, sub, period_key, now)
    # the subject says the rule, so the first line is not said twice
    text = "\n".join([subject(sub, found.week, currency)] + sentence(sub, found, tz, currency)[1:])
    return deliver.slack_payload(text)
