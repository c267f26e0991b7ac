"""Real ``diagon`` processes racing on one run directory: one wins, nothing is written twice.

A process is frozen with SIGSTOP right after it takes the lock, so the race is decided
by the lock and not by timing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from diagon.events import comparable_lines
from tests.core.conftest import RUN_OVERRIDES

DIAGON = [sys.executable, "-m", "diagon.cli"]


def env() -> dict[str, str]:  # read when called: the test session sets DIAGON_CACHE_PATH
    return {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "1000"}  # rich: no wrapped lines


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*DIAGON, *args], env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def diagon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DIAGON, *args], env=env(), capture_output=True, text=True, timeout=300)


def hold_and_freeze(proc: subprocess.Popen[str], run_dir: Path, after: str) -> None:
    """Wait until ``proc`` holds the run directory's lock and ``after`` exists, then stop it."""
    deadline = time.time() + 180
    while time.time() < deadline:
        lock = run_dir / ".lock"
        owner = lock.read_text() if lock.exists() else ""
        if owner.startswith(f"pid {proc.pid} ") and (run_dir / after).exists():
            os.kill(proc.pid, signal.SIGSTOP)
            return
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.002)
    raise AssertionError(f"{proc.args} never took the lock of {run_dir}")


def finish(proc: subprocess.Popen[str]) -> str:
    os.kill(proc.pid, signal.SIGCONT)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return out


def snapshot(run_dir: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime, the lock aside (its content names the last holder)."""
    return {
        str(p.relative_to(run_dir)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def in_use(out: str, run_dir: Path, pid: int) -> bool:
    return f"{run_dir} is in use by another Diagon process (pid {pid} on " in out


def test_a_second_resume_is_refused_while_the_first_runs(tmp_path, killed_run, full_run):
    run_dir = killed_run(tmp_path / "run")
    first = start("resume", str(run_dir))
    hold_and_freeze(first, run_dir, "run.json")
    try:
        before = snapshot(run_dir)
        second = diagon("resume", str(run_dir))
        assert second.returncode == 2
        assert in_use(second.stdout, run_dir, first.pid), second.stdout
        assert snapshot(run_dir) == before  # the refused process wrote nothing
    finally:
        finish(first)
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "completed" and meta["resumes"] == [{"from_round": 4}]
    assert comparable_lines(run_dir / "events.jsonl") == comparable_lines(full_run / "events.jsonl")


def test_resume_and_a_new_run_are_refused_while_diagon_run_plays(tmp_path, full_run):
    run_dir = tmp_path / "run"
    first = start("run", *RUN_OVERRIDES, f"hydra.run.dir={run_dir}")
    hold_and_freeze(first, run_dir, "checkpoints/round_0001.json")
    try:
        before = snapshot(run_dir)
        resume = diagon("resume", str(run_dir))
        again = diagon("run", *RUN_OVERRIDES, "seed=7", f"hydra.run.dir={run_dir}")
        assert (resume.returncode, again.returncode) == (2, 2)
        assert in_use(resume.stdout, run_dir, first.pid), resume.stdout
        assert in_use(again.stdout, run_dir, first.pid), again.stdout
        assert snapshot(run_dir) == before
    finally:
        finish(first)
    assert comparable_lines(run_dir / "events.jsonl") == comparable_lines(full_run / "events.jsonl")


def test_two_resumes_started_at_once_play_the_rest_once(tmp_path, killed_run, full_run):
    run_dir = killed_run(tmp_path / "run")
    procs = [start("resume", str(run_dir)) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    loser = next(out for p, out in zip(procs, outs, strict=True) if p.returncode == 2)
    winner = next(p for p in procs if p.returncode == 0)
    # refused by the lock, or (if it came second) by the finished run.json
    assert in_use(loser, run_dir, winner.pid) or f"{run_dir} is already completed; nothing to resume" in loser
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["resumes"] == [{"from_round": 4}]
    assert comparable_lines(run_dir / "events.jsonl") == comparable_lines(full_run / "events.jsonl")


def test_the_lock_of_a_killed_process_does_not_block(tmp_path, killed_run, full_run):
    run_dir = killed_run(tmp_path / "run")
    dead = start("resume", str(run_dir))
    hold_and_freeze(dead, run_dir, "run.json")
    dead.kill()  # SIGKILL: no cleanup ran, the lock file still names it
    dead.communicate(timeout=60)
    assert (run_dir / ".lock").read_text().startswith(f"pid {dead.pid} ")
    again = diagon("resume", str(run_dir))
    assert again.returncode == 0, again.stdout
    assert comparable_lines(run_dir / "events.jsonl") == comparable_lines(full_run / "events.jsonl")


def test_a_refused_run_leaves_the_existing_run_and_its_hydra_record_untouched(tmp_path):
    run_dir = tmp_path / "run"
    first = diagon("run", "population=small", "rounds=2", f"hydra.run.dir={run_dir}")
    assert first.returncode == 0, first.stdout
    assert (run_dir / ".hydra" / "overrides.yaml").read_text() == "- population=small\n- rounds=2\n"
    before = snapshot(run_dir)
    assert {".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml"} <= set(before)
    again = diagon("run", "population=small", "rounds=3", "seed=7", f"hydra.run.dir={run_dir}")
    assert again.returncode == 2
    assert f"{run_dir} already holds a run; use `diagon resume {run_dir}`" in again.stdout
    assert snapshot(run_dir) == before


def test_a_planted_job_log_link_is_refused_before_anything_is_logged_through_it(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    target = tmp_path / "profile-like"
    target.write_text("export PATH=/usr/bin\n")
    (run_dir / "run.log").symlink_to(target)
    refused = diagon("run", "population=small", "rounds=1", f"hydra.run.dir={run_dir}")
    assert refused.returncode == 2
    assert f"refusing to write {run_dir / 'run.log'}: it is a symbolic link (to {target})" in refused.stdout
    assert target.read_text() == "export PATH=/usr/bin\n"
    assert sorted(p.name for p in run_dir.iterdir()) == ["run.log"]  # nothing else written
