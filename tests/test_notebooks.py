"""The notebooks as an analyst opens them in JupyterLab: run top to bottom with their own
defaults, from the notebooks folder, in a real kernel."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import papermill
import pytest

from conftest import REPO

pytestmark = pytest.mark.e2e


def run(name: str, out_dir, **parameters) -> None:
    papermill.execute_notebook(
        str(REPO / "notebooks" / name),
        str(out_dir / name),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(REPO / "notebooks"),
    )


def test_report_notebook_defaults_build_the_synthetic_2017_18_example(tmp_path):
    run("impact_report.ipynb", tmp_path, output_dir=str(tmp_path / "lab"))
    summary = pd.read_csv(tmp_path / "lab" / "summary.csv")
    summary = summary.set_index(["measure", "estimate", "group", "population"])
    for population in ("itt", "completed"):  # no school of the 2017-18 example withdrew
        row = summary.loc[("progress", "change", "all", population)]
        assert row["n_schools"] == 35
        assert row["baseline"] == pytest.approx(-0.97, abs=0.02)
        assert row["outcome"] == pytest.approx(-0.37, abs=0.02)
    assert (tmp_path / "lab" / "figures" / "event_study.png").is_file()


def test_explore_notebook_runs_on_the_example_params(tmp_path):
    run("explore.ipynb", tmp_path)
    executed = nbformat.read(tmp_path / "explore.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # the three seaborn figures: regression to the mean, groups before and after, the spread
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 3
    assert all(len(o.data["image/png"]) > 10_000 for o in figures)  # drawn, not blank
    # the sensitivity table sets net change with match_k 5 beside match_k 10
    text = "\n".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "match_k = 5" in text and "match_k = 10" in text
    # ... with its rows: every group's progress net change (all recruited schools: +0.41, as
    # the 2017-18 report's primary result gives it)
    table = next(t for t in text.split("\n\n") if "match_k = 10" in t)
    assert "cohort:1" in table and "baseline:negative" in table
    assert re.search(r"^all\s+35\s+0\.41\s", table, flags=re.MULTILINE), table


def test_explore_notebook_is_committed_without_outputs():
    notebook = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    assert not (REPO / "notebooks" / "explore.ipynb").is_symlink()  # a file of its own
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
