"""Made-up inputs for the benchmarks (seeded): a national-size KS2 table per year, eight
small reports, and the impact computations over many LAs' rosters."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

N_SCHOOLS = 16_000
N_COLUMNS = 300
N_LAS = 150
KEY_COLUMNS = [
    "RECTYPE", "LEA", "URN", "SCHNAME", "URN_AC", "NFTYPE", "TELIG",
    "MATPROG", "MATPROG_LOWER", "MATPROG_UPPER", "MATCOV", "PTMAT_EXP",
    "READPROG", "READPROG_LOWER", "READPROG_UPPER", "READCOV", "PTREAD_EXP",
    "WRITPROG", "WRITPROG_LOWER", "WRITPROG_UPPER", "WRITCOV", "PTWRITTA_EXP",
]  # fmt: skip


def _progress(rng: np.random.Generator, n: int) -> np.ndarray:
    values = np.round(rng.normal(0, 2.5, n), 1).astype(str).astype(object)
    values[rng.random(n) < 0.05] = "SUPP"
    return values


def national_table(seed: int, year: int) -> pd.DataFrame:
    """One year: 16,000 schools in 150 LAs, LA rows, a national row; ~300 columns of text."""
    rng = np.random.default_rng(seed)
    n = N_SCHOOLS
    lea = (100 + np.arange(n) % N_LAS).astype(str)
    urn = (100000 + np.arange(n)).astype(str)
    urn_ac = np.where(rng.random(n) < 0.02, (300000 + np.arange(n)).astype(str), "0")
    frame = pd.DataFrame(
        {
            "RECTYPE": "1",
            "LEA": lea,
            "URN": urn,
            "SCHNAME": [f"Made-up Primary School {i}" for i in range(n)],
            "URN_AC": urn_ac if year == 2017 else "0",
            "NFTYPE": "CY",
            "TELIG": rng.integers(10, 90, n).astype(str),
        }
    )
    for prefix in ("MAT", "READ", "WRIT"):
        progress = _progress(rng, n)
        frame[f"{prefix}PROG"] = progress
        frame[f"{prefix}PROG_LOWER"] = progress
        frame[f"{prefix}PROG_UPPER"] = progress
        frame[f"{prefix}COV"] = "100%"
    for column in ("PTMAT_EXP", "PTREAD_EXP", "PTWRITTA_EXP"):
        frame[column] = np.char.add(rng.integers(40, 100, n).astype(str), "%")
    fillers = {
        f"EXTRA{i:03d}": rng.integers(0, 1000, n) for i in range(N_COLUMNS - len(frame.columns))
    }
    frame = pd.concat([frame, pd.DataFrame(fillers)], axis=1)
    las = pd.DataFrame({"RECTYPE": "3", "LEA": [str(100 + i) for i in range(N_LAS)]})
    las["SCHNAME"] = "Made-up LA " + las["LEA"]
    las["MATPROG"], las["PTMAT_EXP"] = "-0.3", "77%"
    national = pd.DataFrame({"RECTYPE": ["5"], "PTMAT_EXP": ["75%"]})
    return pd.concat([frame, las, national], ignore_index=True)


def national_tables(folder: Path) -> dict[int, Path]:
    """Two years of national-size tables (``england_ks2final.csv``), written once."""
    paths = {}
    for year, seed in ((2017, 2017), (2018, 2018)):
        path = folder / str(year) / "england_ks2final.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        national_table(seed, year).to_csv(path, index=False)
        paths[year] = path
    return paths


def write_made_up_reports(folder: Path, n_reports: int) -> Path:
    """``n_reports`` params files over one made-up LA of 40 schools (rosters of 30)."""
    rng = np.random.default_rng(6)
    rows = {2017: [], 2018: []}
    for i in range(40):
        urn = str(110000 + i)
        for year in rows:
            progress = f"{rng.normal(-0.5 if year == 2017 else 0.0, 2.5):.1f}"
            attainment = f"{rng.integers(50, 95)}%"
            rows[year].append(
                f"1,919,{urn},School {i},0,CY,30,{progress},,,100%,{attainment}" + ",,,,,,,,,,"
            )
    header = ",".join(KEY_COLUMNS)
    for year in rows:
        la = "3,919,,Made-up LA,,,1000,-0.3,,,95%,77%" + ",,,,,,,,,,"
        path = folder / "data" / str(year) / "919_ks2final_synthetic.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([header, *rows[year], la]) + "\n", encoding="utf-8")
    params = folder / "params"
    params.mkdir(parents=True, exist_ok=True)
    for r in range(n_reports):
        chosen = rng.choice(40, size=30, replace=False)
        roster = folder / f"roster_{r}.csv"
        roster.write_text(
            "urn,cohort,school_name,tla\n"
            + "".join(f"{110000 + i},{1 + k % 3},School {i},{'yes' if k % 2 else 'no'}\n"
                      for k, i in enumerate(chosen)),
            encoding="utf-8",
        )  # fmt: skip
        (params / f"report_{r}.yaml").write_text(
            f"report_id: bench-{r}\ntitle: Benchmark report {r}\nroster: ../roster_{r}.csv\n"
            "performance:\n  2017: ../data/2017/919_ks2final_synthetic.csv\n"
            "  2018: ../data/2018/919_ks2final_synthetic.csv\n"
            "baseline_year: 2017\noutcome_year: 2018\nn_placebo: 1000\n",
            encoding="utf-8",
        )
    return params


def impact_for_las(tables: dict[int, Path], n_las: int, per_la: int) -> tuple[float, int]:
    """Seconds for link_urns, school_changes, group_membership and impact_summary over
    ``n_las`` rosters of ``per_la`` schools (tables read and parsed once per year, first)."""
    from ipm_analysis.impact.groups import POPULATIONS, group_membership
    from ipm_analysis.impact.summary import impact_summary, school_changes
    from ipm_analysis.inputs.dfe_tables import read_performance_table, school_figures
    from ipm_analysis.inputs.linking import link_urns
    from ipm_analysis.inputs.subjects import subject

    columns = subject("maths").columns
    loaded = {y: read_performance_table(p, y, columns) for y, p in tables.items()}
    figures = {y: school_figures(t, "maths") for y, t in loaded.items()}
    rng = np.random.default_rng(150)
    rosters = []
    for la in range(n_las):
        urns = [str(100000 + la + N_LAS * k) for k in range(per_la * 2)]
        chosen = sorted(rng.choice(len(urns), per_la, replace=False))
        roster = pd.DataFrame(
            {
                "urn": pd.array([urns[i] for i in chosen], dtype="string"),
                "cohort": [str(1 + k % 3) for k in range(per_la)],
                "school_name": [f"School {urns[i]}" for i in chosen],
                "tla": pd.array([k % 2 == 0 for k in range(per_la)], dtype="boolean"),
                "visits": pd.array([3] * per_la, dtype="Int64"),
                "status": ["withdrawn" if k == 0 else "completed" for k in range(per_la)],
                "line": np.arange(2, per_la + 2),
            }
        )
        roster.attrs["has_tla"] = True
        rosters.append(roster)
    references = {"la": ({"progress": -0.3, "attainment": 77.0}, {"progress": -0.4})}
    start = time.perf_counter()
    for roster in rosters:
        links = link_urns(roster["urn"], loaded)
        schools = school_changes(roster, links, figures, 2017, 2018)
        memberships = {
            population: group_membership(schools, has_tla=True, population=population)
            for population in POPULATIONS
        }
        impact_summary(schools, memberships, threshold=-2.0, references=references)
    return time.perf_counter() - start, len(rosters)
