"""End to end: run the package's focus_programme.ipynb (papermill + HTML export) on the SYNTHETIC
programme example, and prove its outputs hold no pupil id and no pupil-level value."""

import re
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.core.rounding import fmt
from ipm_analysis.focus.params import load_programme_params
from ipm_analysis.focus.privacy import scan_outputs
from ipm_analysis.pipeline.resources import report_notebook
from ipm_analysis.pipeline.runner import run_report

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = report_notebook("focus_programme.ipynb")
PARAMS = ROOT / "params" / "focus_programme_example.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    result = run_report(PARAMS, tmp_path_factory.mktemp("programme"))
    assert result.folder.name == "focus-programme-synthetic-july"
    return result.folder, load_programme_params(PARAMS)


def _pupil_files(params) -> list[str]:
    files = []
    for value in params["schools"].values():
        files += list(value.values()) if isinstance(value, dict) else [value]
    return sorted(set(files))


def _visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", page)
    alts = " ".join(re.findall(r'alt="([^"]*)"', page))
    return re.sub(r"<[^>]+>", " ", page) + " " + alts


@pytest.mark.e2e
def test_outputs_and_privacy_scan(built):
    folder, params = built
    assert {p.name for p in folder.iterdir()} == {
        "schools.csv",
        "programme.csv",
        "programme_progress.png",
        "report_info.json",
        "manifest.json",
        "report.html",
        "report.ipynb",
    }
    assert scan_outputs(folder, _pupil_files(params), pupil_rows=False) == []


@pytest.mark.e2e
def test_every_two_decimal_figure_shown_is_an_aggregate(built):
    folder, _ = built
    schools = pd.read_csv(folder / "schools.csv", dtype=str)
    programme = pd.read_csv(folder / "programme.csv", dtype=str)
    progress = pd.to_numeric(schools["progress"], errors="coerce").dropna()
    allowed = {fmt(v, 2, signed=True) for v in progress} | set(programme["mean_progress"])
    allowed |= {fmt(5.38985717, 2), "1.96"}  # the national SD and the interval formula
    shown = set(
        re.findall(
            r"(?<![\d.])[-+]?\d+\.\d\d(?!\d)",
            _visible_text((folder / "report.html").read_text(encoding="utf-8")),
        )
    )
    assert shown and shown <= allowed


@pytest.mark.e2e
def test_report_page_is_readable(built):
    folder, _ = built
    page = (folder / "report.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 1 and re.search(r'alt="Projected maths progress by window', images[0])
    assert page.count("<caption>") == 3
    assert re.search(r'<th [^>]*scope="col"[^>]*>School \(URN\)</th>', page)
    assert re.search(r"<td[^>]*>c</td>", page) and "not shown to protect pupils" in page
    assert "SYNTHETIC" in page and "ipm_analysis" not in _visible_text(page)
    programme = pd.read_csv(folder / "programme.csv", dtype=str).set_index("window")
    # 999904 has 2 focus pupils in July: hidden, and so is the total that would reveal it.
    assert programme.loc["july", ["n_focus", "share_focus_pct"]].tolist() == ["c", "c"]
