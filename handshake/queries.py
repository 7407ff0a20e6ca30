"""Run a named query: queries/NAME.sql with bound DuckDB $parameters, returning a DataFrame."""

import re
from functools import cache
from pathlib import Path

import pandas as pd

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"


@cache
def sql(name: str) -> str:
    path = QUERY_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} (looked for {path})")
    return path.read_text()


@cache
def parameters(name: str) -> frozenset[str]:
    """The $names a query binds; DuckDB refuses unused ones, so callers pass only these."""
    return parameters_in(sql(name))


def parameters_in(text: str) -> frozenset[str]:
    """The $names an SQL text binds, comments aside."""
    return frozenset(re.findall(r"\$([a-z_][a-z0-9_]*)", re.sub(r"--[^\n]*", "", text)))


# Parameters a caller may leave out, and what they then bind: a list's $limit of null returns every row.
OPTIONAL = {"limit": None}


def bind(name: str, params: dict) -> dict:
    params = {**OPTIONAL, **params}
    missing = parameters(name) - params.keys()
    if missing:
        raise KeyError(f"query {name!r} needs parameters {sorted(missing)}")
    return {k: params[k] for k in parameters(name)}


def run(con, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run on a fresh cursor of the shared connection, so threads never share one."""
    cur = con.cursor()
    try:
        return cur.execute(sql(name), bind(name, params or {})).df()
    finally:
        cur.close()
