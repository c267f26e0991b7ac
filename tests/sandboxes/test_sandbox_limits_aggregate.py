"""Aggregate limits of one sandbox, run as attacks in the real bwrap sandbox: memory spread
over several processes, filling the disk, creating files past the count, a huge output
file read back by the host, and a 3000-deep tree left for teardown."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest

from diagon.sandboxes import (
    BwrapSandbox,
    ExecResult,
    SandboxError,
    SandboxFileTooLarge,
    SandboxLimits,
    SandboxUnavailable,
    SubprocessSandbox,
    UnsafeSandboxWarning,
    read_head,
    workfs,
)
from diagon.sandboxes import cgroup as cgroup_mod
from diagon.sandboxes.base import GiB, MiB
from diagon.sandboxes.workfs import remove_tree
from diagon.tasks.sandboxed import read_text, read_text_head
from diagon.workers.sandboxed import output_preview
from diagon.workers.tools import run_tool

AS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="per-sandbox tmpfs and cgroups need root")


def bwrap(**limits: float) -> BwrapSandbox:
    try:
        return BwrapSandbox(limits=SandboxLimits(**limits))  # type: ignore[arg-type]
    except SandboxUnavailable as exc:
        pytest.skip(f"bwrap unavailable: {exc}")


def needs_cgroup() -> None:
    if isinstance(cgroup_mod._detect(), str):
        pytest.skip(f"no writable cgroup here: {cgroup_mod._detect()}")


# four processes of 200 MiB each: every one is far below the 2 GiB per-process limit
SPREAD_ALLOCATION = """
import subprocess, sys
child = "import time; block = b'x' * (200 * 2**20); print('held', flush=True); time.sleep(3)"
procs = [subprocess.Popen([sys.executable, "-c", child]) for _ in range(4)]
print(sorted(p.wait() for p in procs))
"""


def test_memory_spread_over_processes_hits_the_sandbox_total() -> None:
    needs_cgroup()
    with bwrap(total_memory_bytes=512 * MiB) as box:
        result = box.exec(["python3", "-c", SPREAD_ALLOCATION], timeout_s=60)
    assert result.limit == "memory", result
    codes = json.loads(result.stdout.splitlines()[-1])
    assert -9 in codes  # the kernel OOM-killed a child inside this sandbox only
    assert subprocess.run(["true"], check=False).returncode == 0


def test_the_same_allocation_passes_under_a_larger_total() -> None:
    # the control: the attack above is stopped by the total, not by a per-process limit
    needs_cgroup()
    with bwrap(total_memory_bytes=2 * GiB) as box:
        result = box.exec(["python3", "-c", SPREAD_ALLOCATION], timeout_s=60)
    assert result.ok, result
    assert result.stdout.splitlines()[-1] == b"[0, 0, 0, 0]"


FILL_DISK = """
chunk = b"x" * 2**20
for n in range(10):
    with open(f"fill{n}.bin", "wb") as fh:
        for _ in range(16):
            fh.write(chunk)
"""


@needs_root
def test_filling_the_disk_is_stopped_per_sandbox() -> None:
    with bwrap(disk_bytes=64 * MiB) as box, bwrap(disk_bytes=64 * MiB) as neighbour:
        result = box.exec(["python3", "-c", FILL_DISK], timeout_s=60)
        assert result.limit == "disk", result
        assert result.exit_code == 1
        assert b"No space left on device" in result.stderr
        used = sum(p.stat().st_blocks * 512 for p in box.host_workdir.iterdir())
        assert 60 * MiB <= used <= 64 * MiB
        # the neighbour's work dir is its own: it can still write
        ok = neighbour.exec(["python3", "-c", "open('a', 'wb').write(b'y' * 2**20)"])
        assert ok.ok, ok
        with pytest.raises(OSError, match="No space left"):
            box.write_file("more.txt", b"z" * MiB)


CREATE_FILES = """
import sys
made = 0
try:
    for n in range(5000):
        open(f"f{n}", "w").close()
        made += 1
finally:
    print(made)
