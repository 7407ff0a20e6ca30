"""The weekly joint meeting as files to send round: one self-contained HTML page, a PDF and a ZIP of CSVs."""

import html as markup
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

import font_source_sans_pro
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from handshake import formats, kpis

SCORECARD = ["KPI", "Owner", "This week", "Last week", "Change", "4-week average", "Agreed level"]
SCORECARD_KINDS = ["", ""] + ["num"] * 4 + [""]  # the values line up on the right; names and words do not
NONE_THIS_WEEK = "None this week."
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# One colour per side and per verdict, the same in the HTML and the PDF. A verdict is whether the week meets the
# agreed level (target or minimum), as the page's arrows are coloured: a rise that still falls short is not good.
SIDES = {"marketing": "#0F7B8A", "sales": "#E0702B"}
VERDICTS = {True: ("good", "#1A7F37"), False: ("bad", "#C62828"), None: ("flat", "#6B7280")}


@dataclass
class Pack:
    """One week's joint meeting, already computed and worded by the page that exports it."""

    title: str
    subtitle: str
    scorecard: pd.DataFrame  # display strings in SCORECARD order, plus "meets": True, False or None (nothing agreed)
    commitments: list[tuple[str, str]]  # (side, sentence)
    agenda: list[tuple[str, str]]  # (heading, sentence)
    tables: dict[str, pd.DataFrame]  # named detail tables of raw values
    file_stem: str
    currency: str = "EUR"  # the organisation's, which its amounts are in: it names the CSVs' money columns


