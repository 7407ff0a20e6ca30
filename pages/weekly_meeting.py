"""The weekly joint meeting: the screen on the wall when sales and marketing sit at one table."""

from datetime import timedelta

import streamlit as st

from handshake import access, actions, dashboard, formats, kpis, meeting, pack, warehouse
from handshake.dashboard import MARKETING_COLOUR, SALES_COLOUR
from handshake.formats import md, plural, words

filters = dashboard.filters()
currency = dashboard.currency()
st.title("Weekly joint meeting")
dashboard.require_leads()

tz = filters.tz
now = kpis.current_time()
span = dashboard.query("data_range").iloc[0]
first_day = kpis.clean(span["first_lead_date"])
last_lead = kpis.clean(span["last_lead_date"])
options = meeting.week_options(first_day.date() if first_day else None, tz, now)
# The week follows the sidebar's period: its last whole week. A link's ?week= opens that week; moving the
# sidebar's period afterwards moves the week again, so the sidebar never shows a period the page ignores.
following = meeting.week_for_period(filters.end, tz, now)
if following.label not in options:  # a period before the first lead's week
    following = meeting.Week.parse(options[-1])
moved = st.session_state.get("week_follows", following.label) != following.label
if "week" not in st.session_state or moved:
    asked = "" if moved else st.query_params.get("week", "").upper()
    st.session_state["week"] = asked if asked in options else following.label
    if asked and asked not in options:
        st.info(f"The link asked for week {asked}, which is not one of the weeks with data (from the first lead's "
                "week to this one): showing the last whole week of the sidebar's period instead.",
                icon=":material/link_off:")
st.session_state["week_follows"] = following.label

projector = st.query_params.get("projector") == "true" or st.session_state.get("projector", False)
picker, mode = st.columns([3, 1], vertical_alignment="bottom")
label = picker.selectbox(
    "Week", options, key="week", format_func=lambda w: meeting.Week.parse(w).describe(),
    label_visibility="collapsed" if projector else "visible",
    help=f"ISO weeks, Monday to Sunday, in the organisation's time zone ({tz}). It follows the sidebar's period "
         "(its last whole week); pick another here.",
)
st.query_params["week"] = label
projector = mode.toggle("Projector mode", key="projector", bind="query-params",
                        help="All eight cards on one screen in large type, without the sidebar, for the screen on "
                             "the wall. The link below opens the same view.")
week = meeting.Week.parse(label)
if projector:  # 1280x720: the title, the week and both rows of cards above the fold
    st.html("""<style>
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
        [data-testid="stToolbar"] { display: none; }
        [data-testid="stMainBlockContainer"] { padding-top: 1.25rem; padding-bottom: 1rem; max-width: 100%; }
        h1 { font-size: 1.9rem; padding: 0 0 0.25rem 0; }
        [data-testid="stMetricValue"] { font-size: 2.6rem; }
        [data-testid="stMetricLabel"] p { font-size: 1.15rem; }
        [data-testid="stVerticalBlock"] { gap: 0.6rem; }
    </style>""")

chosen = [words(v) for v in filters.values.values() if v]  # plain text: the pack escapes it itself
scope = ", ".join(chosen) if chosen else meeting.EVERYONE
link = f"?week={week.label}" + ("&projector=true" if projector else "")
st.caption(f"{md(meeting.week_sentence(week, following, filters.end))} · {md(scope)} · days in {tz} · compared "
           f"with the week before and the four weeks before that · [link to this view]({link})")
# the sidebar's period draws up the accountability list, as on the Follow-up page
parts = meeting.week_pack_parts(dashboard.query_many, week, filters.values, tz, now,
                                last_lead.date() if last_lead is not None else None, currency,
                                accountable=(filters.start, filters.end))
card, missing, days, cut_short = parts.card, parts.missing, parts.days, parts.cut_short
if cut_short:  # on the projector a line, not a box, so both rows of cards still fit on the screen
    if projector:
        st.caption(f":material/schedule: {md(cut_short)}")
    else:
        st.info(cut_short, icon=":material/schedule:")

