"""Limit policy shared by the backends: environment, rlimits, argument checks and naming
which limit a finished command hit."""

from __future__ import annotations

import resource
import shutil
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from diagon.sandboxes.base import ExecResult, LimitName, SandboxLimits

SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
_SIGNAL_LIMITS: dict[int, LimitName] = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file_size"}
# errno texts a command prints when a limit makes a system call fail (checked in this order)
_STDERR_MARKERS: tuple[tuple[LimitName, tuple[bytes, ...]], ...] = (
    ("memory", (b"MemoryError", b"Cannot allocate memory", b"std::bad_alloc", b"out of memory")),
    (
        "processes",
        (
            b"Resource temporarily unavailable",
            b"fork: retry",
            b"Cannot fork",
            b"can't start new thread",
        ),
    ),
    ("file_size", (b"File too large",)),
)


@dataclass(slots=True)
class RawRun:
    """Outcome of :func:`run_capped` before limits are classified."""

    returncode: int
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_s: float
    cpu_time_s: float | None
    oom_killed: bool = False  # the sandbox's cgroup OOM-killed a process during the run
    fs_limit: LimitName | None = None  # "disk"/"files": the capped work dir filled up


def sandbox_env(home: str, tmpdir: str) -> dict[str, str]:
    """The whole environment of a sandboxed command: a fixed whitelist, nothing inherited.

    The work dir is both ``HOME`` and the cwd (``PWD``, which bwrap sets anyway).
    """
    return {"PATH": SANDBOX_PATH, "HOME": home, "LANG": "C.UTF-8", "TMPDIR": tmpdir, "PWD": home}


def check_exec_args(
    cmd: Sequence[str], timeout_s: float | None, limits: SandboxLimits
) -> tuple[list[str], float]:
    """Validate ``exec`` arguments; return the argv and the effective wall timeout."""
    if isinstance(cmd, str | bytes) or not cmd or not all(isinstance(a, str) for a in cmd):
        raise ValueError(f"cmd must be a non-empty list of str (argv, no shell), got {cmd!r}")
    timeout = limits.wall_timeout_s if timeout_s is None else timeout_s
    if not timeout > 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
    return list(cmd), float(timeout)


def rlimit_prefix(limits: SandboxLimits) -> list[str] | None:
    """``prlimit`` argv prefix applying ``limits`` (None if util-linux' prlimit is missing)."""
    exe = shutil.which("prlimit")
    if exe is None:
        return None
    cpu = limits.cpu_rlimit_s
    return [
        exe,
        f"--cpu={cpu}:{cpu + 1}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.max_processes}",
        f"--fsize={limits.max_file_size_bytes}",
        "--core=0",
        "--",
    ]


def rlimit_preexec(limits: SandboxLimits) -> Callable[[], None]:
    """Fallback when ``prlimit`` is missing: set the same rlimits in the child before exec."""
    cpu = limits.cpu_rlimit_s
    values = (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (limits.memory_bytes,) * 2),
        (resource.RLIMIT_NPROC, (limits.max_processes,) * 2),
        (resource.RLIMIT_FSIZE, (limits.max_file_size_bytes,) * 2),
        (resource.RLIMIT_CORE, (0, 0)),
    )

    def apply() -> None:
        for which, pair in values:
            resource.setrlimit(which, pair)

    return apply


def classify(raw: RawRun, limits: SandboxLimits) -> LimitName | None:
    """Name the limit a run hit, if any (``timeout`` first, then the aggregate limits the
    sandbox observed, then signals and errno texts, ``output`` last)."""
    if raw.timed_out:
        return "timeout"
    if raw.oom_killed:
        return "memory"
    if raw.fs_limit is not None:
        return raw.fs_limit
    if raw.returncode > 128:
        sig = raw.returncode - 128
        if sig in _SIGNAL_LIMITS:
            return _SIGNAL_LIMITS[sig]
        if sig == signal.SIGKILL and (raw.cpu_time_s or 0.0) >= limits.cpu_rlimit_s:
            return "cpu"  # the hard CPU limit is a SIGKILL
    if raw.returncode != 0:
        for name, markers in _STDERR_MARKERS:
            if any(marker in raw.stderr for marker in markers):
                return name
    if raw.stdout_truncated or raw.stderr_truncated:
        return "output"
    return None


def to_result(raw: RawRun, limits: SandboxLimits) -> ExecResult:
    """Turn a :class:`RawRun` into the public :class:`ExecResult`."""
    return ExecResult(
        exit_code=raw.returncode,
        stdout=raw.stdout,
        stderr=raw.stderr,
        duration_s=raw.duration_s,
        timed_out=raw.timed_out,
        limit=classify(raw, limits),
        stdout_truncated=raw.stdout_truncated,
        stderr_truncated=raw.stderr_truncated,
        cpu_time_s=raw.cpu_time_s,
    )
