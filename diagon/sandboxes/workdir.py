"""Shared base of the backends whose work dir is a private directory on the host."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath
from typing import ClassVar

from diagon.sandboxes import cgroup, paths, workfs
from diagon.sandboxes._limits import RawRun, check_exec_args, to_result
from diagon.sandboxes._process import kill_group, run_capped
from diagon.sandboxes.base import ExecResult, SandboxContext, SandboxError, SandboxLimits
from diagon.sandboxes.mounts import Mount, MountSpecs, check_mounts

logger = logging.getLogger(__name__)


class HostWorkdirSandbox(SandboxContext):
    """A sandbox whose files live in ``<tmp>/diagon-<name>-*/work`` on the host.

    Subclasses say how a command is wrapped (:meth:`_argv`), which environment it gets
    (:meth:`_env`), how its process tree is killed and how read-only mounts are shown
    (:meth:`_install_mount`; ``diagon.sandboxes.mounts``). ``read_file`` and ``write_file``
    know the mounts: reads below a mount prefix come from the host dir, writes are refused.

    Aggregate limits: the work dir is a capped tmpfs (``workfs``) and every command joins
    the sandbox's cgroup (``cgroup``) where the host allows it; both are logged once when not.
    """

    name: ClassVar[str] = "workdir"
    # whether wait4() on the spawned process sees the CPU time of the whole command tree
    _measures_cpu: ClassVar[bool] = True

    def __init__(
        self,
        files_dir: str | os.PathLike[str] | None = None,
        limits: SandboxLimits | None = None,
        *,
        owner: paths.Owner | None = None,
        ro_mounts: MountSpecs | None = None,
    ) -> None:
        self.limits = limits if limits is not None else SandboxLimits()
        self._owner = owner
        self._mounts: tuple[Mount, ...] = check_mounts(ro_mounts)
        self._closed = False
        self._cgroup: cgroup.SandboxCgroup | None = None
        self._mounted = False
        self._running, self._in_flight = threading.Lock(), 0
        workfs.sweep_stale_once()
        # the pid in the name tells a later sweep whether the owner still lives
        self._root = Path(
            tempfile.mkdtemp(prefix=f"{workfs.ROOT_PREFIX}{self.name}-{os.getpid()}-")
        )
        self._host_workdir = self._root / "work"
        try:
            self._host_tmpdir = self._root / "tmp"
            self._host_workdir.mkdir()
            self._host_tmpdir.mkdir(mode=0o700)
            self._mounted = workfs.mount_tmpfs(
                self._host_workdir, self.limits.disk_bytes, self.limits.max_files, owner
            )
            if owner is not None:
                paths.chown_tree(self._root, owner)
            if files_dir is not None:
                self._copy_files(Path(files_dir))
            for mount in self._mounts:
                if os.path.lexists(self._host_workdir / mount.rel):
                    raise ValueError(
                        f"read-only mount prefix {mount.rel_str!r} already exists in the "
                        f"files dir {files_dir}"
                    )
                self._install_mount(mount)
            self._cgroup = cgroup.create(self.limits.total_memory_bytes, self.limits.max_processes)
        except BaseException:
            self._closed = True
            self._teardown()
            raise

    def _copy_files(self, files_dir: Path) -> None:
        try:
            paths.copy_into(files_dir, self._host_workdir, self._owner)
        except OSError as exc:
            if exc.errno != errno.ENOSPC and "No space left" not in str(exc):
                raise
            raise SandboxError(
                f"the files dir {files_dir} does not fit the sandbox work dir (limits "
                f"disk_bytes={self.limits.disk_bytes}, max_files={self.limits.max_files})"
            ) from exc

    @property
    def host_workdir(self) -> Path:
        """Where the work dir lives on the host (for inspection; prefer ``read_file``)."""
        return self._host_workdir

    @property
    def workdir(self) -> str:
        """The work dir as commands see it."""
        return str(self._host_workdir)

    @property
    def ro_mounts(self) -> dict[str, Path]:
        """The read-only mounts: work-dir prefix → host directory."""
        return {m.rel_str: m.host for m in self._mounts}

    def exec(
        self, cmd: list[str], timeout_s: float | None = None, stdin: bytes | None = None
    ) -> ExecResult:
        """Run ``cmd`` in the work dir; see :class:`~diagon.sandboxes.Sandbox`."""
        self._check_open()
        cmd, timeout = check_exec_args(cmd, timeout_s, self.limits)
        raw = self._run(cmd, timeout, stdin)
        return to_result(raw, self.limits)

    def _run(self, cmd: list[str], timeout_s: float, stdin: bytes | None) -> RawRun:
        self._before_run()
        group = self._cgroup
        oom_kills = group.oom_kills() if group is not None else 0
        with self._running:
            self._in_flight += 1
        try:
            with self._command_fds() as fds:
                raw = self._spawn(cmd, timeout_s, stdin, fds)
        finally:
            with self._running:
                self._in_flight -= 1
                last = self._in_flight == 0
        # the last command out waits for the kernel to finish killing (a concurrent exec on
        # the same sandbox is still running in the cgroup and must not be touched)
        if group is not None and last and not group.empty():
            logger.warning("processes of %r survived exec for 5 s after SIGKILL", self)
        raw.oom_killed = group is not None and group.oom_kills() > oom_kills
        raw.fs_limit = workfs.full_limit(
            self._host_workdir, self._mounted, raw.returncode, raw.stderr
        )
        return raw

    def _spawn(
        self, cmd: list[str], timeout_s: float, stdin: bytes | None, fds: tuple[int, ...]
    ) -> RawRun:
        prefix = self._cgroup.enter_prefix() if self._cgroup is not None else []
        return run_capped(
            prefix + self._argv(cmd, fds),
            pass_fds=fds,
            env=self._spawn_env(),
            timeout_s=timeout_s,
            max_output_bytes=self.limits.max_output_bytes,
            kill=self._kill,
            on_exit=self._on_exit,
            stdin=stdin,
            cwd=str(self._host_workdir),
            preexec_fn=self._preexec(),
            measure_cpu=self._measures_cpu,
        )

    def read_file(self, path: str | PurePath, max_bytes: int | None = None) -> bytes:
        """Bytes of a regular file in the work dir, streamed up to ``max_bytes`` (default
        ``limits.max_read_bytes``); a larger file raises ``SandboxFileTooLarge``."""
        self._check_open()
        cap = self.limits.max_read_bytes if max_bytes is None else max_bytes
        return paths.read_file(self._host_workdir, path, self._mounts, cap)

    def write_file(self, path: str | PurePath, data: bytes | str) -> None:
        """Create or replace a file in the work dir (str is written as UTF-8).

        A path inside a read-only mount raises :class:`~diagon.sandboxes.SandboxPathError`.
        """
        self._check_open()
        paths.write_file(self._host_workdir, path, data, self._owner, self._mounts)

    def close(self) -> None:
        """Delete the work dir. Commands never outlive ``exec``, so nothing is left running."""
        if not self._closed:
            self._closed = True
            self._teardown()

    def _teardown(self) -> None:
        workfs.remove_tree(self._root, self._host_workdir if self._mounted else None)
        self._mounted = False
        if self._cgroup is not None:
            self._cgroup.close()
            self._cgroup = None

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else str(self._host_workdir)
        return f"{type(self).__name__}({state})"

    # -- hooks -------------------------------------------------------------------------------
    def _argv(self, cmd: list[str], fds: tuple[int, ...]) -> list[str]:
        """The spawned argv; ``fds`` are the descriptors of :meth:`_command_fds`."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _command_fds(self) -> Iterator[tuple[int, ...]]:
        """Descriptors the spawned process inherits, open for the duration of one command."""
        yield ()

    def _env(self) -> dict[str, str]:
        raise NotImplementedError

    def _spawn_env(self) -> dict[str, str]:
        """Environment of the spawned process (the command's own, unless a wrapper is used)."""
        return self._env()

    def _preexec(self) -> Callable[[], None] | None:
        return None

    def _install_mount(self, mount: Mount) -> None:
        """Show ``mount`` in the fresh work dir (default: create its mount point dirs)."""
        paths.ensure_dirs(self._host_workdir, mount.rel, self._owner, repair=False)

    def _before_run(self) -> None:
        """Called before every spawned command (bwrap re-checks its mount points)."""
        return None

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        kill_group(proc)

    def _on_exit(self, proc: subprocess.Popen[bytes]) -> None:
        return None

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError(f"{self!r} is closed")
