"""The weekly joint meeting: which week, its scorecard against last week, the 4-week average and the
target, the agenda the data sets, and the pack sent round afterwards."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd

from handshake import formats, kpis, pack
from handshake.formats import plural

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


def params(week: Week, filters: dict, tz: str, now: datetime) -> dict:
    """The bound parameters of the KPI queries for one week (Monday to Sunday, local days)."""
    return kpis.query_params(week.monday, week.sunday, dict(filters, now=now), "total", tz)


def scorecard(run_many, week: Week, filters: dict, tz: str, now: datetime) -> pd.DataFrame:
    """One row per scorecard KPI: this week, last week, the four weeks before on average, the target,
    the weekly values oldest first (for a sparkline) and whether the change from last week is good news."""
    among = tuple(kpis.BY_NAME[name] for name in SCORECARD)
    shown = [week.shift(-n) for n in range(AVERAGED_WEEKS, -1, -1)]
    weekly = kpis.weekly_values(run_many, [params(w, filters, tz, now) for w in shown],
                                kpis.query_params(shown[0].monday, week.sunday, dict(filters, now=now), "total", tz),
                                among)
    before = kpis.query_params(week.shift(-AVERAGED_WEEKS).monday, week.shift(-1).sunday,
                               dict(filters, now=now), "total", tz)
    pooled = kpis.values(run_many, before, among)
    agreement = run_many([("agreement_in_force", {"day": week.sunday})])[0]
    min_attempts = kpis.clean(agreement["min_attempts"].iloc[0]) if len(agreement) else None
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
        rows.append({
            "kpi": kpi.name, "label": kpi.label, "unit": kpi.unit, "owner": kpi.owner, "better": kpi.better,
            "this_week": this[kpi.name], "last_week": last[kpi.name], "four_week_average": average,
            "target": target, "weekly": [w[kpi.name] for w in weekly],
            "change": formats.change(this[kpi.name], last[kpi.name], kpi.unit),
            "is_good": is_good(kpi, this[kpi.name], last[kpi.name]),
        })
    return pd.DataFrame(rows, dtype=object)  # object keeps a missing value None rather than NaN


def is_good(kpi: kpis.Kpi, current, previous) -> bool | None:
    """Whether moving from previous to current is good news for this KPI; None when unchanged or unknown."""
    if current is None or previous is None or current == previous or kpi.better is None:
        return None
    return (current > previous) == (kpi.better == "higher")


def delta_colour(kpi: kpis.Kpi) -> str:
    """st.metric's delta_color that paints good news green for this KPI."""
    return {"higher": "normal", "lower": "inverse"}.get(kpi.better, "off")


def target_text(row, currency: str = "EUR") -> str:
    if row["target"] is None or pd.isna(row["target"]):
        return "–"
    if row["kpi"] == "avg_attempt_count":
        return f"≥ {formats.fmt(row['target'], 'count')} (agreed minimum)"
    return formats.fmt(row["target"], row["unit"], currency)


def scorecard_table(card: pd.DataFrame, missing: dict | None = None, currency: str = "EUR") -> pd.DataFrame:
    """The scorecard as the page's table and the pack print it: display strings (money in the organisation's
    currency), plus whether the change is good. missing: the inputs each KPI lacks (kpis.missing_inputs); such a
    KPI reads "not measured", never a number."""
    unmeasured = [bool((missing or {}).get(name)) for name in card["kpi"]]

    def shown(column):
        return [NOT_MEASURED if lacks else formats.fmt(v, u, currency)
                for v, u, lacks in zip(card[column], card["unit"], unmeasured)]

    return pd.DataFrame({
        "KPI": card["label"],
        "Owner": card["owner"].str.capitalize(),
        "This week": shown("this_week"),
        "Last week": shown("last_week"),
        "Change": card["change"].fillna("–"),
        "4-week average": shown("four_week_average"),
        "Target": [target_text(row, currency) for _, row in card.iterrows()],
        "good": card["is_good"],
    })


def commitments(card: pd.DataFrame, agreement: dict, missing: dict | None = None) -> list[tuple[str, str]]:
    """What each side promised in the agreement, and what it delivered this week, in one sentence each.
    missing: the inputs each KPI lacks (kpis.missing_inputs), so an absent input is said, not shown as 0."""
    by = card.set_index("kpi")
    lacking = (missing or {}).get("sla_compliance_rate")
    mqls, target = by.at["mql_count", "this_week"], by.at["mql_count", "target"]
    if target is None or pd.isna(target):
        marketing = f"Delivered {formats.fmt(mqls, 'count')} MQLs; no MQL target was agreed for all of this week."
    else:
        share = f" ({mqls / target:.0%})" if target else ""
        marketing = f"Delivered {formats.fmt(mqls, 'count')} MQLs against a target of {formats.fmt(target, 'count')}{share}."
    sla_hours = agreement.get("first_touch_sla_hours")
    compliance = by.at["sla_compliance_rate", "this_week"]
    if sla_hours is None:
        sales = "No first-touch SLA is agreed, so there is no promise to measure."
    elif lacking:
        sales = kpis.missing_note(kpis.BY_NAME["sla_compliance_rate"], lacking)
    else:
        sales = (f"Touched {formats.fmt(compliance, 'rate')} of the week's MQLs within the agreed {sla_hours:g} h; "
                 f"attempts per lead before deciding: {formats.fmt(by.at['avg_attempt_count', 'this_week'], 'count')} "
                 "on average")
        minimum = agreement.get("min_attempts")
        sales += f" (agreed minimum {minimum:g})." if minimum is not None else " (no minimum agreed)."
    return [("Marketing", marketing), ("Sales", sales)]


