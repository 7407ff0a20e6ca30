"""The joint agreement's versions: checked, then appended; a stored version is never changed or deleted."""

import math
from datetime import date, datetime

import pandas as pd

from handshake import access, queries, warehouse

# each term: its label, whether it is a whole number, and how a value of it reads
TERMS = {
    "mql_score_threshold": ("MQL score threshold", True, lambda v: f"{v:,.0f}"),
    "first_touch_sla_hours": ("first-touch SLA", False, lambda v: f"{v:,g} h"),
    "min_attempts": ("minimum attempts", True, lambda v: f"{v:,.0f}"),
    "monthly_mql_target": ("monthly MQL target", True, lambda v: f"{v:,.0f}"),
    "monthly_revenue_target_eur": ("monthly revenue target", False,
                                   lambda v: f"€{v:,.0f}" if float(v).is_integer() else f"€{v:,.2f}"),
}
# what each term accepts, with what to do when it is outside; None is always accepted (not agreed)
LIMITS = {
    "mql_score_threshold": (0, 100, "The MQL score threshold is a whole number from 0 to 100: the lead score "
                                    "from which a lead counts as marketing-qualified. Leave it empty if none is agreed."),
    "first_touch_sla_hours": (None, 720, "The first-touch SLA is a number of hours above 0 and at most 720 (30 days), "
                                         "for example 24. Leave it empty if none is agreed."),
    "min_attempts": (1, 20, "The minimum number of attempts is a whole number from 1 to 20: how often sales try to "
                            "reach a lead before rejecting it. Leave it empty if none is agreed."),
    "monthly_mql_target": (0, 1_000_000_000, "The monthly MQL target is a whole number of MQLs, 0 or more. "
                                             "Leave it empty if none is agreed."),
    "monthly_revenue_target_eur": (0, 999_999_999_999, "The monthly revenue target is an amount in euros, 0 or more "
                                                       "(below a trillion). Leave it empty if none is agreed."),
}


class AgreementError(ValueError):
    """A version that cannot be stored as given; the message says what to change."""


def check(effective_date: date | None, terms: dict, by: str | None, latest: date | None = None) -> None:
    """Refuse a version with no date, a date not after the latest version's, a term out of range or no name."""
    if not isinstance(effective_date, date):
        raise AgreementError("Choose the date this version takes effect.")
    if latest is not None and effective_date <= latest:
        raise AgreementError(
            f"The new version must take effect after {latest.day} {latest:%b %Y}, when the latest version took effect: "
            "a version is never rewritten, only followed by a newer one. Choose a later date.")
    for name, value in terms.items():
        if name not in LIMITS:
            raise AgreementError(f"{name!r} is not a term of the agreement; the terms are {', '.join(LIMITS)}.")
        if value is None:
            continue
        low, high, message = LIMITS[name]
        whole = TERMS[name][1]
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise AgreementError(message) from None
        if (isinstance(value, bool) or not math.isfinite(number) or (whole and not number.is_integer())
                or number > high or (number < low if low is not None else number <= 0)):
            raise AgreementError(message)
    if not (by or "").strip():
        raise AgreementError("Type your name in 'Recorded by': every version keeps who wrote it down.")


def stored_terms(row) -> dict:
    """A version's terms from a query row as plain Python: ints, floats, None when not agreed."""
    terms = {}
    for name, (_, whole, _) in TERMS.items():
        value = row.get(name) if hasattr(row, "get") else row[name]
        missing = value is None or pd.isna(value)
        terms[name] = None if missing else int(value) if whole else float(value)
    return terms


def changes(previous: dict | None, terms: dict) -> list[str]:
    """What a new version changes against the one before, one phrase per term, in the terms' order."""
    if previous is None:
        return []
    said = []
    for name, (label, _, show) in TERMS.items():
        old, new = previous.get(name), terms.get(name)
        if old != new:
            said.append(f"{label} {'not agreed' if old is None else show(old)} → "
                        f"{'not agreed' if new is None else show(new)}")
    return said


def add_version(con, effective_date: date, terms: dict, by: access.Person, note: str | None, at: datetime) -> list[str]:
    """Append a version taking effect on effective_date, recorded by `by` at `at` (UTC); returns what it
    changes against the version before (empty for the first). All or nothing."""
    terms = dict.fromkeys(TERMS) | terms  # a term left out is not agreed
    with warehouse.transaction(con, by, "agreements") as cur:
        # read the latest version inside this transaction, so two sessions cannot both follow it
        history = cur.execute(queries.sql("agreements_history")).df()
        latest = pd.Timestamp(history.iloc[0]["effective_date"]).date() if len(history) else None
        check(effective_date, terms, by.name, latest)
        cur.execute(queries.sql("agreement_insert"), queries.bind("agreement_insert", dict(
            terms, effective_date=effective_date, changed_by=by.name.strip(), changed_at=at,
            note=(note or "").strip() or None)))
        # the leads that became MQLs from that day on are judged by the new version
        warehouse.refresh_lead_facts(cur, "select lead_id from leads where mql_at >= $day", {"day": effective_date})
    return changes(stored_terms(history.iloc[0]) if len(history) else None, terms)
