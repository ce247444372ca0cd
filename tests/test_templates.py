"""Reader-facing HTML from templates: one escaped, strict environment; every template renders
the made-up report's real figures and words."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from html import escape as html_escape

import pandas as pd
import pytest
from jinja2 import StrictUndefined, UndefinedError

from ipm_analysis.core.rounding import fmt
from ipm_analysis.impact.evaluation import evaluate
from ipm_analysis.inputs.params import load_params
from ipm_analysis.pipeline.index import IndexRow, render_index
from ipm_analysis.reporting import evaluation_design as design
from ipm_analysis.reporting import presentation as page
from ipm_analysis.reporting.html import TEMPLATES, environment, render, template_names

TINY = {"index": True, "index_name": "", "columns": [], "rows": []}
SCRIPT = "<script>alert('x')</script> & Co"


@pytest.fixture
def ev(made_up):
    return evaluate(load_params(made_up["params"]))


@pytest.fixture
def hostile_ev(made_up):
    """The made-up report with markup in the title and a school name."""
    roster = made_up["roster"]
    roster.write_text(
        roster.read_text(encoding="utf-8").replace("Alpha", SCRIPT.replace(",", "")),
        encoding="utf-8",
    )
    params = made_up["params"]
    params.write_text(
        params.read_text(encoding="utf-8").replace("Made-up project", "Made-up <b>project</b>"),
        encoding="utf-8",
    )
    return evaluate(load_params(params))


#: Made-up higher-standard % and average scaled score per school: (2017, 2018) each.
HIGHER = {
    "100001": ("10%", "12%"),
    "100002": ("20%", "24%"),
    "100003": ("30%", "33%"),
    "100004": ("15%", "18%"),
    "100005": ("5%", "9%"),
    "100006": ("12%", "15%"),
    "100007": ("25%", "27%"),
}
SCALED = {
    "100001": ("101", "102"),
    "100002": ("103", "104"),
    "100003": ("106", "107"),
    "100004": ("104", "105"),
    "100005": ("99", "103"),
    "100006": ("102", "102"),
    "100007": ("105", "106"),
}


def _rewrite(path, change) -> None:
    """Rewrite a made-up DfE table row by row: ``change(row)`` edits one row's dict."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _every_measure(made_up, *, progress: bool):
    """The made-up report with the higher standard and scaled score in both years (a
    converted school's 2018 row is under its new URN); ``progress=False`` empties MATPROG."""
    for position, year in enumerate(("2017", "2018")):

        def change(row, position=position):
            old = "100006" if row["URN"] == "200006" else row["URN"]
            row["PTMAT_HIGH"] = HIGHER[old][position] if old in HIGHER else ""
            row["MAT_AVERAGE"] = SCALED[old][position] if old in SCALED else ""
            if not progress:
                for column in ("MATPROG", "MATPROG_LOWER", "MATPROG_UPPER"):
                    row[column] = ""

        _rewrite(made_up[year], change)
    return evaluate(load_params(made_up["params"]))


def test_environment_is_autoescaped_strict_and_trimmed():
    env = environment()
    assert env.autoescape is True and env.undefined is StrictUndefined
    assert env.trim_blocks and env.lstrip_blocks
    assert render("table.html.j2", t=TINY, caption='It\'s "quoted" & <b>') == (
        '<div class="ipm-table"><table><caption>It&#x27;s &quot;quoted&quot; &amp; &lt;b&gt;'
        '</caption>\n<thead><tr>\n<th scope="col"></th>\n</tr></thead>\n<tbody>\n'
        "</tbody></table></div>"
    )
    assert environment() is env  # one environment, built once
    assert TEMPLATES.is_dir() and TEMPLATES.name == "report"


def test_user_text_is_escaped_in_every_block(hostile_ev):
    header = page.page_header(hostile_ev)
    assert "<h1>Made-up &lt;b&gt;project&lt;/b&gt;</h1>" in header and "<b>" not in header
    schools = page.schools_block(hostile_ev)
    assert "<td>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co</td>" in schools
    assert "<script" not in schools


