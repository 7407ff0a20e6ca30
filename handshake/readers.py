"""Reading an export file (CSV, Excel .xlsx or Parquet) into a table of text cells, with the file's
row numbers, or refusing it with one message that says what is wrong and what to do."""

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

MAX_BYTES = 1024 * 1024 * 1024  # a CRM export is rarely above 1 GB; a bigger file is more likely a mistake
MAX_LINE_BYTES = 1024 * 1024


class FileRefused(ValueError):
    """A file that cannot be read as an export at all; nothing was written."""


@dataclass
class FileRead:
    name: str
    format: str  # csv, xlsx, parquet
    columns: list[str]
    rows: int
    sha256: str
    encoding: str | None = None
    delimiter: str | None = None
    first_row: int = 2  # the row number of the first record, as a spreadsheet shows it (1 is the header)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() in (".xlsx", ".xlsm") or b"[Content_Types].xml" in head:
            return "xlsx"
        raise FileRefused(f"{path.name}: a ZIP archive, not an export: unzip it and import the CSV or .xlsx inside.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(f"{path.name}: an old Excel .xls file: save it as .xlsx or CSV and import that.")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(f"{path.name}: not a text file (it holds binary data): export the data as CSV, .xlsx "
                          "or Parquet and import that.")
    return "csv"


def read(cur, path, table: str, name: str | None = None, delimiter: str | None = None) -> FileRead:
    """Create table `table` (text columns as in the file, plus `_row`, the file's row number) on cursor cur."""
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"{name}: the file is empty: export it again with its rows.")
    if size > MAX_BYTES:
        raise FileRefused(f"{name}: {size / 1e9:.1f} GB is more than the {MAX_BYTES / 1e9:.0f} GB an import takes: "
                          "split the export by year and import the parts.")
    with open(path, "rb") as f:
        head = f.read(8192)
    kind = file_format(path, head)
    cur.execute(f"drop view if exists {table}")
    cur.execute(f"drop table if exists {table}_unnumbered")
    if kind == "parquet":
        info = read_parquet(cur, path, table, name)
    elif kind == "xlsx":
        info = read_xlsx(cur, path, table, name)
    else:
        info = read_csv(cur, path, table, name, head, delimiter)
    info.sha256 = sha256(path)
    if info.rows == 0:
        raise FileRefused(f"{name}: the file has a header ({', '.join(info.columns[:6])}) but no rows: "
                          "export it again with its rows.")
    filled = cur.execute(f"select count(*) from {table} where coalesce("
                         + ", ".join(f"nullif(trim({quote_id(c)}), '')" for c in info.columns) + ") is not null"
                         ).fetchall()[0][0]
    if not filled:
        raise FileRefused(f"{name}: the file holds no values, only empty lines or cells: export it again with its rows.")
    blank = [i + 1 for i, c in enumerate(info.columns) if not c.strip()]
    if blank:
        raise FileRefused(f"{name}: column {blank[0]} has no name in the header row: name every column.")
    return info


def read_csv(cur, path: Path, table: str, name: str, head: bytes, delimiter: str | None) -> FileRead:
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else text_encoding(path, name)
    options = dict(all_varchar=True, header=True, skip=0, max_line_size=MAX_LINE_BYTES, sample_size=20480,
                   null_padding=False, strict_mode=False)
    if delimiter:
        options["delim"] = delimiter
    try:
        cur.execute(f"create or replace temp table {table} as select * from read_csv($path, encoding = $encoding, "
                    + ", ".join(f"{k} = ${k}" for k in options) + ")",
                    {"path": str(path), "encoding": encoding, **options})
    except duckdb.Error as e:
        raise FileRefused(csv_problem(name, e)) from None
    columns = [r[0] for r in cur.execute(f"describe {table}").fetchall()]
    if len(columns) == 1:
        found = columns[0]
        if "," in found and delimiter in (None, ","):
            raise FileRefused(f"{name}: the rows have different numbers of columns, so no delimiter fits every row: "
                              "check that text holding commas is quoted, or export the file again.")
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars"), (",", "commas")):
            if sep in found and sep != delimiter:
                raise FileRefused(
                    f"{name}: every row read as one column ({found[:60]!r}): the columns seem separated by "
                    f"{label}. Choose that delimiter (--delimiter '{sep}') or export with commas.")
    sniffed = cur.execute("select Delimiter from sniff_csv($path, encoding = $encoding)",
                          {"path": str(path), "encoding": encoding}).fetchall()[0] if not delimiter else (delimiter,)
    add_row_numbers(cur, table, first=2)
    rows = cur.execute(f"select count(*) from {table}").fetchall()[0][0]
    return FileRead(name, "csv", columns, rows, "", encoding=encoding, delimiter=sniffed[0])


