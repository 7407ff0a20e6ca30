"""Data, for both teams: the joint agreement (lead definition, follow-up SLA, targets), version by version,
and the place to record a new version."""

import dataclasses
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import streamlit as st

from handshake import access, agreement_file, agreements, dashboard, formats, kpis, readers, uploads, warehouse

# the form's widget for each term
TERM_KEYS = {"mql_score_threshold": "def_threshold", "first_touch_sla_hours": "def_sla_hours",
             "min_attempts": "def_attempts", "monthly_mql_target": "def_mql_target",
             "monthly_revenue_target_eur": "def_revenue_target", "recycle_days": "def_recycle_days"}


def day(value) -> str:
    value = pd.Timestamp(value)
    return f"{value.day} {value:%b %Y}"


def mqls(count: int) -> str:
    return "1 MQL" if count == 1 else f"{count:,} MQLs"


def confirmation(count: int, since) -> str:
    """The checkbox a backdated version needs: what it re-judges."""
    if count == 0:
        return (f"Take effect in the past: no MQL has arrived since {day(since)}, so none is judged anew, "
                "but its targets count from that day")
    return (f"Take effect in the past: the {mqls(count)} since {day(since)} will be judged by this version, "
            "and its targets count from that day")


dashboard.ensure_app_ran()
st.title("Definitions")
st.markdown(
    "What sales and marketing agreed together: when a lead is an MQL, how fast and how often sales follow it up, "
    "when an MQL left without progress is recycled, and the monthly targets. Every page judges a lead by the "
    "version in force on the day it became an MQL, so "
    "past weeks keep their own rules. A change is a new version from a date; no version is ever rewritten."
)
history = dashboard.query("agreements_history")
target_history = dashboard.query("agreement_targets_history")  # the targets versions agreed for regions and segments
now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
today = now.date()  # versions start at midnight UTC, the way agreement_periods assigns MQLs to them
latest = history.iloc[0] if len(history) else None
latest_date = pd.Timestamp(latest["effective_date"]).date() if latest is not None else None

if latest is None:
    st.info(
        "Sales and marketing have no written agreement here yet: no MQL threshold, no follow-up SLA, no targets. "
        "Without one, the SLA and target KPIs have nothing to measure against. Agreeing these terms together is "
        "the first step from the Undefined to the Defined stage: write down the first version below.",
        icon=":material/handshake:",
    )
