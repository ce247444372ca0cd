"""End to end: papermill in a real Jupyter kernel, nbconvert HTML, the ``ipm`` command."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ipm_analysis.core.errors import InputError, ReportError
from ipm_analysis.pipeline import runner
from ipm_analysis.pipeline.runner import run_report

from conftest import ipm

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One made-up report, built once through papermill, shared by the checks below."""
    from conftest import la, school, write_table

    folder = tmp_path_factory.mktemp("made_up")
    write_table(
        folder / "2017.csv",
        [school("100001", "-2.0", "60%"), school("100002", "1.0", "80%"), la("-0.3", "77%")],
    )
    write_table(
        folder / "2018.csv",
        [school("100001", "-1.0", "70%"), school("100002", "0.5", "85%"), la("-0.4", "76.8%")],
    )
    (folder / "roster.csv").write_text(
        "urn,cohort,school_name,tla\n100001,1,<script>alert('x')</script> & Co,yes\n"
        "100002,2,Beta,no\n",
        encoding="utf-8",
    )
    (folder / "params.yaml").write_text(
        "report_id: e2e\ntitle: End-to-end <check>\nroster: roster.csv\n"
        "performance: {2017: 2017.csv, 2018: 2018.csv}\nbaseline_year: 2017\n"
        "outcome_year: 2018\nprovisional_years: [2018]\nn_placebo: 200\nmin_n: 1\n",
        encoding="utf-8",
    )
    result = run_report(folder / "params.yaml", folder / "out")
    return folder, result.folder


def test_report_folder_holds_every_output(built):
    _, out = built
    for name in ("report.html", "report.ipynb", "summary.csv", "schools.csv"):
        assert (out / name).is_file(), name
    # two schools leave no comparison pool, so no regression-to-the-mean scatter and no event
    # study
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == [
        "change_distribution.png",
        "forest_net_change.png",
        "groups_attainment.png",
        "groups_progress.png",
        "schools_progress.png",
    ]


def test_report_folder_holds_nothing_else_and_no_kernel_is_left_running(built):
    _, out = built
    # no kernel log, no IPC sockets, no building or failed folders: only the report
    assert sorted(p.name for p in out.iterdir()) == [
        "balance.csv",
        "counts.csv",
        "detectable_effects.csv",
        "effects.csv",
        "figures",
        "manifest.json",
        "model_fits.csv",
        "placebo.csv",
        "report.html",
        "report.ipynb",
        "report_info.json",
        "schools.csv",
        "summary.csv",
        "trends.csv",
    ]
    # beside it, no half-built or swapped-out folder (they are hidden: named with a dot)
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
    assert _kernels_started_by_this_process() == []


