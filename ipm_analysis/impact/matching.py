"""Which pool schools are like each project school? Matching on more than one baseline figure.

A school's baseline progress is one noisy year, and how far it bounces back depends on more
than that year: small cohorts swing more, a school's previous year says whether the baseline
was a dip or its usual level, and intake shapes both. Each project school is matched to the
``k`` pool schools closest to it on the variables of ``match_on`` (:data:`MATCH_VARIABLES`).

Distance: Euclidean over the numeric variables, each divided by its standard deviation over
the candidate pool schools (ddof=1), i.e. a Mahalanobis distance with a diagonal covariance,
in *standardised units*; ``school_type`` is matched exactly. Distances are compared at
``TIE_DECIMALS`` decimals and every pool school tied with the k-th closest is kept, so a match
set never depends on row order. Matched on ``baseline`` alone, the sets are exactly those of
the baseline-only matching the report used before ``match_on`` existed: the distance is the
absolute difference divided by one constant, so the order and the ties are the same
(``tests/test_matching.py`` checks this on the example and the real files).

``CLOSE_MATCH`` is 0.5 standard deviations per numeric variable matched on: a project school
whose closest match is farther than 0.5 x sqrt(p) standardised units (p numeric variables it
was matched on) is named as poorly matched, i.e. its closest pool school differs from it by
more than half a standard deviation on a typical variable (root mean square over the p). Why
sqrt(p): a match that is c standard deviations off on every one of p variables is c x sqrt(p)
away, so the limit means the same per variable whatever p is. Why 0.5 and not 0.2: 0.2 is
the caliper Austin (2011) recommends for matching on one summary score, but the nearest of a
few hundred schools in three or more dimensions is rarely that close: on Hampshire 2017 (about
270 pool schools, 35 project schools drawn at random, 20 draws) 0.2 named about 12 of 35
schools with the default variables, a list too long to mean "this school's comparison is
doubtful". 0.5 is Cohen's "medium" difference, the point where two schools stop being alike on
a variable; on the same draws it names none of the schools matched on baseline alone, about 1
in 30 with the default variables, about 1 in 10 with five numeric variables and about 1 in 4
with those five and school type. A list that grows as variables are added is the honest
answer: one LA holds few schools alike on many things at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipm_analysis.impact.weighting import weighted_mean
from ipm_analysis.inputs.params import DEFAULT_MATCH_ON as DEFAULT_MATCH_ON  # re-exported
from ipm_analysis.inputs.params import (  # re-exported
    DEFAULT_MATCH_ON_ATTAINMENT as DEFAULT_MATCH_ON_ATTAINMENT,
)

#: The variables a project school can be matched on -> what each is, for the report.
MATCH_VARIABLES: dict[str, str] = {
    "baseline": "baseline-year figure of the measure compared (progress, or attainment)",
    "prior_progress": "progress score of the year before the baseline year",
    "cohort_size": "eligible pupils in the baseline year (TELIG)",
    "disadvantaged": "% disadvantaged pupils in the baseline year (PTFSM6CLA1A)",
    "ks1_average": "the cohort's KS1 average point score (TKS1AVERAGE)",
    "school_type": "school type (NFTYPE, e.g. AC, CY, VA), matched exactly",
    "scaled_score": "the baseline year's average scaled score in the subject (MAT_AVERAGE...)",
}
#: ``baseline``'s description in a report whose comparison is of each measure.
BASELINE_DESCRIPTIONS = {
    "progress": "baseline-year progress score",
    "attainment": "baseline-year % at the expected standard",
    "higher_standard": "baseline-year % at the higher standard",
    "scaled_score": "baseline-year average scaled score",
}
#: A closest match farther than this many standard deviations per numeric variable matched on
#: (x sqrt(p) for p variables) is a poor match; see the module docstring for why 0.5.
CLOSE_MATCH = 0.5
#: Distances are compared at this many decimals, so float noise does not break ties (the same
#: rule as the baseline-only matching always had; ``impact.comparison`` imports it from here).
TIE_DECIMALS = 6
#: Standardised mean differences above these are flagged (Stuart 2010; Rubin 2001).
SMD_FLAGS = (0.1, 0.25)

#: The exact-match variable; every other variable is numeric.
EXACT = "school_type"

SETS_COLUMNS = ["urn", "pool_urn", "distance", "rank", "matched_on"]


def _variables(match_on: Sequence[str]) -> tuple[tuple[str, ...], bool]:
    """(numeric variables in order, whether school type is matched exactly); checks names."""
    if isinstance(match_on, str):
        match_on = [match_on]
    names = list(match_on)
    unknown = [name for name in names if name not in MATCH_VARIABLES]
    if unknown:
        raise ValueError(
            f"cannot match on {', '.join(map(repr, unknown))}: "
            f"choose from {', '.join(MATCH_VARIABLES)}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"match_on names a variable twice: {names}")
    numeric = tuple(name for name in names if name != EXACT)
    if not numeric:
        raise ValueError("match_on needs at least one numeric variable besides school_type")
    return numeric, EXACT in names


def _require(frame: pd.DataFrame, what: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"the {what} frame has no column {', '.join(missing)}")


def _urns(frame: pd.DataFrame, what: str) -> np.ndarray:
    urns = frame.index.astype(str).to_numpy(dtype=object)
    if pd.Index(urns).has_duplicates:
        dup = pd.Index(urns)[pd.Index(urns).duplicated()][0]
        raise ValueError(f"URN {dup} appears more than once in the {what}")
    return urns


def _numeric(frame: pd.DataFrame, numeric: Sequence[str]) -> np.ndarray:
    """The numeric variables as an (n schools, n variables) float array, NaN where missing."""
    if not len(frame):
        return np.empty((0, len(numeric)))
    return np.column_stack([frame[name].to_numpy(dtype=float) for name in numeric])


def _type_codes(project: pd.DataFrame, pool: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """School types as shared integer codes (-1 where missing or blank)."""
    text = pd.concat([project[EXACT], pool[EXACT]], ignore_index=True).astype("string")
    text = text.str.strip().str.upper().replace("", pd.NA)
    codes, _ = pd.factorize(text)  # missing -> -1
    return codes[: len(project)], codes[len(project) :]


def _candidates(pool: pd.DataFrame, numeric: Sequence[str], exact: bool) -> np.ndarray:
    """Pool schools that can be matched: every matched variable present."""
    keep = ~np.isnan(_numeric(pool, numeric)).any(axis=1)
    if exact:
        _, codes = _type_codes(pool.iloc[:0], pool)
        keep &= codes >= 0
    return keep


def _scale(values: np.ndarray) -> np.ndarray:
    """Each column's standard deviation (ddof=1); 1 where it is not a positive number (a pool of
    one school, or a variable constant over the pool: it then shifts every distance equally)."""
    if values.shape[0] < 2:
        return np.ones(values.shape[1])
    sd = values.std(axis=0, ddof=1)
    return np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)


def standardising_scale(pool: pd.DataFrame, match_on: Sequence[str]) -> pd.Series:
    """One standardised unit of each numeric variable, in the variable's own units: its standard
    deviation (ddof=1) over the candidate pool schools (those with every matched variable)."""
    numeric, exact = _variables(match_on)
    _require(pool, "pool", [*numeric, *((EXACT,) if exact else ())])
    values = _numeric(pool, numeric)[_candidates(pool, numeric, exact)]
    return pd.Series(_scale(values), index=pd.Index(numeric, name="variable"), name="scale")


def _squared_distance(project: np.ndarray, pool: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(n project, n pool) sum over variables of the squared standardised difference; a project
    value that is NaN adds nothing (the school is matched on the variables it has)."""
    total = np.zeros((project.shape[0], pool.shape[0]))
    for v in range(project.shape[1]):
        has = ~np.isnan(project[:, v])
        diff = (project[has, v, None] - pool[None, :, v]) / scale[v]
        total[has] += diff * diff
    return total


