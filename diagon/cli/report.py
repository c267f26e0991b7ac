"""``diagon report RUN_DIR…``: write a self-contained ``report.html`` for each run directory.

One bad directory does not stop the batch: every run is tried, each failure is named, and the
exit code is 1 when any run got no report (2 for bad arguments or a missing extra).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="write report.html for run directories")
    parser.add_argument("dirs", nargs="+", type=Path, help="run directories or sweep directories")
    parser.add_argument("--text", action="store_true",
                        help="add the language analysis (needs the `text` extra; slow on CPU)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the reports into this directory as <run dir name>.html "
                             "(default: report.html inside each run directory)")
    parser.set_defaults(func=_report)


def _targets(run_dirs: list[Path], out: Path | None) -> dict[Path, Path | None]:
    """Run dir -> report path (None: the default inside the run dir); refuses name clashes."""
    if out is None:
        return dict.fromkeys(run_dirs)
    targets = {d: out / f"{d.name}.html" for d in run_dirs}
    seen: dict[Path, Path] = {}
    for run_dir, target in targets.items():
        if target in seen:
            raise ValueError(f"--out {out}: {seen[target]} and {run_dir} would both write {target.name}")
        seen[target] = run_dir
    return targets


def _report(args: argparse.Namespace) -> int:
    # figures only go into the page: never open a GUI backend, even on a desktop
    os.environ.setdefault("MPLBACKEND", "Agg")
    from diagon.analysis import MissingExtraError, require_analysis

    try:
        require_analysis()
        if args.text:
            from diagon.analysis.text import require_text

            require_text()
        from diagon.analysis.load import find_run_dirs

        targets = _targets(find_run_dirs(args.dirs), args.out)
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
    except MissingExtraError as exc:
        print(f"error: {exc}")
        return 2
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"error: {exc}")
        return 2
    from diagon.analysis.report import write_report

    failed, incomplete = [], 0
    for run_dir, target in targets.items():
        try:
            page = write_report(run_dir, language=args.text, out=target, log=print)
        except Exception as exc:  # noqa: BLE001 - name the run and go on with the others
            failed.append(f"{run_dir}: {type(exc).__name__}: {exc}")
            print(f"error: no report for {run_dir}: {type(exc).__name__}: {exc}")
            continue
        incomplete += bool(page.not_drawn)
    done = len(targets) - len(failed)
    print(f"{done} of {len(targets)} report(s) written" + (f", {incomplete} with parts not drawn" if incomplete else ""))
    for line in failed:
        print(f"  failed: {line}")
    return 1 if failed else 0