else:
    st.subheader("In force today")
    in_force = dashboard.query("agreement_in_force", {"day": today})
    with st.container(border=True):
        if in_force.empty:
            st.markdown(f"No version is in force yet: the first takes effect on {day(history.iloc[-1]['effective_date'])}.")
        else:
            row = in_force.iloc[0]
            said = agreements.summary(agreements.stored_terms(row), dashboard.currency(), agreement_file.stored_targets(
                target_history, row["effective_date"]), agreements.stored_unowned_to(row))
            st.markdown("\n".join(f"- {line}" for line in said))
            recorded = f"In force since {day(row['effective_date'])}"
            if kpis.clean(row["changed_by"]):
                recorded += f", recorded by {row['changed_by']}"
            if kpis.clean(row["changed_at"]):
                recorded += f" on {day(row['changed_at'])}"
            st.caption(recorded + (f" · {row['note']}" if kpis.clean(row["note"]) else ""))
    scheduled = history[history["effective_date"] > pd.Timestamp(today)]
    if len(scheduled) and not in_force.empty:
        st.caption(f"Already agreed for later: the version from {day(scheduled.iloc[-1]['effective_date'])} "
                   "(see below).")

    st.subheader("Version by version")
    st.dataframe(history, hide_index=True, placeholder="–", column_order=[
        "effective_date", "superseded_date", *agreements.TERMS, "unowned_leads_to", "note", "changed_by", "changed_at",
    ], column_config={
        "unowned_leads_to": st.column_config.TextColumn(
            "No owner → to", help="Who takes the MQLs without an owner (the daily SLA-breach alerts send them there); "
                                  "a dash: nobody named."),
        "effective_date": st.column_config.DateColumn("In force from", format="D MMM YYYY"),
        "superseded_date": st.column_config.DateColumn("Until", format="D MMM YYYY", help="A dash: still in force."),
        "mql_score_threshold": st.column_config.NumberColumn("MQL score ≥", format="%d"),
        "first_touch_sla_hours": st.column_config.NumberColumn("SLA (hours)", format="%g", width="small",
                                                               help="Hours from the hand-off to the first touch."),
        "min_attempts": st.column_config.NumberColumn("Attempts", format="%d", width="small",
                                                      help="The minimum number of attempts before rejecting an MQL."),
        "monthly_mql_target": st.column_config.NumberColumn("MQLs / month", format="localized",
                                                            help="The monthly MQL target."),
        "monthly_revenue_target_eur": dashboard.money_column(
            "Revenue / month", help="The shared monthly revenue target; a dash: none agreed."),
        "recycle_days": st.column_config.NumberColumn(
            "Recycle (days)", format="%d", width="small",
            help="Days without progress after which an MQL is recycled; a dash: none agreed."),
        "changed_by": "Recorded by",
        "changed_at": st.column_config.DatetimeColumn("Recorded (UTC)", format="D MMM YYYY HH:mm"),
        "note": "Note",
    })
    st.caption("A dash in a term: not agreed in that version. Versions are only added, so this table is the "
               "complete record of every change, when and by whom.")
    if len(target_history):
        st.markdown("**Targets for a region or segment**, version by version")
        st.dataframe(target_history, hide_index=True, placeholder="–", column_config={
            "effective_date": st.column_config.DateColumn("In force from", format="D MMM YYYY"),
            "superseded_date": st.column_config.DateColumn("Until", format="D MMM YYYY", help="A dash: still in force."),
            "region": st.column_config.TextColumn("Region", help="A dash: every region."),
            "segment": st.column_config.TextColumn("Segment", help="A dash: every segment."),
            "monthly_mql_target": st.column_config.NumberColumn("MQLs / month", format="localized"),
            "monthly_revenue_target_eur": dashboard.money_column("Revenue / month"),
        })
        st.caption("Under a region or segment filter, the Overview and Campaigns pages compare with the target "
                   "agreed for exactly that region and segment, and say so where none was agreed.")

# ---- a new version
st.subheader("Add a version" if latest is not None else "Write down the first version")
if dashboard.cannot("agreements"):
    st.stop()
person = dashboard.person()
prefill = agreements.stored_terms(latest) if latest is not None else dict.fromkeys(agreements.TERMS)
prefill_targets = agreement_file.stored_targets(target_history, latest_date) if latest is not None else []
earliest = latest_date + timedelta(days=1) if latest_date else None
# The form starts from the latest version. Its values are set through st.session_state, not the widgets'
# value=: a browser sends back what its widgets show, so only values set this way start the form afresh.
fresh = {"def_effective": max(today + timedelta(days=1), earliest or today), "def_by": "", "def_note": "",
         "def_confirm": False, "def_unowned_to": (agreements.stored_unowned_to(latest) if latest is not None else None)
         or ""} | {key: prefill[name] for name, key in TERM_KEYS.items()}
restart = st.session_state.pop("def_restart", False)
# the targets' table starts afresh under a new key: a data editor keeps its edits under its key
st.session_state["def_targets_round"] = st.session_state.get("def_targets_round", 0) + (1 if restart else 0)
for key, value in fresh.items():
    if restart or key not in st.session_state:
        st.session_state[key] = value
if earliest and (st.session_state["def_effective"] or earliest) < earliest:
    st.session_state["def_effective"] = fresh["def_effective"]  # another session added a version meanwhile
if latest is not None:
    st.caption(f"Starts from the version of {day(latest_date)}: change the terms that change; empty a term that "
               "is no longer agreed.")
