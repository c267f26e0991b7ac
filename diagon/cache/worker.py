"""``CachedWorker``: execution replay around any worker (paper §4.5, Appendix C.2).

Policies:

* ``replay`` (``mode=fast``; autarky with ``cache.autarky=replay``): look the job's key
  up; on a hit draw one stored entry uniformly with the contract's seeded execute RNG
  (entries in stable ``entry_id`` order) and replay it (``cache="hit"``); on a miss run
  the inner worker with the untouched RNG and write the outcome through
  (``cache="miss"``). With an empty cache a fast run therefore equals a full run. Misses
  of the synthetic worker are stored only with ``cache.write_synthetic`` (as in ``write``).
* ``write`` (``mode=full``/``autarky`` with ``cache.write_in_full_mode``): always run the
  inner worker and store the outcome (``cache="write"``).

Key: worker kind, task, tier, skill match, effort, plus what executed the tier and the
task's version (:class:`~diagon.cache.identity.KeyMaterial`, built from the run's
config), so a changed model or an edited task never replays an old outcome.

The inner worker is built lazily, on the first miss (``inner`` may be a zero-argument
factory): a fast run whose every execution is a hit never builds it, so it needs neither
the worker's model nor its API key. A worker that cannot execute raises
:class:`~diagon.workers.base.WorkerUnavailable` at that miss (a clear error; the runner
stops the run, which stays resumable); the runner also checks the worker before a run
whenever the cache cannot cover every possible execution (:func:`coverage`).

Counts: hits, misses and writes are kept per round and stored (replacing, so idempotent)
at every round end (:meth:`CachedWorker.flush`, called by the runner just before the
round's checkpoint) and on close. A killed run keeps the counts of every completed round,
matching its events; the unfinished round's counts are lost with its events, and a resume
re-executes and counts that round again. (A durable write per hit would also be cheap,
about 0.05 ms, see ``benchmarks/cache.py``, but would count executions whose events a
kill discards, and take the shared write lock once per hit in parallel sweeps.)

Determinism: a run sees the store as it was when the run first started (its
*watermark*, kept across resumes in the ``runs`` table) plus its own writes from
earlier rounds; concurrent writers and the current round's fan-out are invisible, so a
fast run is reproducible given the cache contents at its start. A run's own entries
are those whose ``source_run`` is its run id; their ``entry_id`` is derived from
(run id, round, listing, key), so it does not depend on the run directory and a
resumed round does not duplicate them.

Cost on a replay: stored tokens re-priced at the current run's tier prices and task
multiplier m (``m · (tokens_in · price_in + tokens_out · price_out)``), the definition of
execution cost; an entry without tokens has its stored cost rescaled by m / m_stored.
The replayed cost is charged to the contractor in-market (as in the paper); the
experimenter's real compute on a hit is zero (events with ``cache="hit"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from diagon.cache.identity import KeyMaterial
from diagon.cache.keys import CacheEntry, cache_key, sha256_hex
from diagon.cache.store import ExecutionStore
from diagon.config.schema import TierConfig
from diagon.economy.pricing import execution_cost
from diagon.money import to_decimal
from diagon.workers.base import ExecutionJob, ExecutionOutcome, Worker, WorkerUnavailable

if TYPE_CHECKING:
    from diagon.config.schema import DiagonConfig
    from diagon.tasks.catalogue import Catalogue

Policy = Literal["replay", "write"]


def cache_policy(cfg: DiagonConfig) -> Policy | None:
    """What a run does with the cache (None: the worker is not wrapped)."""
    c = cfg.cache
    mode = cfg.mode.name
    if not c.enabled:
        return None
    if mode == "fast" or (mode == "autarky" and c.autarky == "replay"):
        return "replay"
    if mode == "autarky" and c.autarky == "off":
        return None
    if not c.write_in_full_mode:
        return None
    if getattr(cfg.worker, "kind", "") == "synthetic" and not c.write_synthetic:
        return None  # synthetic outcomes cost nothing to regenerate; opt in for tests
    return "write"


def run_uid_for(run_id: str, run_dir: Path | str) -> str:
    """Identity of one run directory's run (a resumed run keeps it)."""
    return sha256_hex({"run_id": run_id, "run_dir": str(Path(run_dir).resolve())})[:20]


