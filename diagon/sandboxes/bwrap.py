"""The default backend: bubblewrap (Debian package ``bubblewrap``).

Isolation: new network, pid, ipc, uts (and cgroup) namespaces; a read-only view of /usr, the
needed bits of /etc and the base interpreter; the sandbox's own Python environment at
``/opt/diagon-python`` (:mod:`diagon.sandboxes.python_env`: stdlib plus the packages task
verifiers need, never Diagon's venv, its tasks or a benchmark's answers); a private tmpfs
/tmp; only the work dir is writable; environment reduced to a fixed whitelist; bwrap's
options passed through a memfd (``--args``), so ``/proc/1/cmdline`` inside names no host
path; a seccomp filter (``seccomp``) refusing namespace creation, mounts, ptrace and other
kernel surface. Limits: rlimits via ``prlimit`` inside the sandbox, a cgroup and a capped
tmpfs work dir per sandbox (``workdir``), a wall timeout that kills bwrap (its
``--die-with-parent`` child and the pid namespace go with it) and capped output.

Fork bombs: ``RLIMIT_NPROC`` counts processes per *host* uid and does not bind root. When
the caller is root, each sandbox therefore runs its command as its own unprivileged host uid
(``setpriv``), so the limit counts exactly that sandbox's processes. A non-root caller gets
a user namespace instead, whose process count the kernel keeps per namespace.

Read-only mounts (``ro_mounts``) are ``--ro-bind`` on top of the work dir: writes fail
with ``EROFS``. bwrap sets mounts up with privileges and follows symlinks in their
destination, so before every command the mount points in the host work dir are checked to
be real directories (a worker's symlink or file there is removed, a missing one recreated);
no command of the sandbox runs meanwhile: none outlives ``exec`` and, with mounts, ``exec``
calls on one sandbox are serialised.

``verifier=True`` makes a verification sandbox (``diagon.sandboxes.verifier``): a root
caller's commands run as a second uid, the harness, under a spawner that starts the
worker's code as the work dir's uid; the harness's private directory is bound at
``/verifier``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from typing import ClassVar

from diagon.sandboxes import bwrap_profile as profile
from diagon.sandboxes import paths, python_env, seccomp
from diagon.sandboxes._limits import (
    SANDBOX_PATH,
    RawRun,
    rlimit_preexec,
    rlimit_prefix,
    sandbox_env,
)
from diagon.sandboxes.base import SandboxLimits, SandboxUnavailable
from diagon.sandboxes.mounts import MountSpecs
from diagon.sandboxes.verifier import HarnessMixin, VerifierDir, spawner_argv
from diagon.sandboxes.workdir import HostWorkdirSandbox

INSTALL_HINT = "apt-get install -y bubblewrap"
VERIFIER_DIR = "/verifier"
# host uids handed to sandboxes when the caller is root: [BASE, BASE + SPAN)
UID_BASE = 1_000_000
UID_SPAN = 1_000_000
_uid_counter = itertools.count()
_verified: set[tuple[str, ...]] = set()


def allocate_uid() -> int:
    """A host uid for one sandbox, distinct within this process and unlikely across processes."""
    return UID_BASE + (os.getpid() * 4096 + next(_uid_counter)) % UID_SPAN


class BwrapSandbox(HarnessMixin, HostWorkdirSandbox):
    """A bubblewrap sandbox; see the module docstring for what it isolates and limits."""

    name: ClassVar[str] = "bwrap"
    _measures_cpu: ClassVar[bool] = False  # bwrap does not reap its pid-1 child for us

    def __init__(
        self,
        files_dir: str | os.PathLike[str] | None = None,
        limits: SandboxLimits | None = None,
        *,
        ro_mounts: MountSpecs | None = None,
        verifier: bool = False,
    ) -> None:
        self._bwrap = shutil.which("bwrap")
        if self._bwrap is None:
            raise SandboxUnavailable(
                f"bubblewrap (`bwrap`) is not installed or not on PATH; install it with "
                f"`{INSTALL_HINT}` (Debian/Ubuntu package `bubblewrap`)"
            )
        self._as_root = os.geteuid() == 0
        self._setpriv = shutil.which("setpriv") if self._as_root else None
        if self._as_root and self._setpriv is None:
            raise SandboxUnavailable(
                "running as root needs `setpriv` to drop to an unprivileged uid; "
                "install it with `apt-get install -y util-linux`"
            )
        self._uid = allocate_uid() if self._as_root else None
        self._exec_lock = threading.Lock()
        owner = (self._uid, self._uid) if self._uid is not None else None
        super().__init__(files_dir, limits, owner=owner, ro_mounts=ro_mounts)
        self._harness: VerifierDir | None = None
        if verifier:
            harness_uid = allocate_uid() if self._uid is not None else None
            self._harness = VerifierDir(self._root, (harness_uid,) * 2 if harness_uid else None)
        self._has_prlimit = rlimit_prefix(self.limits) is not None
        self._env_dir = str(python_env.sandbox_env_dir())
        self._argv_prefix = self._build_argv_prefix()
        self._verify()

    @property
    def workdir(self) -> str:
        """The work dir inside the sandbox (``/workspace``)."""
        return profile.SANDBOX_WORKDIR

    @property
    def python(self) -> str:
        """The sandbox's own interpreter (first ``python3`` on its ``PATH``)."""
        return python_env.SANDBOX_PYTHON

    def _harness_path(self) -> str:
        return VERIFIER_DIR

    def _env(self) -> dict[str, str]:
        env = sandbox_env(home=profile.SANDBOX_WORKDIR, tmpdir="/tmp")
        env["PATH"] = f"{python_env.SANDBOX_PREFIX}/bin:{SANDBOX_PATH}"
        return env

    def _argv(self, cmd: list[str], fds: tuple[int, ...]) -> list[str]:
        # the options are in the memfd fds[-1] (_command_fds); the command must stay on the
        # command line (bwrap refuses one in --args)
        split = self._argv_prefix.index("--")
        return [self._argv_prefix[0], "--args", str(fds[-1]), *self._argv_prefix[split:], *cmd]

    @contextlib.contextmanager
    def _command_fds(self) -> Iterator[tuple[int, ...]]:
        # fresh descriptors per command (bwrap reads each to its end): the seccomp program,
        # if any, then bwrap's options. Options go through a memfd because bwrap's pid 1 in
        # the sandbox keeps its argv, which must not show host paths (work dir, interpreter)
        with contextlib.ExitStack() as stack:
            fds: list[int] = []
            data = seccomp.program()
            if data is not None:
                fds.append(seccomp.program_fd(data))
                stack.callback(os.close, fds[-1])
            split = self._argv_prefix.index("--")
            options = [
                *(a for fd in fds for a in ("--seccomp", str(fd))),
                *self._argv_prefix[1:split],
            ]
            fds.append(seccomp.program_fd(b"".join(a.encode() + b"\0" for a in options)))
            stack.callback(os.close, fds[-1])
            yield tuple(fds)

    def _build_argv_prefix(self) -> list[str]:
        assert self._bwrap is not None
        argv = [self._bwrap, *profile.namespace_args(user_namespace=not self._as_root)]
        argv += profile.mount_args(
            str(self._host_workdir),
            tmp_size_bytes=self.limits.memory_bytes,
            shm_size_bytes=self.limits.max_file_size_bytes,
            ro_mounts=[(m.rel_str, str(m.host)) for m in self._mounts],
            python_env_dir=self._env_dir,
        )
        argv += profile.env_args(self._env())
        if self._harness is not None:
            argv += ["--bind", str(self._harness.host), VERIFIER_DIR]
            if self._uid is not None:
                argv += ["--cap-add", "CAP_KILL"]  # the spawner kills the worker's children
        argv.append("--")
        prlimit = rlimit_prefix(self.limits) or []
        if self._harness is not None:
            return argv + prlimit + self._spawner()
        if self._setpriv is not None and self._uid is not None:
            argv += profile.drop_privileges_args(self._setpriv, self._uid)
        return argv + prlimit

    def _spawner(self) -> list[str]:
        """Spawner argv: the harness as its own uid, the worker's code as the work dir's."""
        assert self._harness is not None
        harness, worker = [], []
        if self._setpriv is not None and self._uid is not None and self._harness.owner:
            harness = profile.drop_privileges_args(self._setpriv, self._harness.owner[0])
            worker = profile.drop_privileges_args(self._setpriv, self._uid)
        # the sandbox's own interpreter where it has one (checkers run with it too)
        python = getattr(self, "python", None) or sys.executable
        return spawner_argv(python, harness, worker)

    def _run(self, cmd: list[str], timeout_s: float, stdin: bytes | None) -> RawRun:
        if not self._mounts:
            return super()._run(cmd, timeout_s, stdin)
        with self._exec_lock:  # no command may swap a mount point while bwrap sets it up
            return super()._run(cmd, timeout_s, stdin)

    def _before_run(self) -> None:
        # a worker may have replaced a mount point (or a parent) by a symlink leading out
        for mount in self._mounts:
            paths.ensure_dirs(self._host_workdir, mount.rel, self._owner, repair=True)

    def _spawn_env(self) -> dict[str, str]:
        # bwrap itself gets no parent environment either (its pid 1 could be inspected)
        return {"PATH": "/usr/bin:/bin"}

    def _preexec(self) -> Callable[[], None] | None:
        # without prlimit, set the rlimits on bwrap itself; the command inherits them
        return None if self._has_prlimit else rlimit_preexec(self.limits)

    def _verify(self) -> None:
        """Run ``true`` once per profile and process: fail early with bwrap's own message."""
        key = (str(self._bwrap), str(self._as_root), str(self._harness is not None), *profile.python_roots(), self._env_dir)
        if key in _verified:
            return
        raw = self._run(["true"], timeout_s=30.0, stdin=None)
        if raw.returncode != 0:
            self.close()
            raise SandboxUnavailable(
                f"bubblewrap cannot start a sandbox here (exit {raw.returncode}): "
                f"{raw.stderr.decode(errors='replace').strip()}"
            )
        _verified.add(key)
