"""Bad and plausible-but-wrong input, as users really give it, on the real Hampshire and
Surrey files: each ends with exit 2 and one paragraph naming the file (before any kernel
starts), or with a ``warning:`` line when a right report can still be built. Every case runs
the ``ipm`` command as a separate process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, ipm

#: Eight Hampshire schools with progress in 2017 and 2018 (checked against the files).
HAMPSHIRE = ("115976", "116482", "115943", "134945", "115940", "116300", "116286", "115854")


@pytest.fixture
def real(dfe_data, tmp_path):
    """A valid impact params file on the real Hampshire 2017 and 2018 tables; returns a
    function writing a variant (roster text, extra params lines, performance files)."""
    files = {
        2017: dfe_data / "2016-2017" / "850_ks2final.csv",
        2018: dfe_data / "2017-2018" / "850_ks2final.csv",
    }

    def write(
        roster: str | None = None,
        extra: str = "",
        performance: dict[int, Path] | None = None,
        roster_name: str = "roster.csv",
    ) -> Path:
        if roster is not None:
            (tmp_path / roster_name).write_text(roster, encoding="utf-8")
        elif not (tmp_path / roster_name).exists():
            rows = "".join(f"{urn},{1 + i % 2}\n" for i, urn in enumerate(HAMPSHIRE))
            (tmp_path / roster_name).write_text("urn,cohort\n" + rows, encoding="utf-8")
        chosen = performance or files
        lines = "".join(f"  {year}: {path}\n" for year, path in chosen.items())
        params = tmp_path / "params.yaml"
        params.write_text(
            f"report_id: awkward\ntitle: Awkward\nroster: {roster_name}\nperformance:\n{lines}"
            f"baseline_year: 2017\noutcome_year: 2018\nn_placebo: 200\n{extra}",
            encoding="utf-8",
        )
        return params

    write.folder = tmp_path
    write.files = files
    return write


def refused(done, *fragments: str) -> str:
    """Assert exit 2, no traceback, one paragraph holding every fragment; return it."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    message = done.stderr.strip()
    assert message.startswith("ipm: ") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def test_the_valid_real_case_passes_and_is_not_called_synthetic(real):
    done = ipm("validate", str(real()))
    assert done.returncode == 0, done.stderr
    assert "OK (impact report). 8 roster schools, 8 with progress in both years." in done.stdout
    assert "synthetic" not in done.stdout.lower() and not done.stderr


# --- files that are not what they should be -----------------------------------------------


def _roster_bytes(case: str) -> bytes:
    text = "urn,cohort\n" + "".join(f"{u},1\n" for u in HAMPSHIRE)
    return {
        "empty": b"",
        "only a BOM and blank lines": b"\xef\xbb\xbf\n\n",
        "xlsx": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64,
        "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
        "utf-16": text.encode("utf-16"),
        "semicolons": text.replace(",", ";").encode(),
        "tabs": text.replace(",", "\t").encode(),
        "binary": b"urn,cohort\n\x00\x01\x02\x03",
        "latin-1": (text + "115976,Sch\xf4ol\n").encode("latin-1"),
    }[case]


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("empty", "the roster is empty"),
        ("only a BOM and blank lines", "the roster is empty"),
        ("xlsx", "is an Excel workbook (.xlsx), not a CSV file"),
        ("xls", "is an old Excel workbook (.xls)"),
        ("utf-16", "is UTF-16 text"),
        ("semicolons", "separated by semicolons"),
        ("tabs", "separated by tabs"),
        ("binary", "not a text file"),
        ("latin-1", "is not UTF-8 text"),
    ],
)
def test_a_roster_that_is_not_a_csv_file_is_named_with_what_to_do(real, case, says):
    (real.folder / "roster.csv").write_bytes(_roster_bytes(case))
    params = real()
    for command in ("validate", "report"):
        args = (command, str(params))
        if command == "report":
            args += ("--output-dir", str(real.folder / "out"))
        message = refused(ipm(*args), "roster.csv", says, "named by 'roster' (line 3)")
    if case in ("xlsx", "xls", "utf-16", "semicolons", "tabs", "latin-1"):
        assert "Save As" in message and "CSV UTF-8" in message
    assert not (real.folder / "out").exists() or not any((real.folder / "out").iterdir())


