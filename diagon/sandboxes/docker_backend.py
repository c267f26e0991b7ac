"""``docker``: one long-lived container per sandbox, driven through the docker SDK.

The SDK is imported here only (``pip install 'diagon[docker]'``). The container has no
network, cgroup CPU/memory/pids limits, rlimits for CPU time and file size, no capabilities
(``cap_drop=ALL``), ``no-new-privileges`` (setuid binaries gain nothing), and by default runs
as the non-root ``worker`` in ``/workspace`` of the image built from ``sandboxes/Dockerfile``.
Files move in and out with the archive API, so a remote engine works too. Read-only mounts
(``ro_mounts``) are read-only bind mounts at ``<work dir>/<prefix>``: their host paths must
exist on the engine's host (so a remote engine needs the same directories there).

User and work dir are per sandbox (``user=``, ``workdir=``; defaults :data:`USER`,
:data:`WORKDIR`). The value ``"image"`` (:data:`FROM_IMAGE`) takes them from the image's
config: ``Config.User`` (empty means root, run as uid ``"0"``) and ``Config.WorkingDir``
(must be an absolute path other than ``/``, else :class:`SandboxError`). Benchmark images
such as SkillsBench's (``WORKDIR /root``, tests reading ``/root/...``) need this. **With
``user="image"`` commands may run as root inside the container**: still without any
capability, without network, with ``no-new-privileges`` and the same limits, so root there
can change only the container's own files (and nothing of read-only mounts). The work dir is
also ``HOME`` and the root of what ``read_file``/``write_file`` may touch, hence never ``/``.
Running as the image's user also keeps the image's ``PATH`` (``Config.Env``), so tools its
Dockerfile installed in a venv or ``~/.local/bin`` are found; no other image variable passes.
"""

from __future__ import annotations

import io
import os
import posixpath
import socket
import tarfile
import time
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, ClassVar

from diagon.sandboxes._limits import RawRun, check_exec_args, sandbox_env, to_result
from diagon.sandboxes._process import OutputCapture
from diagon.sandboxes.base import (
    ExecResult,
    SandboxContext,
    SandboxError,
    SandboxLimits,
    SandboxPathError,
    SandboxUnavailable,
)
from diagon.sandboxes.mounts import Mount, MountSpecs, check_mounts, mount_of, read_only_error
from diagon.sandboxes.paths import tar_member_head

IMAGE = "diagon-worker:py3.11"
WORKDIR = "/workspace"
USER = "worker"
FROM_IMAGE = "image"  # user= / workdir= value: whatever the image's config says
ROOT_UID = "0"  # the user of an image whose Config.User is empty
DOCKERFILE_DIR = Path(__file__).resolve().parents[2] / "sandboxes"


def _import_docker() -> Any:
    try:
        import docker
    except ImportError as exc:
        raise SandboxUnavailable(
            "the docker backend needs the docker SDK: pip install 'diagon[docker]'"
        ) from exc
    return docker


