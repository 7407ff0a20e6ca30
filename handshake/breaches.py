"""SLA-breach alerts ("report bursting"): once a day at the subscription's hour, each owner named in it gets only
their own leads on the accountability list (untouched past the first-touch SLA, or short of the agreed attempts two
weeks after assignment: the Follow-up page's list, drawn up now), each head of team named in it the summary of their
team; the leads without an owner go to whoever the agreement in force names, else to the subscription's recipients,
who also get the leads of owners it has no address for. To Slack, which posts to one channel, goes the list's
headline: the whole organisation's counts, no rep's own."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

import pandas as pd

from handshake import agreements, deliver, kpis, meeting, pack, queries, warehouse

WINDOW_DAYS = 28  # the MQLs of the last four weeks: older leads still undecided are the Follow-up page's to chase
PERIOD = f"the last {WINDOW_DAYS} days"


@dataclass
class Part:
    """One section of a recipient's alert: its headline and the leads (or, for a head, the owners) it lists."""

    heading: str
    headline: str
    table: pd.DataFrame


def check_people(con, people: dict) -> dict:
    """Refuse a name the warehouse has no rep for (its reps are listed); addresses are checked by the caller."""
    from handshake import subscriptions  # it imports this module
    known = set(queries.run(con, "alert_people")["rep_name"])
    for person in people:
        if person not in known:
            hint = ", ".join(sorted(known)[:8]) + (" …" if len(known) > 8 else "")
            raise subscriptions.SubscriptionError(
                f"'{person}' is not a rep in the warehouse, so no lead is theirs: write the name as the reps list "
                f"has it ({hint or 'no reps are imported yet'}).")
    return people


def heads(reps: pd.DataFrame, people: dict) -> set:
    """The people named who are heads of a team (reps: queries/alert_people.sql): they get their team's summary."""
    return set(reps[(reps["role"] == "head") & reps["team"].notna() & reps["rep_name"].isin(people)]["rep_name"])


def led_by(reps: pd.DataFrame, head: str) -> tuple[str, str, set]:
    """What a head leads, as a heading and as a sentence's owner, and its members: the reps of their own team, or,
    when nobody else is in it (a head of sales in "Sales leadership"), every rep of their function."""
    me = reps[reps["rep_name"] == head].iloc[0]
    team = reps[(reps["team"] == me["team"]) & (reps["rep_name"] != head)]
    if len(team):
        return f"Team {me['team']}", f"Team {me['team']}'s", set(team["rep_name"])
    same_function = reps[(reps["function"] == me["function"]) & (reps["rep_name"] != head)]
    return f"Every {me['function']} rep", f"The {me['function']} reps'", set(same_function["rep_name"])


def window(day: date) -> tuple[date, date]:
    """The MQL days an alert sent on `day` lists: the WINDOW_DAYS up to and including that day."""
    return day - timedelta(days=WINDOW_DAYS - 1), day


def listed(con, day: date, tz: str, now: datetime) -> pd.DataFrame:
    """The whole accountability list for the MQLs of the window ending on `day`, drawn up at `now`."""
    start, end = window(day)
    return queries.run(con, "accountability_list", dict(kpis.query_params(start, end, {"now": now}, "total", tz),
                                                         limit=None))


