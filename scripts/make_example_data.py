"""Write every SYNTHETIC example file (invented schools and pupils) deterministically, and
the package's list of their SHA-256 hashes (the only files a report calls synthetic).

    python scripts/make_example_data.py [--out examples] [--seed 20170919]

Same seed, same bytes: tests/test_synthetic.py regenerates into a temporary directory and
compares with the committed files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ipm_analysis.focus.synthetic import write_example, write_programme_example  # noqa: E402
from ipm_analysis.inputs.synthetic_files import REGISTRY, write_registry  # noqa: E402
from ipm_analysis.synthetic import DEFAULT_SEED, make_example_data, write_tables  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate, write; print the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples", help="output directory (default: examples)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--registry", type=Path, default=REGISTRY, help="where to write the list of hashes"
    )
    args = parser.parse_args(argv)
    focus = Path(args.out) / "focus"
    written = write_tables(make_example_data(args.seed), args.out)
    written += write_example(focus) + write_programme_example(focus)
    for path in written:
        print(path)
    print(write_registry(args.out, args.registry))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
