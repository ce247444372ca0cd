"""End to end: run the package's focus_pupils.ipynb with papermill on the SYNTHETIC example."""

from pathlib import Path

import pandas as pd
import papermill
import pytest
from traitlets.config import Config

from ipm_analysis.focus.params import load_focus_params
from ipm_analysis.focus.privacy import scan_outputs
from ipm_analysis.pipeline.resources import report_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = report_notebook("focus_pupils.ipynb")
PUPIL_COLUMNS = [
    "pupil_id",
    "ks1_aps",
    "pag",
    "estimate",
    "score",
    "progress",
    "capped_progress",
    "focus",
    "target",
    "points_needed",
]
SCHOOL_COLUMNS = [
    "urn",
    "window",
    "n_pupils",
    "n_no_ks1",
    "progress",
    "ci_low",
    "ci_high",
    "n_focus",
    "n_to_reach_zero",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("focus") / "report"
    params = load_focus_params(ROOT / "params" / "focus_example.yaml")
    params["output_dir"] = str(out)
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out.parent / "report.ipynb"),
        parameters=params,
        kernel_name="python3",
        progress_bar=False,
        config=Config({"KernelManager": {"transport": "ipc"}}),
    )
    (out.parent / "report.ipynb").rename(out / "report.ipynb")
    return out, params


@pytest.mark.e2e
def test_outputs_written_with_their_columns(executed):
    out, _ = executed
    pupils = pd.read_csv(out / "pupils.csv", dtype={"pupil_id": str})
    assert list(pupils.columns[: len(PUPIL_COLUMNS)]) == PUPIL_COLUMNS
    school = pd.read_csv(out / "school.csv", dtype={"urn": str})
    assert list(school.columns) == SCHOOL_COLUMNS
    row = school.iloc[0]
    assert (row["urn"], row["window"]) == ("999901", "july")
    assert row["n_pupils"] == len(pupils) and row["n_no_ks1"] == pupils["ks1_aps"].isna().sum()
    assert row["n_focus"] == pupils["focus"].sum()
    assert row["progress"] == pytest.approx(pupils["capped_progress"].mean())
    assert (out / "termly_progress.png").stat().st_size > 1000
    assert pd.read_csv(out / "termly.csv")["window"].tolist() == [
        "october",
        "december-january",
        "march-april",
        "july",
    ]
    assert pupils["pag_table_note"].str.contains("SYNTHETIC").all()


@pytest.mark.e2e
def test_privacy_scan_of_every_output(executed):
    out, params = executed
    files = sorted(out.iterdir())
    assert {p.name for p in files} >= {"pupils.csv", "school.csv", "report.ipynb"}
    assert scan_outputs(out, list(params["pupils"].values())) == []


def test_privacy_scan_finds_a_leak(tmp_path):
    pupils = tmp_path / "in.csv"
    pupils.write_text("pupil_id,ks1_reading,ks2_maths,disadvantaged\nP01,2b,104,yes\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "ok.csv").write_text("pupil_id,score,focus\nP01,104,True\n")
    assert scan_outputs(out, [pupils]) == []
    (out / "leak.html").write_text("<tr><td>P01</td><td>104</td><td>2b</td></tr>")
    (out / "leak.csv").write_text("pupil_id,disadvantaged\nP01,yes\n")
    assert scan_outputs(out, [pupils]) == [
        "leak.csv: column 'disadvantaged' is pupil-level input",
        "leak.csv: 'yes' next to pupil P01",
        "leak.html: '2b' next to pupil P01",
    ]


@pytest.mark.e2e
def test_report_page_is_for_a_headteacher(executed, tmp_path):
    import re

    from ipm_analysis.pipeline.export import export_html

    out, params = executed
    html_path = tmp_path / "report.html"
    page = export_html(out / "report.ipynb", html_path, title=params["title"]).read_text()
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 1 and "alt=\"The school's projected maths progress" in images[0]
    assert page.count("<caption>") == 4 and '<th scope="col">Pupil</th>' in page
    assert "<th>0</th>" not in page and "dataframe" not in page  # no pandas index column
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<style\b.*?</style>", " ", page))
    assert "ipm_analysis" not in visible and "notebook" not in visible.lower()
    assert "SYNTHETIC PAG table" in visible
