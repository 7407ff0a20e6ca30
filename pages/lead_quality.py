"""Lead quality, for sales and marketing together: are the leads bad, and how good are the ones nobody called?"""

import textwrap

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from handshake import dashboard, evidence, kpis
from handshake.formats import fmt, md, mid_sentence, prefix, symbol, words

SMALL_SAMPLE = 20  # below this many leads a rate is shown, but not read as a finding
CAMPAIGNS_CHARTED = 15

st.title("Lead quality")
filters = dashboard.filters()
currency = dashboard.currency()
PERIOD = f"MQLs of {evidence.span(filters.start, filters.end)}"  # named beside every number of the period
chosen = ", ".join(md(words(v)) for v in filters.values.values() if v)
st.caption(f"{PERIOD}" + (f" · {chosen}" if chosen else "")
           + ": the leads that became MQLs in the period, and what became of them so far")

dashboard.require_leads()

params = filters.params()
cohort = dashboard.query("kpi_mql_cohort", params).iloc[0]
rejections = dashboard.query("rejection_summary", params).iloc[0]
reasons = dashboard.query("rejection_reasons", params)
total = dashboard.query("quality_by_dimension", dict(params, dimension="total"))
bands = dashboard.query("quality_by_dimension", dict(params, dimension="score_band"))
sources = dashboard.query("quality_by_dimension", dict(params, dimension="source"))
campaigns = dashboard.query("quality_by_dimension", dict(params, dimension="campaign"))
cells = dashboard.query("touched_vs_untouched", params)
sources = sources.assign(group_label=[words(v) for v in sources["group_label"]])
cells = cells.assign(source_name=[words(v) for v in cells["source"]])
# are the untouched weaker leads? The Evidence page's one check (evidence.cherry_picking), on this period and,
# for the pointer to that page, on its settled window
first, last = evidence.window(filters.end)
check = evidence.cherry_picking(dashboard.query("evidence_strata", params))
settled_check = evidence.cherry_picking(dashboard.query(
    "evidence_strata", kpis.query_params(first, last, filters.values, tz=filters.tz)))
health = dashboard.query("data_health", params).iloc[0]  # the MQLs handed over below the agreed score

if not cohort["mql_count"]:
    span = dashboard.query("data_range").iloc[0]
    st.warning(
        f"No lead became an MQL in this period for these filters, so there is no lead quality to judge. "
        f"The leads run from {span['first_lead_date']:%d %b %Y} to {span['last_lead_date']:%d %b %Y}: choose a "
        "period inside that, or clear the filters.",
        icon=":material/event_busy:",
    )
    st.stop()


def card(label: str, value: str, help_text: str, note: str) -> None:
    """A number that is not a KPI of its own, in the same bordered card as dashboard.kpi_metric."""
    with st.container(border=True):
        st.metric(label, value, help=help_text)
        st.caption(note)


def small(count) -> str:
    return f" Small sample ({count:,}): not yet a finding." if 0 < count < SMALL_SAMPLE else ""


def heading(title: str, subtitle: str, chars: int = 110) -> tuple[dict, int]:
    """A chart's title and subtitle wrapped to about `chars` characters a line, and the top margin they need."""
    title_lines = textwrap.wrap(title, chars)
    subtitle_lines = textwrap.wrap(subtitle, int(chars * 1.3))
    return (dict(text="<br>".join(title_lines), subtitle=dict(text="<br>".join(subtitle_lines))),
            36 + 24 * len(title_lines) + 16 * len(subtitle_lines))


def pct(value) -> str:
    return fmt(value, "rate")


# --- 1. Accepted or rejected, and why ---------------------------------------------------------
st.subheader("Does sales accept the leads, and why not?")
mqls, accepted, rejected = int(cohort["mql_count"]), int(cohort["accepted_count"]), int(cohort["rejected_count"])
decided = accepted + rejected
left, middle, right = st.columns(3)
with left:
    dashboard.kpi_metric(
        "acceptance_rate", cohort["acceptance_rate"],
        note=f"{PERIOD}: {accepted:,} accepted, {rejected:,} rejected, {mqls - decided:,} of {mqls:,} still undecided."
        + small(decided),
    )
with middle:
    card(
        "Rejected MQLs", f"{rejected:,}",
        "The period's MQLs that sales rejected and did not later accept, counted by the same query as the "
        "acceptance rate (queries/kpi_mql_cohort.sql).",
        (f"{PERIOD}: {pct(rejected / decided)} of {decided:,} decided. " if decided else f"{PERIOD}: none decided yet. ")
        + "Reference: reps commonly reject 20 to 40% of MQLs (secondary sources), not a target.",
    )