def replay_cost(entry: CacheEntry, tier: TierConfig, multiplier: float) -> int:
    """The entry's execution cost at the current prices and m (module docstring)."""
    if entry.tokens_in or entry.tokens_out:
        return execution_cost(entry.tokens_in, entry.tokens_out, tier, multiplier)
    if not entry.cost or not entry.multiplier:
        return entry.cost
    scaled = Decimal(entry.cost) * to_decimal(multiplier) / to_decimal(entry.multiplier)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class CachedWorker:
    """Wraps ``inner``; see the module docstring for the policies and guarantees."""

    def __init__(
        self,
        inner: Worker | Callable[[], Worker],
        store: ExecutionStore,
        *,
        worker_kind: str,
        tiers: dict[str, TierConfig],
        multiplier: float,
        policy: Policy = "replay",
        include_effort: bool = True,
        run_uid: str = "",
        watermark: int | None = None,
        source: str = "",
        keys: KeyMaterial | None = None,
        synthetic: bool | None = None,
        write: bool = True,
    ) -> None:
        if hasattr(inner, "execute"):
            self._inner: Worker | None = inner  # type: ignore[assignment]
            self._factory: Callable[[], Worker] | None = None
        else:
            self._inner, self._factory = None, inner  # type: ignore[assignment]
        self.store = store
        self.worker_kind = worker_kind
        self.tiers = tiers
        self.multiplier = multiplier
        self.policy = policy
        self.include_effort = include_effort
        self.run_uid = run_uid
        self.watermark = watermark
        self.source = source or run_uid or "direct"
        # without a config (tests, tools): no executor identity, default task paths
        self.keys = keys or KeyMaterial(worker_kind)
        self._synthetic = synthetic
        self.write = write  # store misses (replay) / executions (write)
        self.counts = {"hits": 0, "misses": 0, "writes": 0}
        self._rounds: dict[int, dict[str, int]] = {}  # this process's counts per round
        self._dirty: set[int] = set()

    @property
    def inner(self) -> Worker:
        """The wrapped worker, built on first use (the first miss)."""
        if self._inner is None:
            assert self._factory is not None
            try:
                self._inner = self._factory()
            except WorkerUnavailable:
                raise
            except Exception as exc:
                raise WorkerUnavailable(
                    f"worker={self.worker_kind} is needed for an execution the cache cannot"
                    f" replay, but cannot be built: {type(exc).__name__}: {exc}"
                ) from exc
        return self._inner

    @inner.setter
    def inner(self, worker: Worker) -> None:
        self._inner = worker

    @property
    def built(self) -> bool:
        """Whether the inner worker exists (a fully warm fast run never builds it)."""
        return self._inner is not None

    @property
    def synthetic(self) -> bool:  # type: ignore[override]
        if self._inner is None and self._synthetic is not None:
            return self._synthetic
        return bool(getattr(self.inner, "synthetic", False))

    def key_for(self, job: ExecutionJob) -> str:
        effort = job.effort if self.include_effort else None
        return cache_key(
            self.worker_kind, job.task.id, job.tier, job.skill_match, effort,
            task_version=self.keys.task_version(job.task, job.skill_match),
            executor=self.keys.executor(job.tier),
        )  # fmt: skip

    async def execute(self, job: ExecutionJob, rng: np.random.Generator) -> ExecutionOutcome:
        key = self.key_for(job)
        round_ = int(getattr(job, "round", 0))
        if self.policy == "replay":
            ids = self.store.candidates(
                key, watermark=self.watermark, source=self.source, before_round=round_
            )
            if ids:
                chosen = self.store.get(ids[int(rng.integers(len(ids)))])
                self._count("hits", round_)
                return self._replay(chosen, len(ids))
        out = await self.inner.execute(job, rng)
        if self.write and not out.infra_error:  # a failed verification is no measurement
            entry = self._entry(job, key, out, round_)
            self.store.add([entry])  # a resumed round's re-execution keeps the first stored id
        self._count("misses" if self.policy == "replay" else "writes", round_)
        return replace(out, cache="miss" if self.policy == "replay" else "write")

    def _replay(self, e: CacheEntry, n: int) -> ExecutionOutcome:
        detail = f"cache hit: entry {e.entry_id[:12]} of {n}, stored by {e.source_run}"
        return ExecutionOutcome(
            q=e.q,
            tokens_in=e.tokens_in,
            tokens_out=e.tokens_out,
            cost=replay_cost(e, self.tiers[e.tier], self.multiplier),
            duration_s=e.duration_s,
            preview=e.preview,
            synthetic=e.synthetic,
            detail=f"{detail}; {e.detail}" if e.detail else detail,
            cache="hit",
        )

    def _entry(self, job: ExecutionJob, key: str, out: ExecutionOutcome, round_: int) -> CacheEntry:
        tier = self.tiers[job.tier]
        origin = {"source": self.source, "round": round_, "listing": job.listing_id, "key": key}
        return CacheEntry(
            entry_id=sha256_hex(origin)[:32],
            key=key,
            worker=self.worker_kind,
            task_id=job.task.id,
            task_version=self.keys.task_version(job.task, job.skill_match),
            task_source=job.task.source,
            cluster=job.task.cluster,
            difficulty=float(job.task.difficulty),
            tier=job.tier,
            executor=self.keys.executor(job.tier),
            effort=job.effort,
            skill_match=bool(job.skill_match),
            q=float(min(max(out.q, 0.0), 1.0)),
            tokens_in=int(out.tokens_in),
            tokens_out=int(out.tokens_out),
            cost=int(out.cost),
            multiplier=float(self.multiplier),
            price_in=float(tier.price_in),
            price_out=float(tier.price_out),
            duration_s=float(out.duration_s),
            preview=out.preview,
            detail=out.detail,
            synthetic=bool(out.synthetic),
            source_run=self.source,
            source_round=round_,
            created_at=time.time(),
        ).sealed()

    def _count(self, name: str, round_: int) -> None:
        self.counts[name] += 1
        self._rounds.setdefault(round_, {"hits": 0, "misses": 0, "writes": 0})[name] += 1
        self._dirty.add(round_)

    def flush(self) -> None:
        """Store the complete counts of the rounds counted since the last flush (the
        runner calls this at every round end; see the module docstring)."""
        if self.run_uid and self._dirty:
            self.store.set_round_counts(self.run_uid, {r: self._rounds[r] for r in self._dirty})
        self._dirty.clear()

    def close(self) -> None:
        """Flush the counters and close the store (the run is over)."""
        self.flush()
        self.store.close()


