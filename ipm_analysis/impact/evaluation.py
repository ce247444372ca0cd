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
    MEASURES,
    ROLES,
    SUMMARY_COLUMNS,
    group_means,
    has_both,
    impact_summary,
    paired,
    school_changes,
    school_weights,
)
from ipm_analysis.impact.trends import (
    EVENT_STUDY_COLUMNS,
    Histories,
    event_study,
    trend_rows,
)
from ipm_analysis.inputs.dfe_tables import (
    RECTYPE_LA,
    RECTYPE_MAINSTREAM,
    PerformanceTable,
    area_figures,
    progress_history,
    read_performance_table,
    school_figures,
    subject,
)
from ipm_analysis.inputs.ks2_years import KS2_YEARS, no_progress_sentence
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

    @property
    def years(self) -> tuple[int, int]:
        return self.params.years

    @property
    def crosses_capping(self) -> bool:
        """Whether the years straddle the DfE's 2018 capping of extreme negative scores."""
        return crosses_capping(self.years)

    def primary(self) -> pd.Series | None:
        """The summary row answering the report's primary question (intention to treat)."""
        return primary_row(self.summary, self.params.primary)

    def attrition(self) -> dict[str, int]:
        """Schools recruited, withdrawn, and analysed in the primary estimate (ITT and
        completed)."""
        return attrition(self.schools, self.summary, self.params.primary)

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
        frames = [_long_figures(self.schools, "project", self.years)]
        if len(self.pool):
            urn = self.panel["urn"].astype("string").str.strip()
            pool = self.panel[urn.isin(self.pool.index).to_numpy()].reset_index(drop=True)
            frames.append(_long_figures(pool, "pool", self.years))
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
        baseline = self.schools.set_index(self.schools["urn"].astype(str))["baseline_progress"]
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
    chosen = subject(params.subject)
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
    figures = {year: school_figures(table, params.subject) for year, table in tables.items()}
    links = link_urns(full_roster["urn"], tables)
    check_roster_in_tables(full_roster, links, tables)
    schools = school_changes(roster, links, figures, params.baseline_year, params.outcome_year)
    warnings = list(full_roster.attrs.get("warnings", []))
    figure_warnings = check_schools_have_figures(schools, params.roster)
    absent = [no_progress_sentence(y) for y in params.years if y in KS2_YEARS]
    absent = [sentence for sentence in absent if sentence]
    if absent:  # why progress is missing, said once, instead of the check's general warning
        figure_warnings = [
            " ".join(absent)
            + " The report's progress figures are empty and its comparison with similar "
            "schools, which matches on progress, is left out; read the attainment figures."
        ]
    warnings += figure_warnings
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
        for measure in MEASURES
    ]
    excluded = touched_urns(links) | _excluded_from_pool(params, tables)
    pool = comparison_pool(
        panel.rename(
            columns={
                "baseline_rectype": "rectype",
                "baseline_progress": "baseline",
                "outcome_progress": "outcome",
            }
        ),
        excluded,
    )
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
    )
    comparison = _compare(ev, tables)
    summary = pd.concat([summary, *la_rows, comparison], ignore_index=True)[SUMMARY_COLUMNS]
    summary = pd.concat([summary, difference_rows(summary)], ignore_index=True)
    summary["n_schools"] = summary["n_schools"].astype("Int64")
    ev.sigma = pupil_sigma(params.outcome_year, params.subject, figures[params.outcome_year])
    ev.effects = effect_sizes(summary, ev.sigma)
    if params.suppress:  # disclosure control: the last step, after every figure is computed
        summary = apply_suppression(summary, params.min_n)
        ev.effects = apply_suppression(ev.effects, params.min_n)
        ev.placebo = apply_suppression(ev.placebo, params.min_n)
        ev.event_study = apply_suppression(ev.event_study, params.min_n)
    ev.summary = summary
    return ev


