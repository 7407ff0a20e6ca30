"""What the Campaigns page says from campaign_performance's rows: the cost a filtered view carries, and the
windows of sales' part in the campaigns, in one place so the page and its tests read the same sentences."""

from datetime import date

import pandas as pd

from handshake import agreements, formats, kpis, periods
from handshake.formats import fmt, plural


def count(value) -> int:
    return int(kpis.clean(value) or 0)


def window(start: date, end: date) -> str:
    return f"{start:%d %b %Y} to {end:%d %b %Y}"


def cost_note(total, values: dict, currency: str) -> str:
    """The cost card's note: how many campaigns ran, and under filters how their cost was shared out."""
    ran = plural(count(total["campaign_count"]), "campaign")
    scope = agreements.filtered(values)
    if not scope:
        return f"{ran} ran in the period."
    kept, every = count(total["campaign_kept_lead_count"]), count(total["campaign_all_lead_count"])
    return (f"{ran} ran; {kept:,} of their {every:,} leads are in {formats.md(scope)}: "
            f"{fmt(total['campaign_cost_eur'], 'money', currency)} of their "
            f"{fmt(total['whole_campaign_cost_eur'], 'money', currency)} cost.")


def cost_rule(values: dict) -> str:
    """The rule a filtered view's costs follow, said once where the costs show."""
    scope = agreements.filtered(values)
    if not scope:
        return ""
    return (f" Under the filters each campaign's cost is shared out by its share of leads in {formats.md(scope)} "
            "(10 of its 40 leads: a quarter of its cost); cost per MQL, return on spend and acquisition cost use "
            "that share.")


def kickoff_note(total, start: date, end: date) -> str:
    """The kick-off card's note, naming the campaigns it counts: those that ran in the period."""
    ran, recorded = count(total["campaign_count"]), count(total["kickoff_recorded_count"])
    if not ran:
        return "No campaign ran in the period."
    if not recorded:
        return f"No kick-off attendance recorded for the {plural(ran, 'campaign')} that ran {window(start, end)}."
    unrecorded = ran - recorded
    return (f"Of the {plural(ran, 'campaign')} that ran {window(start, end)}, sales attended "
            f"{count(total['kickoff_attended_count']):,} of the {plural(recorded, 'kick-off')} recorded"
            + (f"; {unrecorded:,} not recorded." if unrecorded else "."))


def postmortem_note(total, start: date, end: date) -> str:
    """The post-mortem card's note, naming the campaigns it counts: those that ran in the period and had ended."""
    ran, due = count(total["campaign_count"]), count(total["postmortem_due_count"])
    recorded, attended = count(total["postmortem_recorded_count"]), count(total["postmortem_attended_count"])
    running = ran - due
    still = f" {plural(running, 'campaign')} still running, no post-mortem yet." if running else ""
    if not due:
        return "No campaign that ran in the period had ended by its end." + still
    if not recorded:
        return (f"No post-mortem attendance recorded for the {plural(due, 'campaign')} that ran {window(start, end)} "
                "and ended." + still)
    return (f"Of the {plural(due, 'campaign')} that ran {window(start, end)} and had ended, sales attended "
            f"{attended:,} of the {plural(recorded, 'post-mortem')} recorded"
            + (f"; {due - recorded:,} not recorded." if due > recorded else ".") + still)


def months_cut_short(starts, start: date, end: date) -> list[str | None]:
    """For each month of a monthly trend (its first days), how a caption names it when the period (start to end,
    inclusive) cuts it short, else None: "March 2026 (from 05 Mar)", "April 2026 (to 10 Apr)", "May 2026 (05 to
    20 May)". The end's cut follows handshake.periods, as on the Overview; here the start may cut the first month
    too."""
    said = []
    for month, (head, tail) in zip((pd.Timestamp(m).date() for m in starts),
                                   periods.cut_short(starts, "month", start, end)):
        said.append(f"{month:%B %Y} ({start:%d} to {end:%d %b})" if head and tail
                    else f"{month:%B %Y} (from {start:%d %b})" if head
                    else f"{month:%B %Y} (to {end:%d %b})" if tail else None)
    return said
