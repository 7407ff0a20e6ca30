"""Importing a team's own exports: map the file's columns, check every row before anything is written,
then write the accepted rows in one transaction, keyed on the CRM's own ids so a second import of the
same file changes nothing. Refused rows are kept, with row, column and reason, in import_rejects."""

import re
import time
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from handshake import access, mappings, readers, warehouse
from handshake.formats import plural, prefix
from handshake.mappings import FIELDS, Mapping, MappingError

EARLIEST = date(1990, 1, 1)  # no CRM holds leads older than this; a 1900 date is a placeholder
FUTURE_DAYS = 2 * 366  # plans (a campaign's end) may lie ahead, but not further than this
EVENT_SLACK = timedelta(days=1)  # clocks and time zones: an event may look up to a day ahead
DMY = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S",
       "%d-%m-%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S")
MDY = ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p",
       "%m-%d-%Y", "%m-%d-%Y %H:%M", "%m-%d-%Y %H:%M:%S")
# a UTC offset ends a time of day ("09:30:00Z", "09:30-03:00"); "14-03-2026" ends in a year, not an offset
OFFSET = r"\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"
TABLES = {"leads": "leads", "follow_ups": "follow_ups", "opportunities": "opportunities", "revenue": "revenue",
          "campaigns": "campaigns", "reps": "reps"}
ID_COLUMNS = {"leads": "lead_id", "follow_ups": "follow_up_id", "opportunities": "opportunity_id",
              "revenue": "revenue_id", "campaigns": "campaign_id", "reps": "rep_id"}
PREVIEW_ROWS = 20


class ImportRefused(ValueError):
    """An import that cannot go ahead as set up; nothing was written. The message says what to do."""


class DatesAmbiguous(ImportRefused):
    """Every date in the file reads both day-first and month-first: the user must say which."""


class NothingAccepted(ImportRefused):
    """Every row of the file was refused: nothing is written, not even a record of the import. The report
    says why, row by row."""

    def __init__(self, report: "Report"):
        self.report = report
        first = report.problems.iloc[0] if not report.problems.empty else None
        example = f" (row {first['row']}, column {first['column']}: {first['reason']})" if first is not None else ""
        super().__init__(f"{report.file}: every row was refused, so nothing was written{example}.")


@dataclass
class Report:
    file: str
    kind: str
    mapping: str
    sha256: str = ""
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0  # exact repeats of an earlier row
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    date_order: str = "iso"
    warnings: list[str] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)  # row, column, reason, value
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    import_id: int | None = None
    seconds: float = 0.0
    written: bool = False
    read_with: Mapping | None = None  # the mapping as applied to this file: each field's one column
    timezone: str = "UTC"  # the zone times without an offset were read in
    timezone_from: str = "the organisation's time zone"
    unread_columns: list[str] = field(default_factory=list)  # the file's columns the mapping did not read

    @property
    def times_read(self) -> str:
        return f"times without an offset read in {self.timezone} ({self.timezone_from})"

    def as_dict(self) -> dict:
        return {
            "file": self.file, "kind": self.kind, "mapping": self.mapping, "sha256": self.sha256,
            "rows_read": self.rows_read, "accepted": self.accepted, "rejected": self.rejected,
            "skipped": self.skipped, "inserted": self.inserted, "updated": self.updated,
            "unchanged": self.unchanged, "date_order": self.date_order, "timezone": self.timezone,
            "times_read": self.times_read, "unread_columns": self.unread_columns, "warnings": self.warnings,
            "import_id": self.import_id, "written": self.written, "seconds": round(self.seconds, 2),
            "problems": [
                {k: (None if pd.isna(v) else v) for k, v in r.items()}
                for r in self.problems.head(1000).to_dict("records")
            ],
        }


def q(name: str) -> str:
    return readers.quote_id(name)