"""


@needs_root
def test_creating_files_past_the_count_is_stopped() -> None:
    with bwrap(max_files=1000) as box:
        result = box.exec(["python3", "-c", CREATE_FILES], timeout_s=60)
        assert result.limit == "files", result
        assert result.stdout == b"1000\n"
        assert len(os.listdir(box.host_workdir)) == 1000
    assert not box.host_workdir.exists()


def test_a_files_dir_larger_than_the_disk_is_a_clear_error(tmp_path: Path) -> None:
    if not AS_ROOT:
        pytest.skip("needs root")
    (tmp_path / "big.bin").write_bytes(b"\0" * (2 * MiB))
    with pytest.raises(
        SandboxError, match=r"does not fit the sandbox work dir .*disk_bytes=1048576"
    ):
        BwrapSandbox(tmp_path, limits=SandboxLimits(disk_bytes=MiB))


def test_a_2_gb_output_file_is_never_read_whole() -> None:
    cap = 8 * MiB
    with bwrap(max_file_size_bytes=3 * GiB, max_read_bytes=cap) as box:
        made = box.exec(["truncate", "-s", "2G", "out.txt"])  # sparse: 2 GB of zeros
        assert made.ok, made
        tracemalloc.start()
        try:
            with pytest.raises(
                SandboxFileTooLarge, match="larger than the read cap of 8388608"
            ) as exc:
                box.read_file("out.txt")
            assert len(exc.value.head) == cap
            assert read_head(box, "out.txt", 1000) == (b"\0" * 1000, True)
            assert read_text_head(box, "out.txt", 10) == ("\0" * 10, True)
            task = SimpleNamespace(output_files=("out.txt",))
            preview = output_preview(box, task, "note")  # type: ignore[arg-type]
            assert preview == "note\n--- out.txt ---\n" + "\0" * 600
            tool = run_tool(box, "read_file", {"path": "out.txt"}, timeout_s=10, limit=100)
            assert tool.text.endswith("\n... [file continues]")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 3 * cap  # the host held at most the capped head (twice: read + slice)
        assert read_text(box, "out.txt") is None  # too large to be an answer
        small = box.exec(["sh", "-c", "printf 12345 > small.txt"])
        assert small.ok and box.read_file("small.txt", max_bytes=5) == b"12345"
        with pytest.raises(SandboxFileTooLarge):
            box.read_file("small.txt", max_bytes=4)


DEEP_TREE = """
import os
for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
open("leaf.txt", "w").write("x")
print(len(os.getcwd()))
os.chmod(".", 0)
"""


@pytest.mark.parametrize("backend", [BwrapSandbox, SubprocessSandbox])
def test_a_3000_deep_tree_is_removed_on_close(backend: type) -> None:
    if backend is SubprocessSandbox:
        with pytest.warns(UnsafeSandboxWarning):
            box = backend()
    else:
        box = bwrap()
    root = box.host_workdir.parent
    result = box.exec(["python3", "-c", DEEP_TREE], timeout_s=60)
    assert result.ok, result
    assert int(result.stdout) > 3000 * 2  # deeper than PATH_MAX allows as one path
    box.close()
    assert not root.exists()
    mounts = Path("/proc/self/mounts").read_text()
    assert str(root) not in mounts


def test_remove_tree_survives_what_shutil_rmtree_does_not(tmp_path: Path) -> None:
    # the fallback without a tmpfs (non-root): a plain 3000-deep directory on the host disk
    def make(root: Path) -> None:
        root.mkdir()
        subprocess.run([sys.executable, "-c", DEEP_TREE], cwd=root, check=True, capture_output=True)

    make(tmp_path / "attack")
    with pytest.raises(RecursionError):
        shutil.rmtree(tmp_path / "attack")  # the crash this defends against
    make(tmp_path / "victim")
    remove_tree(tmp_path / "victim", mount=None)
    assert not (tmp_path / "victim").exists()
    remove_tree(tmp_path / "attack", mount=None)  # half-deleted by the crash above
    assert not (tmp_path / "attack").exists()


def test_cgroups_of_closed_sandboxes_are_removed() -> None:
    needs_cgroup()
    box = bwrap()
    assert box._cgroup is not None
    dirs = list(box._cgroup.dirs)
    assert dirs and all(d.is_dir() for d in dirs)
    box.close()
    assert not any(d.exists() for d in dirs)


@needs_root
def test_work_dirs_of_a_dead_process_are_unmounted_at_the_next_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    root = Path(tempfile.mkdtemp(prefix=f"diagon-bwrap-{dead.pid}-"))
    (root / "work").mkdir()
    assert workfs.mount_tmpfs(root / "work", MiB, 10, None)
    (root / "work" / "left.txt").write_text("held in RAM until unmounted")
    alive = Path(tempfile.mkdtemp(prefix=f"diagon-bwrap-{os.getpid()}-"))
    monkeypatch.setattr(workfs, "_swept", threading.Event())
    with bwrap():
        assert not root.exists()
        assert alive.exists()  # ours, and not a mount: left alone
    assert f"{root}/work" not in Path("/proc/self/mounts").read_text()
    alive.rmdir()


def test_concurrent_commands_in_one_sandbox_do_not_kill_each_other() -> None:
    # a finished command empties the cgroup only when no other exec of the sandbox runs
    with bwrap() as box:
        slow: list[ExecResult] = []
        thread = threading.Thread(
            target=lambda: slow.append(box.exec(["sh", "-c", "sleep 1; echo slow"]))
        )
        thread.start()
        time.sleep(0.3)
        assert box.exec(["echo", "fast"]).stdout == b"fast\n"
        thread.join()
    assert slow[0].ok and slow[0].stdout == b"slow\n", slow


def test_cgroup_v2_layout_on_a_fake_hierarchy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # this host has cgroup v1; the v2 files are checked against a directory shaped like one
    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("\n")
    monkeypatch.setattr(cgroup_mod, "CGROUP_ROOT", tmp_path)
    monkeypatch.setattr(cgroup_mod, "_layout", None)
    group = cgroup_mod.create(300 * MiB, 10)
    assert group is not None and group.version == 2
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+memory +pids"
    (cg,) = group.dirs
    assert cg.parent == tmp_path and cg.name.startswith(f"diagon-sbx-{os.getpid()}-")
    files = {p.name: p.read_text() for p in cg.iterdir()}
    assert files == {"memory.max": str(300 * MiB), "memory.swap.max": "0", "pids.max": "18"}
    (cg / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n")
    assert group.oom_kills() == 2
    joined = subprocess.run([*group.enter_prefix(), "sh", "-c", "echo $$"], capture_output=True)
    assert joined.stdout.decode() == (cg / "cgroup.procs").read_text()  # joined, then exec'd
    for p in cg.iterdir():
        p.unlink()
    group.close()
    assert not cg.exists()