def _text(value, dates_only: bool) -> str:
    """One raw value as people read it: thousands separators, one decimal, "9 Nov 2026", a dash when missing."""
    value = kpis.clean(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        day = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
        return day if dates_only or not isinstance(value, datetime) else f"{day} {value:%H:%M}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def _column(series: pd.Series) -> list[str]:
    """A column's values as text; a column of midnights shows dates, since DuckDB hands DATE over as a timestamp."""
    values = series.tolist()
    stamps = [v for v in values if isinstance(v, datetime) and kpis.clean(v) is not None]
    dates_only = all(v.time() == time() for v in stamps)
    return [_text(v, dates_only) for v in values]


# A wait as formats.fmt writes it ("13.8 days", "24.0 h") or its dash: a number with its unit, kept on one line.
WAIT = re.compile(r"^(-?[\d,]+(\.\d)? (h|days)|–)$")


def _kind(series: pd.Series) -> str:
    """"num" for numbers and waits, which line up on the right and never wrap; "when" for dates and times, which
    never wrap; else ""."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "num"
    values = series.dropna().tolist()
    if values and all(isinstance(v, str) and WAIT.match(v) for v in values) and any(v != "–" for v in values):
        return "num"
    return "when" if values and all(isinstance(v, date) for v in values) else ""


def _grid(frame: pd.DataFrame) -> tuple[list[str], list[list[str]], list[str]]:
    """A table as headers, rows of text and each column's kind."""
    columns = [_column(frame[name]) for name in frame.columns]
    return [str(c) for c in frame.columns], [list(row) for row in zip(*columns)], [_kind(frame[c]) for c in frame]


def _scorecard(pack: Pack) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """The scorecard's printed rows and the verdict (class, colour) of each row's change."""
    frame = pack.scorecard
    good = [kpis.clean(g) for g in frame["meets"]] if "meets" in frame else [None] * len(frame)
    return _grid(frame[SCORECARD])[1], [VERDICTS[g if isinstance(g, bool) else None] for g in good]


def slug(name: str) -> str:
    """A file-name-safe form of a table's name: "SLA breaches" -> "sla-breaches"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "table"


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1F2933;
max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}.sub{color:#5F6B7A;margin:0 0 8px}
h2{font-size:16px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #E5E7EB}
.wide{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #E5E7EB;text-align:left;vertical-align:top}
th{background:#F3F4F6;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.num,.when{white-space:nowrap}
.good,.bad{font-weight:600}.none{color:#6B7280;font-style:italic}
ol{padding-left:22px}li{margin-bottom:6px}p{margin:4px 0}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:10pt}.wide{overflow:visible}
table{font-size:8pt}th,td{padding:3px 5px}
thead{display:table-header-group}tr,li{break-inside:avoid}h2{break-after:avoid}}
""" + "".join(f".{name}{{color:{colour}}}" for name, colour in [*SIDES.items(), *VERDICTS.values()])
NONE_HTML = f'<p class="none">{NONE_THIS_WEEK}</p>'
# A mail client may drop the <style> above (some webmail does, and Outlook's Word engine reads little of it) but
# keeps HTML's own table attributes and inline colours: with these a digest's tables keep their padding, numbers
# on the right and the verdicts' colours. Where the style does apply it overrides them (print's smaller padding).
MAIL_ATTRIBUTES = {"num": ' align="right" nowrap', "when": " nowrap", "": ' align="left"'}


def _html_table(headers: list[str], rows: list[list[str]], kinds: list[str], verdicts=None) -> str:
    """An HTML table with a header row, or the none sentence; verdicts colour the "Change" column."""
    if not rows:
        return NONE_HTML

    def cell(tag, text, c, r=None):
        verdict, colour = verdicts[r] if verdicts and r is not None and headers[c] == "Change" else ("", "")
        names = " ".join(n for n in (kinds[c], verdict) if n)
        attribute = (f' class="{names}"' if names else "") + MAIL_ATTRIBUTES[kinds[c]]
        if colour:
            attribute += f' style="color:{colour}{";font-weight:600" if verdict != "flat" else ""}"'
        return f"<{tag}{attribute}>{markup.escape(text)}</{tag}>"

    head = "".join(cell("th", h, c) for c, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", t, c, r) for c, t in enumerate(row)) + "</tr>" for r, row in enumerate(rows)
    )
    return (f'<div class="wide"><table cellpadding="6" cellspacing="0" width="100%"><thead><tr bgcolor="#F3F4F6">'
            f"{head}</tr></thead><tbody>{body}</tbody></table></div>")


def html(pack: Pack) -> str:
    """The pack as one HTML document that needs nothing else: no link, no script, no image."""
    e = markup.escape
    rows, verdicts = _scorecard(pack)
    commitments = "".join(
        f'<p><strong class="{s.lower() if s.lower() in SIDES else ""}">{e(s)}</strong> {e(t)}</p>'
        for s, t in pack.commitments
    )
    items = "".join(f"<li><strong>{e(h)}</strong><br>{e(t)}</li>" for h, t in pack.agenda)
    parts = [
        f"<h1>{e(pack.title)}</h1>",
        f'<p class="sub">{e(pack.subtitle)}</p>',
        "<h2>Scorecard</h2>",
        _html_table(SCORECARD, rows, SCORECARD_KINDS, verdicts),
        "<h2>Commitments</h2>",
        commitments or NONE_HTML,
        "<h2>Agenda</h2>",
        f"<ol>{items}</ol>" if items else NONE_HTML,
    ]
    for name, frame in pack.tables.items():
        parts += [f"<h2>{e(name)}</h2>", _html_table(*_grid(frame))]
    return _document(pack.title, parts)


def _document(title: str, parts: list[str]) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{markup.escape(title)}</title><style>{STYLE}</style></head>\n"
        "<body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def alert_html(title: str, note: str, sections: list[tuple[str, str, pd.DataFrame]]) -> str:
    """An alert as one HTML document in the pack's style: each section's heading, sentence and table; the note
    (the rule it applies) last."""
    e = markup.escape
    parts = [f"<h1>{e(title)}</h1>"]
    for heading, sentence, table in sections:
        parts += [f"<h2>{e(heading)}</h2>", f"<p>{e(sentence)}</p>"]
        parts += [_html_table(*_grid(table))] if not table.empty else []
    parts.append(f'<p class="sub">{e(note)}</p>')
    return _document(title, parts)


def table_lines(table: pd.DataFrame) -> str:
    """A table as one line a row, "Column: value" joined, for a message's plain-text part."""
    if table.empty:
        return ""
    headers, rows, _ = _grid(table)
    return "\n".join("• " + " · ".join(f"{h}: {v}" for h, v in zip(headers, row) if v != "–") for row in rows)


def _rgb(colour: str) -> tuple[int, int, int]:
    """#0F7B8A -> (15, 123, 138)."""
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


INK, MUTED, RULE = "#1F2933", "#6B7280", "#E5E7EB"
NEXT_LINE = {"new_x": "LMARGIN", "new_y": "NEXT"}


class _Document(FPDF):
    """An A4 PDF in Source Sans with the title and page number in each footer."""

    def __init__(self, title: str):
        super().__init__(format="A4")
        # fpdf2's core fonts are Latin-1 only and refuse "€" and "–"; a TrueType font has them. fpdf2 ships no
        # font and CI has no system fonts, so it comes from a pinned pip package: a wheel of OFL-licensed Source
        # Sans Pro (Latin, Greek, Cyrillic) with no dependencies, instead of a font file committed here.
        self.add_font("Sans", "", font_source_sans_pro.font_files_ttf["SourceSansPro"])
        self.add_font("Sans", "B", font_source_sans_pro.font_files_ttf["SourceSansProBold"])
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.footer_text = title

    def use(self, size: float = 9.5, bold: bool = False, colour: str = INK):
        """Set the font and text colour for what follows."""
        self.set_font("Sans", "B" if bold else "", size)
        self.set_text_color(*_rgb(colour))

    def footer(self):
        self.set_y(-10)
        self.use(8, colour=MUTED)
        self.cell(self.epw * 0.8, 5, self.footer_text)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def heading(self, text: str):
        """A section heading, moved to a new page rather than left alone at the foot of one."""
        if self.get_y() > self.page_break_trigger - 30:
            self.add_page(same=True)  # keeps the first page's orientation
        self.ln(4)
        self.use(12, bold=True)
        self.multi_cell(0, 7, text, **NEXT_LINE)
        self.set_draw_color(*_rgb(RULE))
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)
        self.use()

    def none(self):
        """The sentence that stands in for an empty section."""
        self.use(colour=MUTED)
        self.multi_cell(0, 5, NONE_THIS_WEEK, **NEXT_LINE)
        self.use()


