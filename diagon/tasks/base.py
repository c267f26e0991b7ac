"""The executable task model shared by every task source.

A :class:`Task` is what a worker gets and what an evaluator scores: the instruction, the
files put into the worker's sandbox, an :class:`Evaluator` that computes q ∈ [0, 1] from the
sandbox's work dir *inside the sandbox*, and (optionally) a reference :class:`Solution` that
the oracle worker applies. Its economic facts (c_k, p_k, difficulty) become a
:class:`~diagon.tasks.catalogue.TaskSpec` through :meth:`Task.spec`.

Priors for tasks without observed executions (documented in ``tasks/README.md``)::

    reference_cost_usd = 0.015 + 0.12 · d        pass_rate = 0.97 − 0.7 · d

with d the task's difficulty in [0, 1]; :func:`prior_cost_usd` / :func:`prior_pass_rate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from diagon.money import usd
from diagon.tasks.catalogue import TaskSpec

if TYPE_CHECKING:
    from diagon.sandboxes import Sandbox


@dataclass(frozen=True)
class EvalResult:
    """Outcome of an evaluator: ``q = passed / total`` (0.0 when nothing could be checked).

    ``infra_error``: the evaluation itself failed (missing or malformed report, a checker
    that crashed): ``q`` is then 0.0 but no measurement of the worker; ``detail`` says why.
    """

    q: float
    passed: int
    total: int
    detail: str
    infra_error: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.q <= 1.0:
            raise ValueError(f"q must lie in [0, 1], got {self.q}")
        if self.infra_error and self.q != 0.0:
            raise ValueError("an infrastructure error has no q (must be 0.0)")


class Evaluator(Protocol):
    """Scores the work dir of a (verification) sandbox; any code it runs runs inside it."""

    def evaluate(self, box: Sandbox, timeout_s: float) -> EvalResult:
        """Return q for what the worker left in ``box``."""
        ...


class Solution(Protocol):
    """A reference solution the oracle applies to a freshly populated sandbox."""

    def apply(self, box: Sandbox, timeout_s: float) -> None:
        """Write / compute the reference outputs in ``box`` (raises on failure)."""
        ...


class VerifierUnavailable(RuntimeError):
    """The task's verifier cannot run in this sandbox at all (e.g. its Python has no pytest):
    an infrastructure failure, independent of the worker's output. It is raised, never
    scored: no q = 0 is recorded or cached for it, and a market run stops with the message
    (resumable once the sandbox is fixed)."""


class TaskSourceError(ValueError):
    """A task source cannot be loaded (missing path, malformed files, missing package)."""


def prior_cost_usd(difficulty: float) -> float:
    """Prior c_k (USD) of a Sonnet-class worker without skills for difficulty ``d``."""
    return round(0.015 + 0.12 * difficulty, 3)


def prior_pass_rate(difficulty: float) -> float:
    """Prior p_k (share of q = 1 outcomes of that worker) for difficulty ``d``."""
    return round(0.97 - 0.7 * difficulty, 2)


@dataclass(frozen=True)
class Task:
    """One executable task of any source.

    ``files`` (relative path → content) and the contents of each host directory in ``dirs``
    (work-dir prefix, e.g. ``""`` or ``"skills/"`` → host path) are copied into the
    worker's work dir before it starts. Each host directory in ``mounts`` (work-dir prefix,
    e.g. ``"corpus/flights/"`` → host path) is instead shown read-only at that prefix,
    never copied, and shared by every sandbox of the task (large data: ToolQA corpora);
    see ``diagon.sandboxes.mounts``. ``output_files`` name what the worker must produce
    (shown to the poster as the output preview). ``sandbox`` forces a backend (SkillsBench
    needs ``docker``); ``None`` uses the configured one; ``sandbox_options`` go to the
    backend (dropped when an override runs the task in another one). ``category`` groups
    tasks inside a source (BFCL: simple/parallel/multi_turn) for ``--limit``.
    """

    id: str
    source: str
    cluster: str
    title: str
    instruction: str
    difficulty: float
    reference_cost_usd: float
    pass_rate: float
    evaluator: Evaluator
    solution: Solution | None = None
    category: str = ""
    files: Mapping[str, bytes] = field(default_factory=dict)
    dirs: tuple[tuple[str, Path], ...] = ()
    mounts: tuple[tuple[str, Path], ...] = ()
    output_files: tuple[str, ...] = ()
    timeout_s: float = 120.0
    sandbox: str | None = None
    sandbox_options: Mapping[str, Any] = field(default_factory=dict)
    # docker only: builds (once) and names the task's own image (SkillsBench environments)
    docker_image: Callable[[], str] | None = None
    tags: tuple[str, ...] = ()

    def spec(self) -> TaskSpec:
        """The economic view the market prices the task from."""
        return TaskSpec(
            id=self.id,
            source=self.source,
            cluster=self.cluster,
            title=self.title,
            difficulty=float(self.difficulty),
            reference_cost=usd(self.reference_cost_usd),
            pass_rate=float(self.pass_rate),
        )
