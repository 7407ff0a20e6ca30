"""What the Import data page needs beside the importer: an uploaded file saved where the importer can
read it, a summary of the file read in a throwaway database, and the mapping the page's choices make."""

import dataclasses
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from handshake import mappings, readers
from handshake.mappings import FIELDS, Mapping

HEAD_ROWS = 10  # the first rows shown as the file holds them
MAX_VALUES = 100  # a column with more distinct values is no stage or status column: its values are not listed
DATE_ORDERS = {"auto": "Work it out from the values", "dmy": "Day first (31/12/2026)",
               "mdy": "Month first (12/31/2026)", "iso": "ISO (2026-12-31)"}
KIND_LABELS = {"leads": "Leads", "follow_ups": "Sales follow-ups (calls, emails, meetings)",
               "opportunities": "Deals (opportunities)", "revenue": "Revenue bookings", "campaigns": "Campaigns",
               "reps": "People in sales and marketing"}
SHORT_KIND_LABELS = {"leads": "Leads", "follow_ups": "Follow-ups", "opportunities": "Deals", "revenue": "Revenue",
                     "campaigns": "Campaigns", "reps": "People"}
VALUE_MAPS = {"leads": "status", "follow_ups": "channel"}  # choice fields whose file values the page maps


@dataclass
class FileSummary:
    """What the page shows of a file before any mapping: its columns, first rows and short value lists."""
    info: readers.FileRead
    head: pd.DataFrame
    values: dict[str, list[str]] = field(default_factory=dict)  # column -> distinct non-empty values, if few

    @property
    def columns(self) -> list[str]:
        return self.info.columns


@contextmanager
def saved(upload):
    """An uploaded file (st.file_uploader's) written to a temporary file with the same suffix, deleted afterwards."""
    handle = tempfile.NamedTemporaryFile(prefix="handshake_import_", suffix=Path(upload.name).suffix.lower(),
                                         delete=False)
    try:
        with handle:
            handle.write(upload.getbuffer())
        yield Path(handle.name)
    finally:
        os.unlink(handle.name)


def summarise(path, name: str | None = None, delimiter: str | None = None) -> FileSummary:
    """Read the file into a throwaway in-memory database; readers.FileRefused when it cannot be read."""
    con = duckdb.connect()
    try:
        cur = con.cursor()
        info = readers.read(cur, path, "raw", name=name, delimiter=delimiter)
        head = cur.execute(f"select * from raw order by _row limit {HEAD_ROWS}").df().rename(columns={"_row": "Row"})
        q = readers.quote_id
        counted = cur.execute("select " + ", ".join(
            f"approx_count_distinct(nullif(trim({q(c)}), '')) as {q(c)}" for c in info.columns) + " from raw").fetchall()[0]
        values = {}
        for column, approx in zip(info.columns, counted):
            if approx <= 2 * MAX_VALUES:  # approximate: the exact count is checked below
                found = [r[0] for r in cur.execute(
                    f"""
                    select trim({q(column)}) as v from raw where trim({q(column)}) <> ''
                    group by v order by count(*) desc, v limit {MAX_VALUES + 1}
                    """).fetchall()]
                if len(found) <= MAX_VALUES:
                    values[column] = found
        return FileSummary(info, head, values)
    finally:
        con.close()


def parse_delimiter(text: str | None) -> str | None:
    """The delimiter a user typed: empty means detect; 'tab' or \\t mean a tab."""
    if not text:
        return None
    return "\t" if text.strip().lower() in ("tab", "\\t") else text


def base_mapping(choice: str, kind: str, columns: list[str]) -> Mapping:
    """The mapping the page starts from: canonical, a preset by name, or a guess from the file's columns."""
    if choice == "mine":
        mapping = mappings.guess(kind, columns)
        mapping.name = "matched on the Import data page"
        mapping.description = f"{KIND_LABELS[kind]}, columns matched on the Import data page"
        return mapping
    return mappings.load(choice, kind)


def presets_for(kind: str) -> tuple[dict[str, Mapping], dict[str, str]]:
    """The presets that map this kind, by name, and the presets that cannot be read, with why."""
    usable, broken = {}, {}
    for name in mappings.presets():
        try:
            mapping = mappings.load(name)
        except mappings.MappingError as e:
            broken[name] = str(e)
            continue
        if mapping.kind == kind:
            usable[name] = mapping
    return usable, broken


