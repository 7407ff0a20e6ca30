"""The Evidence page's estimates, from counts of the MQLs of a settled window: per stratum and how sales worked
them (queries/evidence_strata.sql), and per first-touch band, attempts count and wait (evidence_contact.sql).
What the leads nobody called, or called late, would likely have won had they been worked on time; how much of
each source's or campaign's shortfall is lead quality and how much execution; the organisation's own decay
curve; and what a better SLA compliance would add.

All of it is association, not proof: reps choose which leads to call, so the leads worked on time may differ
from the others in ways the data does not show. The cherry-picking check looks at the one quality signal the
data has for every lead, its score."""

from datetime import date, timedelta

import numpy as np
import pandas as pd

from handshake.formats import fmt, mid_sentence

SETTLE_DAYS = 120  # deals take months to close: the window ends this long before the period does
WINDOW_DAYS = 365
MIN_SAMPLE = 30  # no rate, estimate or comparison from fewer leads than this
# No verdict (yes/no, better/worse, a fair guide) on any page from fewer outcomes than this on each side of it:
# 0 wins among 121 MQLs says nothing about whether they win less often. Each compared group needs this many of
# the outcome it is judged by (wins, accepted leads...) and this many without it.
MIN_OUTCOMES = 10
MIN_STRATUM = 10  # a stratum lends its own on-time win rate from this many on-time leads; fewer borrow a coarser one's
BOOTSTRAP_RUNS = 1000
Z = 1.959964  # 95% intervals
NEVER = "never touched"  # the last band of evidence_contact.sql
MAX_ATTEMPT = 6  # the attempts curve's last point holds the 6th attempt and later ones

# from the finest to the coarsest: the leads of a stratum not worked on time are compared with the on-time
# leads of the finest stratum around them that has MIN_STRATUM of them
STRATA = [["source", "campaign", "segment", "score_band"], ["source", "segment", "score_band"], ["score_band"], []]
CELLS_PER_LEVEL = 1_000_000  # a cell's number is its level times this plus its stratum's number at that level


def enough(outcomes, others=None, minimum: int = MIN_OUTCOMES) -> bool:
    """True when a verdict may be drawn: at least `minimum` outcomes (and, when given, `minimum` without it)."""
    counts = [outcomes] if others is None else [outcomes, others]
    return all(c is not None and c == c and c >= minimum for c in counts)


def too_few(outcomes, what: str = "outcomes", minimum: int = MIN_OUTCOMES) -> str:
    """What a page says instead of a verdict it may not draw."""
    return f"Too few {what} to judge ({outcomes:,.0f}; at least {minimum} needed)."


def span(first: date, last: date) -> str:
    """Days from first to last, both included, as a page names a window beside its numbers: "1 Jan to 30 Jun 2026"."""
    start = f"{first.day} {first:%b}" + ("" if first.year == last.year else f" {first.year}")
    return f"{start} to {last.day} {last:%b %Y}"


def window(end: date) -> tuple[date, date]:
    """The evidence window for a period ending on `end` (inclusive): the WINDOW_DAYS that ended SETTLE_DAYS
    before it, first and last day."""
    last = end - timedelta(days=SETTLE_DAYS)
    return last - timedelta(days=WINDOW_DAYS - 1), last


def window_words(first: date, last: date) -> str:
    """The evidence window as a page names it beside its numbers: "1 Jan to 30 Jun 2026 (settled)"."""
    return f"{span(first, last)} (settled)"