def agenda(card: pd.DataFrame, breaches: pd.DataFrame, spikes: pd.DataFrame, postmortems: pd.DataFrame,
           actions: pd.DataFrame, missing: dict | None = None, currency: str = "EUR") -> list[tuple[str, str]]:
    """The meeting's agenda in the order it is worth the table's time, each item one heading and one sentence."""
    by = card.set_index("kpi")
    lacking = (missing or {}).get("sla_compliance_rate")
    movers = kpis.biggest_movers(
        by["this_week"].to_dict(), by["last_week"].to_dict(), among=tuple(kpis.BY_NAME[n] for n in SCORECARD),
        currency=currency)
    untouched = int(breaches["is_still_untouched"].sum()) if len(breaches) else 0
    owners = breaches["owner_name"].fillna("no owner").value_counts() if len(breaches) else pd.Series(dtype=int)
    due = actions[actions["is_due"].fillna(False).astype(bool)] if len(actions) else actions
    overdue = int(due["is_overdue"].fillna(False).astype(bool).sum()) if len(due) else 0
    return [
        ("What moved most", " ".join(movers) if movers else "Nothing on the scorecard moved from last week."),
        ("New SLA breaches", kpis.missing_note(kpis.BY_NAME["sla_compliance_rate"], lacking) if lacking else (
            f"{plural(len(breaches), 'MQL')} went past the first-touch SLA this week, {untouched} of them still "
            f"untouched. Most belong to {owners.index[0]} ({owners.iloc[0]})." if len(breaches)
            else "No MQL went past its first-touch SLA this week.")),
        ("Rejection spikes by campaign", (
            "; ".join(f"{r.campaign_name}: {r.week_count} rejected as {formats.readable(r.rejection_reason).lower()} "
                      f"(about {r.weekly_average_before:.1f} a week before)" for r in spikes.itertuples()) + "."
            if len(spikes) else "No campaign's rejections for one reason stood out this week.")),
        ("Post-mortems with sales still to hold", (
            f"{plural(len(postmortems), 'campaign')} ended without a post-mortem with sales: "
            f"{', '.join(postmortems['campaign_name'])}." if len(postmortems)
            else "Every campaign that ended in the last 13 weeks has had its post-mortem with sales.")),
        ("Actions due", (
            f"{plural(len(due), 'open action')} due by the end of the meeting's week, {overdue} of them already "
            "overdue." if len(due) else "No open action is due by the end of the meeting's week.")),
    ]


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
           tz: str) -> dict[str, pd.DataFrame]:
    """The agenda's detail tables as the page shows them and the pack prints them: named columns, local
    times, readable codes, ids as labels rather than numbers to add up."""
    def code(column):
        return column.map(lambda v: formats.readable(v) if isinstance(v, str) else v)

    sla_breaches = pd.DataFrame({
        "Lead (CRM id)": breaches["crm_id"], "Record": breaches["record_url"],
        "Owner": breaches["owner_name"], "Source": code(breaches["source"]),
        "Campaign": breaches["campaign_name"], "Deadline": local_times(breaches["sla_deadline_at"], tz),
        "First touch": local_times(breaches["first_touch_at"], tz), "Hours late": breaches["hours_late"],
        "Decision": code(breaches["decision"]),
    })
    if not breaches["record_url"].notna().any():  # no link template set: a column of dashes says nothing
        sla_breaches = sla_breaches.drop(columns="Record")
    return {
        "SLA breaches": sla_breaches,
        "Rejection spikes": pd.DataFrame({
            "Campaign": spikes["campaign_name"], "Reason": code(spikes["rejection_reason"]),
            "This week": spikes["week_count"], "Weekly average before": spikes["weekly_average_before"],
        }),
        "Post-mortems due": pd.DataFrame({
            "Campaign": postmortems["campaign_name"], "Channel": code(postmortems["channel"]),
            "Ended": postmortems["end_date"], "Days since": postmortems["days_since_end"],
            "Post-mortem": postmortems["postmortem_status"],
        }),
        "Actions": pd.DataFrame({
            "#": listed["action_id"].astype(str), "Action": listed["title"], "Owner": listed["owner"],
            "Function": code(listed["owner_function"]), "Due": listed["due_date"], "Status": code(listed["status"]),
            "Overdue": listed["is_overdue"], "Agreed": local_times(listed["created_at"], tz),
        }),
    }
