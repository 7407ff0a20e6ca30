"""The digest and alerts by email and Slack: who gets the weekly meeting's numbers, their own SLA breaches and a KPI's
alerts, when, and what became of each message."""

from datetime import datetime, timezone
from urllib.parse import urlsplit

import streamlit as st

from handshake import access, breaches, dashboard, kpi_alerts, kpis, subscriptions, warehouse
from handshake.formats import md, words

dashboard.ensure_app_ran()
st.title("Digest and alerts")
tz = dashboard.filters().tz
st.caption(  # only the zone is the organisation's: escaped alone, so the command keeps its code format
    "Three kinds of message by email and Slack, each sent when `python -m handshake send` runs (from cron or a "
    "systemd timer every few minutes; the README says how), each message once to each recipient. The **weekly "
    "digest** is the Weekly joint meeting's pack of the last complete week for the whole organisation, on a weekday "
    "and hour: by email with the pack as a PDF, in Slack as the scorecard. **SLA-breach alerts** go daily at an "
    "hour: each rep named gets only their own leads on the Follow-up page's accountability list (the MQLs of the "
    f"last {breaches.WINDOW_DAYS} days), each head named the summary of their team, whoever the agreement names the "
    "MQLs without an owner, and the recipients the rest. A **KPI alert** is sent when its rule on a KPI of the last "
    f"complete week starts to hold, not again while it holds. Hours are the organisation's ({md(tz)}).")
if "sub_notice" in st.session_state:  # what the last click did, said after its rerun
    st.success(st.session_state.pop("sub_notice"))

KIND_LABELS = {"digest": "Weekly digest", "sla_breach": "SLA-breach alert", "kpi_alert": "KPI alert"}


def shown_recipient(channel: str, recipient: str) -> str:
    """A webhook's address is the key to its channel: shown by its host and last characters only."""
    if channel == "email":
        return recipient
    return f"Slack webhook {urlsplit(recipient).hostname} …{recipient[-4:]}"


def when(row) -> str:
    if row["kind"] == "digest":
        return f"{subscriptions.WEEKDAYS[int(row['weekday'])].capitalize()} {int(row['hour']):02d}:00"
    return f"Daily {int(row['hour']):02d}:00" if row["kind"] == "sla_breach" else "When it starts to hold"


def what(row) -> str:
    if row["kind"] == "kpi_alert":
        return kpi_alerts.rule_text(row, dashboard.currency())
    if row["kind"] == "sla_breach":
        people = [p["person"] for p in row["people"]]
        return (f"Their own leads to {len(people)} people by name; the rest to the recipients" if people
                else "The list's headline (no rep's own leads)")
    return "The meeting pack of the last complete week"


def subscribe(kind: str, channel: str, recipients: str, weekday=None, hour=None, people=None, rule=None,
              with_csv: bool = False):
    con = warehouse.shared_connection(warehouse.configured_path())
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    """Store it, or say on the page what to change; with sign-in set up, recipients are checked against the
    roles."""
    settings = dashboard.secrets_section("handshake") if dashboard.secrets_section("auth") else {}
    try:
        made = subscriptions.add(con, kind, channel, recipients.splitlines(), weekday, hour, dashboard.person(),
                                 now, people=people, rule=rule, roles=settings.get("roles"),
                                 rep_level_roles=settings.get("rep_level_roles"), with_csv=with_csv)
        st.session_state["sub_notice"] = f"Subscription {made} added."
        st.rerun()
    except (subscriptions.SubscriptionError, access.Refused) as e:
        st.error(str(e))


def channel_and_recipients(key: str, to_help: str):
    channel = st.radio("Channel", subscriptions.CHANNELS, horizontal=True, key=f"{key}_channel",
                       format_func=lambda c: "Email" if c == "email" else "Slack")
    recipients = st.text_area("To", key=f"{key}_to", help=to_help)
    return channel, recipients


listed = dashboard.query("subscriptions")
records = subscriptions.with_people(listed, dashboard.query("subscription_people"))
st.subheader("Subscriptions")
if listed.empty:
    st.info("Nobody gets the digest or an alert yet.", icon=":material/forward_to_inbox:")
else:
    st.dataframe(listed.assign(
        kind=[KIND_LABELS[r["kind"]] for r in records], what=[what(r) for r in records],
        recipients=[", ".join(shown_recipient(r["channel"], x) for x in r["recipients"]) for r in records],
        when=[when(r) for r in records],
    )[["subscription_id", "kind", "when", "channel", "recipients", "what", "active", "sent_count", "queued_count",
       "failed_count"]],
        hide_index=True, column_config={
        "subscription_id": "#", "kind": "Kind", "when": f"When ({tz})", "channel": "Channel",
        "recipients": st.column_config.TextColumn("To", width="medium"),
        "what": st.column_config.TextColumn("What", width="large"), "active": "Active", "sent_count": "Sent",
        "queued_count": "Waiting", "failed_count": "Failed"})

