"""Issue 10 item 4: outcomes scored before verifier isolation are never replayed, and
``diagon cache stats`` / ``diagon cache verify`` say so.

Entries written by the old code carry the task version of isolation version 1
(:func:`~diagon.tasks.digest.isolation_digest` of version 1, equal to the old
``task_digest``); entries of version 2 were scored while pytest still ran the worker's
module in the harness.
"""

from __future__ import annotations

import asyncio

import pytest

from diagon.cache import CachedWorker, KeyMaterial
from diagon.cache.stats import cache_stats, unisolated_entries
from diagon.cli import main
from diagon.config import compose_config
from diagon.rng import rng_for
from diagon.tasks import digest
from diagon.tasks.catalogue import load_catalogue
from diagon.tasks.registry import TaskResolver
from diagon.workers.base import ExecutionJob, ExecutionOutcome

TASKS = ("code-ini-parser", "query-log-5xx-ips")


class Forger:
    """Stands in for a worker that copied the answers before the fix: always q = 1.0."""

    synthetic = False

    def __init__(self) -> None:
        self.calls = 0

    async def execute(self, job, rng):
        self.calls += 1
        return ExecutionOutcome(q=1.0, tokens_in=10, tokens_out=1, cost=0, duration_s=1.0,
                                preview="copied", synthetic=False)  # fmt: skip


def _run(worker: CachedWorker, spec, i: int) -> str | None:
    job = ExecutionJob(i, 0, spec, "sonnet", "medium", (), False, "", 1)
    out = asyncio.run(worker.execute(job, rng_for(0, "execute", 1, i)))
    return out.cache


def _worker(store, inner, isolation: int | None, policy: str) -> CachedWorker:
    cfg = compose_config(["worker=oracle"])
    keys = KeyMaterial("oracle", isolation=isolation)
    return CachedWorker(inner, store, worker_kind="oracle", tiers=cfg.tiers, multiplier=10.0,
                        policy=policy, keys=keys)  # fmt: skip


def test_the_isolation_version_changes_every_task_version() -> None:
    resolver = TaskResolver()
    for task_id in TASKS:
        task = resolver.get("builtin", task_id)
        assert digest.VERIFIER_ISOLATION == 3
        versions = {digest.isolation_digest(task, n) for n in (1, 2, 3)}
        assert len(versions) == 3 and digest.isolation_digest(task, 3) == digest.task_digest(task)


def test_entries_scored_before_isolation_are_not_replayed_and_are_reported(store, capsys) -> None:
    specs = load_catalogue("builtin")
    old = Forger()
    # as the code before issue 10 (version 1) and after its first fix (version 2) keyed them
    v1, v2 = (_worker(store, old, isolation=n, policy="write") for n in (1, 2))
    assert [_run(w, specs[t], i) for i, (w, t) in enumerate(zip((v1, v2), TASKS, strict=True))] == ["write", "write"]
    assert old.calls == 2 and len(store) == 2

    now = Forger()
    after = _worker(store, now, isolation=None, policy="replay")
    assert [_run(after, specs[t], i) for i, t in enumerate(TASKS)] == ["miss", "miss"]
    assert now.calls == 2  # executed again, never replayed from the forgeable entries

    assert unisolated_entries(store) == 2
    cov = {c.source: c for c in cache_stats(store).coverage}["builtin"]
    assert (cov.entries, cov.tasks, cov.stale, cov.unisolated) == (4, 2, 2, 2)

    assert main(["cache", "stats", "--cache", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "warning: 2 entries were scored before verifier isolation v3" in " ".join(out.split())
    assert main(["cache", "verify", "--cache", str(store.path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "ok (4 entries" in out
    assert "2 entries were scored before verifier isolation v3 (issue 10" in out
    assert "never replayed" in out


def test_a_cache_of_current_entries_gets_no_warning(store, capsys) -> None:
    specs = load_catalogue("builtin")
    _run(_worker(store, Forger(), isolation=None, policy="write"), specs[TASKS[0]], 0)
    assert unisolated_entries(store) == 0
    assert main(["cache", "verify", "--cache", str(store.path)]) == 0
    assert "isolation" not in capsys.readouterr().out


def test_synthetic_entries_are_never_unisolated(store, make_entry_fn) -> None:
    """The synthetic worker never runs a verifier: its version ignores the isolation."""
    spec = load_catalogue("builtin")[TASKS[0]]
    version = KeyMaterial("synthetic").task_version(spec)
    assert KeyMaterial("synthetic", isolation=1).task_version(spec) == version
    store.add([make_entry_fn(0, task_id=TASKS[0], worker="synthetic", task_version=version)])
    assert unisolated_entries(store) == 0
    (cov,) = cache_stats(store).coverage
    assert (cov.stale, cov.unisolated) == (0, 0)


@pytest.mark.parametrize(
    "kind", [["worker=oracle"], ["worker=llm", "model=compatible", "worker.model_id=m"]]
)
def test_outcomes_of_the_unisolated_backend_never_replay_in_a_sandboxed_run(store, kind) -> None:
    """``sandbox=subprocess`` shows the host (every answer): its outcomes are keyed apart."""
    spec = load_catalogue("builtin")[TASKS[0]]

    def worker(backend: str) -> tuple[Forger, CachedWorker]:
        cfg = compose_config([*kind, f"sandbox={backend}"])
        inner = Forger()
        return inner, CachedWorker(inner, store, worker_kind=cfg.worker.kind, tiers=cfg.tiers,
                                   multiplier=10.0, keys=KeyMaterial.from_config(cfg))  # fmt: skip

    _, unsafe = worker("subprocess")
    assert _run(unsafe, spec, 0) == "miss"
    inner, safe = worker("bwrap")
    assert _run(safe, spec, 1) == "miss" and inner.calls == 1
    inner, again = worker("bwrap")
    assert _run(again, spec, 2) == "hit" and inner.calls == 0


class BrokenVerifier(Forger):
    """A worker whose verification failed: q = 0 that measures nothing."""

    async def execute(self, job, rng):
        self.calls += 1
        return ExecutionOutcome(q=0.0, tokens_in=10, tokens_out=1, cost=0, duration_s=1.0,
                                preview="", synthetic=False, infra_error=True)  # fmt: skip


@pytest.mark.parametrize("policy", ["write", "replay"])
def test_a_failed_verification_is_never_stored(store, policy) -> None:
    """Item 4: an infrastructure failure is never cached as q = 0 (it would replay as one)."""
    spec = load_catalogue("builtin")[TASKS[0]]
    inner = BrokenVerifier()
    worker = _worker(store, inner, isolation=None, policy=policy)
    assert [_run(worker, spec, i) for i in range(2)] == [policy.replace("replay", "miss")] * 2
    assert inner.calls == 2 and len(store) == 0