def test_missing_misspelt_and_folder_paths(real):
    params = real()
    text = params.read_text()
    params.write_text(text.replace("roster: roster.csv", "roster: rooster.csv"))
    refused(ipm("validate", str(params)), "rooster.csv: the roster does not exist", "Did you mean")
    (real.folder / "rosters").mkdir()
    params.write_text(text.replace("roster: roster.csv", "roster: rosters"))
    refused(ipm("validate", str(params)), "the roster is a folder, not a file")
    refused(ipm("report", str(real.folder)), "'ipm report' takes params files")
    message = refused(ipm("report", str(real.folder / "parms.yaml")), "Did you mean", "params.yaml")
    assert "Relative paths" not in message  # that advice is for files a params file names
    empty = real.folder / "empty"
    empty.mkdir()
    refused(ipm("batch", str(empty)), "holds no params files")


def test_a_truncated_download_is_caught(real):
    whole = real.files[2018].read_bytes()
    cut = real.folder / "850_ks2final_cut.csv"
    cut.write_bytes(whole[: len(whole) // 2])
    params = real(performance={2017: real.files[2017], 2018: cut})
    refused(ipm("validate", str(params)), "850_ks2final_cut.csv, line ", "looks truncated")


def test_the_year_a_file_states_must_match_its_key(real):
    swapped = {2017: real.files[2018], 2018: real.files[2017]}
    message = refused(ipm("validate", str(real(performance=swapped))), "2017-2018/850_ks2final")
    assert "the 2017-18 table (its previous-year columns are for 2017)" in message
    assert "gives it for 2017" in message


def test_the_same_file_for_both_years_is_caught_by_content(real):
    copy = real.folder / "copy_of_2017.csv"
    shutil.copyfile(real.files[2017], copy)
    for second in (copy, real.files[2017]):  # a copy under another name, and the same path
        params = real(performance={2017: real.files[2017], 2018: second})
        refused(ipm("validate", str(params)), "given for 2017 and 2018 have the same content")


def test_an_outcome_file_from_another_la_is_refused(real, dfe_data):
    surrey = dfe_data / "2017-2018" / "936_ks2final.csv"
    params = real(performance={2017: real.files[2017], 2018: surrey})
    refused(ipm("validate", str(params)), "LA 850", "LA 936", "must come from the same LA")


def test_a_roster_none_of_whose_schools_is_in_the_files(real):
    params = real(roster="urn,cohort\n125108,A\n131072,A\n125019,B\n")  # Surrey URNs
    refused(ipm("validate", str(params)), "none of the roster's 3 schools is in")


def test_every_school_withdrawn(real):
    rows = "".join(f"{u},1,withdrawn\n" for u in HAMPSHIRE)
    params = real(roster="urn,cohort,status\n" + rows)
    refused(ipm("validate", str(params)), "every one of the roster's 8 schools is marked withdrawn")


def test_every_school_without_a_figure(real):
    params = real(roster="urn,cohort\n116268,1\n116618,1\n116634,2\n")  # SUPP in both years
    # the real files hold all four measures in both years: none of them counts a school
    refused(
        ipm("validate", str(params)),
        "none of the 3 schools that completed has a progress or attainment or higher standard "
        "or scaled score figure in both years",
        "Their progress figures are: 6 suppressed (small cohort).",
    )


def test_progress_missing_but_attainment_present_is_a_warning(real):
    params = real(roster="urn,cohort\n116322,1\n116268,1\n115976,2\n116482,2\n")
    done = ipm("validate", str(params))
    assert done.returncode == 0, done.stderr
    assert "warning:" not in done.stderr  # two schools do have progress in both years
    params = real(roster="urn,cohort\n116322,1\n116268,1\n")
    done = ipm("validate", str(params))
    assert done.returncode == 0, done.stderr
    assert "warning: no school that completed has a progress score in both years" in done.stderr


def test_one_school_under_its_old_and_new_urn(real):
    # Gomer Junior converted to an academy: 116181 in 2017, 144093 in 2018
    params = real(roster="urn,cohort\n115976,1\n116181,1\n116482,2\n144093,2\n")
    refused(
        ipm("validate", str(params)),
        "URN 116181 (line 3) and URN 144093 (line 5) are the same school",
        "both lead to URN",
    )


def test_roster_headers_as_spreadsheets_write_them(real):
    rows = "".join(f"{u},{1 + i % 2},School {i},yes\n" for i, u in enumerate(HAMPSHIRE))
    params = real(roster="URN,Cohort,School Name,TLA package\n" + rows)
    done = ipm("validate", str(params))
    assert done.returncode == 0, done.stderr
    # 'School Name' is school_name; 'TLA package' is not read, and the user is told
    assert done.stderr.count("warning:") == 1
    assert "column 'tla_package' that the workbook does not read" in done.stderr
    assert "Did you mean 'tla'?" in done.stderr


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("threshold: .nan\n", "'threshold' (line 10) must be a number such as -2.0 (got nan)"),
        ("synthetic: 'false'\n", "'synthetic' (line 10) is not a parameter"),
        ("suppress: 'false'\n", "'suppress' (line 10) must be true or false, without quotes"),
        ("min_n: three\n", "'min_n' (line 10) must be a whole number"),
        ("basline_year: 2017\n", "did you mean 'baseline_year'?"),
        ("pupils: x.csv\n", "this file is a focus report for one school (it has 'pupils')"),
    ],
)
def test_params_values_are_type_checked(real, extra, says):
    refused(ipm("validate", str(real(extra=extra))), "params.yaml", says)