with right:
    dashboard.kpi_metric(
        "rejection_reason_rate", rejections["rejection_reason_rate"],
        note=f"{PERIOD}: none rejected so far." if not rejected else (
            f"{PERIOD}: {fmt(rejections['with_reason_count'], 'count')} of {rejected:,} rejections say why; "
            f"{fmt(rejections['untouched_rejected_count'], 'count')} rejected without a recorded touch." + small(rejected)
        ),
    )


left, _, _ = st.columns(3)
with left:
    judged = int(health["threshold_judged_count"])
    dashboard.kpi_metric(
        "below_threshold_rate", health["below_threshold_rate"],
        note=(f"{fmt(health['below_threshold_count'], 'count')} of {judged:,} scored MQLs " if judged
              else "No scored MQL under an agreed threshold ")
        + f"among the leads created {evidence.span(filters.start, filters.end)}, the whole organisation "
        "whatever the filters, as in the Warehouse page's data health. The CRM marks the MQLs; the agreed "
        "threshold is checked against them." + (small(judged) if judged else ""),
    )


def reasons_chart(frame, rejected: int, period: str):
    given = frame[frame["rejection_reason"] != "no_reason"]
    top = given.loc[given["rejected_count"].idxmax()] if given["rejected_count"].sum() else None
    silent = frame.loc[frame["rejection_reason"] == "no_reason", "share_of_rejections_rate"].iloc[0]
    if top is None:
        title = f"None of the {rejected:,} rejections says why: marketing cannot learn from them"
    elif not silent:
        title = f"Every rejection says why; the commonest reason is {mid_sentence(words(top['rejection_reason']))} ({pct(top['share_of_rejections_rate'])})"
    else:
        title = (f"{pct(silent)} of rejections give no reason; the commonest given is "
                 f"{mid_sentence(words(top['rejection_reason']))} ({pct(top['share_of_rejections_rate'])})")
    labels = [words(r) for r in frame["rejection_reason"]]
    figure = go.Figure(go.Bar(
        y=labels, x=frame["rejected_count"], orientation="h",
        marker_color=[dashboard.NEUTRAL_COLOUR if r == "no_reason" else dashboard.SALES_COLOUR
                      for r in frame["rejection_reason"]],
        text=[f"{n:,} · {pct(s)}" for n, s in zip(frame["rejected_count"], frame["share_of_rejections_rate"])],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,} rejected MQLs<extra></extra>",
    ))
    layout_title, top = heading(title, f"{period}, rejected, by the reason sales recorded." + (
        f" Only {rejected:,} rejections: too few to read much into." if rejected < SMALL_SAMPLE else ""))
    figure.update_layout(
        title=layout_title, xaxis_title="Rejected MQLs (count)", yaxis=dict(autorange="reversed", title=None),
        height=260 + top, margin=dict(t=top, b=10, r=60),
    )
    return figure


if rejected:
    dashboard.cached_chart(reasons_chart, reasons, rejected, PERIOD, key="rejection_reasons")
    dashboard.data_table(
        reasons.assign(reason=[words(r) for r in reasons["rejection_reason"]])[
            ["reason", "rejected_count", "share_of_rejections_rate"]],
        "handshake_rejection_reasons.csv",
        column_config={
            "reason": st.column_config.TextColumn("Reason"),
            "rejected_count": st.column_config.NumberColumn("Rejected MQLs", format="%d"),
            "share_of_rejections_rate": dashboard.rate_column("Share of rejections"),
        },
    )
else:
    st.info("Sales has rejected none of this period's MQLs so far, so there are no reasons to show.",
            icon=":material/thumb_up:")


# --- 2. Which leads win ------------------------------------------------------------------------
st.subheader("Which leads win, and does the score predict revenue?")
overall = total.iloc[0]
left, right = st.columns(2)
with left:
    dashboard.kpi_metric(
        "mql_to_won_rate", cohort["mql_to_won_rate"],
        note=f"{PERIOD}: {fmt(cohort['won_count'], 'count')} of {mqls:,} won so far; leads still open count as not won yet." + small(mqls),
    )
with right:
    dashboard.kpi_metric(
        "revenue_per_mql_eur", overall["revenue_per_mql_eur"],
        note=f"{PERIOD}: {fmt(overall['cohort_revenue_eur'], 'money', currency)} booked so far from {mqls:,} MQLs.",
    )


def solid(frame):
    return frame[frame["mql_count"] >= SMALL_SAMPLE]


