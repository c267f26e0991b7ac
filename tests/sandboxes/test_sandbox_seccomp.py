"""The bwrap sandbox's seccomp filter and nested user namespaces, attacked from inside.

Each attack also runs once with the filter switched off (where the host allows the call at
all), so the tests show it is the filter that refuses it."""

from __future__ import annotations

import errno
import json
import os
import platform
import signal

import pytest

from diagon.sandboxes import BwrapSandbox, ExecResult, seccomp

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64", reason="the probe uses x86_64 system call numbers"
)
AS_ROOT = os.geteuid() == 0

# each probe: name -> (x86_64 number, arguments); run through libc's syscall() via ctypes
SYSCALL_PROBE = r"""
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r, w = os.pipe()
NULL = None
probes = {
    "keyctl": (250, 0, -3, 0),                       # KEYCTL_GET_KEYRING_ID, session keyring
    "userfaultfd": (323, 1),                         # UFFD_USER_MODE_ONLY
    "ptrace": (101, 0, 0, 0, 0),                     # PTRACE_TRACEME
    "ioctl_tiocsti": (16, r, 0x5412, ctypes.c_char_p(b"x")),
    "mount": (165, b"none", b"/tmp", b"tmpfs", 0, NULL),
    "bpf": (321, 5, NULL, 0),                        # BPF_PROG_LOAD
    "perf_event_open": (298, NULL, 0, -1, -1, 0),
    "setns": (308, -1, 0),
    "io_uring_setup": (425, 1, NULL),
    "init_module": (175, NULL, 0, b""),
    "kexec_load": (246, 0, 0, NULL, 0),
    "clone3": (435, NULL, 0),
    "unshare": (272, 0x10000000),                    # CLONE_NEWUSER (last: it would succeed)
}
if "clone" in sys.argv:                             # clone(CLONE_NEWUSER | SIGCHLD)
    probes = {"clone": (56, 0x10000000 | 17, 0, 0, 0, 0), **probes}
out = {}
for name, (nr, *args) in probes.items():
    res = libc.syscall(nr, *args)
    if res == 0 and name == "clone":
        os._exit(0)                                  # the child of a clone that got through
    out[name] = 0 if res >= 0 else ctypes.get_errno()
status = open("/proc/self/status").read()
out["Seccomp"] = [l.split()[1] for l in status.splitlines() if l.startswith("Seccomp:")][0]
print(json.dumps(out))
"""


@pytest.fixture
def unfiltered(box: BwrapSandbox, monkeypatch: pytest.MonkeyPatch) -> BwrapSandbox:
    """The conftest's sandbox with the seccomp filter switched off (the control)."""
    monkeypatch.setattr(seccomp, "program", lambda: None)
    return box


def probe(box: BwrapSandbox, *argv: str) -> dict[str, int | str]:
    result = box.exec(["python3", "-c", SYSCALL_PROBE, *argv], timeout_s=30)
    assert result.exit_code == 0, result.stderr_text
    return json.loads(result.stdout)


def test_the_filter_is_compiled() -> None:
    data = seccomp.program()
    assert data is not None, "pyseccomp/libseccomp missing: `make setup sysdeps` installs them"
    assert len(data) % 8 == 0 and len(data) > 8 * len(seccomp.BLOCKED_SYSCALLS)


def test_blocked_system_calls_fail_with_eperm(box: BwrapSandbox) -> None:
    got = probe(box, "clone")
    assert got.pop("Seccomp") == "2"  # filter mode
    assert got.pop("clone3") == errno.ENOSYS  # glibc then falls back to clone
    assert got == dict.fromkeys(got, errno.EPERM)
    assert len(got) == 13


def test_without_the_filter_the_same_calls_reach_the_kernel(unfiltered: BwrapSandbox) -> None:
    got = probe(unfiltered)
    assert got["Seccomp"] == "0"
    assert got["ptrace"] == 0
    assert got["ioctl_tiocsti"] == errno.ENOTTY  # a pipe is not a terminal
    assert got["setns"] == errno.EBADF
    assert got["perf_event_open"] == errno.EFAULT  # the kernel read the (NULL) attributes
    assert got["clone3"] == errno.EINVAL
    assert got["keyctl"] != errno.EPERM
    if AS_ROOT:  # the non-root profile's --disable-userns refuses it on its own
        assert got["unshare"] == 0


def run(box: BwrapSandbox, *cmd: str) -> ExecResult:
    return box.exec(list(cmd), timeout_s=30)


@pytest.mark.parametrize("flag", ["-U", "-r"])
def test_unshare_of_a_user_namespace_is_refused(box: BwrapSandbox, flag: str) -> None:
    result = run(box, "unshare", flag, "id", "-u")
    assert result.exit_code == 1
    assert result.stdout == b""
    assert result.stderr == b"unshare: unshare failed: Operation not permitted\n"


@pytest.mark.skipif(not AS_ROOT, reason="as non-root bwrap's --disable-userns refuses it too")
def test_as_root_only_the_filter_stops_nested_user_namespaces(unfiltered: BwrapSandbox) -> None:
    # the root profile has no user namespace of its own, hence no --disable-userns:
    # without the filter the worker's unprivileged uid may create one and be root in it
    result = run(unfiltered, "unshare", "-r", "id", "-u")
    assert result.exit_code == 0, result.stderr_text
    assert result.stdout == b"0\n"


def test_ordinary_work_still_runs_under_the_filter(box: BwrapSandbox) -> None:
    source = (
        "import multiprocessing, subprocess, threading\n"
        "with multiprocessing.Pool(2) as pool:\n"
        "    print(sum(pool.map(abs, [-1, -2, 3])))\n"
        "t = threading.Thread(target=print, args=('thread',)); t.start(); t.join()\n"
        "print(subprocess.run(['echo', 'child'], capture_output=True, text=True).stdout.strip())\n"
    )
    result = run(box, "python3", "-c", source)
    assert result.ok, result.stderr_text
    assert result.stdout == b"6\nthread\nchild\n"


def test_a_system_call_of_another_abi_kills_the_process(box: BwrapSandbox) -> None:
    # x32 getpid: a filter written for x86_64 numbers must not be bypassed through it
    source = "import ctypes; print(ctypes.CDLL(None).syscall(0x40000000 | 39))"
    result = run(box, "python3", "-c", source)
    assert result.exit_code == 128 + signal.SIGSYS
    assert result.stdout == b""
