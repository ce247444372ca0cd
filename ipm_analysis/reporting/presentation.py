"""Tables and sentences for readers: the seed report's style (2 dp, signed changes, ``*``
for provisional years), plain English. Nothing here computes a figure.

The page blocks (``page_header``, ``measure_block``, ...) return HTML rendered from the
templates in ``reporting/templates/report`` (see :mod:`ipm_analysis.reporting.html`): this
module works out the values and plain sentences, the templates hold the words and markup,
and autoescape escapes every value."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from markupsafe import Markup

from ipm_analysis.core.rounding import MEASURE_PLACES, fmt
from ipm_analysis.core.years import year_label  # also imported from here by charts
from ipm_analysis.impact.design import TLA_DIFFERENCE
from ipm_analysis.impact.disclosure import SYMBOL, footnote, row_suppressed
from ipm_analysis.impact.groups import (
    ALL,
    BASELINE_NEGATIVE,
    COMPLETED_ONLY,
    ITT,
    PROJECT_GROUP_PREFIXES,
    describe_group,
)
from ipm_analysis.impact.summary import has_both, paired
from ipm_analysis.inputs.roster import cohort_labels
from ipm_analysis.reporting.html import render

MEASURE_WORDS = {
    "progress": "progress",
    "attainment": "expected standard (EXS+) %",
    "higher_standard": "higher standard %",
    "scaled_score": "average scaled score",
}

SUPPRESSED = SYMBOL
#: How each population is named for readers.
POPULATION_WORDS = {
    ITT: "all recruited schools (intention to treat)",
    COMPLETED_ONLY: "completed schools only",
}


def population_rows(summary: pd.DataFrame, population: str = ITT) -> pd.DataFrame:
    """The summary rows of one population (``itt`` or ``completed``) and the published and
    fitted rows that belong to none (LA, national, comparators, the LA's schools, the
    regression line): one row per measure and group, so nothing is counted twice."""
    if "population" not in summary:
        return summary
    chosen = summary["population"]
    return summary[chosen.isna() | chosen.eq(population)]


def estimate_rows(
    summary: pd.DataFrame, population: str = ITT, measure: str | None = "progress"
) -> pd.DataFrame:
    """:func:`population_rows` of one ``measure``, indexed by (``estimate``, ``group``)."""
    rows = population_rows(summary, population)
    return rows[rows["measure"].eq(measure)].set_index(["estimate", "group"])


def populations_differ(summary: pd.DataFrame, measure: str = "progress") -> bool:
    """Whether the intention-to-treat and completed figures of ``measure`` differ in any
    project group (a withdrawn school with figures), so both are worth showing."""
    if "population" not in summary:
        return False
    rows = summary[
        summary["measure"].eq(measure)
        & summary["estimate"].eq("change")
        & summary["population"].notna()
    ]
    wide = rows.pivot_table(
        index="group", columns="population", values="n_schools", aggfunc="first"
    )
    if ITT not in wide or COMPLETED_ONLY not in wide:
        return False
    return bool((wide[ITT].astype(float) != wide[COMPLETED_ONLY].astype(float)).any())


def is_project_group(group: str) -> bool:
    """A group of the project's own schools (not a reference line, not the TLA difference)."""
    return group.startswith(PROJECT_GROUP_PREFIXES) and group != TLA_DIFFERENCE


def star(year: int, provisional_years: Sequence[int]) -> str:
    return "*" if year in provisional_years else ""


def group_order(groups: Sequence[str]) -> list[str]:
    """Reference lines first (as the seed report), then the project's groups."""

    def rank(group: str) -> int:
        for position, prefix in enumerate(
            (
                "la",
                "la_schools",
                "comparator:",
                "national",
                ALL,
                "cohort:",
                "tla:",
                BASELINE_NEGATIVE,
            )
        ):
            if group == prefix or (prefix.endswith(":") and group.startswith(prefix)):
                return position
        return 99

    return sorted(groups, key=rank)


