"""The shipped synthetic example data: reproducible byte for byte, and calibrated.

``scripts/make_example_data.py`` regenerates every example file (impact tables, rosters, focus
pupil files and PAG table) and the package's hash registry; the generators it runs live in
``examples/generator/``, outside the package.

The calibration checks use plain pandas on the committed files (no ipm_analysis code), so each
figure can be checked by hand: a school counts when it has a number in both years after
academy linking; means are simple means over schools; withdrawn schools are left out.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.inputs.synthetic_files import REGISTRY
from ipm_analysis.pipeline import manifest

from conftest import REPO

if str(REPO) not in sys.path:  # the generators are imported from the checkout, as the script does
    sys.path.insert(0, str(REPO))

from examples.generator.impact import ks2_columns  # noqa: E402

EXAMPLES = REPO / "examples"
FOLDERS = {2017: "2016-2017", 2018: "2017-2018", 2019: "2018-2019"}
TOL = 0.02 + 1e-9  # the published figures, +/-0.02 (1e-9: float noise at the exact edge)
EXAMPLE_FILES = [
    "data/2016-2017/919_ks2final_synthetic.csv",
    "data/2017-2018/919_ks2final_synthetic.csv",
    "data/2018-2019/919_ks2final_synthetic.csv",
    "rosters/ipm_2017_18_roster.csv",
    "rosters/ipm_2018_19_roster.csv",
]


def read_table(year: int) -> pd.DataFrame:
    return pd.read_csv(
        EXAMPLES / "data" / FOLDERS[year] / "919_ks2final_synthetic.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )


def read_roster(name: str) -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "rosters" / name, dtype=str, keep_default_na=False)


def number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.removesuffix("%"), errors="coerce")


def school_values(roster: pd.DataFrame, year: int, column: str) -> pd.Series:
    """Values of ``column`` for each roster URN in ``year``, following academy links.

    Look the URN up as it is first; else the new URN its old row names in ``URN_AC`` (in any
    year's file); else the old URN whose ``URN_AC`` names it.
    """
    links = pd.concat([read_table(y)[["URN", "URN_AC"]] for y in FOLDERS])
    links = links[(links["URN_AC"] != "0") & (links["URN_AC"] != "")]
    old_to_new = dict(zip(links["URN"], links["URN_AC"], strict=True))
    new_to_old = dict(zip(links["URN_AC"], links["URN"], strict=True))
    table = read_table(year)
    schools = table[table["RECTYPE"].isin(["1", "2"])]
    by_urn = dict(zip(schools["URN"], number(schools[column]), strict=True))
    out = {}
    for urn in roster["urn"]:
        for candidate in (urn, old_to_new.get(urn), new_to_old.get(urn)):
            if candidate in by_urn:
                out[urn] = by_urn[candidate]
                break
        else:
            out[urn] = np.nan
    return pd.Series(out)


def paired(roster: pd.DataFrame, column: str, base: int, outcome: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"base": school_values(roster, base, column), "out": school_values(roster, outcome, column)}
    )
    return frame.dropna()


@pytest.fixture(scope="module")
def roster_1718() -> pd.DataFrame:
    return read_roster("ipm_2017_18_roster.csv")


@pytest.fixture(scope="module")
def roster_1819() -> pd.DataFrame:
    roster = read_roster("ipm_2018_19_roster.csv")
    return roster[roster["status"] == "completed"]


def _script():
    """``scripts/make_example_data.py`` as a module (it is a script, not part of the package)."""
    path = REPO / "scripts" / "make_example_data.py"
    spec = importlib.util.spec_from_file_location("make_example_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.csv"))


def test_the_script_regenerates_every_example_file_and_the_registry_byte_for_byte(
    tmp_path: Path, capsys
) -> None:
    out, registry = tmp_path / "examples", tmp_path / "synthetic_inputs.txt"
    assert _script().main(["--out", str(out), "--registry", str(registry)]) == 0
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == _data_files(EXAMPLES)  # nothing shipped that the script does not make
    assert set(EXAMPLE_FILES) < set(made) and any(m.startswith("focus/") for m in made)
    for relative in made:
        assert (out / relative).read_bytes() == (EXAMPLES / relative).read_bytes(), relative
    assert registry.read_text(encoding="utf-8") == REGISTRY.read_text(encoding="utf-8")
    assert str(registry) in capsys.readouterr().out


def test_examples_hold_only_data_the_readme_and_the_generator() -> None:
    others = {
        p.relative_to(EXAMPLES).as_posix()
        for p in EXAMPLES.rglob("*")
        if p.is_file() and p.suffix != ".csv" and "__pycache__" not in p.parts
    }
    assert others == {
        "README.md",
        "__init__.py",
        "generator/__init__.py",
        "generator/focus.py",
        "generator/impact.py",
        "generator/recent.py",
        # the wide 2022-23 -> 2024-25 params are in params/ (built by `make report`); the EES
        # one stays here
        "params/ipm_2022_23_to_2024_25_ees.yaml",
    }


def test_the_package_neither_holds_nor_imports_the_generators() -> None:
    """The generators are not in the wheel nor the code fingerprint, so editing them rebuilds
    no report; the runtime never imports them (nor the notebooks)."""
    assert not [p for p in manifest.code_files() if "synthetic.py" in p.name]
    assert not [p for p in manifest.code_files() if not p.is_relative_to(manifest.PACKAGE_ROOT)]
    for path in manifest.PACKAGE_ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                assert not name.startswith("examples"), (path, name)
                assert not name.endswith(".synthetic"), (path, name)
    for notebook in [*manifest.PACKAGE_ROOT.rglob("*.ipynb"), *REPO.glob("notebooks/*.ipynb")]:
        assert "examples.generator" not in notebook.read_text(encoding="utf-8"), notebook


def test_files_look_like_dfe_files() -> None:
    for year in FOLDERS:
        raw = (EXAMPLES / "data" / FOLDERS[year] / "919_ks2final_synthetic.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        table = read_table(year)
        assert tuple(table.columns) == ks2_columns(year)
        assert set(table["RECTYPE"]) == {"1", "2", "3", "4", "5"}
        mainstream = table[table["RECTYPE"] == "1"]
        assert 290 <= len(mainstream) <= 310
        assert number(mainstream["TELIG"]).between(10, 90).all()
        assert (table["MATPROG"] == "SUPP").any()
        national = table[table["RECTYPE"].isin(["4", "5"])]
        assert (national["MATPROG"] == "").all() and (national["URN"] == "").all()
        assert set(national["PTMAT_EXP"]) == {"79%" if year == 2019 else "75%"}


@pytest.mark.parametrize(
    ("group", "n", "base", "out"),
    [("all", 35, -0.97, -0.37), ("1", 18, -1.53, -0.69), ("2", 17, -0.38, -0.03)],
)
def test_2017_18_progress(roster_1718, group, n, base, out) -> None:
    roster = roster_1718 if group == "all" else roster_1718[roster_1718["cohort"] == group]
    pairs = paired(roster, "MATPROG", 2017, 2018)
    assert len(pairs) == n
    assert abs(pairs["base"].mean() - base) <= TOL
    assert abs(pairs["out"].mean() - out) <= TOL


@pytest.mark.parametrize(("tla", "n", "change"), [("yes", 17, 0.83), ("no", 18, 0.36)])
def test_2017_18_tla_split(roster_1718, tla, n, change) -> None:
    roster = roster_1718[roster_1718["tla"] == tla]
    assert roster["cohort"].nunique() == 2  # the TLA split crosses the cohorts
    pairs = paired(roster, "MATPROG", 2017, 2018)
    assert len(pairs) == n
    assert abs((pairs["out"] - pairs["base"]).mean() - change) <= TOL


def test_2017_18_counts_and_range(roster_1718) -> None:
    pairs = paired(roster_1718, "MATPROG", 2017, 2018)
    assert (pairs["base"] < -2.0).sum() == 11
    assert (pairs["out"] < -2.0).sum() == 5
    assert (pairs["base"] < 0).sum() == 22
    assert pairs["base"].min() == -4.8 and pairs["base"].max() == 2.5


@pytest.mark.parametrize(
    ("group", "base", "out"),
    [("all", 75.7, 77.2), ("1", 75.6, 75.9), ("2", 75.8, 78.5)],
)
def test_2017_18_attainment(roster_1718, group, base, out) -> None:
    roster = roster_1718 if group == "all" else roster_1718[roster_1718["cohort"] == group]
    pairs = paired(roster, "PTMAT_EXP", 2017, 2018)
    assert len(pairs) == len(roster)
    assert abs(pairs["base"].mean() - base) <= TOL
    assert abs(pairs["out"].mean() - out) <= TOL


def test_2018_19_completed_schools(roster_1819) -> None:
    progress = paired(roster_1819, "MATPROG", 2018, 2019)
    attainment = paired(roster_1819, "PTMAT_EXP", 2018, 2019)
    assert len(progress) == len(attainment) == 23
    assert abs(progress["base"].mean() - -1.1) <= TOL
    assert abs(progress["out"].mean() - -0.7) <= TOL
    assert abs(attainment["base"].mean() - 73.0) <= TOL
    assert abs(attainment["out"].mean() - 79.0) <= TOL


def test_rosters() -> None:
    first = read_roster("ipm_2017_18_roster.csv")
    third = read_roster("ipm_2018_19_roster.csv")
    assert list(first.columns) == ["urn", "school_name", "cohort", "tla", "visits", "status"]
    assert first["cohort"].value_counts().to_dict() == {"1": 18, "2": 17}
    assert set(first.loc[first["cohort"] == "1", "visits"]) == {"5"}
    assert set(first.loc[first["cohort"] == "2", "visits"]) == {"3"}
    assert (first["tla"] == "yes").sum() == 17
    assert third["status"].value_counts().to_dict() == {"completed": 23, "withdrawn": 7}
    assert (third["tla"] == "yes").sum() == 12
    assert not set(first["urn"]) & set(third["urn"])


def test_academy_conversions_are_exercised(roster_1718, roster_1819) -> None:
    t17, t18, t19 = read_table(2017), read_table(2018), read_table(2019)
    # an old-URN roster school that converted between 2017 and 2018
    old = t17[t17["URN"].isin(roster_1718["urn"]) & (t17["URN_AC"] != "0")]
    assert len(old) == 1
    new_urn = old["URN_AC"].iloc[0]
    assert new_urn in set(t18["URN"]) and old["URN"].iloc[0] not in set(t18["URN"])
    # a new-URN roster school that converted during 2018-19
    listed_new = roster_1819[~roster_1819["urn"].isin(t18["URN"])]
    assert len(listed_new) == 1
    urn = listed_new["urn"].iloc[0]
    assert urn in set(t18["URN_AC"]) and urn in set(t19["URN"])


@pytest.mark.parametrize(("year", "matprog", "ptmat"), [
    (2017, "-0.3", "77.0%"), (2018, "-0.4", "76.8%"), (2019, "-0.3", "78.0%"),
])  # fmt: skip
def test_la_row_is_the_pupil_weighted_mean(year, matprog, ptmat) -> None:
    table = read_table(year)
    la = table[table["RECTYPE"] == "3"].iloc[0]
    assert (la["LEA"], la["URN"], la["MATPROG"], la["PTMAT_EXP"]) == ("919", "", matprog, ptmat)
    schools = table[table["RECTYPE"].isin(["1", "2"])]
    score, cov, telig = (number(schools[c]) for c in ("MATPROG", "MATCOV", "TELIG"))
    ok = score.notna()
    weighted = (score[ok] * telig[ok] * cov[ok]).sum() / (telig[ok] * cov[ok]).sum()
    assert abs(weighted - float(matprog)) < 0.05  # rounds to the LA figure
    attainment = number(schools["PTMAT_EXP"])
    weighted = (attainment * telig).sum() / telig.sum()
    assert abs(weighted - float(ptmat.rstrip("%"))) < 0.05


@pytest.mark.parametrize(("base", "outcome", "roster_name"), [
    (2017, 2018, "ipm_2017_18_roster.csv"), (2018, 2019, "ipm_2018_19_roster.csv"),
])  # fmt: skip
def test_regression_to_the_mean_among_non_project_schools(base, outcome, roster_name) -> None:
    roster = read_roster(roster_name)
    t0, t1 = read_table(base), read_table(outcome)
    others = t0[(t0["RECTYPE"] == "1") & ~t0["URN"].isin(roster["urn"])]
    x = number(others.set_index("URN")["MATPROG"])
    y = number(t1[t1["RECTYPE"] == "1"].set_index("URN")["MATPROG"]).reindex(x.index)
    ok = x.notna() & y.notna()
    slope, intercept = np.polyfit(x[ok], (y - x)[ok], 1)
    residual_sd = float(np.std((y - x)[ok] - (intercept + slope * x[ok]), ddof=2))
    assert -0.55 <= slope <= -0.25
    assert 0.9 <= residual_sd <= 1.5
    # the project beat the line (a true effect), but the line explains part of its gain
    project = roster[roster["status"] == "completed"]
    pairs = paired(project, "MATPROG", base, outcome)
    change = (pairs["out"] - pairs["base"]).mean()
    predicted = (intercept + slope * pairs["base"]).mean()
    assert 0.05 <= change - predicted < change