def win_chart(frame, title: str, subtitle: str, horizontal: bool, currency: str):
    colours = [dashboard.MARKETING_COLOUR if n >= SMALL_SAMPLE else dashboard.NEUTRAL_COLOUR
               for n in frame["mql_count"]]
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.12 if horizontal else 0.08,
                           subplot_titles=("Win rate (won / MQLs, %)", f"Revenue per MQL ({symbol(currency)})"),
                           shared_yaxes=horizontal)
    labels = frame["group_label"].tolist()
    value_axis = "x" if horizontal else "y"
    for col, column, text, hover in (
        (1, "win_rate", [f"{pct(r)} of {n:,}" for r, n in zip(frame["win_rate"], frame["mql_count"])],
         f"%{{customdata}}: %{{{value_axis}:.1%}} won<extra></extra>"),
        (2, "revenue_per_mql_eur", [fmt(v, 'money', currency) for v in frame["revenue_per_mql_eur"]],
         f"%{{customdata}}: {prefix(currency)}%{{{value_axis}:,.0f}} per MQL<extra></extra>"),
    ):
        values = frame[column].tolist()
        bar = go.Bar(x=values, y=labels, orientation="h") if horizontal else go.Bar(x=labels, y=values)
        bar.update(marker_color=colours, text=text, textposition="outside", cliponaxis=False, showlegend=False,
                   customdata=labels, hovertemplate=hover)
        figure.add_trace(bar, row=1, col=col)
    # value axes start at zero; with nothing won yet, a plain 0-10% and 0-1,000 rather than negative ticks
    rate_axis = dict(tickformat=".1~%", title_text="Won / MQLs", rangemode="nonnegative", row=1, col=1)
    money_axis = dict(tickprefix=prefix(currency), title_text=f"{symbol(currency)} per MQL", rangemode="nonnegative", row=1, col=2)
    if not frame["win_rate"].max():
        rate_axis["range"] = [0, 0.1]
    if not frame["revenue_per_mql_eur"].max():
        money_axis["range"] = [0, 1000]
    if horizontal:
        figure.update_yaxes(autorange="reversed", automargin=True)
        figure.update_xaxes(**rate_axis)
        figure.update_xaxes(**money_axis)
        height = max(220, 80 + 30 * len(frame))
    else:
        figure.update_yaxes(**rate_axis)
        figure.update_yaxes(**money_axis)
        figure.update_xaxes(title_text="Lead score band (points)")
        height = 320
    figure.update_yaxes(automargin=True)
    layout_title, top = heading(title, subtitle)
    figure.update_layout(title=layout_title, height=height + top, margin=dict(t=top + 30, b=10, r=70))
    return figure


GROUP_COLUMNS = {
    "group_label": st.column_config.TextColumn("Group"),
    "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
    "accepted_count": st.column_config.NumberColumn("Accepted", format="%d"),
    "rejected_count": st.column_config.NumberColumn("Rejected", format="%d"),
    "accepted_rate": dashboard.rate_column(
        "Accepted (of decided)", help="The acceptance rate within the group: accepted / (accepted + rejected)."),
    "won_count": st.column_config.NumberColumn("Won", format="%d"),
    "win_rate": dashboard.rate_column(
        "Win rate", help="Won / MQLs: the 'MQL to won' rate within the group."),
    "cohort_revenue_eur": dashboard.money_column("Revenue so far"),
    "revenue_per_mql_eur": dashboard.money_column("Revenue per MQL"),
    "untouched_count": st.column_config.NumberColumn("Never touched", format="%d"),
    "untouched_rate": dashboard.rate_column("Share never touched"),
    "is_small_sample": st.column_config.CheckboxColumn("Small sample", help=f"Fewer than {SMALL_SAMPLE} MQLs."),
}


def group_table(frame, label: str, file_name: str) -> None:
    shown = frame[list(GROUP_COLUMNS)[:-1]].assign(is_small_sample=frame["mql_count"] < SMALL_SAMPLE)
    dashboard.data_table(shown, file_name, label=f"The numbers behind the chart: {PERIOD}",
                         column_config=dict(GROUP_COLUMNS, group_label=st.column_config.TextColumn(label)))


title, subtitle = evidence.score_finding(bands, SMALL_SAMPLE, currency)
dashboard.cached_chart(win_chart, bands, title, subtitle + f" Grey bars: fewer than {SMALL_SAMPLE} MQLs.", False, currency,
                       key="win_by_score_band")
