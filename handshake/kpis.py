"""The shared KPIs: what each one means, where its number comes from, and the headline set for a period."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


@dataclass(frozen=True)
class Kpi:
    name: str  # the column of its query, and its key in `python -m handshake kpis`
    label: str
    unit: str  # a key of UNITS: "count", "rate" (a 0-1 share shown as %), "eur", "hours", "days", "ratio", "score"
    query: str
    owner: str  # "marketing", "sales" or "shared"
    definition: str
    formula: str
    target: str | None = None  # the column holding the KPI's target, when it has one


# The glossary: every KPI Handshake shows, once. Each area's page adds its own section below.
HEADLINE = (
    Kpi(
        "mql_count", "MQLs delivered", "count", "kpi_mql_cohort", "marketing",
        "Leads that became marketing-qualified (MQL) in the period, by the score threshold then agreed.",
        "count of leads with an MQL time in the period",
        target="mql_target",
    ),
    Kpi(
        "sla_compliance_rate", "First touch within SLA", "rate", "kpi_mql_cohort", "sales",
        "Share of the period's MQLs that sales first touched within the first-touch SLA in force when "
        "the lead became an MQL, counted from assignment (or from MQL when the hand-off time is missing). "
        "Leads whose SLA clock is still running are not judged yet; MQLs with no SLA agreed are left out.",
        "touched within SLA / (touched within SLA + breached)",
    ),
    Kpi(
        "acceptance_rate", "Acceptance rate", "rate", "kpi_mql_cohort", "shared",
        "Of the period's MQLs that sales has decided on, the share it accepted (SAL) rather than rejected. "
        "MQLs still undecided are left out, so slow follow-up does not pass for bad leads.",
        "accepted / (accepted + rejected)",
    ),
    Kpi(
        "mql_to_won_rate", "MQL to won", "rate", "kpi_mql_cohort", "shared",
        "Share of the period's MQLs that have become won deals so far. Recent periods rise as their "
        "deals close: compare periods of the same age.",
        "MQLs with a won opportunity / MQLs",
    ),
    Kpi(
        "open_pipeline_eur", "Open pipeline", "eur", "kpi_open_pipeline", "sales",
        "Value of the opportunities open at the end of the period: created before it ended and not closed by then.",
        "sum of amount over opportunities open at period end",
    ),
    Kpi(
        "revenue_eur", "Revenue", "eur", "kpi_revenue", "shared",
        "Revenue booked in the period, from won deals.",
        "sum of bookings dated in the period",
        target="revenue_target_eur",
    ),
    Kpi(
        "marketing_sourced_revenue_share", "Marketing-sourced revenue", "rate", "kpi_revenue", "marketing",
        "Share of the period's revenue whose deal traces back to a lead that marketing generated. "
        "Revenue from deals with no lead counts in the total but for neither side.",
        "revenue from marketing-sourced leads / all revenue",
    ),
)

FUNNEL = ()

FOLLOW_UP = ()

LEAD_QUALITY = ()

CAMPAIGNS = ()

KPIS = HEADLINE + FUNNEL + FOLLOW_UP + LEAD_QUALITY + CAMPAIGNS
BY_NAME = {k.name: k for k in KPIS}
UNITS = {"count": "", "rate": "a share, 0 to 100%", "eur": "euros", "hours": "hours", "days": "days",
         "ratio": "a multiple (x)", "score": "1 to 5"}


def help_text(name: str) -> str:
    """The glossary entry of a KPI, as the help of every number that shows it."""
    k = BY_NAME[name]
    return (f"{k.definition}\n\n**Formula:** {k.formula}\n\n**Owner:** {k.owner} · "
            f"**Query:** `queries/{k.query}.sql`")
DEFAULT_PERIOD_DAYS = 90


def current_time() -> datetime:
    """Now in UTC, to the quarter hour: SLA judgements need the time, caches need it to hold still."""
    now = datetime.now(timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    return now.replace(minute=now.minute - now.minute % 15)


def default_period(last_lead_date: date | None) -> tuple[date, date]:
    """The last 90 days up to the newest lead (inclusive both ends), or up to today when there is none."""
    end = last_lead_date or datetime.now(timezone.utc).date()
    return end - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before [start, end] (inclusive)."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def query_params(start: date, end: date, filters: dict | None = None, grain: str = "total") -> dict:
    """The bound parameters every KPI query takes; end is inclusive here and exclusive in SQL."""
    filters = filters or {}
    return {
        "start": start,
        "end": end + timedelta(days=1),
        "grain": grain,
        "segment": filters.get("segment"),
        "region": filters.get("region"),
        "source": filters.get("source"),
        "now": filters.get("now") or current_time(),
    }


def clean(value):
    """None for missing numbers (NULL arrives from pandas as NaN or NA), plain Python numbers otherwise."""
    if value is None:
        return None
    try:
        if value != value or (isinstance(value, float) and math.isinf(value)):
            return None
    except TypeError:  # pandas.NA refuses comparison
        return None
    return value.item() if hasattr(value, "item") else value


def headline(run, params: dict) -> dict:
    """Each headline KPI and its target for one period, from one run of each query.

    run(name, params) returns a query's rows; the dashboard passes its cached runner and the
    command line a direct one, so both show the same numbers."""
    rows = {}
    for query in dict.fromkeys(k.query for k in HEADLINE):
        frame = run(query, dict(params, grain="total"))
        rows[query] = frame.iloc[0].to_dict() if len(frame) else {}
    values = {}
    for k in HEADLINE:
        values[k.name] = clean(rows[k.query].get(k.name))
        if k.target:
            values[k.target] = clean(rows[k.query].get(k.target))
    return values
