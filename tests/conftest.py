"""Shared fixtures: small made-up DfE tables whose figures can be checked by hand, and the
real DfE files (read from IPM_DFE_DATA, never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]


def ipm(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    """The ``ipm`` command as a user runs it: a separate process, output captured."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "ipm_analysis.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env} if env else None,
    )


TABLE_COLUMNS = [
    "RECTYPE",
    "LEA",
    "URN",
    "SCHNAME",
    "URN_AC",
    "NFTYPE",
    "TELIG",
    "MATPROG",
    "MATPROG_LOWER",
    "MATPROG_UPPER",
    "MATCOV",
    "PTMAT_EXP",
    "READPROG",
    "READPROG_LOWER",
    "READPROG_UPPER",
    "READCOV",
    "PTREAD_EXP",
    "WRITPROG",
    "WRITPROG_LOWER",
    "WRITPROG_UPPER",
    "WRITCOV",
    "PTWRITTA_EXP",
]


def write_table(path: Path, rows: list[dict[str, str]]) -> Path:
    """A DfE-format CSV (UTF-8 with BOM, all text); unspecified cells are blank."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(TABLE_COLUMNS)]
    for row in rows:
        lines.append(",".join(str(row.get(c, "")) for c in TABLE_COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def write_roster(path: Path, urns: list[str], withdrawn: int) -> Path:
    """A roster of real URNs: cohorts 1 and 2 alternating, TLA for two schools in three, the
    school at position ``withdrawn`` withdrawn."""
    lines = ["urn,cohort,tla,status"]
    lines += [
        f"{u},{1 + i % 2},{'yes' if i % 3 else 'no'},"
        f"{'withdrawn' if i == withdrawn else 'completed'}"
        for i, u in enumerate(urns)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def school(urn: str, progress: str, attainment: str, **extra: str) -> dict[str, str]:
    row = {
        "RECTYPE": "1",
        "LEA": "999",
        "URN": urn,
        "SCHNAME": f"School {urn}",
        "URN_AC": "0",
        "TELIG": "30",
        "MATPROG": progress,
        "MATCOV": "100%",
        "PTMAT_EXP": attainment,
    }
    row.update(extra)
    return row


def la(progress: str, attainment: str) -> dict[str, str]:
    return {
        "RECTYPE": "3",
        "LEA": "999",
        "SCHNAME": "Made-up LA",
        "MATPROG": progress,
        "PTMAT_EXP": attainment,
        "TELIG": "1000",
        "MATCOV": "95%",
    }


@pytest.fixture
def made_up(tmp_path: Path) -> dict[str, Path]:
    """Two years of a five-school LA plus a roster, small enough to check by hand.

    Roster: 100001 (cohort 1, TLA) -2.0 -> -1.0; 100002 (cohort 1, no TLA) -3.0 -> 0.0;
    100003 (cohort 2, TLA) 1.0 -> 0.5; 100004 (cohort 2, no TLA) SUPP in 2018 (progress
    unpaired, attainment paired); 100005 withdrawn; 100006 converted to 200006 in 2018.
    """
    y1 = write_table(
        tmp_path / "2017.csv",
        [
            school("100001", "-2.0", "60%", TELIG="20"),
            school("100002", "-3.0", "70%", TELIG="40"),
            school("100003", "1.0", "80%"),
            school("100004", "-1.0", "75%"),
            school("100005", "-4.0", "50%"),
            school("100006", "-2.5", "65%", URN_AC="200006"),
            school("100007", "0.5", "77%"),
            la("-0.3", "77%"),
            {"RECTYPE": "4", "PTMAT_EXP": "75%"},
            {"RECTYPE": "5", "PTMAT_EXP": "76%"},
        ],
    )
    y2 = write_table(
        tmp_path / "2018.csv",
        [
            school("100001", "-1.0", "70%", TELIG="25"),
            school("100002", "0.0", "72%", TELIG="35"),
            school("100003", "0.5", "85%"),
            school("100004", "SUPP", "80%"),
            school("100005", "2.0", "90%"),
            school("200006", "-0.5", "68%"),
            school("100007", "1.5", "79%"),
            la("-0.4", "76.8%"),
            {"RECTYPE": "5", "PTMAT_EXP": "75%"},
        ],
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "URN,Cohort,School_Name,TLA,Visits,Status\n"
        "100001,1,Alpha,yes,5,\n"
        "100002,1,Beta,no,5,completed\n"
        "100003,2,Gamma,true,3,\n"
        "100004,2,Delta,0,3,\n"
        "100005,2,Epsilon,no,1,withdrawn\n"
        "100006,1,Zeta,1,5,\n",
        encoding="utf-8",
    )
    params = tmp_path / "params.yaml"
    params.write_text(
        "report_id: made-up\n"
        "title: Made-up project\n"
        "roster: roster.csv\n"
        "performance:\n  2017: 2017.csv\n  2018: 2018.csv\n"
        "baseline_year: 2017\noutcome_year: 2018\n"
        "n_placebo: 1000\n"
        "min_n: 1\n",  # groups of 1-2 schools: definitions are pinned unsuppressed
        encoding="utf-8",
    )
    return {"2017": y1, "2018": y2, "roster": roster, "params": params, "dir": tmp_path}


@pytest.fixture(scope="session")
def dfe_data() -> Path:
    """The real DfE KS2 files: skip (with a message) when IPM_DFE_DATA is unset, fail when it
    is set but the folder is missing."""
    value = os.environ.get("IPM_DFE_DATA")
    if not value:
        pytest.skip("IPM_DFE_DATA is not set: real DfE KS2 files not available")
    path = Path(value)
    if not (path / "2016-2017" / "936_ks2final.csv").is_file():
        pytest.fail(f"IPM_DFE_DATA={value} is set but holds no DfE KS2 files")
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


#: The made-up two-report batch of the browser tests: (urn, name, 2017, 2018, 2019 progress).
#: Names include markup that must be shown as text.
EXAMPLE_SCHOOLS = [
    ("100001", "<b>Bold</b> & <script>", "-2.4", "-1.1", "-0.5"),
    ("100002", "Alder Primary", "-3.1", "-0.6", "0.2"),
    ("100003", "Birch Juniors", "0.8", "1.3", "1.0"),
    ("100004", "Cedar CE Primary", "-1.2", "-1.45", "-2.1"),
    ("100005", "Damson Lane", "-0.5", "0.4", "0.9"),
    ("100006", "Elm Tree", "-4.2", "-2.3", "-1.2"),
    ("100007", "Fir Bank", "1.7", "0.9", "1.4"),
    ("100008", "Gorse Hill", "-2.2", "-1.9", "-0.3"),
    ("100009", "Hazel Grove", "-0.9", "-1.4", "0.6"),
    ("100010", "Ivy Road", "0.3", "-0.2", "0.75"),
    ("100011", "Juniper Way", "-1.8", "-2.0", "-1.0"),
]


def write_example_batch(folder: Path) -> list[Path]:
    """Three years of a made-up LA and two params files (2017-18 cohorts 1 and 2 with TLA,
    one group below min_n; 2018-19 cohort 3 with a withdrawal). Returns the params files."""
    la_rows = {"2017": la("-0.3", "77%"), "2018": la("-0.4", "76.8%"), "2019": la("0.1", "78%")}
    for position, year in enumerate(("2017", "2018", "2019")):
        rows = [
            school(urn, progress[position], f"{60 + i * 3 + position}%", SCHNAME=name)
            for i, (urn, name, *progress) in enumerate(EXAMPLE_SCHOOLS)
        ]
        rows += [la_rows[year], {"RECTYPE": "5", "PTMAT_EXP": "75%"}]
        write_table(folder / f"{year}.csv", rows)
    (folder / "roster_a.csv").write_text(
        "urn,cohort,school_name,tla,visits\n"
        '100001,1,"<b>Bold</b> & <script>",yes,5\n100002,1,Alder Primary,no,5\n'
        "100003,1,Birch Juniors,no,5\n100004,1,Cedar CE Primary,no,5\n"
        "100005,2,Damson Lane,yes,3\n100006,2,Elm Tree,no,3\n100007,2,Fir Bank,no,3\n",
        encoding="utf-8",
    )
    (folder / "roster_b.csv").write_text(
        "urn,cohort,school_name,status\n100008,3,Gorse Hill,\n100009,3,Hazel Grove,\n"
        "100010,3,Ivy Road,\n100011,3,Juniper Way,withdrawn\n",
        encoding="utf-8",
    )
    a = folder / "example_a.yaml"
    a.write_text(
        "report_id: example-a\n"
        "title: 'Made-up project 2017-18: cohorts 1 and 2'\n"
        "roster: roster_a.csv\n"
        "performance: {2017: 2017.csv, 2018: 2018.csv}\n"
        "baseline_year: 2017\noutcome_year: 2018\nprovisional_years: [2018]\n"
        "comparators: [{label: Statistical neighbours, values: {2017: -0.7}}]\n"
        "n_placebo: 200\n",
        encoding="utf-8",
    )
    b = folder / "example_b.yaml"
    b.write_text(
        "report_id: example-b\n"
        "title: 'Made-up project 2018-19: cohort 3'\n"
        "roster: roster_b.csv\n"
        "performance: {2018: 2018.csv, 2019: 2019.csv}\n"
        "baseline_year: 2018\noutcome_year: 2019\nn_placebo: 200\n",
        encoding="utf-8",
    )
    return [a, b]
