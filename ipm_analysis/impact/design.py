"""The evaluation design around the estimates: the primary question, the TLA difference,
effect sizes, attrition and the 2018 capping change.

One primary question is fixed before the results are seen (``primary:`` in params; default:
progress, all schools, net change, intention to treat); every other figure is exploratory.
A difference in significance is not a significant difference, so TLA and no-TLA schools are
compared by the difference of their estimates, with its own interval.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ipm_analysis.impact.effect_size import eef_months, effect_size
from ipm_analysis.impact.groups import ITT, TLA_NO, TLA_YES
from ipm_analysis.impact.intervals import LEVEL, Estimate, difference_estimate, t_quantile
from ipm_analysis.impact.summary import SUMMARY_COLUMNS
from ipm_analysis.inputs.roster import WITHDRAWN

#: From 2018 the DfE caps extreme negative pupil progress scores; a 2017 baseline and a 2018
#: or later outcome are on different footings.
CAPPING_YEAR = 2018
#: The TLA minus no-TLA difference, as a group name.
TLA_DIFFERENCE = "tla:difference"
#: Estimates that are changes (of any measure): effects.csv holds them all, and those of
#: progress have an effect size (the pupil-level spread is known for progress only:
#: ``impact.effect_size``).
PROGRESS_ESTIMATES = (
    "change",
    "net_change",
    "excess_change",
    "did",
    "pre_gap",
    "change_uncapped",
    "net_change_uncapped",
)
#: Estimates of the programme's effect, the only ones given in EEF months.
MONTHS_ESTIMATES = ("net_change", "excess_change", "did", "net_change_uncapped")
#: The columns of :func:`effect_sizes` (``effects.csv`` adds ``suppressed``).
EFFECTS_COLUMNS = [
    "measure",
    "estimate",
    "group",
    "population",
    "n_schools",
    "effect",
    "ci_low",
    "ci_high",
    "effect_size",
    "effect_size_low",
    "effect_size_high",
    "months",
]


def crosses_capping(years: tuple[int, int]) -> bool:
    """Whether a baseline before 2018 is compared with an outcome from 2018 on."""
    baseline_year, outcome_year = years
    return baseline_year < CAPPING_YEAR <= outcome_year


def primary_row(summary: pd.DataFrame, primary: Mapping[str, str]) -> pd.Series | None:
    """The intention-to-treat summary row of the primary question (None when absent)."""
    rows = summary[
        summary["measure"].eq(primary["measure"])
        & summary["estimate"].eq(primary["estimate"])
        & summary["group"].eq(primary["group"])
        & summary["population"].eq(ITT)
    ]
    return None if rows.empty else rows.iloc[0]


def _estimate(row: pd.Series) -> Estimate | None:
    """A summary row's estimate back from its t interval (df = n - 1, as every row uses)."""
    n = int(row["n_schools"]) if pd.notna(row["n_schools"]) else 0
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if n < 2 or not (np.isfinite(low) and np.isfinite(high)):
        return None
    se = (high - low) / (2 * t_quantile(1 - (1 - LEVEL) / 2, n - 1))
    return Estimate(float(row["change"]), se, float(n - 1), n, low, high)


def difference_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """TLA minus no-TLA, for the change and net change of every measure in each population:
    rows of group ``tla:difference`` (``change`` the difference, a Welch t interval)."""
    rows = []
    pairs = summary.loc[summary["estimate"].isin(("change", "net_change")), ["measure", "estimate"]]
    for measure, estimate in pairs.drop_duplicates().itertuples(index=False):
        for population in summary["population"].dropna().unique():
            pick = (
                summary["measure"].eq(measure)
                & summary["estimate"].eq(estimate)
                & summary["population"].eq(population)
            )
            yes = summary[pick & summary["group"].eq(TLA_YES)]
            no = summary[pick & summary["group"].eq(TLA_NO)]
            if yes.empty or no.empty:
                continue
            a, b = _estimate(yes.iloc[0]), _estimate(no.iloc[0])
            if a is None or b is None:
                continue
            d = difference_estimate(a, b)
            rows.append(
                [measure, estimate, TLA_DIFFERENCE, population, d.n, np.nan, np.nan, d.value]
                + [d.ci_low, d.ci_high]
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def effect_sizes(summary: pd.DataFrame, sigma: tuple[float, str]) -> pd.DataFrame:
    """Every progress estimate of the project's groups in pupil-level standard deviations and
    in EEF months' progress (``impact.effect_size``); ``sigma`` is (value, source)."""
    s = float(sigma[0])
    rows = summary[summary["estimate"].isin(PROGRESS_ESTIMATES) & summary["population"].notna()]
    out = pd.DataFrame(
        {
            "measure": rows["measure"].to_numpy(),
            "estimate": rows["estimate"].to_numpy(),
            "group": rows["group"].to_numpy(),
            "population": rows["population"].to_numpy(),
            "n_schools": rows["n_schools"].to_numpy(),
            "effect": rows["change"].to_numpy(dtype=float),
            "ci_low": rows["ci_low"].to_numpy(dtype=float),
            "ci_high": rows["ci_high"].to_numpy(dtype=float),
        }
    )
    for column, source in (
        ("effect_size", "effect"),
        ("effect_size_low", "ci_low"),
        ("effect_size_high", "ci_high"),
    ):
        out[column] = [
            effect_size(v, s) if measure == "progress" else float("nan")
            for v, measure in zip(out[source], out["measure"], strict=True)
        ]
    # months only for estimates of impact: a plain change (or a pre-gap) still holds what
    # would have happened anyway, and in months it would read as the programme's effect
    impact = out["estimate"].isin(MONTHS_ESTIMATES).to_numpy()
    months = [
        eef_months(v) if keep else None for v, keep in zip(out["effect_size"], impact, strict=True)
    ]
    out["months"] = pd.array(months, dtype="Int64")
    out["n_schools"] = out["n_schools"].astype("Int64")
    return out[EFFECTS_COLUMNS]


def attrition(
    schools: pd.DataFrame, summary: pd.DataFrame, primary: Mapping[str, str]
) -> dict[str, int]:
    """Schools recruited (on the roster for these cohorts), withdrawn, and analysed in the
    primary estimate: ``analysed_itt`` (every recruited school with the figures) and
    ``analysed_completed``."""
    found = {}
    for population in ("itt", "completed"):
        rows = summary[
            summary["measure"].eq(primary["measure"])
            & summary["estimate"].eq(primary["estimate"])
            & summary["group"].eq(primary["group"])
            & summary["population"].eq(population)
        ]
        n = rows["n_schools"].iloc[0] if len(rows) else 0
        found[population] = int(n) if pd.notna(n) else 0
    return {
        "recruited": len(schools),
        "withdrawn": int((schools["status"] == WITHDRAWN).sum()),
        "analysed_itt": found["itt"],
        "analysed_completed": found["completed"],
    }
