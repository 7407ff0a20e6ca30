"""The weekly digest: the meeting pack of the last complete week, built without the dashboard running (the same
figures and sentences as the Weekly meeting page, for the whole organisation)."""

from datetime import datetime

from handshake import kpis, meeting, pack, queries, warehouse

ALL = "All segments, regions and sources"


def build(con, week: meeting.Week, now: datetime) -> pack.Pack:
    """The pack of `week` as the page makes it with no filter set."""
    about = warehouse.meta(con)
    tz, currency = warehouse.organisation_timezone(about), warehouse.organisation_currency(about)

    def run_many(calls):
        return queries.run_many(con, calls)

    last_lead = kpis.clean(queries.run(con, "data_range").iloc[0]["last_lead_date"])
    last_day = last_lead.date() if last_lead is not None else None
    card = meeting.scorecard(run_many, week, {}, tz, now, last_day)
    present = kpis.present_inputs(queries.run(con, "data_inputs").iloc[0].to_dict())
    missing = {name: kpis.missing_inputs(kpis.BY_NAME[name], present) for name in card["kpi"]}
    params = meeting.params(week, {}, tz, now)
    agreement_rows, breaches, spikes, postmortems, listed = run_many([
        ("agreement_in_force", {"day": week.sunday}),
        ("meeting_sla_breaches", params),
        ("meeting_rejection_spikes", dict(params, min_count=meeting.SPIKE_MIN_COUNT, spike_ratio=meeting.SPIKE_RATIO)),
        ("meeting_postmortems_due", params),
        ("meeting_actions", params),
    ])
    if missing["sla_compliance_rate"]:  # without touches every MQL would look like a breach
        breaches = breaches.head(0)
    agreement = ({k: kpis.clean(v) for k, v in agreement_rows.iloc[0].to_dict().items()}
                 if len(agreement_rows) else {})
    promised = meeting.commitments(card, agreement, missing)
    items = meeting.agenda(card, breaches, spikes, postmortems, listed, missing, currency)
    note = meeting.cut_short_note(week, meeting.days_in(week, tz, now, last_day), tz, now, last_day)
    subtitle = " · ".join(filter(None, [ALL, f"days in {tz}", note]))
    return meeting.build_pack(week, subtitle, card, promised, items,
                              meeting.tables(breaches, spikes, postmortems, listed, tz), missing, currency)


def summary(week_pack: pack.Pack) -> str:
    """The scorecard in a few plain lines, for a chat message: one KPI a line, this week against the agreed level."""
    lines = [week_pack.title]
    for row in week_pack.scorecard.drop(columns="meets").to_dict("records"):
        change = "" if row["Change"] in ("–", None) else f" ({row['Change']})"
        lines.append(f"• {row['KPI']}: {row['This week']}{change} · {row['Agreed level']}")
    return "\n".join(lines)

