"""A run whose model is unreachable fails loudly (issue 11 item 7).

Before: every call failed, every decision fell back, the run exited 0 "completed",
labelled live, with 0 contracts. Now a round in which more than
``model.max_fallback_share`` of the LLM decisions fell back fails the run, before that
round is checkpointed; run.json says failed with the reason, and the run dir keeps every
completed round. The summary of a run that completes states its share of fallbacks.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diagon.config import compose_config
from diagon.config.schema import ConfigError
from diagon.events import read_events
from diagon.events import types as ev
from diagon.models.loopback import chat_completion, openai_error
from diagon.rundir.checkpoints import latest_checkpoint
from diagon.rundir.runjson import read_run_json
from diagon.rundir.summary import summarise
from diagon.runner import RunError

from .helpers import decision, system_text, valid_reply


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_model_exits_non_zero_with_a_one_line_reason(tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    out = subprocess.run(
        [sys.executable, "-m", "diagon.cli", "run", "model=compatible", "population=small", "rounds=3",
         f"model.base_url=http://127.0.0.1:{_closed_port()}/v1", "model.max_attempts=2", "model.backoff_s=0.01",
         f"hydra.run.dir={run_dir}"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    errors = [line for line in out.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out.stdout
    line = errors[0]
    assert "the model failed: 4 of 4 LLM decisions in round 1 fell back" in line
    assert "model.max_fallback_share=0.5" in line and "APIConnectionError" in line
    assert f"diagon resume {run_dir}" in line
    assert "Traceback" not in out.stdout + out.stderr
    meta = read_run_json(run_dir)
    assert meta["status"] == "failed" and "4 of 4 LLM decisions in round 1 fell back" in meta["error"]
    assert latest_checkpoint(run_dir).round == 0  # the failed round was not checkpointed
    assert [type(e) for e in read_events(run_dir / "events.jsonl")] == [ev.RunStarted]


def test_a_model_gone_mid_run_fails_at_the_end_of_that_round(chat_server, llm_run, tmp_path) -> None:
    def respond(body):
        gone = "(round 2 of" in system_text(body)
        return openai_error(503, "gone") if gone else valid_reply(body)

    with pytest.raises(RunError, match=r"LLM decisions in round 2 fell back") as info:
        llm_run(chat_server(respond), "rounds=3", "model.max_attempts=1")
    assert "InternalServerError" in str(info.value) and "gone" in str(info.value)
    run_dir = next(tmp_path.glob("run*"))
    meta = read_run_json(run_dir)
    assert meta["status"] == "failed" and "in round 2 fell back" in meta["error"]
    assert latest_checkpoint(run_dir).round == 1  # round 1 is kept, round 2 is not
    assert max(e.round for e in read_events(run_dir / "events.jsonl")) == 1
    assert (run_dir / "tables" / "llm_calls.parquet").exists()  # what was written stays readable


def test_a_slow_drip_model_cannot_hang_the_run_and_fails_it(chat_server, llm_run) -> None:
    def respond(body):
        reply = chat_completion("x" * 300)
        reply.drip_s = 0.5
        return reply

    start = time.monotonic()
    with pytest.raises(RunError, match="CallTimeout"):
        llm_run(chat_server(respond), "model.timeout_s=1", "model.max_attempts=1")
    assert time.monotonic() - start < 60


def test_with_the_check_off_the_summary_states_the_fallback_share(chat_server, llm_run) -> None:
    def respond(body):
        return openai_error(500, "down") if decision(body) == "bid" else valid_reply(body)

    result = llm_run(chat_server(respond), "model.max_attempts=1", "model.max_fallback_share=null")
    run_dir = result.run.run_dir
    assert read_run_json(run_dir)["status"] == "completed"
    summary = summarise(run_dir)
    bids = [c for c in result.of(ev.LLMCall) if c.decision == "bid"]
    assert summary.llm_fallbacks == (len(bids), len(bids)) == (4, 4)  # no bid, so nothing else to decide
    assert ("LLM decisions fell back", "4 of 4 (100.0%)") in summary.rows()
    assert any("4 of 4 LLM decisions FELL BACK" in label for label in summary.labels)


def test_a_healthy_llm_run_states_zero_fallbacks(chat_server, llm_run) -> None:
    result = llm_run(chat_server(valid_reply))
    summary = summarise(result.run.run_dir)
    fell, total = summary.llm_fallbacks
    assert fell == 0 and total == len(result.of(ev.LLMCall)) > 4
    assert not any("FELL BACK" in label for label in summary.labels)


def test_scripted_runs_have_no_llm_fallback_row(tmp_path: Path) -> None:
    from diagon.runner import execute_run

    execute_run(compose_config(["population=small", "rounds=1"]), tmp_path / "r")
    summary = summarise(tmp_path / "r")
    assert summary.llm_fallbacks is None and "LLM decisions fell back" not in dict(summary.rows())


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_the_threshold_is_validated(value: str) -> None:
    with pytest.raises(ConfigError, match="model.max_fallback_share"):
        compose_config([f"model.max_fallback_share={value}"])
