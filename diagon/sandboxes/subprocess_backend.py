"""``subprocess``: no isolation at all — an explicit, unsafe opt-in for trusted code.

Commands run as the calling user on the host filesystem and network. What it still does:
the scrubbed environment, rlimits (``RLIMIT_NPROC`` does not bind root), the wall timeout
killing the process tree, capped output and a private work dir as cwd/HOME.

Read-only mounts (``ro_mounts``) are plain symlinks from the work dir to the host
directories: nothing keeps a command from writing through them beyond the host's file
permissions, and tools that do not follow symlinks (``find`` without ``-L``) do not
descend into them. The host-side ``write_file`` still refuses paths in a mount.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import ClassVar

from diagon.sandboxes import paths
from diagon.sandboxes._limits import rlimit_preexec, rlimit_prefix, sandbox_env
from diagon.sandboxes._process import kill_group
from diagon.sandboxes.base import SandboxLimits, UnsafeSandboxWarning
from diagon.sandboxes.mounts import Mount, MountSpecs
from diagon.sandboxes.verifier import HarnessMixin, VerifierDir, spawner_argv
from diagon.sandboxes.workdir import HostWorkdirSandbox

logger = logging.getLogger(__name__)
_logged = False
UNSAFE_MESSAGE = (
    "the `subprocess` sandbox does NOT isolate commands (host filesystem, network and "
    "processes are reachable); use it only for trusted code — prefer `bwrap`"
)


class SubprocessSandbox(HarnessMixin, HostWorkdirSandbox):
    """Runs commands as plain host processes in a private work dir. Not isolated.

    ``verifier=True``: commands run under the spawner (``diagon.sandboxes.verifier``), all
    as the caller; the harness directory is a private host directory.
    """

    name: ClassVar[str] = "subprocess"

    def __init__(
        self,
        files_dir: str | os.PathLike[str] | None = None,
        limits: SandboxLimits | None = None,
        *,
        ro_mounts: MountSpecs | None = None,
        verifier: bool = False,
    ) -> None:
        global _logged
        warnings.warn(UNSAFE_MESSAGE, UnsafeSandboxWarning, stacklevel=2)
        if not _logged:  # once per process: a run may create thousands of sandboxes
            _logged = True
            logger.warning(UNSAFE_MESSAGE)
        super().__init__(files_dir, limits, ro_mounts=ro_mounts)
        self._prlimit = rlimit_prefix(self.limits)
        self._harness = VerifierDir(self._root, None) if verifier else None

    def _harness_path(self) -> str:
        return str(self._root / "verifier")

    def _install_mount(self, mount: Mount) -> None:
        parent = paths.ensure_dirs(self._host_workdir, mount.rel.parent, None, repair=False)
        (parent / mount.rel.name).symlink_to(mount.host, target_is_directory=True)

    def _env(self) -> dict[str, str]:
        return sandbox_env(home=str(self._host_workdir), tmpdir=str(self._host_tmpdir))

    def _argv(self, cmd: list[str], fds: tuple[int, ...]) -> list[str]:
        spawner = spawner_argv(sys.executable, [], []) if self._harness is not None else []
        return (self._prlimit or []) + spawner + cmd

    def _preexec(self) -> Callable[[], None] | None:
        return rlimit_preexec(self.limits) if self._prlimit is None else None

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        # the group, plus descendants that left it with setsid()
        stragglers = descendants(proc.pid)
        kill_group(proc)
        for pid in stragglers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _on_exit(self, proc: subprocess.Popen[bytes]) -> None:
        # background children of a finished command must not outlive exec()
        kill_group(proc)


def descendants(pid: int) -> list[int]:
    """Pids of all live descendants of ``pid`` (from /proc; empty where /proc is missing)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the ppid is the 2nd field after the parenthesised command name
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found
