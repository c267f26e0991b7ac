"""The builtin task pool: metadata loading, work-dir preparation and verification.

Every task lives in ``tasks/builtin/<task_id>/`` with ``task.toml`` (metadata and the priors
c_k / p_k), ``instruction.md``, ``inputs/``, a verifier (``tests/test_task.py`` for
``evaluator = "pytest"``, ``expected.txt`` for ``evaluator = "exact"``) and a reference
``solution/``. The layout and the exact-match normalisation are documented in
``tasks/README.md``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CLUSTERS",
    "EVALUATORS",
    "TaskMeta",
    "TaskMetadataError",
    "VerifyResult",
    "builtin_root",
    "load_task",
    "load_task_metadata",
    "normalize_answer",
    "prepare_work_dir",
    "verify_in_dir",
]

CLUSTERS: tuple[str, ...] = (
    "coding",
    "data_science",
    "documents_finance",
    "data_querying",
    "web_media",
)
EVALUATORS: tuple[str, ...] = ("pytest", "exact")
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CLUSTER_PREFIX = {
    "coding": "code-",
    "data_science": "ds-",
    "documents_finance": "docfin-",
    "data_querying": "query-",
    "web_media": "web-",
}
# Field name -> accepted Python types (bool is excluded from numbers explicitly below).
_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "cluster": (str,),
    "title": (str,),
    "difficulty": (int, float),
    "reference_cost_usd": (int, float),
    "pass_rate": (int, float),
    "evaluator": (str,),
    "timeout_s": (int, float),
    "tags": (list,),
}


class TaskMetadataError(ValueError):
    """A ``task.toml`` (or the task directory around it) is malformed."""


@dataclass(frozen=True)
class TaskMeta:
    """Metadata of one builtin task, as read from its ``task.toml``."""

    id: str
    cluster: str
    title: str
    difficulty: float
    reference_cost_usd: float
    pass_rate: float
    evaluator: str
    timeout_s: float
    tags: tuple[str, ...]
    path: Path

    @property
    def instruction(self) -> str:
        """The worker-facing instruction text."""
        return (self.path / "instruction.md").read_text(encoding="utf-8")

    @property
    def inputs_dir(self) -> Path:
        return self.path / "inputs"

    @property
    def solution_dir(self) -> Path:
        return self.path / "solution"


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verifier run: ``q = passed / total`` (0.0 when nothing could be checked)."""

    q: float
    passed: int
    total: int
    detail: str


def builtin_root() -> Path:
    """Directory holding the builtin tasks (source checkout first, then the wheel copy)."""
    here = Path(__file__).resolve()
    checkout = here.parents[2] / "tasks" / "builtin"
    if checkout.is_dir():
        return checkout
    return here.parents[1] / "_tasks" / "builtin"


def _fail(toml_path: Path, field: str, message: str) -> TaskMetadataError:
    return TaskMetadataError(f"{toml_path}: field '{field}': {message}")


def _parse_meta(task_dir: Path, require_files: bool = True) -> TaskMeta:
    toml_path = task_dir / "task.toml"
    if not toml_path.is_file():
        raise TaskMetadataError(f"{toml_path}: missing file")
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TaskMetadataError(f"{toml_path}: invalid TOML: {exc}") from exc

    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise _fail(toml_path, unknown[0], f"unknown key(s) {unknown}")
    for name, types in _FIELDS.items():
        if name not in raw:
            raise _fail(toml_path, name, "missing")
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise _fail(
                toml_path, name, f"expected {'/'.join(t.__name__ for t in types)}, got {value!r}"
            )

    tid, cluster = raw["id"], raw["cluster"]
    if not _ID_RE.match(tid):
        raise _fail(toml_path, "id", f"{tid!r} is not lowercase kebab-case")
    if tid != task_dir.name:
        raise _fail(toml_path, "id", f"{tid!r} differs from the directory name {task_dir.name!r}")
    if cluster not in CLUSTERS:
        raise _fail(
            toml_path, "cluster", f"unknown cluster {cluster!r}; expected one of {CLUSTERS}"
        )
    if not tid.startswith(_CLUSTER_PREFIX[cluster]):
        raise _fail(
            toml_path,
            "id",
            f"{tid!r} must start with {_CLUSTER_PREFIX[cluster]!r} for cluster {cluster!r}",
        )
    difficulty = float(raw["difficulty"])
    if not 0.0 <= difficulty <= 1.0:
        raise _fail(toml_path, "difficulty", f"{difficulty} is outside [0, 1]")
    pass_rate = float(raw["pass_rate"])
    if not 0.0 < pass_rate <= 1.0:
        raise _fail(toml_path, "pass_rate", f"{pass_rate} is outside (0, 1]")
    cost = float(raw["reference_cost_usd"])
    if not (math.isfinite(cost) and cost > 0.0):
        raise _fail(toml_path, "reference_cost_usd", f"{cost} must be a positive number")
    timeout = float(raw["timeout_s"])
    if not timeout > 0:
        raise _fail(toml_path, "timeout_s", f"{timeout} must be positive")
    evaluator = raw["evaluator"]
    if evaluator not in EVALUATORS:
        raise _fail(
            toml_path, "evaluator", f"unknown evaluator {evaluator!r}; expected one of {EVALUATORS}"
        )
    tags = raw["tags"]
    if not all(isinstance(t, str) for t in tags):
        raise _fail(toml_path, "tags", "every tag must be a string")
    if not raw["title"].strip():
        raise _fail(toml_path, "title", "empty")

    required = ["instruction.md"]
    required.append("tests/test_task.py" if evaluator == "pytest" else "expected.txt")
    for rel in required if require_files else ():
        if not (task_dir / rel).is_file():
            raise TaskMetadataError(
                f"{task_dir / rel}: missing file (needed by evaluator={evaluator!r})"
            )

    return TaskMeta(
        id=tid,
        cluster=cluster,
        title=raw["title"],
        difficulty=difficulty,
        reference_cost_usd=cost,
        pass_rate=pass_rate,
        evaluator=evaluator,
        timeout_s=timeout,
        tags=tuple(tags),
        path=task_dir,
    )