def measure_table(
    summary: pd.DataFrame,
    measure: str,
    *,
    years: tuple[int, int],
    provisional_years: Sequence[int] = (),
    la_name: str = "the local authority",
    places: int = 2,
    population: str = ITT,
    references: bool = True,
) -> pd.DataFrame:
    """The seed report's table for ``measure``: one row per group, figures as text.

    The project's groups are ``population``'s (intention to treat by default); the published
    references (LA, national, comparators) are shown only with ``references``."""
    rows = population_rows(summary, population)
    rows = rows[
        (rows["measure"] == measure)
        & (rows["estimate"] == "change")
        & (rows["group"] != TLA_DIFFERENCE)
    ]
    if not references:
        rows = rows[rows["group"].map(is_project_group)]
    rows = rows.set_index("group")
    b, o = years
    heading = MEASURE_WORDS[measure]
    columns = [
        f"{year_label(b)} {heading}{star(b, provisional_years)}",
        f"{year_label(o)} {heading}{star(o, provisional_years)}",
        f"Change in {measure.replace('_', ' ')}",
    ]
    body = []
    for group in group_order(rows.index.tolist()):
        row = rows.loc[group]
        n = None if pd.isna(row["n_schools"]) else int(row["n_schools"])
        label = describe_group(group, n)
        if group == "la":
            label = f"All schools in {la_name} (published)"
        if row_suppressed(row):
            cells = [SUPPRESSED, SUPPRESSED, SUPPRESSED]
        else:
            cells = [
                fmt(row["baseline"], places)
                + (star(b, provisional_years) if pd.notna(row["baseline"]) else ""),
                fmt(row["outcome"], places)
                + (star(o, provisional_years) if pd.notna(row["outcome"]) else ""),
                fmt(row["change"], places, signed=True),
            ]
        body.append([label, *cells])
    return pd.DataFrame(body, columns=["Group", *columns]).set_index("Group")


#: A shown figure: a signed decimal with an optional `*` or `%`, a dash, or the `c` symbol.
_FIGURE = re.compile(rf"^([+-]?\d[\d,]*(\.\d+)?[*%]?|-|{SYMBOL})$")


def _numeric_columns(frame: pd.DataFrame) -> list[bool]:
    """Which columns hold only figures (right-aligned, like the seed report's tables)."""
    return [
        bool(len(frame)) and all(_FIGURE.match(_text(v)) for v in frame[column])
        for column in frame.columns
    ]


def table_context(frame: pd.DataFrame, *, index: bool = True) -> dict:
    """``frame`` as the values the ``table`` macro shows: cells as text, figure columns marked.

    Columns of figures are ``numeric`` (``class="num"``, right-aligned, like the seed
    report's tables); text columns stay left-aligned.
    """
    numeric = _numeric_columns(frame)
    return {
        "index": index,
        "index_name": str(frame.index.name or ""),
        "columns": [
            {"name": str(c), "numeric": n} for c, n in zip(frame.columns, numeric, strict=True)
        ],
        "rows": [
            {
                "key": str(key),
                "cells": [
                    {"text": _text(v), "numeric": n} for v, n in zip(row, numeric, strict=True)
                ],
            }
            for key, row in frame.iterrows()
        ],
    }


def _table_or_none(frame: pd.DataFrame) -> dict | None:
    return None if frame.empty else table_context(frame)


