"""The bubblewrap profile: which host paths a worker sees and which namespaces it gets.

Documented for humans in ``sandboxes/README.md``; keep the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import PurePosixPath

from diagon.sandboxes import python_env

SANDBOX_WORKDIR = "/workspace"
SANDBOX_HOSTNAME = "sandbox"
# uid/gid a non-root caller's worker has inside its user namespace ("nobody")
NAMESPACE_UID = 65534

_ROOT_ENTRIES = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# the parts of /etc that programs (the dynamic loader, python, locale, ssl) need
_ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "passwd",
    "group",
    "nsswitch.conf",
    "localtime",
    "timezone",
    "mime.types",
    "ssl",
    "python3",
    "python3.11",
)
_NAMESPACES = (
    "--unshare-net",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
)


def python_roots() -> tuple[str, ...]:
    """Host dirs of the base interpreter and its standard library, bound read-only (the
    venv is not: see :mod:`diagon.sandboxes.python_env`)."""
    return python_env.interpreter_roots()


def mount_args(
    host_workdir: str,
    tmp_size_bytes: int,
    shm_size_bytes: int,
    ro_mounts: Sequence[tuple[str, str]] = (),
    python_env_dir: str | None = None,
) -> list[str]:
    """Filesystem of the sandbox: read-only system and interpreter, the sandbox's own Python
    environment, writable work dir, private /tmp.

    ``ro_mounts`` (work-dir prefix, host dir) are bound read-only on top of the work dir;
    their mount points must already exist in ``host_workdir`` as real directories.
    ``python_env_dir`` (default: :func:`~diagon.sandboxes.python_env.sandbox_env_dir`) is
    shown at ``/opt/diagon-python``. Package dirs and answer dirs of the host that a bound
    dir would show are masked by empty read-only tmpfs mounts.
    """
    args = ["--ro-bind", "/usr", "/usr"]
    for entry in _ROOT_ENTRIES:
        host = f"/{entry}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    created: set[str] = {"/"}
    args += _mkdirs("/etc", created, include_self=True)
    for entry in _ETC_ENTRIES:
        args += ["--ro-bind-try", f"/etc/{entry}", f"/etc/{entry}"]
    roots = python_roots()
    in_tmp = [r for r in roots if _under(r, "/tmp")]
    for root in roots:
        if root not in in_tmp:
            args += _mkdirs(root, created)
            args += ["--ro-bind", root, root]
    env_dir = python_env_dir or str(python_env.sandbox_env_dir())
    args += _mkdirs(python_env.SANDBOX_PREFIX, created)
    args += ["--ro-bind", env_dir, python_env.SANDBOX_PREFIX]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # private, size-capped tmpfs mounts (their pages are host RAM)
    args += ["--perms", "1777", "--size", str(shm_size_bytes), "--tmpfs", "/dev/shm"]
    args += ["--perms", "1777", "--size", str(tmp_size_bytes), "--tmpfs", "/tmp"]
    # the base interpreter may live under /tmp (e.g. a CI tool cache): bind it on top of the
    # private /tmp, read-only, so the sandbox's python still exists inside
    created.add("/tmp")
    for root in in_tmp:
        args += _mkdirs(root, created)
        args += ["--ro-bind", root, root]
    bound = ("/usr", *(f"/{e}" for e in _ROOT_ENTRIES), "/etc", *roots)
    for hidden in python_env.hidden_dirs(bound):
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", hidden, "--remount-ro", hidden]
    args += ["--bind", host_workdir, SANDBOX_WORKDIR]
    for rel, host in ro_mounts:
        args += ["--ro-bind", host, f"{SANDBOX_WORKDIR}/{rel}"]
    args += ["--chdir", SANDBOX_WORKDIR]
    return args


def namespace_args(user_namespace: bool) -> list[str]:
    """Namespaces and process hygiene; a user namespace only when the caller is not root."""
    args = [*_NAMESPACES, "--hostname", SANDBOX_HOSTNAME, "--die-with-parent", "--new-session"]
    if user_namespace:
        args += [
            "--unshare-user",
            "--uid",
            str(NAMESPACE_UID),
            "--gid",
            str(NAMESPACE_UID),
            "--disable-userns",
        ]
    else:
        # root: keep only what setpriv needs to switch to the worker uid (which drops them
        # all), and directory search so --chdir works whatever mode the worker left
        args += ["--cap-drop", "ALL"]
        for cap in ("SETUID", "SETGID", "SETPCAP", "DAC_READ_SEARCH"):
            args += ["--cap-add", f"CAP_{cap}"]
    return args


def env_args(env: dict[str, str]) -> list[str]:
    """``--clearenv`` then exactly ``env``."""
    args = ["--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def drop_privileges_args(setpriv: str, uid: int) -> list[str]:
    """Argv prefix (inside the sandbox) that turns root into ``uid`` with no capabilities."""
    return [
        setpriv,
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _mkdirs(path: str, created: set[str], include_self: bool = False) -> list[str]:
    """World-traversable parent dirs of ``path`` (bwrap would create them 0700)."""
    args: list[str] = []
    dirs = [
        *reversed(PurePosixPath(path).parents),
        *([PurePosixPath(path)] if include_self else []),
    ]
    for directory in dirs:
        name = str(directory)
        if name not in created:
            created.add(name)
            args += ["--perms", "0755", "--dir", name]
    return args


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
