"""The work dir's own filesystem: a size- and inode-capped tmpfs per sandbox, and teardown.

``RLIMIT_FSIZE`` caps one file; a worker writing many of them, or a million empty files,
would still fill the host disk. As root each sandbox's work dir is therefore a tmpfs
mounted with ``size=`` (``disk_bytes``) and ``nr_inodes=`` (``max_files``): a write past
either fails with ``ENOSPC`` inside that sandbox only, and teardown is one ``umount``
whatever the worker left (a 3000-deep tree, files it made unreadable). Its pages are RAM,
charged to the sandbox's cgroup when the worker writes them. Without root (or where
``mount`` is refused) the work dir stays a plain directory; the reason is logged once.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from diagon.sandboxes.base import LimitName

logger = logging.getLogger(__name__)
_MS_NOSUID, _MS_NODEV = 2, 4
_MNT_DETACH = 2
_ENOSPC_MARKER = b"No space left on device"
ROOT_PREFIX = "diagon-"  # sandbox roots: <tempdir>/diagon-<backend>-<pid>-<random>
_libc = ctypes.CDLL(None, use_errno=True)
_warned = False
_swept = threading.Event()


def mount_tmpfs(
    path: Path, size_bytes: int, max_inodes: int, owner: tuple[int, int] | None
) -> bool:
    """Mount a capped tmpfs on the empty dir ``path``; False (reason logged once) if refused."""
    global _warned
    if os.geteuid() != 0:
        reason = "not running as root"
    else:
        uid, gid = owner if owner is not None else (0, 0)
        # +1 inode: the root directory of the tmpfs counts too
        opts = f"size={size_bytes},nr_inodes={max_inodes + 1},mode=0755,uid={uid},gid={gid}"
        flags = _MS_NOSUID | _MS_NODEV
        if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", flags, opts.encode()) == 0:
            return True
        reason = f"mount(tmpfs) failed: {os.strerror(ctypes.get_errno())}"
    if not _warned:
        _warned = True
        logger.warning(
            "sandbox work dirs are plain directories (%s): disk bytes and file count are "
            "not limited per sandbox, only the size of each file",
            reason,
        )
    return False


def exhausted(path: Path) -> LimitName | None:
    """``"files"`` or ``"disk"`` when the work dir's filesystem is full, else None."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    if st.f_favail == 0:
        return "files"
    if st.f_bavail == 0:
        return "disk"
    return None


def full_limit(path: Path, mounted: bool, returncode: int, stderr: bytes) -> LimitName | None:
    """Which work-dir limit a failed command hit (it failed with ``ENOSPC`` on a full tmpfs)."""
    if not mounted or (returncode == 0 and _ENOSPC_MARKER not in stderr):
        return None
    return exhausted(path)


def remove_tree(root: Path, mount: Path | None) -> None:
    """Unmount ``mount`` (if any) and delete ``root``; never raises, whatever is inside.

    ``shutil.rmtree`` recurses once per level (a 3000-deep tree raises ``RecursionError``,
    which ``ignore_errors`` does not catch) and stops at directories a worker made
    unreadable; what it leaves is removed by ``chmod -R u+rwx`` and ``rm -rf`` (fts walks
    any depth). Anything still there afterwards is logged.
    """
    if mount is not None and _libc.umount2(os.fsencode(mount), _MNT_DETACH) != 0:
        logger.warning("could not unmount %s: %s", mount, os.strerror(ctypes.get_errno()))
    try:
        shutil.rmtree(root)
        return
    except FileNotFoundError:
        return
    except (OSError, RecursionError):
        pass
    for cmd in (
        ["chmod", "-R", "u+rwx", "--", str(root)],
        ["rm", "-rf", "--one-file-system", "--", str(root)],
    ):
        subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if os.path.lexists(root):
        logger.warning("could not delete sandbox dir %s", root)


def sweep_stale_once() -> None:
    """Once per process: unmount and delete work dirs whose process died without closing
    them (a tmpfs left mounted would hold its RAM until reboot)."""
    if _swept.is_set():
        return
    _swept.set()
    base = Path(tempfile.gettempdir()).resolve()
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    for line in mounts:
        fields = line.split()
        if len(fields) < 3 or fields[2] != "tmpfs":
            continue
        point = Path(fields[1])
        root = point.parent
        if point.name != "work" or root.parent != base or not root.name.startswith(ROOT_PREFIX):
            continue
        parts = root.name[len(ROOT_PREFIX) :].rsplit("-", 2)  # backend, pid, random
        pid = parts[1] if len(parts) == 3 else ""
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            logger.warning("removing the work dir %s of dead process %s", root, pid)
            remove_tree(root, point)
