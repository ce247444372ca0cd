"""Tables and sentences for readers: the seed report's style (2 dp, signed changes, ``*``
for provisional years), escaped HTML, plain English. Nothing here computes a figure."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd

from ipm_analysis.core.rounding import fmt
from ipm_analysis.impact.disclosure import SYMBOL, footnote, row_suppressed
from ipm_analysis.impact.groups import (
    ALL,
    BASELINE_NEGATIVE,
    PROJECT_GROUP_PREFIXES,
    describe_group,
)
from ipm_analysis.inputs.roster import cohort_labels

MEASURE_WORDS = {"progress": "progress", "attainment": "expected standard (EXS+) %"}
SUPPRESSED = SYMBOL


def year_label(year: int) -> str:
    """The academic year whose summer tests give ``year``'s results: 2018 -> '2017-18'."""
    return f"{year - 1}-{str(year)[-2:]}"


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
) -> pd.DataFrame:
    """The seed report's table for ``measure``: one row per group, figures as text."""
    rows = summary[summary["measure"] == measure].set_index("group")
    b, o = years
    heading = MEASURE_WORDS[measure]
    columns = [
        f"{year_label(b)} {heading}{star(b, provisional_years)}",
        f"{year_label(o)} {heading}{star(o, provisional_years)}",
        f"Change in {measure}",
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


def html_table(frame: pd.DataFrame, caption: str, *, index: bool = True) -> str:
    """An accessible HTML table: caption, header cells with scope, every value escaped.

    Columns of figures get ``class="num"`` (right-aligned); text columns stay left-aligned.
    """
    numeric = _numeric_columns(frame)
    num = [' class="num"' if n else "" for n in numeric]
    head = f'<th scope="col">{html.escape(str(frame.index.name or ""))}</th>' if index else ""
    head += "".join(
        f'<th scope="col"{n}>{html.escape(str(c))}</th>'
        for c, n in zip(frame.columns, num, strict=True)
    )
    body = []
    for key, row in frame.iterrows():
        cells = f'<th scope="row">{html.escape(str(key))}</th>' if index else ""
        cells += "".join(
            f"<td{n}>{html.escape(_text(v))}</td>" for v, n in zip(row, num, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="ipm-table"><table><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


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
) -> str:
    """One sentence a headteacher can quote: all schools' change, and the LA's alongside."""
    rows = summary.set_index(["measure", "group"])
    b, o = years
    if ("progress", ALL) not in rows.index or rows.loc[("progress", ALL), "n_schools"] == 0:
        return "No project school has a progress score in both years, so no change can be shown."
    r = rows.loc[("progress", ALL)]
    if row_suppressed(r):
        return (
            f"Fewer than {min_n} project schools have a {subject} progress score in both years, "
            f"so their average is not shown ({SYMBOL}): it could identify a school."
        )
    text = (
        f"Across the {int(r['n_schools'])} project schools with a {subject} progress score in "
        f"both years, the average score moved from {fmt(r['baseline'])}"
        f"{star(b, provisional_years)} in {year_label(b)} to "
        f"{fmt(r['outcome'])}{star(o, provisional_years)} in {year_label(o)}, a change of "
        f"{fmt(r['change'], signed=True)}."
    )
    if ("progress", "la") in rows.index and pd.notna(rows.loc[("progress", "la"), "change"]):
        la = rows.loc[("progress", "la")]
        text += (
            f" Over the same years {la_name}'s published figure went from {fmt(la['baseline'])}"
            f"{star(b, provisional_years)} to {fmt(la['outcome'])}{star(o, provisional_years)} "
            f"({fmt(la['change'], signed=True)})."
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


def page_header(ev) -> str:
    """Title, banners (synthetic data, provisional years) and the headline sentence."""
    p = ev.params
    b, o = p.years
    parts = [f"<h1>{html.escape(p.title)}</h1>"]
    parts.append(
        f"<p>{html.escape(p.subject.capitalize())} progress and attainment at KS2, "
        f"{year_label(b)} (baseline) to {year_label(o)} (outcome). "
        f"Local authority: {html.escape(ev.la_name)} ({html.escape(ev.la_code)}).</p>"
    )
    if p.synthetic:
        parts.append(
            '<p class="ipm-banner" role="note">SYNTHETIC DATA: this example report is built from '
            "made-up schools generated by the workbook's seeded script. It shows how the report "
            "works; it says nothing about any real school.</p>"
        )
    if ev.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in ev.warnings)
        parts.append(
            '<div class="ipm-banner" role="note"><p>CHECK BEFORE SHARING: the workbook found '
            f"something in the inputs to look at.</p><ul>{items}</ul></div>"
        )
    provisional = [y for y in p.years if y in p.provisional_years]
    if provisional:
        years = " and ".join(year_label(y) for y in provisional)
        parts.append(
            f'<p class="ipm-banner" role="note">PROVISIONAL: {years} figures are provisional '
            "(marked *) and may change when the DfE publishes revised data.</p>"
        )
    sentence = headline(
        ev.summary,
        years=p.years,
        subject=p.subject,
        provisional_years=p.provisional_years,
        la_name=ev.la_name,
        min_n=ev.params.min_n,
    )
    parts.append(f'<p class="ipm-headline">{html.escape(sentence)}</p>')
    return "\n".join(parts)


def measure_block(ev, measure: str) -> str:
    """The seed-style table for ``measure`` as accessible HTML."""
    places = 2 if measure == "progress" else 1
    table = measure_table(
        ev.summary,
        measure,
        years=ev.params.years,
        provisional_years=ev.params.provisional_years,
        la_name=ev.la_name,
        places=places,
    )
    caption = (
        f"Average {ev.params.subject} {MEASURE_WORDS[measure]} by group (simple mean over schools"
        if ev.params.weighting == "schools"
        else f"Average {ev.params.subject} {MEASURE_WORDS[measure]} by group "
        "(mean weighted by pupils"
    )
    caption += "; * provisional)" if ev.params.provisional_years else ")"
    out = html_table(table, caption)
    if (table == SYMBOL).any().any():
        out += f'<p class="ipm-footnote">{html.escape(footnote(ev.params.min_n))}</p>'
    return out


def threshold_sentence(ev) -> str:
    rows = ev.summary.set_index(["measure", "group"])
    if ("below_threshold", ALL) not in rows.index:
        return ""
    r = rows.loc[("below_threshold", ALL)]
    b, o = ev.params.years
    if row_suppressed(r):
        return (
            f"<p>Project schools with a progress score below {fmt(ev.params.threshold)}: "
            f"<strong>{SYMBOL}</strong> (fewer than {ev.params.min_n} schools have a score in "
            "both years).</p>"
        )
    return (
        f"<p>Project schools with a progress score below {fmt(ev.params.threshold)}: "
        f"<strong>{int(r['baseline'])}</strong> in {year_label(b)} and "
        f"<strong>{int(r['outcome'])}</strong> in {year_label(o)} "
        f"(of {int(r['n_schools'])} schools with a score in both years).</p>"
    )


def exclusions_block(ev) -> str:
    excluded = excluded_table(ev.schools)
    linked = linked_table(ev.schools, ev.params.years)
    parts = []
    if excluded.empty:
        parts.append("<p>Every roster school counts in every figure.</p>")
    else:
        parts.append(html_table(excluded, "Schools left out of one or more figures, and why"))
    if not linked.empty:
        parts.append(html_table(linked, "Schools found under another URN (academy conversions)"))
    return "\n".join(parts)


def sources_block(ev) -> str:
    """Data sources and definitions, as a footnote."""
    p = ev.params
    files = "".join(
        f"<li>{year_label(y)}: {html.escape(p.performance[y].name)}"
        f"{' (provisional)' if y in p.provisional_years else ''}</li>"
        for y in p.years
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in p.notes)
    synthetic = (
        " These example files are synthetic, made by the workbook's seeded generator."
        if p.synthetic
        else ""
    )
    return (
        '<div class="ipm-footnote"><p><strong>Data sources.</strong> DfE KS2 performance tables '
        f"(school-level CSV, Open Government Licence):{synthetic}</p><ul>{files}</ul>"
        f"<p>Roster: {html.escape(p.roster.name)}. Progress is the DfE's KS1-to-KS2 value-added "
        "score (national average 0); attainment is the % of pupils at the expected standard. "
        "A school counts in a figure only with a number in both years; withdrawn schools count in "
        "none. Figures are rounded half away from zero, as the DfE rounds."
        + (f" {html.escape(footnote(p.min_n))}" if p.suppress else "")
        + "</p>"
        + (
            f"<p><strong>Notes on the published figures.</strong></p><ul>{notes}</ul>"
            if notes
            else ""
        )
        + "</div>"
    )


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
            f"Progress {year_label(b)}{sb}": [fmt(v) for v in s["baseline_progress"]],
            f"Progress {year_label(o)}{so}": [fmt(v) for v in s["outcome_progress"]],
            "Change": [fmt(v, signed=True) for v in s["progress_change"]],
            f"EXS+ % {year_label(b)}{sb}": [fmt(v, 1) for v in s["baseline_attainment"]],
            f"EXS+ % {year_label(o)}{so}": [fmt(v, 1) for v in s["outcome_attainment"]],
        }
    ).set_index("URN")
    return html_table(frame, "Each roster school's figures (a dash: no figure)")


