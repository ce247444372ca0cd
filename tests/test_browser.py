"""The reports as readers see them: headless Chromium (Debian's, driven by Playwright) opens
the batch index and every report, and the PDF is checked page by page with poppler.

Without Chromium or Playwright these tests skip with a message; with IPM_REQUIRE_BROWSER=1
(set by .ci/run) they fail instead.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.core.errors import MissingToolError
from ipm_analysis.core.rounding import fmt
from ipm_analysis.impact.groups import describe_group
from ipm_analysis.inputs.params import load_params
from ipm_analysis.pipeline.runner import kind_of, papermill_parameters

from conftest import REPO, ipm, write_example_batch

pytestmark = pytest.mark.browser

MARKUP_NAME = "<b>Bold</b> & <script>"
NARROW = {"width": 390, "height": 844}  # a phone
WIDE = {"width": 1280, "height": 900}


def need(what: str, available: bool) -> None:
    """Skip with a message, or fail under IPM_REQUIRE_BROWSER=1, when a tool is missing."""
    if available:
        return
    if os.environ.get("IPM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"IPM_REQUIRE_BROWSER=1 but {what}")
    pytest.skip(what)


def chromium_path() -> Path:
    from ipm_analysis.pipeline.pdf import check_pdf_tools

    try:
        return check_pdf_tools()
    except MissingToolError as exc:
        need(f"no browser for the browser tests: {exc}", False)
        raise


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """The made-up two-report batch (and the repo's params/*.yaml when present), built once."""
    chromium_path()
    from ipm_analysis.pipeline.batch import run_batch

    folder = tmp_path_factory.mktemp("batch")
    params = write_example_batch(folder / "inputs")
    params += sorted((REPO / "params").glob("*.yaml"))
    out = folder / "outputs"
    assert run_batch(params, out, jobs=2) == 0
    reports = {papermill_parameters(p)["report_id"]: p for p in params}
    return out, reports


@pytest.fixture(scope="module")
def browser():
    from ipm_analysis.pipeline.pdf import CHROMIUM_ARGS

    chromium = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=list(CHROMIUM_ARGS)
        )
        yield launched
        launched.close()