group_table(bands, "Score band", "handshake_quality_by_score_band.csv")
st.caption("Wins and revenue so far: MQLs from the last weeks of the period are still in play, so their bands rise as deals close.")

by_source, by_campaign = st.tabs(["By source", "By campaign"])
with by_source:
    title, subtitle = evidence.leader_finding(sources, "source", SMALL_SAMPLE)
    dashboard.cached_chart(win_chart, sources, title, subtitle, True, currency, key="win_by_source")
    group_table(sources, "Source", "handshake_quality_by_source.csv")
with by_campaign:
    charted = campaigns.head(CAMPAIGNS_CHARTED)
    title, subtitle = evidence.leader_finding(charted[charted["group_key"] != "none"], "campaign", SMALL_SAMPLE)
    if len(campaigns) > CAMPAIGNS_CHARTED:
        subtitle += f" The {CAMPAIGNS_CHARTED} campaigns with most MQLs of {len(campaigns)}; all are in the table."
    dashboard.cached_chart(win_chart, charted, title, subtitle, True, currency, key="win_by_campaign")
    group_table(campaigns, "Campaign", "handshake_quality_by_campaign.csv")


# --- 3. The leads nobody called ----------------------------------------------------------------
st.subheader("The leads nobody called")
st.markdown(
    f"**{fmt(overall['untouched_count'], 'count')} of {mqls:,} MQLs ({pct(overall['untouched_rate'])}) have no recorded touch.** "
    "Are they weaker leads, or just ignored? Compare them with the touched MQLs of the same source, segment and "
    "score band."
)


def untouched_heatmap(frame, bands, period: str):
    band_order = frame.drop_duplicates("score_band").sort_values("band_order")["score_band"].tolist()
    source_order = sorted(frame["source_name"].unique())
    grid = frame.pivot(index="source_name", columns="score_band", values="untouched_rate").reindex(
        index=source_order, columns=band_order)
    sizes = frame.pivot(index="source_name", columns="score_band", values="mql_count").reindex(
        index=source_order, columns=band_order)
    # The cell text is the count alone, and the line break the template's own: dashboard.chart escapes the
    # text traces carry (names from the data), which turned a <br> inside `text` into a visible "&lt;br&gt;".
    counts = [["" if n != n else f"{int(n):,}{'*' if n < SMALL_SAMPLE else ''}" for n in row] for row in sizes.values]
    scored = solid(bands[bands["group_key"] != "no score"])
    if len(scored) >= 2:
        low, high = scored.iloc[0], scored.iloc[-1]
        shares = (f"{pct(low['untouched_rate'])} of {low['group_label']} MQLs untouched, "
                  f"{pct(high['untouched_rate'])} of {high['group_label']} ones")
        # a verdict on why leads go uncalled needs enough untouched and touched MQLs in both bands
        judged = all(evidence.enough(b["untouched_count"], b["mql_count"] - b["untouched_count"]) for b in (low, high))
        if not judged:
            title = f"{shares[0].upper()}{shares[1:]}"
        elif low["untouched_rate"] > high["untouched_rate"]:
            title = f"Reps leave {shares}"
        else:
            title = f"Low scores are not why leads go uncalled: {shares}"
    else:
        title = "Share of MQLs never touched, by source and score band"
    figure = go.Figure(go.Heatmap(
        z=grid.values, x=band_order, y=source_order, text=counts,
        texttemplate="%{z:.1%}<br>of %{text}", textfont=dict(size=14),
        colorscale=[[0, "#FFFFFF"], [1, dashboard.SALES_COLOUR]], zmin=0, zmax=1,
        colorbar=dict(title="Never touched", tickformat=".0%"), xgap=2, ygap=2,
        hovertemplate="%{y}, score %{x}: %{z:.1%} never touched<extra></extra>",
    ))
    layout_title, top = heading(title, f"{period}: share with no recorded touch, of how many MQLs · * fewer than {SMALL_SAMPLE}", 50)
    figure.update_layout(
        title=layout_title, xaxis_title="Lead score band (points)", yaxis=dict(title=None, autorange="reversed"),
        height=top + max(240, 100 + 56 * len(source_order)), margin=dict(t=top, b=10),
    )
    return figure


