"""Writing the files of a run directory without ever following a symbolic link.

A run directory is often shared, copied or unpacked from an archive; a planted
``report.html -> /home/you/.bashrc`` must not make ``diagon report`` overwrite the link's
target. Every file Diagon writes into a run directory (run.json, events.jsonl,
checkpoints, tables, report.html, compare outputs, the lock, ``.hydra/``) goes through
this module:

* whole files are written to a fresh temporary file in the same directory (created with
  ``O_EXCL``, so it cannot be a pre-planted link), fsynced and renamed over the target
  (:func:`atomic_writer`): a reader never sees half a file, and a kill leaves the old one;
* append-only and lock files are opened with ``O_NOFOLLOW`` (:func:`open_nofollow`);
* a target or a directory Diagon creates below the run directory that is a symbolic
  link is refused with :class:`UnsafePathError` naming it (not silently replaced: the
  link is evidence of tampering the user should see).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


class UnsafePathError(ValueError):
    """A file or directory Diagon would write is a symbolic link; nothing was written."""


def _link_error(path: Path | str) -> UnsafePathError:
    return UnsafePathError(
        f"refusing to write {path}: it is a symbolic link (to {os.readlink(path)}); Diagon"
        " never writes through links in a run directory. Remove the link and retry."
    )


def refuse_symlink(path: Path) -> None:
    """Raise :class:`UnsafePathError` when ``path`` itself is a symbolic link."""
    if path.is_symlink():
        raise _link_error(path)


def ensure_dir(path: Path) -> Path:
    """Create directory ``path`` (and parents) unless present; refuse when it is a link."""
    refuse_symlink(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


@contextmanager
def atomic_writer(path: Path | str, mode: str = "wb", **kwargs: Any) -> Iterator[IO[Any]]:
    """A file object whose content replaces ``path`` atomically when the block succeeds.

    ``mode`` is ``"wb"`` or ``"w"`` (``kwargs`` go to :func:`open`, e.g. ``encoding``).
    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    refuse_symlink(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        refuse_symlink(path)  # planted while we wrote: still refuse, never replace silently
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (never through a link)."""
    with atomic_writer(path, "wb") as fh:
        fh.write(data)


def write_text(path: Path | str, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically (never through a link)."""
    write_bytes(path, text.encode("utf-8"))


def open_nofollow(path: Path | str, flags: int, mode: int = 0o644) -> int:
    """``os.open`` with ``O_NOFOLLOW | O_CLOEXEC``; a link is refused with a clear error."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if Path(path).is_symlink():
            raise _link_error(path) from exc
        raise