class Visit:
    """A page opened in a fresh browser context, with its requests and console errors."""

    def __init__(self, browser, path: Path, viewport: dict[str, int]) -> None:
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(viewport=viewport)
        self.requests: list[str] = []
        self.errors: list[str] = []
        # anything not from the file itself is refused (and recorded, so the test can fail)
        self.context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else route.abort()
            ),
        )
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda request: self.errors.append(f"failed {request.url}"))
        self.page.goto(self.url, wait_until="load")

    def outside_requests(self) -> list[str]:
        """Requests for anything other than the page itself and inline data."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def images(self) -> list[dict]:
        return self.page.evaluate(
            "[...document.images].map(i => ({w: i.naturalWidth, complete: i.complete, alt: i.alt}))"
        )

    def overflow(self) -> tuple[int, int]:
        return tuple(self.page.evaluate("[document.body.scrollWidth, window.innerWidth]"))

    def close(self) -> None:
        self.context.close()


def table_rows(page, caption_start: str) -> dict[str, list[str]]:
    """A table's rows by their header cell's text, found by the start of its caption."""
    return page.evaluate(
        """(start) => {
            const table = [...document.querySelectorAll('table')]
                .find(t => t.caption && t.caption.innerText.trim().startsWith(start));
            if (!table) return null;
            const rows = {};
            for (const tr of table.tBodies[0].rows) {
                rows[tr.cells[0].innerText.trim()] =
                    [...tr.cells].slice(1).map(c => c.innerText.trim());
            }
            return rows;
        }""",
        caption_start,
    )


def expected_row(
    summary: pd.DataFrame, measure: str, group: str, star: str, dp: int, population: str = "itt"
) -> list[str]:
    """A summary.csv row (``measure``'s group means) as the seed-style table shows it (half
    away from zero); the first table shows all recruited schools (``itt``)."""
    rows = summary[
        (summary["measure"] == measure)
        & (summary["estimate"] == "change")
        & (summary["group"] == group)
    ]
    if "population" in rows and rows["population"].notna().any():
        rows = rows[rows["population"] == population]
    (r,) = [row for _, row in rows.iterrows()]
    star = star if pd.notna(r["outcome"]) else ""  # a dash (no figure) carries no star
    return [fmt(r["baseline"], dp), fmt(r["outcome"], dp) + star, fmt(r["change"], dp, signed=True)]


def test_index_lists_every_report_and_loads_nothing_from_outside(batch, browser, tmp_path):
    out, reports = batch
    visit = Visit(browser, out / "index.html", WIDE)
    try:
        hrefs = visit.page.evaluate("[...document.links].map(a => a.getAttribute('href'))")
        assert sorted(hrefs) == sorted(f"{rid}/report.html" for rid in reports)
        for href in hrefs:
            assert (out / href).is_file()
        assert visit.outside_requests() == []
        assert visit.errors == []
        assert all(i["w"] > 0 for i in visit.images())
        visit.page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    finally:
        visit.close()
    narrow = Visit(browser, out / "index.html", NARROW)
    try:
        width, inner = narrow.overflow()
        assert width <= inner + 1
    finally:
        narrow.close()


#: Each measure's table caption (after "Average <subject> ") and decimal places shown.
MEASURE_TABLES = {
    "progress": ("progress", 2),
    "attainment": ("expected standard", 1),
    "higher_standard": ("higher standard", 1),
    "scaled_score": ("average scaled score", 1),
}


def check_impact_figures(page, params_path: Path, folder: Path) -> None:
    """Every measure's all-schools row and the headline equal summary.csv's."""
    params = load_params(params_path)
    summary = pd.read_csv(folder / "summary.csv")
    star = "*" if params.outcome_year in params.provisional_years else ""
    itt = summary[(summary["population"] == "itt") & (summary["estimate"] == "change")]
    measures = [m for m in MEASURE_TABLES if m in set(itt["measure"])]
    for measure in measures:
        caption, dp = MEASURE_TABLES[measure]
        n = int(itt.query("measure == @measure and group == 'all'")["n_schools"].iloc[0])
        rows = table_rows(page, f"Average {params.subject} {caption}")
        assert rows[describe_group("all", n)] == expected_row(summary, measure, "all", star, dp)
    # the headline is of the comparison's measure: progress, or attainment without it
    headline = page.inner_text(".ipm-headline")
    first = "progress" if "progress" in measures else "attainment"
    all_schools = expected_row(summary, first, "all", star, MEASURE_TABLES[first][1])
    assert f"from {all_schools[0]} in" in headline
    unit = "" if first == "progress" else " percentage points"  # progress scores read bare
    assert f"a change of {all_schools[2]}{unit}." in headline


def test_each_report_reads_right_in_a_real_browser(batch, browser, tmp_path):
    out, reports = batch
    for report_id, params_path in reports.items():
        impact = kind_of(params_path) == "impact"
        visit = Visit(browser, out / report_id / "report.html", WIDE)
        try:
            page = visit.page
            # every chart embedded, loaded, and described in words
            images = visit.images()
            charts = list((out / report_id).rglob("*.png"))
            assert len(images) == len(charts) >= 1, report_id
            assert all(i["complete"] and i["w"] > 0 for i in images), images
            assert all(len(i["alt"]) > 40 for i in images), [i["alt"] for i in images]
            # self-contained and quiet
            assert visit.outside_requests() == [], report_id
            assert visit.errors == [], report_id
            assert page.evaluate("document.scripts.length") == 0
            # no code cell, prompt or source text visible
            code_cells = ".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .jp-Editor, .highlight"
            assert page.locator(code_cells).count() == 0
            text = page.inner_text("body")
            for code in ("display(HTML", "from ipm_analysis", "import ", "In [", "Out["):
                assert code not in text, (report_id, code)
            page.screenshot(path=str(tmp_path / f"{report_id}.png"), full_page=True)
            if impact:
                check_impact_figures(page, params_path, out / report_id)
        finally:
            visit.close()
        narrow = Visit(browser, out / report_id / "report.html", NARROW)
        try:
            width, inner = narrow.overflow()
            assert width <= inner + 1, (report_id, width, inner)
            narrow.page.screenshot(path=str(tmp_path / f"{report_id}-390px.png"), full_page=True)
        finally:
            narrow.close()
    assert len(list(tmp_path.glob("*.png"))) == 2 * len(reports)


def test_school_name_with_markup_is_shown_as_text(batch, browser):
    out, _ = batch
    visit = Visit(browser, out / "example-a" / "report.html", WIDE)
    try:
        cells = visit.page.locator("td", has_text="Bold</b>")
        assert cells.count() == 1
        assert cells.first.inner_text().strip() == MARKUP_NAME
        assert visit.page.locator("td b, td script").count() == 0
    finally:
        visit.close()


def test_small_groups_are_shown_as_c_with_a_footnote(batch, browser):
    """example-a's TLA group has 2 schools (< min_n 3): c in the table, chart and CSV."""
    out, _ = batch
    summary = pd.read_csv(out / "example-a" / "summary.csv")
    summary = summary[(summary["population"] == "itt") & (summary["estimate"] == "change")]
    summary = summary.set_index(["measure", "group"])
    tla = summary.loc[("progress", "tla:yes")]
    assert tla["n_schools"] == 2
    assert all(math.isnan(tla[c]) for c in ("baseline", "outcome", "change"))
    assert summary.loc[("progress", "tla:no"), "n_schools"] == 5  # shown
    visit = Visit(browser, out / "example-a" / "report.html", WIDE)
    try:
        rows = table_rows(visit.page, "Average maths progress")
        assert rows["With TLA package (2 schools)"] == ["c", "c", "c"]
        assert rows["Without TLA package (5 schools)"] == expected_row(
            summary.reset_index(), "progress", "tla:no", "*", 2
        )
        footnotes = visit.page.locator(".ipm-footnote", has_text="fewer than 3 schools")
        assert footnotes.count() >= 2  # under both tables (and in the sources)
        assert footnotes.first.is_visible()
        alts = [i["alt"] for i in visit.images()]
        assert "With TLA package (2 schools): c, not shown because too few schools" in alts[0]
    finally:
        visit.close()