def wrap_worker(
    worker: Worker | Callable[[], Worker], cfg: DiagonConfig, *, run_id: str, run_dir: Path | str
) -> Worker:
    """The run's worker, wrapped in a :class:`CachedWorker` when its config asks for it.

    ``worker`` may be a zero-argument factory: the cache then builds the worker on its
    first miss (a fully warm fast run never does).
    """
    policy = cache_policy(cfg)
    if policy is None:
        return worker if hasattr(worker, "execute") else worker()  # type: ignore[operator,return-value]
    keys = KeyMaterial.from_config(cfg)  # a config without a model for some tier fails here
    store = ExecutionStore(cfg.cache.path)
    uid = run_uid_for(run_id, run_dir)
    mark = store.register_run(uid, run_id=run_id, run_dir=str(run_dir), mode=cfg.mode.name, worker=cfg.worker.kind)
    return CachedWorker(
        worker,
        store,
        worker_kind=cfg.worker.kind,
        tiers=cfg.tiers,
        multiplier=cfg.economy.task_multiplier,
        policy=policy,
        include_effort=cfg.cache.include_effort,
        run_uid=uid,
        watermark=mark,
        source=run_id,
        keys=keys,
        synthetic=cfg.worker.kind == "synthetic",
        write=writes_outcomes(cfg),
    )


def writes_outcomes(cfg: DiagonConfig) -> bool:
    """Whether the run stores what its worker executes: always, except synthetic outcomes
    without ``cache.write_synthetic`` (also on a fast run's misses)."""
    return cfg.worker.kind != "synthetic" or cfg.cache.write_synthetic


def replay_mismatch(cfg: DiagonConfig, store: ExecutionStore) -> str | None:
    """Why a replaying run of the synthetic worker could neither hit nor write in
    ``store``, or None.

    ``worker`` defaults to ``synthetic``, so ``mode=fast`` after a ``worker=oracle`` (or
    ``llm``) run would silently replay nothing; an empty store is fine (fast = full), and
    so is ``cache.write_synthetic=true`` (the run fills the store).
    """
    if cfg.worker.kind != "synthetic" or writes_outcomes(cfg) or cache_policy(cfg) != "replay":
        return None
    kinds = {str(r[0]): int(r[1]) for r in store.query("SELECT worker, COUNT(*) FROM entries GROUP BY worker")}
    if not kinds or kinds.get("synthetic"):
        return None
    held = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    hint = " ".join(f"worker={k}" for k in sorted(kinds))
    return (
        f"mode={cfg.mode.name} replays outcomes of worker={cfg.worker.kind} (the default), but the"
        f" execution cache {cfg.cache.path} holds none, only {held} outcomes: add {hint} to"
        " replay them"
    )


def coverage(cfg: DiagonConfig, catalogue: Catalogue, store: ExecutionStore | None = None) -> tuple[int, int]:
    """(keys with at least one stored entry, keys a run of ``cfg`` may look up): every
    task of ``catalogue`` × tier × skill match × effort (one effort when
    ``cache.include_effort=false``) under the run's key material."""
    from diagon.config.schema import EFFORTS

    keys = KeyMaterial.from_config(cfg)
    efforts: tuple[str | None, ...] = tuple(EFFORTS) if cfg.cache.include_effort else (None,)
    wanted = {
        cache_key(
            cfg.worker.kind, task.id, tier, match, effort,
            task_version=keys.task_version(task, match), executor=keys.executor(tier),
        )  # fmt: skip
        for task in catalogue.tasks
        for tier in cfg.tiers
        for match in (False, True)
        for effort in efforts
    }
    if store is None:
        if not Path(cfg.cache.path).exists():
            return 0, len(wanted)
        with ExecutionStore(cfg.cache.path) as opened:
            return coverage(cfg, catalogue, opened)
    present = {r[0] for r in store.query("SELECT DISTINCT key FROM entries")}
    return len(wanted & present), len(wanted)
