"""The self-assessment: the questionnaire, scoring and stages, rounds, and storing an anonymous response."""

import os
import tomllib
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path

from handshake import access, kpis, queries, warehouse

QUESTIONNAIRE_PATH = Path(__file__).resolve().parent.parent / "data" / "questionnaire.toml"
FUNCTIONS = ("marketing", "sales", "other")
LEVELS = ("head", "staff")
RATINGS = (1, 2, 3, 4, 5)
GAP_WORTH_FLAGGING = 1.0  # a whole point on the 1-5 scale

# (name, lowest total, highest total, what the stage looks like); totals run 20 to 100.
STAGES = (
    ("undefined", 20, 39,
     "Each team works to its own agenda. Hand-offs are informal, conflict is common and much time goes into "
     "settling it; each side meets the other mostly when something has gone wrong."),
    ("defined", 40, 59,
     "The teams have agreed some rules: shared definitions, a hand-off that is written down, regular "
     "meetings. They still largely plan and work apart, and conflict is managed rather than gone."),
    ("aligned", 60, 79,
     "The boundaries are clear but flexible: the teams plan together, share measures and language, "
     "and sales takes part in marketing's plans while marketing helps on key accounts."),
    ("integrated", 80, 100,
     "Sales and marketing act as one revenue team: one funnel, shared goals and rewards, often one leader "
     "over both, and people who move between them."),
)
STAGE_NAMES = tuple(name for name, *_ in STAGES)
STAGE_MEANING = {name: meaning for name, _, _, meaning in STAGES}


@cache
def questionnaire(path: Path = QUESTIONNAIRE_PATH) -> dict:
    """The questionnaire file: version, subscales [{id, label}], statements [{id, subscale, short, text}]."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def version() -> str:
    return questionnaire()["version"]


def statements() -> list[dict]:
    return questionnaire()["statements"]


def subscales() -> list[dict]:
    return questionnaire()["subscales"]


def statement_ids() -> list[str]:
    return [s["id"] for s in statements()]


def subscale_label(subscale_id: str) -> str:
    return {s["id"]: s["label"] for s in subscales()}[subscale_id]


def questionnaire_params() -> dict:
    """The questionnaire as the bound lists the gap queries read."""
    return {"statement_ids": statement_ids(), "subscales": [s["subscale"] for s in statements()]}


def min_group_size() -> int:
    """The fewest respondents a group needs before its answers are shown: $HANDSHAKE_MIN_GROUP_SIZE, or 3."""
    value = os.environ.get("HANDSHAKE_MIN_GROUP_SIZE")
    return max(1, int(value)) if value else 3


MIN_GROUP_SIZE = min_group_size()


def stage_for(total) -> str | None:
    """The stage (lower-case name) for a total or mean total on the 20-100 scale; None for no total."""
    if kpis.clean(total) is None:
        return None
    if not 20 <= total <= 100:
        raise ValueError(f"a total of {total} is outside the questionnaire's range of 20 to 100")
    for name, low, high, _ in STAGES:
        if total < high + 1:  # a mean of 59.5 is still Defined: the bands are 40 up to (not incl.) 60
            return name
    return STAGE_NAMES[-1]


def band_text(stage: str) -> str:
    """A stage's band in words, e.g. '60 to 79 of 100'."""
    low, high = next((lo, hi) for name, lo, hi, _ in STAGES if name == stage)
    return f"{low} to {high} of 100"


def check_answers(answers: dict) -> None:
    """Raise a ValueError naming every statement left unanswered or rated outside 1 to 5."""
    known = statement_ids()
    missing = [s["short"] for s in statements() if answers.get(s["id"]) is None]
    bad = [f"{sid}={answers[sid]!r}" for sid in known
           if answers.get(sid) is not None and answers[sid] not in RATINGS]
    unknown = sorted(set(answers) - set(known))
    problems = []
    if missing:
        problems.append(f"{len(missing)} of {len(known)} statements not answered: " + "; ".join(missing))
    if bad:
        problems.append("ratings must be 1 to 5: " + ", ".join(bad))
    if unknown:
        problems.append("not statements of this questionnaire: " + ", ".join(unknown))
    if problems:
        raise ValueError(". ".join(problems))


def score(answers: dict) -> int:
    """The total of one response, 20 to 100: the sum of its 20 ratings."""
    check_answers(answers)
    return sum(int(answers[sid]) for sid in statement_ids())


def quarter_label(day: date) -> str:
    """A round's name for the quarter a day falls in, e.g. '2026 Q4'."""
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def this_quarter() -> str:
    """The name the first round gets when nobody has opened one."""
    return quarter_label(_now().date())


