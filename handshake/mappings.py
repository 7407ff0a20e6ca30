"""What an import file may hold (the fields of each kind of record) and how a file's columns and values
map onto them: a preset for a common export, the canonical format, or a small TOML file of one's own.

A mapping file (TOML) has, beside `kind`, `dates`, `timezone`, `missing` and the stage lists:

- `[columns]` field = "the file's column", or a list of alternatives, field = ["Lead ID", "Id"]: the first
  one the file has is read, and where its cell is empty, the next one the file has (row by row). The same CRM
  names a column differently in a report and in an export (HubSpot "Associated Contact IDs" / "Associated
  Contact", Salesforce report labels / API names), and a finer column may be empty where a coarser one is not
  (HubSpot's source drill-down, then the source itself).
- `[constants]` field = "one value for every row".
- `[values.FIELD]` "file value" = "Handshake value", matched in any case. The key "*" gives the value of
  every other non-empty cell (sourced_by from HubSpot's "Original Source Drill-Down 1": {"CRM_UI" = "sales",
  "*" = "marketing"}); a value mapped to "" empties the cell.
- `[separators]` field = ";": the cell may list several ids (HubSpot's "Associated Contact IDs" = "101;102"),
  for the lead of a deal or of a follow-up. The record's lead is the FIRST listed id that is in the
  warehouse; listed ids not in the warehouse are warned of with their rows. A deal keeps every listed lead
  found in table opportunity_leads, in the listed order (position 1 = the deal's lead). A deal none of whose
  leads (listed or single) is in the warehouse is imported without a lead, with a warning naming its rows
  (its revenue counts in totals but traces to no source): import it again after the contacts to link it. A
  follow-up none of whose listed leads is in the warehouse is refused, as a follow-up of an unknown lead is.

Salesforce links lead and deal from the lead's side: a leads file may map converted_opportunity_id (the
lead's "Converted Opportunity ID"), kept as text and never refused; a deal whose own file gives no lead gets
the lead converted into it, whichever of the two files is imported first.
"""

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MAPPING_DIR = Path(__file__).resolve().parent.parent / "data" / "mappings"
CANONICAL = "canonical"
LEAD_STATUSES = ("inquiry", "mql", "sal", "rejected", "sql", "opportunity", "won", "lost", "disqualified")
TOUCH_CHANNELS = ("call", "email", "meeting", "social", "other")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # key, text, code, choice, timestamp, date, score, money, boolean, ref
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the kind a "ref" field points at
    event: bool = False  # a moment that has happened, so never in the future
    # an id kept as the CRM's text and never refused when unknown: the record it names may come in a later file
    loose: bool = False


