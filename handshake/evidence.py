"""The Evidence page's estimates, from the MQLs of a settled window (queries/evidence_mqls.sql, one row per
MQL): what the leads nobody called, or called late, would likely have won had they been worked on time; how
much of each source's or campaign's shortfall is lead quality and how much execution; the organisation's own
decay curve; and what a better SLA compliance would add.

All of it is association, not proof: reps choose which leads to call, so the leads worked on time may differ
from the others in ways the data does not show. The cherry-picking check looks at the one quality signal the
data has for every lead, its score."""

from datetime import date, timedelta

import numpy as np
import pandas as pd

SETTLE_DAYS = 120  # deals take months to close: the window ends this long before the period does
WINDOW_DAYS = 365
MIN_SAMPLE = 30  # no rate, estimate or comparison from fewer leads than this
MIN_STRATUM = 10  # a stratum lends its own on-time win rate from this many on-time leads; fewer borrow a coarser one's
BOOTSTRAP_RUNS = 2000
Z = 1.959964  # 95% intervals

# the decay curve's bands of hours to first touch (upper bound included), then the leads never touched
BANDS = [(5 / 60, "under 5 min"), (1, "5–60 min"), (4, "1–4 h"), (24, "4–24 h"), (72, "1–3 days"),
         (float("inf"), "over 3 days")]
NEVER = "never touched"
MAX_ATTEMPT = 6  # the attempts curve's last point holds the 6th attempt and later ones

# from the finest to the coarsest: a lead not worked on time is compared with the on-time leads of the finest
# stratum that has MIN_STRATUM of them
STRATA = [["source", "campaign", "segment", "score_band"], ["source", "segment", "score_band"], ["score_band"], []]
CELLS_PER_LEVEL = 1_000_000


def window(end: date) -> tuple[date, date]:
    """The evidence window for a period ending on `end` (inclusive): the WINDOW_DAYS that ended SETTLE_DAYS
    before it, first and last day."""
    last = end - timedelta(days=SETTLE_DAYS)
    return last - timedelta(days=WINDOW_DAYS - 1), last


def wilson(k, n) -> tuple[np.ndarray, np.ndarray]:
    """The 95% Wilson interval of k successes in n trials (arrays); nan where n is 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1 + Z**2 / n
        centre = (p + Z**2 / (2 * n)) / denominator
        half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


def band_labels(hours: pd.Series) -> pd.Series:
    """Each MQL's band of hours to first touch; NEVER for the untouched."""
    bounds = np.array([b for b, _ in BANDS])
    index = np.searchsorted(bounds, hours.fillna(0).to_numpy(), side="left")
    labels = np.array([label for _, label in BANDS], dtype=object)[np.minimum(index, len(BANDS) - 1)]
    return pd.Series(np.where(hours.isna(), NEVER, labels), index=hours.index)


def rate_table(groups: pd.DataFrame, outcomes=("contacted", "accepted", "won")) -> pd.DataFrame:
    """Add each outcome's rate and interval to rows with mql_count and OUTCOME_count; blank below MIN_SAMPLE."""
    table = groups.copy()
    small = table["mql_count"] < MIN_SAMPLE
    for outcome in outcomes:
        k, n = table[f"{outcome}_count"], table["mql_count"]
        low, high = wilson(k, n)
        table[f"{outcome}_rate"] = (k / n).where(~small)
        table[f"{outcome}_low"] = pd.Series(low, index=table.index).where(~small)
        table[f"{outcome}_high"] = pd.Series(high, index=table.index).where(~small)
    return table


def decay_curve(mqls: pd.DataFrame) -> pd.DataFrame:
    """Contact, acceptance and win rates of the MQLs by hours to first touch, one row per band in order."""
    labels = [label for _, label in BANDS] + [NEVER]
    frame = mqls.assign(band=band_labels(mqls["first_touch_hours"]))
    grouped = frame.groupby("band").agg(
        mql_count=("lead_id", "size"), contacted_count=("is_contacted", "sum"),
        accepted_count=("is_accepted", "sum"), won_count=("is_won", "sum"),
    ).reindex(labels, fill_value=0).reset_index()
    return rate_table(grouped.astype({c: int for c in grouped.columns if c.endswith("_count")}))


