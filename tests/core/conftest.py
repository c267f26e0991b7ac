"""Run directories for the resume and run-directory tests: a finished run and a killed one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from diagon.config import compose_config
from diagon.runner import MarketRun, execute_run

RUN_OVERRIDES = ["population=small", "rounds=6", "evolution.period=3"]


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of ``RUN_OVERRIDES`` (the reference a resumed run must equal)."""
    run_dir = tmp_path_factory.mktemp("full") / "run"
    execute_run(compose_config(RUN_OVERRIDES), run_dir)
    return run_dir


@pytest.fixture
def killed_run() -> Callable[..., Path]:
    """Make a run that completed ``done`` rounds and died in the middle of the next one."""

    def make(run_dir: Path, done: int = 4, overrides: Sequence[str] = RUN_OVERRIDES) -> Path:
        partial = MarketRun(compose_config(list(overrides)), run_dir)
        partial.start()
        partial.cfg = compose_config([*overrides, f"rounds={done}"])
        partial.play(1)
        with open(run_dir / "events.jsonl", "ab") as fh:  # half a round: dropped on resume
            fh.write(b'{"type":"RoundStarted","run_id":"x","round":99,"seq":1,"ts":0,"active_agents":1}\n{"ty')
        return run_dir

    return make
