"""One cgroup per sandbox: a memory (and process) limit for all its processes together.

``RLIMIT_AS`` binds each process alone; ten processes of 1.9 GiB each pass it. A cgroup
charges every process of the sandbox, and the tmpfs pages they write, to one counter; past
``memory.max`` the kernel OOM-kills inside the sandbox only. Both hierarchies are handled:

* cgroup v2 (``/sys/fs/cgroup`` is ``cgroup2``): children of the root of our cgroup
  namespace, with ``+memory +pids`` enabled in its ``cgroup.subtree_control`` (the root is
  exempt from the no-internal-processes rule, our own cgroup usually is not);
* cgroup v1 (a ``memory`` and a ``pids`` hierarchy): children of our own cgroup in each.

It needs write access to the cgroup filesystem (root, no read-only container mount). Where
that is missing :func:`create` returns None, the reason is logged once and only the
per-process rlimits and the tmpfs sizes bound memory (``sandboxes/README.md``).
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)
CGROUP_ROOT = Path("/sys/fs/cgroup")
PREFIX = "diagon-sbx-"
# processes of the wrappers themselves (bwrap, its pid 1) on top of the sandbox's own
PIDS_MARGIN = 8
_counter = itertools.count()
_lock = threading.Lock()
_layout: _Layout | str | None = None  # str: why cgroups are unavailable


@dataclass(frozen=True, slots=True)
class _Layout:
    version: int
    memory: Path  # parent of the sandbox cgroups in the memory hierarchy (v2: the only one)
    pids: Path | None  # v1 only: parent in the pids hierarchy, if it is mounted


class SandboxCgroup:
    """The cgroup(s) of one sandbox; commands join it through :meth:`enter_prefix`."""

    def __init__(self, layout: _Layout, memory_bytes: int, max_processes: int) -> None:
        name = f"{PREFIX}{os.getpid()}-{next(_counter)}"
        self.version = layout.version
        self.dirs: list[Path] = []
        try:
            self.memory_dir = _mkdir(layout.memory / name, self.dirs)
            pids_dir = self.memory_dir
            if layout.version == 1:
                _write(self.memory_dir / "memory.limit_in_bytes", memory_bytes)
                _try_write(self.memory_dir / "memory.memsw.limit_in_bytes", memory_bytes)
                pids_dir = _mkdir(layout.pids / name, self.dirs) if layout.pids else None
            else:
                _write(self.memory_dir / "memory.max", memory_bytes)
                _try_write(self.memory_dir / "memory.swap.max", 0)
            if pids_dir is not None:
                _write(pids_dir / "pids.max", max_processes + PIDS_MARGIN)
        except BaseException:
            self.close()
            raise

    def enter_prefix(self) -> list[str]:
        """Argv prefix: a shell that moves itself into the cgroup(s), then execs the rest.

        A process must be in the cgroup before it forks anything, so it joins itself before
        exec; writing from the host after spawning would race the sandbox's first fork.
        """
        writes = " && ".join(f'echo $$ > "${i + 1}"' for i in range(len(self.dirs)))
        shift = len(self.dirs)
        procs = [str(d / "cgroup.procs") for d in self.dirs]
        return ["/bin/sh", "-c", f'{writes} && shift {shift} && exec "$@"', "sh", *procs]

    def oom_kills(self) -> int:
        """How many processes the kernel has OOM-killed in this cgroup so far."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            text = (self.memory_dir / name).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def empty(self, timeout_s: float = 5.0) -> bool:
        """SIGKILL every process still in the cgroup and wait until none is left.

        After a kill the kernel tears a pid namespace of hundreds of processes down
        asynchronously; ``exec`` returns only once all of them are gone.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            if not any(_kill_members(d) for d in self.dirs[:1]):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def close(self) -> None:
        """Kill what is left in the cgroup(s) and remove them (leaked ones are logged)."""
        for directory in reversed(self.dirs):
            _remove(directory)
        self.dirs = []


def create(memory_bytes: int, max_processes: int) -> SandboxCgroup | None:
    """A new sandbox cgroup, or None (reason logged once) where cgroups are not writable."""
    layout = _detect()
    if isinstance(layout, str):
        return None
    try:
        return SandboxCgroup(layout, memory_bytes, max_processes)
    except OSError as exc:
        logger.warning(
            "could not create a sandbox cgroup (%s); memory limited per process only", exc
        )
        return None


def _detect() -> _Layout | str:
    global _layout
    with _lock:
        if _layout is None:
            try:
                _layout = _find_layout()
                if isinstance(_layout, _Layout):
                    _sweep_stale(_layout)
            except OSError as exc:
                _layout = f"cgroup filesystem not usable: {exc}"
            if isinstance(_layout, str):
                logger.warning(
                    "no per-sandbox cgroup (%s): sandbox memory is limited per process only",
                    _layout,
                )
        return _layout


def _find_layout() -> _Layout | str:
    if (CGROUP_ROOT / "cgroup.controllers").is_file():  # unified (v2) hierarchy
        control = CGROUP_ROOT / "cgroup.subtree_control"
        if not {"memory", "pids"} <= set(control.read_text().split()):
            control.write_text("+memory +pids")
        probe = _Layout(2, CGROUP_ROOT, None)
    else:
        own = _own_cgroups()
        memory = _v1_parent("memory", own)
        if memory is None:
            return "no cgroup v2 and no cgroup v1 memory hierarchy"
        probe = _Layout(1, memory, _v1_parent("pids", own))
    if not os.access(probe.memory, os.W_OK):
        return f"{probe.memory} is not writable"
    return probe


def _own_cgroups() -> dict[str, str]:
    """Controller -> our cgroup path in its v1 hierarchy (from /proc/self/cgroup)."""
    own: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            own[controller] = path
    return own


def _v1_parent(controller: str, own: dict[str, str]) -> Path | None:
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "cgroup" and controller in fields[3].split(","):
            parent = Path(fields[1]) / own.get(controller, "/").lstrip("/")
            return parent if parent.is_dir() else None
    return None


def _sweep_stale(layout: _Layout) -> None:
    """Remove sandbox cgroups left by processes that died before closing them."""
    for parent in (layout.memory, layout.pids):
        if parent is None:
            continue
        for entry in parent.glob(f"{PREFIX}*"):
            pid = entry.name[len(PREFIX) :].split("-")[0]
            if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
                _remove(entry)


def _mkdir(path: Path, made: list[Path]) -> Path:
    path.mkdir()
    made.append(path)
    return path


def _write(path: Path, value: int) -> None:
    path.write_text(str(value))


def _try_write(path: Path, value: int) -> None:
    try:  # optional knobs: swap accounting may be off or absent
        _write(path, value)
    except OSError:
        pass


def _remove(directory: Path) -> None:
    for _ in range(50):
        try:
            directory.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # EBUSY: processes still inside (exec has killed them, they exit)
            _kill_members(directory)
            time.sleep(0.02)
    logger.warning("could not remove sandbox cgroup %s (processes still inside)", directory)


def _kill_members(directory: Path) -> bool:
    """SIGKILL the processes in ``directory``; True if there were any."""
    try:
        pids = (directory / "cgroup.procs").read_text().split()
    except OSError:
        return False
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return bool(pids)
