"""The ``ipm`` command: build, batch and validate reports of every kind.

Exit codes: 0 success; 2 a problem you can fix (bad input, an output folder that cannot be
written, a missing tool), found before anything is built and told in one paragraph naming
the file, line and column; 1 a report that failed while running; 130 / 143 stopped by Ctrl-C
/ SIGTERM (the earlier report is kept, nothing half-built is left).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from ipm_analysis.core.errors import InputError, ReportError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ipm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, help_text in (
        ("report", "build the report of each params file (impact or focus)"),
        ("focus", "the same as 'ipm report' (kept for focus params files)"),
    ):
        report = sub.add_parser(name, help=help_text, description=help_text)
        report.add_argument("params", nargs="+", type=Path, metavar="PARAMS.yaml")
        _output_options(report)

    batch = sub.add_parser("batch", help="build many reports and outputs/index.html")
    batch.add_argument(
        "params",
        nargs="*",
        type=Path,
        metavar="PARAMS",
        help="params files or folders (default: params/)",
    )
    batch.add_argument(
        "--jobs", type=_positive, default=None, help="parallel reports (default: CPUs)"
    )
    _output_options(batch)
    batch.add_argument(
        "--dask-scheduler",
        metavar="tcp://HOST:PORT",
        help="run the reports on a Dask distributed cluster (needs: pip install '.[dask]')",
    )

    validate = sub.add_parser(
        "validate", help="check params files and their inputs (no report is built)"
    )
    validate.add_argument("params", nargs="+", type=Path, metavar="PARAMS.yaml")
    return parser


def _output_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--output-dir", type=Path, default=Path("outputs"), help="default: outputs/"
    )
    command.add_argument(
        "--force",
        action="store_true",
        help="rebuild even when up to date, and replace a report another params file built",
    )
    command.add_argument(
        "--pdf", action="store_true", help="also print report.pdf (A4) with headless Chromium"
    )
    command.add_argument(
        "--no-suppress",
        dest="suppress",
        action="store_const",
        const=False,
        default=None,
        help="impact reports: show figures from fewer than min_n schools and keep them in "
        "summary.csv (default: shown as c and blanked)",
    )


def _positive(text: str) -> int:
    """A whole number of 1 or more (argparse reports anything else as a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; every outcome is an exit code and a message, never a traceback.

    Ctrl-C and SIGTERM end the command at once, tidied up, with exit code 130 or 143
    (:mod:`ipm_analysis.pipeline.stopping`).
    """
    args = _parser().parse_args(argv)
    from ipm_analysis.pipeline import stopping

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stopping.install()
    try:
        return _run(args)
    except InputError as exc:
        print(f"ipm: {exc}", file=sys.stderr)
        return InputError.exit_code
    except ReportError as exc:
        print(f"ipm: {exc}", file=sys.stderr)
        return ReportError.exit_code
    except Exception as exc:  # a bug: say so in one paragraph (IPM_DEBUG=1 shows the traceback)
        if os.environ.get("IPM_DEBUG"):
            raise
        print(
            f"ipm: internal error ({type(exc).__name__}: {exc}). This is a fault in the "
            "workbook, not in your files; please report it with the command you ran "
            "(IPM_DEBUG=1 shows the details).",
            file=sys.stderr,
        )
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run(args: argparse.Namespace) -> int:
    if args.command in ("report", "focus"):
        return _report(args)
    if args.command == "validate":
        return _validate(args.params)
    from ipm_analysis.pipeline.batch import run_batch

    return run_batch(
        args.params or [Path("params")],
        args.output_dir,
        jobs=args.jobs,
        pdf=args.pdf,
        suppress=args.suppress,
        force=args.force,
        scheduler=args.dask_scheduler,
    )


def _report(args: argparse.Namespace) -> int:
    """Check every params file and input first (exit 2 before any kernel starts), then build
    each report in turn."""
    from ipm_analysis.inputs.files import check_output_dir
    from ipm_analysis.pipeline.batch import find_params, plan
    from ipm_analysis.pipeline.runner import run_report

    for path in args.params:
        if path.is_dir():
            raise InputError(
                "this is a folder; 'ipm report' takes params files (use 'ipm batch FOLDER' "
                "to build every params file in a folder).",
                path=path,
            )
    params_files = find_params(args.params)
    output_dir = check_output_dir(args.output_dir)
    if args.pdf:
        from ipm_analysis.pipeline.pdf import check_pdf_tools

        check_pdf_tools()
    items = plan(params_files, output_dir, force=args.force, pdf=args.pdf, suppress=args.suppress)
    code = 0
    for item in items:
        if item.status == "skipped":
            folder = output_dir / item.report_id
            print(f"Up to date: {folder / 'report.html'} (--force rebuilds it)")
            continue
        try:
            result = run_report(  # checked once, by plan
                item.params_path, output_dir, pdf=args.pdf, prepared=item.prepared
            )
        except (InputError, ReportError) as exc:
            if len(items) == 1:
                raise
            print(f"ipm: {exc}", file=sys.stderr)
            code = max(code, exc.exit_code)  # 2 (bad input) outranks 1
            continue
        print(f"Report written to {result.folder / 'report.html'} ({result.seconds:.1f} s)")
        if args.pdf:
            print(f"PDF written to {result.folder / 'report.pdf'}")
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return code


def _validate(paths: Sequence[Path]) -> int:
    """Check each params file and everything it names, as a report would, without a kernel:
    an impact report's inputs are read and linked, a focus report's pupils scored."""
    from ipm_analysis.pipeline.runner import kind_of

    for path in paths:
        kind = kind_of(path)
        if kind == "impact":
            summary, warnings = _validate_impact(path)
        else:
            summary, warnings = _validate_focus(path, kind)
        print(f"{path}: OK ({_KIND_LABELS[kind]}). {summary}")
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


_KIND_LABELS = {
    "impact": "impact report",
    "focus": "focus report, one school",
    "focus_programme": "focus report, programme",
}


def _validate_impact(path: Path) -> tuple[str, list[str]]:
    from ipm_analysis.impact.evaluation import evaluate
    from ipm_analysis.inputs.params import load_params

    params = load_params(path)
    ev = evaluate(params)
    plain = ev.plain_change()
    n = 0 if plain is None else int(plain["n_schools"])
    words = (ev.comparison_measure or "progress").replace("_", " ")
    summary = f"{len(ev.schools)} roster schools, {n} with {words} in both years" + (
        " (synthetic example data)." if params.synthetic else "."
    )
    return summary, list(ev.warnings)


def _validate_focus(path: Path, kind: str) -> tuple[str, list[str]]:
    from ipm_analysis.focus.validate import validate_focus_params

    return validate_focus_params(path, kind), []


if __name__ == "__main__":
    sys.exit(main())