def test_html_table_escapes_values_caption_and_index():
    frame = pd.DataFrame(
        {"School": ["<script>", "Beta"], "Change": ["+1.00*", "c"]},
        index=pd.Index(["1&2", "3"], name="<URN>"),
    )
    html = page.html_table(frame, "Cap <i>tion</i>")
    assert "<caption>Cap &lt;i&gt;tion&lt;/i&gt;</caption>" in html
    assert '<th scope="col">&lt;URN&gt;</th>' in html
    assert '<th scope="row">1&amp;2</th>' in html and "<td>&lt;script&gt;</td>" in html
    assert '<th scope="col" class="num">Change</th>' in html  # figures and c: right-aligned
    assert '<td class="num">+1.00*</td>' in html and '<td class="num">c</td>' in html
    assert "<script" not in html and "<i>" not in html
    bare = page.html_table(frame, "No index", index=False)
    assert "1&amp;2" not in bare and bare.count('scope="col"') == 2


def test_a_missing_variable_is_an_error_not_a_blank():
    with pytest.raises(UndefinedError):
        render("threshold.html.j2", suppressed=False)
    with pytest.raises(UndefinedError):
        render("page_header.html.j2", title="T")


def test_page_header(ev):
    html = page.page_header(ev, primary=design.primary_block(ev))
    # all recruited schools with progress in both years: 100001 -2 -> -1, 100002 -3 -> 0,
    # 100003 1 -> 0.5, 100005 (withdrawn) -4 -> 2, 100006 -2.5 -> -0.5: mean -10.5 / 5 = -2.10
    # -> 1.0 / 5 = 0.20; the completed four (without 100005): -6.5 / 4 -> -1 / 4
    sentence = page.headline(ev.summary, years=(2017, 2018), subject="maths", la_name="Made-up LA")
    assert sentence == (
        "Across the 5 recruited project schools with a maths progress score in both years, the "
        "average moved from -2.10 in 2016-17 to 0.20 in 2017-18, a change of +2.30. Over "
        "the same years Made-up LA's published figure went from -0.30 to -0.40 (-0.10), a "
        "pupil-weighted figure over all its schools: not like with like, and neither change "
        "says what the project did, since schools that start low tend to rise anyway. The "
        "comparison with similar schools (the primary result above) does."
    )
    completed = page.headline(
        ev.summary,
        years=(2017, 2018),
        subject="maths",
        la_name="Made-up LA",
        population="completed",
    )
    assert completed.startswith(
        "Across the 4 completed project schools with a maths progress score in both years, the "
        "average moved from -1.63 in 2016-17 to -0.25 in 2017-18, a change of +1.38."
    )
    # no comparison pool: the primary question (net change, all schools) has no answer
    assert (
        '<p class="ipm-primary-result"><strong>Primary result.</strong> The primary question '
        "cannot be answered from these files: no comparison with similar schools could be "
        "made.</p>"
    ) in html
    assert (
        '<p class="ipm-attrition">Schools: <strong>6</strong> recruited, '
        "<strong>1</strong> withdrew.</p>" in html
    )
    assert html.index("ipm-primary") < html.index("ipm-headline")
    assert f'<p class="ipm-headline">{html_escape(sentence)}</p>' in html
    assert html.startswith("<h1>Made-up project</h1>")
    assert (
        "<p>Maths progress and attainment at KS2, 2016-17 (baseline) to 2017-18 (outcome). "
        "Local authority: Made-up LA (999).</p>"
    ) in html
    assert "CHECK BEFORE SHARING" in html  # too few other schools for the comparison
    assert "SYNTHETIC DATA" not in html and "PROVISIONAL" not in html


def test_measure_blocks(ev):
    progress = page.measure_block(ev, "progress")
    assert (
        "<caption>Average maths progress by group: all recruited schools, withdrawn included "
        "(intention to treat; simple mean over schools; groups other than the primary "
        "question's are exploratory)</caption>"
    ) in progress
    # intention to treat first (5 schools, see test_page_header), then the completed four
    itt = (
        '<th scope="row">All project schools (5 schools)</th>\n<td class="num">-2.10</td>\n'
        '<td class="num">0.20</td>\n<td class="num">+2.30</td>'
    )
    completed = (
        '<th scope="row">All project schools (4 schools)</th>\n<td class="num">-1.63</td>\n'
        '<td class="num">-0.25</td>\n<td class="num">+1.38</td>'
    )
    assert (
        progress.index(itt)
        < progress.index("<caption>Completed schools only")
        < (progress.index(completed))
    )
    assert progress.count("All schools in Made-up LA") == 1  # references once, with ITT
    assert "ipm-footnote" not in progress  # min_n 1: nothing suppressed
    attainment = page.measure_block(ev, "attainment")
    assert "Average maths expected standard (EXS+) % by group" in attainment
    # completed: (60 + 70 + 80 + 75 + 65) / 5 = 70.0 -> (70 + 72 + 85 + 80 + 68) / 5 = 75.0;
    # with the withdrawn 100005 (50 -> 90): 400 / 6 = 66.7 -> 465 / 6 = 77.5
    assert '<td class="num">70.0</td>\n<td class="num">75.0</td>\n<td class="num">+5.0</td>' in (
        attainment
    )
    assert '<td class="num">66.7</td>\n<td class="num">77.5</td>\n<td class="num">+10.8</td>' in (
        attainment
    )