class Plan:
    """The SQL of one file's checks, with every value from the user bound as a parameter."""

    def __init__(self, mapping: Mapping, file_columns: list[str], tz: str, now: datetime, date_order: str):
        self.mapping = mapping
        self.tz = tz
        self.now = now
        self.date_order = date_order
        self.params: dict = {"tz": tz, "missing": list(mapping.missing), "earliest": EARLIEST,
                             "latest": (now + timedelta(days=FUTURE_DAYS)).date(), "event_latest": now + EVENT_SLACK}
        self.file_columns = file_columns

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def text(self, f: mappings.Field) -> str | None:
        """The cell as trimmed text, null when empty or a 'missing' marker; after the value map."""
        m = self.mapping
        if f.name in m.columns and m.columns[f.name] in self.file_columns:
            cells = []
            for column in (m.columns[f.name], *m.fallbacks.get(f.name, ())):
                cell = f"trim(raw.{q(column)})"
                cells.append(f"case when {cell} = '' or list_contains($missing, {cell}) then null else {cell} end")
            # the first alternative's cell, or where it is empty the next one's
            expr = cells[0] if len(cells) == 1 else f"coalesce({', '.join(cells)})"
        elif f.name in m.constants:
            expr = self.bind(m.constants[f.name])
        else:
            return None
        pairs = m.values.get(f.name)
        if pairs:
            listed = {k: v for k, v in pairs.items() if k != "*"}
            # "*" stands for every other non-empty cell; a value mapped to "" empties the cell
            other = f"case when {expr} is not null then {self.bind(pairs['*'])} end" if "*" in pairs else expr
            if listed:
                keys = self.bind([k.strip().lower() for k in listed])
                targets = self.bind(list(listed.values()))
                other = f"coalesce({targets}[list_position({keys}, lower({expr}))], {other})"
            expr = f"nullif({other}, '')"
        return expr

    def typed(self, f: mappings.Field, v: str) -> str:
        if f.type in ("key", "text", "ref"):
            return v
        if f.type == "code":
            return f"nullif(trim(regexp_replace(lower({v}), '[^a-z0-9]+', '_', 'g'), '_'), '')"
        if f.type == "choice":
            return f"nullif(trim(regexp_replace(lower({v}), '[^a-z0-9]+', '_', 'g'), '_'), '')"
        if f.type == "score":
            return f"try_cast(try_cast({v} as double) as integer)"
        if f.type == "money":
            # a currency sign or code before or after the amount (R$ 1.234,56, BRL 1200, 1 200 €, ¥5000): an
            # amount is taken in the organisation's currency as written, never converted
            cleaned = f"regexp_replace({v}, '[€$£¥₹\\s\\x{{00a0}}]|R\\$|[A-Z]{{3}}', '', 'g')"
            normal = (f"case when regexp_full_match({cleaned}, '-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?') "
                      f"then replace({cleaned}, ',', '') "
                      # thousands with dots and a decimal comma, as Brazil and much of Europe write them
                      f"when regexp_full_match({cleaned}, '-?\\d{{1,3}}(\\.\\d{{3}})+(,\\d+)?') "
                      f"then replace(replace({cleaned}, '.', ''), ',', '.') "
                      f"when regexp_full_match({cleaned}, '-?\\d+,\\d{{1,2}}') then replace({cleaned}, ',', '.') "
                      f"else {cleaned} end")
            return f"try_cast({normal} as decimal(14, 2))"
        if f.type == "boolean":
            return (f"case when lower({v}) in ('true', 'yes', 'y', '1', 't', 'x') then true "
                    f"when lower({v}) in ('false', 'no', 'n', '0', 'f') then false end")
        if f.type in ("timestamp", "date"):
            ts = self.timestamp(v)
            return f"({ts})::date" if f.type == "date" else ts
        raise AssertionError(f.type)

    def timestamp(self, v: str) -> str:
        formats = {"dmy": DMY, "mdy": MDY}.get(self.date_order, ())
        local = f"try_cast({v} as timestamp)"
        if formats:
            local = f"coalesce({local}, try_strptime({v}, {self.bind(list(formats))}))"
        return (f"case when regexp_matches({v}, '{OFFSET}') then timezone('UTC', try_cast({v} as timestamptz)) "
                f"else timezone('UTC', timezone($tz, {local})) end")

    def problems(self, f: mappings.Field, v: str, typed: str) -> list[tuple[str, str]]:
        """(condition on one row, reason) for a field's value."""
        checks = []
        shown = f"'''' || {v} || ''''"
        if f.required:
            checks.append((f"{v} is null", f"'{f.name} is required and the cell is empty'"))
        checks.append((f"regexp_matches({v}, '^[=@]|^[+-][^0-9.,]')",
                       f"{shown} || ' is a spreadsheet formula: export values, not formulas'"))
        if f.type == "choice":
            checks.append((f"{v} is not null and {typed} not in ({', '.join(repr(c) for c in f.choices)})",
                           f"{shown} || ' is not a known {f.name.replace('_', ' ')}: use one of "
                           f"{', '.join(f.choices)}, or map it in the mapping''s [values.{f.name}]'"))
        if f.type == "score":
            checks.append((f"{v} is not null and ({typed} is null or {typed} not between 0 and 100 "
                           f"or try_cast({v} as double) <> {typed})",
                           f"{shown} || ' is not a whole number from 0 to 100'"))
        if f.type == "money":
            checks.append((f"{v} is not null and {typed} is null", f"{shown} || ' is not an amount'"))
            checks.append((f"{typed} < 0", f"{shown} || ' is negative: amounts are zero or more (refunds "
                                           "are not imported)'"))
        if f.type == "boolean":
            checks.append((f"{v} is not null and {typed} is null", f"{shown} || ' is not yes or no'"))
        if f.type in ("timestamp", "date"):
            checks.append((f"{v} is not null and {typed} is null",
                           f"{shown} || ' is not a date{hint(self.date_order)}'"))
            checks.append((f"{typed} < $earliest or {typed} > $latest",
                           f"{shown} || ' is outside the years {EARLIEST.year} to ' || year($latest) || "
                           "': a placeholder or a typing error?'"))
            if f.event:
                checks.append((f"{typed} > $event_latest", f"{shown} || ' is in the future'"))
        return checks


def hint(order: str) -> str:
    return {"dmy": " (read day first)", "mdy": " (read month first)"}.get(order, " (YYYY-MM-DD)")


def detect_date_order(cur, mapping: Mapping, file_columns: list[str]) -> str:
    """iso when every date is ISO; dmy or mdy when the values allow only one; DatesAmbiguous when both fit."""
    if mapping.dates != "auto":
        return mapping.dates
    columns = [mapping.columns[f.name] for f in mapping.fields()
               if f.type in ("timestamp", "date") and mapping.columns.get(f.name) in file_columns]
    if not columns:
        return "iso"
    cells = " union all ".join(f"select trim({q(c)}) as v from raw" for c in columns)
    counts = cur.execute(
        f"""
        with cells as ({cells}),
        other as (select v from cells where v <> '' and try_cast(v as timestamp) is null
                  and not regexp_matches(v, '{OFFSET}'))
        select count(*), count(try_strptime(v, $dmy)), count(try_strptime(v, $mdy)), any_value(v)
        from other
        """, {"dmy": list(DMY), "mdy": list(MDY)}).fetchall()[0]
    total, dmy, mdy, example = counts
    if total == 0 or dmy == mdy == 0:  # nothing reads either way: the cells are refused as no dates
        return "iso"
    if dmy == total and mdy == total:
        raise DatesAmbiguous(
            f"Every date in the file reads both day first and month first (for example {example!r}): say which "
            "comes first.")
    return "dmy" if dmy > mdy else "mdy"


def looks_like(file_columns: list[str], mapping: Mapping) -> tuple | None:
    """The shipped preset or canonical kind whose columns the file has most of (at least half), other than the
    mapping given: (share, columns found, what it is, kind, the options that use it)."""
    candidates = []
    for preset in mappings.presets():
        try:
            other = mappings.load(preset)
        except MappingError:
            continue
        fields = [f for f in other.columns if f not in other.constants]
        hits = sum(1 for f in fields if other.column_in(f, file_columns))
        if fields and hits and preset != mapping.name:
            candidates.append((hits / len(fields), hits, f"the preset {preset} ({other.description.split('(')[0].strip()})",
                               other.kind, f"--mapping {preset}"))
    lowered = {c.strip().lower() for c in file_columns}
    for kind, fields in FIELDS.items():
        hits = sum(1 for f in fields if f.name in lowered)
        if hits and not (mapping.name == mappings.CANONICAL and kind == mapping.kind):
            candidates.append((hits / len(fields), hits, f"Handshake's canonical {kind} file", kind,
                               f"--mapping canonical --kind {kind}"))
    best = max(candidates, default=None)
    return best if best and best[0] >= 0.5 else None


