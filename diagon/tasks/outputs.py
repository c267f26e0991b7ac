"""The worker's output as data: a snapshot of its work dir, restored into another sandbox.

Verification never happens in the sandbox the worker used (:func:`diagon.tasks.run.verify`):
its regular files are read as bytes (symlinks, FIFOs and devices are skipped, read-only
mounts are left out: the verification sandbox mounts them again) and written into a fresh
one. Only the executable bit survives of a file's mode.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from diagon.sandboxes import Sandbox, SandboxError, SandboxFileTooLarge
from diagon.sandboxes.base import MiB
from diagon.sandboxes.workdir import HostWorkdirSandbox

MAX_FILES = 20_000
MAX_BYTES = 512 * MiB


class OutputTooLarge(ValueError):
    """The work dir holds more files or bytes than a verification copies."""


@dataclass
class Snapshot:
    """Work-dir-relative path → content, and the paths that were executable."""

    files: dict[str, bytes] = field(default_factory=dict)
    executable: set[str] = field(default_factory=set)
    size: int = 0

    def read(self, box: Sandbox, rel: str) -> bytes | None:
        """``rel`` of ``box`` streamed up to what the budget has left (None: unreadable)."""
        try:
            return box.read_file(rel, max_bytes=max(0, MAX_BYTES - self.size))
        except SandboxFileTooLarge:
            raise OutputTooLarge(f"the work dir holds more than {MAX_BYTES // MiB} MiB") from None
        except (SandboxError, OSError, ValueError):
            return None  # vanished, or not a regular file: the worker's choice

    def add(self, rel: str, data: bytes, executable: bool) -> None:
        if len(self.files) >= MAX_FILES:
            raise OutputTooLarge(f"the work dir holds more than {MAX_FILES} files")
        self.size += len(data)
        if self.size > MAX_BYTES:
            raise OutputTooLarge(f"the work dir holds more than {MAX_BYTES // MiB} MiB")
        self.files[rel] = data
        if executable:
            self.executable.add(rel)


def snapshot(box: Sandbox) -> Snapshot:
    """The regular files of ``box``'s work dir (raises :class:`OutputTooLarge`)."""
    if isinstance(box, HostWorkdirSandbox):
        return _host_snapshot(box)
    return _exec_snapshot(box)


def restore(box: Sandbox, snap: Snapshot) -> None:
    """Write ``snap`` into the (fresh) work dir of ``box``."""
    for rel, data in snap.files.items():
        box.write_file(rel, data)
        if rel in snap.executable and isinstance(box, HostWorkdirSandbox):
            os.chmod(box.host_workdir / rel, 0o755)  # box is fresh: only we wrote there


def _host_snapshot(box: HostWorkdirSandbox) -> Snapshot:
    # an explicit stack, not os.walk: a 3000-deep tree must not hit the recursion limit
    mounts = {PurePosixPath(m) for m in box.ro_mounts}
    snap, stack = Snapshot(), [PurePosixPath()]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(box.host_workdir / rel_dir), key=lambda e: e.name)
        except OSError:
            continue  # unreadable or vanished: the worker's choice
        for entry in entries:
            rel = rel_dir / entry.name
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) and rel not in mounts:
                stack.append(rel)
            elif stat.S_ISREG(mode):
                data = snap.read(box, rel.as_posix())
                if data is not None:
                    snap.add(rel.as_posix(), data, bool(mode & 0o111))
    return snap


def _exec_snapshot(box: Sandbox) -> Snapshot:
    """Any backend: list regular files with ``find``, read each through the interface."""
    result = box.exec(["find", ".", "-type", "f", "-print0"], timeout_s=120)
    if result.truncated:
        raise OutputTooLarge("the work dir's file list exceeds the output cap")
    mounts = [PurePosixPath(m) for m in getattr(box, "ro_mounts", {})]
    snap = Snapshot()
    for raw in sorted(result.stdout.split(b"\0")):
        rel = raw.decode("utf-8", errors="surrogateescape").removeprefix("./")
        if not rel or rel == "." or any(m in PurePosixPath(rel).parents for m in mounts):
            continue
        data = snap.read(box, rel)
        if data is not None:
            snap.add(rel, data, False)
    return snap