# --- honest impact: how much of the change similar schools showed anyway -----------------


def project_groups(summary: pd.DataFrame, measure: str = "net_change") -> list[str]:
    """The project's groups that have a ``measure`` row, in reading order."""
    groups = summary.loc[summary["measure"] == measure, "group"].tolist()
    return [g for g in group_order(groups) if g.startswith(PROJECT_GROUP_PREFIXES)]


def _ci(row: pd.Series) -> str:
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return ""
    return (
        f" (95% interval {fmt(row['ci_low'], signed=True)} to {fmt(row['ci_high'], signed=True)})"
    )


def _excludes_zero(row: pd.Series) -> bool | None:
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return None
    return bool(row["ci_low"] > 0 or row["ci_high"] < 0)


def net_change_paragraph(summary: pd.DataFrame, group: str) -> str:
    """What the change was, how much similar schools changed, what is left, and how sure.

    Claims no more than the numbers allow: an interval that includes zero is called
    "could be chance"; one that excludes zero is "more than chance alone readily explains",
    never proof that the project caused it.
    """
    rows = summary.set_index(["measure", "group"])
    need = [("progress", group), ("comparison", group), ("net_change", group)]
    if any(key not in rows.index for key in need):
        return ""
    change, comparison, net = (rows.loc[key] for key in need)
    n = int(change["n_schools"])
    if n == 0 or pd.isna(net["change"]):
        return ""
    name = describe_group(group, n)
    text = (
        f"<strong>{html.escape(name)}.</strong> Progress changed by "
        f"{fmt(change['change'], signed=True)}{_ci(change)}. Similar schools elsewhere in the "
        f"file (for each project school, the non-project schools closest to it in baseline "
        f"score) changed by {fmt(comparison['change'], signed=True)} over the same years. "
        f"That leaves a net change of {fmt(net['change'], signed=True)}{_ci(net)}."
    )
    share = _share(change["change"], comparison["change"])
    if share:
        text += f" {share}"
    verdict = _excludes_zero(net)
    if verdict is True and net["change"] > 0:
        moved = "improved by more than" if change["change"] > 0 else "fell by less than"
        text += (
            f" The interval excludes zero: these schools {moved} similar schools, by more "
            "than chance alone readily explains. That is consistent with a project effect, "
            "though schools that chose to join may differ in ways the data cannot show."
        )
    elif verdict is True:
        text += " The interval excludes zero: these schools did worse than similar schools."
    elif verdict is False:
        text += (
            " The interval includes zero, so the difference from similar schools could be chance."
        )
    if ("excess_change", group) in rows.index:
        excess = rows.loc[("excess_change", group)]
        text += (
            f" Allowing instead for regression to the mean with the line fitted over all "
            f"other schools, the change beyond what was expected is "
            f"{fmt(excess['change'], signed=True)}{_ci(excess)}."
        )
    if ("mde", group) in rows.index and pd.notna(rows.loc[("mde", group), "change"]):
        text += (
            f" With {n} schools, the smallest net change this comparison could reliably "
            f"detect is about {fmt(rows.loc[('mde', group), 'change'])} points."
        )
    return f"<p>{text}</p>"