def wrong_kind_of_file(mapping: Mapping, file_columns: list[str], name: str) -> None:
    """Refuse a file most of whose columns the (non-canonical) mapping does not find, saying which export it
    looks like: its columns against every shipped preset's and the canonical fields of each kind."""
    if mapping.name == mappings.CANONICAL:
        return
    read = [f for f in mapping.columns if f not in mapping.constants]
    found = [f for f in read if mapping.column_in(f, file_columns)]
    if not read or len(found) * 2 >= len(read):
        return
    best = looks_like(file_columns, mapping)
    if not best or best[1] <= len(found):
        return  # a thin export of the right kind: the columns it lacks are warned of one by one
    absent = [repr(mapping.alternatives(f)[0]) for f in read if f not in found]
    raise MappingError(
        f"{name}: the mapping {mapping.name} reads {len(read)} columns of a {mapping.kind} file and this file has "
        f"only {len(found)} of them (not {', '.join(absent[:4])}{f' and {len(absent) - 4} more' if len(absent) > 4 else ''}). "
        + suggestion(best))


def suggestion(best: tuple) -> str:
    return (f"It looks like {best[2]}: {best[1]} of its columns are here. Import it as {best[3]} with {best[4]} "
            "(on the Import data page, choose what the file holds and that mapping).")


def check_mapping(mapping: Mapping, file_columns: list[str], name: str) -> list[str]:
    """Stop when a required field has no column; warn of mapped columns the file lacks."""
    warnings = []
    for f in mapping.fields():
        alternatives = mapping.alternatives(f.name)
        column = (" or ".join(repr(c) for c in alternatives) if len(alternatives) <= 2
                  else f"{alternatives[0]!r} (nor any of its {len(alternatives) - 1} other names)")
        present = mapping.column_in(f.name, file_columns) is not None
        if f.required and not present and f.name not in mapping.constants:
            best = looks_like(file_columns, mapping)
            hint = " " + suggestion(best) if best else ""
            if alternatives:
                raise MappingError(f"{name}: no column {column}, which the mapping reads {f.name} from; the file has "
                                   f"{', '.join(file_columns[:12])}{'…' if len(file_columns) > 12 else ''}.{hint}")
            raise MappingError(f"{name}: {f.name} ({f.help or f.type}) is required: map a column of the file to it.{hint}")
        if alternatives and not present and mapping.name != mappings.CANONICAL and f.name not in mapping.constants:
            warnings.append(f"The file has no column {column}, so {f.name} is left empty.")
    if mapping.kind == "opportunities" and not mapping.won_stages:
        raise MappingError(f"{name}: say which stages mean won (won_stages) and lost (lost_stages); "
                           "every other stage must be listed as open (open_stages).")
    return warnings


def stage_outcome(mapping: Mapping, stage: str) -> tuple[str, str, dict]:
    """SQL for is_won from a stage column, the condition of a stage the mapping does not list, and their parameters."""
    params = {f"{k}_stages": [s.strip().lower() for s in getattr(mapping, f"{k}_stages")] for k in ("won", "lost", "open")}
    value = f"lower(trim({stage}))"
    won = (f"case when list_contains($won_stages, {value}) then true "
           f"when list_contains($lost_stages, {value}) then false end")
    # open_stages = ["*"]: every stage not won or lost is open (HubSpot's and Salesforce's custom pipelines)
    unknown = (f"{stage} is not null and not list_contains($open_stages, '*') "
               f"and not list_contains($won_stages || $lost_stages || $open_stages, {value})")
    return won, unknown, params


def prepare(cur, path, mapping: Mapping, tz: str, now: datetime, name: str | None = None,
            delimiter: str | None = None) -> Report:
    """Read and check one file on cursor cur, writing nothing to the warehouse: leaves temp tables
    raw (the file), typed (one row per file row, Handshake's fields) and problems (row, column, reason)."""
    info = readers.read(cur, path, "raw", name=name, delimiter=delimiter)
    report = Report(file=info.name, kind=mapping.kind, mapping=mapping.name, sha256=info.sha256, rows_read=info.rows,
                    timezone=tz)
    wrong_kind_of_file(mapping, info.columns, info.name)
    report.warnings += check_mapping(mapping, info.columns, info.name)
    mapping = report.read_with = mapping.resolved(info.columns)
    read = set(mapping.columns.values()) | {c for more in mapping.fallbacks.values() for c in more}
    report.unread_columns = [c for c in info.columns if c not in read]
    report.date_order = detect_date_order(cur, mapping, info.columns)
    plan = Plan(mapping, info.columns, tz, now, report.date_order)
    selects, checks = ["raw._row"], []
    for f in mapping.fields():
        v = plan.text(f)
        if v is None:
            continue
        typed = plan.typed(f, v)
        selects += [f"{v} as {q(f.name + '__text')}", f"{typed} as {q(f.name)}"]
        column = mapping.columns.get(f.name) if f.name in mapping.columns else f"{f.name} (constant)"
        for condition, reason in plan.problems(f, q(f.name + "__text"), q(f.name)):
            checks.append((condition, column, reason, q(f.name + "__text")))
    present = {f.name for f in mapping.fields() if plan.text(f) is not None}
    statement = (f"create or replace temp table typed as select *, {natural_key(mapping, present)} as _key "
                 f"from (select {', '.join(selects)} from raw)")
    cur.execute(statement, used(statement, plan.params))
    typed_columns = {r[0] for r in cur.execute("describe typed").fetchall()}
    list_leads(cur, mapping, typed_columns)
    checks += cross_checks(mapping, typed_columns)
    params = {k: v for k, v in plan.params.items() if k in ("earliest", "latest", "event_latest")}
    outcome_params = {}
    if mapping.kind == "opportunities" and "stage" in typed_columns:
        _, unknown, outcome_params = stage_outcome(mapping, "stage")
        checks.append((unknown, mapping.columns.get("stage", "stage"),
                       "'''' || stage || ''' is not listed as a won, lost or open stage in the mapping'", "stage"))
    unions = " union all ".join(
        f"select _row, {lit(column)} as column_name, {reason} as reason, {value}::varchar as value "
        f"from typed where {condition}"
        for condition, column, reason, value in checks
    ) or "select null::bigint as _row, null::varchar, null::varchar, null::varchar where false"
    cur.execute(f"create or replace temp table problems as {unions}", used(unions, {**params, **outcome_params}))
    reference_checks(cur, mapping, typed_columns, report)
    duplicate_checks(cur, mapping, typed_columns, report)
    what_else_is_written(cur, mapping, typed_columns, report)
    won_before_the_lead(cur, mapping, typed_columns, report)
    people_changed(cur, mapping, typed_columns, report)
    counts = cur.execute("select count(distinct _row) from problems").fetchall()[0][0]
    report.rejected = counts
    report.accepted = report.rows_read - report.rejected - report.skipped
    report.problems = cur.execute(
        "select _row as row, column_name as column, reason, value from problems order by _row, column_name limit 10000"
    ).df()
    shown = [f"{q(f.name)}" for f in mapping.fields() if f.name in typed_columns]
    report.preview = cur.execute(
        f"select _row as row, {', '.join(shown)} from typed order by _row limit {PREVIEW_ROWS}").df()
    return report


