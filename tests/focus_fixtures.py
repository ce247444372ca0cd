"""Small hand-made inputs for the focus tests (values chosen so results are easy by hand)."""

from __future__ import annotations

from pathlib import Path

HEADER = (
    "year,pag,ks1_aps_min,ks1_aps_max,est_reading,est_writing,est_maths,"
    "min_reading,min_writing,min_maths"
)
#: Four PAGs covering the KS1 scale 3-27. Maths estimates 85.5 / 98.0 / 105.25 / 112.0.
ROWS_2019 = (
    "2019,1,3,9,84,83,85.5,-21,-20,-20",
    "2019,2,9,15,97,96,98.0,-16,-15,-15",
    "2019,3,15,21,104,103,105.25,-13,-12,-12",
    "2019,4,21,27,111,110,112.0,-11,-10,-10",
)
ROWS_2017 = (
    "2017,1,3,9,84,83,85.5,,,",
    "2017,2,9,15,97,96,98.0,,,",
    "2017,3,15,21,104,103,105.25,,,",
    "2017,4,21,27,111,110,112.0,,,",
)


def write_pag(folder: Path, rows: tuple[str, ...] = ROWS_2019, header: str = HEADER) -> Path:
    path = folder / "pag.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def write_csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
