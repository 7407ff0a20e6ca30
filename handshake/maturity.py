"""The maturity stage evidenced by the data, criterion by criterion, beside the self-assessed stage.

The criteria and their thresholds live in data/stage_criteria.toml; each reads one column of one
named query over the evaluation window (by default the 180 days up to the newest lead)."""

import tomllib
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from handshake import assessment, kpis
from handshake.formats import fmt

CRITERIA_PATH = Path(__file__).resolve().parent.parent / "data" / "stage_criteria.toml"
STAGES = ("undefined", "defined", "aligned", "integrated")
EVIDENCED_STAGES = STAGES[1:]  # the stages criteria can evidence; undefined is where one starts
SOURCE = ('Kotler, Rackham and Krishnaswamy, "Ending the War Between Sales and Marketing", '
          "Harvard Business Review, July-August 2006")
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@cache
def config() -> dict:
    with CRITERIA_PATH.open("rb") as f:
        return tomllib.load(f)


def criteria() -> list[dict]:
    return config()["criteria"]


def window_days() -> int:
    return int(config().get("window_days", 180))


def window(last_lead_date: date | None, end: date | None = None) -> tuple[date, date] | None:
    """The evaluation window (first and last day, inclusive): window_days up to end, by default the
    newest lead's day; None when there is no lead to end it."""
    end = end or last_lead_date
    if end is None:
        return None
    return end - timedelta(days=window_days() - 1), end


def window_params(run, end: date | None = None) -> dict | None:
    """The bound parameters of the evaluation window; None when the warehouse has no leads.
    Leads are judged at midnight after the window's last day, so a result never depends on the clock."""
    span = run("data_range", {}).iloc[0]
    last = kpis.clean(span["last_lead_date"])
    chosen = window(last.date() if last is not None else None, end)
    if chosen is None or not span["lead_count"]:
        return None
    start, stop = chosen
    return kpis.query_params(start, stop, {"now": datetime.combine(stop + timedelta(days=1), time())})


def evaluate(run, params: dict | None) -> list[dict]:
    """Each criterion measured over the window. passed is None when the data cannot tell (no leads,
    or nothing to measure, e.g. no rejections or no SLA)."""
    frames = {}
    results = []
    for c in criteria():
        value, detail = None, None
        if params is not None:
            bound = dict(params, **c.get("params", {}))
            key = (c["query"], tuple(sorted(c.get("params", {}).items())))
            if key not in frames:
                frames[key] = run(c["query"], bound)
            frame = frames[key]
            if c["comparison"] == "rising":
                value, detail = _rising(frame, c)
            elif len(frame):
                value = kpis.clean(frame.iloc[0][c["column"]])
        passed = None if value is None else bool(value >= c["threshold"])
        results.append(dict(
            id=c["id"], stage=c["stage"], label=c["label"], value=value, threshold=c["threshold"],
            passed=passed, unit=c["unit"], comparison=c["comparison"], query=c["query"], column=c["column"],
            why=c["why"], action=c["action"], detail=detail,
        ))
    return results


def _rising(frame, c: dict):
    """The share of steps between neighbouring score bands (with enough MQLs) where the win rate rises."""
    bands = frame[(frame["group_key"] != "no score") & (frame["mql_count"] >= c.get("min_count", 30))]
    if len(bands) < 2:
        return None, f"fewer than two score bands with {c.get('min_count', 30)} MQLs or more"
    rates = [float(r) for r in bands[c["column"]]]
    steps = list(zip(rates, rates[1:]))
    detail = " → ".join(f"{label} {rate:.1%}" for label, rate in zip(bands["group_label"], rates))
    return sum(after > before for before, after in steps) / len(steps), detail


def evidenced_stage(results: list[dict]) -> str | None:
    """The highest stage whose criteria, and those of every stage below, all pass ('undefined' when
    Defined's do not); None when nothing could be measured (a warehouse with no leads). A criterion
    the data cannot tell counts as not evidenced."""
    if not results or all(r["passed"] is None for r in results):
        return None
    reached = "undefined"
    for stage in EVIDENCED_STAGES:
        if all(r["passed"] is True for r in results if r["stage"] == stage):
            reached = stage
        else:
            break
    return reached


def next_stage(stage: str | None) -> str | None:
    if stage is None or stage == STAGES[-1]:
        return None
    return STAGES[STAGES.index(stage) + 1]


def describe(result: dict) -> str:
    """A criterion's measured value in words, with its unit."""
    value, unit = result["value"], result["unit"]
    if value is None:
        return "not measurable"
    if result["comparison"] == "rising":
        return result["detail"] or f"{fmt(value, 'rate')} of steps rise"
    if unit == "yes_no":
        return "yes" if value >= 1 else "no"
    if unit == "rate":  # the window is named at the number: the sidebar's period does not apply here
        return f"{fmt(value, 'rate')} over the last {window_days()} days"
    if unit == "weeks":
        return f"{value:,.0f} {'week' if value == 1 else 'weeks'}"
    return f"{value:,.0f}"


