"""--pdf without a browser, and a PDF that fails: clear messages, earlier report untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipm_analysis.core.errors import MissingToolError
from ipm_analysis.pipeline.pdf import find_chromium, page_templates
from ipm_analysis.pipeline.runner import run_report

from conftest import ipm


def test_find_chromium_honours_ipm_chromium(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("IPM_CHROMIUM", str(fake))
    assert find_chromium() == fake
    monkeypatch.setenv("IPM_CHROMIUM", str(tmp_path / "missing"))
    with pytest.raises(MissingToolError, match="apt-get install chromium"):
        find_chromium()


def test_no_chromium_on_path_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("IPM_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingToolError) as err:
        find_chromium()
    assert "pip install '.[browser]'" in str(err.value)
    assert "apt-get install chromium" in str(err.value)


def test_cli_pdf_without_browser_exits_2_before_building(made_up, tmp_path):
    out = tmp_path / "out"
    for command in ("report", "batch"):
        done = ipm(
            command,
            str(made_up["params"]),
            "--pdf",
            "--output-dir",
            str(out),
            env={"IPM_CHROMIUM": str(tmp_path / "no-such-chromium")},
        )
        assert done.returncode == 2, command  # the user can fix it: install the browser
        assert "Traceback" not in done.stderr
        assert "apt-get install chromium" in done.stderr, done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_header_and_footer_hold_the_escaped_title_and_page_numbers():
    header, footer = page_templates("Cohort <1> & 2")
    assert "Cohort &lt;1&gt; &amp; 2" in header and "<1>" not in header
    assert '<span class="pageNumber"></span> of <span class="totalPages"></span>' in footer


@pytest.mark.e2e
def test_failed_pdf_keeps_the_earlier_report(made_up, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = run_report(made_up["params"], out)
    before = (first.folder / "report.html").read_bytes()
    broken = tmp_path / "broken-chromium"
    broken.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setenv("IPM_CHROMIUM", str(broken))
    with pytest.raises(Exception, match="report failed") as err:
        run_report(made_up["params"], out, pdf=True)
    assert "made-up.failed" in str(err.value)
    assert (first.folder / "report.html").read_bytes() == before
    assert not (first.folder / "report.pdf").exists()
    assert (out / "made-up.failed" / "report.html").is_file()
    assert not [p for p in Path(out).iterdir() if ".building-" in p.name]
