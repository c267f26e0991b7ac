"""Helpers that run task code *inside* a sandbox: populate it, run pytest or a checker script.

Evaluators run in a verification sandbox (``diagon.sandboxes.verifier``, made by
:func:`diagon.tasks.run.verify`): the checker files and the report live in the harness's
private directory, which the worker's code (run only in child processes through
``diagon/tasks/checkers/untrusted.py``, as another uid) can neither read nor write. A
sandbox that is not a verification sandbox (another backend) gets a fresh hidden directory
of the work dir (``.diagon-eval-<hex>``) instead. Checkers always run isolated (``python -I``: no
work dir or script dir on ``sys.path``, no user site, no ``PYTHON*`` variables), so a
``usercustomize.py``, ``sitecustomize.py`` or ``.pth`` file left by the worker never runs.

A report that is missing or malformed, or a harness that fails for another reason than
failing tests, is an *infrastructure error* (:attr:`EvalResult.infra_error`), never a q.
Nothing of the worker's output is executed on the host.
"""

from __future__ import annotations

import json
import secrets
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from diagon.sandboxes import Sandbox, SandboxError, read_head
from diagon.sandboxes.verifier import VerifierSandbox
from diagon.tasks.base import EvalResult, Task, VerifierUnavailable
from diagon.tasks.junit import JunitError, junit_counts

# the largest output file read back as an answer (a bigger one counts as not readable)
ANSWER_MAX_BYTES = 16 * 2**20
# environment for checker runs: no third-party pytest plugins, no bytecode in the work dir
_ENV = ["env", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1", "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0"]
# the harness side of calling the worker's code (imported by task tests and checkers)
HELPERS = ("untrusted.py", "untrusted_child.py")
# pytest exit codes that mean "the tests ran": all passed / some failed
_PYTEST_RAN = (0, 1)


# what each checker script imports: missing, the checker cannot run at all (not a q = 0)
CHECKER_MODULES: dict[str, tuple[str, ...]] = {
    "humaneval_check.py": (),  # stdlib only: the problem comes in the payload
    "bfcl_check.py": ("bfcl_eval", "mpmath"),
}


class CheckerError(RuntimeError):
    """A checker script could not produce a result (crash, malformed output)."""


class CheckerTimeout(CheckerError):
    """A checker script ran out of time (e.g. on a worker's endless loop)."""


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


class HarnessDir:
    """Where a checker's files and report live: the verification sandbox's private
    directory, else a fresh hidden directory of the work dir."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.private = isinstance(box, VerifierSandbox)
        self.path = box.verifier_dir if self.private else private_dir()
        for name in HELPERS:
            self.write(name, script_text(name))

    def write(self, name: str, data: bytes | str) -> None:
        if self.private:
            self.box.write_verifier_file(name, data)
        else:
            self.box.write_file(f"{self.path}/{name}", data)

    def read(self, name: str) -> bytes:
        if self.private:
            return self.box.read_verifier_file(name)
        return self.box.read_file(f"{self.path}/{name}")

    def cmd(self, *args: str) -> list[str]:
        """``python -I`` (with the checker environment) running ``args``, cwd the harness dir
        when private (checkers take absolute paths), else the work dir."""
        chdir = ["-C", self.path] if self.private else []
        return [*_ENV[:1], *chdir, *_ENV[1:], sandbox_python(self.box), "-I", *args]


def run_json_script(
    box: Sandbox, script: str, payload: dict[str, Any], timeout_s: float
) -> dict[str, Any]:
    """Run checker ``script`` (a file in ``diagon/tasks/checkers``) on ``payload`` in ``box``.

    The script gets the payload file as ``argv[1]`` (with ``workdir``, the work dir's
    absolute path, added) and writes one JSON object to ``result.json`` next to it.
    """
    d = HarnessDir(box)
    d.write(script, script_text(script))
    d.write("payload.json", json.dumps({**payload, "workdir": box.workdir}))
    result = box.exec(d.cmd(f"{d.path}/{script}", f"{d.path}/payload.json"), timeout_s=timeout_s)
    if result.timed_out:
        raise CheckerTimeout(f"{script} timed out after {timeout_s}s")
    try:
        data = json.loads(d.read("result.json"))
    except (SandboxError, OSError, ValueError):
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

    Tests run with the work dir as cwd from the harness directory, which is also pytest's
    rootdir and confcutdir, so a ``conftest.py`` or ``pytest.ini`` left by the worker is not
    loaded. Skipped and errored tests count as not passed. A timeout gives q = 0; a report
    that is missing, malformed or empty, or a pytest that did not run the tests (usage or
    internal error, interrupted collection), is an infrastructure error.
    """
    d = HarnessDir(box)
    for name, data in tests.items():
        d.write(name, data)
    d.write("pytest.ini", "[pytest]\n")
    p = d.path
    cmd = [
        *_ENV, python or sandbox_python(box), "-I", "-m", "pytest", "-q",
        "-p", "no:cacheprovider", "-c", f"{p}/pytest.ini", "--rootdir", p,
        "--confcutdir", p, f"--junitxml={p}/junit.xml", "-o", "junit_family=xunit2",
        *[f"{p}/{name}" for name in tests if name.endswith(".py")],
    ]  # fmt: skip
    result = box.exec(cmd, timeout_s=timeout_s)
    if result.timed_out:
        return EvalResult(0.0, 0, 0, f"verifier timed out after {timeout_s}s")
    tail = (result.stdout_text + result.stderr_text)[-800:]
    if result.exit_code not in _PYTEST_RAN:
        require_modules(box, python or sandbox_python(box), ("pytest",), timeout_s)
        return infra_error(f"pytest did not run the tests (exit {result.exit_code}): {tail}")
    try:
        passed, total, failures = junit_counts(d.read("junit.xml"))
    except (SandboxError, OSError):
        require_modules(box, python or sandbox_python(box), ("pytest",), timeout_s)
        return infra_error(f"no junit report (exit {result.exit_code}): {tail}")
    except JunitError as exc:
        return infra_error(f"malformed junit report: {exc}")
    if total == 0:
        return infra_error(f"the junit report lists no test (exit {result.exit_code}): {tail}")
    detail = f"{passed}/{total} passed" + ("; " + " | ".join(failures[:10]) if failures else "")
    return EvalResult(passed / total, passed, total, detail)


def infra_error(detail: str) -> EvalResult:
    """An evaluation that produced no valid measurement: no q to record (never 1.0)."""
    return EvalResult(0.0, 0, 0, f"infrastructure error: {detail}", infra_error=True)


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