def _kernels_started_by_this_process() -> list[str]:
    """Command lines of this process's child processes that are Jupyter kernels."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        if parent == os.getpid() and "ipykernel" in command:
            found.append(command)
    return found


def test_summary_figures_from_the_kernel_match_hand_values(built):
    _, out = built
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[:8]) == [
        "measure",
        "estimate",
        "group",
        "population",
        "n_schools",
        "baseline",
        "outcome",
        "change",
    ]
    r = summary.set_index(["measure", "estimate", "group", "population"]).loc[
        ("progress", "change", "all", "itt")
    ]
    assert (r["n_schools"], r["baseline"], r["outcome"]) == (2, -0.5, -0.25)
    schools = pd.read_csv(out / "schools.csv", dtype={"urn": str})
    assert schools["urn"].tolist() == ["100001", "100002"]


def test_html_is_self_contained_escaped_and_has_no_code(built):
    _, out = built
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()  # no script at all: nothing to execute or fetch
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; Co" in page  # shown as text
    body = page.split("</head>", 1)[1]
    assert "from ipm_analysis" not in body and "display(HTML" not in body  # no code shown
    assert 'class="highlight' not in body and "In&nbsp;[" not in body
    assert 'src="http' not in page and 'href="http' not in page.split("</head>")[0]
    assert page.count('src="data:image/png;base64,') == 5
    assert "End-to-end &lt;check&gt;" in page
    assert "PROVISIONAL" in page and "-0.25*" in page


def test_bad_data_found_in_the_kernel_keeps_the_earlier_report_and_leaves_nothing(built):
    folder, out = built
    before = (out / "report.html").read_bytes()
    good = (folder / "2018.csv").read_text(encoding="utf-8-sig")
    (folder / "2018.csv").write_text(good.replace("-1.0", "minus one"), encoding="utf-8-sig")
    try:
        with pytest.raises(InputError) as err:
            run_report(folder / "params.yaml", folder / "out")
    finally:
        (folder / "2018.csv").write_text(good, encoding="utf-8-sig")
    message = str(err.value)
    assert "2018.csv" in message and "line 2" in message and "'MATPROG'" in message
    assert (out / "report.html").read_bytes() == before
    assert not (out / "kernel.log").exists()  # a published report carries no kernel log
    # bad input is the user's to fix and the message says where: no debugging folder is kept
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["e2e"]


def test_a_kernel_that_dies_is_reported_with_its_log_and_leaves_nothing_running(built, monkeypatch):
    folder, out = built
    before = (out / "report.html").read_bytes()
    dying = folder / "dying.ipynb"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import os\nos.write(2, b'made-up crash\\n')\nos._exit(3)")
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(dying))
    impact = runner.KINDS["impact"]
    monkeypatch.setitem(
        runner.KINDS,
        "impact",
        runner.ReportKind(str(dying), impact.load_params, impact.input_files),
    )
    with pytest.raises(ReportError) as err:
        run_report(folder / "params.yaml", folder / "out", force=True)
    log = folder / "out" / "e2e.failed" / "kernel.log"
    assert "DeadKernelError" in str(err.value) and str(log) in str(err.value)
    assert "made-up crash" in log.read_text(encoding="utf-8")
    assert (out / "report.html").read_bytes() == before
    assert _kernels_started_by_this_process() == []


def test_cli_bad_input_exits_2_with_one_paragraph(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "report_id: x\ntitle: t\nroster: missing.csv\nperformance: {2017: a.csv}\n"
        "baseline_year: 2018\noutcome_year: 2017\nsubject: art\n",
        encoding="utf-8",
    )
    done = ipm("report", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "'baseline_year' (line 5) is 2018, which must be before outcome_year (2017)" in (
        done.stderr
    )
    assert "'subject' (line 7) must be one of maths, reading, writing" in done.stderr


def test_cli_missing_roster_exits_2_naming_the_file(tmp_path, made_up):
    made_up["roster"].unlink()
    done = ipm("validate", str(made_up["params"]))
    assert done.returncode == 2
    assert "roster.csv" in done.stderr and "does not exist" in done.stderr


def test_cli_unknown_urn_is_a_warning_not_a_crash(made_up):
    with made_up["roster"].open("a", encoding="utf-8") as handle:
        handle.write("123456,2,Nowhere,no,3,\n")
    done = ipm("validate", str(made_up["params"]))
    assert done.returncode == 0, done.stderr
    assert "warning: URN 123456 (Nowhere) is in neither the 2017 nor the 2018" in done.stderr
    assert "OK (impact report)" in done.stdout


def test_real_surrey_roster_report_matches_hand_calculation(dfe_data, tmp_path):
    """Eight real Surrey schools, one converted to an academy, one with no 2017 figures."""
    (tmp_path / "roster.csv").write_text(
        "urn,cohort\n142999,A\n125108,A\n131072,A\n125019,A\n"
        "125185,B\n125284,B\n132758,B\n124943,B\n",
        encoding="utf-8",
    )
    (tmp_path / "p.yaml").write_text(
        "report_id: surrey\ntitle: Surrey check\nroster: roster.csv\n"
        f"performance:\n  2017: {dfe_data}/2016-2017/936_ks2final.csv\n"
        f"  2018: {dfe_data}/2017-2018/936_ks2final.csv\n"
        "baseline_year: 2017\noutcome_year: 2018\nn_placebo: 200\n",
        encoding="utf-8",
    )
    done = ipm("report", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    s = pd.read_csv(tmp_path / "out" / "surrey" / "summary.csv")
    # no school withdrew: all recruited schools (intention to treat) are the completed ones
    itt, completed = (
        s[s["population"] == p].drop(columns="population") for p in ("itt", "completed")
    )
    assert itt.reset_index(drop=True).equals(completed.reset_index(drop=True))
    s = s[s["population"].isin(["itt"]) | s["population"].isna()]
    s = s[s["estimate"].eq("change")].set_index(["measure", "group"])
    # the real files hold every measure in both years, so the report shows all four
    assert set(s.index.get_level_values("measure")) == {
        "progress",
        "attainment",
        "higher_standard",
        "scaled_score",
    }
    # MATPROG 2017 -> 2018 from the files: -1.5 -> -2.4, -1.1 -> -3.1, -0.5 -> -3, -0.8 -> 0.7,
    # -4.0 -> 3.7, 0.5 -> 2 (132758 became 143373), -1.8 -> -5.7 (124943 became 144230);
    # 125284 is blank in both years.
    assert s.loc[("progress", "all"), "n_schools"] == 7
    assert s.loc[("progress", "all"), "baseline"] == pytest.approx(-9.2 / 7)
    assert s.loc[("progress", "all"), "outcome"] == pytest.approx(-7.8 / 7)
    assert s.loc[("progress", "cohort:A"), "outcome"] == pytest.approx(-7.8 / 4)
    assert s.loc[("progress", "cohort:B"), "baseline"] == pytest.approx(-5.3 / 3)
    assert s.loc[("attainment", "all"), "baseline"] == pytest.approx(508 / 7)
    assert s.loc[("attainment", "all"), "outcome"] == pytest.approx(496 / 7)
    # PTMAT_HIGH 34, 21, 11, 31, 13, 24, 12 -> 20, 19, 7, 34, 9, 23, 5 and MAT_AVERAGE 106,
    # 104, 103, 107, 102, 104, 102 -> 105, 104, 98, 108, 104, 104, 99 (the same seven schools)
    assert s.loc[("higher_standard", "all"), "n_schools"] == 7
    assert s.loc[("higher_standard", "all"), "baseline"] == pytest.approx(146 / 7)
    assert s.loc[("higher_standard", "all"), "outcome"] == pytest.approx(117 / 7)
    assert s.loc[("scaled_score", "all"), "n_schools"] == 7
    assert s.loc[("scaled_score", "all"), "baseline"] == pytest.approx(728 / 7)
    assert s.loc[("scaled_score", "all"), "outcome"] == pytest.approx(722 / 7)
    counts = pd.read_csv(tmp_path / "out" / "surrey" / "counts.csv")
    counts = counts.set_index(["measure", "estimate", "group"])
    assert (
        counts.loc[("progress", "below_threshold", "all"), "baseline_count"],
        counts.loc[("progress", "below_threshold", "all"), "outcome_count"],
    ) == (1, 4)
    assert s.loc[("progress", "la"), "baseline"] == pytest.approx(-0.3)
    assert s.loc[("progress", "la"), "outcome"] == pytest.approx(-0.2)
    assert s.loc[("attainment", "la"), "outcome"] == pytest.approx(80.0)
    schools = pd.read_csv(tmp_path / "out" / "surrey" / "schools.csv", dtype=str)
    grove = schools.set_index("urn").loc["132758"]
    assert (grove["baseline_urn"], grove["outcome_urn"]) == ("132758", "143373")
    assert (
        "no progress figure in 2017 (blank)"
        in schools.set_index("urn").loc["125284", "excluded_reason"]
    )