with st.container(border=True):
    effective = st.date_input(
        "Takes effect on", value=None, min_value=earliest,
        key="def_effective", format="YYYY-MM-DD",
        help="From midnight UTC on this day, MQLs are judged by this version and its targets count. It must be "
             "after the latest version's date" + (f" ({day(latest_date)})." if latest_date else "."))
    first, second, third = st.columns(3)
    terms = {
        "mql_score_threshold": first.number_input(
            "MQL score threshold", value=None, step=1, key="def_threshold",
            placeholder="not agreed",
            help="The lead score from which marketing hands a lead to sales, 0 to 100. The CRM marks the MQLs; "
                 "Handshake counts those handed over below this score."),
        "first_touch_sla_hours": second.number_input(
            "First-touch SLA (hours)", value=None, step=1.0, format="%g",
            key="def_sla_hours", placeholder="not agreed",
            help="Hours from the hand-off to sales' first touch: more than 0, at most 720."),
        "min_attempts": third.number_input(
            "Minimum attempts", value=None, step=1, key="def_attempts", placeholder="not agreed",
            help="How often sales try to reach an MQL before rejecting it, 1 to 20."),
        "monthly_mql_target": first.number_input(
            "MQL target / month", value=None, step=10, key="def_mql_target",
            placeholder="not agreed", help="MQLs marketing delivers a month, 0 or more."),
        "monthly_revenue_target_eur": second.number_input(
            f"Revenue target / month ({formats.symbol(dashboard.currency())})", value=None, step=1000.0, format="%.2f",
            key="def_revenue_target", placeholder="not agreed",
            help="The shared revenue target in the organisation's currency, 0 or more."),
        "recycle_days": third.number_input(
            "Recycle after (days)", value=None, step=1, key="def_recycle_days", placeholder="not agreed",
            help="Days without progress (no touch, no decision, no later stage) after which an MQL is recycled: "
                 "closed, neither won nor in play. 7 to 730."),
    }
    unowned_to = st.text_input(
        "MQLs without an owner go to", key="def_unowned_to", placeholder="nobody named: an address such as "
        "lead-desk@example.com", max_chars=200,
        help="Who takes the MQLs nobody owns: the daily SLA-breach alerts send them to this address (without it, to "
             "each alert's own recipients).")
    options = dashboard.query("filter_options")
    st.markdown("**Targets for a region or segment** (optional)")
    edited = st.data_editor(
        pd.DataFrame(prefill_targets, columns=[*agreements.SCOPES, *agreements.TARGET_TERMS]),
        key=f"def_targets_{st.session_state['def_targets_round']}", num_rows="dynamic", hide_index=True,
        width="stretch", placeholder="–", column_config={
            "region": st.column_config.SelectboxColumn(
                "Region", options=options.loc[options["filter"] == "region", "value"].tolist(),
                help="Empty: every region (then name a segment)."),
            "segment": st.column_config.SelectboxColumn(
                "Segment", options=options.loc[options["filter"] == "segment", "value"].tolist(),
                help="Empty: every segment (then name a region)."),
            "monthly_mql_target": st.column_config.NumberColumn("MQL target / month", min_value=0, step=1,
                                                                format="%d"),
            "monthly_revenue_target_eur": st.column_config.NumberColumn(
                f"Revenue target / month ({formats.symbol(dashboard.currency())})", min_value=0, step=1000.0,
                format=f"{formats.prefix(dashboard.currency())}%,.0f"),
        })
    st.caption("Beside the organisation's targets above: a row for each region, segment, or segment in a region "
               "with its own monthly targets (a dash: every region, every segment, or not agreed). They hold as long "
               "as this version does; a row left out is not agreed.")
    targets = agreements.stored_targets(edited.dropna(how="all"))
    if person.signed_in:  # the sign-in names who records it
        by = person.name
    else:
        by = st.text_input("Recorded by", key="def_by", placeholder="your name", max_chars=100,
                           help="Kept with the version, with the time you save it.")
    note = st.text_input("Why (optional)", key="def_note", max_chars=500,
                         placeholder="for example: SLA tightened after the decay-curve review")
    backdated = effective is not None and effective <= today
    confirmed = True
    if backdated:
        rejudged = int(dashboard.query("mqls_since", {"since": effective}).iloc[0]["mql_count"])
        confirmed = st.checkbox(confirmation(rejudged, effective), key="def_confirm")
    save = st.button("Save this version", key="def_save", type="primary", icon=":material/save:")