F = Field
FIELDS: dict[str, tuple[Field, ...]] = {
    "leads": (
        F("lead_id", "key", True, "the lead's id in your CRM (any text)"),
        F("created_at", "timestamp", True, "when the lead came in", event=True),
        F("source", "code", help="where it came from; 'Google' and 'google' become one source"),
        F("sourced_by", "choice", help="which team found it", choices=("marketing", "sales")),
        F("campaign_id", "ref", help="the campaign's id, as in your campaigns file", ref="campaigns"),
        F("segment", "text"),
        F("region", "text"),
        F("lead_score", "score", help="a whole number from 0 to 100"),
        F("mql_at", "timestamp", help="when it became marketing-qualified", event=True),
        F("assigned_at", "timestamp", help="when it was handed to a sales rep", event=True),
        F("owner_rep_id", "ref", help="the rep who owns it: id or name", ref="reps"),
        F("accepted_at", "timestamp", help="when sales accepted it", event=True),
        F("rejected_at", "timestamp", help="when sales rejected it", event=True),
        F("rejection_reason", "code"),
        F("sql_at", "timestamp", help="when it became sales-qualified", event=True),
        F("opportunity_at", "timestamp", help="when a deal was opened", event=True),
        F("status", "choice", help="its stage now; worked out from the times when not mapped",
          choices=LEAD_STATUSES),
        F("decision", "choice", help="sales' decision when the export records it without a time (HubSpot's Lead "
          "Status, Salesforce's Status): accepted or rejected", choices=("accepted", "rejected")),
        F("won_at", "timestamp", help="when it became a customer, for a lead won without a deal in the file",
          event=True),
        # Salesforce links lead and deal from the lead's side; a deal whose own file names no lead gets this one
        F("converted_opportunity_id", "ref", help="the deal it was converted into (Salesforce's Converted "
          "Opportunity ID): links the deal to this lead when the deals file names no lead", ref="opportunities",
          loose=True),
    ),
    "follow_ups": (
        F("follow_up_id", "key", help="the activity's id; made from lead, time and channel when missing"),
        F("lead_id", "ref", True, "the lead touched, as in your leads file", ref="leads"),
        F("rep_id", "ref", help="who touched it: id or name", ref="reps"),
        F("touched_at", "timestamp", True, "when", event=True),
        F("channel", "choice", True, "call, email, meeting, social or other", choices=TOUCH_CHANNELS),
        F("outcome", "text"),
    ),
    "opportunities": (
        F("opportunity_id", "key", True, "the deal's id in your CRM"),
        F("lead_id", "ref", help="the lead it came from, if any", ref="leads"),
        F("owner_rep_id", "ref", help="the rep who owns it: id or name", ref="reps"),
        F("created_date", "date", help="when it was opened or engaged", event=True),
        F("stage", "text", True, "its stage; the mapping says which stages are won, lost or open"),
        F("amount_eur", "money", help="its value in the organisation's currency, never converted"),
        F("closed_date", "date", help="when it was won or lost; an open deal's expected date is not kept"),
    ),
    "revenue": (
        F("revenue_id", "key", help="the booking's id; made from deal, date and amount when missing"),
        F("opportunity_id", "ref", True, "the deal it belongs to", ref="opportunities"),
        F("booked_date", "date", True, event=True),
        F("amount_eur", "money", True, "in the organisation's currency, never converted"),
    ),
    "campaigns": (
        F("campaign_id", "key", True, "the campaign's id (or its name)"),
        F("campaign_name", "text", help="the campaign's id when not mapped"),
        F("channel", "code", True),
        F("start_date", "date", True),
        F("end_date", "date"),
        F("cost_eur", "money", help="what it cost, in the organisation's currency, never converted"),
        F("has_sales_at_kickoff", "boolean"),
        F("has_sales_at_postmortem", "boolean"),
    ),
    "reps": (
        F("rep_id", "key", True, "the person's id, or their name when the files name reps"),
        F("rep_name", "text", help="the id when not mapped"),
        F("function", "choice", choices=("marketing", "sales")),
        F("role", "choice", choices=("marketer", "sdr", "account_executive", "head")),
        F("team", "text"),
        F("region", "text"),
        F("active_from_date", "date"),
        F("active_to_date", "date"),
    ),
}
KINDS = tuple(FIELDS)
ALIASES = {"activities": "follow_ups", "touches": "follow_ups", "followups": "follow_ups", "deals": "opportunities",
           "opportunity": "opportunities", "lead": "leads", "bookings": "revenue", "users": "reps", "owners": "reps"}


class MappingError(ValueError):
    """A mapping that cannot be used; the message says what to change."""