def test_a_copied_example_params_file_on_real_data_is_not_synthetic(real):
    example = (REPO / "params" / "ipm_2017_18.yaml").read_text(encoding="utf-8")
    assert "919_ks2final_synthetic.csv" in example
    real()  # writes the roster
    params = real.folder / "copied.yaml"
    params.write_text(
        example.replace(
            "../examples/data/2016-2017/919_ks2final_synthetic.csv", str(real.files[2017])
        )
        .replace("../examples/data/2017-2018/919_ks2final_synthetic.csv", str(real.files[2018]))
        .replace("../examples/rosters/ipm_2017_18_roster.csv", "roster.csv")
        .replace("cohorts: [1, 2]", "cohorts: ['1', '2']"),
        encoding="utf-8",
    )
    from ipm_analysis.inputs.params import load_params

    assert load_params(params).synthetic is False
    assert load_params(REPO / "params" / "ipm_2017_18.yaml").synthetic is True
    renamed = real.folder / "850_ks2final_synthetic.csv"  # a name proves nothing
    shutil.copyfile(real.files[2018], renamed)
    assert load_params(real(performance={2017: real.files[2017], 2018: renamed})).synthetic is False


def test_a_report_folder_holding_another_params_files_report_is_kept(real):
    params = real()
    other = real.folder / "out" / "awkward"
    other.mkdir(parents=True)
    record = {"format": 1, "inputs": {"params": {"path": "/elsewhere/other.yaml"}}}
    (other / "manifest.json").write_text(json.dumps(record), encoding="utf-8")
    done = ipm("report", str(params), "--output-dir", str(real.folder / "out"))
    refused(done, "holds the report built from another params file, /elsewhere/other.yaml")
    assert json.loads((other / "manifest.json").read_text())["inputs"]["params"]["path"] == (
        "/elsewhere/other.yaml"
    )


def test_two_params_files_with_one_report_id_in_a_batch(real):
    first = real()
    second = real.folder / "second.yaml"
    second.write_text(first.read_text(), encoding="utf-8")
    done = ipm("batch", str(first), str(second), "--output-dir", str(real.folder / "out"))
    refused(done, "its report_id 'awkward' is also the report_id of", "--force")
    # the same file named twice (directly and through its folder) is simply built once
    from ipm_analysis.pipeline.batch import find_params

    assert find_params([first, real.folder]) == [first, second]


def test_dask_scheduler_address_is_checked_before_anything_runs(real):
    done = ipm("batch", str(real()), "--dask-scheduler", "scheduler:8786")
    refused(done, "--dask-scheduler must look like tcp://HOST:PORT")


def test_an_unknown_command_or_flag_is_a_usage_message(real):
    for args in (("reprot", "x.yaml"), ("report", "--pfd", str(real()))):
        done = ipm(*args)
        assert done.returncode == 2 and "usage: ipm" in done.stderr
        assert "Traceback" not in done.stderr


# --- found by a review with inputs the team had not seen --------------------------------


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (
            "subject: maths\nsubject: reading\n",
            "line 11: 'subject' is given twice (also on line 10)",
        ),
        (
            "provisional_years: 2018\n",
            "'provisional_years' (line 10) must be a list, such as [2018]",
        ),
        ("notes: one sentence\n", "'notes' (line 10) must be a list"),
    ],
)
def test_repeated_keys_and_single_values_where_lists_belong(real, extra, says):
    refused(ipm("validate", str(real(extra=extra))), "params.yaml", says)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("title: IPM: Hampshire", "must be in quotes: title: 'IPM: 2018'"),
        ('roster: "C:\\Users\\me\\roster.csv"', "put it in single quotes"),
    ],
)
def test_yaml_mistakes_get_the_advice_that_fits(real, line, says):
    params = real()
    key = line.split(":")[0]
    lines = [line if row.startswith(f"{key}:") else row for row in params.read_text().splitlines()]
    params.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused(ipm("validate", str(params)), "params.yaml, line", says)


