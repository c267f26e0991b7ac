"""Run one task: a fresh sandbox for the worker, then a fresh one for the verifier.

Used by the oracle and null workers, by ``diagon tasks validate`` and (through
:func:`open_task_sandbox` and :func:`evaluate`) by the LLM worker.

Verification never happens where the worker worked: :func:`evaluate` copies the regular
files of the worker's work dir out as data (:mod:`diagon.tasks.outputs`), after every
process of the worker is gone (no command outlives ``exec``), and the task's evaluator
scores them in a new verification sandbox (``diagon.sandboxes.verifier``): the harness and
the worker's code run there as two uids, the report is read from the harness's private
directory. A failure of the verification itself is an infrastructure error
(:attr:`EvalResult.infra_error`), logged, never a q of 1.0 and never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from diagon.sandboxes import Sandbox, SandboxError, SandboxLimits, create_sandbox
from diagon.tasks.base import EvalResult, Task, VerifierUnavailable
from diagon.tasks.outputs import OutputTooLarge, Snapshot, restore, snapshot
from diagon.tasks.sandboxed import infra_error, populate

logger = logging.getLogger(__name__)


def sandbox_backend(task: Task, configured: str, override: str | None = None) -> str:
    """The backend a task runs in: an explicit override, else the one the task requires,
    else the configured one."""
    return override or task.sandbox or configured


@contextmanager
def open_task_sandbox(
    task: Task,
    backend: str,
    limits: SandboxLimits | None = None,
    override: str | None = None,
    *,
    verifier: bool = False,
) -> Iterator[Sandbox]:
    """A fresh sandbox holding the task's read-only mounts and (unless ``verifier``: the
    verifier gets the worker's files instead) its input files; closed on exit.

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
        name,
        limits=limits or SandboxLimits(),
        ro_mounts=task.mounts or None,
        verifier=verifier,
        **options,
    )
    try:
        if not verifier:
            populate(box, task)
        yield box
    finally:
        box.close()


def verify(
    task: Task,
    outputs: Snapshot,
    backend: str,
    limits: SandboxLimits | None = None,
    override: str | None = None,
) -> EvalResult:
    """The task's evaluator on ``outputs`` (the worker's files) in a fresh verification
    sandbox of ``backend``; an infrastructure failure comes back as an ``infra_error``."""
    try:
        with open_task_sandbox(task, backend, limits, override, verifier=True) as box:
            restore(box, outputs)
            result = task.evaluator.evaluate(box, task.timeout_s)
    except VerifierUnavailable:
        raise  # the sandbox cannot verify at all: the run stops (resumable), nothing scored
    except Exception as exc:  # noqa: BLE001 - no other failure of the verification ends the run
        result = infra_error(f"verification failed: {type(exc).__name__}: {exc}")
    if result.infra_error:
        logger.warning("task %s (%s): %s", task.id, task.source, result.detail)
    return result


def collect(task: Task, box: Sandbox) -> Snapshot | EvalResult:
    """The worker's files in ``box``, or the result that stands for them when they cannot
    be copied (too large: q = 0; unreadable: an infrastructure error)."""
    try:
        return snapshot(box)
    except OutputTooLarge as exc:
        return EvalResult(0.0, 0, 1, f"not verified: {exc}")
    except (SandboxError, OSError) as exc:
        result = infra_error(f"cannot read the worker's files: {type(exc).__name__}: {exc}")
        logger.warning("task %s (%s): %s", task.id, task.source, result.detail)
        return result


def evaluate(
    task: Task, box: Sandbox, limits: SandboxLimits | None = None, override: str | None = None
) -> EvalResult:
    """Score what the worker left in ``box``: its files, copied into a fresh verification
    sandbox of the same backend (:func:`collect`, :func:`verify`)."""
    outputs = collect(task, box)
    if isinstance(outputs, EvalResult):
        return outputs
    return verify(task, outputs, backend_name(box), limits, override)


def backend_name(box: Sandbox) -> str:
    """The registered backend name of ``box`` (its class's ``name``)."""
    return str(getattr(type(box), "name", "bwrap"))


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
        name, outputs = backend_name(box), collect(task, box)
    if isinstance(outputs, EvalResult):
        return outputs
    # the worker's sandbox is closed (every process of it gone) before verification starts
    return verify(task, outputs, name, limits, override)
