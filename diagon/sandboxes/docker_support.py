"""Engine-independent parts of the ``docker`` backend: option checks, the attach-stream
reader, the archives the host writes files with, and the reaper command.

Kept apart from :mod:`diagon.sandboxes.docker_backend` so each stays small and these can
be tested without an engine.
"""

from __future__ import annotations

import io
import os
import socket
import tarfile
import time
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from diagon.sandboxes._process import OutputCapture
from diagon.sandboxes.base import SandboxError, SandboxPathError

FROM_IMAGE = "image"  # user= / workdir= value: whatever the image's config says
ROOT_UID = "0"  # the user of an image whose Config.User is empty
# The container's own processes (docker-init as PID 1 and ``sleep infinity``) run as this
# uid, which no command does: the reaper, running as the command's user without CAP_KILL,
# can signal every process a command left behind but never these two.
KEEPER_UID = 65534
# Run as the sandbox's user after every command: SIGKILL to every process it may signal
# (kill -1 spares PID 1 and the caller; it is atomic against fork), then wait until none of
# its uid is left (killed orphans are reaped by docker-init). Exit 1: some survived 5 s.
REAPER = (
    "i=0; while [ $i -lt 100 ]; do kill -9 -1 2>/dev/null; left=0; "
    'for d in /proc/[0-9]*; do p=${d#/proc/}; '
    '[ "$p" = 1 ] || [ "$p" = $$ ] || { [ -O "$d" ] && left=1; }; done; '
    "[ $left = 0 ] && exit 0; i=$((i+1)); sleep 0.05; done; exit 1"
)


def check_user(user: str) -> str:
    """A ``user=`` option: ``"image"``, or a name/uid with optional ``:group`` (no spaces)."""
    if (
        not isinstance(user, str)
        or not user
        or not all(c.isprintable() and not c.isspace() for c in user)
    ):
        raise ValueError(
            f"docker sandbox option user={user!r}: give a user name or uid (e.g. 'worker', "
            f"'1000:1000') or {FROM_IMAGE!r} for the image's user"
        )
    return user


def check_workdir(workdir: str) -> str:
    """A work dir: an absolute POSIX path without ``..``, never ``/`` (the path checks of
    ``read_file``/``write_file`` treat it as the root of what they may touch); normalised
    (no ``.``, repeated or trailing slashes)."""
    parts = workdir.split("/") if isinstance(workdir, str) else []
    kept = [p for p in parts if p not in ("", ".")]
    if not parts or parts[0] != "" or ".." in kept or not kept or not workdir.isprintable():
        raise ValueError(
            f"docker sandbox option workdir={workdir!r}: the work dir must be an absolute "
            f"path other than '/' without '..' (or {FROM_IMAGE!r} for the image's WORKDIR)"
        )
    return "/" + "/".join(kept)


def image_identity(image: str, config: dict[str, Any], user: str, workdir: str) -> tuple[str, str]:
    """``(user, workdir)`` with :data:`FROM_IMAGE` replaced by the image's ``Config``:
    ``User`` (empty: root, ``"0"``) and ``WorkingDir`` (absolute, not ``/``)."""
    if user == FROM_IMAGE:
        user = str(config.get("User") or "").strip() or ROOT_UID
    if workdir == FROM_IMAGE:
        raw = str(config.get("WorkingDir") or "")
        try:
            workdir = check_workdir(raw)
        except ValueError:
            raise SandboxError(
                f"image {image!r} has no usable WORKDIR (Config.WorkingDir={raw!r}: an absolute "
                "path other than '/' is needed); set one in its Dockerfile or pass workdir="
            ) from None
    return user, workdir


def image_path(config: dict[str, Any]) -> str | None:
    """``PATH`` from an image's ``Config.Env`` (None when it sets none). Commands running as
    the image's user get it, so tools its Dockerfile installed off the default path work."""
    for item in config.get("Env") or ():
        name, sep, value = str(item).partition("=")
        if sep and name == "PATH" and value:
            return value
    return None


def parse_ids(user: str, code: int, output: bytes) -> tuple[int, int]:
    """``(uid, gid)`` from ``sh -c 'id -u; id -g'`` run as ``user`` in the container."""
    fields = output.split()
    if code != 0 or len(fields) != 2 or not all(f.isdigit() for f in fields):
        text = output.decode(errors="replace").strip()[:200]
        why = "docker could not start it as that user: no such user in the image?"
        raise SandboxError(
            f"docker sandbox user {user!r} is unusable in the image "
            f"(`id` exited {code}: {text!r})" + (f"; {why}" if code == 126 else "")
        )
    uid, gid = int(fields[0]), int(fields[1])
    if uid == KEEPER_UID:
        raise SandboxError(
            f"docker sandbox user {user!r} has uid {KEEPER_UID}, which the sandbox reserves for "
            "the container's own processes; choose another user"
        )
    return uid, gid


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (plain string paths, already normalised)."""
    return path == root or path.startswith(root + "/")


def relative(path: str | PurePath) -> str:
    """A relative POSIX path without ``..`` (else :class:`SandboxPathError`)."""
    rel = PurePosixPath(os.fspath(path))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise SandboxPathError(f"not a relative path inside the work dir: {os.fspath(path)!r}")
    return str(rel)


def _owned(info: tarfile.TarInfo, uid: int, gid: int) -> tarfile.TarInfo:
    """Owned by the sandbox's user, never writable by group or others (the engine extracts
    archives as root and keeps these numeric ids)."""
    info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
    info.mode = (info.mode & 0o755) | (0o700 if info.isdir() else 0o600)
    return info


def file_archive(name: str, payload: bytes, uid: int, gid: int) -> bytes:
    """A tar of one regular file ``name`` (mode 0644, owned by ``uid:gid``)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(payload), 0o644, int(time.time())
        tar.addfile(_owned(info, uid, gid), io.BytesIO(payload))
    return buf.getvalue()


def tree_archive(src: Path, uid: int, gid: int) -> bytes:
    """A tar of what is *below* ``src`` (not ``src`` itself: extracting ``.`` would change
    the work dir's own owner and mode), each entry owned by ``uid:gid``, none group- or
    world-writable."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for entry in sorted(src.iterdir()):
            tar.add(entry, arcname=entry.name, filter=lambda i: _owned(i, uid, gid))
    return buf.getvalue()


def pump_socket(
    sock: socket.socket, stdin: bytes | None, deadline: float, cap: int
) -> tuple[OutputCapture, OutputCapture, bool]:
    """Demultiplex Docker's attach stream (8-byte frame headers) until EOF or the deadline."""
    out, err = OutputCapture(cap), OutputCapture(cap)
    streams = {1: out, 2: err}
    try:
        if stdin is not None:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            sock.sendall(stdin)
            sock.shutdown(socket.SHUT_WR)
        buf = bytearray()
        while True:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            chunk = sock.recv(64 * 1024)
            if not chunk:
                return out, err, False
            buf += chunk
            while len(buf) >= 8:
                size = int.from_bytes(buf[4:8], "big")
                if len(buf) < 8 + size:
                    break
                streams.get(buf[0], out).add(bytes(buf[8 : 8 + size]))
                del buf[: 8 + size]
    except TimeoutError:
        return out, err, True