def parts(con, sub: dict, day: date, tz: str, now: datetime) -> dict[str, list[Part]]:
    """What each address of an email subscription gets: its owner's leads, its head's team, and for the
    subscription's recipients the leads nobody named is reached for. Addresses with nothing get nothing."""
    rows = listed(con, day, tz, now)
    if rows.empty:
        return {}
    start, end = window(day)
    people = {p["person"]: p["address"] for p in sub["people"]}
    reps = queries.run(con, "alert_people")
    found: dict[str, list[Part]] = {}
    for person, address in people.items():
        own = rows[rows["owner_name"] == person]
        if len(own):
            found.setdefault(address, []).append(
                Part("Your leads", meeting.alert_headline(own, start, end, "Your"),
                     leads(own, tz).drop(columns="Owner")))  # all theirs: the column would say their name each row
    for person in heads(reps, people):
        heading, whose, members = led_by(reps, person)
        team = rows[rows["owner_name"].isin(members)]
        if len(team):
            found.setdefault(people[person], []).append(Part(
                heading, meeting.alert_headline(team, start, end, whose), meeting.accountability_owners(team)))
    unowned = rows[rows["owner_name"].isna()]
    agreed = unowned_to(con, day)
    if agreed and len(unowned):  # whom the agreement names takes them; the recipients, the rest
        found.setdefault(agreed, []).append(Part("MQLs without an owner: the agreement names you for them",
                                                 meeting.alert_headline(unowned, start, end), leads(unowned, tz)))
    # the rest: owners the alert has no address for, and those without an owner unless the agreement took them
    unreached = rows[~rows["owner_name"].isin(people) & (rows["owner_name"].notna() | (not agreed))]
    if len(unreached):
        nobody = sorted(set(unreached["owner_name"].dropna()))
        headline = meeting.alert_headline(unreached, start, end, unaddressed=nobody)
        for address in sub["recipients"]:
            found.setdefault(address, []).append(Part("Leads nobody is named for", headline,
                                                      leads(unreached, tz)))
    return found


def unowned_to(con, day: date) -> str | None:
    """Who the agreement in force on `day` names for the MQLs without an owner (None: nobody)."""
    agreement = queries.run(con, "agreement_in_force", {"day": day})
    return agreements.stored_unowned_to(agreement.iloc[0].to_dict()) if len(agreement) else None


def leads(rows: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The leads as the Follow-up page lists them (meeting.accountability_rows), owner by owner."""
    return meeting.accountability_rows(rows, tz)


def today(sub: dict, tz: str, now: datetime) -> date | None:
    """The local day whose alert is due by now: today once its hour has come, and only if the subscription was
    there at that moment (a day missed while nothing ran is not sent late: the next day's list holds its leads)."""
    local = meeting.local_now(tz, now)
    moment = datetime.combine(local.date(), time(int(sub["hour"])))
    if local < moment or moment < meeting.local_now(tz, sub["created_at"].to_pydatetime()):
        return None
    return local.date()


def due(con, sub: dict, tz: str, now: datetime) -> list[tuple[str, str]]:
    """(day, address) for each address with something to act on today; a Slack subscription's webhook when the
    list holds anyone."""
    day = today(sub, tz, now)
    if day is None:
        return []
    if sub["channel"] == "slack":
        return [(day.isoformat(), r) for r in sub["recipients"]] if len(listed(con, day, tz, now)) else []
    return [(day.isoformat(), address) for address in parts(con, sub, day, tz, now)]


def email(day: date, mine: list[Part], recipient: str, now: datetime, sender: str,
          msg_id: str) -> EmailMessage:
    """One address's alert of `day` (mine: its parts, as parts() drew them up for every address at once): plain
    text, with the same sections as an HTML table each."""
    title = f"Handshake · SLA breaches to act on · {day.day} {pack.MONTHS[day.month - 1]} {day.year}"
    rule = meeting.accountability_rule(*window(day), now, PERIOD)
    if not mine:  # worked since it was due: say so rather than send an empty list
        mine = [Part("Nothing left", meeting.alert_headline(pd.DataFrame(), *window(day), "Your"), pd.DataFrame())]
    text = [title, *[f"{p.heading}\n{p.headline}\n{pack.table_lines(p.table)}" for p in mine], rule]
    return deliver.message(title, sender, recipient, msg_id, now, "\n\n".join(text) + "\n",
                           pack.alert_html(title, rule, [(p.heading, p.headline, p.table) for p in mine]))


def slack(con, sub: dict, period_key: str, now: datetime) -> dict:
    """The list's headline for a channel: the organisation's counts, no rep's own leads."""
    tz = warehouse.organisation_timezone(warehouse.meta(con))
    day = date.fromisoformat(period_key)
    headline = meeting.accountability_headline(listed(con, day, tz, now), *window(day))
    return deliver.slack_payload(f"SLA breaches to act on · {day.isoformat()}\n{headline}\n"
                                 f"{meeting.accountability_rule(*window(day), now, PERIOD)}")
