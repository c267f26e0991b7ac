"""``diagon compare DIR…``: Table D.1 across conditions and seeds (printed, CSV and Markdown).

Refuses, naming the runs, to pool a run that did not complete or runs of different lengths
within one condition (``--skip-unfinished`` / ``--allow-mixed-lengths`` accept them, and the
table's notes then say so).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from diagon.files import UnsafePathError, atomic_writer, ensure_dir, write_text


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("compare", help="compare conditions across seeds (paper Table D.1)")
    parser.add_argument("dirs", nargs="+", type=Path, help="run directories or sweep directories")
    parser.add_argument("--out", type=Path, default=None,
                        help="where compare.csv / compare.md / compare_seeds.csv go "
                             "(default: the common parent of the run directories)")
    parser.add_argument("--skip-unfinished", action="store_true",
                        help="leave out runs that did not complete (listed in the notes) instead of refusing")
    parser.add_argument("--allow-mixed-lengths", action="store_true",
                        help="pool runs of different lengths in one condition (flagged in the notes)")
    parser.set_defaults(func=_compare)


def _compare(args: argparse.Namespace) -> int:
    from diagon.analysis import require_analysis

    require_analysis()
    from diagon.analysis.compare import compare, load_for_compare

    try:
        runs, skipped = load_for_compare(args.dirs, skip_unfinished=args.skip_unfinished)
        if not runs:
            print("error: no completed run directories found"
                  + (f" (left out: {'; '.join(skipped)})" if skipped else ""))
            return 2
        result = compare(runs, allow_mixed_lengths=args.allow_mixed_lengths, skipped=skipped)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    out = args.out or Path(os.path.commonpath([str(r.run_dir) for r in runs]))
    md = result.markdown()
    try:  # atomic writes that refuse a planted symbolic link
        ensure_dir(out)
        write_text(out / "compare.md", md)
        with atomic_writer(out / "compare.csv", "w", encoding="utf-8", newline="") as fh:
            result.table.to_csv(fh)
        with atomic_writer(out / "compare_seeds.csv", "w", encoding="utf-8", newline="") as fh:
            result.per_seed.to_csv(fh, index=False)
    except UnsafePathError as exc:
        print(f"error: {exc}")
        return 2
    print(md)
    print(f"wrote {out / 'compare.md'}, {out / 'compare.csv'}, {out / 'compare_seeds.csv'}")
    return 0
