"""Content digests of tasks: the *version* of a task and its verifier.

:func:`task_digest` is the sha256 (32 hex digits) of the canonical JSON of everything that
defines what a worker gets and how its work is scored:

* ``id``, ``source``, the ``instruction`` (the prompt);
* the input files (``files``: path → sha256 of the content) and every host directory in
  ``dirs`` (prefix → digest of the tree: relative path → sha256, ``__pycache__`` skipped,
  as :func:`~diagon.tasks.sandboxed.populate` copies it) and, for a task that has any, every
  read-only mount (``mounts``: prefix → digest of the tree, the same way; the key is absent
  for tasks without mounts, so their digests did not change when mounts were added);
* the ``evaluator`` and the reference ``solution`` described field by field: bytes by
  their sha256, nested mappings and dataclasses recursively, host paths by the digest of
  their content, functions (e.g. an answer normaliser) by their qualified name and the
  sha256 of their source text, and a :class:`~diagon.tasks.evaluators.ScriptEvaluator`'s
  checker script (``diagon/tasks/checkers/<script>``) by the sha256 of its text;
* ``docker_image`` (SkillsBench: ``ensure_image`` on the task directory, so the
  environment and Dockerfile count), ``output_files``, ``timeout_s``, ``sandbox`` and
  ``sandbox_options``.

* ``isolation``: :data:`VERIFIER_ISOLATION`, the version of how verification is kept out of
  the worker's reach. It is bumped whenever a verifier path turns out to have been
  exploitable, which changes every task's version at once: outcomes scored before are
  never replayed, and :func:`isolation_digest` of the earlier versions lets ``diagon cache stats``/``verify``
  name them.

Economic and presentation metadata (title, difficulty, c_k, p_k, category, tags, cluster)
are not part of it: they do not change what is executed. Machine-specific host paths never
enter the digest, so a checkout of the same tasks elsewhere has the same digests (caches
stay portable).

Digests are memoised for the life of the process: per :class:`Task` object (tasks are
loaded once per process, :func:`~diagon.tasks.registry.load_tasks`), per host directory
and per function, so a corpus shared by many tasks is read once.

:func:`skills_digest` is the same for a cluster's skill package (``tasks/skills/<cluster>``),
which the ``llm`` worker receives on a skill match.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from diagon.tasks.base import Task

DIGEST_CHARS = 32
#: Version of the verifier's isolation from worker code and answers (module docstring).
#: 1 (no ``isolation`` key): the worker sandbox showed Diagon's venv, i.e. every builtin
#: task's expected output and solution, HumanEval's and BFCL's answers (issue 10), so an
#: outcome scored then may be a forged q = 1.0. 2: the sandbox has its own Python without
#: any answer, and ``verify_in_dir`` no longer runs worker code on the host (but pytest still
#: imported the worker's module into the harness, which could rewrite the report, and the
#: HumanEval/BFCL checkers ran worker code beside their results). 3: verification in a
#: fresh sandbox after the worker is dead, harness and worker code under two uids.
VERIFIER_ISOLATION = 3

_lock = threading.Lock()
_tasks: dict[int, tuple[Task, str]] = {}  # id(task) -> (task kept alive, digest)
_trees: dict[str, str] = {}
_functions: dict[Any, str] = {}
_skills: dict[str, str | None] = {}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def tree_digest(path: Path) -> str:
    """sha256 of a directory's files (relative path → content sha256), memoised per path."""
    key = str(path.resolve())
    if key not in _trees:
        if path.is_file():
            _trees[key] = _sha(path.read_bytes())
        elif path.is_dir():
            files = {
                p.relative_to(path).as_posix(): _sha(p.read_bytes())
                for p in sorted(path.rglob("*"))
                if p.is_file() and "__pycache__" not in p.relative_to(path).parts
            }
            _trees[key] = _sha(_canonical(files))
        else:
            return "missing"
    return _trees[key]


