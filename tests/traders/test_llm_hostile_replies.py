"""Hostile numbers in model replies (issue 10 item 6), end to end through the real SDKs.

A loopback server answers the LLM traders of a real market round with NaN, Infinity,
1e308, 1e999 or negative prices and payment ratios. Each becomes the documented fallback
(or the item is dropped), is named in ``LLMCall.error``, and the run completes.
"""

from __future__ import annotations

import json
import math

import pytest

from diagon.events import types as ev
from diagon.models.loopback import (
    LoopbackServer,
    anthropic_message,
    chat_completion,
    chat_tool_calls,
)
from diagon.rundir.runjson import read_run_json
from diagon.traders.fake_model import answer, decision_of
from diagon.traders.prompting import parse_blocks

from .helpers import (
    agent_of,
    blocks,
    decision,
    has_tool_results,
    schema_of,
    user_text,
    valid_answer,
    valid_reply,
)

NAN, INF = float("nan"), float("inf")


def _raw(value: object) -> str:
    """``value`` as Python's json writes it: NaN and Infinity as bare literals."""
    return json.dumps(value)


def _completed(result) -> None:
    assert read_run_json(result.run.run_dir)["status"] == "completed"
    assert (result.run.run_dir / "tables" / "llm_calls.parquet").exists()


def _pay_with(rho: object):
    def respond(body):
        value = valid_answer(body)
        if decision(body) == "pay":
            for item in value["payments"]:
                item["rho"] = rho
            return chat_completion(_raw(value))
        return valid_reply(body)

    return respond


@pytest.mark.parametrize(
    ("rho", "why"),
    [(NAN, "NaN is not a JSON number"), (INF, "Infinity is not a JSON number"),
     (-INF, "-Infinity is not a JSON number"), (10**40, "has more than 18 digits")],
    ids=["NaN", "Infinity", "-Infinity", "huge-int"],
)
def test_unrepresentable_payment_ratio_falls_back_to_the_neutral_payment(chat_server, llm_run, rho, why) -> None:
    server = chat_server(_pay_with(rho))
    result = llm_run(server, "model.max_attempts=2")
    pays = [c for c in result.of(ev.LLMCall) if c.decision == "pay"]
    assert pays and all(c.retries == 1 for c in pays)  # retried as invalid output, then given up
    assert all("RetryExhausted" in c.error and why in c.error and "fallback: neutral payment" in c.error
               for c in pays)
    payments = result.of(ev.PaymentDecided)
    # the floor is 0.5: half-way to 1 is 0.75
    assert payments and all(p.rho_bp == 7500 and p.requested_rho_bp == 7500 for p in payments)
    assert all(p.reason.startswith("fallback") for p in payments)
    _completed(result)


@pytest.mark.parametrize("rho", [-0.5, 1e308, 1.5, -1e308], ids=["negative", "1e308", "above-1", "-1e308"])
def test_out_of_range_payment_ratio_is_dropped_and_the_neutral_payment_applies(chat_server, llm_run, rho) -> None:
    result = llm_run(chat_server(_pay_with(rho)))
    pays = [c for c in result.of(ev.LLMCall) if c.decision == "pay"]
    assert pays and all(c.retries == 0 and "is not a ratio in [0, 1]; the neutral fallback applies" in c.error
                        for c in pays)
    payments = result.of(ev.PaymentDecided)
    assert payments and all(p.rho_bp == 7500 and p.requested_rho_bp == 7500 for p in payments)
    assert all(p.reason == "fallback: no payment decision returned" for p in payments)
    _completed(result)


def _bid_with(price_text: str):
    """Agent 0 bids ``price_text`` (raw JSON) on the first listing; everyone else is valid."""

    def respond(body):
        if decision(body) == "bid" and agent_of(body) == 0:
            listing = blocks(body)["listings"][0]["listing_id"]
            bid = f'{{"listing_id": {listing}, "price_usd": {price_text}, "proposal": "p"}}'
            return chat_completion(f'{{"bids": [{bid}], "belief": "b", "memory": []}}')
        return valid_reply(body)

    return respond


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-Infinity", "1e999", '"NaN"', '"inf"'])
def test_non_finite_bid_price_falls_back_to_no_bids(chat_server, llm_run, price) -> None:
    result = llm_run(chat_server(_bid_with(price)), "model.max_attempts=2")
    bid = next(c for c in result.of(ev.LLMCall) if c.decision == "bid" and c.agent == 0)
    assert bid.retries == 1 and "InvalidOutput" in bid.error and "fallback: no bids; belief kept" in bid.error
    assert not [b for b in result.of(ev.BidSubmitted) if b.bidder == 0]
    assert [b for b in result.of(ev.BidSubmitted) if b.bidder != 0]  # the others still trade
    _completed(result)


