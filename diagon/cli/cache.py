"""``diagon cache stats|export|import|merge|verify|warm``: the execution replay cache."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("cache", help="inspect, share and warm the execution replay cache")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = verbs.add_parser(name, help=help_)
        p.add_argument("--cache", type=Path, default=None, help="cache file (default: cache.path of the config)")
        p.set_defaults(func=_dispatch)
        return p

    p = add("stats", "entries, keys, coverage by executor, task source and tier (stale task versions), recent runs' hit rates")
    p.add_argument("--runs", type=int, default=10, help="recent runs to list")
    p = add("export", "write the cache to a portable .jsonl[.gz] or .parquet file")
    p.add_argument("out", type=Path)
    p = add("import", "add the entries of exported files (duplicates are skipped)")
    p.add_argument("files", type=Path, nargs="+")
    p = add("merge", "add the entries of other cache databases (duplicates are skipped)")
    p.add_argument("sources", type=Path, nargs="+")
    add("verify", "check the file and every entry's digest")
    p = add("calibrate", "fit the synthetic worker to the cache's real outcomes and print the fit")
    p.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. worker.synthetic.calibrate_worker=llm")
    p = add("warm", "execute tasks x tiers x skill match ahead of a sweep (Hydra overrides pick the worker)")
    p.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. worker=oracle tasks=builtin")
    p.add_argument("--tasks", nargs="*", default=[], help="task id globs (default: all)")
    p.add_argument("--clusters", nargs="*", default=[], help="only these skill clusters")
    p.add_argument("--tiers", default="haiku,sonnet,opus", help="comma-separated worker tiers")
    p.add_argument("--efforts", default="medium", help="comma-separated efforts")
    p.add_argument("--skill-match", choices=("both", "yes", "no"), default="both")
    p.add_argument("--samples", type=int, default=1, help="entries wanted per key")
    p.add_argument("--jobs", type=int, default=4, help="executions in flight")


def _dispatch(args: argparse.Namespace) -> int:
    from rich.console import Console

    from diagon.cache import CacheError
    from diagon.config.schema import ConfigError
    from diagon.workers.base import WorkerUnavailable

    console = Console(soft_wrap=True)  # paths in messages stay whole and copyable
    try:
        return int(_VERBS[args.verb](args, console) or 0)
    except (CacheError, ConfigError, ValueError, WorkerUnavailable) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2


def _path(args: argparse.Namespace) -> Path:
    """--cache, else $DIAGON_CACHE_PATH, else the default cache.path (as conf/config.yaml)."""
    import os

    from diagon.config.schema import CacheConfig

    return args.cache or Path(os.environ.get("DIAGON_CACHE_PATH") or CacheConfig().path)


def _stats(args: argparse.Namespace, console) -> int:  # noqa: ANN001 - rich Console
    from rich.table import Table

    from diagon.cache import ExecutionStore
    from diagon.cache.stats import cache_stats

    with ExecutionStore(_path(args), create=False) as store:
        s = cache_stats(store, args.runs)
    console.print(f"[bold]{s.path}[/bold]: {s.entries} entries under {s.keys} keys ({s.synthetic_entries} synthetic)")
    cov = Table(title="coverage by worker, executor, task source and tier (tasks: current task versions)")
    for col in ("worker", "executed by", "source", "tier", "tasks covered", "keys", "entries", "stale",
                "unisolated", "mean q"):
        cov.add_column(col, no_wrap=col == "tasks covered")
    for c in s.coverage:
        tasks = f"{c.tasks}/{c.catalogue} ({c.tasks / c.catalogue:.0%})" if c.catalogue else str(c.tasks)
        stale = "?" if c.stale is None else str(c.stale)
        unisolated = "?" if c.unisolated is None else str(c.unisolated)
        cov.add_row(
            c.worker, _executor_label(c.executor), c.source, c.tier, tasks, str(c.keys), str(c.entries), stale,
            unisolated, f"{c.mean_q:.3f}",
        )
    console.print(cov)
    _warn_unisolated(console, sum(c.unisolated or 0 for c in s.coverage))
    runs = Table(title=f"recent runs (last {args.runs})")
    for col in ("run", "mode", "worker", "hits", "misses", "writes", "hit rate", "updated"):
        runs.add_column(col)
    for r in s.runs:
        rate = "-" if r.hit_rate is None else f"{r.hit_rate:.1%}"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.updated_at))
        runs.add_row(r.run_id, r.mode, r.worker, str(r.hits), str(r.misses), str(r.writes), rate, when)
    console.print(runs)
    return 0


def _executor_label(executor: str) -> str:
    """``backend/model`` of an llm executor, the synthetic parameters, or ``-``."""
    import json

    if not executor:
        return "-"
    try:
        data = json.loads(executor)
    except ValueError:
        return executor
    if "model" in data:
        where = f" in {data['sandbox']}" if "sandbox" in data else ""
        return f"{data.get('backend', '?')}: {data['model']}" + (f" ({data['model_path']})" if "model_path" in data else "") + where
    if "params" in data:  # synthetic: the quality model's parameters (the tier's shift is implied)
        return f"params {str(data['params'])[:8]}"
    return ", ".join(f"{k}={v}" for k, v in sorted(data.items()))


def _export(args: argparse.Namespace, console) -> int:  # noqa: ANN001
    from diagon.cache import ExecutionStore
    from diagon.cache.portable import export_cache

    with ExecutionStore(_path(args), create=False) as store:
        n = export_cache(store, args.out)
    console.print(f"exported {n} entries to {args.out}")
    return 0


def _import(args: argparse.Namespace, console) -> int:  # noqa: ANN001
    from diagon.cache import ExecutionStore
    from diagon.cache.portable import import_cache

    with ExecutionStore(_path(args)) as store:
        for f in args.files:
            added, skipped = import_cache(store, f)
            console.print(f"{f}: {added} entries added, {skipped} already present")
    return 0


def _merge(args: argparse.Namespace, console) -> int:  # noqa: ANN001
    from diagon.cache import ExecutionStore
    from diagon.cache.portable import merge_caches

    with ExecutionStore(_path(args)) as store:
        added, skipped = merge_caches(store, args.sources)
    console.print(f"merged into {store.path}: {added} entries added, {skipped} already present")
    return 0


def _verify(args: argparse.Namespace, console) -> int:  # noqa: ANN001
    from diagon.cache import CacheCorruptError, ExecutionStore

    with ExecutionStore(_path(args), create=False) as store:
        n = 0
        for entry in store.iter_entries():  # digest-checked
            n += 1
            if not entry.key_consistent():
                raise CacheCorruptError(
                    f"execution cache {store.path} is corrupted: entry {entry.entry_id} has a key that"
                    " does not match its columns (worker, task, task version, tier, executor, skill"
                    " match, effort); restore the cache from an export"
                )
    console.print(f"{_path(args)}: ok ({n} entries, every digest matches, every key matches its entry)")
    from diagon.cache.stats import unisolated_entries

    with ExecutionStore(_path(args), create=False) as store:
        _warn_unisolated(console, unisolated_entries(store))
    return 0


def _warn_unisolated(console, n: int) -> None:  # noqa: ANN001 - rich Console
    """The message about entries scored before verifier isolation (none: nothing)."""
    from diagon.tasks.digest import VERIFIER_ISOLATION

    if n:
        console.print(
            f"[yellow]warning:[/yellow] {n} entries were scored before verifier isolation"
            f" v{VERIFIER_ISOLATION} (issue 10: answers were reachable from the worker's"
            " sandbox, so their q may be forged). They are stale and never replayed; do not"
            " use them for analysis (re-run the executions to replace them)."
        )


def _warm(args: argparse.Namespace, console) -> int:  # noqa: ANN001
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from diagon.cache import ExecutionStore
    from diagon.cache.warm import WarmPlan, select_tasks, warm_cache
    from diagon.config import compose_config
    from diagon.runner import _worker_kwargs
    from diagon.tasks.catalogue import catalogue_for
    from diagon.workers.base import create_worker

    cfg = compose_config(args.overrides)
    path = args.cache or Path(cfg.cache.path)
    catalogue = catalogue_for(cfg.tasks)
    matches = {"both": (False, True), "yes": (True,), "no": (False,)}[args.skill_match]
    plan = WarmPlan(
        tasks=select_tasks(catalogue, args.tasks, args.clusters),
        tiers=tuple(t for t in args.tiers.split(",") if t),
        efforts=tuple(e for e in args.efforts.split(",") if e),
        skill_matches=matches,
        samples=args.samples,
    )
    for tier in plan.tiers:
        if tier not in cfg.tiers:
            raise ValueError(f"unknown tier {tier!r}; known: {sorted(cfg.tiers)}")
    worker = create_worker(cfg.worker.kind, **_worker_kwargs(cfg))
    ready = getattr(worker, "check_ready", None)
    if ready is not None:  # a missing API key or SDK fails now, not at the first execution
        ready()
    with ExecutionStore(path) as store, Progress(
        TextColumn(f"[bold]warming {path} ({cfg.worker.kind})"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=console,
    ) as progress:
        bar = progress.add_task("warm", total=None, last="")
        counts = warm_cache(
            cfg, store, worker, plan, concurrency=args.jobs,
            on_start=lambda n: progress.update(bar, total=n),
            on_done=lambda job, q: progress.update(
                bar, advance=1, last=f"{job.task.id}/{job.tier}/{'match' if job.skill_match else 'no match'}: q={q:.2f}"
            ),
        )
    console.print(
        f"{counts['executed']} executions stored, {counts['already_cached']} of {counts['planned']} already cached"
    )
    return 0


def _calibrate(args: argparse.Namespace, console) -> int:  # noqa: ANN001
    from rich.table import Table

    from diagon.cache.calibration import calibrate
    from diagon.config import compose_config

    cfg = compose_config([*args.overrides, *([f"cache.path={args.cache}"] if args.cache else [])])
    cal = calibrate(cfg)
    syn = cfg.worker.synthetic
    table = Table(title=f"synthetic worker fitted to {cal.n} {syn.calibrate_worker} outcomes in {cfg.cache.path}")
    for col in ("parameter", "configured", "fitted"):
        table.add_column(col)
    for tier, value in cal.tier_shift.items():
        table.add_row(f"tiers.{tier}.quality_shift", f"{cfg.tiers[tier].quality_shift:.3f}", f"{value:.3f}")
    for effort, value in cal.effort_shift.items():
        table.add_row(f"effort_shift.{effort}", f"{syn.effort_shift[effort]:.3f}", f"{value:.3f}")
    for name in ("skill_shift", "full_credit_share", "zero_credit_share"):
        table.add_row(name, f"{getattr(syn, name):.3f}", f"{getattr(cal, name):.3f}")
    console.print(table)
    console.print("use it in a run with worker.synthetic.calibrate_from_cache=true")
    return 0


_VERBS = {
    "stats": _stats, "export": _export, "import": _import, "merge": _merge,
    "verify": _verify, "warm": _warm, "calibrate": _calibrate,
}
