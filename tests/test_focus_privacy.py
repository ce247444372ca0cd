"""The privacy scan reads its column lists from the pupil files and the school report, so a
column added there is scanned without editing the scan."""

from __future__ import annotations

import pytest

from ipm_analysis.focus import privacy
from ipm_analysis.focus import report as focus_report
from ipm_analysis.focus.pupils import ALLOWED_COLUMNS, FLAG_COLUMNS, KS1_COLUMNS

from conftest import REPO

INPUT = "pupil_id,urn,window,ks1_reading,ks1_writing,ks1_maths,ks2_maths,send,eal\n"


def _inputs(tmp_path, header=INPUT, row="P07,999901,july,2b,2a,3,104,yes,no\n"):
    path = tmp_path / "pupils.csv"
    path.write_text(header + row, encoding="utf-8")
    return [path]


def _output(tmp_path, text):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "table.csv").write_text(text, encoding="utf-8")
    return out


def test_every_pupil_file_column_not_shown_is_private():
    private = [c for c in ALLOWED_COLUMNS if c not in privacy.SHOWN_INPUT_COLUMNS]
    assert set(private) == {*KS1_COLUMNS, *FLAG_COLUMNS}


def test_a_private_input_next_to_its_pupil_is_found(tmp_path):
    out = _output(tmp_path, "pupil_id,group\nP07,2a\n")
    assert privacy.scan_outputs(out, _inputs(tmp_path)) == ["table.csv: '2a' next to pupil P07"]


def test_a_new_input_column_is_private_by_default(tmp_path):
    inputs = _inputs(tmp_path, "pupil_id,ks2_maths,new_flag\n", "P07,104,secret\n")
    out = _output(tmp_path, "pupil_id,new_flag\nP07,secret\n")
    assert privacy.scan_outputs(out, inputs) == [
        "table.csv: column 'new_flag' is pupil-level input",
        "table.csv: 'secret' next to pupil P07",
    ]


def test_pupil_level_columns_are_the_school_reports_pupil_columns():
    assert privacy.pupil_level_columns() == tuple(
        c for c in focus_report.PUPIL_COLUMNS if c not in focus_report.SCHOOL_COLUMNS
    )
    assert "progress" not in privacy.pupil_level_columns()  # also a school figure
    assert {"pupil_id", "capped_progress", "points_needed"} <= set(privacy.pupil_level_columns())


def test_a_column_added_to_the_reports_pupil_columns_is_scanned(tmp_path, monkeypatch):
    out = _output(tmp_path, "urn,window,progress,new_pupil_figure\n999901,july,0.5,1\n")
    assert privacy.scan_outputs(out, _inputs(tmp_path), pupil_rows=False) == []
    added = (*focus_report.PUPIL_COLUMNS, "new_pupil_figure")
    monkeypatch.setattr(focus_report, "PUPIL_COLUMNS", added)
    assert privacy.scan_outputs(out, _inputs(tmp_path), pupil_rows=False) == [
        "table.csv: column 'new_pupil_figure' is pupil-level"
    ]


def test_the_pipeline_refuses_to_publish_a_focus_report_that_leaks(tmp_path):
    """check_privacy runs on every focus report before it is published (runner and Dask)."""
    from ipm_analysis.core.errors import ReportError
    from ipm_analysis.pipeline.runner import check_privacy

    pupils = REPO / "examples" / "focus" / "synthetic_school_july.csv"
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "school.csv").write_text("urn,n_pupils\n999901,29\n", encoding="utf-8")
    check_privacy("focus", {"pupils": str(pupils)}, clean)  # nothing private: no error
    check_privacy("focus_programme", {"schools": {"999901": str(pupils)}}, clean)

    leaked = tmp_path / "leaked"
    leaked.mkdir()
    (leaked / "pupils.csv").write_text("pupil_id,ks1_maths\nSYN-P01,2b\n", encoding="utf-8")
    with pytest.raises(ReportError, match="privacy check found pupil-level data"):
        check_privacy("focus", {"pupils": str(pupils)}, leaked)
    with pytest.raises(ReportError, match="privacy check"):  # a programme shows no pupil id
        check_privacy("focus_programme", {"schools": {"999901": str(pupils)}}, leaked)
