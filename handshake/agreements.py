"""The joint agreement's versions: checked, then appended; a stored version is never changed or deleted."""

import math
from datetime import date, datetime

import pandas as pd

from handshake import access, formats, queries, warehouse

# each term: its label, whether it is a whole number, and how a value of it reads (money in the organisation's
# currency, the second argument)
TERMS = {
    "mql_score_threshold": ("MQL score threshold", True, lambda v, c: f"{v:,.0f}"),
    "first_touch_sla_hours": ("first-touch SLA", False, lambda v, c: f"{v:,g} h"),
    "min_attempts": ("minimum attempts", True, lambda v, c: f"{v:,.0f}"),
    "monthly_mql_target": ("monthly MQL target", True, lambda v, c: f"{v:,.0f}"),
    "monthly_revenue_target_eur": ("monthly revenue target", False,
                                   lambda v, c: f"{formats.prefix(c)}{v:,.0f}" if float(v).is_integer()
                                   else f"{formats.prefix(c)}{v:,.2f}"),
    "recycle_days": ("recycle term", True, lambda v, c: f"{v:,.0f} day{'' if v == 1 else 's'}"),
}
# what each term accepts, with what to do when it is outside; None is always accepted (not agreed)
LIMITS = {
    "mql_score_threshold": (0, 100, "The MQL score threshold is a whole number from 0 to 100: the lead score from "
                                    "which marketing hands a lead to sales. Leave it empty if none is agreed."),
    "first_touch_sla_hours": (None, 720, "The first-touch SLA is a number of hours above 0 and at most 720 (30 days), "
                                         "for example 24. Leave it empty if none is agreed."),
    "min_attempts": (1, 20, "The minimum number of attempts is a whole number from 1 to 20: how often sales try to "
                            "reach a lead before rejecting it. Leave it empty if none is agreed."),
    "monthly_mql_target": (0, 1_000_000_000, "The monthly MQL target is a whole number of MQLs, 0 or more. "
                                             "Leave it empty if none is agreed."),
    "monthly_revenue_target_eur": (0, 999_999_999_999, "The monthly revenue target is an amount in the organisation's currency, 0 or more "
                                                       "(below a trillion). Leave it empty if none is agreed."),
    "recycle_days": (7, 730, "The recycle term is a whole number of days from 7 to 730 (two years): an MQL with no "
                             "progress for that long is recycled, closed as neither won nor in play. Leave it empty "
                             "if none is agreed."),
}


# the terms a version may also agree for a region and/or a segment (schema 13); the others hold for everyone
TARGET_TERMS = ("monthly_mql_target", "monthly_revenue_target_eur")
SCOPES = ("region", "segment")


class AgreementError(ValueError):
    """A version that cannot be stored as given; the message says what to change."""


def check(effective_date: date | None, terms: dict, by: str | None, latest: date | None = None,
          targets: list[dict] = (), unowned_to: str | None = None) -> None:
    """Refuse a version with no date, a date not after the latest version's, a term or target out of range, an
    address for the MQLs without an owner that is not one, or no name."""
    if not isinstance(effective_date, date):
        raise AgreementError("Choose the date this version takes effect.")
    if latest is not None and effective_date <= latest:
        raise AgreementError(
            f"The new version must take effect after {latest.day} {latest:%b %Y}, when the latest version took effect: "
            "a version is never rewritten, only followed by a newer one. Choose a later date.")
    for name, value in terms.items():
        check_term(name, value)
    check_targets(targets)
    check_unowned_to(unowned_to)
    if not (by or "").strip():
        raise AgreementError("Type your name in 'Recorded by': every version keeps who wrote it down.")


def check_unowned_to(address: str | None) -> None:
    if address is not None and not access.ADDRESS.fullmatch(address):
        raise AgreementError(f"'{address}' is not an email address: name who takes the MQLs without an owner by "
                             "one address, such as lead-desk@example.com, or leave it empty.")


def stored_unowned_to(row) -> str | None:
    """Who a stored version names for the MQLs without an owner (None: nobody)."""
    value = row.get("unowned_leads_to") if hasattr(row, "get") else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def check_term(name: str, value) -> None:
    """Refuse a term that is no term of the agreement, or a value outside what it accepts (None: not agreed)."""
    if name not in LIMITS:
        raise AgreementError(f"{name!r} is not a term of the agreement; the terms are {', '.join(LIMITS)}.")
    if value is None:
        return
    low, high, message = LIMITS[name]
    whole = TERMS[name][1]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AgreementError(message) from None
    if (isinstance(value, bool) or not math.isfinite(number) or (whole and not number.is_integer())
            or number > high or (number < low if low is not None else number <= 0)):
        raise AgreementError(message)


def scope(target: dict) -> str:
    """Whom a target is for, as a reader says it: "region North", "segment SMB in region North"."""
    region, segment = target.get("region"), target.get("segment")
    if region and segment:
        return f"segment {segment} in region {region}"
    return f"region {region}" if region else f"segment {segment}"


