"""The weekly digest: the meeting pack of the last complete week, built without the dashboard running (the same
figures and sentences as the Weekly meeting page, for the whole organisation)."""

from datetime import datetime

from handshake import kpis, meeting, pack, queries, warehouse


def build(con, week: meeting.Week, now: datetime) -> pack.Pack:
    """The pack of `week` as the page makes it with no filter set."""
    about = warehouse.meta(con)
    tz, currency = warehouse.organisation_timezone(about), warehouse.organisation_currency(about)

    def run_many(calls):
        return queries.run_many(con, calls)

    last_lead = kpis.clean(queries.run(con, "data_range").iloc[0]["last_lead_date"])
    parts = meeting.week_pack_parts(run_many, week, {}, tz, now, last_lead.date() if last_lead is not None else None,
                                    currency)
    return parts.pack(" · ".join(filter(None, [meeting.EVERYONE, f"days in {tz}", parts.cut_short])))


def summary(week_pack: pack.Pack) -> str:
    """The scorecard in a few plain lines, for a chat message: one KPI a line, this week against the agreed level."""
    lines = [week_pack.title]
    for row in week_pack.scorecard.drop(columns="meets").to_dict("records"):
        change = "" if row["Change"] in ("–", None) else f" ({row['Change']})"
        lines.append(f"• {row['KPI']}: {row['This week']}{change} · {row['Agreed level']}")
    return "\n".join(lines)
