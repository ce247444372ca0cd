"""The index page from report folders alone (no kernel): intervals, failed runs, order."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ipm_analysis.pipeline.index import headline_change, index_rows, write_index


def report_folder(out: Path, report_id: str, started: str, summary: str, **info: str) -> Path:
    folder = out / report_id
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<p>report</p>", encoding="utf-8")
    (folder / "summary.csv").write_text(summary, encoding="utf-8")
    (folder / "report_info.json").write_text(json.dumps(info), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"started": started}), encoding="utf-8")
    return folder


SUMMARY = (
    "measure,estimate,group,population,n_schools,baseline,outcome,change\n"
    "progress,change,all,itt,35,-0.97,-0.37,0.6\n"
)
WITH_CI = (
    "measure,estimate,group,population,n_schools,baseline,outcome,change,ci_low,ci_high\n"
    "progress,change,all,itt,35,-0.97,-0.37,0.6,0.105,1.1\n"
    "progress,change,la,,,-0.3,-0.4,-0.1,,\n"
)


def test_headline_shows_the_interval_only_when_the_summary_has_one(tmp_path):
    (tmp_path / "a.csv").write_text(SUMMARY, encoding="utf-8")
    (tmp_path / "b.csv").write_text(WITH_CI, encoding="utf-8")
    assert headline_change(tmp_path / "a.csv") == "-0.97 to -0.37 (+0.60)"
    assert headline_change(tmp_path / "b.csv") == "-0.97 to -0.37 (+0.60, 95% CI +0.11 to +1.10)"
    assert headline_change(tmp_path / "missing.csv") == ""


def test_index_newest_first_escaped_and_failed(tmp_path):
    out = tmp_path / "out"
    report_folder(
        out,
        "old",
        "2026-01-01T10:00:00+00:00",
        SUMMARY,
        title="Old & <i>first</i>",
        years="2016-17 to 2017-18",
        subject="maths",
        schools="35 of 35",
    )
    report_folder(out, "new", "2026-06-01T10:00:00+00:00", WITH_CI, title="New")
    failed = out / "broken.failed"
    failed.mkdir()
    (failed / "report.ipynb").write_text("{}", encoding="utf-8")
    os.utime(failed, (2e9, 2e9))  # 2033: the newest
    rows = index_rows(out)
    assert [r.report_id for r in rows] == ["broken", "new", "old"]
    assert rows[0].status.startswith("failed") and rows[0].link == "broken.failed/report.ipynb"
    page = write_index(out).read_text(encoding="utf-8")
    assert "Old &amp; &lt;i&gt;first&lt;/i&gt;" in page and "<i>" not in page
    assert "95% CI +0.11 to +1.10" in page and "2016-17 to 2017-18" in page
    assert page.index(">New<") < page.index("Old &amp;")
    assert "<script" not in page and "src=" not in page