def wilson(k, n) -> tuple[np.ndarray, np.ndarray]:
    """The 95% Wilson interval of k successes in n trials (arrays); nan where n is 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1 + Z**2 / n
        centre = (p + Z**2 / (2 * n)) / denominator
        half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


def decay_curve(contact: pd.DataFrame) -> pd.DataFrame:
    """Reached, accepted and won rates with 95% intervals per band of hours to first touch, in order; a band
    with fewer than MIN_SAMPLE MQLs has counts but no rates."""
    table = contact[contact["kind"] == "band"][
        ["band", "mql_count", "contacted_count", "accepted_count", "won_count"]].reset_index(drop=True)
    table = table.astype({c: int for c in table.columns if c.endswith("_count")})
    small = table["mql_count"] < MIN_SAMPLE
    for outcome in ("contacted", "accepted", "won"):
        k, n = table[f"{outcome}_count"], table["mql_count"]
        low, high = wilson(k, n)
        table[f"{outcome}_rate"] = (k / n.where(n > 0)).where(~small)
        table[f"{outcome}_low"] = pd.Series(low, index=table.index).where(~small)
        table[f"{outcome}_high"] = pd.Series(high, index=table.index).where(~small)
    return table


def attempts_curve(contact: pd.DataFrame) -> pd.DataFrame:
    """For the k-th attempt (k = 1 to MAX_ATTEMPT, the last with all later ones): how many leads got one
    without having been reached before, the share of them it reached, and the share of all worked leads
    reached by then (1 - the product of the shares not reached at each attempt so far); and of the leads
    worked with k attempts (up to their first contact, or in all), the shares accepted and won."""
    rows = contact[contact["kind"] == "attempts"]
    attempts = rows["attempts_to_contact"].to_numpy(dtype=int)
    contacted = rows["is_contacted"].astype(bool).to_numpy()
    leads = rows["mql_count"].to_numpy(dtype=int)
    accepted, won = (rows[c].fillna(0).to_numpy(dtype=int) for c in ("accepted_count", "won_count"))
    found, unreached = [], 1.0
    for k in range(1, MAX_ATTEMPT + 1):
        if k < MAX_ATTEMPT:
            at_risk, reached = int(leads[attempts >= k].sum()), int(leads[(attempts == k) & contacted].sum())
            took = attempts == k
        else:  # the 6th and later: reached at any of them, per attempt made
            at_risk = int((np.clip(attempts - (k - 1), 0, None) * leads).sum())
            reached = int(leads[(attempts >= k) & contacted].sum())
            took = attempts >= k
        rate = reached / at_risk if at_risk else None
        low, high = wilson(reached, at_risk)
        if rate is not None and k < MAX_ATTEMPT:
            unreached *= 1 - rate
        enough = at_risk >= MIN_SAMPLE
        row = dict(
            attempt=k, label=f"{k}" if k < MAX_ATTEMPT else f"{k}+", leads_count=at_risk, reached_count=reached,
            reached_rate=rate if enough else None, reached_low=float(low) if enough else None,
            reached_high=float(high) if enough else None,
            cumulative_reached_rate=(1 - unreached) if enough and k < MAX_ATTEMPT else None,
        )
        # conversion of the leads worked with this many attempts (up to their first contact, or in all)
        worked, settled = int(leads[took].sum()), {"accepted": int(accepted[took].sum()), "won": int(won[took].sum())}
        row["worked_count"] = worked
        for outcome, k_count in settled.items():
            low, high = wilson(k_count, worked)
            ok = worked >= MIN_SAMPLE
            row[f"{outcome}_rate"] = k_count / worked if ok else None
            row[f"{outcome}_low"], row[f"{outcome}_high"] = (float(low), float(high)) if ok else (None, None)
        found.append(row)
    return pd.DataFrame(found)


def delay_model(contact: pd.DataFrame) -> dict | None:
    """How the chance that an attempt reaches the lead falls with the wait before the first touch: a logistic
    regression of each attempt's outcome on ln(1 + hours to first touch), fitted by iteratively reweighted
    least squares on the worked leads' attempts up to the first contact (grouped by the wait to two decimals
    of its logarithm). slope is the change in the log-odds of contact per unit of ln(1 + hours); None below
    MIN_SAMPLE leads or without both outcomes."""
    rows = contact[contact["kind"] == "wait"]
    trials = rows["attempt_count"].to_numpy(dtype=float)
    successes = rows["contacted_count"].to_numpy(dtype=float)
    if rows["mql_count"].sum() < MIN_SAMPLE or successes.sum() in (0, trials.sum()):
        return None
    x = rows["wait_log_hours"].to_numpy(dtype=float)
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ beta)))
        information = design.T @ (design * (trials * p * (1 - p))[:, None])
        step = np.linalg.solve(information, design.T @ (successes - trials * p))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    p = 1 / (1 + np.exp(-(design @ beta)))
    se = np.sqrt(np.diag(np.linalg.inv(design.T @ (design * (trials * p * (1 - p))[:, None]))))
    intercept, slope = beta
    return dict(
        intercept=float(intercept), slope=float(slope), slope_low=float(slope - Z * se[1]),
        slope_high=float(slope + Z * se[1]), lead_count=int(rows["mql_count"].sum()), attempt_count=int(trials.sum()),
        # odds of reaching the lead per attempt: a first touch after 5 minutes against one after 30
        odds_ratio_5_vs_30_min=float(np.exp(-slope * (np.log1p(0.5) - np.log1p(5 / 60)))),
    )


def contact_chance(model: dict, hours: float) -> float:
    """The model's chance that one attempt reaches a lead first touched after `hours`."""
    return 1 / (1 + np.exp(-(model["intercept"] + model["slope"] * np.log1p(hours))))


