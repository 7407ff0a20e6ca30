"""Evidence, for leadership and the joint meeting: the leads nobody called, lead quality against follow-up,
the organisation's own lead decay, and what a better SLA compliance would add, all from its own data."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from handshake import dashboard, evidence, kpis, warehouse
from handshake.dashboard import MARKETING_COLOUR, NEUTRAL_COLOUR, SALES_COLOUR
from handshake.formats import fmt, md, words

CHARTED = 12  # sources or campaigns in the quality-or-follow-up chart; the table holds them all

st.title("Evidence")
filters = dashboard.filters()
currency = dashboard.currency()
first, last = evidence.window(filters.end)
WINDOW = evidence.window_words(first, last)  # every number on this page is of these MQLs: said where it shows
chosen = ", ".join(md(words(v)) for v in filters.values.values() if v)
st.caption(
    f"The MQLs of {WINDOW}" + (f" ({chosen})" if chosen else "")
    + f": the {evidence.WINDOW_DAYS} days that ended {evidence.SETTLE_DAYS} days before the period's end "
    f"({filters.end:%-d %b %Y}), so that most of their deals have closed. Association, not proof: reps choose "
    "which leads to call. How each number was worked out is at the foot of the page."
)
dashboard.require_leads()

missing = kpis.missing_inputs(kpis.BY_NAME["extra_won"], dashboard.present_inputs())
if missing:
    st.info(kpis.missing_note(kpis.BY_NAME["extra_won"], missing), icon=":material/science:")
    st.stop()


@st.cache_data(show_spinner="Estimating from the window's MQLs…", max_entries=50)
def findings(params: dict, path: str, data_version: int) -> dict:
    # path and data_version are part of the cache key: another warehouse or new data in the tables the two
    # queries read, new estimates; a slider move, an action or an answer reuses them
    return evidence.findings(*dashboard.query_many([("evidence_strata", params), ("evidence_contact", params)]))


path = warehouse.configured_path()
params = kpis.query_params(first, last, filters.values, tz=filters.tz)
found = findings(params, str(path),
                 max(dashboard.version_of("evidence_strata"), dashboard.version_of("evidence_contact")))

if found["mql_count"] < evidence.MIN_SAMPLE:
    span = dashboard.query("data_range").iloc[0]
    st.warning(
        ("No MQLs arrived" if not found["mql_count"] else f"Only {found['mql_count']} MQLs arrived")
        + " in the evidence window, too few to estimate anything "
        f"(at least {evidence.MIN_SAMPLE} are needed). The leads run from {span['first_lead_date']:%d %b %Y} to "
        f"{span['last_lead_date']:%d %b %Y}, and the window ends {evidence.SETTLE_DAYS} days before the period: "
        "choose a later period end, or clear the filters.",
        icon=":material/event_busy:",
    )
    st.stop()

worked = found["worked"]
on_time, late, never = (worked.get(k, 0) for k in ("on_time", "late", "never"))
left = found["left"]


def count(n) -> str:
    """A count, an estimate rounded to whole leads."""
    return fmt(None if n is None else round(n), "count")


def interval(low, high, unit="count") -> str:
    if unit == "count":
        return f"95% interval {count(low)} to {count(high)}"
    return f"95% interval {fmt(low, unit, currency)} to {fmt(high, unit, currency)}"


# ---- the leads nobody called
st.subheader("The leads nobody called")
st.markdown(
    f"Of the {count(found['mql_count'])} MQLs of {WINDOW}, sales worked {count(on_time)} on time, {count(late)} "
    f"late and never touched {count(never)}. Had the ones not worked on time been worked on time, like the "
    "on-time leads most like them:"
)
# two cards a row: four to a row cut their labels on a 1280-pixel projector ("Revenue left on the t…")
every, columns = left["all"], [*st.columns(2), *st.columns(2)]
if every["estimate"]:
    with columns[0]:
        dashboard.kpi_metric("extra_won", round(every["extra_won"]), note=(
            f"MQLs of {WINDOW}. {interval(every['extra_low'], every['extra_high'])}. {count(every['mql_count'])} "
            f"MQLs not worked on time won {count(every['won_count'])}; worked on time, about "
            f"{count(every['expected_won'])}."))
    with columns[1]:
        dashboard.kpi_metric("extra_revenue_eur", every["extra_revenue_eur"], note=(
            f"MQLs of {WINDOW}. {interval(every['extra_revenue_low'], every['extra_revenue_high'], 'money')}, "
            "each win valued at the mean revenue of a won on-time lead of the same segment."))
    for column, key, title in ((columns[2], "never", "Never touched"), (columns[3], "late", "Touched late")):
        group = left[key]
        with column, st.container(border=True):
            if group["estimate"]:
                st.metric(f"{title}: likely wins", count(group["expected_won"]),
                          help="The wins these MQLs would likely have had if worked on time (see Wins left on "
                               "the table in the glossary).")
                st.caption(f"{interval(group['expected_low'], group['expected_high'])}. "
                           f"{count(group['mql_count'])} MQLs, {count(group['won_count'])} won.")
            else:
                st.metric(f"{title}: likely wins", "–")
                st.caption(f"No estimate: {group['reason']} (at least {evidence.MIN_SAMPLE} are needed).")
else:
    st.info(f"No estimate: {every['reason']}, and at least {evidence.MIN_SAMPLE} are needed on each side.",
            icon=":material/science:")

# the one check of whether the untouched are worse leads, as Lead quality runs it on the period
cherry = found["cherry"]
headline, basis = evidence.untouched_finding(cherry, WINDOW)
verdict = cherry and cherry["verdict"]
if verdict == "worse":
    st.warning(f"**{headline}.** The estimates above treat them as being as good as the leads worked on time, so "
               f"they are likely too high. {basis}", icon=":material/warning:")
elif verdict == "better":
    st.info(f"**{headline}.** Good leads are slipping through, and the estimates above may be too low. {basis}",
            icon=":material/info:")
elif verdict == "alike":
    st.success(f"**{headline}.** {basis}", icon=":material/check_circle:")
else:
    st.caption(f"**{headline}.** {basis}")
st.page_link("pages/lead_quality.py", icon=":material/arrow_forward:",
             label="Lead quality asks the same question, the same way, of the MQLs of the sidebar's period")


# The charts, built once for every viewer of the same rows (dashboard.cached_chart): from their arguments only

def split_chart(shown, best, top, by: str, window: str):
    figure = go.Figure([
        go.Bar(y=shown["name"], x=shown["quality_won"], orientation="h", name="Lead quality (marketing)",
               marker_color=MARKETING_COLOUR, hovertemplate="%{y}: %{x:.0f} wins from lead quality<extra></extra>"),
        go.Bar(y=shown["name"], x=shown["execution_won"], orientation="h", name="Follow-up (sales)",
               marker_color=SALES_COLOUR, marker_pattern_shape="/",
               hovertemplate="%{y}: %{x:.0f} wins from follow-up<extra></extra>"),
    ])
    if top.empty:
        title = f"{best['name']} is the only {by} with enough leads worked on time to compare"
    else:
        title = evidence.shortfall_finding(best, top.iloc[0], by)
    figure.update_layout(
        barmode="relative", title=dict(text=title, subtitle=dict(text=(
            f"MQLs of {window}: wins short of the {fmt(best['on_time_won_rate'], 'rate')} on-time win rate of "
            f"{best['name']}, split in two. Lead quality: the {by}'s own leads convert less even when worked on time. "
            "Follow-up: the wins its leads lost by not being worked on time. Solid: marketing's part; hatched: "
            "sales'."))),
        xaxis_title="Won leads short of the best", yaxis_title=None, legend=dict(orientation="h", y=-0.2),
        height=180 + 32 * len(shown), margin=dict(l=10, r=10),
    )
    return figure


def decay_chart(decay, judged, window: str):
    figure = go.Figure()
    for outcome, label, colour, dash in (("contacted", "Reached", NEUTRAL_COLOUR, "dot"),
                                         ("accepted", "Accepted by sales", SALES_COLOUR, "dash"),
                                         ("won", "Won", MARKETING_COLOUR, "solid")):
        figure.add_scatter(
            x=decay["band"], y=decay[f"{outcome}_rate"], name=label, mode="lines+markers",
            line=dict(color=colour, dash=dash),
            error_y=dict(type="data", symmetric=False, array=decay[f"{outcome}_high"] - decay[f"{outcome}_rate"],
                         arrayminus=decay[f"{outcome}_rate"] - decay[f"{outcome}_low"]),
            hovertemplate="%{x}: %{y:.1%}<extra>" + label + "</extra>",
        )
    fast, slow = judged.iloc[0], judged[judged["band"] != evidence.NEVER].iloc[-1]
    figure.update_layout(
        title=dict(text=(f"MQLs first touched {fast['band']} after assignment were accepted "
                         f"{fmt(fast['accepted_rate'], 'rate')} of the time; {slow['band']}, "
                         f"{fmt(slow['accepted_rate'], 'rate')}"),
                   subtitle=dict(text=(f"MQLs of {window}: the share reached, accepted and won, by hours from "
                                       "assignment to first touch; bars: 95% intervals. A band with fewer than "
                                       f"{evidence.MIN_SAMPLE} MQLs has no point."))),
        yaxis=dict(title="Share of the band's MQLs", tickformat=".0%", rangemode="tozero"),
        xaxis_title="Hours from assignment to first touch", legend=dict(orientation="h", y=-0.25), height=420,
    )
    return figure


def attempts_chart(reached, running, ninety, so_far, window: str):
    figure = go.Figure([
        go.Bar(x=reached["label"], y=reached["reached_rate"], name="Reached at this attempt", marker_color=SALES_COLOUR,
               error_y=dict(type="data", symmetric=False, array=reached["reached_high"] - reached["reached_rate"],
                            arrayminus=reached["reached_rate"] - reached["reached_low"]),
               hovertemplate="Attempt %{x}: %{y:.1%} of those still unreached<extra></extra>"),
        go.Scatter(x=running["label"], y=running["cumulative_reached_rate"], name="Reached by then, in all",
                   mode="lines+markers+text", text=[fmt(v, "rate") for v in running["cumulative_reached_rate"]],
                   textposition="top center", line=dict(color=MARKETING_COLOUR),
                   hovertemplate="By attempt %{x}: %{y:.1%}<extra></extra>"),
    ])
    if not ninety.empty:
        title = f"{ninety.iloc[0]['label']} attempts reached 90% of the leads sales worked"
    elif so_far is not None:
        title = (f"{so_far['label']} attempts reached {fmt(so_far['cumulative_reached_rate'], 'rate')} of the leads "
                 "sales worked")
    else:
        title = f"The first attempt reached {fmt(reached.iloc[0]['reached_rate'], 'rate')} of the leads sales worked"
    figure.update_layout(
        title=dict(text=title, subtitle=dict(text=(
            f"MQLs of {window}. Bars: of the leads that got this attempt without having been reached, the share it "
            "reached (95% intervals). Line: the share of all worked leads reached by then. Attempts count up to the "
            "first contact and before sales decided."))),
        yaxis=dict(title="Share of leads", tickformat=".0%", range=[0, 1.1]), xaxis_title="Attempt",
        legend=dict(orientation="h", y=-0.25), height=380,
    )
    return figure


# ---- quality or follow-up
@st.fragment
def quality_or_follow_up(by_source, by_campaign, params: dict, window: str) -> None:
    """The shortfall split by source or by campaign. A fragment: switching between the two reruns this part
    alone, not the page."""
    by = st.segmented_control("Compare", ["source", "campaign"], default="source", format_func=str.capitalize,
                              key="evidence_by") or "source"
    table = by_source if by == "source" else by_campaign
    if by == "source":
        table = table.assign(name=[words(v) if isinstance(v, str) else "No source" for v in table["source"]])
    else:  # campaigns by name, as Lead quality names them (two of one name keep their ids apart)
        names = dashboard.query("quality_by_dimension", dict(params, dimension="campaign"))
        table = table.assign(name=table["campaign"].map(names.set_index("group_key")["group_label"]).fillna(table["campaign"]))
    split = table[table["shortfall_won"].notna()]
    if split.empty:
        st.info(f"No {by} has {evidence.MIN_SAMPLE} MQLs of {window} worked on time, so no shortfall can be split.",
                icon=":material/science:")
    else:
        best = split[split["is_best"]].iloc[0]
        top = split[~split["is_best"]].head(1)
        shown = split.head(CHARTED).iloc[::-1]
        dashboard.cached_chart(split_chart, shown, best, top, by, window, key=f"evidence_split_{by}")
        # a source in words by data_table itself (its code beside it in the CSV); a campaign by name, with its id
        rows = table.drop(columns="name") if by == "source" else table[["name", *table.columns.drop("name")]]
        dashboard.data_table(rows, f"handshake_evidence_by_{by}.csv",
                             label=f"The numbers behind the chart: MQLs of {window}", column_config={
            "name": "Campaign", "campaign": "Campaign id", "source": "Source",
            "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
            "on_time_count": st.column_config.NumberColumn("Worked on time", format="%d"),
            "won_count": st.column_config.NumberColumn("Won", format="%d"),
            "on_time_won_count": None,
            "won_rate": dashboard.rate_column("Win rate"),
            "on_time_share": dashboard.rate_column("Share on time"),
            "on_time_won_rate": dashboard.rate_column("Win rate on time",
                                                      help=f"A dash: fewer than {evidence.MIN_SAMPLE} on time."),
            "is_best": st.column_config.CheckboxColumn("Best"),
            "shortfall_won": st.column_config.NumberColumn("Wins short", format="%.1f"),
            "quality_won": st.column_config.NumberColumn("From lead quality", format="%.1f"),
            "execution_won": st.column_config.NumberColumn("From follow-up", format="%.1f"),
        })


st.subheader("Lead quality or follow-up?")
quality_or_follow_up(found["by_source"], found["by_campaign"], params, WINDOW)


# ---- the decay curve
st.subheader("Our own decay curve")
decay = found["decay"]
judged = decay[decay["won_rate"].notna()]
if judged.empty:
    st.info(f"No band of hours to first touch has {evidence.MIN_SAMPLE} MQLs of {WINDOW} yet.",
            icon=":material/science:")
else:
    dashboard.cached_chart(decay_chart, decay, judged, WINDOW, key="evidence_decay")
    dashboard.data_table(decay, "handshake_evidence_decay.csv", label=f"The numbers behind the chart: MQLs of {WINDOW}",
                         column_config={
        "band": "Hours to first touch", "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
        **{f"{o}_{part}": dashboard.rate_column(f"{o.capitalize()} {part}")
           for o in ("contacted", "accepted", "won") for part in ("rate", "low", "high")},
    })

model, attempts = found["model"], found["attempts"]
if model is not None:
    st.markdown(
        "**The longer the first touch waits, the fewer leads each attempt reaches.** Among the MQLs of "
        f"{WINDOW}, an attempt reached about {fmt(evidence.contact_chance(model, 5 / 60), 'rate')} of the leads "
        f"first touched 5 minutes after assignment, {fmt(evidence.contact_chance(model, 1), 'rate')} of those first "
        f"touched after an hour and {fmt(evidence.contact_chance(model, 24), 'rate')} of those first touched after "
        f"a day: {count(model['attempt_count'])} attempts on {count(model['lead_count'])} MQLs."
    )
reached = attempts[attempts["reached_rate"].notna()]
ours_for_ninety = "–"  # the attempts that reached 90% of worked leads, for the published figures below
if not reached.empty:
    running = reached[reached["cumulative_reached_rate"].notna()]
    ninety = running[running["cumulative_reached_rate"] >= 0.9]
    so_far = running.iloc[-1] if not running.empty else None
    if not ninety.empty:
        ours_for_ninety = ninety.iloc[0]["label"]
    elif so_far is not None:
        ours_for_ninety = f"not reached by {so_far['label']} ({fmt(so_far['cumulative_reached_rate'], 'rate')})"
    dashboard.cached_chart(attempts_chart, reached, running, ninety, so_far, WINDOW, key="evidence_attempts")
    dashboard.data_table(attempts, "handshake_evidence_attempts.csv", column_config={
        "attempt": None, "label": "Attempt",
        "leads_count": st.column_config.NumberColumn("Leads with this attempt, unreached before", format="%d"),
        "reached_count": st.column_config.NumberColumn("Reached by it", format="%d"),
        "worked_count": st.column_config.NumberColumn("Leads worked with this many attempts", format="%d"),
        **{f"{o}_{part}": dashboard.rate_column(f"{label} {part}")
           for o, label in (("reached", "Reached"), ("accepted", "Accepted"), ("won", "Won"))
           for part in ("rate", "low", "high")},
        "cumulative_reached_rate": dashboard.rate_column("Reached by then"),
    }, label=f"By attempts: reached, accepted and won, with 95% intervals: MQLs of {WINDOW}")

within_hour = decay[decay["band"].isin(["under 5 min", "5–60 min"])]
after_day = decay[decay["band"].isin(["1–3 days", "over 3 days"])]
next_hours = decay[decay["band"] == "1–4 h"]


def accepted_ratio(a, b):
    """How many times as often MQLs of bands `a` were accepted as those of bands `b`; None on too few."""
    if a["mql_count"].sum() < evidence.MIN_SAMPLE or b["mql_count"].sum() < evidence.MIN_SAMPLE:
        return None
    rate_a = a["accepted_count"].sum() / a["mql_count"].sum()
    rate_b = b["accepted_count"].sum() / b["mql_count"].sum()
    return rate_a / rate_b if rate_b else None


# only like measures side by side: each row sets ours beside a published figure measured the same way
st.markdown(f"**Beside the published figures**, other companies' data and never targets; ours are of the MQLs of {WINDOW}:")
st.table(pd.DataFrame(
    [
        {"Comparison": "Qualified (here: accepted by sales) when first touched within an hour, against after 24 hours",
         "Published": "about 60x as likely (HBR 2011)",
         "Ours": fmt(accepted_ratio(within_hour, after_day), "ratio")},
        {"Comparison": "Qualified within an hour, against an hour or so later (here: 1–4 h)",
         "Published": "about 7x as likely (HBR 2011)",
         "Ours": fmt(accepted_ratio(within_hour, next_hours), "ratio")},
        {"Comparison": "Attempts that reach about 90% of leads",
         "Published": "about 6 (Oldroyd 2007)",
         "Ours": ours_for_ninety},
    ],
).set_index("Comparison"))
st.caption("Not set beside ours: the often-quoted 100x better odds of reaching a lead called within 5 minutes "
           "rather than 30 (MIT / InsideSales, Oldroyd 2007) measure whether a lead is reached at all, by minutes; "
           "this page's hour bands and per-attempt chances measure something else.")


# ---- what if
st.subheader("What if more MQLs were worked on time?")
current = found["compliance"]
if not every["estimate"] or current is None:
    st.info("No estimate to build on: see the leads nobody called above.", icon=":material/science:")
elif current >= 0.995:
    st.success(f"{fmt(current, 'rate')} of the MQLs of {WINDOW} were already worked on time.",
               icon=":material/task_alt:")
else:
    now_percent = int(current * 100)
    target = st.slider("Share of MQLs worked on time", min_value=now_percent, max_value=100,
                       value=max(now_percent, 90), format="%d%%", key="evidence_target",
                       help="First touched within the SLA in force (24 hours where none was agreed).")
    gain = evidence.what_if(left, current, target / 100)
    first_col, second_col = st.columns(2)
    with first_col, st.container(border=True):
        st.metric(f"More wins at {target}% on time", f"+{count(gain['extra_won'])}",
                  help=kpis.help_text("extra_won"))
        st.caption(f"{interval(gain['extra_low'], gain['extra_high'])}. Worked on time, MQLs of {WINDOW}: "
                   f"{fmt(current, 'rate')} (within the SLA in force, or 24 hours where none was agreed; never "
                   f"touched counts as not on time). About {count(gain['moved_count'])} more of them worked on time.")
    with second_col, st.container(border=True):
        st.metric("More revenue", fmt(gain["extra_revenue_eur"], "money", currency),
                  help=kpis.help_text("extra_revenue_eur"))
        st.caption(f"{interval(gain['extra_revenue_low'], gain['extra_revenue_high'], 'money')}, over the "
                   f"{evidence.WINDOW_DAYS} days of MQLs of {WINDOW}.")


with st.expander("How this was worked out, and what it cannot tell"):
    share = every.get("own_stratum_share")
    slope = ("" if model is None else
             f" The fitted slope is {model['slope']:.2f} per unit of ln(1 + hours) (95% interval "
             f"{model['slope_low']:.2f} to {model['slope_high']:.2f}); by it, the odds that one attempt reaches a lead "
             f"first touched after 5 minutes are {fmt(model['odds_ratio_5_vs_30_min'], 'ratio')} those of one first "
             "touched after 30 minutes.")
    st.markdown(
        f"""