recent = dashboard.query("outbox_recent", {"limit": 50})
if not recent.empty:
    st.subheader("Latest messages")
    for state, say, icon in (("failed", st.error, ":material/error:"), ("queued", st.warning, ":material/schedule:")):
        stuck = recent[(recent["state"] == state) & recent["last_error"].notna()]
        if len(stuck):  # the commonest reason first: usually one cause (no mail server, a revoked webhook) for all
            reason = stuck["last_error"].value_counts().index[0]
            said = "failed for good" if state == "failed" else "wait to be tried again"
            say(f"{len(stuck):,} of the latest {len(recent):,} messages {said}; the commonest reason: {md(reason)}",
                icon=icon)
    shown = recent.assign(  # a next try only for what still waits for one
        recipient=[shown_recipient(c, r) for c, r in zip(recent["channel"], recent["recipient"])],
        next_attempt_at=recent["next_attempt_at"].where(recent["state"] == "queued"))
    st.dataframe(shown[["subscription_id", "period_key", "recipient", "state", "attempts", "next_attempt_at", "sent_at",
                        "last_error"]],
        hide_index=True, placeholder="–", column_config={
        "subscription_id": "#", "period_key": st.column_config.TextColumn(
            "For", help="A digest's week, an SLA-breach alert's day, the week a KPI alert's rule started to hold."),
        "recipient": "To", "state": "State", "attempts": "Attempts", "last_error": "Last problem",
        "next_attempt_at": st.column_config.DatetimeColumn("Next try (UTC)", format="D MMM HH:mm"),
        "sent_at": st.column_config.DatetimeColumn("Sent (UTC)", format="D MMM HH:mm")})

if not dashboard.cannot("subscriptions"):
    con = warehouse.shared_connection(warehouse.configured_path())
    st.subheader("Subscribe or remove")
    digest_tab, breach_tab, kpi_tab, remove_tab = st.tabs(
        ["Subscribe to the digest", "SLA-breach alerts", "A KPI alert", "Remove a subscription"])


    with digest_tab.form("add_subscription", border=False):
        channel, recipients = channel_and_recipients("sub", "Email addresses, one a line; or a Slack incoming-webhook "
                                                            "URL (https://hooks.slack.com/services/...).")
        weekday = st.selectbox("Weekday", subscriptions.WEEKDAYS, key="sub_weekday", format_func=str.capitalize)
        hour = st.number_input(f"Hour ({tz})", min_value=0, max_value=23, value=8, step=1, key="sub_hour")
        with_csv = st.checkbox("Attach the CSVs too (email)", key="sub_csv",
                               help="The pack's scorecard, agenda and tables as CSV files in one ZIP, beside the PDF.")
        if st.form_submit_button("Subscribe", key="sub_add", icon=":material/add:"):
            subscribe("digest", channel, recipients, weekday, int(hour), with_csv=with_csv)

    with breach_tab.form("add_breach_alert", border=False):
        channel, recipients = channel_and_recipients(
            "breach", "Who gets the leads without an owner and those of reps not named below: email addresses, one "
                      "a line. To a Slack webhook goes the list's headline only (no rep's own leads).")
        people = st.text_area("People by name", key="breach_people", placeholder="Ana Ruiz=ana@example.com",
                              help="One a line, NAME=ADDRESS, the name as the reps list has it: a rep gets their own "
                                   "leads, a head of team the team's summary. Email only.")
        hour = st.number_input(f"Hour, daily ({tz})", min_value=0, max_value=23, value=8, step=1, key="breach_hour")
        if st.form_submit_button("Subscribe", key="breach_add", icon=":material/add:"):
            try:
                named = subscriptions.people_from([line for line in people.splitlines() if line.strip()])
                subscribe("sla_breach", channel, recipients, hour=int(hour), people=named)
            except subscriptions.SubscriptionError as e:
                st.error(str(e))

    with kpi_tab.form("add_kpi_alert", border=False):
        channel, recipients = channel_and_recipients("kpi", "Email addresses, one a line; or a Slack incoming-webhook "
                                                            "URL.")
        chosen = kpi_alerts.watchable()
        kpi = st.selectbox("KPI", [k.name for k in chosen], key="kpi_name",
                           format_func=lambda name: kpis.BY_NAME[name].label)
        rule = st.selectbox("Rule", kpi_alerts.RULES, key="kpi_rule", format_func=kpi_alerts.RULE_LABELS.get)
        threshold = st.number_input("Threshold", value=None, key="kpi_threshold",
                                    help="In the KPI's unit; a rate in % (60 for 60%); a change in % or points "
                                         "against the week before.")
        options = dashboard.query("filter_options")
        scope = {name: st.selectbox(name.capitalize(),
                                    [None] + options.loc[options["filter"] == name, "value"].tolist(),
                                    key=f"kpi_{name}", format_func=lambda v: "All" if v is None else words(v))
                 for name in ("segment", "region", "source")}
        if st.form_submit_button("Subscribe", key="kpi_add", icon=":material/add:"):
            subscribe("kpi_alert", channel, recipients, rule=dict(scope, kpi=kpi, rule=rule, threshold=threshold))

    active = listed[listed["active"]]["subscription_id"].tolist() if not listed.empty else []
    with remove_tab:
        picked = st.selectbox("Subscription", active, index=None, key="sub_remove_pick", placeholder="Choose one")
        if st.button("Remove", key="sub_remove", disabled=picked is None, icon=":material/delete:"):
            try:
                subscriptions.deactivate(con, picked, dashboard.person())
                st.session_state["sub_notice"] = f"Subscription {picked} removed; what it was sent stays listed."
                st.rerun()
            except (subscriptions.SubscriptionError, access.Refused) as e:
                st.error(str(e))