def _widths(doc: _Document, headers: list[str], rows: list[list[str]],
            kinds: list[str] | None = None) -> tuple[list[float], list[float]]:
    """Each column's least width (its longest word; a number's whole text, as "13.8 days" must not break) and
    natural width (its longest text) in mm, padding included; measured in bold, as some cells are bold."""
    doc.use(8.5, bold=True)
    columns = list(zip(headers, *rows))
    kinds = kinds or [""] * len(columns)
    least = [max([doc.get_string_width(w) for t in c for w in t.split() or [""]]
                 + [doc.get_string_width(t) for t in c[1:] if kind == "num"]) + 4.5
             for c, kind in zip(columns, kinds)]
    return least, [max(doc.get_string_width(t) for t in c) + 4.5 for c in columns]


def _fit(least: list[float], most: list[float], room: float) -> list[float]:
    """Column widths that fill the room as a browser lays out a table: natural widths stretched when they fit,
    else each column's longest word plus a share of what is left, so text wraps between words, not inside them."""
    if sum(most) <= room:
        return [m * room / sum(most) for m in most]
    if sum(least) >= room:  # even single words do not fit: they break, in proportion
        return [w * room / sum(least) for w in least]
    share = (room - sum(least)) / (sum(most) - sum(least))
    return [w + (m - w) * share for w, m in zip(least, most)]


