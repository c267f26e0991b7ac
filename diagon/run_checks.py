"""Pre-run checks of a configured market: every part it needs is available before any work
(a trader of the configured name, the worker and its model, the task source, the execution
cache, the sandbox backend). A refusal is one :class:`~diagon.runner.RunError` line."""

from __future__ import annotations

from pathlib import Path

from diagon.config.schema import DiagonConfig
from diagon.runner import RunError, _trader_kwargs, _worker_kwargs, trader_name
from diagon.tasks.catalogue import Catalogue, catalogue_for
from diagon.traders.registry import create_trader
from diagon.workers.base import Worker, create_worker


def check_runnable(cfg: DiagonConfig) -> None:
    """Fail before any work when a configured part is not available."""
    try:
        create_trader(trader_name(cfg), **_trader_kwargs(cfg, next(iter(cfg.families.values())), "neutral"))
        worker = create_worker(cfg.worker.kind, **_worker_kwargs(cfg))
        catalogue = catalogue_for(cfg.tasks)  # a missing local source fails here, with its config key
    except ValueError as exc:
        raise RunError(str(exc)) from exc
    from diagon.cache import CacheError, ExecutionStore, cache_policy
    from diagon.cache.worker import replay_mismatch

    policy = cache_policy(cfg)
    if policy is not None and Path(cfg.cache.path).exists():
        try:  # a corrupted or foreign cache file fails before any work
            with ExecutionStore(cfg.cache.path) as store:
                mismatch = replay_mismatch(cfg, store)
        except CacheError as exc:
            raise RunError(str(exc)) from exc
        if mismatch:
            raise RunError(mismatch)
    _check_worker_ready(cfg, worker, catalogue, policy)


def _check_worker_ready(cfg: DiagonConfig, worker: Worker, catalogue: Catalogue, policy: str | None) -> None:
    """Build the worker's model (no request) unless the cache replays every execution.

    A fast run whose cache holds an entry for every key the run may look up never needs
    the worker, so a missing API key or SDK does not stop it; otherwise it fails here,
    before any work, instead of at the first miss.
    """
    from diagon.workers.sandboxed import SandboxedWorkerBase

    ready = getattr(worker, "check_ready", None)
    sandboxed = isinstance(worker, SandboxedWorkerBase)
    if ready is None and not sandboxed:
        return
    note = ""
    try:
        if policy == "replay":
            from diagon.cache.worker import coverage

            covered, wanted = coverage(cfg, catalogue)
            if covered == wanted:
                return
            note = (
                f" (the execution cache {cfg.cache.path} holds {covered} of the {wanted} keys this"
                " run may look up, so the worker may have to execute)"
            )
        if ready is not None:
            ready()
        if sandboxed:
            _check_sandbox(cfg)
    except ValueError as exc:
        raise RunError(f"{exc}{note}") from exc


def _check_sandbox(cfg: DiagonConfig) -> None:
    """Start and close one sandbox of ``sandbox.backend`` (a missing Docker engine or
    bubblewrap fails here, in one line, not at the first contract)."""
    from diagon.sandboxes import SandboxError, create_sandbox

    try:
        create_sandbox(cfg.sandbox.backend).close()
    except SandboxError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunError(
            f"sandbox={cfg.sandbox.backend} cannot run here (worker={cfg.worker.kind} needs it): {first}"
        ) from None
