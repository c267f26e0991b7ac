"""Validate tasks: the oracle must score 1.0 and the null worker below 1.0, in the sandbox.

Both runs of every task use :func:`diagon.tasks.run.run_reference` (the code path of the
``oracle`` and ``null`` workers), spread over a thread pool (each run is a sandboxed
process, so threads suffice).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from diagon.tasks.base import EvalResult, Task
from diagon.tasks.run import run_reference


@dataclass(frozen=True)
class Validation:
    """The verdict on one task."""

    task_id: str
    source: str
    category: str
    oracle: EvalResult
    null: EvalResult
    seconds: float

    @property
    def ok(self) -> bool:
        """Oracle exactly 1.0 and null strictly below it, both real measurements."""
        return self.oracle.q == 1.0 and self.null.q < 1.0 and not self.null.infra_error

    @property
    def problem(self) -> str:
        """Why the task failed validation ("" when it passed)."""
        if self.oracle.q != 1.0:
            return f"oracle q={self.oracle.q:.3f}: {self.oracle.detail[:200]}"
        if self.null.infra_error:
            return f"null run: {self.null.detail[:200]}"
        if self.null.q >= 1.0:
            return "null worker scores 1.0: the evaluator accepts an untouched work dir"
        return ""


def _error(exc: BaseException) -> EvalResult:
    return EvalResult(0.0, 0, 0, f"{type(exc).__name__}: {exc}", infra_error=True)


def validate_task(task: Task, backend: str, override: str | None = None) -> Validation:
    """Oracle and null run of one task (errors count as q = 0 with the error as detail)."""
    start = time.monotonic()
    results = []
    for with_solution in (True, False):
        try:
            results.append(run_reference(task, backend, with_solution, override=override))
        except Exception as exc:  # a broken task must show up in the table, not abort it
            results.append(_error(exc))
    return Validation(
        task.id, task.source, task.category, results[0], results[1], time.monotonic() - start
    )


def validate_tasks(
    tasks: Sequence[Task],
    backend: str = "bwrap",
    jobs: int = 2,
    override: str | None = None,
    on_result: Callable[[Validation], None] | None = None,
) -> list[Validation]:
    """Validate ``tasks`` with ``jobs`` in parallel; results in the order of ``tasks``."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(validate_task, t, backend, override) for t in tasks]
        results = []
        for future in futures:
            result = future.result()
            if on_result is not None:
                on_result(result)
            results.append(result)
    return results
