"""The seccomp filter of the bwrap sandbox: system calls a worker never needs, refused.

A deny-list (the default action is *allow*, as in flatpak's and Docker's profiles): every
call below fails with ``EPERM`` instead of running. It closes kernel attack surface that
the namespaces leave open and keeps a worker from building a sandbox of its own:

* new namespaces: ``unshare``, ``setns``, ``clone`` with any ``CLONE_NEW*`` flag, and
  ``clone3`` (its flags sit behind a pointer a filter cannot read: it fails with
  ``ENOSYS``, so the C library falls back to ``clone``). This is what disables nested user
  namespaces when the sandbox runs as root, where bwrap's ``--disable-userns`` (which needs
  a user namespace of its own) is not available;
* mounting: ``mount``, ``umount2``, ``pivot_root``, ``chroot`` and the new mount API;
* tracing other processes: ``ptrace``, ``process_vm_readv``/``writev``;
* kernel facilities workers have no use for: ``keyctl``/``add_key``/``request_key``,
  ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring_*``, module loading, ``kexec``,
  ``open_by_handle_at``, ``reboot``, ``swapon``, clock setting and ``ioctl(TIOCSTI)`` /
  ``ioctl(TIOCLINUX)`` (typing into a terminal).

The program is compiled once per process by libseccomp (PyPI ``pyseccomp``, a ctypes
binding of the system's ``libseccomp.so.2``) and handed to bwrap's ``--seccomp FD``. Where
either is missing, sandboxes run without it and the reason is logged once.
"""

from __future__ import annotations

import errno
import logging
import os
import threading

logger = logging.getLogger(__name__)

BLOCKED_SYSCALLS = (
    "unshare", "setns",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr",
    "ptrace", "process_vm_readv", "process_vm_writev",
    "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "open_by_handle_at", "reboot", "swapon", "swapoff", "acct", "syslog", "iopl", "ioperm",
    "settimeofday", "clock_settime", "clock_adjtime", "quotactl", "lookup_dcookie",
)  # fmt: skip
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
CLONE_NAMESPACE_FLAGS = (
    0x20000,
    0x2000000,
    0x4000000,
    0x8000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
BLOCKED_IOCTLS = (0x5412, 0x541C)  # TIOCSTI, TIOCLINUX
_lock = threading.Lock()
_program: bytes | str | None = None  # str: why there is no filter


def program() -> bytes | None:
    """The compiled BPF program (cached), or None where libseccomp is unavailable."""
    global _program
    with _lock:
        if _program is None:
            try:
                _program = _compile()
            except (ImportError, RuntimeError, OSError) as exc:
                _program = f"{type(exc).__name__}: {exc}"
                logger.warning(
                    "sandboxes run without a seccomp filter (libseccomp via pyseccomp: %s); "
                    "install with `pip install pyseccomp` and `apt-get install libseccomp2`",
                    _program,
                )
        return _program if isinstance(_program, bytes) else None


def program_fd(data: bytes) -> int:
    """A fresh descriptor positioned at the start of ``data`` (bwrap reads it to the end)."""
    fd = os.memfd_create("diagon-seccomp", os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _compile() -> bytes:
    import pyseccomp as sc  # raises RuntimeError when libseccomp.so is missing

    deny = sc.ERRNO(errno.EPERM)
    flt = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in BLOCKED_SYSCALLS:
        if sc.resolve_syscall(sc.Arch.NATIVE, name) < 0:
            continue  # not a system call on this architecture (e.g. iopl on arm64)
        flt.add_rule(deny, name)
    for flag in CLONE_NAMESPACE_FLAGS:
        flt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for request in BLOCKED_IOCTLS:
        flt.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    fd = os.memfd_create("diagon-seccomp-export", os.MFD_CLOEXEC)
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            flt.export_bpf(fh)
            os.lseek(fd, 0, os.SEEK_SET)
            return fh.read()
    finally:
        os.close(fd)