def _function(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        cached = _functions.get(fn)
    except TypeError:  # unhashable callable
        cached = None
    if cached is None:
        try:
            source = _sha(inspect.getsource(fn).encode())
        except (OSError, TypeError):
            source = ""
        cached = source
        try:
            _functions[fn] = cached
        except TypeError:
            pass
    name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__qualname__)}"
    return {"callable": name, "source": cached}


def describe(obj: Any) -> Any:
    """A canonical, machine-independent JSON description of ``obj`` (module docstring)."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, bytes | bytearray | memoryview):
        return {"sha256": _sha(bytes(obj))}
    if isinstance(obj, Path):
        return {"content": tree_digest(obj)}
    if isinstance(obj, Mapping):
        return {str(k): describe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = [describe(x) for x in obj]
        return sorted(items, key=lambda x: _canonical(x)) if isinstance(obj, set | frozenset) else items
    if isinstance(obj, functools.partial):
        return {
            "partial": _function(obj.func),
            "args": [describe(a) for a in obj.args],
            "keywords": {k: describe(v) for k, v in obj.keywords.items()},
        }
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"type": f"{type(obj).__module__}.{type(obj).__qualname__}"}
        for f in dataclasses.fields(obj):
            out[f.name] = describe(getattr(obj, f.name))
        script = out.get("script")
        if out["type"] == "diagon.tasks.evaluators.ScriptEvaluator" and isinstance(script, str):
            from diagon.tasks.sandboxed import script_text

            out["script_text"] = _sha(script_text(script).encode())
        return out
    if callable(obj):
        return _function(obj)
    if hasattr(obj, "__dict__"):
        return {"type": f"{type(obj).__module__}.{type(obj).__qualname__}", **describe(vars(obj))}
    return {"type": f"{type(obj).__module__}.{type(obj).__qualname__}"}


def _compute(task: Task) -> str:
    return isolation_digest(task, VERIFIER_ISOLATION)


def isolation_digest(task: Task, isolation: int) -> str:
    """The task's digest under verifier isolation version ``isolation`` (1: no ``isolation``
    key, as before issue 10). Earlier versions are what outdated cache entries carry
    (not memoised: stats only)."""
    definition = _definition(task)
    if isolation > 1:
        definition["isolation"] = isolation
    return _sha(_canonical(definition))[:DIGEST_CHARS]


def _definition(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "source": task.source,
        "instruction": task.instruction,
        "files": describe(dict(task.files)),
        "dirs": [[prefix, tree_digest(Path(path))] for prefix, path in task.dirs],
        **(
            {"mounts": [[prefix, tree_digest(Path(path))] for prefix, path in task.mounts]}
            if task.mounts
            else {}
        ),
        "evaluator": describe(task.evaluator),
        "solution": describe(task.solution),
        "docker_image": describe(task.docker_image),
        "output_files": list(task.output_files),
        "timeout_s": float(task.timeout_s),
        "sandbox": task.sandbox,
        "sandbox_options": describe(dict(task.sandbox_options)),
    }


def task_digest(task: Task) -> str:
    """The task's content digest (module docstring), computed once per task per process."""
    with _lock:
        hit = _tasks.get(id(task))
        if hit is not None and hit[0] is task:
            return hit[1]
        digest = _compute(task)
        _tasks[id(task)] = (task, digest)
        return digest


def skills_digest(cluster: str) -> str | None:
    """Digest of ``cluster``'s skill package (None: the cluster has none), memoised."""
    with _lock:
        if cluster not in _skills:
            from diagon.tasks.skills import skill_package

            package = skill_package(cluster)
            _skills[cluster] = None if package is None else tree_digest(package.path)[:DIGEST_CHARS]
        return _skills[cluster]


def clear_memo() -> None:
    """Forget every memoised digest (tests that edit task files in place)."""
    with _lock:
        _tasks.clear()
        _trees.clear()
        _functions.clear()
        _skills.clear()
