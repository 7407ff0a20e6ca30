"""Periods as people name them: presets (last month, this quarter...), the same period a year earlier, and the one
rule for a week or month that a period cuts short (a partial bucket), which every trend and target follows."""

import calendar
from datetime import date, timedelta

import streamlit as st

# --- partial buckets: a month (or week) of a trend that the period's end cuts short -------------------------------


def bucket_end(period_start: date, grain: str) -> date:
    """The last day of the week (Monday to Sunday) or month that starts on period_start."""
    period_start = _day(period_start)
    if grain == "week":
        return period_start + timedelta(days=6)
    if grain == "month":
        return period_start.replace(day=calendar.monthrange(period_start.year, period_start.month)[1])
    raise ValueError(f"unknown grain {grain!r}: use 'week' or 'month'")


def days_covered(period_start: date, grain: str, end: date) -> tuple[int, int]:
    """(days of the bucket up to end, inclusive; days in the whole bucket)."""
    period_start, end = _day(period_start), _day(end)
    last = bucket_end(period_start, grain)
    whole = (last - period_start).days + 1
    return max(0, min((min(end, last) - period_start).days + 1, whole)), whole


def is_partial(period_start: date, grain: str, end: date) -> bool:
    """True when the bucket starting on period_start ends after `end` (the period's last day, inclusive), so
    its count covers only some of its days and would read as a slump beside whole ones."""
    covered, whole = days_covered(period_start, grain, end)
    return 0 < covered < whole


def cut_short(starts, grain: str, start: date, end: date) -> list[tuple[bool, bool]]:
    """For each bucket of a trend (its first days), whether the period (start to end, inclusive) cuts it short at
    its head (the period starts after the bucket does) and at its tail (is_partial)."""
    return [(_day(s) < _day(start), is_partial(s, grain, end)) for s in starts]


def prorated(target, period_start: date, grain: str, end: date):
    """A whole bucket's target for the days of it up to end: 410 MQLs for December, 6 days in, is 410 x 6 / 31.
    None stays None (no target agreed)."""
    if target is None or target != target:
        return None
    covered, whole = days_covered(period_start, grain, end)
    return target * covered / whole


def whole_buckets(values: list, starts: list, grain: str, end: date) -> list:
    """A trend's values without a last bucket that `end` cuts short: what a sparkline shows, so it never ends
    in a dip that is only the calendar."""
    if starts and is_partial(starts[-1], grain, end):
        return list(values)[:-1]
    return list(values)


def partial_note(period_start: date, grain: str, end: date) -> str | None:
    """What a page says of a partial last bucket, or None when the last bucket is whole."""
    if not is_partial(period_start, grain, end):
        return None
    covered, whole = days_covered(period_start, grain, end)
    name = f"{_day(period_start):%B %Y}" if grain == "month" else f"The week of {_day(period_start):%d %b %Y}"
    return f"{name} runs only to {_day(end):%d %b} ({covered} of its {whole} days)"


# --- presets and comparisons ----------------------------------------------------------------------------------------

CUSTOM = "Custom range"
PRESETS = ("Last week", "Last month", "This quarter", "Last quarter", "Year to date")


def preset_range(name: str, today: date) -> tuple[date, date]:
    """The first and last day (inclusive) of a preset, as seen on `today`: last week is the last whole Monday to
    Sunday before today's week; this quarter and year to date run to today."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if name == "Last week":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if name == "Last month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if name == "This quarter":
        return quarter_start, today
    if name == "Last quarter":
        last = quarter_start - timedelta(days=1)
        return date(last.year, last.month - 2, 1), last
    if name == "Year to date":
        return date(today.year, 1, 1), today
    raise ValueError(f"unknown preset {name!r}")


def year_earlier(start: date, end: date) -> tuple[date, date]:
    """The same days a year earlier (29 February becomes the 28th)."""
    def back(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))
    return back(start), back(end)


def preset_of(period, today: date) -> str:
    """The preset a period is, or CUSTOM."""
    period = tuple(period or ())
    return next((name for name in PRESETS if len(period) == 2 and preset_range(name, today) == period), CUSTOM)


def preset_picker(today: date, key: str = "period") -> None:
    """A choice of preset above the period's date input (widget `key`), which it sets: the period itself stays
    the one thing in the URL, so a link keeps the dates whatever the preset. Call it before the date input.
    `today` is the newest day of data, so "last month" on an export taken in May is April."""
    def chosen():
        name = st.session_state["period_preset"]
        if name in PRESETS:
            st.session_state[key] = preset_range(name, today)

    # the picker shows what the dates are: a hand-picked range that happens to be last month reads as such (on a
    # link's first run the dates are still only in the URL)
    period = st.session_state.get(key)
    if period is None:
        try:
            period = tuple(date.fromisoformat(d) for d in st.query_params.get_all(key))
        except ValueError:
            period = None
    st.session_state["period_preset"] = preset_of(period, today)
    st.selectbox("Period preset", (CUSTOM, *PRESETS), key="period_preset", on_change=chosen,
                 help=f"Presets count from {today:%d %b %Y}, the newest day of data.")


def _day(value) -> date:
    """A date from a date, datetime or pandas Timestamp (a query's period_start)."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value
