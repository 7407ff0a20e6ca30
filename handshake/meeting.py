"""The weekly joint meeting: which week, its scorecard against last week, the 4-week average and the
target, the agenda the data sets, and the pack sent round afterwards."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd

from handshake import evidence, formats, kpis, pack, periods
from handshake.formats import fmt, plural, words

# The shared KPIs the two teams look at every week, marketing's first, then sales', then the shared ones.
SCORECARD = (
    "mql_count", "sla_compliance_rate", "first_touch_median_hours", "avg_attempt_count",
    "acceptance_rate", "rejection_reason_rate", "revenue_eur", "open_pipeline_eur",
)
# A stock is measured at the week's end, so its 4-week average is the mean of four week-end values; a
# flow (MQLs, revenue: they add up over weeks) is taken over the four weeks together and divided by four;
# a rate, a median or an average per lead is taken over the four weeks together as it stands.
STOCKS = {"open_pipeline_eur"}
FLOWS = {"mql_count", "revenue_eur"}
AVERAGED_WEEKS = 4
# A campaign's rejections for one reason are a spike at 3 or more in a week and at least twice its weekly
# average of the four weeks before: few enough to see a new problem, enough not to flag every single one.
SPIKE_MIN_COUNT = 3
SPIKE_RATIO = 2.0
# The scope of a week without filters, in the page's caption and the digest's subtitle.
EVERYONE = "All segments, regions and sources"
# The scorecard's names on the cards, the table and the pack: short enough to stay whole on a card four to a
# row at 1280 px (the projector), the glossary entry in each card's help says the rest.
SHORT_LABELS = {
    "mql_count": "MQLs", "sla_compliance_rate": "Within SLA", "first_touch_median_hours": "Time to touch",
    "avg_attempt_count": "Attempts", "acceptance_rate": "Accepted", "rejection_reason_rate": "Reason given",
    "revenue_eur": "Revenue", "open_pipeline_eur": "Pipeline",
}
# What the card's short name stands for, first in its help.
LONG_NAMES = {
    "first_touch_median_hours": "The median time from MQL (or assignment) to the first sales touch.",
    "avg_attempt_count": "Attempts per lead before sales accepted or rejected it, on average.",
    "acceptance_rate": "The share of decided MQLs that sales accepted.",
    "rejection_reason_rate": "The share of rejections that carry a reason.",
    "open_pipeline_eur": "Open pipeline at the end of the week.",
}


@dataclass(frozen=True)
class Week:
    """An ISO week (Monday to Sunday) in the organisation's time zone."""

    monday: date

    @classmethod
    def parse(cls, label: str) -> "Week":
        """'2026-W46' -> that week; anything else is refused with the form expected."""
        try:
            year, number = label.upper().split("-W")
            return cls(date.fromisocalendar(int(year), int(number), 1))
        except ValueError:
            raise ValueError(f"{label!r} is not a week: write it as YYYY-Www, e.g. 2026-W46.") from None

    @classmethod
    def containing(cls, day: date) -> "Week":
        return cls(day - timedelta(days=day.weekday()))

    @property
    def label(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> "Week":
        return Week(self.monday + timedelta(weeks=weeks))

    def describe(self) -> str:
        """'Week 46 · 9–15 Nov 2026', with both months or years when the week spans them."""
        first, last = self.monday, self.sunday
        if first.year != last.year:
            days = f"{first:%-d %b %Y} – {last:%-d %b %Y}"
        elif first.month != last.month:
            days = f"{first:%-d %b} – {last:%-d %b %Y}"
        else:
            days = f"{first:%-d}–{last:%-d %b %Y}"
        return f"Week {self.monday.isocalendar()[1]} · {days}"


def local_now(tz: str, now: datetime | None = None) -> datetime:
    """The organisation's wall-clock time for a naive UTC moment (default: now)."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    return now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def last_complete_week(tz: str, now: datetime | None = None) -> Week:
    """The last week whose Sunday is over in the organisation's time zone."""
    return Week.containing(local_now(tz, now).date()).shift(-1)


def week_for_period(end: date, tz: str, now: datetime | None = None) -> Week:
    """The meeting's week for a period that ends on `end`: the week that ends on or before that day, and never
    one still running (a week ends with its Sunday)."""
    ending = Week.containing(end) if end.weekday() == 6 else Week.containing(end).shift(-1)
    last = last_complete_week(tz, now)
    return ending if ending.monday <= last.monday else last


def days_in(week: Week, tz: str, now: datetime | None = None, last_lead_day: date | None = None) -> int:
    """How many of the week's seven days are over and in the data: fewer while the week is still running (today
    does not count until midnight) or when the data stops inside it (an export taken mid-week); 7 for a whole week."""
    today = local_now(tz, now).date()
    held = [7, (today - week.monday).days]
    if last_lead_day is not None and week.monday <= last_lead_day < week.sunday:  # after the data: no leads, said apart
        held.append((last_lead_day - week.monday).days + 1)
    return max(0, min(held))


def held_to(week: Week, days: int) -> date:
    """The last day a week cut short holds (its Sunday when whole): the end periods.py's rules take. On the Monday
    of a running week, before any day is over, that is the Monday itself: its MQLs so far are counted."""
    return week.monday + timedelta(days=max(days, 1) - 1)


def bars(values: list, week: Week, days: int) -> list:
    """A card's weekly values, oldest first and ending with `week`, without a last week cut short: a bar for its
    days so far would read as a slump (periods.whole_buckets, the rule of every trend)."""
    starts = [week.shift(n - len(values) + 1).monday for n in range(len(values))]
    return periods.whole_buckets(values, starts, "week", held_to(week, days))


def week_sentence(week: Week, following: Week, period_end: date) -> str:
    """Which week the page shows and how it relates to the sidebar's period (the week follows that period)."""
    if week == following and week.monday + timedelta(days=6) > period_end:  # the period ends before any data
        return (f"{week.describe()}: the first week with data, as the sidebar's period ends before it "
                f"(on {period_end:%-d %b %Y})")
    if week == following:
        return f"{week.describe()}: the last whole week of the sidebar's period (to {period_end:%-d %b %Y})"
    return (f"{week.describe()}, picked here; the sidebar's period (to {period_end:%-d %b %Y}) would show "
            f"{following.describe()}")


def cut_short_note(week: Week, days: int, tz: str, now: datetime | None = None,
                   last_lead_day: date | None = None) -> str | None:
    """What the page and the pack say about a week cut short (days_in below 7); None for a whole week."""
    if days >= 7:
        return None
    if week.monday <= local_now(tz, now).date() <= week.sunday:
        why = f"This week is still running: {plural(days, 'day')} of 7 over"
    else:
        why = (f"The data stops inside this week (the newest lead is from {last_lead_day:%a %-d %b %Y}): "
               f"{days} of 7 days")
    return (f"{why}. MQLs and revenue are not set against last week's whole week, their targets cover the days so "
            "far, and the bars leave this week out until it is whole.")


def week_options(first_lead_day: date | None, tz: str, now: datetime | None = None) -> list[str]:
    """Every week from the first lead's to the current one (still running), newest first."""
    current = Week.containing(local_now(tz, now).date())
    first = Week.containing(first_lead_day) if first_lead_day else current.shift(-12)
    weeks, week = [], current
    while week.monday >= min(first.monday, current.monday):
        weeks.append(week.label)
        week = week.shift(-1)
    return weeks


NOT_MEASURED = "not measured"
SCORECARD_NOTE = (
    "Arrows point the way a number moved since last week; their colour says whether this week meets the level both "
    "sides agreed (green: met, red: not met, grey: no target agreed or too few decisions to judge). Bars: the last "
    "five weeks, this one last. The 4-week average takes the four weeks before together: MQLs and revenue per week; "
    "rates, medians and averages over all their leads; pipeline as the mean of the four week ends.")


def params(week: Week, filters: dict, tz: str, now: datetime) -> dict:
    """The bound parameters of the KPI queries for one week (Monday to Sunday, local days)."""
    return kpis.query_params(week.monday, week.sunday, dict(filters, now=now), "total", tz)


def scorecard(run_many, week: Week, filters: dict, tz: str, now: datetime,
              last_lead_day: date | None = None) -> pd.DataFrame:
    """One row per scorecard KPI: this week, last week, the four weeks before on average, the agreed level
    (target or minimum), the weekly values oldest first (for a sparkline) and whether this week meets the agreed
    level. A week cut short (still running, or the data stops inside it) holds `days` of 7: a flow's target
    covers those days only and a flow is not compared with last week's whole one."""
    among = tuple(kpis.BY_NAME[name] for name in SCORECARD)
    shown = [week.shift(-n) for n in range(AVERAGED_WEEKS, -1, -1)]
    weekly = kpis.weekly_values(run_many, [params(w, filters, tz, now) for w in shown],
                                kpis.query_params(shown[0].monday, week.sunday, dict(filters, now=now), "total", tz),
                                among)
    before = kpis.query_params(week.shift(-AVERAGED_WEEKS).monday, week.shift(-1).sunday,
                               dict(filters, now=now), "total", tz)
    pooled = kpis.values(run_many, before, among)
    agreement, follow_up = run_many([("agreement_in_force", {"day": week.sunday}),
                                     ("follow_up_summary", dict(params(week, filters, tz, now), grain="total"))])
    min_attempts = kpis.clean(agreement["min_attempts"].iloc[0]) if len(agreement) else None
    # the decisions an average of attempts stands on: fewer than evidence.MIN_OUTCOMES judge nothing
    decided = kpis.clean(follow_up["disposed_count"].iloc[0]) if len(follow_up) else 0
    days = days_in(week, tz, now, last_lead_day)
    this, last = weekly[-1], weekly[-2]
    rows = []
    for kpi in among:
        if kpi.name in STOCKS:
            known = [w[kpi.name] for w in weekly[:-1] if w[kpi.name] is not None]
            average = sum(known) / len(known) if known else None
        elif kpi.name in FLOWS and pooled[kpi.name] is not None:
            average = pooled[kpi.name] / AVERAGED_WEEKS
        else:
            average = pooled[kpi.name]
        target = this.get(kpi.target) if kpi.target else min_attempts if kpi.name == "avg_attempt_count" else None
        cut_flow = days < 7 and kpi.name in FLOWS
        if cut_flow and kpis.clean(target) is not None:  # its days so far, by the one rule of every trend
            target = periods.prorated(target, week.monday, "week", held_to(week, days))
            target = target if kpi.unit == "money" else round(target)  # a count target stays whole
        outcomes = decided if kpi.name == "avg_attempt_count" else None
        rows.append({
            "kpi": kpi.name, "label": SHORT_LABELS[kpi.name], "unit": kpi.unit, "owner": kpi.owner,
            "better": kpi.better, "this_week": this[kpi.name], "last_week": last[kpi.name],
            "four_week_average": average, "target": kpis.clean(target), "weekly": [w[kpi.name] for w in weekly],
            "change": None if cut_flow else formats.change(this[kpi.name], last[kpi.name], kpi.unit),
            "outcomes": outcomes, "days": days, "filtered": any(filters.values()),
            "meets": None if outcomes is not None and not evidence.enough(outcomes)
            else meets(kpi, this[kpi.name], target),
        })
    return pd.DataFrame(rows, dtype=object)  # object keeps a missing value None rather than NaN


def meets(kpi: kpis.Kpi, value, level) -> bool | None:
    """Whether a week's value meets the agreed level (a target or a minimum); None when nothing was agreed."""
    value, level = kpis.clean(value), kpis.clean(level)
    if value is None or level is None or kpi.better is None:
        return None
    return value >= level if kpi.better == "higher" else value <= level


def arrow_colour(row) -> str:
    """st.metric's delta_color: the arrow points the way the number moved, its colour says whether the week
    meets what was agreed (green) or not (red); grey where nothing was agreed, so "Attempts 1.8, up" against an
    agreed minimum of 3 is red, not the green of a mere rise."""
    return {True: "green", False: "red"}.get(kpis.clean(row["meets"]), "gray")


def level_text(row, currency: str = "EUR") -> str | None:
    """The agreed level in words: "target 96", "target 41 for its 3 days so far", "agreed minimum 3"; None if none."""
    target = kpis.clean(row["target"])
    name = row["kpi"] if "kpi" in row else row.name  # a record, or a row of a card indexed by KPI
    if target is None:
        return None
    if name == "avg_attempt_count":
        return f"agreed minimum {fmt(target, 'count')}"
    days = kpis.clean(row.get("days"))
    so_far = f" for its {plural(max(days, 1), 'day')} so far" if name in FLOWS and days is not None and days < 7 else ""
    return f"target {fmt(target, row['unit'], currency)}{so_far}"


def verdict_text(row, currency: str = "EUR") -> str:
    """Whether the week meets the agreed level, in words: "target 96, met", "agreed minimum 3, not met",
    "no target agreed", or why no verdict is drawn."""
    level = level_text(row, currency)
    if level is None:  # the agreement's targets are the whole organisation's: a filtered view has none of its own
        name = row["kpi"] if "kpi" in row else row.name
        return "no target agreed" + (" for these filters" if row.get("filtered") and kpis.BY_NAME[name].target else "")
    outcomes = kpis.clean(row.get("outcomes"))
    if outcomes is not None and not evidence.enough(outcomes):
        return f"{level}; {evidence.too_few(outcomes, 'decisions')[:-1].lower()}"
    meets_it = kpis.clean(row["meets"])
    return level if meets_it is None else f"{level}, {'met' if meets_it else 'not met'}"


def scorecard_table(card: pd.DataFrame, missing: dict | None = None, currency: str = "EUR") -> pd.DataFrame:
    """The scorecard as the page's table and the pack print it: display strings (money in the organisation's
    currency), plus whether the week meets the agreed level. missing: the inputs each KPI lacks
    (kpis.missing_inputs); such a KPI reads "not measured", never a number."""
    unmeasured = [bool((missing or {}).get(name)) for name in card["kpi"]]

    def shown(column):
        return [NOT_MEASURED if lacks else fmt(v, u, currency)
                for v, u, lacks in zip(card[column], card["unit"], unmeasured)]

    return pd.DataFrame({
        "KPI": card["label"],
        "Owner": card["owner"].str.capitalize(),
        "This week": shown("this_week"),
        "Last week": shown("last_week"),
        "Change": card["change"].fillna("–"),
        "4-week average": shown("four_week_average"),
        "Agreed level": ["–" if lacks else verdict_text(row, currency)
                         for lacks, (_, row) in zip(unmeasured, card.iterrows())],
        "meets": card["meets"],
    })


def commitments(card: pd.DataFrame, agreement: dict, missing: dict | None = None) -> list[tuple[str, str]]:
    """What each side promised in the agreement, and what it delivered this week, in one sentence each.
    missing: the inputs each KPI lacks (kpis.missing_inputs), so an absent input is said, not shown as 0."""
    by = card.set_index("kpi")
    lacking = (missing or {}).get("sla_compliance_rate")
    mqls, target = by.at["mql_count", "this_week"], kpis.clean(by.at["mql_count", "target"])
    days = kpis.clean(by.at["mql_count", "days"])
    so_far = f" in its {plural(max(days, 1), 'day')} so far" if days is not None and days < 7 else ""
    if target is None:
        marketing = f"Delivered {plural(int(mqls), 'MQL')}{so_far}; " + (
            "the agreed MQL target is the whole organisation's, none is agreed for these filters."
            if by.at["mql_count", "filtered"] else "no MQL target was agreed for all of this week.")
    else:
        share = f" ({fmt(mqls / target, 'rate')})" if target else ""
        marketing = (f"Delivered {plural(int(mqls), 'MQL')}{so_far} against a target of {fmt(target, 'count')}"
                     f"{' for those days' if so_far else ''}{share}.")
    sla_hours = agreement.get("first_touch_sla_hours")
    compliance = by.at["sla_compliance_rate", "this_week"]
    if sla_hours is None:
        sales = "No first-touch SLA is agreed, so there is no promise to measure."
    elif lacking:
        sales = kpis.missing_note(kpis.BY_NAME["sla_compliance_rate"], lacking)
    else:
        attempts = by.loc["avg_attempt_count"]
        sales = (f"Touched {fmt(compliance, 'rate')} of the week's MQLs within the agreed {sla_hours:g} h; "
                 f"attempts per lead before deciding: {fmt(attempts['this_week'], 'count')} on average")
        sales += (f" ({verdict_text(dict(attempts, kpi='avg_attempt_count'))})." if kpis.clean(attempts["target"])
                  is not None else " (no minimum agreed).")
    return [("Marketing", marketing), ("Sales", sales)]


def lower_first(text: str) -> str:
    """"No fit" -> "no fit" inside a sentence; initials stay: "SLA breach" is not "sLA breach"."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def agenda(card: pd.DataFrame, breaches: pd.DataFrame, spikes: pd.DataFrame, postmortems: pd.DataFrame,
           actions: pd.DataFrame, missing: dict | None = None, currency: str = "EUR",
           accountable: str | None = None) -> list[tuple[str, str]]:
    """The meeting's agenda in the order it is worth the table's time, each item one heading and one sentence.
    accountable: the accountability list's headline (accountability_headline), when the page drew it up."""
    by = card.set_index("kpi")
    lacking = (missing or {}).get("sla_compliance_rate")
    # a week cut short is not set against last week's whole one where it would read as a slump (its flows)
    cut = kpis.clean(by["days"].iloc[0]) is not None and by["days"].iloc[0] < 7
    previous = {k: None if cut and k in FLOWS else by.at[k, "last_week"] for k in by.index}
    movers = kpis.biggest_movers(by["this_week"].to_dict(), previous,
                                 among=tuple(kpis.BY_NAME[n] for n in SCORECARD), currency=currency)
    untouched = int(breaches["is_still_untouched"].sum()) if len(breaches) else 0
    owners = breaches["owner_name"].fillna("no owner").value_counts() if len(breaches) else pd.Series(dtype=int)
    due = actions[actions["is_due"].fillna(False).astype(bool)] if len(actions) else actions
    overdue = int(due["is_overdue"].fillna(False).astype(bool).sum()) if len(due) else 0
    items = [
        ("What moved most", " ".join(movers) if movers else "Nothing on the scorecard moved from last week."),
        ("New SLA breaches", kpis.missing_note(kpis.BY_NAME["sla_compliance_rate"], lacking) if lacking else (
            f"{plural(len(breaches), 'MQL')} went past the first-touch SLA this week, {untouched} of them still "
            f"untouched. Most belong to {owners.index[0]} ({owners.iloc[0]})." if len(breaches)
            else "No MQL went past its first-touch SLA this week.")),
    ]
    if accountable:
        items.append(("Accountability list", accountable))
    return items + [
        ("Rejection spikes by campaign", (
            "; ".join(f"{r.campaign_name}: {r.week_count} rejected as {lower_first(words(r.rejection_reason))} "
                      f"(about {fmt(r.weekly_average_before, 'count')} a week before)" for r in spikes.itertuples())
            + "." if len(spikes) else "No campaign's rejections for one reason stood out this week.")),
        ("Post-mortems with sales still to hold", (
            f"{plural(len(postmortems), 'campaign')} ended without a post-mortem with sales: "
            f"{', '.join(postmortems['campaign_name'])}." if len(postmortems)
            else "Every campaign that ended in the last 13 weeks has had its post-mortem with sales.")),
        ("Actions due", (
            f"{plural(len(due), 'open action')} due by the end of the meeting's week, {overdue} of them already "
            "overdue." if len(due) else "No open action is due by the end of the meeting's week.")),
    ]


NO_OWNER = "No owner"
# the two groups are apart: an untouched lead also two weeks old counts as untouched only, so they add up
OWNER_COLUMNS = ["Owner", "On the list", "Untouched past deadline", "Touched, short of attempts", "Longest overdue"]


def accountability_headline(listed: pd.DataFrame, start: date, end: date) -> str:
    """The accountability list in one sentence whose parts add up: every lead on it is either untouched past its
    deadline or touched but short of the agreed attempts after two weeks (an untouched lead also short of them
    counts once, as untouched, and the overlap is said), and those without an owner are counted first.
    listed: queries/accountability_list.sql drawn up whole (limit null) for the MQLs from start to end."""
    window = f"{start:%-d %b %Y} to {end:%-d %b %Y}"
    if listed.empty:
        return (f"Nobody is on the list: every undecided MQL from {window} has been touched in time and worked as "
                "often as agreed.")
    whole = int(listed["listed_count"].iloc[0])
    untouched = int(listed["overdue_count"].iloc[0])
    both = untouched + int(listed["short_of_attempts_count"].iloc[0]) - whole  # in both groups
    unowned = int(listed["owner_name"].isna().sum())
    owned = "" if not unowned else f"{fmt(unowned, 'count')} of them without an owner; "
    return (f"{plural(whole, 'MQL')} from {window} on the list: {owned}{fmt(untouched, 'count')} untouched past "
            f"the deadline and {fmt(whole - untouched, 'count')} touched but short of the agreed attempts after two "
            f"weeks ({fmt(both, 'count')} of the untouched {'is' if both == 1 else 'are'} short of them too).")


def accountability_rule(start: date, end: date, now: datetime, period: str = "the sidebar's period") -> str:
    """The list's window and rule, said where it is shown: it is the Follow-up page's list, not the week's."""
    return (f"The MQLs of {period} ({start:%-d %b %Y} to {end:%-d %b %Y}) still undecided at "
            f"{now:%-d %b %Y %H:%M} UTC, as on the Follow-up page: on the list when untouched past the first-touch "
            "SLA (24 hours where none was agreed), or short of the agreed attempts two weeks after assignment.")


def alert_headline(rows: pd.DataFrame, start: date, end: date, whose: str | None = None,
                   unaddressed: list[str] = ()) -> str:
    """An SLA-breach alert's sentence for part of the accountability list, in the list's own words: whose leads
    ("Your", "Team North's"), or, without whose, the leads the alert reaches nobody by name for (no owner, or an
    owner it has no address for: unaddressed)."""
    window = f"{start:%-d %b %Y} to {end:%-d %b %Y}"
    if rows.empty:
        return (f"{whose or 'The'} MQLs from {window}: none is on the accountability list any more, every one has "
                "been touched in time or worked as often as agreed since.")
    untouched = int(rows["is_overdue"].sum())
    groups = (f"{fmt(untouched, 'count')} untouched past the deadline and {fmt(len(rows) - untouched, 'count')} "
              "touched but short of the agreed attempts after two weeks")
    if whose:
        return f"{whose} {plural(len(rows), 'MQL')} from {window} on the accountability list: {groups}."
    unowned = int(rows["owner_name"].isna().sum())
    owners = f"; owners with no address in this alert: {', '.join(unaddressed)}" if unaddressed else ""
    return (f"{plural(len(rows), 'MQL')} from {window} on the accountability list reach nobody by name "
            f"({fmt(unowned, 'count')} without an owner{owners}): {groups}.")


def why_listed(row) -> str:
    """Short, so the list keeps every column in view at 1440 px."""
    if row["is_overdue"]:
        return "Untouched, short of attempts" if row["is_short_of_attempts"] else "Untouched"
    return "Short of attempts"


def accountability_owners(listed: pd.DataFrame) -> pd.DataFrame:
    """One row per owner of the list's leads, those without an owner first, then the most listed: what each
    owner has to act on before the next meeting."""
    if listed.empty:
        return pd.DataFrame(columns=OWNER_COLUMNS)
    frame = listed.assign(owner=listed["owner_name"].fillna(NO_OWNER), touched_short=~listed["is_overdue"])
    owners = frame.groupby("owner", sort=False).agg(
        listed=("lead_id", "size"), untouched=("is_overdue", "sum"), short=("touched_short", "sum"),
        longest=("hours_overdue", "max"),
    ).reset_index()
    owners["first"] = owners["owner"] != NO_OWNER
    owners = owners.sort_values(["first", "listed", "owner"], ascending=[True, False, True])
    return pd.DataFrame(dict(zip(OWNER_COLUMNS, [
        owners["owner"], owners["listed"], owners["untouched"], owners["short"],
        [fmt(h, "hours") for h in owners["longest"]],
    ]))).reset_index(drop=True)


def accountability_rows(listed: pd.DataFrame, tz: str, owners: pd.DataFrame | None = None) -> pd.DataFrame:
    """The list's leads grouped as accountability_owners orders their owners (worked out here unless given), the
    most overdue first within each; overdue in hours below 48 and in days from 48 on (formats.fmt)."""
    owners = accountability_owners(listed) if owners is None else owners
    order = {name: n for n, name in enumerate(owners["Owner"])}
    frame = listed.assign(owner=listed["owner_name"].fillna(NO_OWNER))
    frame = frame.assign(group=frame["owner"].map(order)).sort_values("group", kind="stable")
    rows = pd.DataFrame({
        "Owner": frame["owner"], "Lead (CRM id)": frame["crm_id"], "Record": frame["record_url"],
        "Why on the list": [why_listed(r) for _, r in frame.iterrows()],
        "Overdue by": [fmt(h, "hours") if kpis.clean(h) is not None else "–" for h in frame["hours_overdue"]],
        "Attempts": frame["attempt_count"], "Minimum": frame["min_attempts"],
        "Assigned": local_times(frame["sla_clock_at"], tz), "Score": frame["lead_score"],
        "Source": frame["source"].map(words),
    }).reset_index(drop=True)
    return formats.without_empty(rows, "Record")


def build_pack(week: Week, subtitle: str, card: pd.DataFrame, promised: list, items: list,
               tables: dict[str, pd.DataFrame], missing: dict | None = None, currency: str = "EUR") -> pack.Pack:
    """The week as the pack prints it: the same strings the page shows."""
    return pack.Pack(
        title=f"Weekly joint meeting · {week.describe()}", subtitle=subtitle,
        scorecard=scorecard_table(card, missing, currency), commitments=promised, agenda=items, tables=tables,
        file_stem=f"handshake-meeting-{week.label}", currency=currency,
    )


def local_times(column: pd.Series, tz: str) -> pd.Series:
    """Stored UTC timestamps as the organisation's wall-clock time."""
    return pd.to_datetime(column).dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)