def describe_threshold(result: dict) -> str:
    if result["comparison"] == "rising":
        return "rises at every step"
    if result["unit"] == "yes_no":
        return "yes"
    if result["unit"] == "rate":
        return f"at least {fmt(result['threshold'], 'rate')}"
    if result["unit"] == "weeks":
        return f"at least {result['threshold']:,.0f} of 8 weeks"
    return f"at least {result['threshold']:,.0f}"


def _count(n: int) -> str:
    return NUMBERS[n] if n < len(NUMBERS) else str(n)


def _failing(results: list[dict], stage: str) -> list[dict]:
    return [r for r in results if r["stage"] == stage and r["passed"] is not True]


def _reasons(results: list[dict], stage: str) -> str:
    """'two of five Aligned criteria are not met: A (value; needs threshold) and B (...)'"""
    of_stage = [r for r in results if r["stage"] == stage]
    failing = _failing(results, stage)
    items = [f"{r['label'].lower()[:1]}{r['label'][1:]} ({describe(r)}; needs {describe_threshold(r)})"
             if r["value"] is not None else f"{r['label'][:1].lower()}{r['label'][1:]} (no data to tell)"
             for r in failing]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    verb = "is" if len(failing) == 1 else "are"
    return f"{_count(len(failing))} of {_count(len(of_stage))} {stage.title()} criteria {verb} not met: {listed}"


def explain(self_stage: str | None, evidenced: str | None, results: list[dict]) -> list[str]:
    """The gap between the self-assessed and the evidenced stage, in sentences."""
    if evidenced is None:
        return ["The warehouse holds no leads yet, so the data cannot place the organisation on a stage."]
    sentences = []
    above = next_stage(evidenced)
    if self_stage is None:
        sentences.append(f"Nobody has rated the relationship yet; the data shows {evidenced.title()}.")
    elif self_stage == evidenced:
        sentences.append(f"You rate yourselves {self_stage.title()} and the data agrees.")
    elif STAGES.index(self_stage) > STAGES.index(evidenced):
        sentences.append(f"You rate yourselves {self_stage.title()}; the data shows {evidenced.title()} "
                         f"because {_reasons(results, above)}.")
        if STAGES.index(self_stage) > STAGES.index(above):
            sentences.append(f"{self_stage.title()} also needs every {above.title()} criterion met first.")
    else:
        met = [r for r in results if STAGES.index(r["stage"]) <= STAGES.index(evidenced)]
        sentences.append(
            f"You rate yourselves {self_stage.title()}, but the data shows {evidenced.title()}: all "
            f"{_count(len(met))} criteria up to {evidenced.title()} are met. The practice may be ahead of how "
            "people feel about the relationship; the self-assessment's comments may say why."
        )
    if above and not (self_stage and STAGES.index(self_stage) > STAGES.index(evidenced)):
        sentences.append(f"To reach {above.title()}, {_reasons(results, above)}.")
    unknown = [r for r in results if r["passed"] is None]
    if unknown:
        names = ", ".join(r["label"][:1].lower() + r["label"][1:] for r in unknown)
        sentences.append(f"The data cannot tell for {_count(len(unknown))} "
                         f"{'criterion' if len(unknown) == 1 else 'criteria'} ({names}); "
                         f"{'it counts' if len(unknown) == 1 else 'they count'} as not met until it can.")
    return sentences


def self_assessment(run, round_id=None) -> dict | None:
    """The self-assessed stage from the questionnaire, or None before the first round."""
    found = assessment.self_assessed(run, round_id=round_id)
    return found if found.get("round_id") is not None else None


def trajectory(run) -> list[dict]:
    """Per self-assessment round, oldest first: its score and stage, and the stage evidenced by the
    window of the same length ending the day the round closed."""
    rounds = run("maturity_round_windows", {})
    said = {h["round_id"]: h for h in assessment.history(run)}
    rows = []
    for r in rounds.itertuples():
        found = said.get(r.round_id, {})
        end = kpis.clean(r.window_end_date)
        params = window_params(run, end=end.date() if hasattr(end, "date") else end)
        end = params["end"] - timedelta(days=1) if params else end
        rows.append(dict(
            round_id=r.round_id,
            window_end_date=end,
            score=kpis.clean(found.get("score")),
            self_assessed_stage=found.get("stage"),
            respondent_count=found.get("respondent_count") or 0,
            evidenced_stage=evidenced_stage(evaluate(run, params)) if params else None,
        ))
    return rows


def placement(run, end: date | None = None) -> dict:
    """Everything the page and the command line show: the window, each criterion, both stages."""
    params = window_params(run, end)
    results = evaluate(run, params)
    evidenced = evidenced_stage(results)
    found = self_assessment(run)
    self_stage = found.get("stage") if found else None
    return dict(
        window_start=params["start"] if params else None,
        window_end=params["end"] - timedelta(days=1) if params else None,
        criteria=results,
        evidenced_stage=evidenced,
        self_assessment=found,
        self_assessed_stage=self_stage,
        explanation=explain(self_stage, evidenced, results),
    )
