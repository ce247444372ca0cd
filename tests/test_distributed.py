"""Dask distributed runs: a real LocalCluster (worker processes, loopback only) builds two
made-up reports that match the locally built ones byte for byte (figures aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from reports_data import write_report, write_tables

from ipm_analysis.pipeline.batch import run_batch

from conftest import REPO

pytestmark = [pytest.mark.dask, pytest.mark.e2e]


def normalised_html(path: Path) -> str:
    """report.html with embedded images and any time stamps blanked."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,", text)
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:\d\d)?", "TIME", text)


def test_local_cluster_reports_match_local_ones(tmp_path):
    distributed = pytest.importorskip("distributed")
    write_tables(tmp_path)
    params = [
        write_report(tmp_path, "one", ("100001", "100002", "100003")),
        write_report(tmp_path, "two", ("100002", "100004"), title="Two <&>"),
        REPO / "params" / "focus_example.yaml",  # a focus report travels as a focus job
    ]
    assert run_batch(params, tmp_path / "local", jobs=1) == 0
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        code = run_batch(params, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert code == 0
    for report_id in ("one", "two"):
        local, remote = tmp_path / "local" / report_id, tmp_path / "dask" / report_id
        for name in ("summary.csv", "schools.csv", "report_info.json"):
            assert (local / name).read_bytes() == (remote / name).read_bytes(), name
        assert normalised_html(local / "report.html") == normalised_html(remote / "report.html")
        assert sorted(p.name for p in (remote / "figures").iterdir()) == sorted(
            p.name for p in (local / "figures").iterdir()
        )
        # the manifest is written here, from the local files, so skipping works after it
        assert '"built_on": "dask"' in (remote / "manifest.json").read_text(encoding="utf-8")
    focus = "focus-synthetic-999901-july"
    for name in ("pupils.csv", "school.csv", "termly.csv", "focus_changes.csv"):
        local, remote = tmp_path / "local" / focus / name, tmp_path / "dask" / focus / name
        assert local.read_bytes() == remote.read_bytes(), name
    assert "Two &lt;&amp;&gt;" in (tmp_path / "dask" / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "dask").iterdir() if p.name.startswith(".")] == []


def test_bad_scheduler_address_is_bad_input(tmp_path):
    from ipm_analysis.core.errors import InputError
    from ipm_analysis.pipeline.distributed import connect

    with pytest.raises(InputError, match="tcp://HOST:PORT"):
        connect("127.0.0.1")


def test_missing_dask_gives_a_clear_error_before_anything_runs(tmp_path):
    """As a user without the dask extra meets it: a separate ipm process in which importing
    distributed fails."""
    import os

    from conftest import ipm

    fake = tmp_path / "no_dask"
    fake.mkdir()
    (fake / "distributed.py").write_text("raise ImportError('not installed')\n")
    write_tables(tmp_path)
    params = write_report(tmp_path, "one", ("100001", "100002"))
    path = os.pathsep.join(filter(None, [str(fake), os.environ.get("PYTHONPATH")]))
    out = tmp_path / "out"
    done = ipm(
        "batch",
        str(params),
        "--dask-scheduler",
        "tcp://127.0.0.1:8786",
        "--output-dir",
        str(out),
        env={"PYTHONPATH": path},
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "pip install 'ipm-analysis[dask]'" in done.stderr
    assert not out.exists()  # nothing built, no folder made
