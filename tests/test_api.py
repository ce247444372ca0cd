"""The analyst API: ``from ipm_analysis import ...``, ``Evaluation.tidy()``, ``match_sets()``,
``primary()`` and ``attrition()``, on the made-up fixture (values checked by hand)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import ipm_analysis
from ipm_analysis import evaluate, load_params

from conftest import TABLE_COLUMNS, school


def test_package_exports_the_entry_points_lazily():
    names = (
        "load_params",
        "evaluate",
        "Evaluation",
        "ReportParams",
        "load_focus_params",
        "build_focus_report",
        "load_programme_params",
        "build_programme_report",
    )
    for name in names:
        assert callable(getattr(ipm_analysis, name)), name
        assert name in dir(ipm_analysis) and name in ipm_analysis.__all__
    with pytest.raises(AttributeError):
        ipm_analysis.no_such_name  # noqa: B018
    code = "import sys, ipm_analysis; print(sorted({'pandas', 'numpy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr  # nothing heavy until a name is used


def tidy_row(tidy: pd.DataFrame, urn: str, year: int, measure: str) -> pd.Series:
    (row,) = [r for _, r in tidy.iterrows() if (r.urn, r.year, r.measure) == (urn, year, measure)]
    return row


def test_tidy_has_a_row_per_school_year_and_measure(made_up):
    ev = evaluate(load_params(made_up["params"]))
    tidy = ev.tidy()
    # 6 roster schools and a pool of 1 (100007: no roster school touches it), x 2 years x 2
    assert len(tidy) == (6 + 1) * 2 * 2
    assert list(tidy.columns[:9]) == [
        "urn",
        "linked_urn",
        "school_name",
        "year",
        "role",
        "measure",
        "value",
        "lower",
        "upper",
    ]
    alpha = tidy_row(tidy, "100001", 2017, "progress")
    assert alpha["value"] == -2.0 and alpha["role"] == "baseline"
    assert (alpha["school_name"], alpha["cohort"], alpha["tla"]) == ("Alpha", "1", True)
    assert (alpha["population"], alpha["status"], alpha["paired"]) == ("project", "completed", True)
    assert tidy_row(tidy, "100001", 2018, "attainment")["value"] == 70.0
    zeta = tidy_row(tidy, "100006", 2018, "progress")  # converted: 200006's figures
    assert (zeta["linked_urn"], zeta["value"]) == ("200006", -0.5)
    delta = tidy[tidy["urn"] == "100004"].set_index(["measure", "role"])
    assert np.isnan(delta.loc[("progress", "outcome"), "value"])  # SUPP
    assert not delta.loc["progress", "paired"].any() and delta.loc["attainment", "paired"].all()
    withdrawn = tidy[tidy["urn"] == "100005"]
    assert set(withdrawn["status"]) == {"withdrawn"} and not withdrawn["paired"].any()
    pool = tidy[tidy["population"] == "pool"]
    assert set(pool["urn"]) == {"100007"}
    assert pool["cohort"].isna().all() and pool["status"].isna().all()
    assert pool.query("measure == 'progress'")["value"].tolist() == [0.5, 1.5]
    # the paired project rows give the summary's group means
    counted = tidy.query("population == 'project' and paired and measure == 'progress'")
    means = counted.groupby("role")["value"].mean()
    row = ev.summary.set_index(["measure", "estimate", "group", "population"])
    row = row.loc[("progress", "change", "all", "completed")]
    assert means["baseline"] == pytest.approx(row["baseline"]) == -6.5 / 4
    assert means["outcome"] == pytest.approx(row["outcome"])


def test_no_comparison_means_no_match_sets(made_up):
    ev = evaluate(load_params(made_up["params"]))
    sets = ev.match_sets()
    assert sets.empty and list(sets.columns[:4]) == ["urn", "pool_urn", "rank", "distance"]
    assert not ev.summary["estimate"].isin(["net_change", "did"]).any()


def test_primary_and_attrition(made_up):
    ev = evaluate(load_params(made_up["params"]))
    # 6 schools recruited, 100005 withdrew; progress in both years: 100001, 100002, 100003,
    # 100006 completed (100004 is SUPP in 2018) and, intention to treat, 100005 too (-1 -> 0)
    assert ev.attrition() == {
        "recruited": 6,
        "withdrawn": 1,
        "analysed_itt": 0,
        "analysed_completed": 0,
    }  # no comparison in this fixture, so no net change was analysed
    assert ev.primary() is None
    rows = ev.summary.set_index(["measure", "estimate", "group", "population"])
    assert rows.loc[("progress", "change", "all", "completed"), "n_schools"] == 4
    assert rows.loc[("progress", "change", "all", "itt"), "n_schools"] == 5


def add_pool_schools(made_up) -> None:
    """Three more schools no roster school touches (progress 2017 -> 2018), and match_k 1."""
    extra = {
        "2017": [("100008", "-2.1"), ("100009", "1.2"), ("100010", "-2.9")],
        "2018": [("100008", "-1.0"), ("100009", "0.0"), ("100010", "-1.4")],
    }
    for year, schools in extra.items():
        path = made_up[year]  # school rows go before the LA and national rows that end it
        header, *rows = path.read_text(encoding="utf-8-sig").splitlines()
        added = [school(urn, progress, "70%") for urn, progress in schools]
        added = [",".join(row.get(c, "") for c in TABLE_COLUMNS) for row in added]
        path.write_text("\n".join([header, *added, *rows]) + "\n", encoding="utf-8-sig")
    with made_up["params"].open("a", encoding="utf-8") as handle:
        handle.write("match_k: 1\nmatch_on: [baseline]\n")


def test_match_sets_by_hand(made_up):
    add_pool_schools(made_up)
    ev = evaluate(load_params(made_up["params"]))
    sets = ev.match_sets()
    # paired project baselines: 100001 -2.0, 100002 -3.0, 100003 1.0, 100006 -2.5; pool
    # 100007 0.5, 100008 -2.1, 100009 1.2, 100010 -2.9. 100006 is 0.4 from both 100008 and
    # 100010: a tie at the closest, so both are kept, both rank 1.
    assert list(zip(sets["urn"], sets["pool_urn"], sets["rank"], strict=True)) == [
        ("100001", "100008", 1),
        ("100002", "100010", 1),
        ("100003", "100009", 1),
        ("100005", "100010", 1),  # withdrawn, in the intention-to-treat comparison
        ("100006", "100008", 1),
        ("100006", "100010", 1),
    ]
    # standardised by the pool's baseline SD: sqrt(11.7875 / 3) = 1.9822127
    raw = (sets["distance"] * np.sqrt(11.7875 / 3)).round(6).tolist()
    assert raw == [0.1, 0.1, 0.2, 1.1, 0.4, 0.4]
    assert sets["pool_change"].round(6).tolist() == [1.1, 1.5, -1.2, 1.5, 1.1, 1.5]
    comparison = sets.groupby("urn")["pool_change"].mean()
    assert comparison.to_numpy() == pytest.approx(ev.matched["comparison_change"].to_numpy())
    assert comparison["100006"] == pytest.approx(1.3)
    assert len(ev.tidy()) == (6 + 4) * 2 * 2
    s = ev.summary
    net = s[s["measure"].eq("progress") & s["estimate"].eq("net_change") & s["group"].eq("all")]
    net = net.set_index("population")["change"]
    # net changes (change - comparison change): 100001 (-2 -> -1) 1 - 1.1 = -0.1; 100002
    # (-3 -> 0) 3 - 1.5 = 1.5; 100003 (1 -> 0.5) -0.5 - -1.2 = 0.7; 100006 (-2.5 -> -0.5)
    # 2 - 1.3 = 0.7: mean 2.8 / 4 = 0.7; with the withdrawn 100005 (-4 -> 2) 6 - 1.5 = 4.5,
    # intention to treat: 7.3 / 5 = 1.46
    assert net["completed"] == pytest.approx(0.7)
    assert net["itt"] == pytest.approx(1.46)
    assert ev.primary()["change"] == pytest.approx(net["itt"])
