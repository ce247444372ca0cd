"""Installed like any Python package: a wheel of the checkout, installed (not editable) into a
fresh venv, builds every example report from another folder, and its code fingerprint is the
checkout's (so a Dask worker that ran ``pip install '.[dask]'`` accepts this machine's jobs).

The venv gets its dependencies from PyPI (pip's cache makes a second run quicker): about a
minute in all, most of it ``pip install``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from ipm_analysis.pipeline import manifest

from conftest import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.wheel]

#: What a build of the package reads besides the package itself.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")


def _run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command to completion; fail the test with its output when it fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def checkout_fingerprint() -> str:
    """The checkout's code fingerprint now (not the value cached earlier in this process)."""
    manifest.code_fingerprint.cache_clear()
    return manifest.code_fingerprint()


def copy_checkout(source: Path) -> str:
    """Copy what a build reads into ``source``; returns the checkout's fingerprint, taken
    before and after the copy (copied again if a file changed meanwhile, as while editing)."""
    for _ in range(5):
        before = checkout_fingerprint()
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir()
        for name in PROJECT_FILES:
            shutil.copy2(REPO / name, source / name)
        shutil.copytree(
            REPO / "ipm_analysis",
            source / "ipm_analysis",
            ignore=shutil.ignore_patterns("__pycache__", ".*"),
        )
        if checkout_fingerprint() == before:
            return before
    raise AssertionError("the checkout kept changing while it was copied")


def build_wheel(source: Path, wheels: Path) -> Path:
    """A wheel of ``source``, a copy of the checkout, so that setuptools' build/ and egg-info
    folders neither land in the repository nor leak stale files into the wheel."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, source, cwd=source)
    (wheel,) = wheels.glob("ipm_analysis-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A fresh venv (no system site-packages) with a wheel of the checkout installed in it,
    not editable, and the checkout's fingerprint when the wheel's source was copied."""
    tmp = tmp_path_factory.mktemp("wheel")
    fingerprint = copy_checkout(tmp / "source")
    wheel = build_wheel(tmp / "source", tmp / "wheels")
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, cwd=tmp)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return {
        "source": tmp / "source" / "ipm_analysis",
        "wheel": wheel,
        "venv": venv,
        "python": python,
        "elsewhere": elsewhere,
        "fingerprint": fingerprint,
    }


def test_wheel_holds_the_notebooks_templates_data_and_exactly_the_fingerprinted_files(installed):
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        names = {n for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
    for notebook in ("impact_report", "focus_pupils", "focus_programme"):
        assert f"ipm_analysis/reporting/notebooks/{notebook}.ipynb" in names
    assert "ipm_analysis/reporting/templates/ipm/index.html.j2" in names
    assert "ipm_analysis/data/ks1_points.csv" in names
    source = installed["source"]  # the checkout as copied
    expected = {
        f"ipm_analysis/{p.relative_to(source).as_posix()}" for p in manifest.code_files(source)
    }
    assert names == expected
    assert manifest.code_fingerprint(source) == installed["fingerprint"]


def test_installed_package_is_the_wheel_with_the_checkouts_fingerprint(installed):
    done = _run(
        installed["python"],
        "-c",
        "import ipm_analysis.pipeline.manifest as m, ipm_analysis.pipeline.resources as r\n"
        "print(m.PACKAGE_ROOT, m.code_fingerprint(), m.git_commit(), "
        "r.report_notebook('impact_report.ipynb'), sep='\\n')",
        cwd=installed["elsewhere"],
    )
    root, fingerprint, commit, notebook = done.stdout.split()
    assert Path(root).is_relative_to(installed["venv"].resolve()), root  # not the checkout
    assert fingerprint == installed["fingerprint"]
    assert commit == "None"  # site-packages is no git checkout
    assert Path(notebook).is_file() and Path(notebook).is_relative_to(root)


def test_wheel_install_builds_every_example_report_from_another_folder(installed):
    out = installed["elsewhere"] / "out"
    ipm = installed["venv"] / "bin" / "ipm"
    args = ("batch", REPO / "params", "--output-dir", out, "--jobs", "1")
    done = _run(ipm, *args, cwd=installed["elsewhere"])
    params = sorted((REPO / "params").glob("*.yaml"))
    assert len(params) >= 4, done.stdout
    for path in params:
        report_id = yaml.safe_load(path.read_text(encoding="utf-8"))["report_id"]
        folder = out / report_id
        assert (folder / "report.html").is_file(), (path.name, done.stdout)
        record = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert record["code_fingerprint"] == installed["fingerprint"], path.name
        assert record["git_commit"] is None
        notebook = Path(record["inputs"]["notebook"]["path"])
        assert notebook.is_relative_to(installed["venv"].resolve()), notebook


def test_installed_package_serves_the_analyst_api_from_another_folder(installed):
    params = REPO / "params" / "ipm_2017_18.yaml"
    code = (
        "from ipm_analysis import load_params, evaluate; "
        f"t = evaluate(load_params({str(params)!r})).tidy(); print(len(t))"
    )
    done = _run(installed["python"], "-c", code, cwd=installed["elsewhere"])
    # 35 roster schools and a comparison pool of 225 (cohort 3, the roster of the params file
    # beside it, kept out), each x 2 years x 4 measures (progress, attainment, the higher
    # standard and the scaled score: the synthetic files hold all four in both years)
    assert int(done.stdout.split()[-1]) == (35 + 225) * 2 * 4 == 2080, done.stdout
