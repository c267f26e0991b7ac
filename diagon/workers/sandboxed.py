"""Shared parts of the real (sandboxed) workers: task lookup, preview, outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diagon.tasks.base import EvalResult, Task
from diagon.tasks.catalogue import source_paths
from diagon.tasks.registry import TaskResolver
from diagon.tasks.sandboxed import read_text_head
from diagon.workers.base import ExecutionJob, ExecutionOutcome

if TYPE_CHECKING:
    from diagon.sandboxes import Sandbox

PREVIEW_CHARS = 1500
FILE_PREVIEW_CHARS = 600


class SandboxedWorkerBase:
    """Resolves a job's task and knows the configured sandbox backend."""

    synthetic = False

    def __init__(self, *, sandbox: str = "bwrap", tasks: Any = None, **_: Any) -> None:
        self.sandbox = sandbox
        self.resolver = TaskResolver(source_paths(tasks) if tasks is not None else None)

    def task_for(self, job: ExecutionJob) -> Task:
        """The executable task behind the job's catalogue entry."""
        return self.resolver.get(job.task.source, job.task.id)


def output_preview(box: Sandbox, task: Task, note: str = "", limit: int = PREVIEW_CHARS) -> str:
    """What the poster reads: the worker's note and the head of each output file."""
    parts = [note.strip()] if note.strip() else []
    for rel in task.output_files:
        # only the head is read: an output file may be gigabytes (4 bytes per char at most)
        head = read_text_head(box, rel, 4 * FILE_PREVIEW_CHARS)
        text = "(not written)" if head is None else head[0][:FILE_PREVIEW_CHARS]
        parts.append(f"--- {rel} ---\n{text}")
    preview = "\n".join(parts) or "(no output)"
    return preview[:limit]


def outcome(
    result: EvalResult,
    *,
    preview: str,
    duration_s: float,
    tokens_in: int = 0,
    tokens_out: int = 0,
    cost: int = 0,
    detail_prefix: str = "",
) -> ExecutionOutcome:
    """An :class:`ExecutionOutcome` of a real execution (never synthetic)."""
    return ExecutionOutcome(
        q=result.q,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=cost,
        duration_s=round(duration_s, 3),
        preview=preview,
        synthetic=False,
        detail=(detail_prefix + result.detail)[:500],
        infra_error=result.infra_error,
    )