def _share(change: float, comparison: float) -> str:
    """How the two changes compare, in words that leave any attribution to the interval."""
    if pd.isna(change) or pd.isna(comparison) or change <= 0:
        return ""
    if comparison <= 0:
        return "On average, similar schools did not improve over the same years."
    if comparison >= change:
        return "On average, similar schools improved by at least as much."
    pct = fmt(100 * comparison / change, 0)
    return f"Similar schools' average change is about {pct}% of the project schools'."


def honest_impact_block(ev) -> str:
    """A paragraph per group, and the like-with-like note on weighting."""
    parts = [net_change_paragraph(ev.summary, g) for g in project_groups(ev.summary)]
    parts = [p for p in parts if p]
    if parts:
        return "\n".join(parts)
    if ev.rtm is None:
        return (
            "<p>Too few other schools in the baseline-year file have a score in both years to "
            "estimate what similar schools did.</p>"
        )
    if project_groups(ev.summary):
        return (
            "<p>The comparison is not shown: every group has fewer than "
            f"{ev.params.min_n} schools with a score in both years (see the note on c).</p>"
        )
    return "<p>No project school has a progress score in both years to compare.</p>"


def weighting_note(ev) -> str:
    """Which weighting the report uses and the like-with-like LA figure."""
    rows = ev.summary.set_index(["measure", "group"])
    if ev.params.weighting == "pupils":
        text = (
            "Every mean in this report weights each school by its pupils in the measure, "
            "as the DfE computes the LA's published figure, so the project and LA figures "
            "compare like with like."
        )
    else:
        text = (
            "Project figures are simple means over schools (each school counts once), as in "
            "the project's published reports. The LA's published figure weights schools by "
            "their pupils, so it is not directly comparable"
        )
        if ("progress", "la_schools") in rows.index:
            r = rows.loc[("progress", "la_schools")]
            text += (
                f"; the like-with-like figure, the simple mean over the LA's "
                f"{int(r['n_schools'])} mainstream schools with a score in both years, went "
                f"from {fmt(r['baseline'])} to {fmt(r['outcome'])} "
                f"({fmt(r['change'], signed=True)})"
            )
        text += "."
    return f"<p>{html.escape(text)}</p>"


def group_labels(summary: pd.DataFrame) -> dict[str, str]:
    """Reader's names for the project's groups (without counts), for chart labels."""
    return {g: describe_group(g) for g in summary["group"].unique()}


def paired_project(ev) -> pd.DataFrame:
    """The project schools counted in progress: baseline and change, for the scatter."""
    from ipm_analysis.impact.summary import paired

    chosen = ev.schools[paired(ev.schools, "progress")]
    return pd.DataFrame(
        {
            "baseline": chosen["baseline_progress"].to_numpy(),
            "change": chosen["progress_change"].to_numpy(),
        }
    )