def _nearest(rounded: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of each row's k smallest finite values, every value tied with the k-th kept."""
    if rounded.shape[1] == 0:
        return np.zeros(rounded.shape, dtype=bool)
    kth = min(k, rounded.shape[1]) - 1
    cutoff = np.partition(rounded, kth, axis=1)[:, kth]
    return (rounded <= cutoff[:, None]) & np.isfinite(rounded)


def match_sets(
    project: pd.DataFrame,
    pool: pd.DataFrame,
    match_on: Sequence[str],
    k: int = 5,
    caliper: float | None = None,
) -> pd.DataFrame:
    """Each project school's match set: the ``k`` pool schools closest on ``match_on``.

    ``project``, ``pool``: index URN, one column per variable of ``match_on`` (floats;
    ``school_type`` text); other columns are ignored. Distance is in standardised units (see
    the module docstring); a pool school of another type is never a match. A pool school
    missing any matched variable is not a candidate. A project school missing a variable is
    matched on the variables it has (a missing type: any type); one with none of the numeric
    variables is unmatched. ``caliper`` (standardised units) drops the set members farther away;
    a project school with none left is unmatched. Unmatched project schools get no rows.

    Returns ``urn, pool_urn, distance, rank, matched_on``: ``rank`` 1 is the closest, tied
    schools share the lower rank (ties judged at ``TIE_DECIMALS``); ``matched_on`` lists the
    variables the project school was matched on (``"baseline, cohort_size"``). Sorted by
    project school (input order), distance, pool URN.
    """
    numeric, exact = _variables(match_on)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if caliper is not None and not caliper >= 0:
        raise ValueError(f"caliper must be a distance of 0 or more, got {caliper}")
    columns = [*numeric, *((EXACT,) if exact else ())]
    _require(project, "project", columns)
    _require(pool, "pool", columns)
    urns, pool_urns = _urns(project, "project schools"), _urns(pool, "pool")

    candidate = _candidates(pool, numeric, exact)
    q = _numeric(pool, numeric)[candidate]
    p = _numeric(project, numeric)
    distance = np.sqrt(_squared_distance(p, q, _scale(q)))
    has = ~np.isnan(p)
    distance[~has.any(axis=1)] = np.inf
    used = [[name for name, ok in zip(numeric, row, strict=True) if ok] for row in has]
    if exact:
        p_type, q_type = _type_codes(project, pool)
        q_type = q_type[candidate]
        other = (p_type[:, None] >= 0) & (p_type[:, None] != q_type[None, :])
        distance[other] = np.inf
        for names, code in zip(used, p_type, strict=True):
            if code >= 0:
                names.append(EXACT)

    rounded = np.round(distance, TIE_DECIMALS)
    member = _nearest(rounded, k)
    if caliper is not None:
        member &= rounded <= caliper
    rows, cols = np.nonzero(member)
    matches = pd.DataFrame(
        {
            "urn": urns[rows].astype(str),
            "pool_urn": pool_urns[candidate][cols].astype(str),
            "distance": distance[rows, cols],
            "_order": rows,
            "_rounded": rounded[rows, cols],
        }
    )
    matches = matches.sort_values(["_order", "_rounded", "pool_urn"], kind="stable")
    matches["rank"] = matches.groupby("_order")["_rounded"].rank(method="min").astype(int)
    labels = np.array([", ".join(names) for names in used] or [""], dtype=object)
    matches["matched_on"] = labels[matches["_order"].to_numpy()].astype(str)
    return matches[SETS_COLUMNS].reset_index(drop=True)


def _numeric_count(matched_on: pd.Series) -> pd.Series:
    """How many numeric variables each ``matched_on`` label names."""
    names = matched_on.astype(str).str.split(", ")
    return names.map(lambda ns: sum(1 for n in ns if n and n != EXACT)).astype(int)


def poorly_matched(
    project: pd.DataFrame, sets: pd.DataFrame, threshold: float = CLOSE_MATCH
) -> pd.DataFrame:
    """Project schools with no match, or whose closest match is far.

    ``threshold`` is per numeric variable matched on: a school matched on p numeric variables
    (``matched_on`` in ``sets``) is poorly matched when its closest match is farther than
    ``threshold x sqrt(p)`` standardised units (compared at ``TIE_DECIMALS``). Returns one row
    per such school, in ``project`` order: ``urn``, ``nearest_distance`` (NaN when unmatched),
    ``limit`` (the distance it was judged against; NaN when unmatched) and ``reason``
    (``"no comparison school"`` or ``"closest comparison school too far"``).
    """
    urns = pd.Index(_urns(project, "project schools"), name="urn")
    grouped = sets.assign(urn=sets["urn"].astype(str)).groupby("urn", sort=False)
    nearest = grouped["distance"].min().reindex(urns)
    p = _numeric_count(grouped["matched_on"].first()).reindex(urns)
    limit = threshold * np.sqrt(p.astype(float))
    far = np.round(nearest, TIE_DECIMALS) > np.round(limit, TIE_DECIMALS)
    none = nearest.isna()
    out = pd.DataFrame(
        {
            "urn": urns.to_numpy(dtype=str),
            "nearest_distance": nearest.to_numpy(dtype=float),
            "limit": limit.to_numpy(dtype=float),
            "reason": np.where(none, "no comparison school", "closest comparison school too far"),
        }
    )
    return out[(far | none).to_numpy()].reset_index(drop=True)


def _weights(project_weights: pd.Series | None, urns: pd.Index) -> np.ndarray:
    """Project weights aligned to ``urns`` (NaN where missing); ones when None."""
    if project_weights is None:
        return np.ones(len(urns))
    w = project_weights.set_axis(project_weights.index.astype(str)).astype(float)
    w = w.reindex(urns).to_numpy(dtype=float)
    if (w[~np.isnan(w)] < 0).any():
        raise ValueError("project weights must not be negative")
    return w


def _balance_rows(
    project: pd.DataFrame, pool: pd.DataFrame, numeric: Sequence[str], exact: bool
) -> list[tuple[str, str, pd.Series, pd.Series]]:
    """(variable, description, project values, pool values) per balance row; a school type
    becomes one 0/1 row per type (NaN where the school's type is missing)."""
    names = ["baseline", *(name for name in numeric if name != "baseline")]
    rows = [
        (name, MATCH_VARIABLES[name], project[name].astype(float), pool[name].astype(float))
        for name in names
    ]
    if exact:
        p_code, q_code = _type_codes(project, pool)
        text = pd.concat([project[EXACT], pool[EXACT]], ignore_index=True).astype("string")
        text = text.str.strip().str.upper().replace("", pd.NA)
        _, types = pd.factorize(text)
        for code in np.argsort(np.asarray(types, dtype=str), kind="stable"):
            label = str(types[code])
            rows.append(
                (
                    f"{EXACT}:{label}",
                    f"share of schools of type {label} (NFTYPE)",
                    pd.Series(np.where(p_code >= 0, p_code == code, np.nan), index=project.index),
                    pd.Series(np.where(q_code >= 0, q_code == code, np.nan), index=pool.index),
                )
            )
    return rows


def _flag(smd: float) -> str:
    size = abs(smd)
    if size > SMD_FLAGS[1]:
        return f"above {SMD_FLAGS[1]}"
    if size > SMD_FLAGS[0]:
        return f"above {SMD_FLAGS[0]}"
    return ""


def balance_table(
    project: pd.DataFrame,
    pool: pd.DataFrame,
    sets: pd.DataFrame,
    match_on: Sequence[str],
    project_weights: pd.Series | None = None,
) -> pd.DataFrame:
    """How alike are the project schools and their comparison, before and after matching?

    One row for ``baseline`` (always: it is what the report is about), one per other numeric
    variable of ``match_on``, and, when ``school_type`` is matched, one per type (the share of
    schools of that type, ``school_type:AC``). Columns:

    - ``project_mean``: over the project schools that have a match set (the schools compared),
      weighted by ``project_weights`` when given;
    - ``pool_mean``: over every candidate pool school (every matched variable present);
    - ``matched_mean``: each project school's match set averaged with equal weight within the
      set, then averaged over the same project schools with the same weights;
    - ``smd_before`` = (project_mean - pool_mean) / s and ``smd_after`` = (project_mean -
      matched_mean) / s, with s = sqrt((var_project + var_pool) / 2) computed *before*
      matching (all project schools with the figure; all candidate pool schools; ddof=1) and
      used for both, so the change from before to after is the matching's doing alone (Stuart
      2010). With one project school, s is the pool's standard deviation alone;
    - ``flag``: ``"above 0.25"`` or ``"above 0.1"`` on |smd_after|, else ``""`` (Stuart 2010's
      0.1 and Rubin 2001's 0.25).

    A project school missing a figure is left out of that row's means.
    """
    numeric, exact = _variables(match_on)
    needed = ["baseline", *numeric, *((EXACT,) if exact else ())]
    _require(project, "project", needed)
    _require(pool, "pool", needed)
    urns = pd.Index(_urns(project, "project schools"), name="urn")
    project = project.set_axis(urns)
    pool = pool.set_axis(pd.Index(_urns(pool, "pool"), name="urn"))
    pool = pool[_candidates(pool, numeric, exact)]
    sets_urn = sets["urn"].astype(str)
    matched = urns.isin(sets_urn)
    weights = _weights(project_weights, urns)

    records = []
    for variable, description, p_values, q_values in _balance_rows(project, pool, numeric, exact):
        p = p_values.to_numpy(dtype=float)
        q = q_values.to_numpy(dtype=float)
        in_sets = q_values.reindex(sets["pool_urn"].astype(str)).to_numpy(dtype=float)
        set_mean = pd.Series(in_sets).groupby(sets_urn.to_numpy()).mean()
        m = set_mean.reindex(urns).to_numpy(dtype=float)
        keep = matched & ~np.isnan(p) & ~np.isnan(m) & ~np.isnan(weights)
        project_mean = weighted_mean(p[keep], weights[keep])
        matched_mean = weighted_mean(m[keep], weights[keep])
        pool_mean = weighted_mean(q)
        variances = [np.var(x, ddof=1) for x in (p[~np.isnan(p)], q[~np.isnan(q)]) if x.size > 1]
        s = float(np.sqrt(np.mean(variances))) if variances else np.nan
        smd_before = _standardised(project_mean - pool_mean, s)
        smd_after = _standardised(project_mean - matched_mean, s)
        records.append(
            {
                "variable": variable,
                "description": description,
                "project_mean": project_mean,
                "pool_mean": pool_mean,
                "matched_mean": matched_mean,
                "smd_before": smd_before,
                "smd_after": smd_after,
                "flag": "" if np.isnan(smd_after) else _flag(smd_after),
            }
        )
    return pd.DataFrame.from_records(records)


def _standardised(difference: float, s: float) -> float:
    """difference / s; 0 when both are 0 (a variable nobody varies on), NaN when s is 0 or
    missing otherwise."""
    if np.isnan(difference) or np.isnan(s):
        return float("nan")
    if s == 0:
        return 0.0 if round(difference, TIE_DECIMALS) == 0 else float("nan")
    return float(difference / s)


def pool_variance(
    pool: pd.DataFrame,
    pool_change: pd.Series,
    match_on: Sequence[str],
    j: int = 4,
) -> pd.Series:
    """Each pool school's conditional variance of change, as Abadie and Imbens (2006) estimate it.

    Each pool school i is matched to its ``j`` nearest *other* pool schools on the same
    standardised distance as :func:`match_sets` (same candidates, same standard deviations,
    same exact school type, ties with the j-th kept), and
    ``sigma2_i = m / (m + 1) * (change_i - mean change of those m schools) ** 2``, m the number
    matched (j, more with ties, fewer when fewer are available). m / (m + 1) undoes the extra
    variance of comparing with a mean of m noisy schools: E[(e_i - mean of m e's)^2] =
    sigma^2 (1 + 1/m) when the m neighbours are alike in X.

    Contract: pass the same ``pool`` and ``match_on`` as to :func:`match_sets`.
    ``pool_change``: change (outcome - baseline) per pool URN. Returns a Series named
    ``sigma2``, index the pool's URNs in order: NaN for a school that is not a candidate, has
    no change, or has no other candidate of its type with a change. The neighbours are
    candidates with a change. The variance of a weighted matching estimate uses it with the
    weights of :func:`match_weights` (see there).
    """
    numeric, exact = _variables(match_on)
    if j < 1:
        raise ValueError(f"j must be at least 1, got {j}")
    _require(pool, "pool", [*numeric, *((EXACT,) if exact else ())])
    urns = pd.Index(_urns(pool, "pool"), name="urn")
    change = pool_change.set_axis(pool_change.index.astype(str)).astype(float)
    y = change.reindex(urns).to_numpy(dtype=float)
    candidate = _candidates(pool, numeric, exact)
    x = _numeric(pool, numeric)
    scale = _scale(x[candidate])
    usable = np.flatnonzero(candidate & ~np.isnan(y))
    codes = _type_codes(pool.iloc[:0], pool)[1] if exact else np.zeros(len(pool), dtype=int)

    sigma2 = np.full(len(pool), np.nan)
    xs, ys, cs = x[usable], y[usable], codes[usable]
    for start in range(0, usable.size, 512):  # blocks of rows keep memory at 512 x n
        block = slice(start, start + 512)
        distance = np.sqrt(_squared_distance(xs[block], xs, scale))
        distance[cs[block, None] != cs[None, :]] = np.inf
        rows = np.arange(distance.shape[0])
        distance[rows, rows + start] = np.inf  # not its own neighbour
        near = _nearest(np.round(distance, TIE_DECIMALS), j)
        m = near.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (near * ys[None, :]).sum(axis=1) / m
            sigma2[usable[block]] = np.where(m > 0, m / (m + 1) * (ys[block] - mean) ** 2, np.nan)
    return pd.Series(sigma2, index=urns, name="sigma2")


def match_weights(sets: pd.DataFrame, project_weights: pd.Series | None = None) -> pd.DataFrame:
    """How much each pool school counts in the matched comparison.

    With w_i the project weights normalised to sum to 1 over the matched project schools
    (those with rows in ``sets``; equal weights 1/n when None; a school with a missing weight
    counts 0), for each pool school j used:

    - ``K`` = sum_i w_i 1{j in set(i)} / |set(i)|: its weight in the weighted comparison mean,
      sum_i w_i mean_{set(i)} change = sum_j K_j change_j (the K sum to 1);
    - ``K2`` = sum_i w_i^2 1{j in set(i)} / |set(i)|^2.

    Use (Abadie and Imbens 2006, the sample-ATT variance, weighted): for the net change
    sum_i w_i (change_i - mean_{set(i)} change), Var = sum_i w_i^2 (net_i - net)^2 +
    sum_j (K_j^2 - K2_j) sigma2_j, sigma2 from :func:`pool_variance`. With equal weights 1/n
    and sets of M, K_j^2 - K2_j = k_j (k_j - 1) / (n M)^2 (k_j: sets holding j), the paper's
    K_M(K_M - 1) / M^2 term. Returns index ``pool_urn`` (sorted), columns ``K``, ``K2``.
    """
    urn = sets["urn"].astype(str)
    pool_urn = sets["pool_urn"].astype(str)
    matched = pd.Index(urn.unique(), name="urn")
    w = pd.Series(_weights(project_weights, matched), index=matched).fillna(0.0)
    if len(matched) and not w.sum() > 0:
        raise ValueError("no matched project school has a positive weight")
    w = w / w.sum() if len(matched) else w
    size = urn.map(urn.value_counts()).to_numpy(dtype=float)
    wi = w.reindex(urn).to_numpy(dtype=float)
    out = pd.DataFrame({"K": wi / size, "K2": (wi / size) ** 2})
    out = out.groupby(pool_urn.to_numpy()).sum().sort_index()
    out.index.name = "pool_urn"
    return out


@dataclass(frozen=True)
class SetPositions:
    """Match sets as positions, for the arithmetic that runs once per group and year: row r
    of ``sets`` joins project school ``rows[r]`` (position in the project index) to pool school
    ``cols[r]`` (position in the pool index)."""

    rows: np.ndarray
    cols: np.ndarray
    n_project: int
    n_pool: int


def set_positions(
    sets: pd.DataFrame, project_index: pd.Index, pool_index: pd.Index
) -> SetPositions:
    """:class:`SetPositions` of ``sets`` against the project and pool indexes (URNs as text)."""
    rows = pd.Index(project_index.astype(str)).get_indexer(sets["urn"].astype(str))
    cols = pd.Index(pool_index.astype(str)).get_indexer(sets["pool_urn"].astype(str))
    if (rows < 0).any() or (cols < 0).any():
        raise ValueError("the match sets name schools outside the project or the pool")
    return SetPositions(rows, cols, len(project_index), len(pool_index))


def position_weights(
    positions: SetPositions, weights: np.ndarray, member: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`match_weights` over positions: ``K`` and ``K2`` per pool position (zeros for
    schools not used). ``weights`` per project position (0 leaves a school out); ``member``
    per set row says which set members count (all when None)."""
    keep = np.ones(positions.rows.size, dtype=bool) if member is None else member
    rows, cols = positions.rows[keep], positions.cols[keep]
    size = np.bincount(rows, minlength=positions.n_project).astype(float)
    w = np.where(size > 0, np.nan_to_num(weights, nan=0.0), 0.0)
    total = w.sum()
    if total <= 0:
        zeros = np.zeros(positions.n_pool)
        return zeros, zeros.copy()
    share = (w / total)[rows] / size[rows]
    k = np.bincount(cols, weights=share, minlength=positions.n_pool)
    k2 = np.bincount(cols, weights=share * share, minlength=positions.n_pool)
    return k, k2


def position_means(
    positions: SetPositions, values: np.ndarray, member: np.ndarray | None = None
) -> np.ndarray:
    """Each project school's mean of ``values`` (per pool position) over its set members
    (those ``member`` keeps); NaN for a school with none."""
    keep = np.ones(positions.rows.size, dtype=bool) if member is None else member
    rows = positions.rows[keep]
    total = np.bincount(rows, weights=values[positions.cols[keep]], minlength=positions.n_project)
    count = np.bincount(rows, minlength=positions.n_project)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def bias_coefficients(
    pool: pd.DataFrame, pool_change: pd.Series, match_on: Sequence[str]
) -> pd.Series | None:
    """Abadie and Imbens' (2011) bias correction: the slopes of a least-squares regression of
    change on the numeric matching variables over the candidate pool schools.

    Matched on two or more continuous variables, the set members are not quite where the
    project school is, and for a low-baseline school they sit a little higher at baseline, so
    they regress less and the net change comes out too high (0.15-0.28 points in
    ``tests/test_coverage.py``'s model). Each member's change is then moved by
    ``slopes . (x_school - x_member)``. Matched on one variable the discrepancy vanishes fast
    enough not to matter (Abadie and Imbens 2006), and None is returned: the plain matched
    mean stands.
    """
    numeric, exact = _variables(match_on)
    if len(numeric) < 2:
        return None
    candidate = _candidates(pool, numeric, exact)
    x = _numeric(pool, numeric)[candidate]
    change = pool_change.set_axis(pool_change.index.astype(str)).astype(float)
    y = change.reindex(_urns(pool, "pool")[candidate]).to_numpy(dtype=float)
    keep = ~np.isnan(y)
    if keep.sum() <= len(numeric) + 1:
        return None
    design = np.column_stack([np.ones(keep.sum()), x[keep]])
    solution, *_ = np.linalg.lstsq(design, y[keep], rcond=None)
    return pd.Series(solution[1:], index=list(numeric), name="slope")


def set_adjustment(
    positions: SetPositions,
    project: pd.DataFrame,
    pool: pd.DataFrame,
    coefficients: pd.Series | None,
    member: np.ndarray | None = None,
) -> np.ndarray:
    """Per project school, what :func:`bias_coefficients` adds to its match set's mean change:
    ``slopes . (x_school - mean of x over its set members)``; 0 without coefficients, and a
    variable the school lacks counts 0 (it was not matched on)."""
    adjustment = np.zeros(positions.n_project)
    if coefficients is None:
        return adjustment
    for name, slope in coefficients.items():
        own = project[name].to_numpy(dtype=float)
        members = position_means(positions, pool[name].to_numpy(dtype=float), member)
        adjustment += np.nan_to_num(slope * (own - members), nan=0.0)
    return adjustment
