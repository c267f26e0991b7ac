"""Worker code trying to escape the default bwrap sandbox: each probe must be contained,
reported as such, and leave the host unaffected."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from diagon.sandboxes import BwrapSandbox, ExecResult, SandboxLimits

SENTINEL = "sentinel-4f1c9a-do-not-leak"


def run_worker(
    box: BwrapSandbox, source: str, timeout_s: float = 10.0, script: str = "probe.py"
) -> ExecResult:
    """Run ``source`` as a worker's python script in ``box``."""
    box.write_file(script, source)
    return box.exec(["python3", script], timeout_s=timeout_s)


def test_parent_environment_secrets_are_absent(
    box: BwrapSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL)
    monkeypatch.setenv("DIAGON_PROBE_SECRET", SENTINEL)
    result = run_worker(
        box,
        f"""
import glob, json, os
leaks = []
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        with open(path, "rb") as fh:
            if {SENTINEL!r}.encode() in fh.read():
                leaks.append(path)
    except OSError:
        pass
print(json.dumps({{"env": dict(os.environ), "leaks": leaks}}))
""",
    )
    assert result.exit_code == 0 and result.limit is None, result.stderr_text
    report = json.loads(result.stdout)
    assert report["env"] == {
        "PATH": "/opt/diagon-python/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/workspace",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PWD": "/workspace",
    }
    assert report["leaks"] == []
    assert SENTINEL.encode() not in result.stdout + result.stderr


def test_host_files_outside_the_workdir_are_invisible(box: BwrapSandbox, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SENTINEL)
    repo_file = Path(__file__).resolve()
    result = run_worker(
        box,
        f"""
import json
out = {{}}
for path in ({str(secret)!r}, {str(repo_file)!r}, "/etc/shadow", "/root/.bash_history"):
    try:
        with open(path) as fh:
            out[path] = fh.read()
    except OSError as exc:
        out[path] = type(exc).__name__
print(json.dumps(out))
""",
    )
    assert result.exit_code == 0 and result.limit is None, result.stderr_text
    assert json.loads(result.stdout) == {
        str(secret): "FileNotFoundError",
        str(repo_file): "FileNotFoundError",
        "/etc/shadow": "FileNotFoundError",
        "/root/.bash_history": "FileNotFoundError",
    }
    assert SENTINEL.encode() not in result.stdout


def test_host_processes_are_invisible(box: BwrapSandbox) -> None:
    result = run_worker(
        box,
        f"""
import json, os
pids = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
try:
    os.kill({os.getpid()}, 0)
    host = "signalled"
except OSError as exc:
    host = type(exc).__name__
print(json.dumps({{"pids": pids, "host": host, "uid": os.getuid(), "hostname": os.uname().nodename}}))
""",
    )
    assert result.exit_code == 0, result.stderr_text
    report = json.loads(result.stdout)
    assert report["pids"] == [1, 2]  # bwrap's pid 1 and the worker itself
    assert report["host"] == "ProcessLookupError"
    assert report["uid"] != 0 and report["hostname"] == "sandbox"


def test_network_is_unreachable() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        with BwrapSandbox() as box:
            result = run_worker(
                box,
                f"""
import json, socket
out = {{}}
for host in ("127.0.0.1", "1.1.1.1"):
    sock = socket.socket()
    sock.settimeout(3)
    try:
        sock.connect((host, {port}))
        out[host] = "connected"
    except OSError as exc:
        out[host] = type(exc).__name__
out["interfaces"] = [name for _, name in socket.if_nameindex()]
print(json.dumps(out))
""",
            )
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody got through
    finally:
        server.close()
    assert result.exit_code == 0 and result.limit is None, result.stderr_text
    assert json.loads(result.stdout) == {
        "127.0.0.1": "ConnectionRefusedError",  # the sandbox's own, empty loopback
        "1.1.1.1": "OSError",  # ENETUNREACH: no route, no interface but lo
        "interfaces": ["lo"],
    }


