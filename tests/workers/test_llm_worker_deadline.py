"""``worker.timeout_s`` is a hard wall-clock limit of the llm worker's job (issue 10 item 9).

A model scripted through the real ``openai`` SDK keeps calling slow or hanging tools in the
real default sandbox; the job's tool loop (model calls and tool calls) ends within
``worker.timeout_s``, and the verifier then scores what the work dir holds.
"""

from __future__ import annotations

import asyncio
import json
import time

import numpy as np
import pytest

import diagon.workers.llm as llm_worker
from diagon.config import compose_config
from diagon.runner import _worker_kwargs
from diagon.tasks.catalogue import load_catalogue
from diagon.workers.base import ExecutionJob, create_worker

TIMEOUT_S = 4
SLACK_S = 1.0  # killing the sandboxed process tree and closing the request


def _job() -> ExecutionJob:
    spec = load_catalogue("builtin")["code-roman-numerals"]
    return ExecutionJob(listing_id=7, contractor=3, task=spec, tier="sonnet", effort="medium",
                        skills=(), skill_match=False, strategy="")


def _timed_job(server, monkeypatch, *overrides: str):
    """Run one job; return (outcome, seconds from start until the worker's files were taken
    for the verifier)."""
    ends: list[float] = []
    real = llm_worker.collect

    def collect(task, box):
        ends.append(time.monotonic())
        return real(task, box)

    monkeypatch.setattr(llm_worker, "collect", collect)
    cfg = compose_config(["worker=llm", "model=compatible", f"model.base_url={server.base_url}",
                          "worker.model_id=fake", "model.max_attempts=1", f"worker.timeout_s={TIMEOUT_S}",
                          *overrides])
    worker = create_worker("llm", **_worker_kwargs(cfg))
    worker.check_ready()  # as the runner does before any work: SDK import and client build

    async def main():
        try:
            return await worker.execute(_job(), np.random.default_rng(0))
        finally:
            await worker.aclose()

    start = time.monotonic()
    out = asyncio.run(main())
    assert len(ends) == 1
    return out, ends[0] - start


@pytest.mark.parametrize(
    "command",
    [
        "sleep 30",  # a slow tool, called again and again
        "sleep 300 & sleep 300 & wait",  # a process tree
        "nohup setsid sleep 300 >/dev/null 2>&1 & exec sleep 300",  # escapes the process group
        "exec 1>&-; exec 2>&-; sleep 300",  # closes its output: nothing left to wait for
        "mkfifo p; cat p",  # blocks forever on a FIFO
    ],
)
def test_a_model_calling_a_hanging_tool_cannot_exceed_the_timeout(openai_server, monkeypatch, command) -> None:
    S = openai_server.__class__
    openai_server.default = S.tool_calls([("c1", "shell", json.dumps({"command": command}))], 100, 10)
    out, loop_s = _timed_job(openai_server, monkeypatch)
    assert loop_s <= TIMEOUT_S + SLACK_S, f"tool loop took {loop_s:.1f} s"
    assert out.q == 0.0 and out.preview.startswith(f"stopped: worker timeout ({TIMEOUT_S} s)")


def test_many_tool_calls_in_one_reply_share_the_deadline(openai_server, monkeypatch) -> None:
    S = openai_server.__class__
    calls = [(f"c{i}", "python", json.dumps({"code": "import time; time.sleep(3)"})) for i in range(6)]
    openai_server.default = S.tool_calls(calls, 100, 10)
    out, loop_s = _timed_job(openai_server, monkeypatch)
    assert loop_s <= TIMEOUT_S + SLACK_S, f"tool loop took {loop_s:.1f} s"
    assert "worker timeout" in out.preview
    assert len(openai_server.requests) == 1  # the second call never started


def test_a_slow_model_cannot_exceed_the_timeout(openai_server, monkeypatch) -> None:
    S = openai_server.__class__
    reply = S.tool_calls([("c1", "list_files", json.dumps({"path": "."}))], 100, 10)
    reply.delay_s = 1.5
    openai_server.default = reply
    out, loop_s = _timed_job(openai_server, monkeypatch, "model.timeout_s=60")
    assert loop_s <= TIMEOUT_S + SLACK_S, f"tool loop took {loop_s:.1f} s"
    assert "worker timeout" in out.preview
    assert 2 <= len(openai_server.requests) <= 3
