"""Reusable evaluators and reference solutions (see :mod:`diagon.tasks.base`).

- :class:`PytestEvaluator` — pytest files run inside the sandbox, q = passed / total.
- :class:`ExactMatchEvaluator` — a normalised answer file compared with the expected string;
  the file is read through the sandbox interface and only compared (nothing is executed).
- :class:`ScriptEvaluator` — a benchmark's own checker (``diagon/tasks/checkers/*.py``) run
  inside the sandbox on a JSON payload; it writes ``{"q", "passed", "total", "detail"}``
  to ``result.json`` in its private directory. A checker that fails or writes anything
  else is an infrastructure error; one that times out scores 0.
- :class:`FilesSolution` — writes reference files and optionally runs ``bash solve.sh``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from diagon.tasks.base import EvalResult
from diagon.tasks.sandboxed import (
    CheckerError,
    CheckerTimeout,
    infra_error,
    read_text,
    run_json_script,
    run_pytest,
    run_shell_script,
)

if TYPE_CHECKING:
    from diagon.sandboxes import Sandbox


@dataclass(frozen=True)
class PytestEvaluator:
    """Runs ``tests`` (file name → content) against the work dir inside the sandbox."""

    tests: Mapping[str, bytes]
    python: str | None = None  # None: the sandbox's default interpreter

    def evaluate(self, box: Sandbox, timeout_s: float) -> EvalResult:
        return run_pytest(box, dict(self.tests), timeout_s, self.python)


@dataclass(frozen=True)
class ExactMatchEvaluator:
    """q = 1 iff ``normalise(answer file) == normalise(expected)``."""

    expected: str
    normalise: Callable[[str], str]
    answer_file: str = "answer.txt"

    def evaluate(self, box: Sandbox, timeout_s: float) -> EvalResult:
        got = read_text(box, self.answer_file)
        if got is None:
            return EvalResult(0.0, 0, 1, f"{self.answer_file} missing")
        want, have = self.normalise(self.expected), self.normalise(got)
        if want == have:
            return EvalResult(1.0, 1, 1, "exact match")
        return EvalResult(0.0, 0, 1, f"expected {want!r}, got {have[:200]!r}")


@dataclass(frozen=True)
class ScriptEvaluator:
    """A checker script from ``diagon/tasks/checkers`` run in the sandbox on ``payload``."""

    script: str
    payload: Mapping[str, Any]
    # fields whose value is created fresh per evaluation (e.g. BFCL's unique model name)
    fresh: Callable[[], Mapping[str, Any]] | None = None

    def evaluate(self, box: Sandbox, timeout_s: float) -> EvalResult:
        payload = dict(self.payload)
        if self.fresh is not None:
            payload.update(self.fresh())
        try:
            out = run_json_script(box, self.script, payload, timeout_s)
        except CheckerTimeout as exc:
            return EvalResult(0.0, 0, 1, str(exc))
        except CheckerError as exc:
            return infra_error(f"checker error: {exc}")
        try:
            result = EvalResult(
                float(out["q"]), int(out["passed"]), int(out["total"]), str(out["detail"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            return infra_error(f"malformed checker result {str(out)[:200]}: {exc}")
        return result


@dataclass(frozen=True)
class FilesSolution:
    """Write ``files`` into the work dir, then run ``bash`` on ``script`` (if any) there.

    ``support`` files sit next to ``solve.sh`` in a private directory (as a benchmark's
    ``solution/`` folder does) instead of the work dir.
    """

    files: Mapping[str, bytes] = field(default_factory=dict)
    script: bytes | None = None
    support: Mapping[str, bytes] = field(default_factory=dict)

    def apply(self, box: Sandbox, timeout_s: float) -> None:
        for rel, data in self.files.items():
            box.write_file(rel, data)
        if self.script is not None:
            run_shell_script(box, self.script, timeout_s, dict(self.support))