def check_targets(targets: list[dict]) -> None:
    """Refuse a target that names no region or segment, agrees nothing, holds a value out of range, or repeats
    another's region and segment."""
    seen = set()
    for target in targets:
        key = tuple((target.get(s) or None) for s in SCOPES)
        if key == (None, None):
            raise AgreementError("A target for part of the organisation names a region, a segment or both; the "
                                 "whole organisation's targets are the version's own terms.")
        if all(target.get(name) is None for name in TARGET_TERMS):
            raise AgreementError(f"The target for {scope(target)} agrees neither an MQL nor a revenue target: give "
                                 "one, or remove the row.")
        for name in TARGET_TERMS:
            try:
                check_term(name, target.get(name))
            except AgreementError as e:
                raise AgreementError(f"For {scope(target)}: {e}") from None
        if key in seen:
            raise AgreementError(f"Two targets for {scope(target)}: keep one.")
        seen.add(key)


def stored_targets(rows) -> list[dict]:
    """Targets from query rows (a DataFrame or dicts) as plain Python, in a steady order: region, segment, ints,
    floats, None when not agreed."""
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    found = []
    for row in records:
        target = {s: (None if row.get(s) is None or pd.isna(row.get(s)) or not str(row.get(s)).strip()
                      else str(row.get(s)).strip()) for s in SCOPES}
        for name in TARGET_TERMS:
            value = row.get(name)
            target[name] = None if value is None or pd.isna(value) else int(value) if TERMS[name][1] else float(value)
        found.append(target)
    return sorted(found, key=lambda g: (g["region"] or "", g["segment"] or ""))


def stored_terms(row) -> dict:
    """A version's terms from a query row as plain Python: ints, floats, None when not agreed."""
    terms = {}
    for name, (_, whole, _) in TERMS.items():
        value = row.get(name) if hasattr(row, "get") else row[name]
        missing = value is None or pd.isna(value)
        terms[name] = None if missing else int(value) if whole else float(value)
    return terms


def changes(previous: dict | None, terms: dict, currency: str = "EUR", previous_targets: list[dict] = (),
            targets: list[dict] = ()) -> list[str]:
    """What a new version changes against the one before, one phrase per term, in the terms' order, then one per
    target of a region or segment."""
    if previous is None:
        return []
    said = []
    for name, (label, _, show) in TERMS.items():
        old, new = previous.get(name), terms.get(name)
        if old != new:
            said.append(f"{label} {'not agreed' if old is None else show(old, currency)} → "
                        f"{'not agreed' if new is None else show(new, currency)}")
    def keyed(found):
        return {tuple(g.get(s) for s in SCOPES): g for g in found}
    old_targets, new_targets = keyed(previous_targets), keyed(targets)
    for key in sorted(old_targets.keys() | new_targets.keys(), key=lambda k: tuple(v or "" for v in k)):
        old, new = old_targets.get(key, {}), new_targets.get(key, {})
        for name in TARGET_TERMS:
            label, _, show = TERMS[name]
            if old.get(name) != new.get(name):
                said.append(f"{label} for {scope(dict(zip(SCOPES, key)))} "
                            f"{'not agreed' if old.get(name) is None else show(old[name], currency)} → "
                            f"{'not agreed' if new.get(name) is None else show(new[name], currency)}")
    return said


def summary(terms: dict, currency: str = "EUR", targets: list[dict] = (), unowned_to: str | None = None) -> list[str]:
    """The terms as sentences a leader reads out (markdown), money in the organisation's currency; a term not
    agreed says so. Then who takes the MQLs without an owner, when named, and one sentence per target agreed for a
    region or segment."""
    threshold, sla, attempts = terms["mql_score_threshold"], terms["first_touch_sla_hours"], terms["min_attempts"]
    mql_target, revenue_target = terms["monthly_mql_target"], terms["monthly_revenue_target_eur"]
    recycle = terms.get("recycle_days")
    # the CRM marks a lead an MQL; the threshold is what was agreed, and the MQLs below it are counted
    lines = [f"A lead is ready for sales (an MQL) from a lead score of **{threshold}**; the MQLs handed over "
             "below it are counted on the Lead quality and Warehouse pages."
             if threshold is not None
             else "**No MQL score threshold** is agreed: nobody has said when a lead is ready for sales."]
    touch = f"within **{sla:g} hour{'' if sla == 1 else 's'}** of the hand-off" if sla is not None else None
    tries = f"at least **{attempts} attempt{'' if attempts == 1 else 's'}**" if attempts is not None else None
    if touch and tries:
        lines.append(f"Sales first touch each MQL {touch} and make {tries} before rejecting it.")
    else:
        lines.append(f"Sales first touch each MQL {touch}." if touch else "**No first-touch SLA** is agreed.")
        lines.append(f"Sales make {tries} before rejecting an MQL." if tries
                     else "**No minimum number of attempts** is agreed.")
    if unowned_to:
        lines.append(f"MQLs without an owner go to **{formats.md(unowned_to)}** (in the daily SLA-breach alerts).")
    lines.append(f"An MQL with no progress for **{TERMS['recycle_days'][2](recycle, currency)}** is recycled: closed, neither "
                 "won nor in play." if recycle is not None
                 else "**No recycle term** is agreed: an MQL without progress stays in play.")
    lines.append(f"Marketing delivers **{mql_target:,} MQL{'' if mql_target == 1 else 's'} a month**."
                 if mql_target is not None else "**No monthly MQL target** is agreed.")
    lines.append(f"Together they aim at **{formats.md(TERMS['monthly_revenue_target_eur'][2](revenue_target, currency))} "
                 "revenue a month**." if revenue_target is not None else "**No shared revenue target** is agreed.")
    for target in targets:
        mqls, money = target["monthly_mql_target"], target["monthly_revenue_target_eur"]
        agreed = [f"**{mqls:,} MQL{'' if mqls == 1 else 's'}**" if mqls is not None else None,
                  f"**{formats.md(TERMS['monthly_revenue_target_eur'][2](money, currency))} revenue**"
                  if money is not None else None]
        lines.append(f"For {formats.md(scope(target))}: {' and '.join(a for a in agreed if a)} a month.")
    return lines