def test_measure_sections_say_what_each_measure_is(made_up):
    ev = _every_measure(made_up, progress=True)
    assert ev.measures == ["progress", "attainment", "higher_standard", "scaled_score"]
    sections = {m: page.measure_section(ev, m) for m in ev.measures}
    progress = sections["progress"]
    assert progress.startswith("<h2>Progress</h2>\n<p>A school's <strong>progress score</strong>")
    # the intro, then the measure's own tables (see test_measure_blocks)
    assert progress.index("<h2>") < progress.index("<caption>Average maths progress by group")
    assert '<td class="num">-2.10</td>\n<td class="num">0.20</td>' in progress
    attainment = sections["attainment"]
    assert attainment.startswith(
        "<h2>Attainment: the expected standard</h2>\n<p>The percentage of pupils reaching the "
        "expected standard (EXS+) in maths.</p>"
    )
    assert "headline measure" not in attainment  # progress is the headline here
    higher = sections["higher_standard"]
    assert higher.startswith(
        "<h2>Attainment: the higher standard</h2>\n<p>The percentage of pupils reaching the "
        "higher standard in maths (a scaled score of 110 or more).</p>"
    )
    # all six recruited schools: (10 + 20 + 30 + 15 + 5 + 12) / 6 = 15.3 -> 111 / 6 = 18.5;
    # the five completed (without 100005): 87 / 5 = 17.4 -> 102 / 5 = 20.4
    assert "<caption>Average maths higher standard % by group" in higher
    assert '<td class="num">15.3</td>\n<td class="num">18.5</td>\n<td class="num">+3.2</td>' in (
        higher
    )
    assert '<td class="num">17.4</td>\n<td class="num">20.4</td>\n<td class="num">+3.0</td>' in (
        higher
    )
    scaled = sections["scaled_score"]
    assert scaled.startswith(
        "<h2>Average scaled score</h2>\n<p>The average maths test score on the DfE's scale "
        "from 80 to 120, where 100 is the expected standard"
    )
    # (101 + 103 + 106 + 104 + 99 + 102) / 6 = 102.5 -> 623 / 6 = 103.8 (+8 / 6 = +1.3)
    assert '<td class="num">102.5</td>\n<td class="num">103.8</td>\n<td class="num">+1.3</td>' in (
        scaled
    )
    for section in sections.values():  # every measure: intention to treat counts them all
        assert "The primary figures count <strong>every school recruited</strong>" in section


def test_without_progress_attainment_is_the_headline_measure(made_up):
    ev = _every_measure(made_up, progress=False)
    assert ev.measures == ["attainment", "higher_standard", "scaled_score"]
    assert ev.comparison_measure == "attainment"
    attainment = page.measure_section(ev, "attainment")
    assert attainment.startswith(
        "<h2>Attainment: the expected standard</h2>\n<p>The percentage of pupils reaching the "
        "expected standard (EXS+) in maths. With no progress score in both years, this is "
        "the report's headline measure and the one its comparison with similar schools "
        "matches on.</p>"
    )
    # the same figures as with progress (test_measure_blocks): 66.7 -> 77.5 for all six
    assert '<td class="num">66.7</td>\n<td class="num">77.5</td>\n<td class="num">+10.8</td>' in (
        attainment
    )
    for measure in ("higher_standard", "scaled_score"):
        assert "headline measure" not in page.measure_section(ev, measure)


