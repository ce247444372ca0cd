"""One report's evaluation, assembled from its parts: read inputs once, link, measure.

This is what the report notebook and ``ipm validate`` call; every step is a pure function
in its own module, this only wires them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ipm_analysis.core.errors import InputError
from ipm_analysis.impact.checks import (
    check_roster_in_tables,
    check_same_la,
    check_schools_have_figures,
)
from ipm_analysis.impact.comparison import (
    TIE_DECIMALS,
    RtmFit,
    _resampled_fits,
    comparison_pool,
    comparison_summary,
    expected_change,
    fit_regression_to_mean,
    matched_comparison,
)
from ipm_analysis.impact.comparison import match_sets as _match_sets
from ipm_analysis.impact.disclosure import apply_suppression
from ipm_analysis.impact.groups import group_membership
from ipm_analysis.impact.summary import (
    MEASURES,
    ROLES,
    SUMMARY_COLUMNS,
    WEIGHT_COLUMN,
    group_means,
    impact_summary,
    paired,
    school_changes,
)
from ipm_analysis.impact.uncertainty import bootstrap_indices, resampled_means
from ipm_analysis.inputs.dfe_tables import (
    RECTYPE_LA,
    RECTYPE_MAINSTREAM,
    PerformanceTable,
    area_figures,
    read_performance_table,
    school_figures,
    subject,
)
from ipm_analysis.inputs.linking import link_urns, touched_urns
from ipm_analysis.inputs.params import ReportParams
from ipm_analysis.inputs.roster import read_roster

#: National summary rows: 5 = state-funded schools (the DfE's headline), 4 = all schools.
NATIONAL_RECTYPES = ("5", "4")


@dataclass
class Evaluation:
    """Everything a report shows, computed once."""

    params: ReportParams
    schools: pd.DataFrame
    membership: pd.DataFrame
    summary: pd.DataFrame
    la_code: str
    la_name: str
    has_tla: bool
    tables: dict[int, PerformanceTable] = field(repr=False, default_factory=dict)
    figures: dict[int, pd.DataFrame] = field(repr=False, default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: every school of the baseline-year file, linked to the outcome year (same columns
    #: as ``schools``): the source of the comparison pool and of the LA's school mean
    panel: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    pool: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    matched: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    rtm: RtmFit | None = None

    @property
    def years(self) -> tuple[int, int]:
        return self.params.years

    def tidy(self) -> pd.DataFrame:
        """Every school figure behind the report, one row per school x year x measure.

        The project's roster schools (``population`` ``project``, withdrawn schools and
        schools without figures included) and the comparison pool's schools (``pool``).
        Columns: ``urn`` (the roster URN; a pool school's baseline-year URN), ``linked_urn``
        (the URN whose figures were used that year, after academy linking; empty when the
        school was not found), ``school_name``, ``year``, ``role`` (``baseline`` or
        ``outcome``), ``measure`` (``progress`` or ``attainment``), ``value``, ``lower`` and
        ``upper`` (the DfE's 95% confidence limits, progress only), ``population``,
        ``cohort``, ``tla``, ``status`` (project schools only) and ``paired``: the school has
        this measure in both years (and, in the project, completed), so it counts in the
        paired means. Rows: project schools first (roster order), then the pool (file order);
        within a school, progress then attainment, baseline then outcome.
        """
        frames = [_long_figures(self.schools, "project", self.years)]
        if len(self.pool):
            urn = self.panel["urn"].astype("string").str.strip()
            pool = self.panel[urn.isin(self.pool.index).to_numpy()].reset_index(drop=True)
            frames.append(_long_figures(pool, "pool", self.years))
        return pd.concat(frames, ignore_index=True)

    def match_sets(self) -> pd.DataFrame:
        """The matched comparison in long form: one row per project school x pool school of its
        match set (the ``match_k`` pool schools closest at baseline, ties at the k-th kept).

        Columns: ``urn`` (project school), ``pool_urn``, ``rank`` (1 = closest; tied schools
        share a rank), ``distance`` (absolute difference in baseline progress), ``baseline``
        (the project school's), ``pool_baseline`` and ``pool_change`` (the pool school's). The
        mean of ``pool_change`` per ``urn`` is that school's ``comparison_change`` in
        ``matched``. Empty when the report has no comparison (too small a pool).
        """
        columns = ["urn", "pool_urn", "rank", "distance", "baseline", "pool_baseline"]
        columns.append("pool_change")
        if self.matched.empty:
            return pd.DataFrame(columns=columns)
        project, _ = _project_progress(self.schools, self.params.weighting)
        sets = _match_sets(project["baseline"], self.pool["baseline"], self.params.match_k)
        rounded = sets["distance"].round(TIE_DECIMALS)
        sets["rank"] = rounded.groupby(sets["urn"], sort=False).rank(method="min").astype(int)
        sets["baseline"] = project["baseline"].reindex(sets["urn"]).to_numpy()
        pool = self.pool.reindex(sets["pool_urn"])
        sets["pool_baseline"] = pool["baseline"].to_numpy()
        sets["pool_change"] = pool["change"].to_numpy()
        return sets[columns]

    def bootstrap_draws(self, measure: str, group: str = "all") -> np.ndarray:
        """The bootstrap distribution behind one summary row's 95% interval, one value per
        resample: the same resamples, seed and weighting as the report, so its 2.5% and 97.5%
        percentiles (``impact.uncertainty.percentile_interval``) are that row's ``ci_low`` and
        ``ci_high``.

        ``measure``: ``progress`` or ``attainment`` (the group's change), ``net_change`` or
        ``excess_change``; ``group``: a column of ``membership`` (``all``, ``cohort:1``...).
        Empty when the group has fewer than 2 schools (or ``n_resamples`` is 0). Disclosure
        control is not applied: the draws are for analysis inside the service.
        """
        if group not in self.membership.columns:
            have = ", ".join(self.membership.columns)
            raise ValueError(f"no group {group!r} in this evaluation (it has {have})")
        p = self.params
        if measure in MEASURES:
            b, o, wb, wo = _group_pairs(self.schools, self.membership[group], measure, p.weighting)
            if b.size < 2 or not p.n_resamples:
                return np.empty(0)
            idx = bootstrap_indices(b.size, p.n_resamples, p.seed)
            return resampled_means(o, wo, idx) - resampled_means(b, wb, idx)
        if measure not in ("net_change", "excess_change"):
            raise ValueError(
                f"measure must be one of {', '.join(MEASURES)}, net_change, excess_change; "
                f"got {measure!r}"
            )
        if self.matched.empty or self.rtm is None:
            raise ValueError("this evaluation has no comparison (too few schools in the pool)")
        project, weights = _project_progress(self.schools, p.weighting)
        counted = paired(self.schools, "progress").to_numpy()
        in_group = self.membership[group].to_numpy(dtype=bool)[counted]
        n_resamples = max(p.n_resamples, 100)  # as evaluate() asks comparison_summary
        w = None if weights is None else weights.to_numpy(dtype=float)
        if measure == "net_change":
            values = self.matched["net_change"].to_numpy(dtype=float)
            keep = _valid(in_group, values, w)
            if keep.sum() < 2:
                return np.empty(0)
            idx = bootstrap_indices(int(keep.sum()), n_resamples, p.seed)
            return resampled_means(values[keep], None if w is None else w[keep], idx)
        baseline = project["baseline"].to_numpy(dtype=float)
        change = (project["outcome"] - project["baseline"]).to_numpy(dtype=float)
        excess = change - expected_change(self.rtm, baseline)
        keep = _valid(in_group, excess, w)
        if keep.sum() < 2:
            return np.empty(0)
        a, b = _resampled_fits(self.pool, n_resamples, p.seed)
        idx = bootstrap_indices(int(keep.sum()), n_resamples, p.seed)
        wk = None if w is None else w[keep]
        return (
            resampled_means(change[keep], wk, idx)
            - a
            - b * resampled_means(baseline[keep], wk, idx)
        )


def read_inputs(
    params: ReportParams,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, PerformanceTable]]:
    """Read and validate the roster and the two years' tables (each file once).

    Returns the whole roster, the roster of the cohorts this report covers, and the tables.
    """
    full_roster = read_roster(params.roster)
    roster = full_roster
    if params.cohorts is not None:
        unknown = sorted(set(params.cohorts) - set(roster["cohort"]))
        have = ", ".join(sorted(set(roster["cohort"])))
        if unknown:
            raise InputError(
                f"'cohorts' asks for cohort {', '.join(unknown)}, which the roster "
                f"{params.roster} does not have (it has {have}).",
                path=params.source,
            )
        has_tla = roster.attrs["has_tla"]
        roster = roster[roster["cohort"].isin(params.cohorts)].reset_index(drop=True)
        roster.attrs["has_tla"] = has_tla
    columns = subject(params.subject).columns
    if params.weighting == "pupils":  # each school weighted by TELIG x coverage
        columns = (*columns, "TELIG")
    tables = {
        year: read_performance_table(params.performance[year], year, columns)
        for year in params.years
    }
    return full_roster, roster, tables


def evaluate(params: ReportParams) -> Evaluation:
    """Compute every figure of the impact report from its parameters."""
    full_roster, roster, tables = read_inputs(params)
    check_same_la(tables)
    figures = {year: school_figures(table, params.subject) for year, table in tables.items()}
    links = link_urns(full_roster["urn"], tables)
    check_roster_in_tables(full_roster, links, tables)
    schools = school_changes(roster, links, figures, params.baseline_year, params.outcome_year)
    warnings = list(full_roster.attrs.get("warnings", []))
    warnings += check_schools_have_figures(schools, params.roster)
    warnings += [
        f"URN {row.urn} ({row.school_name or 'no name'}) is in neither the "
        f"{params.baseline_year} nor the {params.outcome_year} performance table; it is listed "
        "as excluded."
        for row in schools.itertuples()
        if pd.isna(row.baseline_urn) and pd.isna(row.outcome_urn)
    ]
    la_code = params.la_code or _roster_la(schools)
    references = {}
    la = {y: area_figures(tables[y], params.subject, [RECTYPE_LA], la_code) for y in params.years}
    la_name = next((str(v["name"]) for v in la.values() if v["name"]), f"LA {la_code}")
    references["la"] = (la[params.baseline_year], la[params.outcome_year])
    national = {
        y: area_figures(tables[y], params.subject, NATIONAL_RECTYPES[:1]) for y in params.years
    }
    if all(pd.isna(v["attainment"]) for v in national.values()):
        national = {
            y: area_figures(tables[y], params.subject, NATIONAL_RECTYPES[1:]) for y in params.years
        }
    # Progress is measured against the national average, 0 by construction.
    references["national"] = tuple(
        {"progress": 0.0, "attainment": national[y]["attainment"]} for y in params.years
    )
    for comparator in params.comparators:
        references[f"comparator:{comparator.label}"] = tuple(
            {comparator.measure: comparator.values.get(y, float("nan"))} for y in params.years
        )
    has_tla = bool(roster.attrs.get("has_tla"))
    membership = group_membership(schools, has_tla=has_tla)
    summary = impact_summary(
        schools,
        membership,
        threshold=params.threshold,
        references=references,
        weighting=params.weighting,
        n_resamples=params.n_resamples,
        seed=params.seed,
    )
    panel = school_panel(figures, tables, params)
    la_schools = panel[
        panel["baseline_lea"].eq(la_code) & panel["baseline_rectype"].eq(RECTYPE_MAINSTREAM)
    ]
    la_rows = [
        group_means(
            la_schools,
            pd.DataFrame({"la_schools": True}, index=la_schools.index),
            measure,
            weighting=params.weighting,
        )
        for measure in ("progress", "attainment")
    ]
    pool = comparison_pool(
        panel.rename(
            columns={
                "baseline_rectype": "rectype",
                "baseline_progress": "baseline",
                "outcome_progress": "outcome",
            }
        ),
        touched_urns(links),
    )
    counted = paired(schools, "progress")
    project, weights = _project_progress(schools, params.weighting)
    rtm = fit_regression_to_mean(pool) if len(pool) >= 3 else None
    matched = pd.DataFrame()
    if rtm is not None and len(project):
        comparison = comparison_summary(
            project,
            pool,
            membership.loc[counted].set_axis(project.index),
            k=params.match_k,
            n_resamples=max(params.n_resamples, 100),
            seed=params.seed,
            weights=weights,
        )
        matched = matched_comparison(project, pool, params.match_k)
    else:
        comparison = pd.DataFrame(columns=SUMMARY_COLUMNS)
        if rtm is None:
            warnings.append(
                "Too few other schools in the baseline-year file have a score in both years "
                "to estimate how similar schools changed; the comparison section is left out."
            )
    summary = pd.concat([summary, *la_rows, comparison], ignore_index=True)[SUMMARY_COLUMNS]
    summary["n_schools"] = summary["n_schools"].astype("Int64")
    if params.suppress:  # disclosure control: the last step, after every figure is computed
        summary = apply_suppression(summary, params.min_n)
    return Evaluation(
        params=params,
        schools=schools,
        membership=membership,
        summary=summary,
        la_code=la_code,
        la_name=la_name,
        has_tla=has_tla,
        tables=tables,
        figures=figures,
        warnings=warnings,
        panel=panel,
        pool=pool,
        matched=matched,
        rtm=rtm,
    )


def school_panel(
    figures: dict[int, pd.DataFrame], tables: dict[int, PerformanceTable], params: ReportParams
) -> pd.DataFrame:
    """Every school of the baseline-year file followed into the outcome year by the same
    linking rules as roster schools, in the same columns as ``Evaluation.schools``."""
    urns = figures[params.baseline_year].index
    everyone = pd.DataFrame(
        {
            "urn": urns,
            "cohort": "",
            "school_name": "",
            "tla": pd.NA,
            "visits": pd.NA,
            "status": "completed",
            "line": 0,
        }
    )
    links = link_urns(urns, tables)
    return school_changes(
        everyone, links, figures, params.baseline_year, params.outcome_year, explain=False
    )


def _roster_la(schools: pd.DataFrame) -> str:
    """The LA most roster schools belong to (the LA whose average the report compares with)."""
    leas = pd.concat([schools["baseline_lea"], schools["outcome_lea"]]).dropna()
    leas = leas[leas != ""]
    return str(leas.mode().iloc[0]) if not leas.empty else ""


def _project_progress(
    schools: pd.DataFrame, weighting: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """The project schools that count in progress (index urn, columns ``baseline, outcome``)
    and, with pupil weighting, each one's weight: what the comparison is computed from."""
    counted = paired(schools, "progress")
    project = (
        schools.loc[counted, ["urn", "baseline_progress", "outcome_progress"]]
        .set_index("urn")
        .rename(columns={"baseline_progress": "baseline", "outcome_progress": "outcome"})
    )
    weights = None
    if weighting == "pupils":
        weights = schools.loc[counted].set_index("urn")[f"outcome_{WEIGHT_COLUMN['progress']}"]
    return project, weights


def _group_pairs(
    schools: pd.DataFrame, members: pd.Series, measure: str, weighting: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """A group's paired baseline and outcome values (and weights), chosen as the summary's
    group means choose them."""
    chosen = members.to_numpy(dtype=bool) & paired(schools, measure).to_numpy()
    weights: list[np.ndarray | None] = [None, None]
    if weighting == "pupils":
        weights = [schools[f"{r}_{WEIGHT_COLUMN[measure]}"].to_numpy(dtype=float) for r in ROLES]
        chosen &= ~np.isnan(weights[0]) & ~np.isnan(weights[1])
    b, o = (schools[f"{r}_{measure}"].to_numpy(dtype=float)[chosen] for r in ROLES)
    wb, wo = (None if w is None else w[chosen] for w in weights)
    return b, o, wb, wo


def _valid(in_group: np.ndarray, values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Schools of the group with a value (and a weight, when weighted)."""
    keep = in_group & ~np.isnan(values)
    return keep if weights is None else keep & ~np.isnan(weights)


#: The columns of :meth:`Evaluation.tidy`.
TIDY_COLUMNS = [
    "urn",
    "linked_urn",
    "school_name",
    "year",
    "role",
    "measure",
    "value",
    "lower",
    "upper",
    "population",
    "cohort",
    "tla",
    "status",
    "paired",
]


def _long_figures(schools: pd.DataFrame, population: str, years: tuple[int, int]) -> pd.DataFrame:
    """``schools`` (the ``Evaluation.schools`` layout) as one row per school x year x measure
    (a pool school's status in ``panel`` is ``completed``, so ``paired`` means both years)."""
    n = len(schools)
    blank = np.full(n, np.nan)
    chunks = []
    for order_m, measure in enumerate(MEASURES):
        counted = paired(schools, measure).to_numpy()
        for order_r, (role, year) in enumerate(zip(ROLES, years, strict=True)):
            limits = measure == "progress"
            chunks.append(
                pd.DataFrame(
                    {
                        "urn": schools["urn"].astype("string").to_numpy(),
                        "linked_urn": schools[f"{role}_urn"].astype("string").to_numpy(),
                        "school_name": schools["school_name"].to_numpy(dtype=object),
                        "year": np.full(n, year),
                        "role": role,
                        "measure": measure,
                        "value": schools[f"{role}_{measure}"].to_numpy(dtype=float),
                        "lower": (
                            schools[f"{role}_{measure}_lower"].to_numpy(dtype=float)
                            if limits
                            else blank
                        ),
                        "upper": (
                            schools[f"{role}_{measure}_upper"].to_numpy(dtype=float)
                            if limits
                            else blank
                        ),
                        "population": population,
                        "cohort": schools["cohort"].to_numpy(dtype=object),
                        "tla": schools["tla"].astype("boolean").to_numpy(),
                        "status": schools["status"].to_numpy(dtype=object),
                        "paired": counted,
                        "_school": np.arange(n),
                        "_order": order_m * len(ROLES) + order_r,
                    }
                )
            )
    long = pd.concat(chunks, ignore_index=True)
    long = long.sort_values(["_school", "_order"], kind="stable", ignore_index=True)
    long = long.drop(columns=["_school", "_order"])
    text = ("urn", "linked_urn", "school_name", "role", "measure", "population", "cohort")
    for column in (*text, "status"):
        long[column] = long[column].astype("string")
    long["tla"] = long["tla"].astype("boolean")
    if population == "pool":  # no roster: no cohort, TLA or project status
        for column, dtype in (("cohort", "string"), ("status", "string"), ("tla", "boolean")):
            long[column] = pd.Series(pd.NA, index=long.index, dtype=dtype)
    return long[TIDY_COLUMNS]
