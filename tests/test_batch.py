"""``ipm batch`` end to end: a parallel batch with one failing report, what is skipped and what
is rebuilt when one input byte changes, the manifests, and the index page.

One batch is built once for the module (three reports through real kernels, two at a time);
the other checks reuse it, and most skip/rebuild cases are checked with ``plan``, which
decides without building.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from reports_data import write_report, write_tables

from ipm_analysis.inputs.params import load_params
from ipm_analysis.pipeline import manifest
from ipm_analysis.pipeline.batch import plan
from ipm_analysis.pipeline.resources import report_notebook

from conftest import ipm

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Reports a (schools 1-2) and b (schools 3-4) build; bad reads a table with a bad value."""
    root = tmp_path_factory.mktemp("batch")
    tables = write_tables(root)
    bad = root / "data" / "bad" / "999_ks2final.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        tables["2018"].read_text(encoding="utf-8-sig").replace("-1.0", "minus one"),
        encoding="utf-8-sig",
    )
    write_report(root, "a", ("100001", "100002"), title="Alpha <b>& co</b>")
    write_report(root, "b", ("100003", "100004"))
    write_report(root, "bad", ("100001", "100003"), outcome_table="data/bad/999_ks2final.csv")
    out = root / "out"
    done = ipm("batch", str(root / "params"), "--output-dir", str(out), "--jobs", "2")
    (root / "first_index.html").write_bytes((out / "index.html").read_bytes())
    return root, out, done


def test_failing_report_does_not_stop_the_batch_and_exits_2_for_bad_data(batch):
    _, out, done = batch
    assert done.returncode == 2, done.stderr  # the only failure is bad data the user can fix
    assert "Traceback" not in done.stdout + done.stderr
    for report_id in ("a", "b"):
        assert (out / report_id / "report.html").is_file()
    # bad data: the message names the line and column, so no debugging folder is kept
    assert not (out / "bad").exists() and not (out / "bad.failed").exists()
    table = done.stdout.split("\nparams", 1)[1]
    rows = {line.split()[0].rsplit("/", 1)[-1]: line for line in table.splitlines()[1:4]}
    assert re.search(r"\bbuilt\s+a \(\d+\.\d s\)", rows["a.yaml"])
    assert re.search(r"\bbuilt\s+b \(", rows["b.yaml"])
    # the first line of the error: the file, the line and the bad value
    assert "failed" in rows["bad.yaml"]
    assert "'minus one' is neither a number nor a DfE code" in rows["bad.yaml"]
    assert "2 built, 1 failed, 0 skipped" in table