def _pdf_table(doc: _Document, headers, rows, kinds, verdicts=None):
    """A table with its header row repeated on each page and long cells wrapped, or the none sentence."""
    if not rows:
        return doc.none()
    widths = _fit(*_widths(doc, headers, rows, kinds), doc.epw)
    doc.use(8.5)
    doc.set_draw_color(*_rgb(RULE))
    with doc.table(
        col_widths=widths, text_align=["RIGHT" if k == "num" else "LEFT" for k in kinds], v_align="TOP",
        borders_layout="HORIZONTAL_LINES", headings_style=FontFace(emphasis="BOLD", fill_color=_rgb("#F3F4F6")),
        line_height=4.2, padding=(1.2, 2),
    ) as table:
        table.row(headers)
        for r, row in enumerate(rows):
            line = table.row()
            for c, text in enumerate(row):
                colour = verdicts[r][1] if verdicts and headers[c] == "Change" else None
                bold = "BOLD" if colour != VERDICTS[None][1] else None
                line.cell(text, style=FontFace(color=_rgb(colour), emphasis=bold) if colour else None)
    doc.use()


def pdf(pack: Pack) -> bytes:
    """The pack as an A4 PDF with the same text as the HTML; landscape when portrait is too narrow for its tables."""
    rows, verdicts = _scorecard(pack)
    doc = _Document(pack.title)
    # Landscape when the scorecard cannot fit portrait unwrapped, or a table not even word by word.
    grids = [_grid(frame) for frame in pack.tables.values()]
    wide = sum(_widths(doc, SCORECARD, rows)[1]) > doc.epw or any(sum(_widths(doc, *g)[0]) > doc.epw for g in grids)
    doc.add_page(orientation="L" if wide else "P")
    doc.use(16, bold=True)
    doc.multi_cell(0, 8, pack.title, **NEXT_LINE)
    doc.use(colour="#5F6B7A")
    doc.multi_cell(0, 5, pack.subtitle, **NEXT_LINE)
    doc.heading("Scorecard")
    _pdf_table(doc, SCORECARD, rows, SCORECARD_KINDS, verdicts)
    doc.heading("Commitments")
    for side, sentence in pack.commitments:
        doc.use(bold=True, colour=SIDES.get(side.lower(), INK))
        doc.cell(doc.get_string_width(side) + 2, 5, side)
        doc.use()
        doc.multi_cell(0, 5, sentence, **NEXT_LINE)  # wrapped lines hang under the sentence, not the side
        doc.ln(1)
    if not pack.commitments:
        doc.none()
    doc.heading("Agenda")
    for number, (heading, sentence) in enumerate(pack.agenda, start=1):
        doc.cell(7, 5, f"{number}.")
        doc.use(bold=True)
        doc.multi_cell(0, 5, heading, new_x="LEFT", new_y="NEXT")
        doc.use()
        doc.multi_cell(0, 5, sentence, **NEXT_LINE)
        doc.ln(1.5)
    if not pack.agenda:
        doc.none()
    for name, grid in zip(pack.tables, grids):
        doc.heading(name)
        _pdf_table(doc, *grid)
    return bytes(doc.output())


def csv_zip(pack: Pack) -> bytes:
    """The pack's rows as CSV files in one ZIP: the printed scorecard, agenda, commitments and each table raw."""
    files = {
        "scorecard.csv": pack.scorecard[SCORECARD],
        "agenda.csv": pd.DataFrame(pack.agenda, columns=["heading", "sentence"]),
        "commitments.csv": pd.DataFrame(pack.commitments, columns=["side", "sentence"]),
    } | {f"{slug(name)}.csv": frame for name, frame in pack.tables.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in files.items():
            # UTF-8 with a byte-order mark: Excel, where most readers open these, otherwise shows "€" as "â‚¬".
            archive.writestr(name, formats.csv_text(frame, pack.currency).encode("utf-8-sig"))
    return buffer.getvalue()
