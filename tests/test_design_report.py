"""The evaluation design as readers see it: both example reports built end to end (papermill in a
real kernel, nbconvert HTML), and every design figure on the page equal to its CSV after
rounding: the primary sentence, attrition, the balance table, the placebo sentence, the event
study, the trends sentence, effect sizes and months, the capping sensitivity."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.core.rounding import fmt
from ipm_analysis.core.years import year_label
from ipm_analysis.impact.groups import describe_group
from ipm_analysis.pipeline.runner import run_report

from conftest import REPO

pytestmark = pytest.mark.e2e

EXAMPLES = {"ipm-2017-18": "ipm_2017_18.yaml", "ipm-2018-19": "ipm_2018_19.yaml"}


class Tables(HTMLParser):
    """Every table of a page by caption: rows as [header cell, cells...] of text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption.strip()] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


def table(page: str, caption_start: str) -> list[list[str]]:
    parser = Tables()
    parser.feed(page)
    found = [rows for caption, rows in parser.tables.items() if caption.startswith(caption_start)]
    assert len(found) == 1, (caption_start, list(parser.tables))
    return found[0]


def paragraph(page: str, css: str) -> str:
    """The text of the first ``<p class="css">``, tags removed."""
    match = re.search(rf'<p class="{css}">(.*?)</p>', page, re.S)
    assert match, css
    return " ".join(unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def text_of(page: str) -> str:
    body = page.split("<body", 1)[1]
    body = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def interval(row: pd.Series, low: str = "ci_low", high: str = "ci_high") -> str:
    return f"{fmt(row[low], signed=True)} to {fmt(row[high], signed=True)}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("design")
    return {
        report_id: run_report(REPO / "params" / name, out).folder
        for report_id, name in EXAMPLES.items()
    }


def load(folder: Path) -> dict:
    csv = {
        name: pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])
        for name in ("summary", "effects", "balance", "trends", "placebo", "schools")
    }
    return {
        **csv,
        "page": (folder / "report.html").read_text(encoding="utf-8"),
        "info": json.loads((folder / "report_info.json").read_text(encoding="utf-8")),
    }


def pick(frame: pd.DataFrame, **where) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for column, value in where.items():
        keep &= frame[column] == value
    rows = frame[keep]
    assert len(rows) == 1, where
    return rows.iloc[0]


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_primary_sentence_and_attrition_equal_the_csvs(reports, report_id):
    r = load(reports[report_id])
    page, effects, schools = r["page"], r["effects"], r["schools"]
    primary = pick(
        effects, measure="progress", estimate="net_change", group="all", population="itt"
    )
    sentence = paragraph(page, "ipm-primary-result")
    assert sentence == "Primary result. " + r["info"]["primary"]["sentence"]
    recruited, withdrawn = len(schools), int((schools["status"] == "withdrawn").sum())
    months = int(primary["months"])
    unit = "month's" if abs(months) == 1 else "months'"
    direction = "more" if primary["effect"] > 0 else "less"
    assert (
        f"Across all {recruited} schools recruited "
        + (f"({withdrawn} of whom withdrew; " if withdrawn else "(none withdrew; ")
        + "intention to treat), maths progress"
    ) in sentence
    size = fmt(abs(primary["effect"]))
    change = (
        "changed by about as much as that of similar schools"
        if size == "0.00"
        else f"changed by {size} points {direction} than that of similar schools"
    )
    assert (
        f"{change} (95% interval {interval(primary)}; effect size "
        f"{fmt(primary['effect_size'], signed=True)}, about {months} {unit} progress)."
    ) in sentence
    if primary["ci_low"] <= 0 <= primary["ci_high"]:
        assert (
            "The interval includes 0: the data fit anything from "
            f"{fmt(primary['ci_low'], signed=True)} to {fmt(primary['ci_high'], signed=True)} "
            "points, so this comparison can rule out neither no effect nor an effect of that "
            "size either way"
        ) in sentence
    else:
        assert "The interval excludes 0" in sentence
    attrition = paragraph(page, "ipm-attrition")
    completed = pick(
        effects, measure="progress", estimate="net_change", group="all", population="completed"
    )
    expected = (
        f"Schools: {recruited} recruited, {withdrawn} withdrew; {int(primary['n_schools'])} "
        "counted in the primary result (intention to treat"
    )
    assert attrition.startswith(expected)
    if completed["n_schools"] != primary["n_schools"]:
        assert f"{int(completed['n_schools'])} completed schools counted beside it" in attrition
        # the completed schools' figure is shown beside the primary one
        beside = paragraph(page, "ipm-primary-completed")
        assert (
            f"Counting only the {int(completed['n_schools'])} schools that completed the project"
        ) in beside
        assert f"(95% interval {interval(completed)};" in beside
    assert r["info"]["attrition"] == {
        "recruited": recruited,
        "withdrawn": withdrawn,
        "analysed_itt": int(primary["n_schools"]),
        "analysed_completed": int(completed["n_schools"]),
    }
    assert "Only this question was fixed before the results were seen" in page


