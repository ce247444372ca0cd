"""The command matrix: every subcommand x every kind of params file x {valid, missing input
file, bad YAML, unknown key, unwritable output}, each run as a user runs it (a separate
``ipm`` process). Failures must stop before a kernel starts, with exit 2 and one paragraph
naming the file; the valid cases build (or find up to date) a real report."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, ipm

EXAMPLES = REPO / "examples"
COMMANDS = ("report", "focus", "validate", "batch")
KINDS = ("impact", "focus", "focus_programme")


def params_text(kind: str) -> str:
    """A params file of ``kind`` on the shipped synthetic examples (absolute paths)."""
    if kind == "impact":
        return (
            "report_id: matrix-impact\ntitle: Matrix impact\n"
            f"roster: {EXAMPLES}/rosters/ipm_2017_18_roster.csv\n"
            "performance:\n"
            f"  2017: {EXAMPLES}/data/2016-2017/919_ks2final_synthetic.csv\n"
            f"  2018: {EXAMPLES}/data/2017-2018/919_ks2final_synthetic.csv\n"
            "baseline_year: 2017\noutcome_year: 2018\ncohorts: [1, 2]\nn_placebo: 200\n"
        )
    pag = f"pag_table: {EXAMPLES}/focus/synthetic_pag_2019.csv\nks2_year: 2019\nwindow: july\n"
    if kind == "focus":
        return (
            "report_id: matrix-focus\ntitle: Matrix focus\n"
            f"pupils: {EXAMPLES}/focus/synthetic_school_july.csv\nurn: '999901'\n" + pag
        )
    return (
        "report_id: matrix-programme\ntitle: Matrix programme\nschools:\n"
        f"  '999902': {EXAMPLES}/focus/synthetic_programme_999902.csv\n"
        f"  '999903': {EXAMPLES}/focus/synthetic_programme_999903.csv\n" + pag
    )


MISSING_FILE = {
    "impact": ("ipm_2017_18_roster.csv", "ipm_2017_18_rostr.csv"),
    "focus": ("synthetic_school_july.csv", "synthetic_school_jully.csv"),
    "focus_programme": ("synthetic_pag_2019.csv", "synthetic_pag_2109.csv"),
}


def case_params(folder: Path, kind: str, case: str) -> Path:
    text = params_text(kind)
    if case == "missing input file":
        text = text.replace(*MISSING_FILE[kind])
    elif case == "bad YAML":
        text = text.replace("title: Matrix", "title: [Matrix", 1)
    elif case == "unknown key":
        text += "colour: red\n"
    path = folder / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(command: str, params: Path, output_dir: Path | None) -> object:
    args = [command, str(params)]
    if output_dir is not None:
        args += ["--output-dir", str(output_dir)]
    if command == "batch":
        args += ["--jobs", "1"]
    return ipm(*args)


def assert_one_paragraph_naming(done, name: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    message = done.stderr.strip()
    assert message.startswith("ipm: ") and "\n" not in message, message
    assert name in message, message


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", ("missing input file", "bad YAML", "unknown key"))
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_input_exits_2_before_a_kernel_with_one_paragraph(tmp_path, command, kind, case):
    params = case_params(tmp_path, kind, case)
    out = tmp_path / "out"
    done = run(command, params, None if command == "validate" else out)
    named = {
        "missing input file": MISSING_FILE[kind][1],
        "bad YAML": "it began on line 2",
        "unknown key": "'colour' (line ",
    }[case]
    assert_one_paragraph_naming(done, named)
    assert not out.exists() or not any(out.iterdir())  # nothing built, nothing half-built


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ("report", "focus", "batch"))
def test_unwritable_output_folder_exits_2(tmp_path, command, kind):
    params = case_params(tmp_path, kind, "valid")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    assert_one_paragraph_naming(run(command, params, blocker), "a-file")
    assert_one_paragraph_naming(run(command, params, blocker / "below"), "below")


@pytest.mark.parametrize("kind", KINDS)
def test_validate_takes_no_output_folder(tmp_path, kind):
    done = ipm("validate", str(case_params(tmp_path, kind, "valid")), "--output-dir", "x")
    assert done.returncode == 2 and "unrecognized arguments: --output-dir" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("kind", KINDS)
def test_valid_params_of_every_kind_work_with_every_command(tmp_path, kind):
    params = case_params(tmp_path, kind, "valid")
    out = tmp_path / "out"
    report_id = {"impact": "matrix-impact", "focus": "matrix-focus"}.get(kind, "matrix-programme")

    done = run("validate", params, None)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    label = {"impact": "impact report", "focus": "focus report, one school"}
    assert f"OK ({label.get(kind, 'focus report, programme')})" in done.stdout

    done = run("report", params, out)  # builds, in a real kernel
    assert done.returncode == 0, done.stderr
    assert f"Report written to {out / report_id / 'report.html'}" in done.stdout
    html = (out / report_id / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html  # every input is a shipped example file

    done = ipm("focus", str(params), "--output-dir", str(out), "--force")  # the alias builds
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert f"Report written to {out / report_id / 'report.html'}" in done.stdout
    done = run("batch", params, out)  # and the batch finds it up to date
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    assert "1 skipped" in done.stdout and (out / "index.html").is_file()


def test_no_suppress_is_refused_for_focus_reports_in_one_line(tmp_path):
    params = case_params(tmp_path, "focus", "valid")
    for command in ("report", "batch"):
        done = ipm(command, str(params), "--no-suppress", "--output-dir", str(tmp_path / "o"))
        assert_one_paragraph_naming(done, "--no-suppress applies to impact reports only")
