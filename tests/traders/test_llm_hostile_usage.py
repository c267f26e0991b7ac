"""Token usage reported by a server is checked (issue 10 item 8), through the real SDKs.

The loopback server reports negative, absurd (1e30), non-numeric or over-cap usage. Each
is logged as a fault on the ``LLMCall`` event, no call is charged more than its budget cap
(``trader.budget_per_call`` = 0.05 USD = 50,000 micro-dollars per attempt), and the run
completes with its tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from diagon.config import compose_config
from diagon.events import types as ev
from diagon.models import CompatibleModel, Message, ModelRequest
from diagon.models.loopback import LoopbackServer, Reply, anthropic_message, chat_completion
from diagon.models.usage import MAX_CALL_TOKENS, reported_usage
from diagon.rundir.runjson import read_run_json
from diagon.runner import RunError, execute_run

from .helpers import valid_answer

BUDGET_MICRO = 50_000


def _with_usage(prompt: object, completion: object):
    def respond(body) -> Reply:
        reply = chat_completion(json.dumps(valid_answer(body)))
        reply.body["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": 1}
        return reply

    return respond


def _checked(result) -> list[ev.LLMCall]:
    calls = result.of(ev.LLMCall)
    assert calls
    assert all(c.cost <= BUDGET_MICRO * (c.retries + 1) for c in calls)
    assert all(0 <= c.tokens_in <= MAX_CALL_TOKENS and 0 <= c.tokens_out <= MAX_CALL_TOKENS for c in calls)
    for charge in result.of(ev.ThinkingCharged):  # the agent is charged the checked tokens
        mine = [c for c in calls if c.round == charge.round and c.agent == charge.agent]
        assert charge.tokens_in == sum(c.tokens_in for c in mine)
    run_dir = result.run.run_dir
    assert read_run_json(run_dir)["status"] == "completed"
    table = pd.read_parquet(run_dir / "tables" / "llm_calls.parquet")
    assert len(table) == len(calls) and table["fault"].notna().sum() == sum(c.fault is not None for c in calls)
    return calls


@pytest.mark.parametrize(
    ("prompt", "completion", "fault"),
    [
        (1e30, 20, "input 1e+30 charged as"),
        (10**30, 20, "input 1000000000000000000000000000000 charged as"),
        (-500, 20, "input -500 charged as"),
        ("abc", 20, "input 'abc' charged as"),
        (100, -7, "output -7 charged as"),
        (100, "NaN", "output 'NaN' charged as"),
        (100, 2.5, "output 2.5 charged as"),
        (100, 10**9, "output 1000000000 charged as"),
    ],
)
def test_implausible_usage_is_a_logged_fault_charged_within_the_budget(
    chat_server, llm_run, prompt, completion, fault
) -> None:
    result = llm_run(chat_server(_with_usage(prompt, completion)))
    calls = _checked(result)
    assert all(c.error is None for c in calls)  # the answers themselves were fine and used
    assert all(c.fault and c.fault.startswith("usage fault: the server reported ") and fault in c.fault
               for c in calls)
    assert result.of(ev.BidSubmitted) and result.of(ev.PaymentDecided)


def test_usage_costing_more_than_the_budget_is_clamped(chat_server, llm_run) -> None:
    # 9M input tokens at deepseek's 0.26 USD/1M = 2.34 USD: plausible count, over the 0.05 cap
    result = llm_run(chat_server(_with_usage(9_000_000, 50)), "population.families=[deepseek-v3.2]")
    calls = _checked(result)
    assert all(c.cost <= BUDGET_MICRO and c.cost >= BUDGET_MICRO - 1 for c in calls)
    assert all("cost more than 1 x the per-call budget" in c.fault for c in calls)
    assert all(c.tokens_in == (BUDGET_MICRO - 50 * 0.38) // 0.26 for c in calls)


def test_output_above_the_requested_cap_is_cut_to_it(chat_server, llm_run) -> None:
    server = chat_server(_with_usage(100, 5_000_000))
    calls = _checked(llm_run(server))
    caps = [body["max_tokens"] for body in server.requests]
    assert all(c.tokens_out in caps and "above max_output_tokens" in c.fault for c in calls)


def test_sane_usage_has_no_fault(chat_server, llm_run) -> None:
    calls = _checked(llm_run(chat_server(_with_usage(900, 60))))
    assert all(c.fault is None and c.tokens_in == 900 and c.tokens_out == 60 for c in calls)


def test_anthropic_usage_is_checked_too() -> None:
    import asyncio

    def respond(_path, _body):
        reply = anthropic_message([{"type": "text", "text": "ok"}])
        reply.body["usage"] = {"input_tokens": -3, "output_tokens": 1e30, "cache_read_input_tokens": "x"}
        return reply

    from diagon.models import AnthropicModel

    with LoopbackServer(respond) as server:
        model = AnthropicModel(api_key="k", base_url=server.url)
        request = ModelRequest(model="m", messages=(Message.user("hello there"),), max_output_tokens=64)

        async def go():
            try:
                return await model.generate(request)
            finally:
                await model.aclose()

        response = asyncio.run(go())
    assert response.usage.input_tokens == 3 and response.usage.output_tokens == 64  # estimate, cap
    assert "input [-3, None, 'x'] charged as 3" in response.usage_fault
    assert "output 1e+30 charged as 64" in response.usage_fault


def test_reported_usage_rules() -> None:
    request = ModelRequest(model="m", messages=(Message.user("x" * 40),), max_output_tokens=10)
    assert reported_usage(5, 3, request) == (reported_usage(5, 3, request)[0], None)
    assert reported_usage(5.0, 3, request)[1] is None  # integral floats are counts
    assert reported_usage(True, 3, request)[1] is not None  # a bool is no count
    assert reported_usage(MAX_CALL_TOKENS + 1, 3, request)[0].input_tokens == 10  # ceil(40 / 4)
    assert reported_usage(None, None, request) == (reported_usage(0, 0, request)[0], None)  # absent = 0


def test_a_run_whose_tables_cannot_be_written_is_failed_not_completed(tmp_path: Path, monkeypatch) -> None:
    """Whatever still slips through: a run without its tables is never marked completed."""
    import diagon.rundir.tables as tables

    def broken(_run_dir):
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(tables, "write_tables", broken)
    cfg = compose_config(["population=small", "rounds=1"])
    with pytest.raises(RunError, match="tables could not be written: OverflowError"):
        execute_run(cfg, tmp_path / "r")
    meta = read_run_json(tmp_path / "r")
    assert meta["status"] == "failed" and "OverflowError" in meta["error"]
    assert (tmp_path / "r" / "events.jsonl").stat().st_size > 0


def test_compatible_backend_usage_is_checked_without_a_market() -> None:
    import asyncio

    def respond(_path, _body):
        reply = chat_completion("ok")
        reply.body["usage"] = {"prompt_tokens": "12", "completion_tokens": 4}
        return reply

    with LoopbackServer(respond) as server:
        model = CompatibleModel(base_url=server.base_url)

        async def go():
            try:
                return await model.generate(ModelRequest(model="m", messages=(Message.user("hi"),)))
            finally:
                await model.aclose()

        response = asyncio.run(go())
    # a numeric string is still no count: the estimate is charged, and the fault says why
    assert response.usage.output_tokens == 4 and "input '12' charged as" in response.usage_fault