def attempts_curve(mqls: pd.DataFrame) -> pd.DataFrame:
    """For the k-th attempt (k = 1 to MAX_ATTEMPT, the last with all later ones): how many leads got one
    without having been reached before, the share of them it reached, and the share of all worked leads
    reached by then (1 - the product of the shares not reached at each attempt so far)."""
    worked = mqls[mqls["attempts_to_contact"] > 0]
    attempts = worked["attempts_to_contact"].to_numpy()
    contacted = worked["is_contacted"].to_numpy()
    rows, unreached = [], 1.0
    for k in range(1, MAX_ATTEMPT + 1):
        if k < MAX_ATTEMPT:
            at_risk, reached = int((attempts >= k).sum()), int(((attempts == k) & contacted).sum())
        else:  # the 6th and later: reached at any of them, per attempt made
            at_risk = int(np.clip(attempts - (k - 1), 0, None).sum())
            reached = int(((attempts >= k) & contacted).sum())
        rate = reached / at_risk if at_risk else None
        low, high = wilson(reached, at_risk)
        if rate is not None and k < MAX_ATTEMPT:
            unreached *= 1 - rate
        enough = at_risk >= MIN_SAMPLE
        rows.append(dict(
            attempt=k, label=f"{k}" if k < MAX_ATTEMPT else f"{k}+", leads_count=at_risk, reached_count=reached,
            reached_rate=rate if enough else None, reached_low=float(low) if enough else None,
            reached_high=float(high) if enough else None,
            cumulative_reached_rate=(1 - unreached) if enough and k < MAX_ATTEMPT else None,
        ))
    return pd.DataFrame(rows)


def delay_model(mqls: pd.DataFrame) -> dict | None:
    """How the chance that an attempt reaches the lead falls with the wait before the first touch: a logistic
    regression of each attempt's outcome on ln(1 + hours to first touch), fitted by iteratively reweighted
    least squares over the worked leads (each lead: its attempts up to the first contact, and whether one
    came). slope is the change in the log-odds of contact per unit of ln(1 + hours); None below MIN_SAMPLE."""
    worked = mqls[(mqls["attempts_to_contact"] > 0) & mqls["first_touch_hours"].notna()]
    if len(worked) < MIN_SAMPLE or worked["is_contacted"].nunique() < 2:
        return None
    x = np.log1p(worked["first_touch_hours"].to_numpy(dtype=float))
    trials = worked["attempts_to_contact"].to_numpy(dtype=float)
    successes = worked["is_contacted"].to_numpy(dtype=float)
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ beta)))
        weight = trials * p * (1 - p)
        information = design.T @ (design * weight[:, None])
        step = np.linalg.solve(information, design.T @ (successes - trials * p))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    p = 1 / (1 + np.exp(-(design @ beta)))
    information = design.T @ (design * (trials * p * (1 - p))[:, None])
    se = np.sqrt(np.diag(np.linalg.inv(information)))
    intercept, slope = beta
    return dict(
        intercept=float(intercept), slope=float(slope), slope_low=float(slope - Z * se[1]),
        slope_high=float(slope + Z * se[1]), lead_count=len(worked), attempt_count=int(trials.sum()),
        # odds of reaching the lead per attempt: a first touch after 5 minutes against one after 30
        odds_ratio_5_vs_30_min=float(np.exp(-slope * (np.log1p(0.5) - np.log1p(5 / 60)))),
    )


def contact_chance(model: dict, hours: float) -> float:
    """The model's chance that one attempt reaches a lead first touched after `hours`."""
    return 1 / (1 + np.exp(-(model["intercept"] + model["slope"] * np.log1p(hours))))


def _cells(mqls: pd.DataFrame) -> pd.DataFrame:
    """Each lead not worked on time, with the on-time leads it is compared with: the finest stratum (STRATA)
    with MIN_STRATUM of them (its cell: the level times CELLS_PER_LEVEL plus the stratum's number), their
    count and wins, and the lead's value if won (the mean revenue of the on-time won leads of its segment,
    or of all)."""
    on_time = mqls[mqls["worked"] == "on_time"]
    others = mqls[mqls["worked"] != "on_time"].copy()
    others["cell"], others["cell_n"], others["cell_wins"] = -1, np.nan, np.nan
    for level, keys in enumerate(STRATA):
        open_ = others["cell"] < 0
        if keys:
            pooled = on_time.groupby(keys).agg(n=("lead_id", "size"), wins=("is_won", "sum"))
            matched = others.loc[open_, keys].join(pooled, on=keys)
            matched = matched[matched["n"] >= MIN_STRATUM]
            number = matched.groupby(keys, sort=False).ngroup()
        else:
            matched = pd.DataFrame({"n": len(on_time), "wins": on_time["is_won"].sum()}, index=others.index[open_])
            number = pd.Series(0, index=matched.index)
        others.loc[matched.index, "cell_n"] = matched["n"]
        others.loc[matched.index, "cell_wins"] = matched["wins"]
        others.loc[matched.index, "cell"] = level * CELLS_PER_LEVEL + number
    won = on_time[on_time["is_won"] & (on_time["revenue_eur"] > 0)]
    by_segment = won.groupby("segment")["revenue_eur"].mean()
    overall = won["revenue_eur"].mean() if len(won) else 0.0
    others["value_eur"] = others["segment"].map(by_segment).fillna(overall)
    return others


