"""The joint agreement from a file (CSV or .xlsx, one row per version): every row checked first, then the
new versions appended in one transaction, by the same rules as the Definitions page. A version already
stored is skipped, so importing the same file again changes nothing.

A row that names a region and/or a segment holds that version's monthly targets for them (schema 13): it belongs
to the version of its effective_date, whose own row (no region, no segment) the file must hold too."""

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd

from handshake import access, agreements, importer, mappings, queries, readers, warehouse

DATE, NOTE, BY = "effective_date", "note", "changed_by"
REGION, SEGMENT = agreements.SCOPES
# a term whose file column is named otherwise: the revenue target is in the organisation's currency, whatever the
# stored column says; the stored name is accepted too
FILE_NAMES = {"monthly_revenue_target_eur": "monthly_revenue_target"}
ALIASES = {named: term for term, named in FILE_NAMES.items()}
COLUMNS = [DATE, REGION, SEGMENT, *(FILE_NAMES.get(term, term) for term in agreements.TERMS), NOTE, BY]
MAX_NOTE, MAX_BY = 500, 100  # as on the Definitions page
# the importer's ways of writing a day: ISO, or day first or month first (a version starts at midnight, so no time)
DAY_FIRST = tuple(f for f in importer.DMY if "%H" not in f)
MONTH_FIRST = tuple(f for f in importer.MDY if "%H" not in f and "%I" not in f)


class AgreementFileRefused(ValueError):
    """A file none of whose versions was stored; each problem names the file, row and column."""

    def __init__(self, file: str, problems: list[dict]):
        self.file = file
        self.problems = problems  # row, column, value, reason
        super().__init__("\n".join(describe(file, p) for p in problems))


def describe(file: str, problem: dict) -> str:
    where = f"{file}, row {problem['row']}" + (" (the header)" if problem["row"] == 1 else "")
    if problem["column"]:
        where += f", column {problem['column']}"
    if problem["value"] is not None:
        where += f" ({problem['value']!r})"
    return f"{where}: {problem['reason']}"


@dataclass
class Version:
    row: int
    effective_date: date
    terms: dict
    note: str | None
    changed_by: str
    targets: list[dict] = field(default_factory=list)  # for regions and segments, as agreements.stored_targets


@dataclass
class Outcome:
    file: str
    rows_read: int = 0
    # each new version and what it changes against the one before (None: the very first version)
    added: list[tuple[date, list[str] | None]] = field(default_factory=list)
    already_stored: int = 0
    written: bool = False

    def as_dict(self) -> dict:
        return {"file": self.file, "kind": "agreements", "rows_read": self.rows_read,
                "added": [{"effective_date": d.isoformat(), "changes": c} for d, c in self.added],
                "already_stored": self.already_stored, "written": self.written}


def load(con, path, by: access.Person, at: datetime, dates: str | None = None, delimiter: str | None = None,
         name: str | None = None, dry_run: bool = False) -> Outcome:
    """Check every row of the file, then append its new versions, all or nothing (nothing when dry_run).
    `at` is now, in UTC; `dates` is auto (default), iso, dmy or mdy, as for the importer."""
    name = name or Path(path).name
    cur = con.cursor()
    try:
        info = readers.read(cur, path, "agreement_file", name, delimiter=delimiter)
        result = cur.execute("select * from agreement_file order by _row")
        names = [d[0] for d in result.description]
        cells = [dict(zip(names, values)) for values in result.fetchall()]
        history = cur.execute(queries.sql("agreements_history")).df()
        targets = cur.execute(queries.sql("agreement_targets_history")).df()
        currency = warehouse.organisation_currency(warehouse.meta(cur))
    finally:
        cur.close()
    versions, problems = parse(name, info.columns, cells, dates or "auto", at, by.name)
    new, already_stored, out_of_order = plan(versions, history, currency, targets)
    if problems or out_of_order:  # every problem of every row, in the file's order
        raise AgreementFileRefused(name, sorted(problems + out_of_order, key=lambda p: p["row"]))
    outcome = Outcome(name, rows_read=len(cells), already_stored=already_stored,
                      added=described(new, history, currency, targets))
    if dry_run or not new:  # nothing new: no write at all, so the data version stays as it was
        return outcome
    with warehouse.transaction(con, by, "agreements") as cur:
        # read the versions again inside the transaction, so a version added meanwhile is not overtaken
        history = cur.execute(queries.sql("agreements_history")).df()
        targets = cur.execute(queries.sql("agreement_targets_history")).df()
        new, outcome.already_stored, out_of_order = plan(versions, history, currency, targets)
        if out_of_order:
            raise AgreementFileRefused(name, out_of_order)
        outcome.added = described(new, history, currency, targets)
        # a file holds the terms, not who takes the MQLs without an owner: each new version keeps whom the latest
        # names (set on the Definitions page)
        carried = agreements.stored_unowned_to(history.iloc[0]) if len(history) else None
        for v in new:
            agreements.insert(cur, v.effective_date, v.terms, v.changed_by, v.note, at, v.targets, carried)
        agreements.rejudge(cur, new[0].effective_date)
    outcome.written = True
    return outcome


