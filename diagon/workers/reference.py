"""``oracle`` and ``noop`` workers: validate tasks and verifiers inside the real sandbox.

``oracle`` applies the task's reference solution (it must score 1.0); ``noop`` (the null
worker) does nothing (it must score below 1.0). Both cost nothing and are never synthetic: their q comes from the
task's own evaluator run in the configured sandbox.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np

from diagon.tasks.run import run_reference
from diagon.workers.base import ExecutionJob, ExecutionOutcome, worker
from diagon.workers.sandboxed import SandboxedWorkerBase, outcome, output_preview


class ReferenceWorker(SandboxedWorkerBase):
    """Runs a task with (oracle) or without (null) its reference solution."""

    with_solution: bool = True
    label: str = "oracle"

    async def execute(self, job: ExecutionJob, rng: np.random.Generator) -> ExecutionOutcome:
        return await asyncio.to_thread(self._execute, job)

    def _execute(self, job: ExecutionJob) -> ExecutionOutcome:
        task = self.task_for(job)
        start = time.monotonic()
        previews: list[str] = []
        note = "reference solution applied" if self.with_solution else "nothing was done"
        result = run_reference(
            task,
            self.sandbox,
            self.with_solution,
            inspect=lambda box: previews.append(output_preview(box, task, f"[{self.label}] {note}")),
        )
        return outcome(
            result,
            preview=previews[0] if previews else "",
            duration_s=time.monotonic() - start,
            detail_prefix=f"{self.label}: ",
        )


class NullWorker(ReferenceWorker):
    """Leaves the work dir as the task created it."""

    with_solution = False
    label = "noop"


@worker("oracle")
def _oracle(**kwargs: Any) -> ReferenceWorker:
    return ReferenceWorker(**kwargs)


@worker("noop")  # not "null": `worker=null` is None to Hydra and YAML
def _null(**kwargs: Any) -> NullWorker:
    return NullWorker(**kwargs)