def used(sql: str, params: dict) -> dict:
    """The parameters a statement names: DuckDB refuses the others."""
    names = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    return {k: v for k, v in params.items() if k in names}


def lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def cross_checks(mapping: Mapping, cols: set[str]) -> list[tuple[str, str, str, str]]:
    """Checks between two fields of the same row."""
    checks = []
    if mapping.kind == "leads" and "created_at" in cols:
        for stage in ("mql_at", "assigned_at", "accepted_at", "rejected_at", "sql_at", "opportunity_at"):
            if stage in cols:
                checks.append((f"{stage} < created_at", mapping.columns.get(stage, stage),
                               f"'{stage} ' || {stage} || ' is before the lead was created (' || created_at || ')'",
                               f"{stage}__text"))
    if mapping.kind == "opportunities" and {"created_date", "closed_date"} <= cols:
        checks.append(("closed_date < created_date", mapping.columns.get("closed_date", "closed_date"),
                       "'closed ' || closed_date || ', before it was opened (' || created_date || ')'",
                       "closed_date__text"))
    if mapping.kind == "campaigns" and {"start_date", "end_date"} <= cols:
        checks.append(("end_date < start_date", mapping.columns.get("end_date", "end_date"),
                       "'ends ' || end_date || ', before it starts (' || start_date || ')'", "end_date__text"))
    return checks


def reference_checks(cur, mapping: Mapping, cols: set[str], report: Report) -> None:
    """A follow-up for an unknown lead, revenue for an unknown deal: refused. Unknown reps are added
    by name when written; an unknown campaign is left empty with a warning."""
    for f in mapping.fields():
        if f.type != "ref" or f.name not in cols or f.loose:
            continue
        column = mapping.columns.get(f.name, f.name)
        if f.ref == "leads" and mapping.kind in LISTS_LEADS:
            listed_lead_checks(cur, mapping, column, report)
        elif f.ref in ("leads", "opportunities"):
            cur.execute(
                f"""
                insert into problems
                select t._row, $column, '''' || t.{q(f.name)} || ''' is no {f.ref[:-1].replace('opportunitie', 'deal')} '
                    || 'in the warehouse: import the {f.ref} file first', t.{q(f.name)}
                from typed t
                where t.{q(f.name)} is not null
                    and t.{q(f.name)} not in (select source_key from source_keys where kind = $ref)
                """, {"column": column, "ref": f.ref})
        if f.ref == "leads" and mapping.kind == "follow_ups" and "touched_at" in cols:
            cur.execute(
                """
                insert into problems
                select t._row, $column, 'touched ' || t.touched_at || ', before the lead was created ('
                    || l.created_at || ')', t.touched_at__text
                from typed t
                join source_keys k on k.kind = 'leads' and k.source_key = t.lead_id
                join leads l on l.lead_id = k.id
                where t.touched_at < l.created_at
                """, {"column": mapping.columns.get("touched_at", "touched_at")})
        if f.ref == "campaigns":
            unknown = cur.execute(
                f"""
                select count(distinct {q(f.name)}), any_value({q(f.name)}) from typed
                where {q(f.name)} is not null
                    and {q(f.name)} not in (select source_key from source_keys where kind = 'campaigns')
                """).fetchall()[0]
            if unknown[0]:
                report.warnings.append(
                    f"{unknown[0]:,} campaign ids (such as {unknown[1]!r}) are not in the warehouse: those leads are "
                    "imported without a campaign. Import the campaigns file, then this file again.")


LISTS_LEADS = ("opportunities", "follow_ups")  # kinds whose lead cell may list several leads ([separators])


def list_leads(cur, mapping: Mapping, cols: set[str]) -> None:
    """Table listed (_row, position, listed_id, lead_key): each lead a row's lead cell lists, in the listed order,
    with its warehouse id when it has one. The row's lead becomes the first listed lead in the warehouse."""
    if mapping.kind not in LISTS_LEADS or "lead_id" not in cols:
        return
    separator = mapping.separators.get("lead_id")
    ids = ("list_filter(list_transform(string_split(lead_id__text, $separator), lambda x: trim(x)), lambda x: x <> '')"
           if separator else "[lead_id__text]")
    statement = f"""
        create or replace temp table listed as
        with lists as (select _row, {ids} as ids from typed where lead_id__text is not null),
        numbered as (select _row, ids, unnest(generate_series(1, len(ids))) as position from lists)
        select n._row, n.position, n.ids[n.position] as listed_id, k.id as lead_key
        from numbered n
        left join source_keys k on k.kind = 'leads' and k.source_key = n.ids[n.position]
        """
    cur.execute(statement, {"separator": separator} if separator else {})
    cur.execute(
        """
        update typed set lead_id = f.listed_id
        from (select _row, arg_min(listed_id, position) as listed_id from listed
              where lead_key is not null group by _row) f
        where f._row = typed._row
        """)
    cur.execute("update typed set lead_id = null "
                "where _row not in (select _row from listed where lead_key is not null)")


def row_list(rows: list[int], count: int) -> str:
    """'row 4' or 'rows 2, 5, 9, 11, 12 and 4 more': the first rows a warning names, and how many in all."""
    shown = ", ".join(str(r) for r in rows[:5])
    return f"row{'s' if count > 1 else ''} {shown}" + (f" and {count - 5:,} more" if count > 5 else "")


