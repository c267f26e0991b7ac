"""The docker side of verification sandboxes (``diagon.sandboxes.verifier``).

A verification container gets back the capabilities the spawner needs to switch uids and
kill the worker's children (``SETUID``, ``SETGID``, ``SETPCAP``, ``KILL``; still no network
and ``no-new-privileges``). Every command runs as root under the spawner, which drops the
harness to the sandbox's user (without any capability, even when that user is root, as for
SkillsBench) and the worker's code to :data:`WORKER_UID`, a uid no image uses. The
harness's directory ``/verifier`` (0700, owned by the sandbox's user) is created and
filled through the archive API (the engine extracts as root), read back the same way.

A uid without capabilities cannot read another uid's 0700 directory, signal or trace its
processes or read its ``/proc/<pid>/fd``, root included, so the worker's code can reach
neither the tests nor the report nor the harness. It can read the work dir where it is
world-readable (Diagon's ``/workspace``), as it needs to import the worker's files.
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
import time
from pathlib import PurePath
from typing import Any

from diagon.sandboxes.base import SandboxError, SandboxPathError
from diagon.sandboxes.verifier import spawner_argv

VERIFIER_DIR = "/verifier"
WORKER_UID = 1_999_999
CAPABILITIES = ["SETUID", "SETGID", "SETPCAP", "KILL"]
_DROP = ["--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


class DockerHarness:
    """``/verifier`` of one verification container and the argv of its commands."""

    def __init__(self, container: Any, user: str) -> None:
        self.container = container
        code, out = container.exec_run(["sh", "-c", "id -u; id -g"], user=user)
        ids = out.decode(errors="replace").split()
        if code != 0 or len(ids) != 2 or not all(i.isdigit() for i in ids):
            raise SandboxError(f"cannot find the uid of the sandbox user {user!r}: {out[-200:]!r}")
        self.uid, self.gid = int(ids[0]), int(ids[1])
        self._put("/", "verifier", None, mode=0o700)

    def argv(self, cmd: list[str]) -> list[str]:
        """``cmd`` as the harness under the spawner (the command itself runs as root)."""
        harness = ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", *_DROP]
        worker = ["setpriv", f"--reuid={WORKER_UID}", f"--regid={WORKER_UID}", *_DROP]
        return [*spawner_argv("python3", harness, worker), *cmd]

    def write(self, path: str | PurePath, data: bytes | str) -> None:
        name = _plain_name(path)
        self._put(VERIFIER_DIR, name, data.encode("utf-8") if isinstance(data, str) else bytes(data))

    def read(self, path: str | PurePath) -> bytes:
        stream, _ = self.container.get_archive(f"{VERIFIER_DIR}/{_plain_name(path)}")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            if member is None or not member.isreg():
                raise SandboxPathError(f"not a regular file: {os.fspath(path)!r}")
            fh = tar.extractfile(member)
            assert fh is not None
            return fh.read()

    def _put(self, parent: str, name: str, data: bytes | None, mode: int = 0o644) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.uid, info.gid, info.mode, info.mtime = self.uid, self.gid, mode, int(time.time())
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        if not self.container.put_archive(parent, buf.getvalue()):
            raise SandboxError(f"could not write {posixpath.join(parent, name)!r}")


def _plain_name(path: str | PurePath) -> str:
    name = os.fspath(path)
    if not name or "/" in name or name in (".", ".."):
        raise SandboxPathError(f"not a plain file name in the verifier dir: {name!r}")
    return name