def test_manifest_records_params_hashes_versions_and_code(batch):
    root, out, _ = batch
    record = json.loads((out / "a" / "manifest.json").read_text(encoding="utf-8"))
    params_path = root / "params" / "a.yaml"
    params = load_params(params_path)
    assert record["params"] == manifest.jsonable(params.to_papermill())
    expected = {
        "params": params_path,
        "roster": root / "a_roster.csv",
        "performance 2017": root / "data" / "2017" / "999_ks2final.csv",
        "performance 2018": root / "data" / "2018" / "999_ks2final.csv",
        # the other rosters beside a.yaml stay out of its comparison pool
        "kept out of the pool 1": root / "b_roster.csv",
        "kept out of the pool 2": root / "bad_roster.csv",
        "notebook": report_notebook("impact_report.ipynb"),
    }
    assert set(record["inputs"]) == set(expected)
    for role, path in expected.items():
        assert record["inputs"][role]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert Path(record["inputs"][role]["path"]) == path.resolve()
    for package in ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert"):
        assert re.match(r"\d+\.\d+", record["packages"][package]), package
    assert record["packages"]["ipm_analysis"]
    assert record["code_fingerprint"] == manifest.code_fingerprint()
    assert record["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", record["git_commit"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["started"])
    assert record["seconds"] > 0


def test_git_commit_is_none_outside_a_git_checkout(tmp_path):
    assert manifest.git_commit.__wrapped__(tmp_path) is None


def test_unchanged_batch_is_skipped_and_one_changed_byte_rebuilds_its_readers(batch):
    root, out, _ = batch
    params = [root / "params" / "a.yaml", root / "params" / "b.yaml"]
    assert [(i.status, i.message) for i in plan(params, out)] == [("skipped", "up to date")] * 2
    assert [i.status for i in plan(params, out, force=True)] == ["queued", "queued"]
    # ipm report skips an up-to-date report too
    done = ipm("report", str(params[0]), "--output-dir", str(out))
    assert done.returncode == 0 and "Up to date" in done.stdout

    roster_b = root / "b_roster.csv"
    roster_b.write_bytes(roster_b.read_bytes().replace(b"School <100004>", b"School <100004!"))
    table_2017 = root / "data" / "2017" / "999_ks2final.csv"
    original = table_2017.read_bytes()
    table_2017.write_bytes(original.replace(b"School 100004", b"School 100005"))
    try:  # a table both read: both out of date, saying why
        assert [(i.status, i.message) for i in plan(params, out)] == [
            ("queued", "performance 2017 changed"),
            ("queued", "roster changed"),
        ]
    finally:
        table_2017.write_bytes(original)
    # b's roster is also the list of schools kept out of a's comparison pool: both rebuild
    assert [(i.status, i.message) for i in plan(params, out)] == [
        ("queued", "kept out of the pool 1 changed"),
        ("queued", "roster changed"),
    ]
    done = ipm("batch", *map(str, params), "--output-dir", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 built, 0 failed, 0 skipped" in done.stdout
    assert "School &lt;100004!" in (out / "b" / "report.html").read_text(encoding="utf-8")

    before = {p: (out / p / "manifest.json").read_bytes() for p in ("a", "b")}
    with params[1].open("a", encoding="utf-8") as handle:  # a byte only b reads
        handle.write("# edited\n")
    done = ipm("batch", *map(str, params), "--output-dir", str(out))
    assert "1 built, 0 failed, 1 skipped" in done.stdout
    assert (out / "a" / "manifest.json").read_bytes() == before["a"]  # a was not rebuilt
    assert (out / "b" / "manifest.json").read_bytes() != before["b"]

    done = ipm("batch", *map(str, params), "--output-dir", str(out))
    assert "0 built, 0 failed, 2 skipped" in done.stdout


def test_params_and_code_changes_make_a_report_stale(batch, monkeypatch):
    root, out, _ = batch
    params = root / "params" / "a.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("n_placebo: 200", "n_placebo: 300"), encoding="utf-8")
    try:
        assert plan([params], out)[0].message == "params changed"
    finally:
        params.write_text(text, encoding="utf-8")
    monkeypatch.setattr(manifest, "code_fingerprint", lambda: "0" * 64)
    assert plan([params], out)[0].message == "workbook code changed"


def test_index_lists_each_report_escaped_with_failed_status(batch):
    root, out, _ = batch
    page = (root / "first_index.html").read_text(encoding="utf-8")  # as the first batch left it
    assert "<script" not in page.lower() and "http" not in page.replace("http-equiv", "")
    assert 'name="viewport"' in page and "overflow-x: auto" in page
    assert '<a href="a/report.html">Alpha &lt;b&gt;&amp; co&lt;/b&gt;</a>' in page
    assert '<a href="b/report.html">Report b</a>' in page
    # a: schools 1 and 2, progress all; changes +1.0 and -0.5: mean +0.25. A t interval needs
    # at least 3 schools (impact.intervals.MIN_SCHOOLS), so two schools show the change alone
    assert "<td>-0.50 to -0.25 (+0.25)</td>" in page
    failed_row = next(line for line in page.splitlines() if ">bad<" in line)
    assert "failed: " in failed_row and "&#x27;minus one&#x27; is neither a number" in failed_row
    assert "bad.failed" not in failed_row  # bad data keeps no notebook to link to