def test_the_2018_19_example_reads_as_itt_with_its_withdrawals(reports):
    """Cohort 3: 30 recruited, 7 withdrew (the roster), so the tables come in two populations."""
    r = load(reports["ipm-2018-19"])
    assert (
        "Across all 30 schools recruited (7 of whom withdrew; intention to treat)"
        in (r["info"]["primary"]["sentence"])
    )
    summary = r["summary"]
    itt = pick(summary, measure="progress", estimate="change", group="all", population="itt")
    completed = pick(
        summary, measure="progress", estimate="change", group="all", population="completed"
    )
    assert (int(itt["n_schools"]), int(completed["n_schools"])) == (30, 23)
    rows = table(r["page"], "Average maths progress by group: all recruited schools")
    shown = {row[0]: row[1:] for row in rows}
    assert shown[describe_group("all", 30)] == [
        fmt(itt["baseline"]),
        fmt(itt["outcome"]) + "*",
        fmt(itt["change"], signed=True),
    ]
    rows = table(
        r["page"],
        "Completed schools only (as the project's earlier reports counted): average maths progress",
    )
    assert {row[0]: row[1:] for row in rows}[describe_group("all", 23)] == [
        fmt(completed["baseline"]),
        fmt(completed["outcome"]) + "*",
        fmt(completed["change"], signed=True),
    ]


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_balance_table_equals_balance_csv(reports, report_id):
    r = load(reports[report_id])
    rows = table(r["page"], "Balance:")
    balance = r["balance"]
    assert [row[0] for row in rows] == balance["description"].tolist()
    for row, (_, b) in zip(rows, balance.iterrows(), strict=True):
        assert row[1:] == [
            fmt(b["project_mean"]),
            fmt(b["pool_mean"]),
            fmt(b["matched_mean"]),
            fmt(b["smd_before"], signed=True),
            fmt(b["smd_after"], signed=True),
            "" if pd.isna(b["flag"]) else b["flag"],
        ]
    assert f"compared with the {5} schools" in text_of(r["page"])  # match_k 5


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_placebo_sentence_and_table_equal_placebo_csv(reports, report_id):
    r = load(reports[report_id])
    p = pick(r["placebo"], population="itt", group="all")
    text = text_of(r["page"])
    assert (
        f"{int(p['n_draws']):,} pseudo-projects were made from non-project schools like the "
        "project's"
    ) in text
    assert (
        f"Their net changes averaged {fmt(p['placebo_mean'], signed=True)}, and the middle 95% "
        f"of them fell between {fmt(p['placebo_low'], signed=True)} and "
        f"{fmt(p['placebo_high'], signed=True)}. The project's net change, "
        f"{fmt(p['net_change'], signed=True)} (all {int(p['n_schools'])} recruited schools with "
        f"a comparison), is matched or beaten by {fmt(100 * p['share_at_least'], 0)}% of them "
        f"(two-sided p = {fmt(p['p_value'])})"
    ) in text
    rows = {row[0]: row[1:] for row in table(r["page"], "Placebo check by group")}
    for _, g in r["placebo"][r["placebo"]["population"] == "itt"].iterrows():
        assert rows[describe_group(g["group"], int(g["n_schools"]))] == [
            fmt(g["net_change"], signed=True),
            fmt(g["placebo_mean"], signed=True),
            interval(g, "placebo_low", "placebo_high"),
            fmt(100 * g["share_at_least"], 0) + "%",
            fmt(g["p_value"]),
        ]


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_event_study_is_drawn_from_trends_csv(reports, report_id):
    folder = reports[report_id]
    r = load(folder)
    assert (folder / "figures" / "event_study.png").is_file()
    alts = [unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', r["page"])]
    (alt,) = [a for a in alts if a.startswith("Event study")]
    trends = r["trends"][r["trends"]["population"] == "itt"]
    baseline = int(trends.loc[trends["relative_year"] == 0, "year"].iloc[0])
    for _, t in trends.iterrows():
        mark = " (baseline)" if t["year"] == baseline else ""
        assert (
            f"{year_label(int(t['year']))}{mark}: project {fmt(t['project'])}, comparison "
            f"{fmt(t['comparison'])}, gap {fmt(t['gap'], signed=True)}"
        ) in alt
    # the trends sentence: the gap's change before the baseline, and the difference in
    # differences, from effects.csv; without a year before the baseline, no check
    effects = r["effects"]
    text = text_of(r["page"])
    pre = effects[
        (effects["measure"] == "progress")
        & (effects["estimate"] == "pre_gap")
        & (effects["group"] == "all")
        & (effects["population"] == "itt")
    ]
    if trends["relative_year"].min() < 0:
        (pre,) = [row for _, row in pre.iterrows()]
        did = pick(effects, measure="progress", estimate="did", group="all", population="itt")
        assert (
            f"From {year_label(baseline - 1)} to {year_label(baseline)}, before the project, the "
            "gap between the project schools and their matched comparison changed by "
            f"{fmt(pre['effect'], signed=True)}."
        ) in text
        # matched on that year's score and bias-corrected: 0 by construction, no interval
        assert pd.isna(pre["ci_low"]) and "is 0 by construction" in text
        assert (
            f"the estimate is {fmt(did['effect'], signed=True)} (95% interval {interval(did)})"
        ) in text
    else:
        assert pre.empty
        assert "The files hold no year before the baseline, so no pre-trend check" in text


@pytest.mark.parametrize("report_id", EXAMPLES)
def test_effect_sizes_and_months_equal_effects_csv(reports, report_id):
    r = load(reports[report_id])
    rows = table(r["page"], "Effect sizes (all recruited schools")
    effects = r["effects"][r["effects"]["population"] == "itt"]
    shown = {(row[0], row[1]): row[2:] for row in rows}
    words = {
        "net_change": "Net change (against similar schools)",
        "did": "Difference in differences",
        "excess_change": "Change beyond the regression-to-the-mean line",
        "change": "Plain change in progress",
    }
    checked = 0
    # effect sizes are of progress: the other measures' estimates have none
    progress = effects[(effects["measure"] == "progress") & effects["estimate"].isin(words)]
    for _, e in progress.iterrows():
        name = (
            "TLA minus no TLA"
            if e["group"] == "tla:difference"
            else describe_group(e["group"], int(e["n_schools"]))
        )
        assert shown[(words[e["estimate"]], name)] == [
            fmt(e["effect"], signed=True),
            interval(e),
            fmt(e["effect_size"], signed=True),
            interval(e, "effect_size_low", "effect_size_high"),
            "-" if pd.isna(e["months"]) else str(int(e["months"])),
        ]
        checked += 1
    assert checked == len(rows)
    sigma = r["info"]["sigma"]
    assert (
        f"the pupil-level standard deviation of maths progress in "
        f"{year_label(int(r['trends']['year'].max()))}, {fmt(sigma)}, {r['info']['sigma_source']}"
    ) in text_of(r["page"])


def test_2017_18_states_the_capping_caveat_with_its_sensitivity(reports):
    r = load(reports["ipm-2017-18"])
    text = text_of(r["page"])
    assert r["info"]["crosses_capping"] is True
    assert "From 2018 the DfE caps the most negative pupil progress scores" in text
    capped = pick(
        r["effects"], measure="progress", estimate="net_change", group="all", population="itt"
    )
    uncapped = r["effects"][
        (r["effects"]["measure"] == "progress")
        & (r["effects"]["estimate"] == "net_change_uncapped")
        & (r["effects"]["group"] == "all")
        & (r["effects"]["population"] == "itt")
    ]
    if uncapped.empty:
        assert "holds no unadjusted (uncapped) scores" in text
    else:
        u = uncapped.iloc[0]
        assert (
            "with the outcome year's scores before capping (the DfE's unadjusted scores) the net "
            f"change for all project schools is {fmt(u['effect'], signed=True)} (95% interval "
            f"{interval(u)}), against {fmt(capped['effect'], signed=True)} (95% interval "
            f"{interval(capped)}) with the published capped scores"
        ) in text
    later = load(reports["ipm-2018-19"])
    assert "caps the most negative" not in text_of(later["page"])  # 2018 -> 2019: both capped
