"""What the hand-off funnel says in words, from its queries' rows: the page, the pack and the command line share
these sentences, so none of them says a step was measured when the warehouse holds no record of it."""

import pandas as pd

from handshake import formats, kpis, periods
from handshake.formats import fmt, plural

NOT_MEASURED = "not measured"


def stage_label(row) -> str:
    """A stage's name on the waterfall, marked when no lead records it."""
    return row["stage"] if row["is_measured"] else f"{row['stage']} ({NOT_MEASURED})"


def waterfall_title(total, stages: pd.DataFrame, start, end) -> str:
    won = kpis.clean(stages.loc[stages["stage"] == "Won", "reached_count"].iloc[0])
    said = (f"Of {total['inquiry_count']:,} leads that arrived {start:%d %b} to {end:%d %b %Y}, "
            f"{total['reached_mql_count']:,} became MQLs")
    if won is None:
        return said + "; whether they were won is not measured"
    return said + f" and {won:,} {'is' if won == 1 else 'are'} won so far"


def unmeasured_stages_note(stages: pd.DataFrame, present: set[str]) -> str | None:
    """Which stages the warehouse holds no record of, and what would measure them."""
    missing = stages.loc[~stages["is_measured"].astype(bool), "stage"].tolist()
    if not missing:
        return None
    why = {"SAL": "decisions", "SQL": "sql_stage", "Opportunity": "opportunity_stage", "Won": "outcomes"}
    fixes = " ".join(dict.fromkeys(kpis.INPUTS[why[s]][2] for s in missing if why.get(s) not in present))
    return (f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} {NOT_MEASURED}: no lead in the warehouse "
            "records that stage itself, and a later stage is not taken as proof of it. " + fixes).strip()


def measured_times(times: pd.DataFrame) -> pd.DataFrame:
    """The transitions with a median time: a step whose times are missing or all equal measured nothing."""
    return times.dropna(subset=["median_days_in_stage"])


def counted_by_arrival(total, stages: pd.DataFrame, by_mql_day) -> str:
    """Why the funnel's MQLs and wins differ from the Overview's for the same period: the funnel follows the leads
    that arrived in it, the Overview the leads that became MQLs in it (by_mql_day: kpi_mql_cohort's row)."""
    arrived, qualified = int(total["reached_mql_count"]), int(by_mql_day["mql_count"])
    said = ("Counted by the day each lead arrived, so that every stage follows the same leads. The Overview and "
            f"Follow-up count MQLs by the day they became MQLs: {qualified:,} in this period")
    if arrived == qualified:
        return said + ", the same number."
    more = qualified - arrived
    said += (f", {abs(more):,} {'more' if more > 0 else 'fewer'}: leads that arrived before the period and "
             "qualified in it, less those that arrived in it and qualified after it")
    won = kpis.clean(stages.loc[stages["stage"] == "Won", "reached_count"].iloc[0])
    if won is not None and kpis.clean(by_mql_day["won_count"]) is not None:
        said += f"; of those MQLs, {int(by_mql_day['won_count']):,} are won so far (here {int(won):,})"
    return said + "."


def cut_short_months(months: list, start, end) -> str:
    """The note under a chart of months whose first or last the period cuts short (hatched there)."""
    said = []
    for month, (head, tail) in zip(months, periods.cut_short(months, "month", start, end)):
        if head and tail:
            said.append(f"{month:%B %Y} counts only {start:%d %b} to {end:%d %b}")
        elif head:
            said.append(f"{month:%B %Y} counts only from {start:%d %b}")
        else:
            said.append(f"{month:%B %Y} only to {end:%d %b}")
    return "Hatched: " + " and ".join(said) + ", so holds fewer leads: not a slump."


def slowest_step(times: pd.DataFrame) -> str | None:
    """The headline of the time-in-stage chart, from the measured hand-off steps (not the whole sales cycle)."""
    steps = measured_times(times.iloc[:5])
    if steps.empty:
        return None
    slowest = steps.sort_values("median_days_in_stage", ascending=False).iloc[0]
    if len(steps) == 1:
        return (f"Only {formats.mid_sentence(slowest['transition'])} is measured: a median of "
                f"{fmt(slowest['median_days_in_stage'], 'days')}")
    return (f"The slowest measured step is {formats.mid_sentence(slowest['transition'])}: a median of "
            f"{fmt(slowest['median_days_in_stage'], 'days')}")


def left_out_of_times(times: pd.DataFrame) -> list[str]:
    """One sentence per measured step whose time leaves leads out: made without a recorded time, or times in the
    wrong order (a step measured at all is said to be not measured elsewhere)."""
    said = []
    for row in measured_times(times).itertuples():
        parts = []
        if row.untimed_count:
            parts.append(f"{plural(row.untimed_count, 'lead')} made it without a recorded time for both stages")
        if row.backwards_count:
            parts.append(f"{plural(row.backwards_count, 'lead has', 'leads have')} times in the wrong order "
                         "(for example a deal won before its lead was created)")
        if parts:
            said.append(f"{row.transition}: {' and '.join(parts)}; left out of the time.")
    return said


def best_and_worst(breakdown: pd.DataFrame, rate: str = "sql_to_won_rate") -> tuple[str, float, str, float] | None:
    """The groups with the highest and the lowest measured rate, when there are two that differ."""
    rated = breakdown.dropna(subset=[rate]).sort_values(rate, ascending=False)
    if len(rated) < 2 or rated.iloc[0][rate] == rated.iloc[-1][rate]:
        return None
    return rated.iloc[0]["breakdown"], rated.iloc[0][rate], rated.iloc[-1]["breakdown"], rated.iloc[-1][rate]