def left_on_table(mqls: pd.DataFrame, seed: int = 0) -> dict:
    """Per group of MQLs not worked on time ('never': never touched, 'late': touched after the deadline,
    'all': both): its leads, the wins they had, the wins they would likely have had if worked on time (each
    lead given the on-time win rate of its stratum), the difference and its value in revenue. The 95%
    intervals come from a parametric bootstrap: each stratum's on-time win rate, and the group's own wins in
    it, drawn again as binomials (one set of draws for the three groups). A group's estimate is None, with
    the reason, when it or the on-time leads number fewer than MIN_SAMPLE."""
    on_time_count = int((mqls["worked"] == "on_time").sum())
    groups = {"never": ["never"], "late": ["late"], "all": ["never", "late"]}
    found, estimated = {}, []
    for group, kinds in groups.items():
        chosen = mqls["worked"].isin(kinds)
        found[group] = dict(mql_count=int(chosen.sum()), won_count=int(mqls.loc[chosen, "is_won"].sum()),
                            on_time_count=on_time_count, estimate=None, reason=None)
        if on_time_count < MIN_SAMPLE:
            found[group]["reason"] = f"only {on_time_count} MQLs were worked on time"
        elif chosen.sum() < MIN_SAMPLE:
            found[group]["reason"] = f"only {int(chosen.sum())} MQLs"
        else:
            estimated.append(group)
    if not estimated:
        return found
    cells = _cells(mqls)
    columns = {}
    for kind in ("never", "late"):
        mine = cells["worked"] == kind
        columns[f"{kind}_m"] = mine.astype(float)
        columns[f"{kind}_value"] = cells["value_eur"].where(mine, 0.0)
        columns[f"{kind}_won"] = (mine & cells["is_won"]).astype(float)
    per_cell = cells.assign(**columns).groupby("cell").agg(
        n=("cell_n", "first"), wins=("cell_wins", "first"), **{c: (c, "sum") for c in columns})
    rng = np.random.default_rng(seed)
    n = per_cell["n"].to_numpy(dtype=int)
    rate = per_cell["wins"].to_numpy() / n
    rate_draws = rng.binomial(n[None, :], rate[None, :], size=(BOOTSTRAP_RUNS, len(n))) / n
    drawn = {}  # per kind: its leads, values, wins and value won, as drawn
    for kind in ("never", "late"):
        m, value, won = (per_cell[f"{kind}_{c}"].to_numpy() for c in ("m", "value", "won"))
        with np.errstate(divide="ignore", invalid="ignore"):
            own_rate, worth_each = np.nan_to_num(won / m), np.nan_to_num(value / m)
        won_draws = rng.binomial(m.astype(int)[None, :], own_rate[None, :], size=(BOOTSTRAP_RUNS, len(m)))
        drawn[kind] = (m, value, won_draws.sum(axis=1), won_draws @ worth_each, won @ worth_each)
    for group in estimated:
        kinds = groups[group]
        m = sum(drawn[k][0] for k in kinds)
        value = sum(drawn[k][1] for k in kinds)
        won_draws, won_value_draws = sum(drawn[k][2] for k in kinds), sum(drawn[k][3] for k in kinds)
        won_value = float(sum(drawn[k][4] for k in kinds))
        expected_draws, worth_draws = rate_draws @ m, rate_draws @ value
        expected, won = float(m @ rate), found[group]["won_count"]
        leads = cells[cells["worked"].isin(kinds)]
        extra_low, extra_high = np.percentile(expected_draws - won_draws, [2.5, 97.5])
        worth_low, worth_high = np.percentile(worth_draws - won_value_draws, [2.5, 97.5])
        found[group].update(
            estimate=True, expected_won=expected,
            expected_low=float(np.percentile(expected_draws, 2.5)), expected_high=float(np.percentile(expected_draws, 97.5)),
            extra_won=expected - won, extra_low=float(extra_low), extra_high=float(extra_high),
            extra_revenue_eur=float(value @ rate) - won_value,
            extra_revenue_low=float(worth_low), extra_revenue_high=float(worth_high),
            own_stratum_share=float((leads["cell"] < CELLS_PER_LEVEL).mean()),
        )
    return found