params = meeting.params(week, filters.values, tz, now)
cohort = dashboard.query("kpi_mql_cohort", params).iloc[0]
if not cohort["mql_count"] and last_lead is not None and last_lead.date() < week.monday:
    latest = meeting.Week.containing(last_lead.date())
    st.warning(
        f"No leads this week: the newest lead in the warehouse is from {last_lead:%d %b %Y}. Load newer data, "
        "or open the last week that has leads.", icon=":material/event_busy:")
    st.button(f"Open {latest.describe()}", key="open_latest_week",
              on_click=lambda: st.session_state.update(week=latest.label))

# ---- scorecard
st.subheader(f"Scorecard · {week.describe()}")
table = meeting.scorecard_table(card, missing, currency)  # the strings the pack prints, so the cards show them too
for column, row, shown in zip(dashboard.grid(len(card), 4), card.to_dict("records"), table.to_dict("records")):
    kpi = kpis.BY_NAME[row["kpi"]]
    about = f"{meeting.LONG_NAMES[kpi.name]}\n\n" if kpi.name in meeting.LONG_NAMES else ""
    if missing[row["kpi"]]:
        with column, st.container(border=True):
            st.metric(row["label"], formats.fmt(None, kpi.unit), help=about + kpis.help_text(kpi.name))
            st.caption(kpis.missing_note(kpi, missing[row["kpi"]]))
        continue
    # a week cut short leaves its bar out: a half week among whole ones reads as a slump
    bars = meeting.bars(row["weekly"], week, days)
    with column, st.container(border=True):
        st.metric(
            row["label"], shown["This week"], delta=row["change"], delta_color=meeting.arrow_colour(row),
            delta_description="vs last week" if row["change"] else None, help=about + kpis.help_text(kpi.name),
            chart_data=None if projector else [0 if v is None else v for v in bars], chart_type="bar",
        )
        st.caption(f"Last week {shown['Last week']} · 4-week average {shown['4-week average']} · "
                   f"{shown['Agreed level']}")
dashboard.data_table(table.drop(columns="meets"), f"scorecard-{week.label}.csv", label="The scorecard as a table",
                     phone=True)
st.caption(meeting.SCORECARD_NOTE + (" This week is cut short: its bar joins when it ends." if days < 7 else ""))

# ---- commitments
st.subheader("What each side promised, and delivered")
for column, (side, sentence), colour in zip(st.columns(2), parts.promised, (MARKETING_COLOUR, SALES_COLOUR)):
    with column, st.container(border=True):
        st.html(f'<div style="font-weight:600;color:{colour}">{side}</div>')
        st.markdown(md(sentence))

# ---- agenda
breaches, spikes, postmortems, listed, accountable = (parts.breaches, parts.spikes, parts.postmortems, parts.listed,
                                                      parts.accountable)
st.subheader("Agenda")
# sentences name campaigns, people and actions as they were typed or imported: shown as written, never as markdown
st.markdown("\n".join(f"{n}. **{heading}**: {md(sentence)}" for n, (heading, sentence) in enumerate(parts.items, 1)))
st.caption(f"Generated from the data. A rejection spike: {meeting.SPIKE_MIN_COUNT} or more rejections for one reason "
           f"from one campaign in the week, at least {meeting.SPIKE_RATIO:g} times its weekly average before.")

