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
    RtmFit,
    comparison_pool,
    comparison_rows,
    fit_regression_to_mean,
    match_covariates,
    matched_comparison,
)
from ipm_analysis.impact.design import (
    attrition,
    crosses_capping,
    difference_rows,
    effect_sizes,
    primary_row,
)
from ipm_analysis.impact.disclosure import apply_suppression
from ipm_analysis.impact.effect_size import pupil_sigma
from ipm_analysis.impact.groups import POPULATIONS, group_membership
from ipm_analysis.impact.matching import (
    BASELINE_DESCRIPTIONS,
    balance_table,
    bias_coefficients,
    match_sets,
    pool_variance,
    poorly_matched,
    set_adjustment,
    set_positions,
)
from ipm_analysis.impact.placebo import (
    PLACEBO_COLUMNS,
    CandidateTable,
    candidate_net_changes,
    placebo_draws,
    placebo_summary,
)
from ipm_analysis.impact.summary import (
    ROLES,
    SUMMARY_COLUMNS,
    group_means,
    has_both,
    impact_summary,
    paired,
    report_measures,
    school_changes,
    school_weights,
)
from ipm_analysis.impact.trends import (
    EVENT_STUDY_COLUMNS,
    Histories,
    event_study,
    pre_year,
    trend_rows,
)
from ipm_analysis.inputs.dfe_tables import (
    RECTYPE_LA,
    RECTYPE_MAINSTREAM,
    PerformanceTable,
    Subject,
    area_figures,
    measure_history,
    read_performance_table,
    school_figures,
    subject,
)
from ipm_analysis.inputs.ks2_years import KS2_YEARS, no_progress_sentence
from ipm_analysis.inputs.linking import link_urns, touched_urns
from ipm_analysis.inputs.params import (
    DEFAULT_MATCH_ON,
    DEFAULT_MATCH_ON_ATTAINMENT,
    ReportParams,
)
from ipm_analysis.inputs.roster import read_roster

#: National summary rows: 5 = state-funded schools (the DfE's headline), 4 = all schools.
NATIONAL_RECTYPES = ("5", "4")