def cherry_picking(mqls: pd.DataFrame) -> dict | None:
    """Whether the MQLs never touched look better or worse than the touched ones of the same source, segment
    and score band: the mean difference of their scores (never minus touched), weighted by the never-touched
    leads of each stratum, with a 95% interval. verdict is 'worse', 'better' or 'alike' (the interval holds 0).
    None when fewer than MIN_SAMPLE never-touched leads can be compared."""
    frame = mqls[mqls["lead_score"].notna()].assign(never=lambda f: f["worked"] == "never")
    if frame["never"].nunique() < 2:  # nobody never touched, or nobody touched: nothing to compare
        return None
    keys = ["source", "segment", "score_band"]
    stats = frame.groupby(keys + ["never"])["lead_score"].agg(["size", "mean", "var"]).unstack("never")
    stats = stats.dropna(subset=[("size", True), ("size", False)])
    stats = stats[(stats[("size", True)] >= 2) & (stats[("size", False)] >= 2)]
    weight = stats[("size", True)]
    if weight.sum() < MIN_SAMPLE:
        return None
    difference = stats[("mean", True)] - stats[("mean", False)]
    variance = stats[("var", True)] / stats[("size", True)] + stats[("var", False)] / stats[("size", False)]
    mean = float((weight * difference).sum() / weight.sum())
    se = float(np.sqrt((weight**2 * variance).sum()) / weight.sum())
    low, high = mean - Z * se, mean + Z * se
    verdict = "worse" if high < 0 else "better" if low > 0 else "alike"
    return dict(score_gap=mean, low=low, high=high, verdict=verdict, compared_count=int(weight.sum()))


def quality_and_execution(mqls: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per source or campaign (`by`): its shortfall in won leads against the best one's on-time win rate,
    split into lead quality (its own on-time win rate short of the best) and execution (the wins its leads
    lost by not being worked on time: leads x (on-time win rate - actual win rate), which is the share not
    worked on time times what the delay cost them). Groups with fewer than MIN_SAMPLE on-time MQLs get no
    split; the best is chosen among the others."""
    frame = mqls.assign(on_time=mqls["worked"] == "on_time", on_time_won=(mqls["worked"] == "on_time") & mqls["is_won"])
    table = frame.groupby(by).agg(
        mql_count=("lead_id", "size"), on_time_count=("on_time", "sum"), won_count=("is_won", "sum"),
        on_time_won_count=("on_time_won", "sum"),
    ).reset_index()
    table["won_rate"] = table["won_count"] / table["mql_count"]
    table["on_time_share"] = table["on_time_count"] / table["mql_count"]
    enough = table["on_time_count"] >= MIN_SAMPLE
    table["on_time_won_rate"] = (table["on_time_won_count"] / table["on_time_count"]).where(enough)
    best = table["on_time_won_rate"].max()
    table["is_best"] = enough & (table["on_time_won_rate"] == best)
    table["shortfall_won"] = table["mql_count"] * (best - table["won_rate"])
    table["quality_won"] = table["mql_count"] * (best - table["on_time_won_rate"])
    table["execution_won"] = table["mql_count"] * (table["on_time_won_rate"] - table["won_rate"])
    for column in ("shortfall_won", "quality_won", "execution_won"):
        table[column] = table[column].where(enough)
    return table.sort_values(["shortfall_won", by], ascending=[False, True], na_position="last").reset_index(drop=True)


def compliance(mqls: pd.DataFrame) -> float | None:
    """The share of the window's MQLs worked on time."""
    return float((mqls["worked"] == "on_time").mean()) if len(mqls) else None


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


def findings(mqls: pd.DataFrame) -> dict:
    """Everything the Evidence page shows, from the window's MQLs; their count alone below MIN_SAMPLE."""
    if len(mqls) < MIN_SAMPLE:
        return dict(mql_count=len(mqls))
    return dict(
        mql_count=len(mqls), worked=mqls["worked"].value_counts().to_dict(), compliance=compliance(mqls),
        decay=decay_curve(mqls), attempts=attempts_curve(mqls), model=delay_model(mqls),
        left=left_on_table(mqls), cherry=cherry_picking(mqls),
        by_source=quality_and_execution(mqls, "source"), by_campaign=quality_and_execution(mqls, "campaign"),
    )
