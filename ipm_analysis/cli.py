"""The ``ipm`` command: run, batch and validate reports.

Exit codes: 0 success, 2 bad input (a one-paragraph message naming file, line and column,
no traceback), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ipm_analysis.errors import InputError, ReportError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ipm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    report = sub.add_parser("report", help="build one impact report from a params YAML")
    report.add_argument("params", type=Path)
    report.add_argument("--output-dir", type=Path, default=Path("outputs"))
    _output_options(report)

    batch = sub.add_parser("batch", help="build many reports and outputs/index.html")
    batch.add_argument(
        "params", nargs="*", type=Path, help="params files or folders (default: params/)"
    )
    batch.add_argument("--output-dir", type=Path, default=Path("outputs"))
    batch.add_argument("--jobs", type=int, default=None, help="parallel reports (default: CPUs)")
    _output_options(batch)
    batch.add_argument(
        "--dask-scheduler",
        metavar="tcp://HOST:PORT",
        help="run the reports on a Dask distributed cluster (needs: pip install '.[dask]')",
    )

    validate = sub.add_parser("validate", help="check a params file and its inputs")
    validate.add_argument("params", type=Path)

    focus = sub.add_parser("focus", help="build a school's (or the programme's) focus report")
    focus.add_argument("params", type=Path)
    focus.add_argument("--output-dir", type=Path, default=Path("outputs"))
    focus.add_argument("--force", action="store_true", help="rebuild even when up to date")
    return parser


def _output_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--force", action="store_true", help="rebuild even when up to date")
    command.add_argument(
        "--pdf", action="store_true", help="also print report.pdf (A4) with headless Chromium"
    )
    command.add_argument(
        "--no-suppress",
        dest="suppress",
        action="store_const",
        const=False,
        default=None,
        help="show figures from fewer than min_n schools and keep them in summary.csv "
        "(default: shown as c and blanked)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("report", "focus"):
            from ipm_analysis.runner import kind_of, run_report

            kind = "impact" if args.command == "report" else "focus"
            if kind == "focus" and kind_of(args.params) == "focus_programme":
                kind = "focus_programme"
            result = run_report(
                args.params,
                args.output_dir,
                kind=kind,
                force=args.force,
                pdf=getattr(args, "pdf", False),
                suppress=getattr(args, "suppress", None),
            )
            if result.skipped:
                print(f"Up to date: {result.folder / 'report.html'} (--force rebuilds it)")
                return 0
            print(f"Report written to {result.folder / 'report.html'} ({result.seconds:.1f} s)")
            if args.pdf:
                print(f"PDF written to {result.folder / 'report.pdf'}")
            return 0
        if args.command == "validate":
            return _validate(args.params)
        if args.command == "batch":
            from ipm_analysis.batch import run_batch

            return run_batch(
                args.params or [Path("params")],
                args.output_dir,
                jobs=args.jobs,
                pdf=args.pdf,
                suppress=args.suppress,
                force=args.force,
                scheduler=args.dask_scheduler,
            )
    except InputError as exc:
        print(f"ipm: bad input: {exc}", file=sys.stderr)
        return InputError.exit_code
    except ReportError as exc:
        print(f"ipm: {exc}", file=sys.stderr)
        return ReportError.exit_code
    return 1


def _validate(params_path: Path) -> int:
    from ipm_analysis.evaluation import evaluate
    from ipm_analysis.params import load_params

    ev = evaluate(load_params(params_path))
    n = int(ev.summary.query("measure == 'progress' and group == 'all'")["n_schools"].iloc[0])
    print(f"{params_path}: OK. {len(ev.schools)} roster schools, {n} with progress in both years.")
    for warning in ev.warnings:
        print(f"warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
