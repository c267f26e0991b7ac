"""The worker interface: execute one contract and report verified quality."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from diagon.tasks.catalogue import TaskSpec


@dataclass(frozen=True)
class ExecutionJob:
    listing_id: int
    contractor: int
    task: TaskSpec
    tier: str
    effort: str
    skills: tuple[str, ...]
    skill_match: bool
    strategy: str
    round: int = 0  # the market round (the execution cache's visibility rule uses it)


@dataclass(frozen=True)
class ExecutionOutcome:
    q: float  # verified quality in [0, 1]; the poster never sees it
    tokens_in: int
    tokens_out: int
    cost: int  # m · c_exec in micro-dollars
    duration_s: float
    preview: str  # what the poster gets to read
    synthetic: bool
    detail: str = ""
    cache: str | None = None  # "hit" | "miss" (fast) | "write" (full): see diagon.cache.worker
    # the verification itself failed (EvalResult.infra_error): q = 0 is no measurement
    infra_error: bool = False


class WorkerUnavailable(RuntimeError):
    """The worker cannot execute at all (its model is unreachable, a key or SDK is missing).

    Raised instead of scoring an execution that never really happened; it stops the run
    (which stays resumable from its last completed round) rather than recording q = 0.
    """


class Worker(Protocol):
    synthetic: bool

    async def execute(self, job: ExecutionJob, rng: np.random.Generator) -> ExecutionOutcome: ...


WorkerFactory = Callable[..., Worker]
_REGISTRY: dict[str, WorkerFactory] = {}


def worker(name: str) -> Callable[[WorkerFactory], WorkerFactory]:
    """Register a worker factory ``factory(config) -> Worker`` under ``name``."""

    def decorate(factory: WorkerFactory) -> WorkerFactory:
        _REGISTRY[name] = factory
        return factory

    return decorate


def create_worker(name: str, **kwargs: Any) -> Worker:
    # importing these registers the builtin workers (their heavy parts load lazily)
    import diagon.workers.llm  # noqa: F401
    import diagon.workers.reference  # noqa: F401
    import diagon.workers.synthetic  # noqa: F401

    if name not in _REGISTRY:
        raise ValueError(f"unknown worker {name!r} (worker.kind); available: {sorted(_REGISTRY)}")
    return _REGISTRY[name](**kwargs)