def test_writes_outside_the_workdir_fail(box: BwrapSandbox, tmp_path: Path) -> None:
    host_target = tmp_path / "pwned.txt"
    venv_target = Path(sys.prefix) / "pwned.txt"
    targets = [str(host_target), "/usr/pwned.txt", "/etc/pwned.txt", str(venv_target), "/pwned.txt"]
    result = run_worker(
        box,
        f"""
import errno, json, os
out = {{}}
for path in {targets!r}:
    try:
        with open(path, "w") as fh:
            fh.write("pwned")
        out[path] = "written"
    except OSError as exc:
        out[path] = errno.errorcode[exc.errno]
# recreating the host path inside the sandbox only reaches its private /tmp
os.makedirs(os.path.dirname({str(host_target)!r}), exist_ok=True)
with open({str(host_target)!r}, "w") as fh:
    fh.write("pwned")
out["private-tmp"] = os.path.exists({str(host_target)!r})
print(json.dumps(out))
""",
    )
    assert result.exit_code == 0 and result.limit is None, result.stderr_text
    outcome = json.loads(result.stdout)
    # the venv is a read-only bind (EROFS); when the checkout itself lives under /tmp the
    # private /tmp hides its parent instead — either way nothing is written
    assert outcome.pop(str(venv_target)) in {"EROFS", "EACCES", "ENOENT"}
    assert outcome == {
        str(host_target): "ENOENT",  # the host's /tmp is not mounted
        "/usr/pwned.txt": "EROFS",  # read-only bind
        "/etc/pwned.txt": "EACCES",  # sandbox-root dir owned by root
        "/pwned.txt": "EACCES",
        "private-tmp": True,
    }
    for path in (host_target, Path("/usr/pwned.txt"), Path("/etc/pwned.txt"), venv_target):
        assert not path.exists()


FORK_BOMB = """
import os
while True:
    os.fork()
"""


def test_fork_bomb_is_contained(
    box: BwrapSandbox, processes_matching: Callable[[str], list[str]]
) -> None:
    result = run_worker(box, FORK_BOMB, timeout_s=20, script="fork_bomb.py")
    assert result.limit == "processes"
    assert result.exit_code == 1 and not result.timed_out
    assert b"BlockingIOError: [Errno 11] Resource temporarily unavailable" in result.stderr
    assert result.duration_s < 15
    assert processes_matching("fork_bomb.py") == []
    assert subprocess.run(["true"], check=False).returncode == 0  # host can still fork


def test_process_limit_is_exact(box: BwrapSandbox) -> None:
    result = run_worker(
        box,
        """
import os, time
children = 0
while True:
    try:
        pid = os.fork()
    except OSError as exc:
        print(children, exc.errno)
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children += 1
""",
    )
    assert result.exit_code == 0 and result.limit is None, result.stderr_text
    # the worker itself is process number one
    assert result.stdout == f"{box.limits.max_processes - 1} 11\n".encode()


def test_fork_bomb_that_ignores_errors_is_killed_by_the_timeout(
    box: BwrapSandbox, processes_matching: Callable[[str], list[str]]
) -> None:
    result = run_worker(
        box,
        """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""",
        timeout_s=2,
        script="stubborn_forker.py",
    )
    assert result.limit == "timeout" and result.timed_out
    assert result.exit_code == 137  # SIGKILL
    assert 2 <= result.duration_s < 8
    assert processes_matching("stubborn_forker.py") == []
    assert subprocess.run(["true"], check=False).returncode == 0


def test_allocating_4_gib_hits_the_memory_limit(box: BwrapSandbox) -> None:
    result = run_worker(box, "block = bytearray(4 * 2**30)\nprint('allocated')\n")
    assert result.limit == "memory"
    assert result.exit_code == 1
    assert result.stdout == b""
    assert result.stderr.rstrip().endswith(b"MemoryError")


def test_endless_loop_is_killed_by_the_wall_timeout(
    box: BwrapSandbox, processes_matching: Callable[[str], list[str]]
) -> None:
    result = run_worker(box, "while True:\n    pass\n", timeout_s=1, script="loop_probe.py")
    assert result.limit == "timeout" and result.timed_out
    assert result.exit_code == 137
    assert 1 <= result.duration_s < 4
    assert processes_matching("loop_probe.py") == []


def test_endless_loop_is_stopped_by_the_cpu_limit() -> None:
    with BwrapSandbox(limits=SandboxLimits(cpu_s=1)) as box:
        result = run_worker(box, "while True:\n    pass\n", timeout_s=20)
    assert result.limit == "cpu" and not result.timed_out
    assert result.exit_code == 128 + 24  # SIGXCPU
    assert result.duration_s < 10


def test_100_mb_on_stdout_is_truncated_at_the_cap(box: BwrapSandbox) -> None:
    rss_before = psutil.Process().memory_info().rss
    result = run_worker(
        box,
        """
import sys
chunk = b"x" * 1_000_000
for _ in range(100):
    sys.stdout.buffer.write(chunk)
print("done", file=sys.stderr)
""",
        timeout_s=30,
    )
    rss_growth = psutil.Process().memory_info().rss - rss_before
    cap = box.limits.max_output_bytes
    assert result.exit_code == 0 and not result.timed_out
    assert result.limit == "output"
    assert result.stdout_truncated and not result.stderr_truncated
    assert result.stdout == b"x" * cap
    assert result.stderr == b"done\n"
    assert rss_growth < 32 * 2**20, f"host process grew by {rss_growth} bytes"
