"""The weekly joint meeting: the screen on the wall when sales and marketing sit at one table."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from handshake import access, actions, dashboard, formats, kpis, meeting, pack, warehouse
from handshake.dashboard import MARKETING_COLOUR, SALES_COLOUR
from handshake.formats import md, plural, readable

filters = dashboard.filters()
currency = dashboard.currency()
st.title("Weekly joint meeting")
dashboard.require_leads()

tz = filters.tz
now = kpis.current_time()
span = dashboard.query("data_range").iloc[0]
first_day = kpis.clean(span["first_lead_date"])
default_week = meeting.last_complete_week(tz, now)
options = meeting.week_options(first_day.date() if first_day else None, tz, now)

picker, mode = st.columns([3, 1], vertical_alignment="bottom")
# The week lives in the URL as 2026-W46 (a bound selectbox would put its formatted label there instead).
if "week" not in st.session_state:
    asked = st.query_params.get("week", "").upper()
    st.session_state["week"] = asked if asked in options else default_week.label if default_week.label in options else options[0]
    if asked and asked not in options:
        st.info(f"The link asked for week {asked}, which is not one of the weeks with data (from the first lead's "
                "week to this one): showing the last complete week instead.", icon=":material/link_off:")
label = picker.selectbox(
    "Week", options, key="week", format_func=lambda w: meeting.Week.parse(w).describe(),
    help=f"ISO weeks, Monday to Sunday, in the organisation's time zone ({tz}); the default is the last complete week.",
)
st.query_params["week"] = label
projector = mode.toggle("Projector mode", key="projector", bind="query-params",
                        help="Large numbers and no sidebar, for the screen on the wall. The link below opens the same view.")
week = meeting.Week.parse(label)
if projector:
    st.html("""<style>
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
        [data-testid="stToolbar"] { display: none; }
        .block-container { padding-top: 1rem; max-width: 100%; }
        [data-testid="stMetricValue"] { font-size: 3.4rem; }
        [data-testid="stMetricLabel"] p { font-size: 1.3rem; }
        h1 { font-size: 2.4rem; }
    </style>""")

chosen = [readable(v) for v in filters.values.values() if v]  # plain text: the pack escapes it itself
scope = ", ".join(chosen) if chosen else "All segments, regions and sources"
link = f"?week={week.label}" + ("&projector=true" if projector else "")
st.caption(f"{week.describe()} · {md(scope)} · days in {tz} · compared with the week before and the four weeks "
           f"before that · [link to this view]({link}). The week replaces the sidebar's period; its segment, "
           "region and source filters apply.")
if week.monday > meeting.local_now(tz, now).date() - timedelta(days=7) and week != default_week:
    st.info("This week is still running: its numbers will grow until Sunday night.", icon=":material/schedule:")

params = meeting.params(week, filters.values, tz, now)
card = meeting.scorecard(dashboard.query_many, week, filters.values, tz, now)
# A KPI whose inputs the warehouse lacks has no number, on the cards, in the agenda or in the pack (the rule of
# dashboard.kpi_metric): no follow-ups imported is not 0% touched within the SLA.
present = dashboard.present_inputs()
missing = {name: kpis.missing_inputs(kpis.BY_NAME[name], present) for name in card["kpi"]}
card = pd.DataFrame([
    dict(row, this_week=None, last_week=None, four_week_average=None, change=None, is_good=None,
         weekly=[None] * len(row["weekly"])) if missing[row["kpi"]] else row
    for row in card.to_dict("records")
], dtype=object)
cohort = dashboard.query("kpi_mql_cohort", params).iloc[0]
last_lead = kpis.clean(span["last_lead_date"])
if not cohort["mql_count"] and last_lead is not None and last_lead.date() < week.monday:
    latest = meeting.Week.containing(last_lead.date())
    st.warning(
        f"No leads this week: the newest lead in the warehouse is from {last_lead:%d %b %Y}. Load newer data, "
        "or open the last week that has leads.", icon=":material/event_busy:")
    st.button(f"Open {latest.describe()}", key="open_latest_week",
              on_click=lambda: st.session_state.update(week=latest.label))

# ---- scorecard
st.subheader("Scorecard")
table = meeting.scorecard_table(card, missing, currency)  # the strings the pack prints, so the cards show them too
for column, row, shown in zip(dashboard.grid(len(card), 4), card.itertuples(), table.to_dict("records")):
    kpi = kpis.BY_NAME[row.kpi]
    if missing[row.kpi]:
        with column, st.container(border=True):
            st.metric(kpi.label, formats.fmt(None, kpi.unit), help=kpis.help_text(kpi.name))
            st.caption(kpis.missing_note(kpi, missing[row.kpi]))
        continue
    with column, st.container(border=True):
        st.metric(
            kpi.label, shown["This week"], delta=row.change, delta_color=meeting.delta_colour(kpi),
            delta_description="vs last week" if row.change else None, help=kpis.help_text(kpi.name),
            chart_data=[0 if v is None else v for v in row.weekly], chart_type="bar",
        )
        target = shown["Target"]
        st.caption(f"Last week {shown['Last week']} · 4-week average {shown['4-week average']}"
                   + ("" if target == "–" else f" · target {target}"))
dashboard.data_table(table.drop(columns="good"), f"scorecard-{week.label}.csv", label="The scorecard as a table")
st.caption("Bars: the last five weeks, this one last. Arrows are green when the change is good news for that KPI "
           "(fewer hours to first touch is good). The 4-week average takes the four weeks before together: MQLs and "
           "revenue per week; rates, medians and averages over all their leads; pipeline as the mean of the four "
           "week ends.")

# ---- commitments
agreement_rows = dashboard.query("agreement_in_force", {"day": week.sunday})
agreement = {k: kpis.clean(v) for k, v in agreement_rows.iloc[0].to_dict().items()} if len(agreement_rows) else {}
promised = meeting.commitments(card, agreement, missing)
st.subheader("What each side promised, and delivered")
for column, (side, sentence), colour in zip(st.columns(2), promised, (MARKETING_COLOUR, SALES_COLOUR)):
    with column, st.container(border=True):
        st.html(f'<div style="font-weight:600;color:{colour}">{side}</div>')
        st.markdown(md(sentence))

# ---- agenda
breaches, spikes, postmortems, listed = dashboard.query_many([
    ("meeting_sla_breaches", params),
    ("meeting_rejection_spikes", dict(params, min_count=meeting.SPIKE_MIN_COUNT, spike_ratio=meeting.SPIKE_RATIO)),
    ("meeting_postmortems_due", params),
    ("meeting_actions", params),
])
if missing["sla_compliance_rate"]:  # without touches every MQL would look like a breach
    breaches = breaches.head(0)
items = meeting.agenda(card, breaches, spikes, postmortems, listed, missing, currency)
st.subheader("Agenda")
# sentences name campaigns, people and actions as they were typed or imported: shown as written, never as markdown
st.markdown("\n".join(f"{n}. **{heading}**: {md(sentence)}" for n, (heading, sentence) in enumerate(items, 1)))
st.caption(f"Generated from the data. A rejection spike: {meeting.SPIKE_MIN_COUNT} or more rejections for one reason "
           f"from one campaign in the week, at least {meeting.SPIKE_RATIO:g} times its weekly average before.")

details = meeting.tables(breaches, spikes, postmortems, listed, tz)
when = st.column_config.DatetimeColumn(format="D MMM HH:mm")
dashboard.data_table(details["SLA breaches"], f"sla-breaches-{week.label}.csv",
                     label=f"New SLA breaches ({len(breaches):,})", column_config={
    "Deadline": when, "First touch": when, "Hours late": st.column_config.NumberColumn(format="%.1f h"),
    "Record": st.column_config.LinkColumn(display_text="Open in CRM"),
})
dashboard.data_table(details["Rejection spikes"], f"rejection-spikes-{week.label}.csv",
                     label=f"Rejection spikes ({len(spikes):,})", column_config={
    "Weekly average before": st.column_config.NumberColumn(format="%.1f"),
})
dashboard.data_table(details["Post-mortems due"], f"postmortems-due-{week.label}.csv",
                     label=f"Post-mortems with sales still to hold ({len(postmortems):,})", column_config={
    "Ended": st.column_config.DateColumn(format="D MMM YYYY"),
})
st.caption(f"Times in {tz}.")

# ---- actions
st.subheader("Actions")
con = warehouse.shared_connection(warehouse.configured_path())
if "action_notice" in st.session_state:
    kind, message = st.session_state.pop("action_notice")
    (st.warning if kind == "warning" else st.success)(message)
if listed.empty:
    st.info("No actions on this week's list yet: agree one below.", icon=":material/task_alt:")
else:
    st.dataframe(details["Actions"], hide_index=True, placeholder="–", column_config={
        "Due": st.column_config.DateColumn(format="D MMM YYYY"), "Agreed": st.column_config.DateColumn(format="D MMM YYYY"),
    })
    st.caption("The list of the meeting that reviews this week, held the week after: actions agreed up to then "
               "and open when the week began. Open actions carry over from week to week until done or dropped.")

people = dashboard.query("people", {"day": week.sunday})
owners = sorted(set(people["rep_name"]) | set(listed["owner"]))
if not dashboard.cannot("actions"):
    adding, editing = st.columns(2)
    with adding.form("add_action", clear_on_submit=True, border=True):
        st.markdown("**Agree a new action**")
        title = st.text_input("What is to be done", key="new_title")
        owner = st.selectbox("Owner", owners, index=None, key="new_owner", accept_new_options=True,
                             placeholder="Choose or type a name")
        function = st.selectbox("Owner's function", actions.FUNCTIONS, index=2, key="new_function", format_func=readable)
        due = st.date_input("Due", value=week.sunday + timedelta(days=14), key="new_due",
                            help="By default the end of the week after the meeting: in time for the next one.")
        if st.form_submit_button("Add action", key="add_action_button", type="primary", icon=":material/add_task:"):
            try:
                action_id = actions.create(con, title or "", owner or "", function, due, dashboard.person(), now)
                st.session_state["action_notice"] = ("success", f"Action #{action_id} added.")
                st.rerun()
            except (actions.ActionError, access.Refused) as e:
                st.error(str(e))

    with editing.container(border=True):
        st.markdown("**Update an action**")
        if listed.empty:
            st.caption("Nothing to update yet.")
        else:
            picked = st.selectbox("Action", listed["action_id"].tolist(), key="edit_pick",
                                  format_func=lambda i: f"#{i} · {listed.set_index('action_id').at[i, 'title']}")
            row = listed.set_index("action_id").loc[picked]
            stored = {f: actions.plain(row[f]) for f in actions.FIELDS}
            # what this session was shown, kept until it saves, so an edit made meanwhile elsewhere is noticed
            seen = st.session_state.setdefault(f"seen_{picked}", stored)
            with st.form(f"edit_{picked}", border=False):
                wanted = {
                    "title": st.text_input("What is to be done", value=seen["title"], key=f"edit_title_{picked}"),
                    "owner": st.text_input("Owner", value=seen["owner"], key=f"edit_owner_{picked}"),
                    "owner_function": st.selectbox(
                        "Owner's function", actions.FUNCTIONS, key=f"edit_function_{picked}", format_func=readable,
                        index=actions.FUNCTIONS.index(seen["owner_function"]) if seen["owner_function"] else 2),
                    "due_date": st.date_input("Due", value=seen["due_date"], key=f"edit_due_{picked}"),
                    "status": st.radio("Status", actions.STATUSES, index=actions.STATUSES.index(seen["status"]),
                                       key=f"edit_status_{picked}", horizontal=True, format_func=readable),
                }
                if st.form_submit_button("Save", key="save_action", icon=":material/save:"):
                    try:
                        clashes = actions.update(con, picked, seen, wanted, dashboard.person(), now)
                        for key in [k for k in st.session_state if str(k).endswith(f"_{picked}")]:
                            del st.session_state[key]
                        st.session_state["action_notice"] = (
                            ("warning", " ".join(clashes)) if clashes else ("success", f"Action #{picked} saved."))
                        st.rerun()
                    except (actions.ActionError, access.Refused) as e:
                        st.error(str(e))
            history = dashboard.query("meeting_action_history", {"action_id": picked})
            with st.expander(f"History of #{picked} ({plural(len(history), 'change')})"):
                st.dataframe(history, hide_index=True, placeholder="–", column_config={
                    "changed_at": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY HH:mm"),
                    "changed_by": "By", "field": "What", "old_value": "From", "new_value": "To",
                })

# ---- campaign feedback
st.subheader("Sales' rating of campaigns")
campaigns = dashboard.query("meeting_campaigns", params)
if campaigns.empty:
    st.info("No campaign ran in the 13 weeks up to this week, so there is none to rate.", icon=":material/campaign:")
else:
    rate, ratings = st.columns(2)
    with rate:
        if not dashboard.cannot("feedback"):
            with st.form("rate_campaign", clear_on_submit=True, border=True):
                names = campaigns.set_index("campaign_id")["campaign_name"]
                campaign_id = st.selectbox("Campaign", names.index.tolist(), index=None, key="rate_campaign_id",
                                           format_func=lambda i: names[i], placeholder="Choose a campaign")
                rating = st.radio("How good were its leads?", [1, 2, 3, 4, 5], index=None, horizontal=True,
                                  key="rate_rating", captions=["poor", "", "fair", "", "excellent"])
                comment = st.text_area("Why (optional)", key="rate_comment", max_chars=500,
                                       placeholder="e.g. many students, few decision makers")
                sales_people = people[people["function"] == "sales"].set_index("rep_id")["rep_name"]
                rep_id = st.selectbox("Rated by (optional)", sales_people.index.tolist(), index=None, key="rate_rep",
                                      format_func=lambda i: sales_people[i])
                if st.form_submit_button("Save rating", key="save_rating", icon=":material/star:"):
                    if campaign_id is None or rating is None:
                        st.error("Choose a campaign and a rating from 1 to 5 before saving.")
                    else:
                        try:
                            actions.rate_campaign(con, campaign_id, rating, comment, rep_id, now, dashboard.person())
                        except access.Refused as e:
                            st.error(str(e))
                        else:
                            st.session_state["action_notice"] = ("success", f"Rating saved for {names[campaign_id]}: it "
                                                                 "now counts in Sales' campaign rating on the campaigns page.")
                            st.rerun()
    ratings.dataframe(campaigns, hide_index=True, placeholder="–", column_config={
        "campaign_id": None, "campaign_name": "Campaign", "channel": None,
        "start_date": None, "end_date": None,
        "rating_count": st.column_config.NumberColumn("Ratings", format="%d"),
        "average_rating": st.column_config.NumberColumn("Average (1-5)", format="%.1f"),
        "last_rated_at": st.column_config.DatetimeColumn("Last rated", format="D MMM YYYY"),
    })

# ---- the pack
st.subheader("Meeting pack")
subtitle = f"{scope} · days in {tz} · made {meeting.local_now(tz, now):%d %b %Y %H:%M}"
week_pack = meeting.build_pack(week, subtitle, card, promised, items, details, missing, currency)
st.session_state["meeting_pack"] = week_pack
st.caption("The scorecard, the commitments, the agenda and the actions, to send round after the meeting.")
html_button, pdf_button, csv_button = st.columns(3)
html_button.download_button("Download HTML", lambda: pack.html(week_pack), f"{week_pack.file_stem}.html",
                            "text/html", key="pack_html", on_click="ignore", icon=":material/description:")
pdf_button.download_button("Download PDF", lambda: pack.pdf(week_pack), f"{week_pack.file_stem}.pdf",
                           "application/pdf", key="pack_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
csv_button.download_button("Download tables (CSV, zipped)", lambda: pack.csv_zip(week_pack), f"{week_pack.file_stem}.zip",
                           "application/zip", key="pack_csv", on_click="ignore", icon=":material/folder_zip:")
