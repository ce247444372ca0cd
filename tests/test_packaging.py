"""Repository hygiene: environment.yml agrees with pyproject.toml, the wheel ships what the
code fingerprint hashes, notebooks carry no outputs (and notebooks/ links to the package's
report notebooks), and no real DfE file is tracked."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import yaml

from ipm_analysis.pipeline import manifest
from ipm_analysis.pipeline.resources import report_notebook

from conftest import REPO

REPORT_NOTEBOOKS = ("impact_report", "focus_pupils", "focus_programme")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"]}
    for extra in ("test", "lab", "browser", "dask"):
        wanted.update({_name(r): r for r in project["optional-dependencies"][extra]})
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    for name, requirement in wanted.items():
        assert name in listed, f"{name} is in pyproject.toml but not environment.yml"
        spec = requirement[len(name) :].split("]")[-1].replace(" ", "")
        assert listed[name].replace(" ", "").endswith(spec), (name, requirement, listed[name])


def test_package_data_is_what_the_code_fingerprint_hashes():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-data"]["ipm_analysis"] == list(manifest.PACKAGE_DATA)
    names = {p.relative_to(manifest.PACKAGE_ROOT).as_posix() for p in manifest.code_files()}
    assert {f"reporting/notebooks/{n}.ipynb" for n in REPORT_NOTEBOOKS} <= names
    assert {
        "reporting/templates/ipm/index.html.j2",
        "data/ks1_points.csv",
        "pipeline/manifest.py",
    } <= names


def test_lab_notebooks_link_to_the_package_notebooks():
    """One source per report notebook: notebooks/ holds relative links for JupyterLab."""
    for name in REPORT_NOTEBOOKS:
        link = REPO / "notebooks" / f"{name}.ipynb"
        assert link.is_symlink(), link
        assert link.readlink().as_posix() == f"../ipm_analysis/reporting/notebooks/{name}.ipynb"
        assert link.resolve() == report_notebook(f"{name}.ipynb")
    assert not (REPO / "notebooks" / "explore.ipynb").is_symlink()


def test_notebooks_are_committed_without_outputs():
    paths = {p.resolve() for p in (REPO / "notebooks").glob("*.ipynb")}
    paths |= set((REPO / "ipm_analysis" / "notebooks").glob("*.ipynb"))
    assert len(paths) >= 4
    for path in sorted(paths):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_each_report_notebook_has_exactly_one_parameters_cell():
    for name in REPORT_NOTEBOOKS:
        nb = json.loads(report_notebook(f"{name}.ipynb").read_text())
        tags = [c["metadata"].get("tags", []) for c in nb["cells"] if c["cell_type"] == "code"]
        assert sum("parameters" in t for t in tags) == 1, name


def test_report_notebook_has_a_parameters_cell_naming_every_parameter():
    from ipm_analysis.inputs.params import PARAMETER_NAMES

    nb = json.loads(report_notebook("impact_report.ipynb").read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    for name in (*PARAMETER_NAMES, "output_dir"):
        assert re.search(rf"^{name} = ", source, re.M), name


def test_no_real_dfe_file_is_tracked():
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    real = [f for f in files if re.search(r"(^|/)(850|936)_ks2final\.csv$|gias_", f)]
    assert real == []