def _cells(strata: pd.DataFrame) -> pd.DataFrame:
    """The strata not worked on time, each with the on-time leads it is compared with: the finest stratum
    around it (STRATA) with MIN_STRATUM of them, their count and wins (cell_n, cell_wins; cell numbers the
    pairing), and the value of a win in its segment (the mean revenue of a won on-time lead with revenue
    there, or anywhere)."""
    on_time = strata[strata["worked"] == "on_time"]
    others = strata[strata["worked"] != "on_time"].copy()
    others["cell"], others["cell_n"], others["cell_wins"] = -1, np.nan, np.nan
    for level, keys in enumerate(STRATA):
        open_ = others["cell"] < 0
        if keys:
            pooled = on_time.groupby(keys).agg(n=("mql_count", "sum"), wins=("won_count", "sum"))
            matched = others.loc[open_, keys].join(pooled, on=keys)
            matched = matched[matched["n"] >= MIN_STRATUM]
            number = matched.groupby(keys, sort=False).ngroup()
        else:
            matched = pd.DataFrame({"n": on_time["mql_count"].sum(), "wins": on_time["won_count"].sum()},
                                   index=others.index[open_])
            number = pd.Series(0, index=matched.index)
        others.loc[matched.index, "cell_n"] = matched["n"]
        others.loc[matched.index, "cell_wins"] = matched["wins"]
        others.loc[matched.index, "cell"] = level * CELLS_PER_LEVEL + number
    earned = on_time.groupby("segment")[["won_revenue_eur", "won_with_revenue_count"]].sum()
    by_segment = (earned["won_revenue_eur"] / earned["won_with_revenue_count"].where(lambda n: n > 0)).dropna()
    total = on_time["won_with_revenue_count"].sum()
    overall = on_time["won_revenue_eur"].sum() / total if total else 0.0
    others["win_value_eur"] = others["segment"].map(by_segment).fillna(overall)
    return others