def listed_lead_checks(cur, mapping: Mapping, column: str, report: Report) -> None:
    """A follow-up none of whose listed leads is in the warehouse is refused; a deal is imported without a lead,
    so neither the deal nor its money is lost. Listed leads the warehouse lacks are warned of."""
    what = "deal" if mapping.kind == "opportunities" else "follow-up"
    none_found = ("select t._row, t.lead_id__text from typed t where t.lead_id__text is not null "
                  "and t.lead_id is null and t._row not in (select _row from problems)")
    if mapping.kind == "follow_ups":
        if "lead_id" in mapping.separators:
            reason = ("'none of the leads listed (''' || t.lead_id__text || ''') is in the warehouse: "
                      "import the leads file first'")
        else:
            reason = "'''' || t.lead_id__text || ''' is no lead in the warehouse: import the leads file first'"
        cur.execute(f"insert into problems select t._row, $column, {reason}, t.lead_id__text "
                    f"from ({none_found}) t", {"column": column})
    else:
        lost = [r[0] for r in cur.execute(f"select _row from ({none_found}) order by _row").fetchall()]
        if lost:
            report.warnings.append(
                f"{plural(len(lost), 'deal names', 'deals name')} no lead that is in the warehouse "
                f"({row_list(lost, len(lost))}, column {column!r}): imported without a lead, so "
                f"{'its' if len(lost) == 1 else 'their'} revenue counts in the totals but traces to no source. "
                "Import the contacts or leads file, then this file again, to link them.")
    missing = cur.execute(
        """
        select count(distinct listed_id), list(distinct _row order by _row), any_value(listed_id)
        from listed
        where lead_key is null and _row not in (select _row from problems)
            and _row in (select _row from typed where lead_id is not null)
        """).fetchall()[0]
    if missing[0]:
        report.warnings.append(
            f"{plural(missing[0], 'listed lead is', 'listed leads are')} not in the warehouse (such as "
            f"{missing[2]!r}, {row_list(missing[1], len(missing[1]))}, column {column!r}): each {what} keeps "
            "the listed leads that are, and the first of them is its lead.")


def won_before_the_lead(cur, mapping: Mapping, cols: set[str], report: Report) -> None:
    """A deal won before its lead was created or first touched is imported, with a warning naming its rows:
    a CRM that dates a deal's close or a lead's creation wrongly, or a lead entered after the sale."""
    if mapping.kind != "opportunities" or not {"stage", "closed_date"} <= cols:
        return
    won, _, params = stage_outcome(mapping, "t.stage")
    by_file = ("select t._row, k.id as lead_id from typed t join source_keys k on k.kind = 'leads' "
               "and k.source_key = t.lead_id union all " if "lead_id" in cols else "")
    statement = f"""
        with deal_leads as (
            {by_file}
            select t._row, l.lead_id from typed t join leads l on l.converted_opportunity_key = t._key
        ),
        first_touches as (
            select lead_id, min(touched_at) as first_touch_at from follow_ups
            where lead_id in (select lead_id from deal_leads) group by lead_id
        )
        select list(distinct t._row order by t._row)
        from typed t
        join deal_leads d on d._row = t._row
        join leads l on l.lead_id = d.lead_id
        left join first_touches f on f.lead_id = d.lead_id
        where ({won}) and (t.closed_date < local_date(l.created_at) or t.closed_date < local_date(f.first_touch_at))
            and t._row not in (select _row from problems)
        """
    early = cur.execute(statement, used(statement, params)).fetchall()[0][0] or []
    if early:
        report.warnings.append(
            f"{plural(len(early), 'deal was', 'deals were')} won before {'its' if len(early) == 1 else 'their'} lead "
            f"was created or first touched ({row_list(early, len(early))}, column "
            f"{mapping.columns.get('closed_date', 'closed_date')!r}): imported as {'it is' if len(early) == 1 else 'they are'}; "
            "check the close dates in the CRM, or the leads' creation dates.")


def people_changed(cur, mapping: Mapping, cols: set[str], report: Report) -> None:
    """A person imported again with another function, role or team: said per person, since the new values
    replace the old and every figure by function or team follows. A rep known by name only (added by another
    file) getting its function for the first time is no change."""
    shown = [c for c in ("function", "role", "team") if c in cols]
    if mapping.kind != "reps" or not shown:
        return
    changed = cur.execute(
        f"""
        select coalesce(r.rep_name, t._key), {', '.join(f'r.{c}' for c in shown)}, {', '.join(f't.{c}' for c in shown)}
        from typed t
        join source_keys k on k.kind = 'reps' and k.source_key = t._key
        join reps r on r.rep_id = k.id
        where t._row not in (select _row from problems)
            and ({' or '.join(f'r.{c} is not null and t.{c} is distinct from r.{c}' for c in shown)})
        order by t._row
        """).fetchall()
    n = len(shown)
    lines = [f"{row[0]} was {'/'.join(v or '–' for v in row[1:1 + n])}, now "
             f"{'/'.join(v or '–' for v in row[1 + n:])}" for row in changed]
    if lines:
        report.warnings.append(
            f"{plural(len(lines), 'person changes', 'people change')} {'/'.join(shown)}: " + "; ".join(lines[:20])
            + (f"; and {len(lines) - 20:,} more" if len(lines) > 20 else "")
            + ". Their figures by function and team follow the new values, for the past too.")


def what_else_is_written(cur, mapping: Mapping, cols: set[str], report: Report) -> None:
    """Warn, at the check already, of the rows an import adds beside the file's own: reps it names by
    name only, and the revenue of won deals."""
    for f in mapping.fields():
        if f.type == "ref" and f.ref == "reps" and f.name in cols:
            new = [r[0] for r in cur.execute(
                f"""
                select distinct {q(f.name)} from typed
                where {q(f.name)} is not null and _row not in (select _row from problems)
                    and {q(f.name)} not in (select source_key from source_keys where kind = 'reps')
                order by 1
                """).fetchall()]
            if new:
                report.warnings.append(
                    f"{plural(len(new), 'rep')} named in the file {'is' if len(new) == 1 else 'are'} new "
                    f"({', '.join(new[:3])}{'…' if len(new) > 3 else ''}): added with their names only. Import a "
                    "reps file to give their function and team.")
    if mapping.kind == "opportunities" and mapping.revenue_from_won and {"stage", "amount_eur", "closed_date"} <= cols:
        won, _, params = stage_outcome(mapping, "stage")
        statement = f"""
            select count(*), coalesce(sum(amount_eur), 0) from typed
            where ({won}) and closed_date is not null and amount_eur > 0
                and _row not in (select _row from problems)
            """
        count, value = cur.execute(statement, used(statement, params)).fetchall()[0]
        if count:
            report.warnings.append(
                f"{plural(count, 'won deal')} {'counts' if count == 1 else 'count'} as "
                f"{prefix(warehouse.organisation_currency(warehouse.meta(cur)))}{value:,.0f} of revenue on "
                "their close dates (set revenue_from_won = false in the mapping if you import revenue separately).")