def test_pupil_weighting_needs_the_telig_column(real):
    without = real.folder / "2018_no_telig.csv"
    lines = real.files[2018].read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    drop = header.index("TELIG")
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    kept = [[c for i, c in enumerate(r) if i != drop] for r in rows]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(kept)
    without.write_text(buffer.getvalue(), encoding="utf-8")
    params = real(performance={2017: real.files[2017], 2018: without}, extra="weighting: pupils\n")
    refused(ipm("validate", str(params)), "2018_no_telig.csv", "'TELIG'")


def test_a_header_only_or_compressed_table_stops_before_a_kernel(real):
    import gzip

    header_only = real.folder / "header_only.csv"
    header_only.write_text(
        real.files[2018].read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8"
    )
    zipped = real.folder / "850_ks2final.csv.gz"
    zipped.write_bytes(gzip.compress(real.files[2018].read_bytes()))
    out = real.folder / "out"
    for table, says in ((header_only, "a header but no rows"), (zipped, "compressed (gzip)")):
        params = real(performance={2017: real.files[2017], 2018: table})
        refused(ipm("validate", str(params)), table.name, says)
        refused(ipm("report", str(params), "--output-dir", str(out)), table.name, says)
    assert not out.exists() or not any(out.iterdir())  # no kernel ran: nothing kept


def test_roster_oddities_from_spreadsheets(real):
    rows = "".join(f"{u},1\n" for u in HAMPSHIRE)
    done = ipm("validate", str(real(roster="urn,cohort\n" + rows + ",\n,\n")))
    assert done.returncode == 0 and not done.stderr, done.stderr  # Excel's empty rows
    params = real(roster=real.files[2017].read_text(encoding="utf-8-sig"))
    refused(ipm("validate", str(params)), "a DfE KS2 performance table, not a roster")


def test_jobs_must_be_one_or_more(real):
    done = ipm("batch", str(real()), "--jobs", "0")
    assert done.returncode == 2 and "--jobs: must be 1 or more, not 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_copied_example_on_real_data_is_not_called_synthetic_by_ipm(real):
    params = real()
    done = ipm("validate", str(params))
    assert done.returncode == 0 and "(synthetic example data)" not in done.stdout
    done = ipm("validate", str(REPO / "params" / "ipm_2017_18.yaml"))
    assert done.returncode == 0 and "(synthetic example data)" in done.stdout


@pytest.mark.parametrize("name_like", ["Oliver", "OLIVER SMITH", '"Smith, J"', "oliver.smith"])
def test_name_like_pupil_ids_are_refused_by_ipm(tmp_path, name_like):
    pupils = (REPO / "examples" / "focus" / "synthetic_school_july.csv").read_text()
    first = pupils.splitlines()[1].split(",")[0]
    (tmp_path / "july.csv").write_text(pupils.replace(first, name_like, 1), encoding="utf-8")
    params = tmp_path / "focus.yaml"
    params.write_text(
        "report_id: names\ntitle: Names\npupils: july.csv\nurn: '999901'\n"
        f"pag_table: {REPO}/examples/focus/synthetic_pag_2019.csv\nks2_year: 2019\n"
        "window: july\n",
        encoding="utf-8",
    )
    shown = name_like.strip('"')
    for command in ("validate", "report"):
        refused(ipm(command, str(params)), "july.csv, line 2, column 'pupil_id'", repr(shown))


@pytest.mark.e2e
def test_a_formula_school_name_reaches_schools_csv_as_text(real):
    rows = "".join(f"{u},1\n" for u in HAMPSHIRE[1:])
    roster = 'urn,cohort,school_name\n115976,1,"=HYPERLINK(""http://x"",""y"")"\n' + rows
    params = real(roster=roster)
    out = real.folder / "out"
    done = ipm("report", str(params), "--output-dir", str(out))
    assert done.returncode == 0, done.stderr
    import csv

    with (out / "awkward" / "schools.csv").open(encoding="utf-8", newline="") as handle:
        names = {row["urn"]: row["school_name"] for row in csv.DictReader(handle)}
    assert names["115976"] == '\'=HYPERLINK("http://x","y")'
