"""One report's evaluation, assembled from its parts: read inputs once, link, measure.

This is what the report notebook and ``ipm validate`` call; every step is a pure function
in its own module, this only wires them in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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
    comparison_summary,
    fit_regression_to_mean,
    matched_comparison,
)
from ipm_analysis.impact.disclosure import SYMBOL, apply_suppression, row_suppressed
from ipm_analysis.impact.groups import group_membership
from ipm_analysis.impact.summary import (
    SUMMARY_COLUMNS,
    WEIGHT_COLUMN,
    group_means,
    impact_summary,
    paired,
    school_changes,
)
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
    project = (
        schools.loc[counted, ["urn", "baseline_progress", "outcome_progress"]]
        .set_index("urn")
        .rename(columns={"baseline_progress": "baseline", "outcome_progress": "outcome"})
    )
    weights = None
    if params.weighting == "pupils":
        weights = schools.loc[counted].set_index("urn")[f"outcome_{WEIGHT_COLUMN['progress']}"]
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


#: schools.csv: one row per roster school, named by role so files compare across years.
SCHOOLS_CSV_COLUMNS = [
    "urn",
    "school_name",
    "cohort",
    "tla",
    "visits",
    "status",
    "baseline_urn",
    "baseline_link",
    "outcome_urn",
    "outcome_link",
    "baseline_progress",
    "outcome_progress",
    "progress_change",
    "progress_change_low",
    "progress_change_high",
    "baseline_significance",
    "outcome_significance",
    "baseline_attainment",
    "outcome_attainment",
    "attainment_change",
    "excluded_reason",
]


def write_tables(ev: Evaluation, folder: str) -> None:
    """Write ``summary.csv`` and ``schools.csv`` (full precision) into ``folder``."""
    from pathlib import Path

    from ipm_analysis.reporting.csv_output import spreadsheet_safe

    folder_path = Path(folder)
    folder_path.mkdir(parents=True, exist_ok=True)
    summary_columns = [c for c in ev.summary.columns if c != "suppressed"]
    summary = spreadsheet_safe(ev.summary[summary_columns])
    summary.to_csv(folder_path / "summary.csv", index=False)
    columns = [c for c in SCHOOLS_CSV_COLUMNS if c in ev.schools]
    spreadsheet_safe(ev.schools[columns]).to_csv(folder_path / "schools.csv", index=False)
    (folder_path / "report_info.json").write_text(
        json.dumps(report_info(ev), indent=2), encoding="utf-8"
    )


def report_info(ev: Evaluation) -> dict[str, str]:
    """What the batch index shows about a report. The index reads the headline change from
    summary.csv itself; only a suppressed headline is said here."""
    from ipm_analysis.reporting.presentation import year_label

    p = ev.params
    rows = ev.summary.set_index(["measure", "group"])
    headline = ""
    if ("progress", "all") in rows.index and row_suppressed(rows.loc[("progress", "all")]):
        headline = f"progress {SYMBOL} (fewer than {p.min_n} schools)"
    return {
        "report_id": p.report_id,
        "title": p.title,
        "years": f"{year_label(p.baseline_year)} to {year_label(p.outcome_year)}",
        "subject": p.subject,
        "schools": f"{int(ev.schools['status'].eq('completed').sum())} of {len(ev.schools)}",
        "headline": headline,
        "synthetic": "yes" if p.synthetic else "no",
        "warnings": list(ev.warnings),
    }