@dataclass
class Mapping:
    kind: str
    name: str = CANONICAL
    # field -> the file's column, or a tuple of alternative column names (the first the file has is read)
    columns: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)  # field -> one value for every row
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {file value: Handshake value}
    separators: dict[str, str] = field(default_factory=dict)  # field -> what separates several ids in a cell
    # for one file (resolved()): field -> the other alternatives the file has, read where the first is empty
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # cell values that mean "empty", such as "Select"
    dates: str = "auto"  # auto, iso, dmy, mdy
    timezone: str | None = None  # of times without an offset; the organisation's when None
    won_stages: tuple[str, ...] = ()
    lost_stages: tuple[str, ...] = ()
    open_stages: tuple[str, ...] = ()
    revenue_from_won: bool = True  # book a won deal's amount as revenue on its close date
    description: str = ""

    def fields(self) -> tuple[Field, ...]:
        return FIELDS[self.kind]

    def alternatives(self, name: str) -> tuple[str, ...]:
        """The columns a field may be read from, in the mapping's order of preference."""
        column = self.columns.get(name)
        if column is None:
            return ()
        return (column,) if isinstance(column, str) else tuple(column)

    def column_in(self, name: str, file_columns) -> str | None:
        """The column a field is read from in this file: the first alternative the file has."""
        return next((c for c in self.alternatives(name) if c in file_columns), None)

    def resolved(self, file_columns) -> "Mapping":
        """This mapping for one file: each list of alternatives replaced by the column the file has (the first
        alternative when it has none, so messages name it)."""
        columns = {name: self.column_in(name, file_columns) or self.alternatives(name)[0]
                   for name in self.columns if self.alternatives(name)}
        fallbacks = {name: present[1:] for name in self.columns
                     if len(present := [c for c in self.alternatives(name) if c in file_columns]) > 1}
        return dataclasses.replace(self, columns=columns, fallbacks=fallbacks)

    def to_toml(self) -> str:
        """The mapping as a file for `python -m handshake import --mapping FILE`."""
        lines = [f"# {self.description or 'Handshake import mapping'}", f"kind = {quote(self.kind)}"]
        if self.dates != "auto":
            lines.append(f"dates = {quote(self.dates)}")
        if self.timezone:
            lines.append(f"timezone = {quote(self.timezone)}")
        if self.missing:
            lines.append(f"missing = [{', '.join(quote(m) for m in self.missing)}]")
        for name in ("won_stages", "lost_stages", "open_stages"):
            if getattr(self, name):
                lines.append(f"{name} = [{', '.join(quote(s) for s in getattr(self, name))}]")
        if self.kind == "opportunities" and not self.revenue_from_won:
            lines.append("revenue_from_won = false")
        for table, pairs in (("columns", self.columns), ("constants", self.constants),
                             ("separators", self.separators)):
            if pairs:
                lines += ["", f"[{table}]"] + [f"{k} = {quote_value(v)}" for k, v in pairs.items()]
        for name, pairs in self.values.items():
            if pairs:
                lines += ["", f"[values.{name}]"] + [f"{quote(k)} = {quote(v)}" for k, v in pairs.items()]
        return "\n".join(lines) + "\n"


def quote(text: str) -> str:
    # a JSON string is a valid TOML basic string, control characters escaped included
    return json.dumps(str(text), ensure_ascii=False)


def quote_value(value) -> str:
    """A string, or a list of strings (a column's alternatives), as TOML."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(quote(v) for v in value) + "]"
    return quote(value)


def kind_of(name: str) -> str:
    """A kind by its name or a common synonym ('deals', 'activities')."""
    key = (name or "").strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in FIELDS:
        raise MappingError(f"Unknown kind {name!r}: use one of {', '.join(KINDS)} (or deals, activities).")
    return key


def presets() -> dict[str, Path]:
    """The mappings that ship with Handshake, by name (the file name without .toml)."""
    return {p.stem: p for p in sorted(MAPPING_DIR.glob("*.toml"))}


def canonical(kind: str) -> Mapping:
    """Handshake's own format: each column is named as the field it holds."""
    kind = kind_of(kind)
    return Mapping(kind=kind, name=CANONICAL, columns={f.name: f.name for f in FIELDS[kind]},
                   won_stages=("won",), lost_stages=("lost",), open_stages=("open",),
                   description=f"Handshake canonical {kind}")