def tables(breaches: pd.DataFrame, spikes: pd.DataFrame, postmortems: pd.DataFrame, listed: pd.DataFrame,
           tz: str, accountable: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The agenda's detail tables as the page shows them and the pack prints them: named columns, local
    times, codes as words, waits as fmt() writes them, ids as labels rather than numbers to add up.
    accountable: the whole accountability list (queries/accountability_list.sql), when the page drew it up."""
    def code(column):
        return column.map(words)

    sla_breaches = pd.DataFrame({
        "Lead (CRM id)": breaches["crm_id"], "Record": breaches["record_url"],
        "Owner": breaches["owner_name"], "Source": code(breaches["source"]),
        "Campaign": breaches["campaign_name"], "Deadline": local_times(breaches["sla_deadline_at"], tz),
        "First touch": local_times(breaches["first_touch_at"], tz),
        "Late by": [fmt(h, "hours") for h in breaches["hours_late"]],
        "Decision": code(breaches["decision"]),
    })
    sla_breaches = formats.without_empty(sla_breaches, "Record")
    # by owner only: the whole list, hundreds of leads, is the page's table and its download, not the pack's
    found = {} if accountable is None else {"Accountability list by owner": accountability_owners(accountable)}
    return {
        "SLA breaches": sla_breaches,
        "Rejection spikes": pd.DataFrame({
            "Campaign": spikes["campaign_name"], "Reason": code(spikes["rejection_reason"]),
            "This week": spikes["week_count"], "Weekly average before": spikes["weekly_average_before"],
        }),
        "Post-mortems due": pd.DataFrame({
            "Campaign": postmortems["campaign_name"], "Channel": code(postmortems["channel"]),
            "Ended": postmortems["end_date"], "Days since": postmortems["days_since_end"],
            "Post-mortem": code(postmortems["postmortem_status"]),
        }),
        "Actions": pd.DataFrame({
            "#": listed["action_id"].astype(str), "Action": listed["title"], "Owner": listed["owner"],
            "Function": code(listed["owner_function"]), "Due": listed["due_date"], "Status": code(listed["status"]),
            "Overdue": listed["is_overdue"], "Agreed": local_times(listed["created_at"], tz),
        }),
    } | found


@dataclass(frozen=True)
class WeekParts:
    """A week as the page shows it and its pack prints it, worked out once by week_pack_parts."""
    week: Week
    currency: str
    card: pd.DataFrame  # a KPI whose inputs the warehouse lacks has no values (and no arrow)
    missing: dict  # the inputs each scorecard KPI lacks
    days: int  # of the week in the data so far
    cut_short: str | None
    promised: list[tuple[str, str]]
    items: list[tuple[str, str]]
    breaches: pd.DataFrame
    spikes: pd.DataFrame
    postmortems: pd.DataFrame
    listed: pd.DataFrame  # the week's actions
    details: dict[str, pd.DataFrame]
    accountable: pd.DataFrame | None = None
    accountable_note: str | None = None

    def pack(self, subtitle: str) -> pack.Pack:
        return build_pack(self.week, subtitle, self.card, self.promised, self.items, self.details, self.missing,
                          self.currency)


def week_pack_parts(run_many, week: Week, filters: dict, tz: str, now: datetime, last_day: date | None,
                    currency: str, accountable: tuple[date, date] | None = None) -> WeekParts:
    """The scorecard, the commitments, the agenda and its tables of `week`: the one place the page and the digest
    take them from, so a digest never says what the page does not. run_many: queries.run_many on a connection, or
    the page's cached dashboard.query_many. accountable: the first and last day of the sidebar's period whose
    accountability list the page draws up (its headline joins the agenda, its owners the tables)."""
    card = scorecard(run_many, week, filters, tz, now, last_day)
    week_params = params(week, filters, tz, now)
    calls = [
        ("data_inputs", {}),
        ("agreement_in_force", {"day": week.sunday}),
        ("meeting_sla_breaches", week_params),
        ("meeting_rejection_spikes", dict(week_params, min_count=SPIKE_MIN_COUNT, spike_ratio=SPIKE_RATIO)),
        ("meeting_postmortems_due", week_params),
        ("meeting_actions", week_params),
    ]
    if accountable:  # the Follow-up page's list: the sidebar's period, drawn up now
        calls.append(("accountability_list", dict(kpis.query_params(*accountable, dict(filters, now=now), "total", tz),
                                                  limit=None)))
    inputs, agreement_rows, breaches, spikes, postmortems, listed, *drawn_up = run_many(calls)
    present = kpis.present_inputs(inputs.iloc[0].to_dict())
    missing = {name: kpis.missing_inputs(kpis.BY_NAME[name], present) for name in card["kpi"]}
    # no number where an input is missing, on the cards, in the agenda or in the pack (the rule of
    # dashboard.kpi_metric): no follow-ups imported is not 0% touched within the SLA
    card = pd.DataFrame([
        dict(row, this_week=None, last_week=None, four_week_average=None, change=None, meets=None,
             weekly=[None] * len(row["weekly"])) if missing[row["kpi"]] else row
        for row in card.to_dict("records")
    ], dtype=object)
    lacking = missing["sla_compliance_rate"]
    if lacking:  # without touches every MQL would look like a breach
        breaches = breaches.head(0)
    agreement = ({k: kpis.clean(v) for k, v in agreement_rows.iloc[0].to_dict().items()}
                 if len(agreement_rows) else {})
    listed_whole = drawn_up[0] if drawn_up else None
    note = None
    if accountable:
        note = (kpis.missing_note(kpis.BY_NAME["sla_compliance_rate"], lacking) if lacking
                else accountability_headline(listed_whole, *accountable))
    days = days_in(week, tz, now, last_day)
    return WeekParts(
        week=week, currency=currency, card=card, missing=missing, days=days,
        cut_short=cut_short_note(week, days, tz, now, last_day),
        promised=commitments(card, agreement, missing),
        items=agenda(card, breaches, spikes, postmortems, listed, missing, currency, note),
        breaches=breaches, spikes=spikes, postmortems=postmortems, listed=listed,
        details=tables(breaches, spikes, postmortems, listed, tz, listed_whole),
        accountable=listed_whole, accountable_note=note,
    )


# The history's field codes as the form names them; its coded values (a status, a function) as words.
HISTORY_FIELDS = {"created": "Created", "title": "What is to be done", "owner": "Owner",
                  "owner_function": "Owner's function", "due_date": "Due", "status": "Status"}
CODED_FIELDS = {"owner_function", "status"}


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """An action's recorded changes as the page shows them: each field by its name on the form, codes as words."""
    def value(field, v):
        return words(v) if field in CODED_FIELDS else v

    return history.assign(
        old_value=[value(f, v) for f, v in zip(history["field"], history["old_value"])],
        new_value=[value(f, v) for f, v in zip(history["field"], history["new_value"])],
        field=history["field"].map(lambda f: HISTORY_FIELDS.get(f, words(f))),
    )