- **The window.** The MQLs of {evidence.WINDOW_DAYS} days ending {evidence.SETTLE_DAYS} days before the period's end
  ({WINDOW}): {count(found['mql_count'])} MQLs; {count(on_time)} worked on time, {count(late)} late, {count(never)}
  never touched. A lead is *on time* when its first touch came within the first-touch SLA in force when it became
  an MQL (24 hours, HubSpot's rule, where none was agreed), counted from assignment.
- **The leads nobody called.** Each lead not worked on time gets the win rate of the on-time leads of its
  stratum: same source, campaign, segment and score band when that stratum has at least {evidence.MIN_STRATUM}
  on-time leads ({'–' if share is None else fmt(share, 'rate')} of them did), else the same source, segment and
  band, else the band, else all. The interval comes from {evidence.BOOTSTRAP_RUNS:,} parametric bootstrap draws of
  those rates. Revenue values each likely win at the mean revenue of a won on-time lead of its segment.
- **Are they worse leads?** The mean score of the never-touched MQLs against the touched ones of the same source,
  segment and score band, weighted by the never-touched leads of each; a verdict only from {evidence.MIN_OUTCOMES}
  such leads or more, and only where the 95% interval leaves out zero. Lead quality runs the same check on the
  sidebar's period.
- **Quality or follow-up.** A source's shortfall against the best on-time win rate = its MQLs x (best - its
  win rate); lead quality = MQLs x (best - its on-time win rate); follow-up = MQLs x (its on-time win rate -
  its win rate). Only sources and campaigns with {evidence.MIN_SAMPLE} MQLs worked on time are split.
- **The decay curve.** Rates with 95% Wilson intervals; a band needs {evidence.MIN_SAMPLE} MQLs. The chance that an
  attempt reaches the lead (a touch with outcome connected, replied or meeting held) is a logistic regression of
  each attempt's outcome on ln(1 + hours to first touch).{slope}
- **What if.** Raising the on-time share moves that share of the leads not worked on time to on time, each
  bringing its expected gain from the estimate above.
- **What it cannot tell.** Reps choose which leads to call, and when: if they call the better leads first, the
  leads worked on time were better to begin with, and every gain here is overstated. The check of whether the
  untouched are worse compares the one quality signal every lead has, its score; it cannot see what a rep saw in
  the lead. No estimate is shown from fewer than {evidence.MIN_SAMPLE} leads.
"""
    )
