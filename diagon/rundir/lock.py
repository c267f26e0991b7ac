"""One process at a time per run directory: an advisory ``flock`` on ``<run_dir>/.lock``.

``diagon run`` and ``diagon resume`` hold the lock for the whole life of the run, so a
second ``resume`` (or a ``resume`` of a run that is still playing) is refused before it
writes anything, instead of interleaving rounds in one ``events.jsonl``. The kernel
drops an ``flock`` when its process dies (even by SIGKILL), so a lock left behind by a
dead process never blocks: the file stays, the lock does not. The file holds the
holder's pid and start time only to name it in the error message.

The lock is re-entrant within a process (the CLI takes it before Hydra's ``.hydra/``
files are written; :func:`diagon.runner.execute_run` takes it again).
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from diagon.files import ensure_dir, open_nofollow

LOCK_NAME = ".lock"

_held: set[str] = set()  # real paths of the run dirs this process holds


class RunDirLockedError(RuntimeError):
    """Another live process holds the run directory; nothing was written."""


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "unknown process"


@contextmanager
def run_dir_lock(run_dir: Path | str) -> Iterator[None]:
    """Hold the run directory's lock for the block; :class:`RunDirLockedError` when taken."""
    run_dir = Path(run_dir)
    ensure_dir(run_dir)
    key = os.path.realpath(run_dir)
    if key in _held:  # an outer block of this process holds it and releases it
        yield
        return
    fd = open_nofollow(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise RunDirLockedError(
            f"{run_dir} is in use by another Diagon process ({holder}); wait for it to finish"
            " or stop it, then retry (a dead process's lock is released automatically)"
        ) from None
    os.ftruncate(fd, 0)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode(), 0)
    _held.add(key)
    try:
        yield
    finally:
        _held.discard(key)
        os.close(fd)  # releases the flock