def left_on_table(strata: pd.DataFrame, seed: int = 0) -> dict:
    """Per group of MQLs not worked on time ('never': never touched, 'late': touched after the deadline,
    'all': both): its leads, the wins they had, the wins they would likely have had if worked on time (each
    stratum's leads given the on-time win rate of their stratum), the difference, and its value in revenue
    (a win valued as in _cells). The 95% intervals come from a parametric bootstrap: each stratum's on-time win
    rate, and the group's own wins in it, drawn again as binomials (one set of draws for the three groups).
    A group's estimate is None, with the reason, when it or the on-time leads number fewer than MIN_SAMPLE."""
    on_time_count = int(strata.loc[strata["worked"] == "on_time", "mql_count"].sum())
    groups = {"never": ["never"], "late": ["late"], "all": ["never", "late"]}
    found, estimated = {}, []
    for group, kinds in groups.items():
        chosen = strata[strata["worked"].isin(kinds)]
        count = int(chosen["mql_count"].sum())
        found[group] = dict(mql_count=count, won_count=int(chosen["won_count"].sum()), on_time_count=on_time_count,
                            estimate=None, reason=None)
        if on_time_count < MIN_SAMPLE:
            found[group]["reason"] = f"only {on_time_count} MQLs were worked on time"
        elif count < MIN_SAMPLE:
            found[group]["reason"] = f"only {count} MQLs"
        else:
            estimated.append(group)
    if not estimated:
        return found
    cells = _cells(strata)
    rng = np.random.default_rng(seed)
    pooled = cells.groupby("cell").agg(n=("cell_n", "first"), wins=("cell_wins", "first"))
    n = pooled["n"].to_numpy(dtype=int)
    rate = pooled["wins"].to_numpy() / n
    rate_draws = rng.binomial(n[None, :], rate[None, :], size=(BOOTSTRAP_RUNS, len(n))) / n
    position = pd.Series(range(len(pooled)), index=pooled.index)
    drawn = {}  # per kind: for each stratum its cell, leads, the value of their wins, and its wins drawn again
    for kind in ("never", "late"):
        mine = cells[cells["worked"] == kind]
        m, won = mine["mql_count"].to_numpy(dtype=int), mine["won_count"].to_numpy(dtype=int)
        won_draws = rng.binomial(m[None, :], (won / np.maximum(m, 1))[None, :], size=(BOOTSTRAP_RUNS, len(m)))
        drawn[kind] = (position[mine["cell"]].to_numpy(), m, mine["win_value_eur"].to_numpy(), won, won_draws)
    for group in estimated:
        parts = [drawn[kind] for kind in groups[group]]
        where = np.concatenate([p[0] for p in parts])
        m, value, won = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3))
        won_draws = np.concatenate([p[4] for p in parts], axis=1)
        expected = float(m @ rate[where])
        expected_draws = rate_draws[:, where] @ m
        worth_draws = rate_draws[:, where] @ (m * value)
        extra_low, extra_high = np.percentile(expected_draws - won_draws.sum(axis=1), [2.5, 97.5])
        worth_low, worth_high = np.percentile(worth_draws - won_draws @ value, [2.5, 97.5])
        found[group].update(
            estimate=True, expected_won=expected,
            expected_low=float(np.percentile(expected_draws, 2.5)), expected_high=float(np.percentile(expected_draws, 97.5)),
            extra_won=expected - int(won.sum()), extra_low=float(extra_low), extra_high=float(extra_high),
            extra_revenue_eur=float((m * value) @ rate[where] - won @ value),
            extra_revenue_low=float(worth_low), extra_revenue_high=float(worth_high),
            own_stratum_share=float(m[pooled.index.to_numpy()[where] < CELLS_PER_LEVEL].sum() / m.sum()),
        )
    return found


