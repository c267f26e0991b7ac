"""``diagon run [hydra overrides]``: compose the config with Hydra and run a market."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from diagon.config.schema import ConfigError, DiagonConfig
from diagon.market.state import MarketState

console = Console(stderr=False)


def print_summary(run_dir: Path) -> None:
    from diagon.rundir.summary import summarise, write_summary

    summary = summarise(run_dir)
    write_summary(run_dir, summary)
    table = Table(title=f"Diagon run summary — {summary.experiment}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for key, value in summary.rows():
        table.add_row(key, value)
    console.print(table)
    for note in summary.notes():
        console.print(f"[yellow]NOTE:[/yellow] {note}", highlight=False)
    print(f"run directory: {run_dir}", flush=True)  # plain: never wrapped, easy to grep


def run_with_progress(cfg: DiagonConfig, run_dir: Path, *, resume: bool = False) -> None:
    """Play a run with a per-round progress bar, then print the summary."""
    from diagon.run_checks import check_runnable
    from diagon.runner import execute_run

    check_runnable(cfg)  # before the progress bar: a refused run prints one line
    with Progress(
        TextColumn("[bold]round"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("rounds", total=cfg.rounds, status="")

        def on_round(round_: int, state: MarketState) -> None:
            active = len(state.active_ids())
            progress.update(task, completed=round_, status=f"{active} active agents")

        def on_progress(phase: str, done: int, total: int) -> None:
            # within a round: LLM traders (model=local) take minutes per round
            progress.update(task, status=f"{phase} {done}/{total}")

        execute_run(cfg, run_dir, resume=resume, on_round=on_round, checked=True, on_progress=on_progress)
    print_summary(run_dir)


def _refuse_linked_logs() -> None:
    """Hydra opens its job log (``<run_dir>/run.log``) before the task runs; a planted link
    there is refused before one line is logged through it."""
    from diagon.files import refuse_symlink

    root = logging.getLogger()
    for handler in list(root.handlers):
        name = getattr(handler, "baseFilename", None)
        if name is not None and Path(name).is_symlink():
            root.removeHandler(handler)
            handler.close()
            refuse_symlink(Path(name))


def _hydra_task(cfg_node) -> None:  # noqa: ANN001 - a DictConfig from Hydra
    from hydra.core.hydra_config import HydraConfig

    from diagon.config.load import to_run_config
    from diagon.files import UnsafePathError
    from diagon.rundir.hydra_record import write_hydra_record
    from diagon.rundir.lock import RunDirLockedError, run_dir_lock
    from diagon.runner import RunError, check_fresh

    # Hydra sets the root logger to INFO; HTTP clients would log every model call
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "anthropic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        _refuse_linked_logs()
        cfg = to_run_config(cfg_node)
        run_dir = Path(HydraConfig.get().runtime.output_dir)
        # locked for the run's life; a directory holding a run is refused before
        # anything (the .hydra/ record included) is written into it
        with run_dir_lock(run_dir):
            check_fresh(run_dir)
            write_hydra_record(run_dir, cfg_node, HydraConfig.get())
            run_with_progress(cfg, run_dir)
    except (ConfigError, RunError, RunDirLockedError, UnsafePathError) as exc:
        # one line, never wrapped; the message is text, not rich markup
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(2) from None


def run_main(args: list[str]) -> int:
    """Entry point of ``diagon run``: Hydra parses ``args`` (overrides, -m, --cfg …)."""
    import hydra

    from diagon.cli.prerun import PreRunError, check_jobs_runnable, check_run_args
    from diagon.config.store import conf_dir, register_configs

    try:  # every job valid and the output writable, before Hydra creates any directory
        configs = check_run_args(args)
        if configs is not None and len(configs) > 1:
            check_jobs_runnable(configs)
    except PreRunError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return 2
    register_configs()
    main = hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")(_hydra_task)
    saved = sys.argv
    sys.argv = ["diagon run", *args]
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        sys.argv = saved
    return 0