def score_gap_chart(frame, title: str, subtitle: str):
    both = frame[frame["touched_mean_score"].notna() & frame["untouched_mean_score"].notna()]
    labels = [f"{s} · {b}" for s, b in zip(both["source_name"], both["score_band"])]
    figure = go.Figure()
    for label, touched, untouched in zip(labels, both["touched_mean_score"], both["untouched_mean_score"]):
        figure.add_scatter(x=[untouched, touched], y=[label, label], mode="lines",
                           line=dict(color="#CCCCCC", width=3), showlegend=False, hoverinfo="skip")
    small_cell = (both["untouched_count"] < SMALL_SAMPLE).tolist()
    for column, name, colour in (("touched_mean_score", "Touched", dashboard.SALES_COLOUR),
                                 ("untouched_mean_score", "Never touched", dashboard.NEUTRAL_COLOUR)):
        for faint in (False, True):  # small cells in their own faint trace, so the legend shows the full colour
            rows = [i for i, s in enumerate(small_cell) if s == faint]
            if not rows:
                continue
            part = both.iloc[rows]
            figure.add_scatter(
                x=part[column], y=[labels[i] for i in rows], mode="markers", name=name, legendgroup=name,
                showlegend=not faint or len(rows) == len(both),
                marker=dict(color=colour, size=11, opacity=0.4 if faint else 1),
                customdata=list(zip(part["touched_count"], part["untouched_count"])),
                hovertemplate="%{y}: mean score %{x:.1f}<br>touched %{customdata[0]:,}, untouched %{customdata[1]:,}"
                              f"<extra>{name}</extra>",
            )
    layout_title, top = heading(title, subtitle + f" Faint dots: fewer than {SMALL_SAMPLE} untouched MQLs.", 70)
    figure.update_layout(
        title=layout_title, xaxis_title="Mean lead score (points)", yaxis=dict(title=None, autorange="reversed", automargin=True),
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0),
        height=140 + top + 24 * len(both), margin=dict(t=top + 10, b=80),
    )
    return figure


if not overall["untouched_count"]:
    st.success("Sales has touched every MQL of this period: no lead was left uncalled.", icon=":material/task_alt:")
else:
    # one question, one method: the Evidence page's check (evidence.cherry_picking), here on the period
    headline, basis = evidence.untouched_finding(check, evidence.span(filters.start, filters.end))
    left, right = st.columns([2, 3])
    with left:
        dashboard.cached_chart(untouched_heatmap, cells, bands, PERIOD, key="untouched_heatmap")
    with right:
        if (cells["touched_mean_score"].notna() & cells["untouched_mean_score"].notna()).any():
            dashboard.cached_chart(score_gap_chart, cells, headline, basis, key="untouched_score_gap")
        else:
            st.markdown(f"**{headline}**")
            st.caption(basis)
    settled_headline, _ = evidence.untouched_finding(settled_check, evidence.window_words(first, last))
    st.page_link("pages/evidence.py", icon=":material/arrow_forward:", label=evidence.asked(
        f"The Evidence page asks the same question, the same way, of the MQLs of {evidence.window_words(first, last)}",
        settled_headline + (f" ({settled_check['compared_count']:,} never-touched MQLs)"
                            if settled_check and settled_check["verdict"] else "")))
    st.caption("Never touched: no follow-up recorded on or after the lead was created (touches dated before it "
               "are data errors and ignored). MQLs from the last days of the period may still be called.")

cell_table = cells.drop(columns=["band_order", "source_name"]).assign(
    score_gap=cells["untouched_mean_score"] - cells["touched_mean_score"],
    is_small_sample=cells["mql_count"] < SMALL_SAMPLE,
)
dashboard.data_table(cell_table, "handshake_touched_vs_untouched.csv", label=f"Touched and untouched MQLs by source and score band: {PERIOD}", column_config={
    "source": st.column_config.TextColumn("Source"),
    "score_band": st.column_config.TextColumn("Score band"),
    "mql_count": st.column_config.NumberColumn("MQLs", format="%d"),
    "touched_count": st.column_config.NumberColumn("Touched", format="%d"),
    "untouched_count": st.column_config.NumberColumn("Never touched", format="%d"),
    "untouched_rate": dashboard.rate_column("Share never touched"),
    "touched_won_count": st.column_config.NumberColumn("Touched and won", format="%d"),
    "touched_win_rate": dashboard.rate_column("Win rate of touched"),
    "touched_mean_score": st.column_config.NumberColumn("Mean score, touched", format="%.1f"),
    "untouched_mean_score": st.column_config.NumberColumn("Mean score, untouched", format="%.1f"),
    "score_gap": st.column_config.NumberColumn("Score gap (untouched − touched)", format="%+.1f"),
    "is_small_sample": st.column_config.CheckboxColumn("Small sample", help=f"Fewer than {SMALL_SAMPLE} MQLs."),
})
