"""`diagon --version`, and progress inside a round (issue 11, item 15)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from diagon.events import comparable_lines

ROOT = Path(__file__).resolve().parents[2]


def test_version_prints_the_package_version():
    out = subprocess.run([sys.executable, "-m", "diagon.cli", "--version"], capture_output=True, text=True)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert out.returncode == 0 and out.stdout == f"diagon {version}\n"


def test_progress_is_reported_per_decision_within_a_round_and_changes_nothing(run_market, tmp_path):
    seen: list[tuple[str, int, int]] = []
    overrides = ("model=scripted", "model.trader=llm", "population=small", "rounds=1")
    quiet = run_market(*overrides, run_dir=tmp_path / "quiet")
    loud = run_market(*overrides, run_dir=tmp_path / "loud", on_progress=lambda *a: seen.append(a))
    assert comparable_lines(quiet.run_dir / "events.jsonl") == comparable_lines(loud.run_dir / "events.jsonl")
    phases = [p for p, _, _ in seen]
    assert phases[:4] == ["bid"] * 4  # 4 agents bid, each reported as it finishes
    assert [(d, t) for p, d, t in seen if p == "bid"] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for phase in ("select", "plan", "execute", "pay"):
        done = [(d, t) for p, d, t in seen if p == phase]
        assert done and done[-1][0] == done[-1][1] and [d for d, _ in done] == list(range(1, len(done) + 1))
    order = list(dict.fromkeys(phases))
    assert order == ["bid", "select", "plan", "execute", "pay"]
