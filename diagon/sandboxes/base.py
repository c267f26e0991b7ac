"""The sandbox interface: limits, the result of one command, and the ``Sandbox`` protocol."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import PurePath
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

LimitName = Literal["timeout", "memory", "cpu", "output", "processes", "file_size", "disk", "files"]
"""Which limit stopped or constrained a command (``None`` in :class:`ExecResult` if none)."""

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


class SandboxError(RuntimeError):
    """A sandbox could not do what was asked (setup failure, closed sandbox, ...)."""


class SandboxUnavailable(SandboxError):
    """A backend cannot run on this machine (missing binary, no Docker engine, ...)."""


class SandboxPathError(SandboxError, ValueError):
    """A path given to ``read_file``/``write_file`` would leave the sandbox work dir (or
    ``write_file`` would write into a read-only mount)."""


class SandboxFileTooLarge(SandboxError):
    """``read_file`` met a file larger than its cap. ``head`` holds the first ``max_bytes``
    bytes (all that was read: the host never reads such a file whole)."""

    def __init__(self, path: str, max_bytes: int, head: bytes) -> None:
        super().__init__(f"{path!r} is larger than the read cap of {max_bytes} bytes")
        self.path, self.max_bytes, self.head = path, max_bytes, head


class UnsafeSandboxWarning(UserWarning):
    """Emitted when a backend without isolation (``subprocess``) is created."""


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Resource limits applied to every command run in a sandbox.

    ``cpu_s`` is CPU time per process (rounded up to whole seconds), ``memory_bytes`` the
    address space per process, ``max_processes`` the number of processes/threads the sandbox
    may hold at once, ``max_file_size_bytes`` the largest file a command may write,
    ``wall_timeout_s`` the default wall-clock timeout of ``exec`` and ``max_output_bytes`` how
    much of stdout and of stderr (each) is kept.

    Aggregate limits of the whole sandbox (all its processes together; how each backend
    enforces them, and where it cannot, is in ``sandboxes/README.md``): ``total_memory_bytes``
    the memory of all processes plus the tmpfs pages they write, ``disk_bytes`` the bytes
    and ``max_files`` the inodes (files, dirs, links) the work dir may hold, and
    ``max_read_bytes`` the largest file the host reads back with ``read_file``.
    """

    cpu_s: float = 60.0
    memory_bytes: int = 2 * GiB
    max_processes: int = 256
    max_file_size_bytes: int = 256 * MiB
    wall_timeout_s: float = 900.0
    max_output_bytes: int = 1 * MiB
    total_memory_bytes: int = 4 * GiB
    disk_bytes: int = 1 * GiB
    max_files: int = 100_000
    max_read_bytes: int = 64 * MiB

    def __post_init__(self) -> None:
        for name in (
            "cpu_s",
            "memory_bytes",
            "max_processes",
            "max_file_size_bytes",
            "wall_timeout_s",
            "max_output_bytes",
            "total_memory_bytes",
            "disk_bytes",
            "max_files",
            "max_read_bytes",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0 and math.isfinite(value)):
                raise ValueError(f"SandboxLimits.{name} must be a positive number, got {value!r}")

    @property
    def cpu_rlimit_s(self) -> int:
        """CPU seconds as the kernel takes them (whole seconds, at least 1)."""
        return max(1, math.ceil(self.cpu_s))


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What one command did. Output is kept up to the cap; ``*_truncated`` says if more came.

    ``exit_code`` follows the shell convention: ``128 + signal`` when killed by a signal.
    ``limit`` names the limit that was hit (best effort for memory/processes/file size, which
    the kernel reports only as a failing system call), ``cpu_time_s`` is the CPU time used
    by the whole process tree when the backend can measure it.
    """

    exit_code: int
    stdout: bytes
    stderr: bytes
    duration_s: float
    timed_out: bool = False
    limit: LimitName | None = None
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    cpu_time_s: float | None = None

    @property
    def ok(self) -> bool:
        """True if the command exited 0 and hit no limit."""
        return self.exit_code == 0 and self.limit is None

    @property
    def truncated(self) -> bool:
        """True if stdout or stderr was cut at the output cap."""
        return self.stdout_truncated or self.stderr_truncated

    @property
    def stdout_text(self) -> str:
        """stdout decoded as UTF-8 (undecodable bytes replaced)."""
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def stderr_text(self) -> str:
        """stderr decoded as UTF-8 (undecodable bytes replaced)."""
        return self.stderr.decode("utf-8", errors="replace")


@runtime_checkable
class Sandbox(Protocol):
    """One isolated work dir in which a worker runs commands.

    Paths given to ``read_file``/``write_file`` are relative to the work dir; absolute paths,
    ``..`` and symlinks leading out are refused with :class:`SandboxPathError`. Read-only
    mounts given at creation (``ro_mounts``, ``diagon.sandboxes.mounts``) are read where
    commands see them; writing into one raises :class:`SandboxPathError`.
    """

    limits: SandboxLimits

    @property
    def workdir(self) -> str:
        """The work dir as commands inside the sandbox see it (also their cwd and HOME)."""
        ...

    def exec(
        self, cmd: list[str], timeout_s: float | None = None, stdin: bytes | None = None
    ) -> ExecResult:
        """Run ``cmd`` (argv, no shell) in the work dir and wait for it, within the limits.

        ``timeout_s`` overrides ``limits.wall_timeout_s`` for this call. Nothing the command
        started survives the call.
        """
        ...

    def read_file(self, path: str | PurePath, max_bytes: int | None = None) -> bytes:
        """Return the bytes of a regular file in the work dir.

        At most ``max_bytes`` (default ``limits.max_read_bytes``) are read: a larger file
        raises :class:`SandboxFileTooLarge` carrying its head. Use
        :func:`diagon.sandboxes.read_head` for a preview of any file.
        """
        ...

    def write_file(self, path: str | PurePath, data: bytes | str) -> None:
        """Create or replace a file in the work dir (parents are created)."""
        ...

    def close(self) -> None:
        """Stop everything still running and delete the work dir. Idempotent."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def read_head(box: Sandbox, path: str | PurePath, max_bytes: int) -> tuple[bytes, bool]:
    """The first ``max_bytes`` of a work-dir file and whether it was longer (never read whole)."""
    try:
        return box.read_file(path, max_bytes=max_bytes), False
    except SandboxFileTooLarge as exc:
        return exc.head, True


class SandboxContext:
    """Mixin giving a sandbox with ``close()`` the context-manager protocol."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