@dataclass
class Evaluation:
    """Everything a report shows, computed once."""

    params: ReportParams
    schools: pd.DataFrame
    #: the completed schools' groups (the seed reports' figures); ``memberships`` has both
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
    #: per project school with progress in both years (any status): its match set's means
    matched: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    rtm: RtmFit | None = None
    #: population (``itt``, ``completed``) -> group membership over ``schools``
    memberships: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    #: the match sets (``impact.matching.match_sets``), project schools by roster URN
    sets: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: the variables actually matched on (``params.match_on`` less those no file holds)
    match_on: list[str] = field(default_factory=list)
    balance: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    event_study: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    placebo: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: every progress estimate as an effect size and EEF months (``impact.design``)
    effects: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: the pupil-level standard deviation of outcome-year progress, and where it comes from
    sigma: tuple[float, str] = (float("nan"), "")
    #: the measures the files hold in both years (``impact.summary.report_measures``)
    measures: list[str] = field(default_factory=lambda: ["progress", "attainment"])
    #: the measure the comparison matches on and the primary question defaults to: progress,
    #: or attainment where the years or the subject have no progress scores (None: neither)
    comparison_measure: str | None = "progress"
    #: the measure of the pre-trend and event study: the comparison's, or the first measure
    #: the files hold earlier years of (no earlier year of a subject's attainment is published)
    trend_measure: str | None = None
    #: the year the pre-trend is measured from (``impact.trends.pre_year``; None: no earlier
    #: year in the files)
    pre_year: int | None = None
    #: the primary question with its measure resolved (``params.primary`` may leave it out)
    primary_question: dict[str, str] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, int]:
        return self.params.years

    @property
    def crosses_capping(self) -> bool:
        """Whether the years straddle the DfE's 2018 capping of extreme negative scores."""
        return crosses_capping(self.years)

    def primary(self) -> pd.Series | None:
        """The summary row answering the report's primary question (intention to treat)."""
        return primary_row(self.summary, self.primary_question)

    def plain_change(self) -> pd.Series | None:
        """All recruited schools' plain change in the comparison measure (the headline when
        there is no primary result); None when the report has no such row."""
        s = self.summary
        rows = s[
            s["measure"].eq(self.comparison_measure or "progress")
            & s["estimate"].eq("change")
            & s["group"].eq("all")
            & s["population"].eq("itt")
        ]
        return None if rows.empty else rows.iloc[0]

    def attrition(self) -> dict[str, int]:
        """Schools recruited, withdrawn, and analysed in the primary estimate (ITT and
        completed)."""
        return attrition(self.schools, self.summary, self.primary_question)

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
        completed schools' paired means. Rows: project schools first (roster order), then the
        pool (file order); within a school, progress then attainment, baseline then outcome.
        """
        frames = [_long_figures(self.schools, "project", self.years, self.measures)]
        if len(self.pool):
            urn = self.panel["urn"].astype("string").str.strip()
            pool = self.panel[urn.isin(self.pool.index).to_numpy()].reset_index(drop=True)
            frames.append(_long_figures(pool, "pool", self.years, self.measures))
        return pd.concat(frames, ignore_index=True)

    def match_sets(self) -> pd.DataFrame:
        """The matched comparison in long form: one row per project school x pool school of its
        match set (the ``match_k`` pool schools closest on ``match_on``, ties at the k-th kept).

        Columns: ``urn`` (project school), ``pool_urn``, ``rank`` (1 = closest; tied schools
        share a rank), ``distance`` (standardised: see ``impact.matching``), ``matched_on``,
        ``baseline`` (the project school's), ``pool_baseline`` and ``pool_change`` (the pool
        school's). The mean of ``pool_change`` per ``urn`` is that school's
        ``comparison_change`` in ``matched``. Empty when the report has no comparison.
        """
        columns = ["urn", "pool_urn", "rank", "distance", "matched_on", "baseline"]
        columns += ["pool_baseline", "pool_change"]
        if self.sets.empty:
            return pd.DataFrame(columns=columns)
        sets = self.sets.copy()
        measure = self.comparison_measure
        baseline = self.schools.set_index(self.schools["urn"].astype(str))[f"baseline_{measure}"]
        sets["baseline"] = baseline.reindex(sets["urn"]).to_numpy()
        pool = self.pool.reindex(sets["pool_urn"])
        sets["pool_baseline"] = pool["baseline"].to_numpy()
        sets["pool_change"] = pool["change"].to_numpy()
        return sets[columns]


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
    chosen = subject(params.subject, params.pupil_group)
    columns = chosen.columns
    if params.weighting == "pupils":  # each school weighted by TELIG x coverage
        columns = (*columns, "TELIG")
    tables = {
        year: read_performance_table(
            params.performance[year],
            year,
            columns,
            chosen.design_columns(year),
            **params.table_files(year),
        )
        for year in params.years
    }
    if params.weighting == "pupils":
        for year, table in tables.items():
            if chosen.coverage in table.absent:
                raise InputError(
                    f"'weighting: pupils' weights each school by its pupils in the progress "
                    f"measure (TELIG x {chosen.coverage}), and the {year} file does not hold "
                    f"{chosen.coverage} ({table.absent[chosen.coverage]}). Use 'weighting: "
                    "schools', or the wide file for that year.",
                    path=params.source,
                )
    return full_roster, roster, tables


def evaluate(params: ReportParams) -> Evaluation:
    """Compute every figure of the impact report from its parameters."""
    return evaluate_inputs(params, *read_inputs(params))


def evaluate_inputs(
    params: ReportParams,
    full_roster: pd.DataFrame,
    roster: pd.DataFrame,
    tables: dict[int, PerformanceTable],
) -> Evaluation:
    """:func:`evaluate` on inputs already read (:func:`read_inputs`): for simulations that
    evaluate many rosters against one pair of tables."""
    check_same_la(tables)
    chosen = subject(params.subject, params.pupil_group)
    figures = {year: school_figures(table, chosen) for year, table in tables.items()}
    measures = report_measures(figures, params.years)
    links = link_urns(full_roster["urn"], tables)
    check_roster_in_tables(full_roster, links, tables)
    schools = school_changes(
        roster, links, figures, params.baseline_year, params.outcome_year, measures=measures
    )
    warnings = list(full_roster.attrs.get("warnings", []))
    comparison_measure = next((m for m in ("progress", "attainment") if m in measures), None)
    warnings += check_schools_have_figures(schools, params.roster, measures)
    if "progress" not in measures:  # why progress is missing, said once
        empty = [y for y in params.years if figures[y]["progress"].isna().all()]
        warnings.append(_no_progress_sentence(params, chosen, empty, comparison_measure))
    primary = dict(params.primary)
    primary["measure"] = primary["measure"] or comparison_measure or "progress"
    if primary["measure"] not in measures:
        warnings.append(
            f"The primary question asks for {primary['measure'].replace('_', ' ')}, which "
            f"these files do not hold for both {params.baseline_year} and "
            f"{params.outcome_year}; the report has no primary result. Ask instead about one "
            f"of: {', '.join(measures)}."
        )
    warnings += [
        f"URN {row.urn} ({row.school_name or 'no name'}) is in neither the "
        f"{params.baseline_year} nor the {params.outcome_year} performance table; it is listed "
        "as excluded."
        for row in schools.itertuples()
        if pd.isna(row.baseline_urn) and pd.isna(row.outcome_urn)
    ]
    missing_area = [year for year, table in tables.items() if not table.has_area_rows]
    if missing_area:
        warnings.append(
            "The LA and national figures were not supplied: the Explore Education Statistics "
            f"school files for {', '.join(map(str, missing_area))} hold none, so the report "
            "has no LA or national lines. Add 'la_performance:' (the KS2 LA and national "
            "performance file) to show them."
        )
    la_code = params.la_code or _roster_la(schools)
    references = {}
    la = {y: area_figures(tables[y], chosen, [RECTYPE_LA], la_code) for y in params.years}
    la_name = next((str(v["name"]) for v in la.values() if v["name"]), f"LA {la_code}")
    references["la"] = (la[params.baseline_year], la[params.outcome_year])
    national = {y: area_figures(tables[y], chosen, NATIONAL_RECTYPES[:1]) for y in params.years}
    if all(pd.isna(v["attainment"]) for v in national.values()):
        national = {y: area_figures(tables[y], chosen, NATIONAL_RECTYPES[1:]) for y in params.years}
    # Progress is measured against the national average, 0 by construction.
    references["national"] = tuple({**national[y], "progress": 0.0} for y in params.years)
    for comparator in params.comparators:
        references[f"comparator:{comparator.label}"] = tuple(
            {comparator.measure: comparator.values.get(y, float("nan"))} for y in params.years
        )
    has_tla = bool(roster.attrs.get("has_tla"))
    memberships = {
        population: group_membership(schools, has_tla=has_tla, population=population)
        for population in POPULATIONS
    }
    summary = impact_summary(
        schools,
        memberships,
        threshold=params.threshold,
        references=references,
        weighting=params.weighting,
        measures=measures,
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
            population=None,
        )
        for measure in measures
    ]
    excluded = touched_urns(links) | _excluded_from_pool(params, tables)
    pool = _pool(panel, comparison_measure, excluded)
    ev = Evaluation(
        params=params,
        schools=schools,
        membership=memberships[POPULATIONS[1]],
        summary=summary,
        la_code=la_code,
        la_name=la_name,
        has_tla=has_tla,
        tables=tables,
        figures=figures,
        warnings=warnings,
        panel=panel,
        pool=pool,
        memberships=memberships,
        event_study=pd.DataFrame(columns=EVENT_STUDY_COLUMNS),
        placebo=pd.DataFrame(columns=PLACEBO_COLUMNS),
        measures=measures,
        comparison_measure=comparison_measure,
        primary_question=primary,
    )
    comparison = _compare(ev, tables, excluded)
    no_earlier = ev.trend_measure != primary["measure"] or ev.pre_year is None
    if primary["estimate"] == "did" and primary["measure"] in measures and no_earlier:
        ev.warnings.append(
            "The primary question asks for the difference in differences of "
            f"{primary['measure'].replace('_', ' ')}, but the files hold no earlier year of "
            "it; the report has no primary result."
        )
    summary = pd.concat([summary, *la_rows, comparison], ignore_index=True)[SUMMARY_COLUMNS]
    summary = pd.concat([summary, difference_rows(summary)], ignore_index=True)
    summary["n_schools"] = summary["n_schools"].astype("Int64")
    if "progress" in measures:
        ev.sigma = pupil_sigma(
            params.outcome_year,
            params.subject,
            figures[params.outcome_year],
            params.pupil_group,
        )
    ev.effects = effect_sizes(summary, ev.sigma)
    if params.suppress:  # disclosure control: the last step, after every figure is computed
        summary = apply_suppression(summary, params.min_n)
        ev.effects = apply_suppression(ev.effects, params.min_n)
        ev.placebo = apply_suppression(ev.placebo, params.min_n)
        ev.event_study = apply_suppression(ev.event_study, params.min_n)
    ev.summary = summary
    return ev


def _no_progress_sentence(
    params: ReportParams, chosen: Subject, empty_years: list[int], measure: str | None
) -> str:
    """One plain sentence on why the report has no progress figures (the subject has none;
    the year's pupils had no KS1 assessment; or the file's columns are empty), and what the
    report shows instead."""
    if chosen.progress is None:
        why = (
            f"The DfE publishes no progress score for {params.subject} (reading, writing and "
            "maths combined), only attainment."
        )
    else:
        reasons = [no_progress_sentence(y) for y in params.years if y in KS2_YEARS]
        reasons = [r for r in reasons if r]
        files = " and ".join(f"the {y} file" for y in empty_years) or "the files"
        why = " ".join(reasons) or (
            f"The {chosen.progress} column of {files} is empty for every school, so there is "
            "no progress score to compare."
        )
    shown = "attainment, the higher standard and the average scaled score"
    if measure is None:
        return f"{why} The files hold no other measure in both years."
    return (
        f"{why} The report is built on what the files hold ({shown}, where published), and "
        f"the comparison with similar schools is of {measure.replace('_', ' ')}."
    )


def _pool(panel: pd.DataFrame, measure: str | None, excluded: set[str]) -> pd.DataFrame:
    """The comparison pool for ``measure`` (``impact.comparison.comparison_pool``): empty
    when the report has no measure to compare."""
    if measure is None:
        return pd.DataFrame(columns=["baseline", "outcome", "change"])
    return comparison_pool(
        panel.rename(
            columns={
                "baseline_rectype": "rectype",
                f"baseline_{measure}": "baseline",
                f"outcome_{measure}": "outcome",
            }
        ),
        excluded,
    )


def _project(schools: pd.DataFrame, counted: np.ndarray, measure: str) -> pd.DataFrame:
    """Project schools counted in ``measure``: index urn, columns ``baseline, outcome``."""
    return (
        schools.loc[counted, ["urn", f"baseline_{measure}", f"outcome_{measure}"]]
        .assign(urn=lambda f: f["urn"].astype(str))
        .set_index("urn")
        .set_axis(["baseline", "outcome"], axis=1)
    )


def _compare(
    ev: Evaluation, tables: dict[int, PerformanceTable], excluded: set[str]
) -> pd.DataFrame:
    """Match the project schools to the pool and compute every comparison figure: fills
    ``ev``'s comparison fields and returns the comparison's summary rows.

    Schools are matched once, on the comparison measure (``ev.comparison_measure``); every
    other measure is compared through the same match sets, less the pool schools without
    that measure in both years, with its own bias correction and regression line."""
    params, schools, measure = ev.params, ev.schools, ev.comparison_measure
    if measure is None:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    counted = has_both(schools, measure)
    project = _project(schools, counted, measure)
    weights = _weights(ev, measure, counted)
    memberships = {
        population: membership.loc[counted].set_axis(project.index)
        for population, membership in ev.memberships.items()
    }
    ev.rtm = fit_regression_to_mean(ev.pool) if len(ev.pool) >= 3 else None
    if ev.rtm is None or project.empty:
        if ev.rtm is None:
            ev.warnings.append(
                "Too few other schools in the baseline-year file have a score in both years "
                "to estimate how similar schools changed; the comparison section is left out."
            )
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    covariates = match_covariates(schools.loc[counted], measure)
    panel = ev.panel.assign(urn=ev.panel["urn"].astype(str)).set_index("urn", drop=False)
    pool_covariates = match_covariates(panel.loc[ev.pool.index], measure)
    default = DEFAULT_MATCH_ON if measure == "progress" else DEFAULT_MATCH_ON_ATTAINMENT
    ev.match_on = _usable_match_on(list(params.match_on or default), pool_covariates, ev.warnings)
    sets = match_sets(covariates, pool_covariates, ev.match_on, params.match_k, params.caliper)
    ev.sets = sets
    adjustment = _bias_adjustment(covariates, pool_covariates, sets, ev.pool["change"], ev.match_on)
    ev.matched = matched_comparison(project, ev.pool, sets, adjustment)
    ev.warnings += _poor_match_warnings(covariates, sets, schools, params.caliper)
    sigma2 = pool_variance(pool_covariates, ev.pool["change"], ev.match_on)
    rows = comparison_rows(
        project, ev.pool, sets, sigma2, memberships, ev.rtm, weights, adjustment, measure
    )
    ev.balance = balance_table(covariates, pool_covariates, sets, ev.match_on, weights)
    ev.balance["description"] = ev.balance["description"].mask(
        ev.balance["variable"].eq("baseline"), BASELINE_DESCRIPTIONS[measure]
    )
    frames = [rows]
    for other in ev.measures:
        if other != measure:
            frames.append(_other_measure_rows(ev, other, counted, excluded, memberships))
    ev.trend_measure = _trend_measure(ev, tables)
    if ev.trend_measure is not None:
        trend_weights = _weights(ev, ev.trend_measure, counted)
        histories = _histories(ev, ev.trend_measure, counted, excluded, trend_weights, tables)
        ev.pre_year = pre_year(histories.project_years, params.baseline_year)
        frames.append(trend_rows(histories, memberships, params.years, ev.trend_measure))
        ev.event_study = event_study(histories, memberships, params.baseline_year, ev.trend_measure)
    ev.placebo = _placebo(ev, project, covariates, pool_covariates, memberships, weights)
    if ev.crosses_capping and measure == "progress":
        frames.append(_uncapped_rows(ev, counted, sets, pool_covariates, memberships, weights))
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def _weights(ev: Evaluation, measure: str, counted: np.ndarray) -> pd.Series | None:
    """The counted project schools' weights in ``measure`` (``summary.school_weights``:
    None for one school, one vote), by roster URN: each measure's own, so that its net change
    is its change minus its comparison change."""
    w = school_weights(ev.schools, measure, ev.params.weighting)
    if w is None:
        return None
    urns = ev.schools.loc[counted, "urn"].astype(str).to_numpy()
    return pd.Series(w[counted], index=pd.Index(urns, name="urn"))


def _measure_pool(
    ev: Evaluation, measure: str, excluded: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``measure``'s pool, the match sets restricted to it, and its schools' covariates
    (matched on the comparison measure: ``baseline`` stays the comparison measure's)."""
    pool = ev.pool if measure == ev.comparison_measure else _pool(ev.panel, measure, excluded)
    pool = pool[pool.index.isin(ev.pool.index)]
    sets = ev.sets[ev.sets["pool_urn"].isin(pool.index)]
    panel = ev.panel.assign(urn=ev.panel["urn"].astype(str)).set_index("urn", drop=False)
    pool_covariates = match_covariates(panel.loc[pool.index], ev.comparison_measure)
    return pool, sets, pool_covariates


