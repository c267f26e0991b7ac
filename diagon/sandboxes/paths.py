"""Host-side file access to a sandbox work dir that never leaves it."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from diagon.sandboxes.base import SandboxFileTooLarge, SandboxPathError
from diagon.sandboxes.mounts import Mount, mount_of, read_only_error, relative

Owner = tuple[int, int]


def resolve_inside(root: Path, path: str | PurePath) -> Path:
    """Map ``path`` (relative to ``root``) to a host path, refusing any escape.

    Absolute paths and ``..`` components are refused outright; the result is then resolved
    (following symlinks) and must still lie under ``root``.
    """
    rel = relative(path)
    base = root.resolve()
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise SandboxPathError(f"{os.fspath(path)!r} leads outside the work dir")
    return target


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _inside_mount(mount: Mount, inner: PurePosixPath, path: str | PurePath) -> Path:
    """``inner`` resolved in the mount's host dir; symlinks must not lead out of it."""
    target = (mount.host / inner).resolve()
    if not _under(target, mount.host):
        raise SandboxPathError(
            f"{os.fspath(path)!r} leads outside the read-only mount {mount.rel_str!r}"
        )
    return target


def resolve_read(root: Path, path: str | PurePath, mounts: tuple[Mount, ...] = ()) -> Path:
    """Host path of ``path`` for reading, where a sandboxed command would find it.

    A path below a mount prefix maps to the mount's host dir (lexically, whatever the
    worker did to the mount point: the next command sees the mount again); so does a path
    whose symlinks lead to a mount point or into a mount's host dir. Anything else must
    resolve inside ``root``.
    """
    rel = relative(path)
    hit = mount_of(rel, mounts)
    if hit is not None:
        return _inside_mount(*hit, path)
    base = root.resolve()
    target = (base / rel).resolve()
    if _under(target, base):
        for mount in mounts:
            point = base / mount.rel
            if _under(target, point):
                return _inside_mount(mount, PurePosixPath(target.relative_to(point)), path)
        return target
    if any(_under(target, mount.host) for mount in mounts):  # e.g. the subprocess symlink
        return target
    raise SandboxPathError(f"{os.fspath(path)!r} leads outside the work dir")


def resolve_write(root: Path, path: str | PurePath, mounts: tuple[Mount, ...] = ()) -> Path:
    """Host path of ``path`` for writing: inside ``root`` and in no read-only mount."""
    rel = relative(path)
    hit = mount_of(rel, mounts)
    if hit is not None:
        raise read_only_error(path, hit[0])
    base = root.resolve()
    target = (base / rel).resolve()
    inside = _under(target, base)
    for mount in mounts:
        if _under(target, base / mount.rel) if inside else _under(target, mount.host):
            raise read_only_error(path, mount)
    if not inside:
        raise SandboxPathError(f"{os.fspath(path)!r} leads outside the work dir")
    return target


def read_file(
    root: Path, path: str | PurePath, mounts: tuple[Mount, ...] = (), max_bytes: int | None = None
) -> bytes:
    """Read a regular file under ``root`` or a mount (never a FIFO, device or symlink out).

    With ``max_bytes`` the file is streamed and at most ``max_bytes + 1`` bytes are read: a
    larger file raises :class:`SandboxFileTooLarge` with its head (a worker's 2 GB output
    must not become 2 GB of host memory; its size on disk is not trusted, it may grow).
    """
    target = resolve_read(root, path, mounts)
    # O_NONBLOCK: a FIFO planted by a worker must not hang the host
    fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SandboxPathError(f"not a regular file: {os.fspath(path)!r}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            if max_bytes is None:
                return fh.read()
            data = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise SandboxFileTooLarge(os.fspath(path), max_bytes, data[:max_bytes])
    return data


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (pulled only as far as read)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks, self._pending = iter(chunks), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            self._pending = next(self._chunks, None)  # type: ignore[assignment]
            if self._pending is None:
                self._pending = b""
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def tar_member_head(chunks: Iterable[bytes], max_bytes: int, path: str) -> bytes:
    """The file in a one-member tar stream (docker's ``get_archive``), read up to
    ``max_bytes``: the stream is consumed only as far as the cap needs."""
    with tarfile.open(fileobj=io.BufferedReader(_ChunkReader(chunks)), mode="r|") as tar:
        member = tar.next()
        if member is None or not member.isreg():
            raise SandboxPathError(f"not a regular file: {path!r}")
        fh = tar.extractfile(member)
        assert fh is not None
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SandboxFileTooLarge(path, max_bytes, data[:max_bytes])
    return data


def write_file(
    root: Path,
    path: str | PurePath,
    data: bytes | str,
    owner: Owner | None,
    mounts: tuple[Mount, ...] = (),
) -> None:
    """Create or replace a file under ``root``; new dirs and the file get ``owner``.

    Paths in a read-only mount raise :class:`SandboxPathError`.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target = resolve_write(root, path, mounts)
    base = root.resolve()
    missing = [p for p in reversed(target.parents) if base in p.parents and not p.exists()]
    for directory in missing:
        directory.mkdir()
        _chown(directory, owner)
    resolve_write(root, path, mounts)  # nothing may have turned into a symlink meanwhile
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(target, flags, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SandboxPathError(f"not a regular file: {os.fspath(path)!r}")
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(payload)
        if owner is not None:
            os.fchown(fd, *owner)
    finally:
        os.close(fd)


def copy_into(src: Path, dst: Path, owner: Owner | None) -> None:
    """Copy the contents of ``src`` into ``dst`` (symlinks copied as links, not followed)."""
    if not src.is_dir():
        raise NotADirectoryError(f"files dir does not exist or is not a directory: {src}")
    mode = dst.stat().st_mode
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    dst.chmod(mode)  # copytree copies the mode of src onto dst
    if owner is not None:
        chown_tree(dst, owner)


def ensure_dirs(root: Path, rel: PurePosixPath, owner: Owner | None, repair: bool) -> Path:
    """Make ``root/rel`` a chain of real directories (no symlinks); new ones get ``owner``.

    A component that exists as something else (a symlink, a file) raises ``ValueError``, or
    with ``repair`` is removed and replaced by a directory: bwrap, which sets up mounts with
    privileges, must never follow a worker's symlink out of the work dir.
    """
    current = root
    for part in rel.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISDIR(mode):
            if not repair:
                raise ValueError(f"{current.relative_to(root)} exists and is not a directory")
            current.unlink()
            mode = None
        if mode is None:
            current.mkdir()
            _chown(current, owner)
    return current


def chown_tree(root: Path, owner: Owner) -> None:
    """``chown -R`` without following symlinks."""
    _chown(root, owner)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            _chown(Path(dirpath) / name, owner)


def _chown(path: Path, owner: Owner | None) -> None:
    if owner is not None:
        os.chown(path, *owner, follow_symlinks=False)