def preset_label(mapping: Mapping) -> str:
    """A preset as the picker shows it: its description up to the first parenthesis."""
    return (mapping.description.split("(")[0].strip() or mapping.name) if mapping.description else mapping.name


def default_columns(base: Mapping, columns: list[str]) -> dict[str, str | None]:
    """Each field's column as the base mapping has it, None when the file lacks that column."""
    return {f.name: base.column_in(f.name, columns) for f in FIELDS[base.kind]}


def absent_columns(base: Mapping, columns: list[str]) -> dict[str, str]:
    """Fields the base mapping reads from a column the file does not have (a preset for another export)."""
    if base.name == mappings.CANONICAL:
        return {}
    return {name: " or ".join(f"'{c}'" for c in base.alternatives(name)) for name in base.columns
            if base.column_in(name, columns) is None}


def default_stages(base: Mapping, values: list[str]) -> dict[str, list[str]]:
    """The file's stage values that the base mapping lists as won, lost or open (any case)."""
    lists = {k: {s.strip().lower() for s in getattr(base, f"{k}_stages")} for k in ("won", "lost", "open")}
    return {k: [v for v in values if v.strip().lower() in listed] for k, listed in lists.items()}


def default_targets(base: Mapping, name: str, values: list[str]) -> list[str | None]:
    """For each file value of a choice field, the Handshake value: the base mapping's, or the value
    itself when it already is one; None when neither."""
    f = next(f for f in FIELDS[base.kind] if f.name == name)
    pairs = {k.strip().lower(): v for k, v in base.values.get(name, {}).items()}
    targets = []
    for value in values:
        target = pairs.get(value.strip().lower(), pairs.get("*", value))  # "*": every other value
        targets.append(mappings.code(target) if mappings.code(target) in f.choices else None)
    return targets


def build(base: Mapping, columns: dict[str, str | None], stages: dict[str, list[str]] | None = None,
          values: dict[str, dict[str, str]] | None = None, dates: str = "auto", edited: bool = False) -> Mapping:
    """The mapping the page's choices make: the base mapping with the user's columns, stages and value maps.

    Only fields given a column are mapped (the canonical mapping names every field, and the importer would
    read the ones the file lacks). A field mapped to a column loses any constant the base set for it."""
    chosen = {name: column for name, column in columns.items() if column}
    # an edited value map keeps the base's "*" (every other value), so the next export's new values still map
    merged = {**base.values, **{k: {**v, **({"*": base.values[k]["*"]} if "*" in base.values.get(k, {}) else {})}
                                for k, v in (values or {}).items()}}
    mapping = dataclasses.replace(
        base,
        columns=chosen,
        constants={k: v for k, v in base.constants.items() if k not in chosen},
        values={k: v for k, v in merged.items() if v},
    )
    if mapping.kind == "opportunities":
        if stages is not None:
            mapping.won_stages, mapping.lost_stages, mapping.open_stages = (
                tuple(stages.get(k, ())) for k in ("won", "lost", "open"))
    else:
        mapping.won_stages = mapping.lost_stages = mapping.open_stages = ()
    if dates != "auto":
        mapping.dates = dates
    if edited and (base.name == mappings.CANONICAL or base.name in mappings.presets()):
        mapping.name = f"{base.name}, edited"
    return mapping


def value_map(values: list[str], targets: list[str | None]) -> dict[str, str]:
    """File value -> Handshake value, for the values that are not already the Handshake value."""
    return {v: t for v, t in zip(values, targets) if t and mappings.code(v) != t}


def command_line(mapping: Mapping, file_name: str, warehouse_path, delimiter: str | None = None) -> str:
    """The command that imports the same file with the downloaded mapping."""
    def shell(text: str) -> str:
        return text if text and all(c.isalnum() or c in "-_./:" for c in text) else "'" + text.replace("'", "'\\''") + "'"
    parts = ["python -m handshake import", shell(file_name), "--kind", mapping.kind,
             "--mapping", f"mapping_{mapping.kind}.toml", "--warehouse", shell(str(warehouse_path))]
    if delimiter:
        parts += ["--delimiter", "$'\\t'" if delimiter == "\t" else shell(delimiter)]
    return " ".join(parts)