def load_task(task_dir: Path | str) -> TaskMeta:
    """Load and validate one task directory."""
    return _parse_meta(Path(task_dir))


def load_task_metadata(
    root: Path | str | None = None, require_files: bool = True
) -> list[TaskMeta]:
    """Load every task under ``root`` (default: :func:`builtin_root`), sorted by id.

    Raises :class:`TaskMetadataError` naming the file and field on the first problem, and
    when two directories declare the same id. ``require_files=False`` checks only the
    metadata (what the market economy needs), not the executable files.
    """
    base = Path(root) if root is not None else builtin_root()
    if not base.is_dir():
        raise TaskMetadataError(f"{base}: task root does not exist")
    tasks = [
        _parse_meta(d, require_files)
        for d in sorted(base.iterdir())
        if d.is_dir() and not d.name.startswith((".", "_"))
    ]
    seen: set[str] = set()
    for t in tasks:
        if t.id in seen:
            raise TaskMetadataError(f"{t.path / 'task.toml'}: field 'id': duplicate id {t.id!r}")
        seen.add(t.id)
    return tasks


def _copy_tree_into(src: Path, dst: Path, skip: Iterable[str] = ()) -> None:
    skip = set(skip)
    for item in sorted(src.iterdir()):
        if item.name in skip or item.name == "__pycache__":
            continue
        target = dst / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)


def _scrubbed_env() -> dict[str, str]:
    # Make `python3` resolve to the interpreter running Diagon and keep outputs bytecode-free.
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    # Verifiers need only core pytest; skipping third-party plugin autoload (hypothesis,
    # xdist, ...) keeps each run's start-up fast and independent of the host's plugins.
    env.update(
        PATH=path,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        LC_ALL="C.UTF-8",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    return env


def prepare_work_dir(task: TaskMeta, work_dir: Path | str, with_solution: bool = False) -> Path:
    """Copy the task's inputs into ``work_dir``; optionally apply the reference solution.

    Applying the solution copies every file in ``solution/`` except ``solve.sh`` into the work
    dir and then runs ``bash solution/solve.sh`` (if present) with the work dir as cwd.
    """
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    if task.inputs_dir.is_dir():
        _copy_tree_into(task.inputs_dir, work)
    if with_solution:
        sol = task.solution_dir
        if not sol.is_dir():
            raise TaskMetadataError(f"{sol}: missing reference solution")
        _copy_tree_into(sol, work, skip={"solve.sh"})
        script = sol / "solve.sh"
        if script.is_file():
            proc = subprocess.run(
                ["bash", str(script)],
                cwd=work,
                env=_scrubbed_env(),
                capture_output=True,
                text=True,
                timeout=task.timeout_s,
            )
            if proc.returncode != 0:
                raise RuntimeError(
                    f"{script} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
                )
    return work


_NUM_RE = re.compile(r"(?<![\w.])(-?\d+\.\d+)(?![\w.])")


def normalize_answer(text: str) -> str:
    """Normalisation for ``evaluator = "exact"`` (documented in ``tasks/README.md``).

    1. strip leading/trailing whitespace; 2. lowercase; 3. collapse every whitespace run
    (spaces, tabs, newlines) to one space; 4. in every decimal number drop trailing zeros
    after the point and then a dangling point (``3.50`` -> ``3.5``, ``2.0`` -> ``2``,
    ``-0.0`` -> ``0``).
    """
    s = " ".join(text.strip().lower().split())

    def _num(m: re.Match[str]) -> str:
        out = m.group(1).rstrip("0").rstrip(".")
        return "0" if out in ("-0", "") else out

    return _NUM_RE.sub(_num, s)


def verify_in_dir(
    task_dir: Path | str | TaskMeta, work_dir: Path | str, backend: str = "bwrap"
) -> VerifyResult:
    """Run the task's verifier against the outputs in ``work_dir`` and return q in [0, 1].

    Nothing of ``work_dir`` runs on the host: its regular files are copied (as data;
    symlinks, devices and ``__pycache__`` are skipped) into a fresh ``backend`` sandbox and
    the task's own evaluator scores them there. ``subprocess`` isolates nothing and is
    refused with ``ValueError``.
    """
    from diagon.sandboxes import create_sandbox
    from diagon.tasks.sources.builtin import task_from_meta

    if backend == "subprocess":
        raise ValueError(
            "verify_in_dir runs the worker's code: it needs an isolating sandbox "
            "(bwrap or docker), not `subprocess`, which runs it on the host"
        )
    task = task_from_meta(task_dir if isinstance(task_dir, TaskMeta) else load_task(task_dir))
    with create_sandbox(backend, verifier=True) as box:  # the harness apart from the work
        for rel, data in _regular_files(Path(work_dir)):
            box.write_file(rel, data)
        result = task.evaluator.evaluate(box, task.timeout_s)
    return VerifyResult(result.q, result.passed, result.total, result.detail)


def _regular_files(root: Path) -> Iterable[tuple[str, bytes]]:
    """(relative path, content) of every regular file under ``root``, symlinks not followed
    (a link to the host's copy of an answer must not be read on the worker's behalf)."""
    for top, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(top) / name
            if stat.S_ISREG(path.lstat().st_mode):
                yield path.relative_to(root).as_posix(), path.read_bytes()