def current_round(con) -> str | None:
    """The most recently opened round, or None when no round was ever opened."""
    rows = queries.run(con, "assessment_rounds")
    return None if rows.empty else str(rows.iloc[-1]["round_id"])


def suggested_round(con, today: date | None = None, taken: set | None = None) -> str:
    """A name for the next round: this quarter's, or this quarter's with a number if it is taken (the names of
    the rounds there are, read from con unless given)."""
    base = quarter_label(today or _now().date())
    taken = set(queries.run(con, "assessment_rounds")["round_id"]) if taken is None else taken
    name, n = base, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    return name


def open_round(con, by: access.Person, round_id: str | None = None) -> str:
    """Open a new round (earlier rounds are closed, never deleted) and make it the current one."""
    round_id = (round_id or suggested_round(con)).strip()
    if not round_id:
        raise ValueError("a round needs a name, e.g. '2026 Q4'")
    if round_id in set(queries.run(con, "assessment_rounds")["round_id"]):
        raise ValueError(f"a round named {round_id!r} already exists: choose another name")
    now = _now()
    with warehouse.transaction(con, by, "rounds") as cur:
        for name, params in (("assessment_open_round", {"round_id": round_id, "opened_at": now}),
                             ("assessment_close_rounds", {"round_id": round_id, "closed_at": now})):
            cur.execute(queries.sql(name), queries.bind(name, params))
    return round_id


def submit(con, round_id: str, function: str, level: str, answers: dict, by: access.Person) -> int:
    """Store one anonymous response and its 20 answers, all or nothing; returns its response_id.

    The round is opened if it does not exist yet. No name or other identity is asked or stored: `by` is only
    checked for the right to answer, never written."""
    if function not in FUNCTIONS:
        raise ValueError(f"function must be one of {', '.join(FUNCTIONS)}, not {function!r}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if not round_id:
        raise ValueError("no round to answer in: open a round first")
    check_answers(answers)
    ids = statement_ids()
    now = _now()
    with warehouse.transaction(con, by, "answers") as cur:
        cur.execute(queries.sql("assessment_open_round"),
                    queries.bind("assessment_open_round", {"round_id": round_id, "opened_at": now}))
        response_id = cur.execute(
            queries.sql("assessment_insert_response"),
            queries.bind("assessment_insert_response", {
                "round_id": round_id, "questionnaire_version": version(), "function": function,
                "level": level, "submitted_at": now,
            }),
        ).fetchone()[0]
        cur.execute(queries.sql("assessment_insert_answers"), queries.bind("assessment_insert_answers", {
            "response_id": response_id, "statement_ids": ids, "ratings": [int(answers[i]) for i in ids],
        }))
    return int(response_id)


def history(run) -> list[dict]:
    """Every round, oldest first, as self_assessed() describes one."""
    rows = run("assessment_self_stage", {"min_group_size": min_group_size()})
    out = []
    for row in rows.to_dict("records"):
        score_ = kpis.clean(row["organisation_score"])
        out.append({
            "round_id": row["round_id"],
            "score": score_,
            "stage": stage_for(score_),
            "respondent_count": int(row["respondent_count"]),
            "by_function": {
                f: {"respondent_count": int(row[f"{f}_count"]), "mean_total": kpis.clean(row[f"{f}_mean_total"])}
                for f in FUNCTIONS
            },
            "min_group_size": min_group_size(),
        })
    return out


def self_assessed(run, round_id: str | None = None) -> dict:
    """What people say: the organisation's self-assessed score and stage in one round (the latest by default).

    run(name, params) runs a named query (dashboard.query, or a lambda over queries.run). The score is
    the mean of the marketing and the sales mean totals, weighted equally; 'other' respondents are counted
    but do not enter it. score and stage are None when there is no round, or when marketing or sales has
    fewer than min_group_size respondents (a mean of one or two people would show their answers)."""
    rounds_ = history(run)
    empty = {
        "round_id": round_id, "score": None, "stage": None, "respondent_count": 0,
        "by_function": {f: {"respondent_count": 0, "mean_total": None} for f in FUNCTIONS},
        "min_group_size": min_group_size(),
    }
    if not rounds_:
        return empty
    if round_id is None:
        return rounds_[-1]
    return next((r for r in rounds_ if r["round_id"] == round_id), empty)


def rounds(run) -> list[str]:
    """The round ids, oldest first."""
    return [str(r) for r in run("assessment_rounds", {})["round_id"]]