def cherry_picking(strata: pd.DataFrame) -> dict | None:
    """Whether the MQLs never touched look better or worse than the touched ones of the same source, segment
    and score band: the mean difference of their scores (never minus touched), weighted by the never-touched
    leads of each stratum, with a 95% interval. verdict is 'worse', 'better' or 'alike' (the interval holds 0),
    or None when fewer than MIN_SAMPLE never-touched or touched leads can be compared (compared_count and
    touched_count say how many).
    None when none can be compared. The one answer to "are the leads nobody called worse?": Lead quality asks
    it of the period, Evidence of its settled window, both through here."""
    frame = strata.assign(never=strata["worked"] == "never")
    sums = frame.groupby(["source", "segment", "score_band", "never"], dropna=False)[
        ["scored_count", "score_sum", "score_square_sum"]].sum().unstack("never")
    if sums.columns.get_level_values("never").nunique() < 2:  # nobody never touched, or nobody touched
        return None
    n_never, n_touched = sums[("scored_count", True)], sums[("scored_count", False)]
    sums = sums[(n_never >= 2) & (n_touched >= 2)]  # a variance needs two leads on each side
    if sums.empty:
        return None
    compared, touched = int(sums[("scored_count", True)].sum()), int(sums[("scored_count", False)].sum())
    if not enough(compared, touched, MIN_SAMPLE):
        return dict(score_gap=None, low=None, high=None, verdict=None, compared_count=compared, touched_count=touched)

    def mean_and_variance(never: bool):
        n, total, square = (sums[(c, never)] for c in ("scored_count", "score_sum", "score_square_sum"))
        return total / n, (square - total**2 / n) / (n - 1), n

    mean_never, var_never, n_never = mean_and_variance(True)
    mean_touched, var_touched, n_touched = mean_and_variance(False)
    weight = n_never
    difference = mean_never - mean_touched
    variance = var_never.clip(lower=0) / n_never + var_touched.clip(lower=0) / n_touched
    score_gap = float((weight * difference).sum() / weight.sum())
    se = float(np.sqrt((weight**2 * variance).sum()) / weight.sum())
    low, high = score_gap - Z * se, score_gap + Z * se
    verdict = "worse" if high < 0 else "better" if low > 0 else "alike"
    return dict(score_gap=score_gap, low=low, high=high, verdict=verdict, compared_count=compared,
                touched_count=touched)


METHOD = ("compared with the touched MQLs of the same source, segment and score band; a verdict only where "
          "the 95% interval of the score gap leaves out zero")


def untouched_finding(check: dict | None, window: str) -> tuple[str, str]:
    """The cherry-picking check in words, for every page that shows it: a headline, and what it rests on (the
    window, named by the caller, the leads and the method). No verdict from fewer than MIN_OUTCOMES leads."""
    if check is None:
        return ("No never-touched MQL can be compared with touched ones like it",
                f"Among the MQLs of {window}, no source, segment and score band holds two or more scored MQLs "
                "never touched and two or more touched.")
    compared = check["compared_count"]
    if check["verdict"] is None:
        short = (compared, "never-touched MQLs beside touched ones like them") if compared < MIN_SAMPLE else (
            check["touched_count"], "touched MQLs beside the never-touched ones")
        return (too_few(*short, MIN_SAMPLE).removesuffix("."),
                f"{compared:,} never-touched and {check['touched_count']:,} touched MQLs of {window} sit in the same "
                "sources, segments and score bands.")
    gap = f"{abs(check['score_gap']):.1f} points"
    basis = (f"{compared:,} never-touched MQLs of {window}, {METHOD}. Score gap {check['score_gap']:+.1f} points "
             f"(95% interval {check['low']:+.1f} to {check['high']:+.1f}).")
    if check["verdict"] == "worse":
        return f"The leads nobody called look worse: they scored {gap} lower than the touched ones", basis
    if check["verdict"] == "better":
        return f"The leads nobody called look better: they scored {gap} higher than the touched ones", basis
    side = "lower" if check["score_gap"] < 0 else "higher"
    return (f"No clear difference between the leads nobody called and the others: they scored {gap} {side} than "
            "the touched ones, a gap chance alone could give"), basis


def asked(question: str, answer: str) -> str:
    """A question and its answer as one headline: "Whether ...: too few wins at 60-79 to judge (0; ...)"."""
    return f"{question}: {mid_sentence(answer).removesuffix('.')}"