def html_table(frame: pd.DataFrame, caption: str, *, index: bool = True) -> str:
    """An accessible HTML table: caption, header cells with scope, every value escaped.

    Columns of figures get ``class="num"`` (right-aligned); text columns stay left-aligned.
    """
    return render("table.html.j2", t=table_context(frame, index=index), caption=caption)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def headline(
    summary: pd.DataFrame,
    *,
    years: tuple[int, int],
    subject: str,
    provisional_years: Sequence[int] = (),
    la_name: str = "the LA",
    min_n: int = 3,
    population: str = ITT,
    measure: str = "progress",
) -> str:
    """One sentence on all schools' plain change of ``measure`` (``population``'s), and the
    LA's alongside."""
    rows = estimate_rows(summary, population, measure)
    b, o = years
    places = MEASURE_PLACES[measure]
    what = f"{subject} {HEADLINE_WORDS[measure]}"
    if ("change", ALL) not in rows.index or rows.loc[("change", ALL), "n_schools"] == 0:
        return f"No project school has a {what} in both years, so no change can be shown."
    r = rows.loc[("change", ALL)]
    if row_suppressed(r):
        return (
            f"Fewer than {min_n} project schools have a {what} in both years, "
            f"so their average is not shown ({SYMBOL}): it could identify a school."
        )
    who = "recruited" if population == ITT else "completed"
    text = (
        f"Across the {int(r['n_schools'])} {who} project schools with a {what} in both "
        f"years, the average moved from {fmt(r['baseline'], places)}"
        f"{star(b, provisional_years)} in {year_label(b)} to "
        f"{fmt(r['outcome'], places)}{star(o, provisional_years)} in {year_label(o)}, a change "
        f"of {fmt(r['change'], places, signed=True)}{UNIT_WORDS[measure]}."
    )
    if ("change", "la") in rows.index and pd.notna(rows.loc[("change", "la"), "change"]):
        la = rows.loc[("change", "la")]
        text += (
            f" Over the same years {la_name}'s published figure went from "
            f"{fmt(la['baseline'], places)}{star(b, provisional_years)} to "
            f"{fmt(la['outcome'], places)}{star(o, provisional_years)} "
            f"({fmt(la['change'], places, signed=True)}{UNIT_WORDS[measure]}), a pupil-weighted "
            "figure over all its "
            "schools: "
            "not like with like, and neither change says what the project did, since schools "
            "that start low tend to rise anyway. The comparison with similar schools (the "
            "primary result above) does."
        )
    return text


def excluded_table(schools: pd.DataFrame) -> pd.DataFrame:
    """Schools left out of one or more figures, with the reason."""
    out = schools[schools["excluded_reason"].fillna("") != ""]
    return pd.DataFrame(
        {
            "URN": out["urn"].to_numpy(),
            "School": out["school_name"].to_numpy(),
            "Cohort": out["cohort"].to_numpy(),
            "Reason": out["excluded_reason"].to_numpy(),
        }
    ).set_index("URN")


