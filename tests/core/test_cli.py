"""The `diagon` command line: run, sweeps, errors, resume refusals."""

from __future__ import annotations

import json
import subprocess
import sys


def diagon(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "diagon.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_run_prints_a_summary_and_the_run_directory(tmp_path):
    out = diagon("run", "population=small", "rounds=2", f"hydra.run.dir={tmp_path / 'r'}")
    assert out.returncode == 0, out.stderr
    assert "Diagon run summary" in out.stdout
    assert "SYNTHETIC execution" in out.stdout and "SCRIPTED traders" in out.stdout
    assert f"run directory: {tmp_path / 'r'}" in out.stdout
    assert json.loads((tmp_path / "r" / "run.json").read_text())["status"] == "completed"
    saved = (tmp_path / "r" / "summary.txt").read_text()  # the printed summary, kept with the run
    assert saved.startswith("Diagon run summary — baseline\n") and "wealth Gini, all agents (wealth_gini_all)" in saved
    assert "NOTE: built in by the script: payment threshold" in saved and "NOTE: built in by the script" in out.stdout


def test_a_bad_override_fails_before_any_work_naming_the_key(tmp_path):
    out = diagon("run", "economy.payment_floor=1.5", f"hydra.run.dir={tmp_path / 'r'}")
    assert out.returncode == 2
    assert "economy.payment_floor" in out.stdout
    assert not (tmp_path / "r" / "run.json").exists()


def test_a_sweep_writes_one_run_directory_per_job(tmp_path):
    out = diagon(
        "run", "-m", "seed=0,1", "experiment=baseline,autarky", "population=small", "rounds=1",
        "hydra/launcher=joblib", f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert out.returncode == 0, out.stderr
    jobs = sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.is_dir())
    assert jobs == ["0_baseline_s0", "1_autarky_s0", "2_baseline_s1", "3_autarky_s1"]
    for job in jobs:
        meta = json.loads((tmp_path / "sweep" / job / "run.json").read_text())
        assert meta["status"] == "completed"
        assert (meta["experiment"], meta["seed"]) == (job.split("_")[1], int(job[-1]))


def test_resume_refuses_a_completed_run_and_a_missing_directory(tmp_path):
    assert diagon("run", "population=small", "rounds=1", f"hydra.run.dir={tmp_path / 'r'}").returncode == 0
    done = diagon("resume", str(tmp_path / "r"))
    assert done.returncode == 2 and "already completed" in done.stdout
    missing = diagon("resume", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no run.json" in missing.stdout


def test_scripted_traders_are_labelled_even_with_a_model_backend(tmp_path):
    from diagon.config import compose_config
    from diagon.runner import MarketRun

    for overrides in (["model=local", "model.trader=scripted"], ["model=scripted"]):
        run = MarketRun(compose_config(overrides), tmp_path / "r")
        assert run.synthetic_flags["scripted_traders"] is True
