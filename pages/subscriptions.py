"""The digest by email and Slack: who gets the weekly meeting's numbers, when, and what became of each message."""

from datetime import datetime, timezone
from urllib.parse import urlsplit

import streamlit as st

from handshake import access, dashboard, subscriptions, warehouse
from handshake.formats import md

dashboard.ensure_app_ran()
st.title("Digest by email and Slack")
tz = dashboard.filters().tz
st.caption(  # only the zone is the organisation's: escaped alone, so the command keeps its code format
    "The weekly digest is the Weekly joint meeting's pack of the last complete week, for the whole organisation: by "
    "email with the pack as a PDF, in Slack as the scorecard. It goes out on each subscription's weekday and hour "
    f"({md(tz)}) when `python -m handshake send` runs, from cron every few minutes; each message once to each "
    "recipient.")
if "sub_notice" in st.session_state:  # what the last click did, said after its rerun
    st.success(st.session_state.pop("sub_notice"))


def shown_recipient(channel: str, recipient: str) -> str:
    """A webhook's address is the key to its channel: shown by its host and last characters only."""
    if channel == "email":
        return recipient
    return f"Slack webhook {urlsplit(recipient).hostname} …{recipient[-4:]}"


listed = dashboard.query("subscriptions")
st.subheader("Subscriptions")
if listed.empty:
    st.info("Nobody gets the digest yet.", icon=":material/forward_to_inbox:")
else:
    st.dataframe(listed.assign(
        recipients=[", ".join(shown_recipient(c, r) for r in rs) for c, rs in zip(listed["channel"], listed["recipients"])],
        when=[f"{subscriptions.WEEKDAYS[d].capitalize()} {h:02d}:00" for d, h in zip(listed["weekday"], listed["hour"])],
    )[["subscription_id", "channel", "recipients", "when", "active", "sent_count", "queued_count", "failed_count"]],
        hide_index=True, column_config={
        "subscription_id": "#", "channel": "Channel", "recipients": "To", "when": f"When ({tz})",
        "active": "Active", "sent_count": "Sent", "queued_count": "Waiting", "failed_count": "Failed"})

recent = dashboard.query("outbox_recent", {"limit": 50})
if not recent.empty:
    st.subheader("Latest messages")
    st.dataframe(recent.assign(recipient=[shown_recipient(c, r) for c, r in zip(recent["channel"], recent["recipient"])])[
        ["period_key", "recipient", "state", "attempts", "last_error", "next_attempt_at", "sent_at"]],
        hide_index=True, placeholder="–", column_config={
        "period_key": "Week", "recipient": "To", "state": "State", "attempts": "Attempts", "last_error": "Last problem",
        "next_attempt_at": st.column_config.DatetimeColumn("Next try (UTC)", format="D MMM HH:mm"),
        "sent_at": st.column_config.DatetimeColumn("Sent (UTC)", format="D MMM HH:mm")})

if not dashboard.cannot("subscriptions"):
    con = warehouse.shared_connection(warehouse.configured_path())
    adding, removing = st.columns(2)
    with adding.form("add_subscription", border=True):
        st.markdown("**Subscribe**")
        channel = st.radio("Channel", subscriptions.CHANNELS, horizontal=True, key="sub_channel",
                           format_func=lambda c: "Email" if c == "email" else "Slack")
        recipients = st.text_area("To", key="sub_to", help="Email addresses, one a line; or a Slack incoming-webhook "
                                                            "URL (https://hooks.slack.com/services/...).")
        weekday = st.selectbox("Weekday", subscriptions.WEEKDAYS, key="sub_weekday", format_func=str.capitalize)
        hour = st.number_input(f"Hour ({tz})", min_value=0, max_value=23, value=8, step=1, key="sub_hour")
        if st.form_submit_button("Subscribe", key="sub_add", icon=":material/add:"):
            try:
                made = subscriptions.add(con, "digest", channel, recipients.splitlines(), weekday, int(hour),
                                         dashboard.person(), datetime.now(timezone.utc).replace(tzinfo=None))
                st.session_state["sub_notice"] = f"Subscription {made} added."
                st.rerun()
            except (subscriptions.SubscriptionError, access.Refused) as e:
                st.error(str(e))
    active = listed[listed["active"]]["subscription_id"].tolist() if not listed.empty else []
    with removing.container(border=True):
        st.markdown("**Remove a subscription**")
        picked = st.selectbox("Subscription", active, index=None, key="sub_remove_pick", placeholder="Choose one")
        if st.button("Remove", key="sub_remove", disabled=picked is None, icon=":material/delete:"):
            try:
                subscriptions.deactivate(con, picked, dashboard.person())
                st.session_state["sub_notice"] = f"Subscription {picked} removed; what it was sent stays listed."
                st.rerun()
            except (subscriptions.SubscriptionError, access.Refused) as e:
                st.error(str(e))
