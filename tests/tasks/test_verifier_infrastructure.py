"""Issue 10 item 4 (second half): a verifier that cannot run is an infrastructure error.

"pytest missing in the sandbox" used to end as ``no junit report`` with q = 0, which the
market recorded and the cache replayed as the worker's score. It now raises
:class:`VerifierUnavailable` (never a q), stops a market run with a clear message and
stores nothing; a worker that breaks the verifier run itself still scores q = 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diagon.cache import ExecutionStore
from diagon.config import compose_config
from diagon.runner import RunError, execute_run
from diagon.tasks import sandboxed
from diagon.tasks.base import VerifierUnavailable
from diagon.tasks.evaluators import PytestEvaluator
from diagon.tasks.registry import TaskResolver
from diagon.tasks.run import evaluate, open_task_sandbox

NO_PYTEST = "/usr/bin/python3"  # the system Python: its packages are masked in the sandbox


pytestmark = pytest.mark.usefixtures("bwrap_required")


def _task():
    return TaskResolver().get("builtin", "code-roman-numerals")


def test_a_verifier_python_without_pytest_raises_instead_of_scoring_zero() -> None:
    task = _task()
    assert isinstance(task.evaluator, PytestEvaluator)
    broken = PytestEvaluator(task.evaluator.tests, python=NO_PYTEST)
    with open_task_sandbox(task, "bwrap") as box:
        task.solution.apply(box, task.timeout_s)
        with pytest.raises(VerifierUnavailable) as raised:
            broken.evaluate(box, task.timeout_s)
        assert evaluate(task, box).q == 1.0  # the same work dir, a working verifier
    message = str(raised.value)
    assert f"{NO_PYTEST} in the bwrap sandbox cannot import pytest" in message
    assert "No module named 'pytest'" in message


def test_a_checker_whose_package_is_missing_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("bfcl_eval")  # (HumanEval's checker needs no package: stdlib only)
    task = TaskResolver().get("bfcl", "bfcl-simple-python-0")
    with open_task_sandbox(task, "bwrap") as box:
        task.solution.apply(box, task.timeout_s)
        assert evaluate(task, box).q == 1.0
        monkeypatch.setattr(sandboxed, "sandbox_python", lambda box: NO_PYTEST)
        with pytest.raises(VerifierUnavailable, match=r"cannot import bfcl_eval"):
            evaluate(task, box)


def test_a_worker_that_kills_the_verifier_still_scores_zero() -> None:
    """A worker's module that exits the process it is loaded in kills only its own child
    (never pytest): every test fails, q = 0, an ordinary measurement, not an
    infrastructure error the worker could provoke."""
    task = _task()
    with open_task_sandbox(task, "bwrap") as box:
        box.write_file("solution.py", "import os\nos._exit(0)\n")
        result = evaluate(task, box)
    assert (result.q, result.passed, result.total, result.infra_error) == (0.0, 0, 18, False)
    assert result.detail.startswith("0/18 passed")


def test_a_market_whose_verifier_lacks_pytest_stops_and_caches_nothing_false(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the sandbox's Python without pytest, as in a docker image that does not install it
    monkeypatch.setattr(sandboxed, "sandbox_python", lambda box: NO_PYTEST)
    cache = tmp_path / "cache.sqlite"
    cfg = compose_config(
        ["worker=oracle", "population=small", "rounds=1", "tasks=builtin", "tasks.limit=1",
         "sandbox=bwrap", f"cache.path={cache}"]
    )  # fmt: skip
    with pytest.raises(RunError) as failed:
        execute_run(cfg, tmp_path / "run")
    message = str(failed.value)
    assert (
        "cannot import pytest" in message and "fix the sandbox the task verifiers run in" in message
    )
    assert f"diagon resume {tmp_path / 'run'}" in message
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    assert meta["status"] == "failed" and "VerifierUnavailable" in meta["error"]
    with ExecutionStore(cache) as store:  # only real oracle outcomes (exact-match tasks)
        assert [e.q for e in store.iter_entries() if e.q != 1.0] == []
        assert all(not e.task_id.startswith("code-") for e in store.iter_entries())