def column_name(header: str) -> str:
    """A header as a term's name: 'Effective date' and 'effective-date' are effective_date."""
    return re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())


def parse(file: str, columns: list[str], cells: list[dict], dates: str, at: datetime,
          by: str) -> tuple[list[Version], list[dict]]:
    """The file's rows (each cell as text, with _row, the file's row number) as versions, by date, and the
    problems of the rows that are none; AgreementFileRefused when the header or the dates cannot be read at all."""
    named = {c: column_name(c) for c in columns}
    header = []
    for column, term in named.items():
        if term not in COLUMNS and term not in ALIASES.values():
            header.append(problem(1, column, None,
                                  f"not a term of the agreement. The columns are {', '.join(COLUMNS)} "
                                  "(monthly_revenue_target may also be named monthly_revenue_target_eur)."))
    used = [ALIASES.get(t, t) for t in named.values()]
    for column, term in named.items():
        if used.count(ALIASES.get(term, term)) > 1:
            header.append(problem(1, column, None, "names a term another column names too: keep one of them."))
    if DATE not in used:
        header.append(problem(1, None, None, f"no column {DATE}, the day each version takes effect; the file has "
                                             f"{', '.join(columns)}."))
    if header:
        raise AgreementFileRefused(file, header)
    of_term = {ALIASES.get(t, t): c for c, t in named.items()}
    # each row's cells trimmed, an empty one None; a row with no value at all is no version
    rows = [{"_row": r["_row"]} | {c: (r[c] or "").strip() or None for c in columns} for r in cells]
    rows = [r for r in rows if any(r[c] is not None for c in columns)]
    order = date_order(file, of_term[DATE], [r[of_term[DATE]] for r in rows], dates)
    latest = (at + timedelta(days=importer.FUTURE_DAYS)).date()
    versions, problems, seen, scoped = [], [], {}, []
    for cell in rows:
        row = int(cell["_row"])
        found = []
        where = {s: cell[of_term[s]] if s in of_term else None for s in agreements.SCOPES}
        raw_day = cell[of_term[DATE]]
        day = read_day(raw_day, order) if raw_day is not None else None
        if raw_day is None:
            found.append(problem(row, of_term[DATE], None, "the cell is empty: give the day this version takes "
                                                           "effect, for example 2026-04-01."))
        elif day is None:
            found.append(problem(row, of_term[DATE], raw_day, f"not a date{importer.hint(order)}."))
        elif not importer.EARLIEST <= day <= latest:
            found.append(problem(row, of_term[DATE], raw_day,
                                 f"outside the years {importer.EARLIEST.year} to {latest.year}: a placeholder or a "
                                 "typing error?"))
        elif any(where.values()):
            pass  # a target's row: checked with its version below
        elif day in seen:
            found.append(problem(row, of_term[DATE], raw_day, f"row {seen[day]} takes effect on {shown(day)} too: "
                                                              "one version a day."))
        else:
            seen[day] = row
        terms = {}
        for term in agreements.TERMS:
            value = cell[of_term[term]] if term in of_term else None
            if any(where.values()) and term not in agreements.TARGET_TERMS and value is not None:
                found.append(problem(row, of_term[term], value, (
                    f"holds for the whole organisation, so it goes on the version's own row: a row for "
                    f"{agreements.scope(where)} holds only its monthly MQL and revenue targets.")))
                continue
            try:
                terms[term] = number(value, term)
                agreements.check_term(term, terms[term])
            except (ValueError, agreements.AgreementError) as e:
                reason = str(e) if isinstance(e, agreements.AgreementError) else agreements.LIMITS[term][2]
                found.append(problem(row, of_term[term], value, reason))
        if any(where.values()):
            if not found and all(terms.get(t) is None for t in agreements.TARGET_TERMS):
                found.append(problem(row, None, None, f"a row for {agreements.scope(where)} agrees no target: give "
                                                      "its monthly MQL target, its monthly revenue target or both."))
            for column in (NOTE, BY):
                if column in of_term and cell[of_term[column]] is not None:
                    found.append(problem(row, of_term[column], cell[of_term[column]], (
                        f"belongs to the version: write it on the version's own row, not on the row for "
                        f"{agreements.scope(where)}.")))
            problems += found
            if not found and day is not None:
                scoped.append((row, day, where | {t: terms[t] for t in agreements.TARGET_TERMS}, raw_day))
            continue
        note = cell[of_term[NOTE]] if NOTE in of_term else None
        recorder = (cell[of_term[BY]] if BY in of_term else None) or by
        for column, value, most in ((NOTE, note, MAX_NOTE), (BY, recorder, MAX_BY)):
            if value is not None and len(value) > most:
                found.append(problem(row, of_term.get(column, column), value[:40] + "…",
                                     f"longer than {most} characters: shorten it."))
        problems += found
        if not found:
            versions.append(Version(row, day, terms, note, recorder))
    # each target joins its version's row; a version's row refused above leaves its targets unjoined but unblamed
    of_day = {v.effective_date: v for v in versions}
    taken = {}
    for row, day, target, raw_day in scoped:
        key = (day, target[REGION], target[SEGMENT])
        if key in taken:
            problems.append(problem(row, of_term[DATE], raw_day, f"row {taken[key]} sets the targets for "
                                    f"{agreements.scope(target)} from {shown(day)} too: one row each."))
        elif day in of_day:
            of_day[day].targets.append(target)
        elif day not in seen:
            problems.append(problem(row, of_term[DATE], raw_day, (
                f"no row of the file sets the version that takes effect on {shown(day)}: a target for "
                f"{agreements.scope(target)} belongs to a version, so add that version's own row (no region, no "
                "segment) with its terms.")))
        taken.setdefault(key, row)
    for v in versions:
        v.targets = agreements.stored_targets(v.targets)
    return sorted(versions, key=lambda v: v.effective_date), problems


