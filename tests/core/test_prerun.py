"""Pre-run checks of `diagon run` (issue 11, items 9 and 14): each bad input fails before
any work, exit code 2, with one line naming the problem."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from diagon.config import ConfigError, compose_config
from diagon.run_checks import check_runnable
from diagon.runner import RunError
from diagon.traders.registry import _REGISTRY, trader


def diagon(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "diagon.cli", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


def one_error_line(out: subprocess.CompletedProcess) -> str:
    """The run failed with exit code 2 and said why in exactly one line, no traceback."""
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in out.stderr
    return lines[0]


def test_a_seed_beyond_64_bits_is_refused_and_the_largest_one_runs(tmp_path, run_market):
    with pytest.raises(ConfigError, match=r"`seed`: must be in \[0, 2\*\*63\), got 1180591620717411303424"):
        compose_config([f"seed={2**70}"])
    line = one_error_line(diagon("run", f"seed={2**70}", f"hydra.run.dir={tmp_path / 'r'}"))
    assert "`seed`" in line
    assert not (tmp_path / "r").exists()
    run = run_market(f"seed={2**63 - 1}", "population=small", "rounds=1")
    assert run.state.agents and (run.run_dir / "tables" / "transactions.parquet").exists()


def test_a_missing_docker_engine_fails_before_the_run_in_one_line(tmp_path):
    env = {"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    out = diagon(
        "run", "worker=oracle", "sandbox=docker", "population=small", "rounds=1",
        f"hydra.run.dir={tmp_path / 'r'}", env=env,
    )  # fmt: skip
    line = one_error_line(out)
    assert line.startswith("error: sandbox=docker cannot run here (worker=oracle needs it): no Docker engine")
    assert not (tmp_path / "r" / "events.jsonl").exists()


def test_a_sweep_with_one_bad_value_runs_no_job(tmp_path):
    sweep = tmp_path / "sweep"
    out = diagon("run", "-m", "seed=0,1", "economy.platform_fee=0.1,1.5", "population=small", "rounds=1",
                 f"hydra.sweep.dir={sweep}")  # fmt: skip
    line = one_error_line(out)
    assert "economy.platform_fee=1.5" in line and "`economy.platform_fee`: must be in [0, 1)" in line
    assert not sweep.exists()
    # a value that composes but cannot run (an unknown trader) stops the sweep too
    out = diagon("run", "-m", "model.trader=scripted,nope", "population=small", "rounds=1",
                 f"hydra.sweep.dir={sweep}")  # fmt: skip
    line = one_error_line(out)
    assert "sweep job `baseline seed=0`" in line and "no trader for model backend 'nope'" in line
    assert not sweep.exists()


def test_an_unwritable_output_directory_fails_in_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    line = one_error_line(diagon("run", "rounds=1", f"hydra.run.dir={blocker / 'run'}"))
    assert line == (
        f"error: cannot create the output directory {blocker / 'run'} (hydra.run.dir):"
        f" {blocker} is not a directory"
    )
    # /proc refuses new entries even to root (a read-only place root cannot chmod away)
    line = one_error_line(diagon("run", "-m", "rounds=1", "hydra.sweep.dir=/proc/diagon-sweep"))
    assert line.startswith("error: cannot create the output directory /proc/diagon-sweep (hydra.sweep.dir)")


def test_worker_null_names_the_noop_worker():
    line = one_error_line(diagon("run", "worker=null"))
    assert line == (
        "error: `worker=null`: Hydra reads `null` as 'no value', not an option name;"
        " worker options: llm, noop, oracle, synthetic"
    )


def test_a_trader_registered_with_the_decorator_is_selectable(run_market):
    name = "test-registered-trader"
    if name not in _REGISTRY:
        import diagon.traders.scripted  # noqa: F401 - registers "scripted"

        scripted = _REGISTRY["scripted"]

        @trader(name)
        def _factory(**kwargs):
            return scripted(**kwargs)

    run = run_market(f"model.trader={name}", "population=small", "rounds=1")
    assert run.cfg.model.trader == name
    with pytest.raises(RunError, match=r"no trader for model backend 'nope' .*available: \[.*'scripted'"):
        check_runnable(compose_config(["model.trader=nope"]))