def natural_key(mapping: Mapping, cols: set[str]) -> str:
    """The record's id in its own system, or one made from the fields that identify it."""
    kind = mapping.kind
    key = mappings.FIELDS[kind][0].name
    if key in cols:
        made = None
        if kind == "campaigns" and "campaign_name" in cols:
            made = "campaign_name"
        if kind == "reps" and "rep_name" in cols:
            made = "rep_name"
        return f"coalesce({q(key)}, {made})" if made else q(key)
    if kind == "follow_ups":
        return "lead_id || '|' || strftime(touched_at, '%Y-%m-%dT%H:%M:%S') || '|' || channel"
    if kind == "revenue":
        return "opportunity_id || '|' || booked_date::varchar || '|' || amount_eur::varchar"
    if kind == "campaigns" and "campaign_name" in cols:
        return "campaign_name"
    if kind == "reps" and "rep_name" in cols:
        return "rep_name"
    raise MappingError(f"{key} is required: map a column of the file to it.")


def duplicate_checks(cur, mapping: Mapping, cols: set[str], report: Report) -> None:
    """Two rows with the same id: an exact repeat is skipped; different values refuse both."""
    fields = [q(f.name) for f in mapping.fields() if f.name in cols]
    # keys seen twice are few: find them first, then compare only their rows
    cur.execute(
        f"""
        create or replace temp table repeats as
        select _key, list(_row order by _row) as rows_list, count(distinct ({', '.join(fields)})) as versions
        from typed
        where _key in (select _key from typed where _key is not null group by _key having count(*) > 1)
        group by _key
        """)
    key_field = FIELDS[mapping.kind][0].name
    cur.execute(
        f"""
        insert into problems
        select t._row, $column, 'the same {key_field} ''' || t._key || ''''
            || ' is on rows ' || array_to_string(r.rows_list[1:5], ', ')
            || case when len(r.rows_list) > 5 then ', …' else '' end || ' with different values: keep one', t._key
        from typed t join repeats r using (_key)
        where r.versions > 1
        """, {"column": mapping.columns.get(key_field, key_field)})
    cur.execute(
        """
        create or replace temp table skipped as
        select t._row from typed t join repeats r using (_key)
        where r.versions = 1 and t._row <> r.rows_list[1]
            and t._row not in (select _row from problems)
        """)
    report.skipped = cur.execute("select count(*) from skipped").fetchall()[0][0]
    if report.skipped:
        report.warnings.append(f"{plural(report.skipped, 'row repeats', 'rows repeat')} an earlier row exactly "
                               "and will be skipped.")


def reading_zone(cur, mapping: Mapping, timezone: str | None) -> tuple[str, str]:
    """The zone times without an offset are read in, and whose it is: this import's, the mapping's or the
    organisation's."""
    zone, whose = ((timezone, "set for this import") if timezone else
                   (mapping.timezone, "the mapping's time zone") if mapping.timezone else
                   (warehouse.organisation_timezone(warehouse.meta(cur)), "the organisation's time zone"))
    check_zone(zone)
    return zone, whose


def check_zone(zone: str) -> None:
    if zone not in zoneinfo.available_timezones():
        raise ImportRefused(f"Unknown time zone {zone!r}: use an IANA name such as America/Sao_Paulo or "
                            "Europe/Berlin (the list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones).")


def preview(con, path, mapping: Mapping, now: datetime | None = None, name: str | None = None,
            delimiter: str | None = None, timezone: str | None = None) -> Report:
    """Check a file against the warehouse without writing anything."""
    started = time.perf_counter()
    cur = con.cursor()
    try:
        tz, whose = reading_zone(cur, mapping, timezone)
        report = prepare(cur, path, mapping, tz, now or utc_now(), name=name, delimiter=delimiter)
        report.timezone_from = whose
    finally:
        cur.close()
    report.seconds = time.perf_counter() - started
    return report


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def run(con, path, mapping: Mapping, by: access.Person, now: datetime | None = None,
        name: str | None = None, delimiter: str | None = None, progress=None, timezone: str | None = None) -> Report:
    """Check and write one file in one transaction: all its accepted rows, its record in imports and
    its refused rows in import_rejects, or (on any error or interruption) nothing at all."""
    started = time.perf_counter()
    now = now or utc_now()
    step = progress or (lambda share, label: None)
    with warehouse.transaction(con, by, "import") as cur:
        tz, whose = reading_zone(cur, mapping, timezone)
        step(0.05, "Reading and checking the file")
        report = prepare(cur, path, mapping, tz, now, name=name, delimiter=delimiter)
        report.timezone_from = whose
        if report.accepted == 0:
            report.seconds = time.perf_counter() - started
            raise NothingAccepted(report)  # rolls the transaction back: no import record either
        step(0.5, f"Writing {report.accepted:,} rows")
        write(cur, report.read_with, report)
        step(0.9, "Recording the import")
        report.seconds = time.perf_counter() - started
        record(cur, mapping, report, now, by.name, naive_times_zone(cur, mapping, tz))
        report.written = True
    step(1.0, "Done")
    return report


