"""Numbers as people read them, with their unit: the same on a page, in the meeting pack and in a CSV note."""

from handshake import kpis


def fmt(value, unit: str) -> str:
    """A KPI value with its unit, or a dash when there is no number to show."""
    value = kpis.clean(value)
    if value is None:
        return "–"
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "ratio":
        return f"{value:,.1f}x"
    if unit == "score":
        return f"{value:.1f} / 5"
    if unit == "points":
        return f"{value:+.1f} points"
    if unit == "eur":
        for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"€{value / size:,.1f}{suffix}"
        return f"€{value:,.0f}"
    # a count is whole, but an average count (attempts per lead, MQLs a week) is not: keep its decimal
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


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


def readable(code: str) -> str:
    """A stored code as people say it: paid_search -> Paid search; names with capitals stay as they are."""
    return code.replace("_", " ").capitalize() if code == code.lower() else code


def plural(n: int, word: str, words: str | None = None) -> str:
    """3 campaigns, 1 campaign."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"
