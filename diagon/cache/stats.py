"""What a cache holds: entries, keys, coverage by source × tier, recent runs' hit rates.

Coverage is grouped by worker, executor (the model that executed the tier, see
:mod:`diagon.cache.identity`), task source and tier. ``tasks`` counts the tasks with an
entry for their *current* version (what a run can replay); entries of versions that are
no longer current (the task or its verifier was edited since) are counted as ``stale``:
they stay in the store but are never replayed. ``unisolated`` counts the stale entries
whose version is the task's version before verifier isolation
(:data:`~diagon.tasks.digest.VERIFIER_ISOLATION`): they were scored while answers were
reachable from the worker's sandbox, so their q may be forged. For a source that cannot be
loaded here (a local corpus that is absent) versions cannot be checked: ``tasks`` then
counts every task with an entry and ``stale`` and ``unisolated`` are None.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diagon.cache.store import ExecutionStore


@dataclass(frozen=True)
class Coverage:
    worker: str
    source: str
    tier: str
    tasks: int  # distinct tasks with at least one entry
    catalogue: int | None  # tasks in the source's catalogue (None: not loadable)
    keys: int
    entries: int
    mean_q: float
    executor: str = ""  # canonical JSON of what executed the tier ("" for oracle/null)
    stale: int | None = None  # entries of task versions that are no longer current
    unisolated: int | None = None  # stale entries scored before verifier isolation


@dataclass(frozen=True)
class RunRow:
    run_id: str
    mode: str
    worker: str
    hits: int
    misses: int
    writes: int
    updated_at: float

    @property
    def hit_rate(self) -> float | None:
        looked = self.hits + self.misses
        return self.hits / looked if looked else None


@dataclass(frozen=True)
class CacheStats:
    path: str
    entries: int
    keys: int
    synthetic_entries: int
    coverage: list[Coverage] = field(default_factory=list)
    runs: list[RunRow] = field(default_factory=list)


def _catalogue_size(source: str) -> int | None:
    try:
        from diagon.tasks.catalogue import load_catalogue

        return len(load_catalogue(source))
    except Exception:  # sources needing a local corpus may be absent here
        return None


def _current_versions(
    worker: str, source: str, pre_isolation: bool = False
) -> dict[str, set[str]] | None:
    """task id → its current versions for ``worker`` (None: the source is not loadable);
    ``pre_isolation``: the versions under every earlier verifier isolation version (none
    for ``synthetic``, which never runs a verifier)."""
    try:
        from diagon.cache.identity import KeyMaterial
        from diagon.tasks.catalogue import load_catalogue
        from diagon.tasks.digest import VERIFIER_ISOLATION

        if pre_isolation and worker == "synthetic":
            return {}
        isolations = range(1, VERIFIER_ISOLATION) if pre_isolation else (None,)
        all_keys = [KeyMaterial(worker, isolation=n) for n in isolations]
        return {
            t.id: {keys.task_version(t, match) for keys in all_keys for match in (False, True)}
            for t in load_catalogue(source).tasks
        }
    except Exception:  # sources needing a local corpus may be absent here
        return None


def unisolated_entries(store: ExecutionStore) -> int:
    """How many entries were scored before verifier isolation (never replayed; their q
    may be forged). Entries of sources that cannot be loaded here are not counted."""
    legacy: dict[tuple[str, str], dict[str, set[str]] | None] = {}
    found = 0
    for worker, source, task_id, version, n in store.query(
        "SELECT worker, task_source, task_id, task_version, COUNT(*) FROM entries"
        " GROUP BY worker, task_source, task_id, task_version"
    ):
        if (worker, source) not in legacy:
            legacy[(worker, source)] = _current_versions(worker, source, pre_isolation=True)
        old = legacy[(worker, source)]
        if old is not None and version in old.get(task_id, ()):
            found += int(n)
    return found


def cache_stats(store: ExecutionStore, recent_runs: int = 10) -> CacheStats:
    """Summarise ``store`` (read-only)."""
    total, keys, synthetic = store.query(
        "SELECT COUNT(*), COUNT(DISTINCT key), COALESCE(SUM(synthetic), 0) FROM entries"
    )[0]
    sizes: dict[str, int | None] = {}
    current: dict[tuple[str, str], dict[str, set[str]] | None] = {}
    legacy: dict[tuple[str, str], dict[str, set[str]] | None] = {}
    versions: dict[tuple[str, str, str, str], tuple[set[str], set[str], int, int]] = {}
    for r in store.query(
        "SELECT worker, executor, task_source, tier, task_id, task_version, COUNT(*) FROM entries"
        " GROUP BY worker, executor, task_source, tier, task_id, task_version"
    ):
        worker, source, task_id, version, n = r[0], r[2], r[4], r[5], int(r[6])
        if (worker, source) not in current:
            current[(worker, source)] = _current_versions(worker, source)
            legacy[(worker, source)] = _current_versions(worker, source, pre_isolation=True)
        now, old = current[(worker, source)], legacy[(worker, source)] or {}
        tasks, live, stale, unisolated = versions.get((r[0], r[1], r[2], r[3]), (set(), set(), 0, 0))
        tasks.add(task_id)
        if now is not None and version in now.get(task_id, ()):
            live.add(task_id)
        elif now is not None:
            stale += n
            unisolated += n if version in old.get(task_id, ()) else 0
        versions[(r[0], r[1], r[2], r[3])] = (tasks, live, stale, unisolated)
    coverage = []
    for r in store.query(
        "SELECT worker, executor, task_source, tier, COUNT(DISTINCT key), COUNT(*), AVG(q) FROM entries"
        " GROUP BY worker, executor, task_source, tier ORDER BY worker, executor, task_source, tier"
    ):
        worker, executor, source, tier = r[0], r[1], r[2], r[3]
        if source not in sizes:
            sizes[source] = _catalogue_size(source)
        tasks, live, stale, unisolated = versions[(worker, executor, source, tier)]
        checked = current[(worker, source)] is not None
        coverage.append(
            Coverage(
                worker, source, tier, len(live) if checked else len(tasks), sizes[source], r[4], r[5],
                float(r[6]), executor=executor, stale=stale if checked else None,
                unisolated=unisolated if checked else None,
            )
        )
    runs = [
        RunRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6])
        for r in store.query(
            "SELECT run_id, mode, worker, hits, misses, writes, updated_at FROM runs"
            " ORDER BY updated_at DESC LIMIT ?",
            (recent_runs,),
        )
    ]
    return CacheStats(str(store.path), int(total), int(keys), int(synthetic), coverage, runs)