def _compare(ev: Evaluation, tables: dict[int, PerformanceTable]) -> pd.DataFrame:
    """Match the project schools to the pool and compute every comparison figure: fills
    ``ev``'s comparison fields and returns the comparison's summary rows."""
    params, schools = ev.params, ev.schools
    counted = has_both(schools, "progress")
    project = (
        schools.loc[counted, ["urn", "baseline_progress", "outcome_progress"]]
        .assign(urn=lambda f: f["urn"].astype(str))
        .set_index("urn")
        .rename(columns={"baseline_progress": "baseline", "outcome_progress": "outcome"})
    )
    w = school_weights(schools, "progress", params.weighting)
    weights = None if w is None else pd.Series(w[counted], index=project.index)
    memberships = {
        population: membership.loc[counted].set_axis(project.index)
        for population, membership in ev.memberships.items()
    }
    ev.rtm = fit_regression_to_mean(ev.pool) if len(ev.pool) >= 3 else None
    progress_years = not any(
        no_progress_sentence(y) for y in params.years if y in KS2_YEARS
    )  # without progress scores the reason is already said (evaluate_inputs)
    if ev.rtm is None or project.empty:
        if ev.rtm is None and progress_years:
            ev.warnings.append(
                "Too few other schools in the baseline-year file have a score in both years "
                "to estimate how similar schools changed; the comparison section is left out."
            )
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    covariates = match_covariates(schools.loc[counted])
    panel = ev.panel.assign(urn=ev.panel["urn"].astype(str)).set_index("urn", drop=False)
    pool_covariates = match_covariates(panel.loc[ev.pool.index])
    ev.match_on = _usable_match_on(params.match_on, pool_covariates, ev.warnings)
    sets = match_sets(covariates, pool_covariates, ev.match_on, params.match_k, params.caliper)
    ev.sets = sets
    adjustment = _bias_adjustment(covariates, pool_covariates, sets, ev.pool["change"], ev.match_on)
    ev.matched = matched_comparison(project, ev.pool, sets, adjustment)
    ev.warnings += _poor_match_warnings(covariates, sets, schools, params.caliper)
    sigma2 = pool_variance(pool_covariates, ev.pool["change"], ev.match_on)
    rows = comparison_rows(project, ev.pool, sets, sigma2, memberships, ev.rtm, weights, adjustment)
    ev.balance = balance_table(covariates, pool_covariates, sets, ev.match_on, weights)

    project_years, pool_years = _yearly_progress(ev, project.index, tables)
    histories = Histories(
        project_years, pool_years, covariates, pool_covariates, sets, ev.match_on, weights
    )
    trend = trend_rows(histories, memberships, params.years)
    ev.event_study = event_study(histories, memberships, params.baseline_year)
    ev.placebo = _placebo(ev, project, covariates, pool_covariates, memberships, weights)
    frames = [rows, trend]
    if ev.crosses_capping:
        frames.append(_uncapped_rows(ev, counted, sets, pool_covariates, memberships, weights))
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


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


def _yearly_progress(
    ev: Evaluation, project_urns: pd.Index, tables: dict[int, PerformanceTable]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Progress by year (columns) for project schools (by roster URN) and pool schools (by
    baseline-year URN): earlier years from the baseline-year file's ``_yy`` columns, then the
    baseline and outcome years."""
    params = ev.params
    history = progress_history(tables[params.baseline_year], params.subject)
    wide = history.pivot_table(index="urn", columns="year", values="progress", aggfunc="first")
    panel = ev.panel.assign(urn=ev.panel["urn"].astype(str)).set_index("urn")
    pool_years = wide.reindex(ev.pool.index)
    pool_years[params.baseline_year] = ev.pool["baseline"]
    pool_years[params.outcome_year] = ev.pool["outcome"]
    schools = ev.schools.assign(urn=ev.schools["urn"].astype(str)).set_index("urn")
    schools = schools.loc[project_urns]
    project_years = wide.reindex(schools["baseline_urn"].astype(str).to_numpy())
    project_years.index = project_urns
    project_years[params.baseline_year] = schools["baseline_progress"].to_numpy(dtype=float)
    project_years[params.outcome_year] = schools["outcome_progress"].to_numpy(dtype=float)
    del panel
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
    net = rows[rows["measure"].eq("net_change")].assign(measure="net_change_uncapped")
    # the group means as summary.py computes them, with the uncapped outcome in its place
    uncapped = schools.assign(outcome_progress=outcome)
    change = [
        group_means(
            uncapped, membership, "progress", weighting=ev.params.weighting, population=population
        ).assign(measure="change_uncapped")
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
