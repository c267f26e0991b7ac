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
Dockerfile installed in a venv or ``~/.local/bin`` are found. The environment of a command is
the fixed whitelist of :func:`~diagon.sandboxes._limits.sandbox_env` on top of what Docker
gives every process of the container: ``HOSTNAME`` and the image's own ``ENV`` lines (its
Dockerfile's, never anything of the host's).

**Nothing outlives a command.** The container's own processes (docker-init, ``sleep``) run
as :data:`~diagon.sandboxes.docker_support.KEEPER_UID`; after every ``exec`` (and on its
timeout) a reaper running as the command's user sends SIGKILL to every process that user
has (``kill -1``, atomic against fork) and waits until they are gone, so a background job
cannot rewrite a file the host writes or a checker it runs later. **Host-written files**
(``write_file``, ``files_dir``) belong to the sandbox's user with their mode's group and
world write bits cleared (0644/0755): the user edits its own files, no other uid can.
Commands and file operations on one sandbox are serialised.
"""

from __future__ import annotations

import os
import posixpath
import threading
import time
from dataclasses import replace
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, ClassVar

from diagon.sandboxes._limits import RawRun, check_exec_args, sandbox_env, to_result
from diagon.sandboxes.base import (
    ExecResult,
    SandboxContext,
    SandboxError,
    SandboxLimits,
    SandboxPathError,
    SandboxUnavailable,
)
from diagon.sandboxes.docker_support import (
    FROM_IMAGE,
    KEEPER_UID,
    REAPER,
    check_user,
    check_workdir,
    file_archive,
    image_identity,
    image_path,
    parse_ids,
    pump_socket,
    relative,
    tree_archive,
    within,
)
from diagon.sandboxes.docker_verifier import CAPABILITIES, VERIFIER_DIR, WORKER_UID, DockerHarness
from diagon.sandboxes.mounts import Mount, MountSpecs, check_mounts, mount_of, read_only_error
from diagon.sandboxes.paths import tar_member_head
from diagon.sandboxes.verifier import HarnessMixin

IMAGE = "diagon-worker:py3.11"
WORKDIR = "/workspace"
USER = "worker"
BUILD_SCRIPT = "sandboxes/build-image"


def _import_docker() -> Any:
    try:
        import docker
    except ImportError as exc:
        raise SandboxUnavailable(
            "the docker backend needs the docker SDK: pip install 'diagon[docker]'"
        ) from exc
    return docker


class DockerSandbox(HarnessMixin, SandboxContext):
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
        verifier: bool = False,
    ) -> None:
        self.limits = limits if limits is not None else SandboxLimits()
        self._verifier = verifier  # a verification container (diagon.sandboxes.docker_verifier)
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
        self._lock = threading.RLock()  # one command or file operation at a time
        try:
            code, ids = self._container.exec_run(["sh", "-c", "id -u; id -g"], user=self._user)
            self._uid, self._gid = parse_ids(self._user, code, ids)
            self._harness = DockerHarness(self._container, self._user) if verifier else None
            if files_dir is not None:
                self._put_tree(Path(files_dir))
        except BaseException as exc:
            self.close()
            if isinstance(exc, docker.errors.DockerException):
                raise SandboxError(f"could not prepare the container of {image!r}: {exc}") from exc
            raise

    def _harness_path(self) -> str:
        return VERIFIER_DIR

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
        options: dict[str, Any] = {
            "detach": True,
            "user": f"{KEEPER_UID}:{KEEPER_UID}",  # PID 1 and `sleep`; commands: exec's user
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
        if self._verifier:
            # root keeps CAPABILITIES for the spawner (docker clears the capabilities of
            # every exec when the container's own user is not root)
            options.update(user="0", cap_add=CAPABILITIES)
        return options

    def _ensure_image(self, image: str) -> Any:
        """The image object (``attrs`` holds its config)."""
        try:
            return self._client.images.get(image)
        except self._docker.errors.ImageNotFound:
            hint = f"; build it with `{BUILD_SCRIPT}` (no Docker Hub needed)" if image == IMAGE else ""
            raise SandboxUnavailable(f"image {image!r} is missing{hint}") from None

    # -- exec ----------------------------------------------------------------------------------
    def exec(
        self, cmd: list[str], timeout_s: float | None = None, stdin: bytes | None = None
    ) -> ExecResult:
        """Run ``cmd`` in the container's work dir. When it ends (or times out) every process
        it left behind is killed, so nothing of it runs on while the host reads or writes."""
        self._check_open()
        cmd, timeout = check_exec_args(cmd, timeout_s, self.limits)
        with self._lock:
            try:
                return self._exec(cmd, timeout, stdin)
            except self._docker.errors.DockerException as exc:
                raise SandboxError(f"docker could not run {cmd[0]!r}: {exc}") from exc

    def _exec(self, cmd: list[str], timeout: float, stdin: bytes | None) -> ExecResult:
        api = self._client.api
        start = time.monotonic()
        if self._harness is not None:  # as root under the spawner, which drops the uid
            cmd, user = self._harness.argv(cmd), "0"
        else:
            user = self._user
        exec_id = api.exec_create(
            self._container.id,
            cmd,
            stdout=True,
            stderr=True,
            stdin=stdin is not None,
            workdir=self._workdir,
            environment=self._env,
            user=user,
        )["Id"]
        conn = api.exec_start(exec_id, socket=True)
        sock = getattr(conn, "_sock", conn)
        try:
            out, err, timed_out = pump_socket(
                sock, stdin, start + timeout, self.limits.max_output_bytes
            )
        finally:
            conn.close()
        self._reap()  # also the timed-out command itself
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
            return replace(result, limit="memory")
        return result

    def _reap(self) -> None:
        """Kill every process of the sandbox's user (background jobs, daemons, a timed-out
        command) and wait until they are gone; if any survives, restart the container,
        which ends them all (the work dir stays, /tmp is emptied)."""
        try:
            # a verification container reaps the worker's uid (its root must live on)
            user = str(WORKER_UID) if self._harness is not None else self._user
            code, _ = self._container.exec_run(["sh", "-c", REAPER], user=user)
        except self._docker.errors.DockerException:
            code = -1
        if code != 0:  # e.g. a fork bomb left no pid for the reaper: SIGKILL all, start again
            self._container.restart(timeout=0)

    def _oom_killed(self) -> bool:
        self._container.reload()
        return bool(self._container.attrs.get("State", {}).get("OOMKilled"))

    # -- files ---------------------------------------------------------------------------------
    def read_file(self, path: str | PurePath, max_bytes: int | None = None) -> bytes:
        """Bytes of a regular file in the work dir (at most ``max_bytes``, default
        ``limits.max_read_bytes``; a larger file raises ``SandboxFileTooLarge``)."""
        self._check_open()
        cap = self.limits.max_read_bytes if max_bytes is None else max_bytes
        with self._lock:
            target = self._resolve(relative(path), must_exist=True)
            stream, _ = self._container.get_archive(target)
            return tar_member_head(stream, cap, os.fspath(path))

    def write_file(self, path: str | PurePath, data: bytes | str) -> None:
        """Create or replace a file in the work dir (parents are created), owned by the
        sandbox's user with mode 0644: writable by that user only, never by the world."""
        self._check_open()
        rel = relative(path)
        self._refuse_mounted(path, rel)
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        with self._lock:
            parent = posixpath.dirname(posixpath.join(self._workdir, rel))
            self._container.exec_run(["mkdir", "-p", "--", parent], user=self._user)
            parent = self._resolve(posixpath.relpath(parent, self._workdir), must_exist=True)
            if parent != self._workdir:  # a symlink may lead into a mount
                self._refuse_mounted(path, posixpath.relpath(parent, self._workdir))
            archive = file_archive(posixpath.basename(rel), payload, self._uid, self._gid)
            if not self._container.put_archive(parent, archive):
                raise SandboxError(f"could not write {rel!r}")

    def _refuse_mounted(self, path: str | PurePath, rel: str) -> None:
        hit = mount_of(PurePosixPath(rel), self._mounts)
        if hit is not None:
            raise read_only_error(path, hit[0])

    def _put_tree(self, src: Path) -> None:
        if not src.is_dir():
            raise NotADirectoryError(f"files dir does not exist or is not a directory: {src}")
        with self._lock:  # the engine extracts as root; the archive sets owner and mode
            self._container.put_archive(self._workdir, tree_archive(src, self._uid, self._gid))

    def _resolve(self, rel: str, must_exist: bool) -> str:
        """Resolve symlinks inside the container; the result must stay in the work dir."""
        flag = "-e" if must_exist else "-m"
        joined = posixpath.normpath(posixpath.join(self._workdir, rel))
        code, output = self._container.exec_run(["realpath", flag, "--", joined], user=self._user)
        if code != 0:
            raise FileNotFoundError(f"no such file in the sandbox: {rel!r}")
        resolved = output.decode().strip()
        if not within(resolved, self._workdir) and not within(resolved, self._real_workdir()):
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