def linked_table(schools: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Schools found under another URN (academy conversions), for the data notes."""
    rows = []
    for role, year in zip(("baseline", "outcome"), years, strict=True):
        moved = schools[schools[f"{role}_urn"].notna() & (schools[f"{role}_urn"] != schools["urn"])]
        for school in moved.itertuples():
            rows.append(
                [
                    school.urn,
                    school.school_name,
                    year,
                    getattr(school, f"{role}_urn"),
                    getattr(school, f"{role}_link"),
                ]
            )
    return pd.DataFrame(rows, columns=["URN", "School", "Year", "URN used", "How"]).set_index("URN")


# --- page blocks for the report notebook -------------------------------------------------


def page_header(ev, primary: str = "") -> str:
    """Title, banners (synthetic data, provisional years), the primary result (``primary``:
    HTML from :func:`ipm_analysis.reporting.evaluation_design.primary_block`) and the plain
    change of all recruited schools."""
    p = ev.params
    b, o = p.years
    sentence = headline(
        ev.summary,
        years=p.years,
        subject=p.subject,
        provisional_years=p.provisional_years,
        la_name=ev.la_name,
        min_n=ev.params.min_n,
        measure=ev.comparison_measure or "progress",
    )
    return render(
        "page_header.html.j2",
        title=p.title,
        subject=p.subject,
        baseline=year_label(b),
        outcome=year_label(o),
        la_name=ev.la_name,
        la_code=ev.la_code,
        synthetic=p.synthetic,
        warnings=list(ev.warnings),
        provisional=[year_label(y) for y in p.years if y in p.provisional_years],
        primary=Markup(primary),  # built by render(): every value in it escaped
        has_progress="progress" in ev.measures,
        headline=sentence,
    )


def measure_block(ev, measure: str) -> str:
    """The seed-style tables for ``measure`` as accessible HTML: all recruited schools
    (intention to treat, with the references), then the completed schools only when the two
    differ."""
    places = MEASURE_PLACES[measure]
    common = {
        "years": ev.params.years,
        "provisional_years": ev.params.provisional_years,
        "la_name": ev.la_name,
        "places": places,
    }
    itt = measure_table(ev.summary, measure, population=ITT, **common)
    completed = None
    if populations_differ(ev.summary, measure):
        completed = measure_table(
            ev.summary, measure, population=COMPLETED_ONLY, references=False, **common
        )
    shown = [t for t in (itt, completed) if t is not None]
    return render(
        "measure_block.html.j2",
        t=table_context(itt),
        completed=None if completed is None else table_context(completed),
        subject=ev.params.subject,
        measure_words=MEASURE_WORDS[measure],
        weighting=ev.params.weighting,
        provisional=bool(ev.params.provisional_years),
        footnote=footnote(ev.params.min_n) if any((t == SYMBOL).any().any() for t in shown) else "",
    )


def measure_section(ev, measure: str) -> str:
    """One measure's section: heading, what the measure is, then :func:`measure_block`."""
    intro = render(
        "measure_intro.html.j2",
        measure=measure,
        subject=ev.params.subject,
        has_progress="progress" in ev.measures,
    )
    return intro + "\n" + measure_block(ev, measure)


def threshold_sentence(ev) -> str:
    """How many completed project schools scored below the threshold in each year ('' if no
    row: the count is kept for the completed schools, as the seed reports gave it)."""
    rows = estimate_rows(ev.summary, COMPLETED_ONLY, "progress")
    if ("below_threshold", ALL) not in rows.index:
        return ""
    r = rows.loc[("below_threshold", ALL)]
    b, o = ev.params.years
    suppressed = row_suppressed(r)
    return render(
        "threshold.html.j2",
        suppressed=suppressed,
        symbol=SYMBOL,
        min_n=ev.params.min_n,
        threshold=fmt(ev.params.threshold),
        below_baseline=None if suppressed else int(r["baseline"]),
        below_outcome=None if suppressed else int(r["outcome"]),
        n_schools=None if suppressed else int(r["n_schools"]),
        baseline=year_label(b),
        outcome=year_label(o),
    )


def exclusions_block(ev) -> str:
    """Schools left out of figures (and why), and schools found under another URN."""
    return render(
        "exclusions.html.j2",
        excluded=_table_or_none(excluded_table(ev.schools)),
        linked=_table_or_none(linked_table(ev.schools, ev.params.years)),
    )


def sources_block(ev) -> str:
    """Data sources and definitions, as a footnote."""
    p = ev.params
    return render(
        "sources.html.j2",
        synthetic=p.synthetic,
        files=[
            {
                "year": year_label(y),
                "name": p.performance[y].name,
                "provisional": y in p.provisional_years,
            }
            for y in p.years
        ],
        roster=p.roster.name,
        suppression_note=footnote(p.min_n) if p.suppress else "",
        notes=list(p.notes),
    )


#: A measure's short name in the appendix's column headings.
APPENDIX_WORDS = {
    "progress": "Progress",
    "attainment": "EXS+ %",
    "higher_standard": "Higher %",
    "scaled_score": "Scaled score",
}


def schools_block(ev) -> str:
    """Every roster school's figures in both years (an appendix for advisers)."""
    b, o = ev.params.years
    sb, so = (star(y, ev.params.provisional_years) for y in (b, o))
    order = {label: i for i, label in enumerate(cohort_labels(ev.schools))}
    s = ev.schools.assign(_cohort=ev.schools["cohort"].map(order)).sort_values(
        ["_cohort", "school_name"]
    )
    tla = s["tla"].map({True: "yes", False: "no"}).fillna("") if ev.has_tla else None
    frame = pd.DataFrame(
        {
            "URN": s["urn"].to_numpy(),
            "School": s["school_name"].to_numpy(),
            "Cohort": s["cohort"].to_numpy(),
            **({"TLA": tla.to_numpy()} if tla is not None else {}),
            "Status": s["status"].to_numpy(),
        }
    )
    # the first two of the report's measures (progress and attainment where both exist), the
    # first with its change
    for position, measure in enumerate(ev.measures[:2]):
        label, places = APPENDIX_WORDS[measure], MEASURE_PLACES[measure]
        frame[f"{label} {year_label(b)}{sb}"] = [fmt(v, places) for v in s[f"baseline_{measure}"]]
        frame[f"{label} {year_label(o)}{so}"] = [fmt(v, places) for v in s[f"outcome_{measure}"]]
        if position == 0:
            frame["Change"] = [fmt(v, places, signed=True) for v in s[f"{measure}_change"]]
    frame = frame.set_index("URN")
    return render("schools.html.j2", t=table_context(frame))


# --- honest impact: how much of the change similar schools showed anyway -----------------


def project_groups(summary: pd.DataFrame, estimate: str = "net_change") -> list[str]:
    """The project's groups that have an ``estimate`` row, in reading order (once each,
    whatever the populations and measures; the TLA difference is not a group)."""
    groups = list(dict.fromkeys(summary.loc[summary["estimate"] == estimate, "group"]))
    return [g for g in group_order(groups) if is_project_group(g)]


def _figure(row: pd.Series, places: int = 2) -> dict:
    """A change as shown (signed, ``places`` dp) with its 95% interval, if it has one."""
    has_ci = not (pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")))
    return {
        "value": fmt(row["change"], places, signed=True),
        "low": fmt(row["ci_low"], places, signed=True) if has_ci else None,
        "high": fmt(row["ci_high"], places, signed=True) if has_ci else None,
    }


def _excludes_zero(row: pd.Series) -> bool | None:
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return None
    return bool(row["ci_low"] > 0 or row["ci_high"] < 0)


def _share(change: float, comparison: float) -> dict:
    """How the two changes compare (the words are the template's); attribution is left to
    the interval."""
    if pd.isna(change) or pd.isna(comparison) or change <= 0:
        return {"kind": None, "percent": None}
    if comparison <= 0:
        return {"kind": "none", "percent": None}
    if comparison >= change:
        return {"kind": "at_least", "percent": None}
    return {"kind": "percent", "percent": fmt(100 * comparison / change, 0)}


def _verdict(change: pd.Series, net: pd.Series) -> str | None:
    """What the net change's interval says: 'improved' / 'fell_less' (better than similar
    schools), 'worse', 'chance' (includes zero) or None (no interval)."""
    excludes = _excludes_zero(net)
    if excludes is None:
        return None
    if not excludes:
        return "chance"
    if net["change"] > 0:
        return "improved" if change["change"] > 0 else "fell_less"
    return "worse"


def matched_on_words(match_on: Sequence[str]) -> str:
    """What the comparison matched on, in words ("baseline score, ... and cohort size")."""
    words = [MATCH_WORDS.get(name, name) for name in match_on] or ["baseline score"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


#: Short names of the matching variables for sentences (``impact.matching.MATCH_VARIABLES``
#: holds the long ones, shown in the balance table).
MATCH_WORDS = {
    "baseline": "baseline score",
    "prior_progress": "the previous year's score",
    "cohort_size": "cohort size",
    "disadvantaged": "share of disadvantaged pupils",
    "ks1_average": "KS1 average point score",
    "school_type": "school type",
    "scaled_score": "baseline average scaled score",
}
#: The unit of a change of each measure in sentences (progress scores are read bare, as the
#: DfE writes them).
UNIT_WORDS = {
    "progress": "",
    "attainment": " percentage points",
    "higher_standard": " percentage points",
    "scaled_score": " scaled-score points",
}
#: A measure as the headline names it ("a maths progress score").
HEADLINE_WORDS = {
    "progress": "progress score",
    "attainment": "% at the expected standard",
    "higher_standard": "% at the higher standard",
    "scaled_score": "average scaled score",
}


def net_change_values(
    summary: pd.DataFrame,
    group: str,
    *,
    population: str = ITT,
    matched_on: str = "baseline score",
    role: str | None = None,
    measure: str = "progress",
) -> dict | None:
    """The values of ``group``'s honest-impact paragraph (``population``'s figures of
    ``measure``, with the completed schools' net change beside intention to treat when they
    differ); None when there is nothing to say. ``role``: "primary", "exploratory" or None."""
    rows = estimate_rows(summary, population, measure)
    places = MEASURE_PLACES[measure]
    need = [("change", group), ("comparison", group), ("net_change", group)]
    if any(key not in rows.index for key in need):
        return None
    change, comparison, net = (rows.loc[key] for key in need)
    n = int(change["n_schools"])
    if n == 0 or pd.isna(net["change"]):
        return None
    mde = rows.loc[("mde", group), "change"] if ("mde", group) in rows.index else None
    completed = None
    if population == ITT and populations_differ(summary, measure):
        other = estimate_rows(summary, COMPLETED_ONLY, measure)
        if ("net_change", group) in other.index:
            row = other.loc[("net_change", group)]
            if pd.notna(row["change"]) and int(row["n_schools"]) > 0:
                completed = {"n": int(row["n_schools"]), "net": _figure(row, places)}
    return {
        "name": describe_group(group, n),
        "n": n,
        "role": role,
        "measure": measure,
        "measure_words": HEADLINE_WORDS[measure],
        "unit": UNIT_WORDS[measure],
        "matched_on": matched_on,
        "change": _figure(change, places),
        "comparison": fmt(comparison["change"], places, signed=True),
        "net": _figure(net, places),
        "share": _share(change["change"], comparison["change"]),
        "verdict": _verdict(change, net),
        "excess": _figure(rows.loc[("excess_change", group)], places)
        if ("excess_change", group) in rows.index
        else None,
        "mde": fmt(mde, places) if mde is not None and pd.notna(mde) else None,
        "completed": completed,
    }


def net_change_paragraph(
    summary: pd.DataFrame,
    group: str,
    *,
    population: str = ITT,
    matched_on: str = "baseline score",
    role: str | None = None,
    measure: str = "progress",
) -> str:
    """What the change was, how much similar schools changed, what is left, and how sure.

    Claims no more than the numbers allow: an interval that includes zero is called
    "could be chance"; one that excludes zero is "more than chance alone readily explains",
    never proof that the project caused it. '' when the group has no comparison.
    """
    values = net_change_values(
        summary, group, population=population, matched_on=matched_on, role=role, measure=measure
    )
    return "" if values is None else render("net_change.html.j2", p=values)


def tla_difference_values(
    summary: pd.DataFrame, population: str = ITT, measure: str = "progress"
) -> dict | None:
    """TLA minus no TLA, judged by the difference's own interval (``tla:difference`` rows):
    a difference in significance is not a significant difference. None without the rows.
    Keys ``net_change`` and ``change``."""
    rows = estimate_rows(summary, population, measure)
    found = {}
    for estimate in ("net_change", "change"):
        key = (estimate, TLA_DIFFERENCE)
        if key in rows.index and pd.notna(rows.loc[key, "change"]):
            row = rows.loc[key]
            figure = _figure(row, MEASURE_PLACES[measure])
            found[estimate] = {**figure, "excludes_zero": _excludes_zero(row)}
    return found or None


def honest_impact_block(ev) -> str:
    """A paragraph per group (all recruited schools; the primary group first and labelled,
    the others exploratory), the TLA difference, or why there is no comparison."""
    measure = ev.comparison_measure
    summary = population_rows(ev.summary, ITT)
    groups = project_groups(summary[summary["measure"].eq(measure)])
    primary = ev.primary_question
    primary_group = (
        primary["group"]
        if primary.get("estimate") == "net_change" and primary.get("measure") == measure
        else None
    )
    groups = sorted(groups, key=lambda g: g != primary_group)
    words = matched_on_words(ev.match_on)
    paragraphs = [
        net_change_values(
            ev.summary,
            g,
            matched_on=words,
            role="primary" if g == primary_group else "exploratory",
            measure=measure,
        )
        for g in groups
    ]
    return render(
        "honest_impact.html.j2",
        paragraphs=[p for p in paragraphs if p is not None],
        tla=tla_difference_values(ev.summary, measure=measure) if ev.has_tla else None,
        no_pool=ev.rtm is None,
        all_suppressed=bool(groups),
        min_n=ev.params.min_n,
    )


def measures_net_change_table(ev, group: str = ALL, population: str = ITT) -> pd.DataFrame:
    """Every measure's change, its matched comparison's and the net change for one group (all
    recruited schools by default), the comparison's measure first: the other measures are
    compared through the same match sets. Empty when the report has no comparison."""
    columns = ["Schools", "Change", "Similar schools' change", "Net change", "95% interval"]
    order = [ev.comparison_measure, *(m for m in ev.measures if m != ev.comparison_measure)]
    body, index = [], []
    for measure in order:
        rows = estimate_rows(ev.summary, population, measure)
        need = [("change", group), ("comparison", group), ("net_change", group)]
        if measure is None or any(key not in rows.index for key in need):
            continue
        change, comparison, net = (rows.loc[key] for key in need)
        words = MEASURE_WORDS[measure]
        index.append(words[:1].upper() + words[1:])
        if row_suppressed(net) or pd.isna(net["change"]):
            body.append([fmt(net["n_schools"], 0), *([SYMBOL] * 4)])
            continue
        figure = _figure(net, MEASURE_PLACES[measure])
        interval = f"{figure['low']} to {figure['high']}" if figure["low"] else "-"
        places = MEASURE_PLACES[measure]
        body.append(
            [
                fmt(net["n_schools"], 0),
                fmt(change["change"], places, signed=True),
                fmt(comparison["change"], places, signed=True),
                figure["value"],
                interval,
            ]
        )
    return pd.DataFrame(body, columns=columns, index=pd.Index(index, name="Measure"))


def measures_net_change_block(ev) -> str:
    """:func:`measures_net_change_table` as HTML with its caption ('' with one measure or
    no comparison)."""
    table = measures_net_change_table(ev)
    if len(table) < 2:
        return ""
    matched = MEASURE_WORDS[ev.comparison_measure]
    caption = (
        "Every measure against similar schools, all recruited schools (intention to treat): "
        f"schools are matched once, for the {matched} comparison, and every other measure is "
        "compared through the same match sets. Exploratory, except the primary question's."
    )
    return html_table(table, caption)


def weighting_note(ev) -> str:
    """Which weighting the report uses and the like-with-like LA figure."""
    measure = ev.comparison_measure
    rows = estimate_rows(ev.summary, ITT, measure)
    la_schools = None
    if ev.params.weighting != "pupils" and ("change", "la_schools") in rows.index:
        r = rows.loc[("change", "la_schools")]
        places = MEASURE_PLACES[measure]
        la_schools = {
            "n_schools": int(r["n_schools"]),
            "baseline": fmt(r["baseline"], places),
            "outcome": fmt(r["outcome"], places),
            "change": fmt(r["change"], places, signed=True),
            "measure_words": HEADLINE_WORDS[measure],
        }
    return render("weighting.html.j2", weighting=ev.params.weighting, la_schools=la_schools)


def group_labels(summary: pd.DataFrame) -> dict[str, str]:
    """Reader's names for the project's groups (without counts), for chart labels."""
    return {g: describe_group(g) for g in summary["group"].unique()}


def counted(schools: pd.DataFrame, population: str = ITT, measure: str = "progress") -> np.ndarray:
    """Which roster schools count in ``measure`` for ``population``: a figure in both years,
    withdrawn schools included for intention to treat (``itt``), completed schools only
    otherwise (for the charts that draw schools, so they match the means beside them)."""
    if population == ITT:
        return has_both(schools, measure)
    return paired(schools, measure).to_numpy()


def paired_project(ev, population: str = ITT) -> pd.DataFrame:
    """The project schools counted in the comparison's measure: baseline and change, for the
    scatter."""
    measure = ev.comparison_measure
    chosen = ev.schools[counted(ev.schools, population, measure)]
    return pd.DataFrame(
        {
            "baseline": chosen[f"baseline_{measure}"].to_numpy(),
            "change": chosen[f"{measure}_change"].to_numpy(),
        }
    )
