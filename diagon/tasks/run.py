"""Run one task in a fresh sandbox: populate, let a body act, evaluate, close.

Used by the oracle and null workers, by ``diagon tasks validate`` and (through
:func:`open_task_sandbox`) by the LLM worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from diagon.sandboxes import Sandbox, SandboxLimits, create_sandbox
from diagon.tasks.base import EvalResult, Task
from diagon.tasks.sandboxed import populate


def sandbox_backend(task: Task, configured: str, override: str | None = None) -> str:
    """The backend a task runs in: an explicit override, else the one the task requires,
    else the configured one."""
    return override or task.sandbox or configured


@contextmanager
def open_task_sandbox(
    task: Task, backend: str, limits: SandboxLimits | None = None, override: str | None = None
) -> Iterator[Sandbox]:
    """A fresh sandbox holding the task's input files and its read-only mounts; closed on exit.

    ``task.sandbox_options`` go to the backend, except when the task requires one backend
    and another runs it (``override``): they are that backend's options, so they are dropped
    (SkillsBench's docker ``user``/``workdir`` under ``--sandbox bwrap``). A task in its own
    docker image gets none of ``task.files`` (they are that image's build context).
    """
    name = sandbox_backend(task, backend, override)
    options = dict(task.sandbox_options) if task.sandbox in (None, name) else {}
    if name == "docker" and task.docker_image is not None:
        options["image"] = task.docker_image()
        # the task's image already holds what its Dockerfile put there (COPY, then RUN steps
        # that may change it): copying the build context's files over it would undo those
        task = replace(task, files={})
    box = create_sandbox(
        name, limits=limits or SandboxLimits(), ro_mounts=task.mounts or None, **options
    )
    try:
        populate(box, task)
        yield box
    finally:
        box.close()


def evaluate(task: Task, box: Sandbox) -> EvalResult:
    """The task's evaluator on ``box`` within the task's timeout."""
    return task.evaluator.evaluate(box, task.timeout_s)


def run_reference(
    task: Task,
    backend: str,
    with_solution: bool,
    limits: SandboxLimits | None = None,
    inspect: Callable[[Sandbox], None] | None = None,
    override: str | None = None,
) -> EvalResult:
    """Oracle (``with_solution``) or null run of ``task``: q of the reference or of nothing.

    A task without a reference solution cannot be validated by the oracle: raises
    ``ValueError`` naming it. ``inspect`` sees the sandbox after the solution, before
    evaluation (the workers use it to build the output preview).
    """
    with open_task_sandbox(task, backend, limits, override) as box:
        if with_solution:
            if task.solution is None:
                raise ValueError(f"task {task.id!r} ({task.source}) has no reference solution")
            task.solution.apply(box, task.timeout_s)
        if inspect is not None:
            inspect(box)
        return evaluate(task, box)
