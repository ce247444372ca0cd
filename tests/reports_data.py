"""Made-up inputs for batch tests: small DfE tables and rosters, one params file each."""

from __future__ import annotations

from pathlib import Path

from conftest import la, school, write_table


def write_tables(folder: Path) -> dict[str, Path]:
    """Two years of a four-school LA, shared by every report."""
    y1 = write_table(
        folder / "data" / "2017" / "999_ks2final.csv",
        [
            school("100001", "-2.0", "60%"),
            school("100002", "1.0", "80%"),
            school("100003", "-3.5", "55%"),
            school("100004", "0.5", "75%"),
            la("-0.3", "77%"),
        ],
    )
    y2 = write_table(
        folder / "data" / "2018" / "999_ks2final.csv",
        [
            school("100001", "-1.0", "70%"),
            school("100002", "0.5", "85%"),
            school("100003", "-1.5", "65%"),
            school("100004", "1.0", "78%"),
            la("-0.4", "76.8%"),
        ],
    )
    return {"2017": y1, "2018": y2}


def write_report(
    folder: Path,
    report_id: str,
    urns: tuple[str, ...],
    *,
    title: str | None = None,
    outcome_table: str = "data/2018/999_ks2final.csv",
) -> Path:
    """A roster of ``urns`` (cohorts 1 and 2 alternating) and a params file reading it."""
    roster = folder / f"{report_id}_roster.csv"
    rows = [f"{u},{1 + i % 2},School <{u}>,{'yes' if i % 2 else 'no'}" for i, u in enumerate(urns)]
    roster.write_text("urn,cohort,school_name,tla\n" + "\n".join(rows) + "\n", encoding="utf-8")
    params = folder / "params" / f"{report_id}.yaml"
    params.parent.mkdir(parents=True, exist_ok=True)
    params.write_text(
        f"report_id: {report_id}\n"
        f"title: {title or 'Report ' + report_id!r}\n"
        f"roster: ../{roster.name}\n"
        f"performance:\n  2017: ../data/2017/999_ks2final.csv\n  2018: ../{outcome_table}\n"
        "baseline_year: 2017\noutcome_year: 2018\nn_placebo: 200\nmin_n: 1\n",
        encoding="utf-8",
    )
    return params