def write(cur, mapping: Mapping, report: Report) -> None:
    kind = mapping.kind
    cols = {r[0] for r in cur.execute("describe typed").fetchall()}
    cur.execute(
        """
        create or replace temp table accepted as
        select * from typed
        where _row not in (select _row from problems union all select _row from skipped)
        """)
    for f in mapping.fields():
        if f.type == "ref" and f.ref == "reps" and f.name in cols:
            add_reps(cur, f.name, report)
    assign_ids(cur, kind)
    table, id_column = TABLES[kind], ID_COLUMNS[kind]
    target = [r[0] for r in cur.execute(f"describe {table}").fetchall()]
    select = []
    for column in target:
        select.append(f"{incoming_value(mapping, column, cols)} as {q(column)}")
    incoming = f"""
        create or replace temp table incoming as
        select {', '.join(select)}
        from accepted a
        join source_keys k on k.kind = '{kind}' and k.source_key = a._key
        left join {table} e on e.{id_column} = k.id
        """
    params = stage_outcome(mapping, "a.stage")[2] if kind == "opportunities" else {}
    cur.execute(incoming, used(incoming, params))
    cur.execute(f"create or replace temp table accepted_ids as select {id_column} from incoming")
    if kind == "leads":
        # a status the file does not give follows the lead's times
        derived = """case
                when won_at is not null then 'won'
                when opportunity_at is not null then 'opportunity'
                when sql_at is not null then 'sql'
                when rejected_at is not null or decision = 'rejected' then 'rejected'
                when accepted_at is not null or decision = 'accepted' then 'sal'
                when mql_at is not null then 'mql'
                else 'inquiry' end"""
        kept = "status" if "status" in cols else "null"
        cur.execute(f"update incoming set status = coalesce({kept}, {derived})")
    same = " and ".join(f"i.{q(c)} is not distinct from e.{q(c)}" for c in target)
    cur.execute(
        f"""
        create or replace temp table changes as
        select i.{id_column}, e.{id_column} is null as is_new
        from incoming i left join {table} e on e.{id_column} = i.{id_column}
        where e.{id_column} is null or not ({same})
        """)
    report.inserted, report.updated = cur.execute(
        "select count(*) filter (where is_new), count(*) filter (where not is_new) from changes").fetchall()[0]
    report.unchanged = report.accepted - report.inserted - report.updated
    revenue_written = kind == "revenue" or (kind == "opportunities" and mapping.revenue_from_won)
    if revenue_written:  # the rows as they were, so the rollups of their days are rebuilt too
        cur.execute("create or replace temp table revenue_before as select * from revenue where "
                    + ("revenue_id in (select revenue_id from changes)" if kind == "revenue"
                       else "opportunity_id in (select opportunity_id from accepted_ids)"))
    if kind == "follow_ups":  # a touch moved to another lead changes the facts of both
        cur.execute("create or replace temp table touched_before as select lead_id from follow_ups "
                    "where follow_up_id in (select follow_up_id from changes)")
    if kind == "opportunities":  # a deal moved to another lead changes the facts of both
        cur.execute(f"create or replace temp table leads_before as select lead_id from opportunities "
                    f"where opportunity_id in (select {id_column} from changes) "
                    f"union select lead_id from opportunity_leads "
                    f"where opportunity_id in (select {id_column} from accepted_ids)")
    columns = ", ".join(f"i.{q(c)}" for c in target)
    cur.execute(f"insert into {table} select {columns} from incoming i semi join changes c "
                f"on c.{id_column} = i.{id_column} and c.is_new")
    if report.updated:
        cur.execute(f"insert or replace into {table} select {columns} from incoming i semi join changes c "
                    f"on c.{id_column} = i.{id_column} and not c.is_new")
    if kind == "opportunities":
        link_deal_leads(cur, "lead_id" in cols)
    if kind == "opportunities" and mapping.revenue_from_won:
        book_won_revenue(cur, report)
    if kind == "leads":
        link_converted_deals(cur, "converted_opportunity_id" in cols)
    refresh_facts(cur, kind, revenue_written)


def refresh_facts(cur, kind: str, revenue_written: bool) -> None:
    """Recompute the stored facts of the leads this import changed, or whose touches, deals or revenue it changed,
    and the rollup rows they and the deals it changed are in."""
    changed = {
        "leads": "select lead_id from changes union select lead_id from linked_deals",
        "follow_ups": "select lead_id from touched_before "
                      "union select f.lead_id from follow_ups f semi join changes c on c.follow_up_id = f.follow_up_id",
        "opportunities": "select lead_id from leads_before union select o.lead_id from opportunities o "
                         "semi join changes c on c.opportunity_id = o.opportunity_id "
                         "union select lead_id from opportunity_leads where opportunity_id in (select * from accepted_ids)",
        # a lead's revenue is in its MQL day's rollup
        "revenue": "select lead_id from opportunities where opportunity_id in (select opportunity_id from revenue_before "
                   "union select opportunity_id from revenue where revenue_id in (select revenue_id from changes))",
    }.get(kind)
    deals = {"opportunities": "select opportunity_id from changes"
                              + (" union select * from accepted_ids" if revenue_written else ""),
             "revenue": "select opportunity_id from revenue where revenue_id in (select revenue_id from changes)"}.get(kind)
    if changed:
        warehouse.refresh_lead_facts(cur, f"select lead_id from ({changed}) where lead_id is not null", deals=deals,
                                     revenue_before="revenue_before" if revenue_written else None)


def converted_lead(deal_key: str) -> str:
    """SQL for the lead converted into the deal of CRM id deal_key: the earliest, if several were."""
    return (f"(select l.lead_id from leads l where l.converted_opportunity_key = {deal_key} "
            "order by l.created_at, l.lead_id limit 1)")


def link_deal_leads(cur, lead_mapped: bool) -> None:
    """opportunity_leads for the deals just written: the deal's lead first, then the other leads its file listed
    (in the listed order), then any other lead converted into it. A file that maps no lead keeps what the
    warehouse had and adds the deal's lead if missing."""
    listed = ("union all select k.id, l.lead_key, 1, l.position from listed l join accepted a using (_row) "
              "join source_keys k on k.kind = 'opportunities' and k.source_key = a._key where l.lead_key is not null"
              if lead_mapped else "")
    if lead_mapped:
        cur.execute("delete from opportunity_leads where opportunity_id in (select * from accepted_ids)")
    cur.execute(
        f"""
        insert or ignore into opportunity_leads
        select opportunity_id, lead_id,
            coalesce((select max(position) from opportunity_leads e where e.opportunity_id = c.opportunity_id), 0)
            + row_number() over (partition by opportunity_id order by rank, ord)
        from (
            select opportunity_id, lead_id, rank, ord,
                row_number() over (partition by opportunity_id, lead_id order by rank, ord) as nth
            from (
                select o.opportunity_id, o.lead_id, 0 as rank, 0 as ord from opportunities o
                where o.opportunity_id in (select * from accepted_ids) and o.lead_id is not null
                {listed}
                union all
                select o.opportunity_id, l.lead_id, 2, epoch(l.created_at) from opportunities o
                join source_keys k on k.kind = 'opportunities' and k.id = o.opportunity_id
                join leads l on l.converted_opportunity_key = k.source_key
                where o.opportunity_id in (select * from accepted_ids)
            )
        ) c
        where nth = 1
            and lead_id not in (select lead_id from opportunity_leads e where e.opportunity_id = c.opportunity_id)
        """)


def link_converted_deals(cur, converted_mapped: bool) -> None:
    """Deals imported before their leads, with no lead of their own: linked now to the lead converted into them."""
    cur.execute(
        f"""
        create or replace temp table linked_deals as
        select o.opportunity_id, {converted_lead('k.source_key')} as lead_id
        from opportunities o
        join source_keys k on k.kind = 'opportunities' and k.id = o.opportunity_id
        where o.lead_id is null and {'true' if converted_mapped else 'false'}
        """)
    cur.execute("delete from linked_deals where lead_id is null")
    cur.execute("update opportunities set lead_id = d.lead_id from linked_deals d "
                "where d.opportunity_id = opportunities.opportunity_id")
    cur.execute("insert or ignore into opportunity_leads select opportunity_id, lead_id, 1 from linked_deals "
                "where opportunity_id not in (select opportunity_id from opportunity_leads)")