def score_finding(bands: pd.DataFrame, min_mqls: int, currency: str = "EUR") -> tuple[str, str]:
    """Whether the lead score predicts revenue, from queries/quality_by_dimension.sql's score bands (low to
    high): a headline and a note. Only bands of min_mqls MQLs or more are read, and no verdict comes unless each
    of them holds MIN_OUTCOMES wins and as many MQLs not won."""
    scored = bands[(bands["group_key"] != "no score") & (bands["mql_count"] >= min_mqls)]
    if len(scored) < 2:
        return ("Too few MQLs in each score band to tell whether the score predicts revenue",
                f"A band needs {min_mqls} MQLs or more; choose a longer period or clear the filters.")
    low, high = scored.iloc[0], scored.iloc[-1]
    rates = scored["win_rate"].tolist()
    spread = (f"from {fmt(low['win_rate'], 'rate')} ({low['group_label']}) to {fmt(high['win_rate'], 'rate')} "
              f"({high['group_label']})")
    money = (f"Revenue per MQL: {fmt(low['revenue_per_mql_eur'], 'money', currency)} at {low['group_label']}, "
             f"{fmt(high['revenue_per_mql_eur'], 'money', currency)} at {high['group_label']}.")
    # each band read needs MIN_OUTCOMES wins and as many MQLs not won
    short = scored[[not enough(w, n - w) for w, n in zip(scored["won_count"], scored["mql_count"])]]
    if not short.empty:
        band = short.iloc[0]
        won, not_won = int(band["won_count"]), int(band["mql_count"] - band["won_count"])
        what = f"wins at {band['group_label']}" if won < MIN_OUTCOMES else f"MQLs not won at {band['group_label']}"
        return (asked("Whether the score predicts revenue", too_few(min(won, not_won), what)),
                f"Win rate so far {spread}. {money}")
    if all(b > a for a, b in zip(rates, rates[1:])):
        return f"Yes, the score predicts revenue: win rate rises band by band, {spread}", money
    if high["win_rate"] > low["win_rate"]:
        return f"Partly: higher-scored MQLs win more, {spread}, but not band by band", money
    return (f"No: MQLs scored {high['group_label']} win no more often than those scored {low['group_label']} "
            f"({fmt(high['win_rate'], 'rate')} against {fmt(low['win_rate'], 'rate')})", money)


def leader_finding(groups: pd.DataFrame, noun: str, min_mqls: int) -> tuple[str, str]:
    """Which source or campaign (`noun`) wins most often and which least, among those of min_mqls MQLs or more
    (rows of queries/quality_by_dimension.sql, labels in words): a headline and a note. No ranking unless both
    hold MIN_OUTCOMES wins and as many MQLs not won."""
    ranked = groups[groups["mql_count"] >= min_mqls].sort_values("win_rate", ascending=False)
    if len(ranked) < 2:
        return (f"Too few MQLs per {noun} to compare win rates",
                f"A {noun} needs {min_mqls} MQLs or more; grey bars are smaller samples.")
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    # the two judged need MIN_OUTCOMES wins each, and as many MQLs not won
    for group in (best, worst):
        won, not_won = int(group["won_count"]), int(group["mql_count"] - group["won_count"])
        if not enough(won, not_won):
            what = f"wins from {group['group_label']}" if won < MIN_OUTCOMES else f"MQLs not won from {group['group_label']}"
            return (asked(f"Which {noun}'s MQLs win most often", too_few(min(won, not_won), what)),
                    f"Win rate so far from {fmt(worst['win_rate'], 'rate')} ({worst['group_label']}) to "
                    f"{fmt(best['win_rate'], 'rate')} ({best['group_label']}), among {noun}s with {min_mqls} MQLs "
                    "or more; grey bars are smaller samples.")
    return (f"{best['group_label']} MQLs win most often ({fmt(best['win_rate'], 'rate')}), "
            f"{worst['group_label']} least ({fmt(worst['win_rate'], 'rate')})",
            f"Among {noun}s with {min_mqls} MQLs or more; grey bars are smaller samples.")