details = parts.details
when = st.column_config.DatetimeColumn(format="D MMM HH:mm")
dashboard.data_table(details["SLA breaches"], f"sla-breaches-{week.label}.csv",
                     label=f"New SLA breaches ({len(breaches):,})", column_config={
    "Deadline": when, "First touch": when,
    "Record": st.column_config.LinkColumn(display_text="Open in CRM"),
})
dashboard.data_table(details["Rejection spikes"], f"rejection-spikes-{week.label}.csv",
                     label=f"Rejection spikes ({len(spikes):,})", phone=True, column_config={
    "Weekly average before": st.column_config.NumberColumn(format="%.1f"),
})
dashboard.data_table(details["Post-mortems due"], f"postmortems-due-{week.label}.csv",
                     label=f"Post-mortems with sales still to hold ({len(postmortems):,})", column_config={
    "Ended": st.column_config.DateColumn(format="D MMM YYYY"),
})
st.caption(f"Times in {tz}.")

# ---- accountability list
st.subheader("Accountability list")
st.markdown(md(parts.accountable_note))
if not accountable.empty and not missing["sla_compliance_rate"]:
    st.caption(meeting.accountability_rule(filters.start, filters.end, now))
    dashboard.accountability_list(accountable, filters.start, filters.end, tz)


@st.fragment
def update_action(params: dict) -> None:
    """The form of one action. A fragment: picking another action reruns this form alone, not the meeting; a
    save reruns the page. The list is read again (from the cache while nothing was written), and the time too."""
    listed = dashboard.query("meeting_actions", params)
    con, now = warehouse.shared_connection(warehouse.configured_path()), kpis.current_time()
    with st.container(border=True):
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
                        "Owner's function", actions.FUNCTIONS, key=f"edit_function_{picked}", format_func=words,
                        index=actions.FUNCTIONS.index(seen["owner_function"]) if seen["owner_function"] else 2),
                    "due_date": st.date_input("Due", value=seen["due_date"], key=f"edit_due_{picked}"),
                    "status": st.radio("Status", actions.STATUSES, index=actions.STATUSES.index(seen["status"]),
                                       key=f"edit_status_{picked}", horizontal=True, format_func=words),
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
            history = meeting.history_table(dashboard.query("meeting_action_history", {"action_id": picked}))
            with st.expander(f"History of #{picked} ({plural(len(history), 'change')})"):
                st.dataframe(history, hide_index=True, placeholder="–", column_config={
                    "changed_at": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY HH:mm"),
                    "changed_by": "By", "field": "What", "old_value": "From", "new_value": "To",
                })


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
        function = st.selectbox("Owner's function", actions.FUNCTIONS, index=2, key="new_function", format_func=words)
        due = st.date_input("Due", value=week.sunday + timedelta(days=14), key="new_due",
                            help="By default the end of the week after the meeting: in time for the next one.")
        if st.form_submit_button("Add action", key="add_action_button", type="primary", icon=":material/add_task:"):
            try:
                action_id = actions.create(con, title or "", owner or "", function, due, dashboard.person(), now)
                st.session_state["action_notice"] = ("success", f"Action #{action_id} added.")
                st.rerun()
            except (actions.ActionError, access.Refused) as e:
                st.error(str(e))

    with editing:
        update_action(params)

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
subtitle = (f"{meeting.week_sentence(week, following, filters.end)} · {scope} · days in {tz} · made "
            f"{meeting.local_now(tz, now):%d %b %Y %H:%M}" + (f" · {cut_short}" if cut_short else ""))
week_pack = parts.pack(subtitle)
st.session_state["meeting_pack"] = week_pack
st.caption("The scorecard, the commitments, the agenda and the actions, to send round after the meeting.")
html_button, pdf_button, csv_button = st.columns(3)
html_button.download_button("Download HTML", lambda: pack.html(week_pack), f"{week_pack.file_stem}.html",
                            "text/html", key="pack_html", on_click="ignore", icon=":material/description:")
pdf_button.download_button("Download PDF", lambda: pack.pdf(week_pack), f"{week_pack.file_stem}.pdf",
                           "application/pdf", key="pack_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
csv_button.download_button("Download tables (CSV, zipped)", lambda: pack.csv_zip(week_pack), f"{week_pack.file_stem}.zip",
                           "application/zip", key="pack_csv", on_click="ignore", icon=":material/folder_zip:")