NAME_COLUMNS = {"campaigns": "campaign_name", "reps": "rep_name"}  # the id stands in for a missing name


def incoming_value(mapping: Mapping, column: str, cols: set[str]) -> str:
    """A warehouse column's value for an accepted row: from the file when mapped, else as stored."""
    kind = mapping.kind
    if column == ID_COLUMNS[kind]:
        return "k.id"
    name = {"is_won": "stage", "converted_opportunity_key": "converted_opportunity_id"}.get(column, column)
    source = "a" if name in cols else "e"
    if column == NAME_COLUMNS.get(kind):
        return f"coalesce({source}.{q(column)}, a._key)"
    if kind == "opportunities" and column == "lead_id":
        # a deal whose file names no lead (Salesforce) gets the lead converted into it, if the warehouse has it
        mapped = "(select id from source_keys s where s.kind = 'leads' and s.source_key = a.lead_id)"
        return f"coalesce({mapped if source == 'a' else 'e.lead_id'}, {converted_lead('a._key')})"
    if source == "e":
        return f"e.{q(column)}"
    if column == "converted_opportunity_key":
        return f"a.{q(name)}"
    if column == "is_won":
        return stage_outcome(mapping, "a.stage")[0]
    if kind == "opportunities" and column == "closed_date":
        # an open deal's close date is the expected one (Salesforce, HubSpot): it has not closed
        return f"case when ({stage_outcome(mapping, 'a.stage')[0]}) is not null then a.closed_date end"
    f = next(f for f in mapping.fields() if f.name == name)
    if f.type == "ref":
        return f"(select id from source_keys s where s.kind = '{f.ref}' and s.source_key = a.{q(name)})"
    return f"a.{q(name)}"


def add_reps(cur, column: str, report: Report) -> None:
    """Reps a file names but the warehouse lacks: added with the name the file gives, nothing invented
    (the check has warned of them already)."""
    base = next_id(cur, "reps")
    cur.execute(
        f"""
        insert into source_keys
        select 'reps', source_key, {base} + row_number() over (order by source_key)
        from (select distinct {q(column)} as source_key from accepted
              where {q(column)} is not null
                and {q(column)} not in (select source_key from source_keys where kind = 'reps'))
        """)
    cur.execute(
        f"""
        insert into reps (rep_id, rep_name)
        select id, source_key from source_keys
        where kind = 'reps' and id > {base}
        """)


def next_id(cur, kind: str) -> int:
    table, id_column = TABLES[kind], ID_COLUMNS[kind]
    return cur.execute(
        f"""
        select greatest(
            coalesce((select max({id_column}) from {table}), 0),
            coalesce((select max(id) from source_keys where kind = $kind), 0))
        """, {"kind": kind}).fetchall()[0][0]


def assign_ids(cur, kind: str) -> None:
    base = next_id(cur, kind)
    cur.execute(
        f"""
        insert into source_keys
        select $kind, _key, {base} + row_number() over (order by first_row)
        from (select _key, min(_row) as first_row from accepted group by _key)
        where _key not in (select source_key from source_keys where kind = $kind)
        """, {"kind": kind})


def book_won_revenue(cur, report: Report) -> None:
    """A won deal's amount becomes revenue on its close date (CRMs hold bookings as won deals). Keyed
    'won:<deal id>', so importing the deals again re-books nothing, and a deal no longer won loses it."""
    cur.execute(
        """
        create or replace temp table won_bookings as
        select 'won:' || a._key as source_key, k.id as opportunity_id, o.closed_date as booked_date, o.amount_eur
        from accepted a
        join source_keys k on k.kind = 'opportunities' and k.source_key = a._key
        join opportunities o on o.opportunity_id = k.id
        where o.is_won and o.closed_date is not null and o.amount_eur > 0
        """)
    cur.execute(
        """
        delete from revenue where revenue_id in (
            select s.id from source_keys s
            join source_keys k on k.kind = 'opportunities' and 'won:' || k.source_key = s.source_key
            join accepted a on a._key = k.source_key
            where s.kind = 'revenue' and s.source_key not in (select source_key from won_bookings))
        """)
    base = next_id(cur, "revenue")
    cur.execute(
        f"""
        insert into source_keys
        select 'revenue', source_key, {base} + row_number() over (order by source_key)
        from won_bookings where source_key not in (select source_key from source_keys where kind = 'revenue')
        """)
    cur.execute(
        """
        insert or replace into revenue
        select k.id, w.opportunity_id, w.booked_date, w.amount_eur
        from won_bookings w join source_keys k on k.kind = 'revenue' and k.source_key = w.source_key
        """)


def naive_times_zone(cur, mapping: Mapping, tz: str) -> str | None:
    """The organisation's zone when written rows had times without an offset read in it (schema 12), so a later
    change of zone can say what it leaves wrong; None when there were none or the mapping named its own zone."""
    written = {r[0] for r in cur.execute("describe accepted").fetchall()}
    cells = [q(f.name + "__text") for f in mapping.fields() if f.type == "timestamp" and f.name + "__text" in written]
    if mapping.timezone or not cells:
        return None
    naive = " or ".join(f"not regexp_matches({c}, '{OFFSET}')" for c in cells)  # null cells are not naive
    return tz if cur.execute(f"select count(*) from accepted where {naive}").fetchall()[0][0] else None


def record(cur, mapping: Mapping, report: Report, now: datetime, by: str | None, naive_zone: str | None) -> None:
    report.import_id = cur.execute(
        """
        insert into imports (file_name, content_sha256, kind, mapping, imported_at, imported_by, seconds,
            rows_read, accepted, rejected, inserted, updated, unchanged, warnings, naive_times_zone)
        values ($file, $sha, $kind, $mapping, $at, $by, $seconds, $rows_read, $accepted, $rejected,
            $inserted, $updated, $unchanged, $warnings, $naive_zone)
        returning import_id
        """, {"file": report.file, "sha": report.sha256, "kind": mapping.kind, "mapping": mapping.name, "at": now,
              "by": by, "seconds": report.seconds, "rows_read": report.rows_read, "accepted": report.accepted,
              "rejected": report.rejected, "inserted": report.inserted, "updated": report.updated,
              "unchanged": report.unchanged, "warnings": "\n".join(report.warnings) or None,
              "naive_zone": naive_zone}).fetchall()[0][0]
    cur.execute(
        """
        insert into import_rejects
        select $id, p._row, p.column_name, p.reason, json_merge_patch(to_json(r), '{"_row": null}')::varchar
        from problems p join raw r on r._row = p._row
        """, {"id": report.import_id})