def pdf_pages(pdf: Path, folder: Path) -> tuple[list[Path], list[str]]:
    """The PDF's pages as PNG images (pdftoppm) and as text (pdftotext), page by page."""
    need("poppler-utils (pdftoppm, pdftotext) is not installed", bool(shutil.which("pdftoppm")))
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(folder / "page")], check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    return sorted(folder.glob("page-*.png")), [p for p in pages if p.strip()]


def report_with_pdf(params: Path, out: Path) -> Path:
    """``ipm report --pdf`` as a user runs it: in its own process (Playwright's sync API
    cannot run inside this module's browser fixture). Returns the output folder."""
    done = ipm("report", str(params), "--pdf", "--output-dir", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_pdf_of_a_report_keeps_tables_whole_with_title_and_page_numbers(tmp_path):
    chromium_path()
    params = write_example_batch(tmp_path / "inputs")[0]
    with params.open("a", encoding="utf-8") as handle:  # the other made-up rosters share
        handle.write("exclude_from_pool: []\n")  # its schools: keep them as comparisons
    folder = report_with_pdf(params, tmp_path / "out") / "example-a"
    assert (folder / "report.pdf").read_bytes()[:5] == b"%PDF-"
    images, pages = pdf_pages(folder / "report.pdf", tmp_path)
    # A4 at 60 dpi: 496 x 702 pixels. Title page with the primary result, attrition and the
    # note on exploratory figures; the plain headline; the figures measure by measure: the
    # progress tables; the group chart; school by school and the distribution of change; the
    # attainment tables; the attainment chart; the paragraphs on similar schools (2 pages, the
    # second ending with every measure's net change); the forest plot; the regression
    # scatter; the evaluation design (matching and balance; placebo; event study, trends,
    # effect sizes and the capping caveat); which schools count, appendix and sources: 15
    # pages (DejaVu fonts, as in CI; these made-up files hold progress and attainment only and
    # are not the shipped examples, so no SYNTHETIC banner takes space).
    assert len(images) == len(pages) == 15
    title = "Made-up project 2017-18: cohorts 1 and 2"
    for number, page in enumerate(pages, start=1):
        assert title in page, number
        assert f"Page {number} of 15" in page, number
    text = "\n".join(pages)
    # no year before the baseline in these files: the event study has the two years alone,
    # and the design says there is no pre-trend check (a comparison there is)
    assert "Project schools beside their matched comparison, by year" in text
    assert "The files hold no year before the baseline, so no pre-" in text
    summary = pd.read_csv(folder / "summary.csv")
    for group, label in (
        ("all", "All project schools (7 schools)"),
        ("cohort:1", "Cohort 1 (4 schools)"),
        ("cohort:2", "Cohort 2 (3 schools)"),
    ):
        figures = expected_row(summary, "progress", group, "*", 2)
        line = next(line for line in text.splitlines() if line.strip().startswith(label))
        assert line.split()[-3:] == figures, line
    assert "With TLA package (2 schools)" in text and "fewer than 3 schools" in text
    assert "<b>Bold</b>" in text and "<script>" in text  # the markup name, printed as text


def test_pdf_of_the_example_2017_18_report(tmp_path):
    """The shipped example (when params/ipm_2017_18.yaml is on this branch): tables whole."""
    params = REPO / "params" / "ipm_2017_18.yaml"
    if not params.is_file():
        pytest.skip("params/ipm_2017_18.yaml is not in this checkout")
    chromium_path()
    folder = report_with_pdf(params, tmp_path / "out") / "ipm-2017-18"
    images, pages = pdf_pages(folder / "report.pdf", tmp_path)
    assert len(images) == len(pages) >= 4
    text = "\n".join(pages)
    summary = pd.read_csv(folder / "summary.csv")
    itt = summary.query("measure == 'progress' and estimate == 'change' and population == 'itt'")
    n = int(itt.query("group == 'all'")["n_schools"].iloc[0])
    line = next(
        line for line in text.splitlines() if line.strip().startswith(describe_group("all", n))
    )
    assert line.split()[-3:] == expected_row(summary, "progress", "all", "*", 2)
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