@pytest.mark.parametrize(
    ("price", "why"),
    [("1e308", "above the balance"), ("-0.25", "price must be positive"), ("0", "price must be positive")],
)
def test_absurd_or_negative_bid_price_is_dropped(chat_server, llm_run, price, why) -> None:
    result = llm_run(chat_server(_bid_with(price)))
    bid = next(c for c in result.of(ev.LLMCall) if c.decision == "bid" and c.agent == 0)
    assert bid.retries == 0 and "bid on listing" in bid.error and why in bid.error
    assert not [b for b in result.of(ev.BidSubmitted) if b.bidder == 0]
    assert result.of(ev.BeliefUpdated)[0].belief == "b"  # the rest of the answer is used
    _completed(result)


def test_non_finite_tool_arguments_are_invalid_output(chat_server, llm_run) -> None:
    def respond(body):
        if decision(body) == "bid" and agent_of(body) == 0 and not has_tool_results(body):
            listing = blocks(body)["listings"][0]["listing_id"]
            return chat_tool_calls([("c1", "calculate_profit", f'{{"listing_id": {listing}, "price_usd": NaN}}')])
        return valid_reply(body)

    server = chat_server(respond)
    result = llm_run(server, "model.max_attempts=2")
    bid = next(c for c in result.of(ev.LLMCall) if c.decision == "bid" and c.agent == 0)
    assert "malformed JSON arguments" in bid.error and "fallback: no bids" in bid.error
    assert not any(has_tool_results(b) for b in server.requests)  # no tool ever ran on NaN
    _completed(result)


def test_huge_finite_tool_arguments_answer_an_error_not_a_crash(chat_server, llm_run) -> None:
    def respond(body):
        if decision(body) == "bid" and not has_tool_results(body):
            listing = blocks(body)["listings"][0]["listing_id"]
            args = {"listing_id": listing, "price_usd": 1e308, "tier": "haiku", "rho": 1e308}
            return chat_tool_calls([("c1", "calculate_profit", args)])
        return valid_reply(body)

    server = chat_server(respond)
    result = llm_run(server)
    followup = next(b for b in server.requests if has_tool_results(b))
    tool = next(json.loads(m["content"]) for m in followup["messages"] if m["role"] == "tool")
    assert tool["error"].startswith("bad arguments for calculate_profit")
    assert result.of(ev.BidSubmitted)
    _completed(result)


def test_anthropic_structured_answer_with_nan_falls_back(llm_run, monkeypatch) -> None:
    """The Anthropic SDK decodes ``NaN`` in a forced ``respond`` tool's input to a float
    nan; the answer is still refused as invalid output and the neutral payment applies."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")

    def respond(_path, body):
        value = answer(decision_of(schema_of(body)), parse_blocks(user_text(body)))
        if "payments" in value:
            for item in value["payments"]:
                item["rho"] = NAN
        block = {"type": "tool_use", "id": "toolu_1", "name": "respond", "input": value}
        return anthropic_message([block], stop_reason="tool_use")

    with LoopbackServer(respond) as server:
        result = llm_run(None, "model=anthropic", f"model.base_url={server.url}",
                         "population.families=[claude-haiku-4.5]", "model.max_attempts=2")
    pays = [c for c in result.of(ev.LLMCall) if c.decision == "pay"]
    assert pays and all("fallback: neutral payment" in c.error for c in pays)
    assert all(p.rho_bp == 7500 for p in result.of(ev.PaymentDecided))
    assert not any(math.isnan(p.rho_bp) for p in result.of(ev.PaymentDecided))
    _completed(result)