def _other_measure_rows(
    ev: Evaluation,
    measure: str,
    counted: np.ndarray,
    excluded: set[str],
    memberships: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    """The comparison rows of ``measure`` through the comparison measure's match sets."""
    schools = ev.schools.loc[counted]
    pool, sets, pool_covariates = _measure_pool(ev, measure, excluded)
    both = has_both(schools, measure)
    if len(pool) < 3 or not both.any():
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    project = _project(schools, both, measure)
    covariates = match_covariates(schools.loc[both], ev.comparison_measure)
    fit = fit_regression_to_mean(pool)
    sigma2 = pool_variance(pool_covariates, pool["change"], ev.match_on)
    adjustment = _bias_adjustment(covariates, pool_covariates, sets, pool["change"], ev.match_on)
    w = _weights(ev, measure, counted)
    w = None if w is None else w.reindex(project.index)
    members = {
        population: membership.loc[project.index] for population, membership in memberships.items()
    }
    return comparison_rows(project, pool, sets, sigma2, members, fit, w, adjustment, measure)


def _trend_measure(ev: Evaluation, tables: dict[int, PerformanceTable]) -> str | None:
    """The comparison measure if the baseline-year file holds an earlier year of it, else the
    first of the report's measures it does hold earlier years of; with no earlier year of any,
    the comparison measure (its event study is then the baseline and outcome years alone)."""
    chosen = subject(ev.params.subject, ev.params.pupil_group)
    table = tables[ev.params.baseline_year]
    order = [ev.comparison_measure, *(m for m in ev.measures if m != ev.comparison_measure)]
    for measure in order:  # an EES file has rows for a year whose figures are all 'z'
        if measure_history(table, chosen, measure)["value"].notna().any():
            return measure
    return ev.comparison_measure


def _histories(
    ev: Evaluation,
    measure: str,
    counted: np.ndarray,
    excluded: set[str],
    weights: pd.Series | None,
    tables: dict[int, PerformanceTable],
) -> Histories:
    """``measure`` by year for the project and its pool (``impact.trends.Histories``)."""
    pool, sets, pool_covariates = _measure_pool(ev, measure, excluded)
    schools = ev.schools.loc[counted]
    covariates = match_covariates(schools, ev.comparison_measure)
    project_years, pool_years = _yearly(ev, measure, pool, covariates.index, tables)
    return Histories(
        project_years, pool_years, covariates, pool_covariates, sets, ev.match_on, weights
    )


def _bias_adjustment(
    covariates: pd.DataFrame,
    pool_covariates: pd.DataFrame,
    sets: pd.DataFrame,
    pool_change: pd.Series,
    match_on: list[str],
) -> np.ndarray | None:
    """The bias correction of each project school's comparison change (``impact.matching``);
    None when matching on one variable."""
    coefficients = bias_coefficients(pool_covariates, pool_change.dropna(), match_on)
    if coefficients is None:
        return None
    positions = set_positions(sets, covariates.index, pool_covariates.index)
    return set_adjustment(positions, covariates, pool_covariates, coefficients)


def _usable_match_on(match_on: list[str], pool: pd.DataFrame, warnings: list[str]) -> list[str]:
    """``match_on`` less the variables no pool school has (an older or newer file without
    them), each dropped with a warning."""
    usable = []
    for name in match_on:
        column = pool[name]
        empty = column.isna().all() if name != "school_type" else column.isna().all()
        if empty:
            warnings.append(
                f"match_on names {name}, which the baseline-year file does not hold for any "
                "comparison school; the comparison is matched on "
                f"{', '.join(n for n in match_on if n != name and not pool[n].isna().all())}."
            )
            continue
        usable.append(name)
    return usable


def _poor_match_warnings(
    covariates: pd.DataFrame, sets: pd.DataFrame, schools: pd.DataFrame, caliper: float | None
) -> list[str]:
    """One warning naming every project school without a close comparison."""
    poor = (
        poorly_matched(covariates, sets)
        if caliper is None
        else poorly_matched(covariates, sets, caliper)
    )
    if poor.empty:
        return []
    names = schools.assign(urn=schools["urn"].astype(str)).set_index("urn")["school_name"]
    listed = "; ".join(
        f"URN {row.urn} ({names.get(row.urn) or 'no name'}): {row.reason}"
        for row in poor.itertuples()
    )
    return [
        f"{len(poor)} project school(s) have no close comparison school, so their net change "
        f"leans on schools unlike them: {listed}. Read their figures with care"
        + (
            ""
            if caliper is None
            else f"; schools with none within the caliper ({caliper}) "
            "are left out of the comparison"
        )
        + "."
    ]


def _yearly(
    ev: Evaluation,
    measure: str,
    pool: pd.DataFrame,
    project_urns: pd.Index,
    tables: dict[int, PerformanceTable],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``measure`` by year (columns) for project schools (by roster URN) and ``pool``
    schools (by baseline-year URN): earlier years from the baseline-year file's ``_yy``
    columns, the baseline year, the years between baseline and outcome from the outcome-year
    file's ``_yy`` columns (2024 in a 2024-25 file), then the outcome year. Each file's
    figures are found by the URN the school had in that file (academy links followed)."""
    params = ev.params
    b, o = params.years
    chosen = subject(params.subject, params.pupil_group)

    def wide(year: int, keep) -> pd.DataFrame:
        history = measure_history(tables[year], chosen, measure)
        history = history[keep(history["year"])]
        return history.pivot_table(index="urn", columns="year", values="value", aggfunc="first")

    before, between = wide(b, lambda y: y < b), wide(o, lambda y: (y > b) & (y < o))
    schools = ev.schools.assign(urn=ev.schools["urn"].astype(str)).set_index("urn")
    schools = schools.loc[project_urns]
    panel = ev.panel.assign(urn=ev.panel["urn"].astype(str)).set_index("urn")
    pool_outcome_urns = panel["outcome_urn"].reindex(pool.index).astype(str).to_numpy()
    pool_years = pd.concat(
        [
            before.reindex(pool.index),
            pool["baseline"].rename(b),
            between.reindex(pool_outcome_urns).set_axis(pool.index),
            pool["outcome"].rename(o),
        ],
        axis=1,
    )
    project_years = pd.concat(
        [
            before.reindex(schools["baseline_urn"].astype(str).to_numpy()).set_axis(project_urns),
            pd.Series(schools[f"baseline_{measure}"].to_numpy(float), project_urns, name=b),
            between.reindex(schools["outcome_urn"].astype(str).to_numpy()).set_axis(project_urns),
            pd.Series(schools[f"outcome_{measure}"].to_numpy(float), project_urns, name=o),
        ],
        axis=1,
    )
    project_years.columns = [int(c) for c in project_years.columns]
    pool_years.columns = [int(c) for c in pool_years.columns]
    return project_years, pool_years


def _placebo(
    ev: Evaluation,
    project: pd.DataFrame,
    covariates: pd.DataFrame,
    pool_covariates: pd.DataFrame,
    memberships: dict[str, pd.DataFrame],
    weights: pd.Series | None,
) -> pd.DataFrame:
    """Where each group's net change falls among pseudo-projects' (``impact.placebo``)."""
    params = ev.params
    if not params.n_placebo:
        return pd.DataFrame(columns=PLACEBO_COLUMNS)
    candidates = CandidateTable.of(
        candidate_net_changes(
            covariates, pool_covariates, ev.pool["change"], ev.match_on, params.match_k
        )
    )
    net = ev.matched["net_change"]
    rows = []
    for population, membership in memberships.items():
        for group in membership.columns:
            urns = [u for u in project.index[membership[group].to_numpy()] if pd.notna(net[u])]
            w = None if weights is None else weights.reindex(urns).to_numpy(float)
            draws = placebo_draws(candidates, urns, w, params.n_placebo, params.seed)
            value = float(np.average(net[urns], weights=w)) if urns else float("nan")
            rows.append(
                {
                    "measure": ev.comparison_measure,
                    "population": population,
                    "group": group,
                    "n_schools": len(urns),
                    "n_draws": int(draws.size),
                    "net_change": value,
                    **placebo_summary(value, draws),
                }
            )
    return pd.DataFrame(rows, columns=PLACEBO_COLUMNS).astype({"n_schools": int})


def _uncapped_rows(
    ev: Evaluation,
    counted: np.ndarray,
    sets: pd.DataFrame,
    pool_covariates: pd.DataFrame,
    memberships: dict[str, pd.DataFrame],
    weights: pd.Series | None,
) -> pd.DataFrame:
    """The change and net change again with outcome-year progress before the 2018 capping
    (``*PROG_UNADJUSTED``), on the same footing as the baseline year's: rows
    ``change_uncapped`` and ``net_change_uncapped``; none when the file lacks the column."""
    schools = ev.schools.loc[counted]
    outcome = schools["outcome_progress_unadjusted"].to_numpy(dtype=float)
    if np.isnan(outcome).all():
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    project = pd.DataFrame(
        {"baseline": schools["baseline_progress"].to_numpy(dtype=float), "outcome": outcome},
        index=pd.Index(schools["urn"].astype(str).to_numpy(), name="urn"),
    )
    panel = ev.panel.assign(urn=ev.panel["urn"].astype(str)).set_index("urn")
    pool = ev.pool.copy()
    pool["outcome"] = panel["outcome_progress_unadjusted"].reindex(pool.index).to_numpy(float)
    pool["change"] = pool["outcome"] - pool["baseline"]
    sigma2 = pool_variance(pool_covariates, pool["change"].dropna(), ev.match_on)
    covariates = match_covariates(schools).set_axis(project.index)
    adjustment = _bias_adjustment(covariates, pool_covariates, sets, pool["change"], ev.match_on)
    rows = comparison_rows(project, pool, sets, sigma2, memberships, ev.rtm, weights, adjustment)
    net = rows[rows["estimate"].eq("net_change")].assign(estimate="net_change_uncapped")
    # the group means as summary.py computes them, with the uncapped outcome in its place
    uncapped = schools.assign(outcome_progress=outcome)
    change = [
        group_means(
            uncapped, membership, "progress", weighting=ev.params.weighting, population=population
        ).assign(estimate="change_uncapped")
        for population, membership in memberships.items()
    ]
    return pd.concat([*change, net], ignore_index=True)[SUMMARY_COLUMNS]


def _excluded_from_pool(params: ReportParams, tables: dict[int, PerformanceTable]) -> set[str]:
    """URNs ``exclude_from_pool`` keeps out of the comparison (listed, or on the rosters it
    names), with every URN they link to."""
    urns = [u for u in params.exclude_from_pool if not u.lower().endswith(".csv")]
    for roster in params.pool_rosters:
        urns += read_roster(roster)["urn"].astype(str).tolist()
    if not urns:
        return set()
    return touched_urns(link_urns(pd.Index(dict.fromkeys(urns)), tables))


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


def _long_figures(
    schools: pd.DataFrame, population: str, years: tuple[int, int], measures: list[str]
) -> pd.DataFrame:
    """``schools`` (the ``Evaluation.schools`` layout) as one row per school x year x measure
    (a pool school's status in ``panel`` is ``completed``, so ``paired`` means both years)."""
    n = len(schools)
    blank = np.full(n, np.nan)
    chunks = []
    for order_m, measure in enumerate(measures):
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
