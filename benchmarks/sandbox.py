"""Sandbox overhead: start + one trivial exec + teardown, per backend.

Run: ``python benchmarks/sandbox.py [--runs 50] [--backends bwrap subprocess]``.
Prints the median, 90th percentile and minimum over ``--runs`` runs (after one warm-up
run, which also pays bwrap's once-per-process setup check), plus the median of the exec
alone in a reused sandbox. Target: bwrap under 100 ms for the full cycle.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import warnings
from collections.abc import Callable

from diagon.sandboxes import Sandbox, SandboxUnavailable, UnsafeSandboxWarning, create_sandbox
from diagon.tasks.sandboxed import sandbox_python

PYTHON = "{python}"  # replaced by the sandbox's interpreter (diagon.tasks.sandboxed.sandbox_python)
COMMANDS = {
    "true": ["true"],
    "python3 -c pass": ["python3", "-c", "pass"],
    # the worker's own Python (bwrap: /opt/diagon-python, first on PATH; Diagon's venv is
    # never visible inside a sandbox)
    "python -c pass": [PYTHON, "-c", "pass"],
}


def _timed(fn: Callable[[], None], runs: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _argv(box: Sandbox, cmd: list[str]) -> list[str]:
    return [sandbox_python(box) if part == PYTHON else part for part in cmd]


def _cycle(backend: str, cmd: list[str]) -> Callable[[], None]:
    def run() -> None:
        with create_sandbox(backend) as box:
            result = box.exec(_argv(box, cmd))
        if result.exit_code != 0:
            raise RuntimeError(f"{backend} {cmd}: {result}")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--backends", nargs="+", default=["bwrap", "subprocess"])
    args = parser.parse_args()
    warnings.simplefilter("ignore", UnsafeSandboxWarning)
    logging.getLogger("diagon.sandboxes").setLevel(logging.ERROR)
    header = (
        f"{'backend':<11} {'command':<20} {'cycle median':>13} {'p90':>8} {'min':>8}"
        f" {'exec-only median':>17}"
    )
    print(f"start + exec + teardown, {args.runs} runs, times in ms")
    print(header)
    print("-" * len(header))
    for backend in args.backends:
        try:
            create_sandbox(backend).close()
        except SandboxUnavailable as exc:
            print(f"{backend:<11} unavailable: {exc}")
            continue
        for label, cmd in COMMANDS.items():
            cycle = _timed(_cycle(backend, cmd), args.runs)
            with create_sandbox(backend) as box:
                exec_only = _timed(lambda box=box, cmd=cmd: box.exec(_argv(box, cmd)) and None, args.runs)
            p90 = statistics.quantiles(cycle, n=10)[-1]
            print(
                f"{backend:<11} {label:<20} {statistics.median(cycle):>13.1f} {p90:>8.1f}"
                f" {min(cycle):>8.1f} {statistics.median(exec_only):>17.1f}"
            )


if __name__ == "__main__":
    main()
