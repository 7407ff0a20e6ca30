"""Numbers as people read them, with their unit: the same on a page, in the meeting pack and in a CSV note.
And text from the data made safe where it lands: in a spreadsheet, and in a page's markdown."""

import re

import pandas as pd

from handshake import kpis


# How an amount starts in each common currency; any other ISO 4217 code is written before it, with a space.
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "BRL": "R$", "JPY": "¥", "CHF": "CHF ", "INR": "₹", "AUD": "A$",
           "CAD": "C$"}


def prefix(currency: str) -> str:
    """What an amount starts with: € for EUR, R$ for BRL, "SEK " for SEK."""
    return SYMBOLS.get(currency, currency + " ")


def symbol(currency: str) -> str:
    """What a column label says money is in: € for EUR, R$ for BRL, SEK for SEK."""
    return prefix(currency).strip()


def fmt(value, unit: str, currency: str = "EUR") -> str:
    """A KPI value with its unit, or a dash when there is no number to show. Money is in the organisation's
    currency (warehouse.organisation_currency): amounts are never converted, only labelled."""
    if unit not in kpis.UNITS:  # a misspelt unit (the old "eur", say) would pass as a count without its symbol
        raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(kpis.UNITS)}")
    value = kpis.clean(value)
    if value is None:
        return "–"
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "hours":  # a wait of two days or more is read in days: "87.6 days", not "2102.0 h"
        return f"{value:,.1f} h" if abs(value) < LONG_WAIT_HOURS else f"{value / 24:,.1f} days"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "ratio":
        return f"{value:,.1f}x"
    if unit == "score":
        return f"{value:.1f} / 5"
    if unit == "points":
        return f"{value:+.1f} points"
    if unit == "money":
        return money(value, currency)
    # a count is whole, but an average count (attempts per lead, MQLs a week) is not: keep its decimal
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


# From this many hours on, a wait is shown in days (one rule for every page, list, the pack and a CSV note).
LONG_WAIT_HOURS = 48


def money(value: float, currency: str = "EUR") -> str:
    """An amount as every surface writes it: whole units below a thousand, then K, M and B with at most one
    decimal (€950, €694K, €10.6M, €1.2B), as a table's compact money column shows it."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size * 0.9995:  # 999,999 is €1.0M, not €1,000.0K
            shown = f"{abs(value) / size:,.1f}".removesuffix(".0")
            return f"{'-' if value < 0 else ''}{prefix(currency)}{shown}{suffix}"
    return f"{'-' if value < 0 else ''}{prefix(currency)}{abs(value):,.0f}"


def change(current, previous, unit: str) -> str | None:
    """The change from the previous period: points for rates, per cent for counts and money."""
    current, previous = kpis.clean(current), kpis.clean(previous)
    if current is None or previous is None:
        return None
    if unit == "rate":
        points = (current - previous) * 100
        return None if round(points, 1) == 0 else f"{points:+.1f} pts"
    if previous == 0:
        return "new" if current else None
    return None if current == previous else f"{(current - previous) / abs(previous):+.1%}"


# Codes that are initials: written in capitals wherever a code becomes words.
INITIALS = {"mql": "MQL", "sal": "SAL", "sql": "SQL", "sdr": "SDR", "crm": "CRM", "smb": "SMB", "roi": "ROI",
            "sla": "SLA", "b2b": "B2B", "seo": "SEO", "ppc": "PPC"}


def words(code):
    """A stored code as people say it, the one way every page, chart, list, pack and message turns codes into
    words: paid_search -> Paid search, no_fit -> No fit, sal -> SAL, "sql to opportunity" -> SQL to opportunity.
    Names with capitals (a campaign, "Mid-market") stay as written; anything that is not text passes through."""
    if not isinstance(code, str) or not code or code != code.lower():
        return code
    parts = [INITIALS.get(part, part) for part in re.split(r"[_\s]+", code.strip()) if part]
    if not parts:
        return code
    said = " ".join(parts)
    return said[0].upper() + said[1:]


def mid_sentence(label: str) -> str:
    """A label inside a sentence: its first word in lower case unless it is initials ("SQL to opportunity" stays,
    "Inquiry to MQL" becomes "inquiry to MQL"); `label.lower()` would write "sql to opportunity"."""
    first, _, rest = label.partition(" ")
    return label if first.isupper() else first.lower() + (" " + rest if rest else "")


readable = words  # the older name, kept for the pages that call it


def plural(n: int, word: str, words: str | None = None) -> str:
    """3 campaigns, 1 campaign."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list for CSV injection): a lead's
# name or a campaign's written as =HYPERLINK(...) or @SUM(...) in the CRM would run on the reader's machine.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# ...except a plain signed number, as a table of changes holds ("-1.6%", "+6.4 pts"): a spreadsheet reads it as one.
SIGNED_NUMBER = re.compile(r"[-+]\d[\d,]*(\.\d+)?\s?(%|pts|h)?")


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula, with a leading apostrophe that makes it plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def in_currency(name: str, currency: str) -> str:
    """A column or key name as a person reads it: money columns end in _eur inside the warehouse whatever the
    organisation's currency, so revenue_eur is called revenue_brl where money is in Brazilian reais."""
    return name[: -len("_eur")] + "_" + currency.lower() if name.endswith("_eur") else name


def without_empty(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The table without `column` when no row fills it: a record-link column with no link template set is a
    column of dashes that says nothing, on screen, in a download or in the pack."""
    return frame.drop(columns=column) if column in frame and frame[column].isna().all() else frame


def csv_text(frame: pd.DataFrame, currency: str) -> str:
    """A table as CSV for a download: headers named in the organisation's currency, every text cell that could
    run as a formula made plain text."""
    safe = frame.rename(columns=lambda c: in_currency(c, currency) if isinstance(c, str) else c)
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_datetime64_any_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_safe)
    return safe.to_csv(index=False)


# Markdown, and Streamlit's additions to it (:red[...] colours, :material/...: icons, $...$ formulas), that text
# from the data must not switch on: a campaign named "![x](http://...)" would otherwise load an image from
# anywhere, and "[click](...)" put a link on the page.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&])")


def md(text) -> str:
    """Text from the data or from a user, shown as itself on a page that renders markdown."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
