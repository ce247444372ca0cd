"""Write every SYNTHETIC example file (invented schools and pupils) deterministically, and
the package's list of their SHA-256 hashes (the only files a report calls synthetic).

    python scripts/make_example_data.py [--out examples] [--seed 20170919] [--registry FILE]

The generators live in ``examples/generator/`` (``impact.py``: the 2016-19 DfE tables and
rosters; ``focus.py``: the focus pupil files and PAG table; ``recent.py``: the 2022-23 and
2024-25 wide files, the Explore Education Statistics files and the 2023-24 roster, from its
own seed ``recent.DEFAULT_SEED``), outside the installed package, so editing
them changes no report's code fingerprint; this script is the one way to run them. Same seed,
same bytes: tests/test_synthetic.py regenerates into a temporary directory and compares with
the committed files and registry.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the generators are imported from the checkout, not installed
    sys.path.insert(0, str(ROOT))

from examples.generator.focus import write_example, write_programme_example  # noqa: E402
from examples.generator.impact import DEFAULT_SEED, make_example_data, write_tables  # noqa: E402
from examples.generator.recent import DEFAULT_SEED as RECENT_SEED  # noqa: E402
from examples.generator.recent import make_recent_data, write_recent  # noqa: E402
from ipm_analysis.inputs.synthetic_files import REGISTRY, write_registry  # noqa: E402


def write_all(
    out: str | Path, seed: int = DEFAULT_SEED, recent_seed: int = RECENT_SEED
) -> list[Path]:
    """Write every example file under ``out``: the impact tables and rosters, the focus PAG
    table and pupil files (in ``out/focus``), then the recent years' files (2022-23 on, wide
    and EES). Returns the paths written."""
    written = write_tables(make_example_data(seed), out)
    focus = Path(out) / "focus"
    written += write_example(focus) + write_programme_example(focus)
    return written + write_recent(make_recent_data(recent_seed), out)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate, write; print the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples", help="output directory (default: examples)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--recent-seed", type=int, default=RECENT_SEED, help="random seed of the 2022-25 files"
    )
    parser.add_argument(
        "--registry", type=Path, default=REGISTRY, help="where to write the list of hashes"
    )
    args = parser.parse_args(argv)
    for path in write_all(args.out, args.seed, args.recent_seed):
        print(path)
    print(write_registry(args.out, args.registry))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
