"""Attacks on the docker backend, run for real through a Docker engine (issue 10, item 3).

A worker's command must leave nothing running once ``exec`` returns (else it could rewrite
a checker the host writes afterwards), and files the host writes must be writable by the
sandbox's user only. Each test runs the exploit in a real container; where it helps, the
same exploit is first shown to succeed with the defense switched off.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagon.sandboxes import Sandbox, SandboxLimits, SandboxUnavailable, create_sandbox
from diagon.sandboxes.docker_support import KEEPER_UID

pytestmark = pytest.mark.docker

# a background writer that outlives its shell: its own session (setsid), no terminal, no
# inherited stdout, a delayed one-shot rewrite and an endless rewriting loop
ATTACK = (
    "setsid -f sh -c 'sleep 1; echo hacked > checker.py' >/dev/null 2>&1; "
    "nohup sh -c 'while :; do echo hacked > loop.py 2>/dev/null; sleep 0.2; done' "
    ">/dev/null 2>&1 &"
)
# every process in the container but the caller, as "pid uid cmdline"
PROCESSES = """
import os
for p in sorted(os.listdir('/proc'), key=lambda s: int(s) if s.isdigit() else 0):
    if p.isdigit() and int(p) != os.getpid():
        cmd = open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\\0', b' ').decode().strip()
        print(p, os.stat(f'/proc/{p}').st_uid, cmd)
"""


def _open(**options: str) -> Sandbox:
    try:
        return create_sandbox("docker", limits=SandboxLimits(max_processes=64), **options)
    except SandboxUnavailable as exc:
        pytest.skip(f"no Docker engine: {exc}")


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with _open() as sandbox:
        yield sandbox


def _processes(box: Sandbox) -> list[tuple[int, str]]:
    result = box.exec(["python3", "-c", PROCESSES], timeout_s=30)
    assert result.exit_code == 0, result.stderr_text
    return [(int(uid), cmd) for _, uid, cmd in (ln.split(" ", 2) for ln in result.stdout_text.splitlines())]


KEEPERS = [(KEEPER_UID, "/sbin/docker-init -- sleep infinity"), (KEEPER_UID, "sleep infinity")]


def test_the_attack_works_when_processes_are_not_reaped(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: without the reaper the background writers rewrite the host's files."""
    monkeypatch.setattr(box, "_reap", lambda: None)
    assert box.exec(["sh", "-c", ATTACK], timeout_s=10).exit_code == 0
    box.write_file("checker.py", "print('honest')\n")
    box.write_file("loop.py", "print('honest')\n")
    time.sleep(2)
    assert box.read_file("checker.py") == b"hacked\n"
    assert box.read_file("loop.py") == b"hacked\n"
    assert len(_processes(box)) > len(KEEPERS)


def test_no_process_outlives_exec_so_host_files_stay(box: Sandbox) -> None:
    result = box.exec(["sh", "-c", ATTACK], timeout_s=10)
    assert result.exit_code == 0 and not result.timed_out
    box.write_file("checker.py", "print('honest')\n")
    box.write_file("loop.py", "print('honest')\n")
    time.sleep(2)
    assert box.read_file("checker.py") == b"print('honest')\n"
    assert box.read_file("loop.py") == b"print('honest')\n"
    # only the container's own processes remain, under a uid no command runs as
    assert _processes(box) == KEEPERS


def test_a_timed_out_command_and_its_children_are_killed(box: Sandbox) -> None:
    result = box.exec(["sh", "-c", "sleep 300 & sleep 301 & echo started; wait"], timeout_s=2)
    assert result.timed_out and result.limit == "timeout" and result.stdout == b"started\n"
    assert _processes(box) == KEEPERS
    # the container was not restarted: what /tmp held is still there
    assert box.exec(["sh", "-c", "echo kept > /tmp/x"]).exit_code == 0
    assert box.exec(["sh", "-c", "sleep 300"], timeout_s=1).timed_out
    assert box.exec(["cat", "/tmp/x"]).stdout == b"kept\n"


def test_a_fork_bomb_filling_the_pid_limit_does_not_survive_either(box: Sandbox) -> None:
    """With every pid taken the reaper itself may not start: the container is then
    restarted (SIGKILL to all), keeping the work dir."""
    box.write_file("work.txt", "kept\n")
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    result = box.exec(["python3", "-c", bomb], timeout_s=3)
    assert result.timed_out and result.limit == "timeout"
    assert _processes(box) == KEEPERS
    assert box.read_file("work.txt") == b"kept\n"


def test_the_worker_cannot_kill_the_containers_own_processes(box: Sandbox) -> None:
    result = box.exec(["sh", "-c", "kill -9 1; kill -9 -1; echo done"])
    assert b"Operation not permitted" in result.stderr and result.stdout == b"done\n"
    assert box.exec(["echo", "alive"]).stdout == b"alive\n"
    assert _processes(box) == KEEPERS


def _stat(box: Sandbox, *paths: str) -> list[str]:
    result = box.exec(["stat", "-c", "%u:%g %a %n", *paths])
    assert result.exit_code == 0, result.stderr_text
    return result.stdout_text.splitlines()


def test_host_written_files_belong_to_the_user_and_are_not_world_writable(
    tmp_path: Path,
) -> None:
    (tmp_path / "pkg").mkdir(mode=0o777)
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "mod.py").chmod(0o666)
    (tmp_path / "run.sh").write_text("#!/bin/sh\necho ran\n")
    (tmp_path / "run.sh").chmod(0o777)
    with _open(files_dir=str(tmp_path)) as box:
        box.write_file("tests/checker.py", "print('honest')\n")
        assert _stat(box, ".", "pkg", "pkg/mod.py", "run.sh", "tests/checker.py") == [
            "1000:1000 755 .",  # the work dir keeps its owner and mode
            "1000:1000 755 pkg",
            "1000:1000 644 pkg/mod.py",
            "1000:1000 755 run.sh",
            "1000:1000 644 tests/checker.py",
        ]
        assert box.exec(["./run.sh"]).stdout == b"ran\n"
        # the user may still edit its own files (tasks ask it to)
        assert box.exec(["sh", "-c", "echo 'x = 2' > pkg/mod.py"]).exit_code == 0
        # another uid in the container cannot: before, every host file was mode 666
        container = box._container  # type: ignore[attr-defined]
        code, out = container.exec_run(
            ["sh", "-c", "echo hacked > /workspace/tests/checker.py"], user="4242"
        )
        assert code != 0 and b"Permission denied" in out
        assert box.read_file("tests/checker.py") == b"print('honest')\n"


def test_root_sandboxes_are_reaped_and_own_their_files_too(root_image: str) -> None:
    """A SkillsBench-like image: commands run as root (no capabilities) in /root."""
    with _open(image=root_image, user="image", workdir="image") as box:
        assert box.user == "0"
        assert box.exec(["sh", "-c", ATTACK], timeout_s=10).exit_code == 0
        box.write_file("checker.py", "print('honest')\n")
        time.sleep(2)
        assert box.read_file("checker.py") == b"print('honest')\n"
        # root without CAP_KILL cannot signal the keeper processes either
        assert _processes(box) == KEEPERS
        assert _stat(box, "checker.py", "seed.txt") == ["0:0 644 checker.py", "0:0 644 seed.txt"]