if save:
    try:
        agreements.check(effective, terms, by, latest_date, targets, unowned_to.strip() or None)
        if not confirmed:
            when = "today" if effective == today else f"on {day(effective)}, in the past"
            raise agreements.AgreementError(
                f"This version takes effect {when}: tick the box above to confirm that the MQLs since then "
                f"({rejudged:,}) will be judged by it, or choose a later date.")
        changed = agreements.add_version(warehouse.shared_connection(warehouse.configured_path()),
                                         effective, terms, dataclasses.replace(person, name=by), note, now,
                                         targets, unowned_to)
    except (agreements.AgreementError, access.Refused) as e:
        st.error(str(e))
    else:
        saved = f"Saved the version that takes effect on {day(effective)}."
        if latest is None:
            saved = f"Saved the first version of the joint agreement: it takes effect on {day(effective)}."
        elif changed:
            saved += " Compared with the version before: " + "; ".join(changed) + "."
        else:
            saved += " It repeats the version before, term for term."
        st.session_state["def_restart"] = True
        st.session_state["def_notice"] = saved
        st.rerun()
if "def_notice" in st.session_state:
    st.success(st.session_state.pop("def_notice"), icon=":material/check_circle:")


# ---- versions from a file: the same reader and rules as `python -m handshake import FILE --kind agreements`
st.subheader("Or add versions from a file")
st.caption("A CSV or .xlsx file with one row per version and the columns " + ", ".join(agreement_file.COLUMNS)
           + " (an empty term is not agreed; changed_by defaults to who records it). A row that names a region "
             "and/or a segment holds only that version's monthly targets for them, beside the version's own row "
             "of the same date. Versions already stored are skipped; the new ones must follow the latest and are "
             "added together, or none is.")
versions_file = st.file_uploader("Versions file (CSV or Excel .xlsx)", type=["csv", "txt", "xlsx"], key="def_file")
file_dates = st.radio("Dates are written", list(uploads.DATE_ORDERS), key="def_file_dates",
                      format_func=uploads.DATE_ORDERS.get, horizontal=True)
server_file = st.session_state.get("def_file_path")  # a file already on the server (the tests use this)


@contextmanager
def versions_on_disk():
    """The chosen file as a path the reader reads; an upload is written to a temporary file and removed after."""
    if versions_file is not None:
        with uploads.saved(versions_file) as saved:
            yield saved
    else:
        yield Path(server_file)


if versions_file is not None or server_file:
    file_name = versions_file.name if versions_file is not None else Path(server_file).name
    recorder = dataclasses.replace(person, name=(by or "").strip())
    con = warehouse.shared_connection(warehouse.configured_path())
    try:
        with versions_on_disk() as on_disk:
            checked = agreement_file.load(con, on_disk, recorder, now, dates=file_dates, name=file_name, dry_run=True)
    except (agreement_file.AgreementFileRefused, readers.FileRefused, OSError) as e:
        st.error("Nothing was added. " + "  \n".join(formats.md(line) for line in str(e).splitlines()),
                 icon=":material/block:")
    else:
        first_line, *version_lines = agreement_file.summary(checked, dry_run=True).splitlines()
        st.markdown(formats.md(first_line) + "".join(f"\n- {formats.md(v.strip())}" for v in version_lines))
        if checked.added:
            since = checked.added[0][0]
            if since <= today:
                count = int(dashboard.query("mqls_since", {"since": since}).iloc[0]["mql_count"])
                st.caption(f"The {mqls(count)} since {day(since)} will be judged by these versions." if count
                           else f"No MQL has arrived since {day(since)}, so none is judged anew.")
            if st.button(f"Add {len(checked.added):,} version{'' if len(checked.added) == 1 else 's'}",
                         key="def_file_save", type="primary", icon=":material/upload_file:"):
                try:
                    if not recorder.name:
                        raise agreements.AgreementError(
                            "Type your name in 'Recorded by' above: every version keeps who wrote it down.")
                    with versions_on_disk() as on_disk:
                        added = agreement_file.load(con, on_disk, recorder, now, dates=file_dates, name=file_name)
                except (agreement_file.AgreementFileRefused, agreements.AgreementError, access.Refused) as e:
                    st.error(str(e))
                else:
                    st.session_state["def_restart"] = True
                    st.session_state["def_notice"] = agreement_file.summary(added, dry_run=False).splitlines()[0]
                    st.rerun()