def test_measure_block_shows_c_and_its_footnote(made_up):
    import dataclasses

    params = dataclasses.replace(
        load_params(made_up["params"]), min_n=5, provisional_years=[2018], weighting="pupils"
    )
    html = page.measure_block(evaluate(params), "progress")
    assert "(mean weighted by pupils; * provisional)</caption>" in html
    assert '<th scope="row">All project schools (4 schools)</th>\n<td class="num">c</td>' in html
    assert (
        '<p class="ipm-footnote">c = not shown: the figure would be computed from fewer than 5'
        in (html)
    )
    assert '<th scope="col" class="num">2017-18 progress*</th>' in html


def test_threshold_weighting_and_honest_impact(ev):
    assert page.threshold_sentence(ev) == (
        "<p>Project schools with a progress score below -2.00: <strong>2</strong> in 2016-17 "
        "and <strong>0</strong> in 2017-18 (of the 4 schools that completed the project with a "
        "score in both years).</p>"
    )
    assert page.weighting_note(ev) == (
        "<p>Project figures are simple means over schools (each school counts once), as in the "
        "project's published reports. The LA's published figure weights schools by their "
        "pupils, so it is not directly comparable; the like-with-like figure, the simple mean "
        "over the LA's 6 mainstream schools with a score in both years, went from -1.67 to "
        "0.42 (+2.08).</p>"
    )
    assert page.honest_impact_block(ev) == (
        "<p>Too few other schools in the baseline-year file have a score in both years to "
        "estimate what similar schools did.</p>"
    )


def test_net_change_paragraph_words_follow_the_interval():
    rows = [
        ["progress", "change", "all", 4, -1.625, -0.25, 1.375, 0.125, 2.5],
        ["progress", "comparison", "all", 4, -1.0, -0.5, 0.5, -0.1, 1.1],
        ["progress", "net_change", "all", 4, math.nan, math.nan, 0.875, -0.25, 2.0],
        ["progress", "mde", "all", 4, math.nan, math.nan, 1.234, math.nan, math.nan],
    ]
    summary = pd.DataFrame(
        rows,
        columns=[
            "measure",
            "estimate",
            "group",
            "n_schools",
            "baseline",
            "outcome",
            "change",
            "ci_low",
            "ci_high",
        ],
    )
    assert page.net_change_paragraph(summary, "all") == (
        "<p><strong>All project schools (4 schools).</strong> Progress changed by +1.38 "
        "(95% interval +0.13 to +2.50). Similar schools elsewhere in the file (for each project "
        "school, the non-project schools closest to it on baseline score) changed by +0.50 over "
        "the same years. That leaves a net change of +0.88 (95% interval -0.25 to +2.00). "
        "Similar schools' average change is about 36% of the project schools'. The "
        "interval includes zero, so the difference from similar schools could be chance. With "
        "4 schools, the smallest net change this comparison could reliably detect is about "
        "1.23 points.</p>"
    )
    summary.loc[2, ["ci_low", "ci_high"]] = [0.2, 1.5]
    better = page.net_change_paragraph(summary, "all")
    assert "these schools improved by more than similar schools, by more than chance" in better
    assert page.net_change_paragraph(summary, "cohort:1") == ""


def test_design_blocks_say_why_there_is_nothing_to_show(ev):
    """The made-up report has no comparison pool: each design block says so in one line."""
    assert design.matching_block(ev) == (
        "<p>No comparison with similar schools could be made, so there is no matching to check.</p>"
    )
    assert "Not run: there is no comparison with similar schools." in design.placebo_block(ev)
    assert "Not checked: there is no comparison" in design.trends_block(ev)
    assert design.primary_question(ev) == (
        "Did the maths progress of the project schools change by more than that of similar "
        "non-project schools from 2016-17 to 2017-18?"
    )
    capping = design.capping_block(ev)  # 2017 -> 2018 straddles the capping change
    assert "From 2018 the DfE caps the most negative pupil progress scores" in capping
    assert "unadjusted" not in capping  # no net change to test it on
    effects = design.effect_sizes_block(ev)
    assert effects.startswith("<p><strong>Effect sizes.</strong> Not shown: there is no pupil")


