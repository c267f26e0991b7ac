"""``diagon resume RUN_DIR``: continue a killed or failed run from its last checkpoint."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("resume", help="continue a run from its last completed round")
    parser.add_argument("run_dir", type=Path, help="the run directory (holds run.json)")
    parser.set_defaults(func=_resume)


def _resume(args: argparse.Namespace) -> int:
    from diagon.cli.run import console, run_with_progress
    from diagon.config.load import config_from_dict
    from diagon.config.schema import ConfigError
    from diagon.rundir.runjson import read_run_json
    from diagon.runner import RunError

    try:
        meta = read_run_json(args.run_dir)
        # the resolved config as the run started (never re-resolved); keys that were
        # redacted from run.json (API keys) come from the environment now
        cfg = config_from_dict(meta["config"])
        run_with_progress(cfg, args.run_dir, resume=True)
    except (FileNotFoundError, ValueError, ConfigError, RunError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    return 0
