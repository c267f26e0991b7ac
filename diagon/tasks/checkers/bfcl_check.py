"""BFCL check, run inside the sandbox: ``python -I bfcl_check.py payload.json``.

Payload: ``{"category": "simple"|"parallel"|"multi_turn", "test_category": <BFCL name>,
"entry": <test entry>, "ground_truth": <possible answer>, "answer_file": "answer.json",
"model_name": <unique per evaluation>, "workdir": <the work dir>}``. Writes
``{"q", "passed", "total", "detail"}`` to ``result.json`` next to the payload.

BFCL's multi-turn executor runs each call string with ``eval``. The worker's strings never
reach it as written: each is parsed with ``ast`` and must be one call of a public method of
the entry's involved classes with literal arguments only; it is then rebuilt from the
parsed values (:func:`safe_call`), so the string that is evaluated is a plain method call
whatever the worker wrote. Anything else fails the answer.

``bfcl_eval`` creates result/score/lock directories under ``BFCL_PROJECT_ROOT`` when its
constants are imported, so that variable points to a fresh temporary directory first. Its
``constants.model_config`` imports every model handler (and so every provider SDK) only to
look up whether a model's function names need ``.`` → ``_``; a stand-in module answering
"no" for every model replaces it, so only the checkers themselves are loaded. Multi-turn
state lives in module globals keyed by the model name, which is unique per evaluation.
"""

import ast
import inspect
import json
import os
import sys
import tempfile
import types


class UnsafeCall(ValueError):
    """A call string that is not one plain method call with literal arguments."""


def safe_call(text, allowed):
    """``text`` rebuilt from its parse: ``name(literal, ..., key=literal)`` with ``name`` in
    ``allowed``; raises :class:`UnsafeCall` for anything else."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError) as exc:
        raise UnsafeCall(f"not Python: {exc}") from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise UnsafeCall("not a call of a plain function name")
    if node.func.id not in allowed:
        raise UnsafeCall(f"{node.func.id!r} is not a method of the task's classes")
    try:
        args = [repr(ast.literal_eval(a)) for a in node.args]
        for kw in node.keywords:
            if kw.arg is None:
                raise UnsafeCall("** arguments are not allowed")
            args.append(f"{kw.arg}={ast.literal_eval(kw.value)!r}")
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as exc:
        raise UnsafeCall(f"an argument is not a literal: {exc}") from None
    return f"{node.func.id}({', '.join(args)})"


def public_methods(involved_classes):
    """Names a multi-turn call may use: public methods of the entry's classes."""
    import importlib

    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

    names = set()
    for class_name in involved_classes:
        cls = getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[class_name]), class_name)
        names |= {n for n, _ in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}
    return names


def _prepare_bfcl() -> None:
    os.environ["BFCL_PROJECT_ROOT"] = tempfile.mkdtemp(prefix="bfcl-")

    class _Config:
        underscore_to_dot = False

    class _Mapping(dict):
        def __missing__(self, key):
            return _Config()

    shim = types.ModuleType("bfcl_eval.constants.model_config")
    shim.MODEL_CONFIG_MAPPING = _Mapping()
    import bfcl_eval.constants  # noqa: F401  (the package itself has no side effects)

    sys.modules["bfcl_eval.constants.model_config"] = shim


def _result(ok, detail):
    out = {"q": float(ok), "passed": int(ok), "total": 1, "detail": detail[:2000]}
    with open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "result.json"), "w") as fh:
        json.dump(out, fh)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        p = json.load(fh)
    try:
        with open(os.path.join(p["workdir"], p["answer_file"]), encoding="utf-8") as fh:
            answer = json.load(fh)
    except OSError:
        return _result(False, f"{p['answer_file']} missing")
    except ValueError as exc:
        return _result(False, f"{p['answer_file']} is not valid JSON: {exc}")
    _prepare_bfcl()
    entry, truth, model = p["entry"], p["ground_truth"], p["model_name"]
    if p["category"] == "multi_turn":
        from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker

        if not (isinstance(answer, list) and all(isinstance(t, list) for t in answer)):
            return _result(False, "answer.json must be a list (one per turn) of lists of calls")
        allowed = public_methods(entry["involved_classes"])
        try:
            turns = [[[safe_call(str(c), allowed) for c in turn]] for turn in answer]
        except UnsafeCall as exc:
            return _result(False, f"answer.json: call rejected: {exc}")
        turns += [[[]] for _ in range(len(truth) - len(turns))]
        try:
            out = multi_turn_checker(turns[: len(truth)], truth, entry, p["test_category"], model)
        except Exception as exc:  # a malformed call string can break the executor
            return _result(False, f"checker raised {type(exc).__name__}: {exc}")
    else:
        from bfcl_eval.constants.enums import Language
        from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker

        if not (isinstance(answer, list) and all(isinstance(c, dict) for c in answer)):
            return _result(False, 'answer.json must be a list of {"function": {args}} objects')
        try:
            out = ast_checker(
                entry["function"], answer, truth, Language.PYTHON, p["test_category"], model
            )
        except Exception as exc:
            return _result(False, f"checker raised {type(exc).__name__}: {exc}")
    ok = bool(out.get("valid"))
    detail = "valid" if ok else json.dumps(
        {k: out.get(k) for k in ("error", "error_message", "error_type")}, default=str
    )
    return _result(ok, detail)


if __name__ == "__main__":
    main()
