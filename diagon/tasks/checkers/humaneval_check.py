"""HumanEval check, the trusted harness: ``python -I humaneval_check.py payload.json``.

Payload: ``{"problem": <HumanEval record>, "solution_file": "solution.py", "timeout_s": 10,
"workdir": <the work dir>}``. The worker's file holds the whole program (prompt +
completion). It runs only in a child process (``untrusted.load``, the worker uid in a
verification sandbox); here the problem's own prompt (signature, docstring and any helper
it defines, e.g. ``poly`` of HumanEval/32) and its test are executed, and ``check`` gets a
proxy of the worker's function: every call runs in the child and returns plain data, and
every assertion is evaluated here. So the worker's code cannot reach this process's
stack, its result or its output file. q = 1 iff ``check`` returns within ``timeout_s``.

Writes ``{"q", "passed", "total", "detail"}`` to ``result.json`` next to the payload.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import untrusted  # noqa: E402


def check(payload):
    problem, entry = payload["problem"], payload["problem"]["entry_point"]
    path = os.path.join(payload["workdir"], payload["solution_file"])
    if not os.path.isfile(path):
        return False, "solution file missing"
    timeout = float(payload.get("timeout_s", 10.0))
    untrusted.CALL_TIMEOUT_S = timeout
    start = time.monotonic()
    try:
        candidate = getattr(untrusted.load(path), entry)
    except Exception as exc:
        return False, f"failed: solution.py does not load: {type(exc).__name__}: {exc}"[:500]
    scope = {"__name__": "__humaneval__"}
    exec(problem["prompt"], scope)
    scope[entry] = candidate  # a helper of the prompt may call the function by name
    exec(problem["test"], scope)
    try:
        scope["check"](candidate)
    except AssertionError as exc:
        return False, f"failed: AssertionError {exc}"[:500]
    except Exception as exc:  # the worker's exception, a wrong type, a timeout
        return False, f"failed: {type(exc).__name__}: {exc}"[:500]
    if time.monotonic() - start > timeout:
        return False, "timed out"
    return True, "passed"


def main() -> None:
    result_path = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "result.json")
    with open(sys.argv[1], encoding="utf-8") as fh:
        payload = json.load(fh)
    os.chdir(payload["workdir"])  # the worker's code runs with the work dir as cwd
    ok, detail = check(payload)
    out = {"q": float(ok), "passed": int(ok), "total": 1, "detail": detail}
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