def problem(row: int, column: str | None, value, reason: str) -> dict:
    return {"row": row, "column": column, "value": value, "reason": reason}


def date_order(file: str, column: str, cells: list, dates: str) -> str:
    """As the importer decides: iso when every day is ISO, else the order the values allow, asking when both fit."""
    if dates != "auto":
        return dates
    other = [c for c in cells if c is not None and iso_day(c) is None]
    day_first = sum(parses(c, DAY_FIRST) for c in other)
    month_first = sum(parses(c, MONTH_FIRST) for c in other)
    if not other or day_first == month_first == 0:
        return "iso"
    if day_first == month_first == len(other):
        raise AgreementFileRefused(file, [problem(
            1, column, None, f"every date reads both ways (for example {other[0]!r}): say whether the day or the month "
                           "comes first (--dates dmy or --dates mdy; on the Definitions page, 'Dates are written').")])
    return "dmy" if day_first > month_first else "mdy"


def iso_day(text: str) -> date | None:
    """2026-04-01, or a spreadsheet's day cell 2026-04-01 00:00:00; a time other than midnight is no day."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.date() if moment.time() == time(0) and moment.tzinfo is None else None


def parses(text: str, formats: tuple) -> bool:
    return any(strptime(text, f) for f in formats)


def strptime(text: str, form: str) -> date | None:
    try:
        return datetime.strptime(text, form).date()
    except ValueError:
        return None


def read_day(text: str, order: str) -> date | None:
    found = iso_day(text)
    for form in {"dmy": DAY_FIRST, "mdy": MONTH_FIRST}.get(order, ()):
        found = found or strptime(text, form)
    return found


def number(text: str | None, term: str) -> int | float | None:
    """A term's value as the file writes it (1,500 or 1,5 or €62,000), or None when the cell is empty.
    The importer's rules: a comma before three digits groups thousands, before one or two it is a decimal point."""
    if text is None:
        return None
    cleaned = re.sub(r"\s", "", text)
    if term == "monthly_revenue_target_eur":
        cleaned = re.sub(r"(?i)^(R\$|[€$£]|EUR|USD|GBP|BRL)|(R\$|[€$£]|EUR|USD|GBP|BRL)$", "", cleaned)
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"-?\d+,\d{1,2}", cleaned):
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", cleaned):  # float() would also take nan, inf and 1e3
        raise ValueError(text)
    value = float(cleaned)
    return int(value) if agreements.TERMS[term][1] and value.is_integer() else value


def stored_targets(targets: pd.DataFrame | None, day) -> list[dict]:
    """The targets for regions and segments stored with the version of `day`."""
    if targets is None or targets.empty:
        return []
    return agreements.stored_targets(targets[targets["effective_date"] == pd.Timestamp(day)])