def test_primary_sentence_follows_its_interval(ev):
    """The rule-out sentence for each kind of interval, on the made-up report's plain change
    (primary estimate ``change``: all recruited schools, +2.30, see test_page_header)."""
    import copy
    import dataclasses

    changed = copy.copy(ev)
    question = {"measure": "progress", "group": "all", "estimate": "change"}
    changed.params = dataclasses.replace(ev.params, primary=question)
    changed.primary_question = dict(question)  # what evaluate resolves params.primary to
    text = design.primary_sentence(changed)
    key = ["measure", "estimate", "group", "population"]
    row = ev.summary.set_index(key).loc[("progress", "change", "all", "itt")]
    low, high = fmt(row["ci_low"], signed=True), fmt(row["ci_high"], signed=True)
    assert text.startswith(
        "Across the 5 of the 6 schools recruited with a score in both years (1 of the 6 "
        f"withdrew; intention to treat), maths progress from 2016-17 to 2017-18 changed by "
        f"+2.30 points (95% interval {low} to {high}"
    )
    assert row["ci_low"] < 0 < row["ci_high"]  # 5 schools: a wide t interval
    assert text.endswith(
        f"The interval includes 0: the data fit anything from {low} to {high} points, so this "
        "figure can rule out neither no effect nor an effect of that size either way; it rules "
        "out effects beyond that range."
    )
    for low_value, words in (
        (0.5, "The interval excludes 0, but this is the plain change"),
        (-9.0, "The interval includes 0"),
    ):
        summary = ev.summary.copy()
        pick = (
            summary["measure"].eq("progress")
            & summary["estimate"].eq("change")
            & summary["group"].eq("all")
            & summary["population"].eq("itt")
        )
        summary.loc[pick, "ci_low"] = low_value
        changed.summary = summary
        assert words in design.primary_sentence(changed)


def test_exclusions_schools_and_sources(ev):
    excluded = page.exclusions_block(ev)
    assert "<caption>Schools left out of one or more figures, and why</caption>" in excluded
    assert "<td>Epsilon</td>" in excluded and "<td>withdrawn from the project</td>" in excluded
    assert "<caption>Schools found under another URN (academy conversions)</caption>" in excluded
    assert "<td>academy conversion: old URN -&gt; new URN</td>" in excluded
    schools = page.schools_block(ev)
    assert "<caption>Each roster school&#x27;s figures (a dash: no figure)</caption>" in schools
    assert (
        '<th scope="row">100001</th>\n<td>Alpha</td>\n<td class="num">1</td>\n<td>yes</td>\n'
        '<td>completed</td>\n<td class="num">-2.00</td>\n<td class="num">-1.00</td>\n'
        '<td class="num">+1.00</td>'
    ) in schools
    sources = page.sources_block(ev)
    assert "<li>2016-17: 2017.csv</li>\n<li>2017-18: 2018.csv</li>" in sources
    assert "<p>Roster: roster.csv. Progress is the DfE's KS1-to-KS2" in sources
    assert "Notes on the published figures" not in sources


def test_index_page_template():
    row = IndexRow(
        "r<1>",
        "Title & <i>more</i>",
        "2016-17 to 2017-18",
        "maths",
        "4 of 6",
        "-1.63 to -0.25 (+1.38)",
        "built",
        datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        'r1/report.html?"',
    )
    html = render_index([row])
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")
    assert (
        '<tr><th scope="row"><a href="r1/report.html?&quot;">Title &amp; &lt;i&gt;more&lt;/i&gt;'
        '</a><br><span class="id">r&lt;1&gt;</span></th><td>2016-17 to 2017-18</td>'
        '<td>maths</td><td>4 of 6</td><td>-1.63 to -0.25 (+1.38)</td><td class="built">built</td>'
        "<td>2026-01-02 03:04 UTC</td></tr>"
    ) in html
    assert '<tr><td colspan="7">No reports yet.</td></tr>' in render_index([])


def test_every_template_is_exercised_here():
    tested = {
        "macros.html.j2",  # through every block above
        "table.html.j2",
        "page_header.html.j2",
        "measure_block.html.j2",
        "measure_intro.html.j2",  # test_measure_sections_say_what_each_measure_is
        "threshold.html.j2",
        "weighting.html.j2",
        "honest_impact.html.j2",
        "net_change.html.j2",
        "exclusions.html.j2",
        "primary.html.j2",  # test_page_header and the design tests below
        "primary_sentence.html.j2",
        "primary_question.html.j2",
        "design_matching.html.j2",
        "design_placebo.html.j2",
        "design_trends.html.j2",
        "design_effects.html.j2",
        "design_capping.html.j2",
        "schools.html.j2",
        "sources.html.j2",
        "index_page.html.j2",
    }
    assert set(template_names()) == tested