def quality_and_execution(strata: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per source or campaign (`by`): its shortfall in won leads against the best one's on-time win rate,
    split into lead quality (its own on-time win rate short of the best) and execution (the wins its leads
    lost by not being worked on time: leads x (on-time win rate - actual win rate), which is the share not
    worked on time times what the delay cost them). Groups with fewer than MIN_SAMPLE on-time MQLs get no
    split; the best is chosen among the others."""
    on_time = strata["worked"] == "on_time"
    table = strata.assign(
        on_time_count=strata["mql_count"].where(on_time, 0), on_time_won_count=strata["won_count"].where(on_time, 0),
    ).groupby(by)[["mql_count", "on_time_count", "won_count", "on_time_won_count"]].sum().reset_index()
    table["won_rate"] = table["won_count"] / table["mql_count"]
    table["on_time_share"] = table["on_time_count"] / table["mql_count"]
    enough = table["on_time_count"] >= MIN_SAMPLE
    table["on_time_won_rate"] = (table["on_time_won_count"] / table["on_time_count"].where(enough))
    best = table["on_time_won_rate"].max()
    table["is_best"] = enough & (table["on_time_won_rate"] == best)
    table["shortfall_won"] = (table["mql_count"] * (best - table["won_rate"])).where(enough)
    table["quality_won"] = table["mql_count"] * (best - table["on_time_won_rate"])
    table["execution_won"] = table["mql_count"] * (table["on_time_won_rate"] - table["won_rate"])
    return table.sort_values(["shortfall_won", by], ascending=[False, True], na_position="last").reset_index(drop=True)


def shortfall_finding(best, other, by: str) -> str:
    """The headline of the quality-or-follow-up split: how far `other` (a row of quality_and_execution, its label
    in `name`) falls short of the `best` one's on-time win rate, and why. No verdict unless the best's on-time
    MQLs and the other's MQLs each hold MIN_OUTCOMES wins and as many not won."""
    sides = [(int(best["on_time_won_count"]), int(best["on_time_count"] - best["on_time_won_count"]),
              f"the on-time MQLs of {best['name']}"),
             (int(other["won_count"]), int(other["mql_count"] - other["won_count"]), f"the MQLs of {other['name']}")]
    for won, not_won, whose in sides:
        if not enough(won, not_won):
            what = f"wins among {whose}" if won < not_won else f"MQLs not won among {whose}"
            return asked(f"Which {by} falls furthest short", too_few(min(won, not_won), what))
    short, quality = round(other["shortfall_won"]), round(other["quality_won"])  # the two parts add up to it
    return (f"{other['name']} falls {short:,} wins short of the on-time rate of {best['name']}: {quality:,} from "
            f"lead quality, {short - quality:,} from follow-up")


def compliance(strata: pd.DataFrame) -> float | None:
    """The share of the window's MQLs worked on time."""
    total = strata["mql_count"].sum()
    return float(strata.loc[strata["worked"] == "on_time", "mql_count"].sum() / total) if total else None


def what_if(left: dict, current: float, target: float) -> dict | None:
    """The wins and revenue that raising the share of MQLs worked on time from `current` to `target` would
    likely add: that share of the leads not worked on time, moved to on time, each bringing its expected gain
    (left_on_table's 'all'). None without an estimate."""
    found = left.get("all", {})
    if not found.get("estimate") or current >= 1:
        return None
    moved = max(0.0, (target - current) / (1 - current))
    return dict(
        moved_share=moved, moved_count=moved * found["mql_count"],
        extra_won=moved * found["extra_won"], extra_low=moved * found["extra_low"],
        extra_high=moved * found["extra_high"], extra_revenue_eur=moved * found["extra_revenue_eur"],
        extra_revenue_low=moved * found["extra_revenue_low"], extra_revenue_high=moved * found["extra_revenue_high"],
    )


def findings(strata: pd.DataFrame, contact: pd.DataFrame) -> dict:
    """Everything the Evidence page shows, from the window's two sets of counts; their MQL count alone below
    MIN_SAMPLE."""
    mqls = int(strata["mql_count"].sum())
    if mqls < MIN_SAMPLE:
        return dict(mql_count=mqls)
    return dict(
        mql_count=mqls, worked=strata.groupby("worked")["mql_count"].sum().astype(int).to_dict(),
        compliance=compliance(strata), decay=decay_curve(contact), attempts=attempts_curve(contact),
        model=delay_model(contact), left=left_on_table(strata), cherry=cherry_picking(strata),
        by_source=quality_and_execution(strata, "source"), by_campaign=quality_and_execution(strata, "campaign"),
    )