def plan(versions: list[Version], history: pd.DataFrame, currency: str = "EUR",
         targets: pd.DataFrame | None = None) -> tuple[list[Version], int, list[dict]]:
    """The versions to add, how many are already stored, and the problem of each version that would rewrite
    the record rather than follow it."""
    stored = {pd.Timestamp(r["effective_date"]).date(): r for _, r in history.iterrows()}
    latest = max(stored, default=None)
    new, same, problems = [], 0, []
    for v in versions:
        if v.effective_date in stored:
            row = stored[v.effective_date]
            note = row["note"] if isinstance(row["note"], str) else None
            differences = agreements.changes(agreements.stored_terms(row), v.terms, currency,
                                             stored_targets(targets, v.effective_date), v.targets)
            if not differences and note == v.note:
                same += 1
                continue
            differences += [f"note {note!r} → {v.note!r}"] if note != v.note else []
            problems.append(problem(v.row, DATE, v.effective_date.isoformat(), (
                f"a version from {shown(v.effective_date)} is already stored, and this row differs from it "
                f"({'; '.join(differences)}): a version is never rewritten, only followed by a newer one. Give this "
                "row a later date, or make it the same as the stored version.")))
        elif latest is not None and v.effective_date < latest:
            problems.append(problem(v.row, DATE, v.effective_date.isoformat(), (
                f"not after {shown(latest)}, when the latest stored version took effect: a version is never "
                "rewritten, only followed by a newer one. Give a later date, or remove the row.")))
        else:
            new.append(v)
    return new, same, problems


def described(new: list[Version], history: pd.DataFrame, currency: str = "EUR",
              targets: pd.DataFrame | None = None) -> list[tuple[date, list[str] | None]]:
    """Each new version with what it changes against the one before it; None for the very first version."""
    previous = agreements.stored_terms(history.iloc[0]) if len(history) else None
    previous_targets = stored_targets(targets, history.iloc[0]["effective_date"]) if len(history) else []
    said = []
    for v in new:
        said.append((v.effective_date, None if previous is None
                     else agreements.changes(previous, v.terms, currency, previous_targets, v.targets)))
        previous, previous_targets = v.terms, v.targets
    return said


def shown(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def summary(outcome: Outcome, dry_run: bool) -> str:
    """What happened to one file, for the command line."""
    rows = f"{outcome.rows_read:,} row{'' if outcome.rows_read == 1 else 's'}"
    stored = f"{outcome.already_stored:,} already stored, skipped" if outcome.already_stored else ""
    if not outcome.added:
        return f"{outcome.file}: every version in the file is already stored ({rows}): nothing changed."
    verb = "checked (nothing written)" if dry_run else "imported"
    would = "would be added" if dry_run else "added"
    lines = [f"{outcome.file}: {verb} as agreements: {rows}; {len(outcome.added):,} new "
             f"version{'' if len(outcome.added) == 1 else 's'} {would}" + (f"; {stored}" if stored else "") + "."]
    for day, changes in outcome.added:
        lines.append(f"  from {shown(day)}: " + ("the first version" if changes is None else "; ".join(changes)
                                                 or "the same terms as the version before"))
    return "\n".join(lines)


def command(args, by: access.Person) -> int:
    """python -m handshake import FILE... --kind agreements: each file checked, then written in one transaction."""
    if args.mapping != mappings.CANONICAL:
        print("error: agreements are read from their own columns (see the README); leave out --mapping",
              file=sys.stderr)
        return 1
    at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    if args.dry_run and not Path(args.warehouse).exists():
        con = duckdb.connect(":memory:")  # nothing stored yet: checked against an empty warehouse, creating none
        warehouse.upgrade(con)
    else:
        con = warehouse.open_warehouse(args.warehouse, create=True)
    results, failed = [], False
    try:
        for path in args.files:
            try:
                outcome = load(con, path, by, at, dates=args.dates, delimiter=args.delimiter, dry_run=args.dry_run)
            except AgreementFileRefused as e:
                failed = True
                results.append({"file": path, "kind": "agreements", "error": str(e), "problems": e.problems,
                                "written": False})
            except (readers.FileRefused, access.Refused) as e:
                failed = True
                results.append({"file": path, "kind": "agreements", "error": str(e), "written": False})
            except OSError as e:
                failed = True
                results.append({"file": path, "kind": "agreements", "error": f"{path}: {e.strerror}",
                                "written": False})
            else:
                results.append(outcome.as_dict())
                if args.format == "text":
                    print(summary(outcome, args.dry_run))
                continue
            if args.format == "text":
                print("\n".join(f"error: {line}" for line in results[-1]["error"].splitlines()), file=sys.stderr)
    finally:
        con.close()
    if args.format == "json":
        print(json.dumps(results, indent=2, default=str))
    return 1 if failed else 0
