"""Tables and sentences for readers: the seed report's style (2 dp, signed changes, ``*``
for provisional years), escaped HTML, plain English. Nothing here computes a figure."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from ipm_analysis.groups import ALL, BASELINE_NEGATIVE, describe_group
from ipm_analysis.rounding import fmt

MEASURE_WORDS = {"progress": "progress", "attainment": "expected standard (EXS+) %"}
SUPPRESSED = "c"


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
        suppressed = bool(row.get("suppressed", False))
        if suppressed:
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


def html_table(frame: pd.DataFrame, caption: str, *, index: bool = True) -> str:
    """An accessible HTML table: caption, header cells with scope, every value escaped."""
    head = "".join(
        f'<th scope="col">{html.escape(str(c))}</th>'
        for c in ([frame.index.name or ""] if index else []) + list(frame.columns)
    )
    body = []
    for key, row in frame.iterrows():
        cells = f'<th scope="row">{html.escape(str(key))}</th>' if index else ""
        cells += "".join(f"<td>{html.escape(_text(v))}</td>" for v in row)
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
) -> str:
    """One sentence a headteacher can quote: all schools' change, and the LA's alongside."""
    rows = summary.set_index(["measure", "group"])
    b, o = years
    if ("progress", ALL) not in rows.index or rows.loc[("progress", ALL), "n_schools"] == 0:
        return "No project school has a progress score in both years, so no change can be shown."
    r = rows.loc[("progress", ALL)]
    text = (
        f"Across the {int(r['n_schools'])} project schools with a {subject} progress score in "
        f"both years, the average score moved from {fmt(r['baseline'])} in {year_label(b)} to "
        f"{fmt(r['outcome'])}{star(o, provisional_years)} in {year_label(o)}, a change of "
        f"{fmt(r['change'], signed=True)}."
    )
    if ("progress", "la") in rows.index and pd.notna(rows.loc[("progress", "la"), "change"]):
        la = rows.loc[("progress", "la")]
        text += (
            f" Over the same years {la_name}'s published figure went from {fmt(la['baseline'])}"
            f" to {fmt(la['outcome'])}{star(o, provisional_years)} "
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
    return html_table(table, caption)


def threshold_sentence(ev) -> str:
    rows = ev.summary.set_index(["measure", "group"])
    if ("below_threshold", ALL) not in rows.index:
        return ""
    r = rows.loc[("below_threshold", ALL)]
    b, o = ev.params.years
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
    for warning in ev.warnings:
        parts.append(f'<p class="ipm-footnote">Warning: {html.escape(warning)}</p>')
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
        "none. Figures are rounded half away from zero, as the DfE rounds.</p>"
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
    s = ev.schools.sort_values(["cohort", "school_name"], key=lambda col: col.astype(str))
    tla = s["tla"].map({True: "yes", False: "no"}).fillna("") if ev.has_tla else None
    frame = pd.DataFrame(
        {
            "URN": s["urn"].to_numpy(),
            "School": s["school_name"].to_numpy(),
            "Cohort": s["cohort"].to_numpy(),
            **({"TLA": tla.to_numpy()} if tla is not None else {}),
            "Status": s["status"].to_numpy(),
            f"Progress {year_label(b)}": [fmt(v) for v in s["baseline_progress"]],
            f"Progress {year_label(o)}{star(o, ev.params.provisional_years)}": [
                fmt(v) for v in s["outcome_progress"]],
            "Change": [fmt(v, signed=True) for v in s["progress_change"]],
            f"EXS+ % {year_label(b)}": [fmt(v, 1) for v in s["baseline_attainment"]],
            f"EXS+ % {year_label(o)}": [fmt(v, 1) for v in s["outcome_attainment"]],
        }
    ).set_index("URN")
    return html_table(frame, "Each roster school's figures (a dash: no figure)")