# a KPI query's target column, as a sentence names the target
TARGET_WORDS = {"mql_target": "MQL", "revenue_target_eur": "revenue"}


def filtered(values: dict) -> str | None:
    """The filters (segment/region/source -> code or None) as a reader says them: "region North", "segment SMB in
    region North", "region North and source Paid search"; None when none is set."""
    said = [scope({s: values.get(s) for s in SCOPES})] if any(values.get(s) for s in SCOPES) else []
    if values.get("source"):
        said.append(f"source {formats.words(values['source'])}")
    return " and ".join(said) or None


def no_target(target: str, values: dict) -> str:
    """Why a view shows no target for a KPI (target: the query's target column; values: the filters, segment/
    region/source -> code or None): targets are agreed for the organisation, a region, a segment or both, never
    for a source."""
    kpi_label = TARGET_WORDS[target]
    if values.get("source"):
        return f"No {kpi_label} target: targets are agreed for a region or segment, never for a source."
    if not filtered(values):
        return f"No {kpi_label} target was agreed for all of this period."
    return f"No {kpi_label} target agreed for {formats.md(filtered(values))} over this period."


def add_version(con, effective_date: date, terms: dict, by: access.Person, note: str | None, at: datetime,
                targets: list[dict] = (), unowned_to: str | None = None) -> list[str]:
    """Append a version taking effect on effective_date, with its targets for regions and segments and who takes
    the MQLs without an owner, recorded by `by` at `at` (UTC); returns what it changes against the version before
    (empty for the first). All or nothing."""
    unowned_to = (unowned_to or "").strip() or None
    terms = dict.fromkeys(TERMS) | terms  # a term left out is not agreed
    targets = stored_targets(targets)
    with warehouse.transaction(con, by, "agreements") as cur:
        # read the latest version inside this transaction, so two sessions cannot both follow it
        history = cur.execute(queries.sql("agreements_history")).df()
        latest = pd.Timestamp(history.iloc[0]["effective_date"]).date() if len(history) else None
        check(effective_date, terms, by.name, latest, targets, unowned_to)
        insert(cur, effective_date, terms, by.name, note, at, targets, unowned_to)
        rejudge(cur, effective_date)
        currency = warehouse.organisation_currency(warehouse.meta(cur))
        before = targets_of(cur, latest) if latest is not None else []
    said = changes(stored_terms(history.iloc[0]) if len(history) else None, terms, currency, before, targets)
    previous = stored_unowned_to(history.iloc[0]) if len(history) else None
    if len(history) and previous != unowned_to:
        said.append(f"MQLs without an owner to {previous or 'nobody named'} → {unowned_to or 'nobody named'}")
    return said


def targets_of(cur, effective_date: date) -> list[dict]:
    """The targets for regions and segments that the version of effective_date agreed."""
    found = cur.execute(queries.sql("agreement_targets_history")).df()
    return stored_targets(found[found["effective_date"] == pd.Timestamp(effective_date)])


def insert(cur, effective_date: date, terms: dict, changed_by: str, note: str | None, at: datetime,
           targets: list[dict] = (), unowned_to: str | None = None) -> None:
    """Write one checked version, and its targets for regions and segments, on the write transaction's cursor."""
    cur.execute(queries.sql("agreement_insert"), queries.bind("agreement_insert", dict(
        dict.fromkeys(TERMS) | terms, effective_date=effective_date, changed_by=changed_by.strip(), changed_at=at,
        note=(note or "").strip() or None, unowned_leads_to=unowned_to)))
    for target in targets:
        cur.execute(queries.sql("agreement_target_insert"), queries.bind(
            "agreement_target_insert", dict(target, effective_date=effective_date)))


def rejudge(cur, since: date) -> None:
    """The leads that became MQLs from `since` on are judged by the new versions: recompute their facts."""
    warehouse.refresh_lead_facts(cur, "select lead_id from leads where mql_at >= $day", {"day": since})