def load(spec: str, kind: str | None = None) -> Mapping:
    """A mapping by preset name, 'canonical', or the path of a TOML file; --kind must agree with it."""
    if spec == CANONICAL:
        if not kind:
            raise MappingError("The canonical mapping needs a kind: --kind leads, follow_ups, opportunities, "
                               "revenue, campaigns or reps.")
        return canonical(kind)
    path = presets().get(spec) or Path(spec)
    if not path.is_file():
        raise MappingError(f"No mapping {spec!r}: use canonical, a preset ({', '.join(presets())}) "
                           "or the path of a mapping file.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: not a valid mapping file ({e}).") from None
    mapping = from_dict(data, name=path.stem if path.parent == MAPPING_DIR else path.name, where=str(path))
    if kind and kind_of(kind) != mapping.kind:
        raise MappingError(f"{path} maps {mapping.kind}, not {kind_of(kind)}: drop --kind or choose another mapping.")
    return mapping


def from_dict(data: dict, name: str, where: str) -> Mapping:
    if "kind" not in data:
        raise MappingError(f"{where}: say which records the file holds, e.g. kind = \"leads\".")
    kind = kind_of(data["kind"])
    names = {f.name for f in FIELDS[kind]}
    for table in ("columns", "constants", "values", "separators"):
        unknown = set(data.get(table, {})) - names
        if unknown:
            raise MappingError(f"{where}: [{table}] names {', '.join(sorted(unknown))}, which {kind} do not have; "
                               f"the fields are {', '.join(sorted(names))}.")
    columns = {}
    for k, v in data.get("columns", {}).items():
        if isinstance(v, list):
            if not v or not all(isinstance(c, str) and c for c in v):
                raise MappingError(f"{where}: [columns] {k} = {v!r}: give a column name, or a list of column names "
                                   "of which the first the file has is read.")
            columns[k] = tuple(v) if len(v) > 1 else v[0]
        else:
            columns[k] = str(v)
    separators = {k: str(v) for k, v in data.get("separators", {}).items()}
    for k, v in separators.items():
        f = next(f for f in FIELDS[kind] if f.name == k)
        if not (f.type == "ref" and f.ref == "leads") or not v.strip():
            raise MappingError(f"{where}: [separators] {k} = {v!r}: a separator is for a cell listing several leads "
                               "(lead_id of deals or follow-ups), and is a character such as \";\".")
    dates = data.get("dates", "auto")
    if dates not in ("auto", "iso", "dmy", "mdy"):
        raise MappingError(f"{where}: dates = {dates!r}: use auto, iso, dmy (day first) or mdy (month first).")
    return Mapping(
        kind=kind, name=name,
        columns=columns, separators=separators,
        constants={k: str(v) for k, v in data.get("constants", {}).items()},
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()},
        missing=tuple(str(m) for m in data.get("missing", ())),
        dates=dates, timezone=data.get("timezone"),
        won_stages=tuple(data.get("won_stages", ())), lost_stages=tuple(data.get("lost_stages", ())),
        open_stages=tuple(data.get("open_stages", ())),
        revenue_from_won=bool(data.get("revenue_from_won", True)),
        description=data.get("description", ""),
    )


def code(text: str) -> str:
    """A value as a code, the way Handshake stores sources and reasons: 'Pay per Click Ads' -> pay_per_click_ads."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def guess(kind: str, file_columns: list[str]) -> Mapping:
    """A first mapping for a file of unknown origin: columns named like a field (any case, spaces or
    underscores) map to it. The user checks and completes it."""
    mapping = canonical(kind)
    mapping.name, mapping.description = "matched by column names", f"{mapping.kind} matched by column names"
    by_code = {code(c): c for c in file_columns}
    mapping.columns = {f.name: by_code[code(f.name)] for f in FIELDS[mapping.kind] if code(f.name) in by_code}
    return mapping