class DockerSandbox(SandboxContext):
    """A sandbox in a Docker container (network none, resource limits, no capabilities).

    ``user`` and ``workdir`` default to the ``worker`` user and ``/workspace`` of Diagon's
    image; ``"image"`` takes either from the image's config (see the module docstring).
    """

    name: ClassVar[str] = "docker"

    def __init__(
        self,
        files_dir: str | os.PathLike[str] | None = None,
        limits: SandboxLimits | None = None,
        *,
        image: str = IMAGE,
        cpus: float = 1.0,
        ro_mounts: MountSpecs | None = None,
        user: str = USER,
        workdir: str = WORKDIR,
    ) -> None:
        self.limits = limits if limits is not None else SandboxLimits()
        self._mounts: tuple[Mount, ...] = check_mounts(ro_mounts)
        user = check_user(user)
        if workdir != FROM_IMAGE:
            workdir = check_workdir(workdir)
        docker = _import_docker()
        self._docker = docker
        try:
            self._client = docker.from_env()
            self._client.ping()
        except Exception as exc:  # DockerException, requests' ConnectionError, ...
            raise SandboxUnavailable(f"no Docker engine: {exc}") from exc
        try:
            config = self._ensure_image(image).attrs.get("Config") or {}
            self._user, self._workdir = image_identity(image, config, user, workdir)
            self._real: str | None = None
            self._env = sandbox_env(home=self._workdir, tmpdir="/tmp")
            if user == FROM_IMAGE and (path := image_path(config)):
                self._env["PATH"] = path  # the image's tools (a venv, ~/.local/bin) stay found
            self._container = self._client.containers.run(
                image, ["sleep", "infinity"], **self._run_options(cpus)
            )
        except docker.errors.DockerException as exc:
            raise SandboxError(f"could not start a container from {image!r}: {exc}") from exc
        self._closed = False
        if files_dir is not None:
            self._put_tree(Path(files_dir))

    @property
    def workdir(self) -> str:
        """The work dir inside the container (also the cwd and ``HOME`` of commands)."""
        return self._workdir

    @property
    def user(self) -> str:
        """The user commands run as (``worker``, or the image's user: ``"0"`` is root)."""
        return self._user

    def _run_options(self, cpus: float) -> dict[str, Any]:
        """Options of ``containers.run``: the same hardening whichever user runs (root too):
        no network, no capabilities, no new privileges, cgroup limits and rlimits."""
        ulimit = self._docker.types.Ulimit
        cpu, fsize = self.limits.cpu_rlimit_s, self.limits.max_file_size_bytes
        return {
            "detach": True,
            "user": self._user,
            "working_dir": self._workdir,
            "privileged": False,
            "network_mode": "none",
            "mem_limit": self.limits.memory_bytes,
            "memswap_limit": self.limits.memory_bytes,
            "nano_cpus": int(cpus * 1e9),
            "pids_limit": self.limits.max_processes,
            "ulimits": [
                ulimit(name="cpu", soft=cpu, hard=cpu + 1),
                ulimit(name="fsize", soft=fsize, hard=fsize),
                ulimit(name="core", soft=0, hard=0),
            ],
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "init": True,
            "environment": self._env,
            "labels": {"diagon.sandbox": "docker"},
            "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={self.limits.memory_bytes},mode=1777"},
            "mounts": [
                self._docker.types.Mount(
                    target=f"{self._workdir}/{m.rel_str}",
                    source=str(m.host),
                    type="bind",
                    read_only=True,
                )
                for m in self._mounts
            ],
        }

    def _ensure_image(self, image: str) -> Any:
        """The image object (``attrs`` holds its config); Diagon's own is built if missing."""
        try:
            return self._client.images.get(image)
        except self._docker.errors.ImageNotFound:
            pass
        if not (DOCKERFILE_DIR / "Dockerfile").is_file():
            raise SandboxUnavailable(
                f"image {image!r} is missing; build it with `docker build -t {image} sandboxes/`"
            )
        built, _ = self._client.images.build(path=str(DOCKERFILE_DIR), tag=image, rm=True)
        return built

    # -- exec ----------------------------------------------------------------------------------
    def exec(
        self, cmd: list[str], timeout_s: float | None = None, stdin: bytes | None = None
    ) -> ExecResult:
        """Run ``cmd`` in the container's work dir; a timeout restarts the container."""
        self._check_open()
        cmd, timeout = check_exec_args(cmd, timeout_s, self.limits)
        api = self._client.api
        start = time.monotonic()
        exec_id = api.exec_create(
            self._container.id,
            cmd,
            stdout=True,
            stderr=True,
            stdin=stdin is not None,
            workdir=self._workdir,
            environment=self._env,
            user=self._user,
        )["Id"]
        conn = api.exec_start(exec_id, socket=True)
        sock = getattr(conn, "_sock", conn)
        try:
            out, err, timed_out = _pump_socket(
                sock, stdin, start + timeout, self.limits.max_output_bytes
            )
        finally:
            conn.close()
        if timed_out:  # exec'd processes cannot be killed through the API: restart
            self._container.kill()
            self._container.start()
        code = api.exec_inspect(exec_id).get("ExitCode")
        code = 137 if code is None else int(code)
        raw = RawRun(
            code,
            bytes(out.data),
            bytes(err.data),
            out.truncated,
            err.truncated,
            timed_out,
            time.monotonic() - start,
            None,
        )
        result = to_result(raw, self.limits)
        if code == 137 and not timed_out and self._oom_killed():
            return ExecResult(**{**_fields(result), "limit": "memory"})
        return result

    def _oom_killed(self) -> bool:
        self._container.reload()
        return bool(self._container.attrs.get("State", {}).get("OOMKilled"))

    # -- files ---------------------------------------------------------------------------------
    def read_file(self, path: str | PurePath, max_bytes: int | None = None) -> bytes:
        """Bytes of a regular file in the work dir (at most ``max_bytes``, default
        ``limits.max_read_bytes``; a larger file raises ``SandboxFileTooLarge``)."""
        self._check_open()
        target = self._resolve(_relative(path), must_exist=True)
        stream, _ = self._container.get_archive(target)
        cap = self.limits.max_read_bytes if max_bytes is None else max_bytes
        return tar_member_head(stream, cap, os.fspath(path))

    def write_file(self, path: str | PurePath, data: bytes | str) -> None:
        """Create or replace a file in the work dir (parents are created)."""
        self._check_open()
        rel = _relative(path)
        self._refuse_mounted(path, rel)
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        parent = posixpath.dirname(posixpath.join(self._workdir, rel))
        self._container.exec_run(["mkdir", "-p", "--", parent], user=self._user)
        parent = self._resolve(posixpath.relpath(parent, self._workdir), must_exist=True)
        if parent != self._workdir:  # a symlink may lead into a mount
            self._refuse_mounted(path, posixpath.relpath(parent, self._workdir))
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(posixpath.basename(rel))
            info.size, info.mode, info.mtime = len(payload), 0o666, int(time.time())
            tar.addfile(info, io.BytesIO(payload))
        if not self._container.put_archive(parent, buf.getvalue()):
            raise SandboxError(f"could not write {rel!r}")

    def _refuse_mounted(self, path: str | PurePath, rel: str) -> None:
        hit = mount_of(PurePosixPath(rel), self._mounts)
        if hit is not None:
            raise read_only_error(path, hit[0])

    def _put_tree(self, src: Path) -> None:
        if not src.is_dir():
            raise NotADirectoryError(f"files dir does not exist or is not a directory: {src}")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            # world-writable: the archive API extracts as root, the worker must own its files
            tar.add(src, arcname=".", filter=_writable)
        self._container.put_archive(self._workdir, buf.getvalue())

    def _resolve(self, rel: str, must_exist: bool) -> str:
        """Resolve symlinks inside the container; the result must stay in the work dir."""
        flag = "-e" if must_exist else "-m"
        joined = posixpath.normpath(posixpath.join(self._workdir, rel))
        code, output = self._container.exec_run(["realpath", flag, "--", joined], user=self._user)
        if code != 0:
            raise FileNotFoundError(f"no such file in the sandbox: {rel!r}")
        resolved = output.decode().strip()
        if not _within(resolved, self._workdir) and not _within(resolved, self._real_workdir()):
            raise SandboxPathError(f"{rel!r} leads outside the work dir")
        return resolved

    def _real_workdir(self) -> str:
        """The work dir with its symlinks resolved (an image may put WORKDIR behind one),
        asked of the container once, when a path resolves outside the configured one."""
        if self._real is None:
            code, output = self._container.exec_run(["realpath", "-e", "--", self._workdir], user=self._user)
            self._real = output.decode().strip() if code == 0 else self._workdir
        return self._real

    def close(self) -> None:
        """Remove the container (and with it every process and file)."""
        if not getattr(self, "_closed", True):
            self._closed = True
            try:
                self._container.remove(force=True)
            except self._docker.errors.DockerException:
                pass

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("the docker sandbox is closed")


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


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _relative(path: str | PurePath) -> str:
    rel = PurePosixPath(os.fspath(path))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise SandboxPathError(f"not a relative path inside the work dir: {os.fspath(path)!r}")
    return str(rel)


def _writable(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode = 0o777 if info.isdir() else (info.mode | 0o666)
    return info


def _fields(result: ExecResult) -> dict[str, Any]:
    return {name: getattr(result, name) for name in ExecResult.__dataclass_fields__}


def _pump_socket(
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