def text_encoding(path: Path, name: str) -> str:
    """UTF-8 when every byte decodes as UTF-8, else Latin-1 (which decodes anything); a line too long to
    be an export's row refuses the file. Decided here, in one pass, because DuckDB takes long to fail
    on a huge line and a failed read would abort the import's transaction."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, line = True, 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            parts = chunk.split(b"\n")
            line += len(parts[0])
            if max(line, *(len(p) for p in parts[1:-1]), 0) > MAX_LINE_BYTES:
                raise FileRefused(csv_problem(name, "maximum line size"))
            if len(parts) > 1:
                line = len(parts[-1])
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if line > MAX_LINE_BYTES:
        raise FileRefused(csv_problem(name, "maximum line size"))
    return "utf-8" if utf8 else "latin-1"


def csv_problem(name: str, error) -> str:
    text = str(error)
    lowered = text.lower()
    line = next((ln for ln in text.splitlines() if "line" in ln.lower()), "")
    if "maximum line size" in lowered or "line size" in lowered:
        return (f"{name}: a line is longer than {MAX_LINE_BYTES // 1024:,} KB, which no CRM export has: "
                "the file is not a CSV export, or its line breaks were lost. Export it again.")
    if "unicode" in lowered or "encoding" in lowered:
        return f"{name}: the text is in no encoding Handshake reads (UTF-8, UTF-16, Latin-1): export it as UTF-8."
    if "expected" in lowered and "columns" in lowered or "too many columns" in lowered:
        return (f"{name}: rows have different numbers of columns ({line.strip() or text.splitlines()[0]}): check the "
                "delimiter and that text with commas is quoted.")
    return f"{name}: cannot be read as CSV ({text.strip().splitlines()[0]}). Export it again as CSV, .xlsx or Parquet."


def add_row_numbers(cur, table: str, first: int) -> None:
    # rowid follows the file's order (insertion order is preserved), so it gives the row a user sees;
    # inside a transaction it starts at a large base, hence the minimum
    cur.execute(f"alter table {table} rename to {table}_unnumbered")
    base = cur.execute(f"select coalesce(min(rowid), 0) from {table}_unnumbered").fetchall()[0][0]
    cur.execute(f"create or replace temp view {table} as select rowid - {base} + {first} as _row, * "
                f"from {table}_unnumbered")


def read_parquet(cur, path: Path, table: str, name: str) -> FileRead:
    try:
        cur.execute(f"create or replace temp table {table} as select * from read_parquet($path)", {"path": str(path)})
    except duckdb.Error as e:
        raise FileRefused(f"{name}: not a readable Parquet file ({str(e).strip().splitlines()[0]}).") from None
    described = cur.execute(f"describe {table}").fetchall()
    casts = ", ".join(f"{quote_id(c)}::varchar as {quote_id(c)}" for c, *_ in described)
    cur.execute(f"alter table {table} rename to {table}_typed")
    cur.execute(f"create temp table {table} as select {casts} from {table}_typed")
    cur.execute(f"drop table {table}_typed")
    add_row_numbers(cur, table, first=1)
    rows = cur.execute(f"select count(*) from {table}").fetchall()[0][0]
    return FileRead(name, "parquet", [c for c, *_ in described], rows, "", first_row=1)


def read_xlsx(cur, path: Path, table: str, name: str) -> FileRead:
    import openpyxl  # only Excel files need it

    try:
        # formulas stay formulas (data_only=False), so a cell holding one can be refused rather than trusted
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(f"{name}: not a readable .xlsx workbook ({type(e).__name__}: {e}).") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileRefused(f"{name}: the first sheet is empty: put the export on the first sheet.")
        columns = [str(c).strip() if c is not None else "" for c in header]
        while columns and not columns[-1]:
            columns.pop()
        records = [[cell_text(v) for v in r[:len(columns)]] for r in rows]
    finally:
        book.close()
    while records and all(v is None for v in records[-1]):
        records.pop()
    if len(set(columns)) < len(columns):
        raise FileRefused(f"{name}: the header names a column twice: give every column its own name.")
    frame = pd.DataFrame(records, columns=columns, dtype="string")
    cur.register("xlsx_frame", frame)
    try:
        cols = ", ".join(f"{quote_id(c)}::varchar as {quote_id(c)}" for c in columns)
        cur.execute(f"create or replace temp table {table} as select {cols} from xlsx_frame")
    finally:
        cur.unregister("xlsx_frame")
    add_row_numbers(cur, table, first=2)
    return FileRead(name, "xlsx", columns, len(records), "", first_row=2)


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def quote_id(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
