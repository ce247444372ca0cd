"""The notebooks as an analyst opens them in JupyterLab: run top to bottom with their own
defaults, from the notebooks folder, in a real kernel."""

from __future__ import annotations

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
    summary = pd.read_csv(tmp_path / "lab" / "summary.csv").set_index(["measure", "group"])
    assert summary.loc[("progress", "all"), "n_schools"] == 35
    assert summary.loc[("progress", "all"), "baseline"] == pytest.approx(-0.97, abs=0.02)
    assert summary.loc[("progress", "all"), "outcome"] == pytest.approx(-0.37, abs=0.02)


def test_explore_notebook_runs_on_the_example_params(tmp_path):
    run("explore.ipynb", tmp_path)
    assert (tmp_path / "explore.ipynb").is_file()
