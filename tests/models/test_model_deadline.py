"""Every model call has a wall-clock deadline (issue 10 item 7).

A loopback server drips its reply one byte a second: the SDKs' own timeouts bound each
read, so on their own they would wait for the whole body (minutes). ``model.timeout_s``
cuts the request off in total; retries repeat that bound per attempt.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from diagon.models import (
    AnthropicModel,
    CallTimeout,
    CompatibleModel,
    Message,
    ModelRequest,
    RetryExhausted,
    RetryingModel,
)
from diagon.models.loopback import LoopbackServer, anthropic_message, chat_completion

REQUEST = ModelRequest(model="m", messages=(Message.user("hi"),))
PADDING = "x" * 400  # the body takes > 400 s at one byte a second


def _timed(coro) -> tuple[BaseException, float]:
    start = time.monotonic()
    with pytest.raises(Exception) as info:
        asyncio.run(coro)
    return info.value, time.monotonic() - start


async def _once(model) -> None:
    try:
        await model.generate(REQUEST)
    finally:
        await model.aclose()


def test_openai_sdk_slow_drip_is_cut_off_at_timeout_s() -> None:
    reply = chat_completion(PADDING)
    reply.drip_s = 1.0
    with LoopbackServer(lambda _path, _body: reply) as server:
        model = CompatibleModel(base_url=server.base_url, timeout_s=3.0)
        error, elapsed = _timed(_once(model))
        assert server.requests  # the request reached the server, which kept sending
    assert isinstance(error, CallTimeout) and isinstance(error, TimeoutError)
    assert "no complete reply within 3 s" in str(error) and "'compatible'" in str(error)
    assert 3.0 <= elapsed < 4.5


def test_anthropic_sdk_slow_drip_is_cut_off_at_timeout_s() -> None:
    reply = anthropic_message([{"type": "text", "text": PADDING}])
    reply.drip_s = 1.0
    with LoopbackServer(lambda _path, _body: reply) as server:
        model = AnthropicModel(api_key="sk-ant-test", base_url=server.url, timeout_s=2.5)
        error, elapsed = _timed(_once(model))
    assert isinstance(error, CallTimeout) and "within 2.5 s" in str(error)
    assert 2.5 <= elapsed < 4.0


def test_the_deadline_is_per_attempt_and_retries_are_bounded() -> None:
    """Documented choice: ``timeout_s`` bounds one attempt; a logical call takes at most
    ``max_attempts`` x ``timeout_s`` plus the backoff sleeps."""
    reply = chat_completion(PADDING)
    reply.drip_s = 0.5
    with LoopbackServer(lambda _path, _body: reply) as server:
        inner = CompatibleModel(base_url=server.base_url, timeout_s=1.5)
        model = RetryingModel(inner, max_attempts=2, backoff_base_s=0.01, backoff_max_s=0.01)
        error, elapsed = _timed(_once(model))
        assert len(server.requests) == 2
    assert isinstance(error, RetryExhausted) and isinstance(error.last_error, CallTimeout)
    assert 3.0 <= elapsed < 4.5


def test_a_reply_within_the_deadline_is_unaffected() -> None:
    reply = chat_completion("ok", delay_s=0.2)
    with LoopbackServer(lambda _path, _body: reply) as server:
        model = CompatibleModel(base_url=server.base_url, timeout_s=3.0)

        async def go():
            try:
                return await model.generate(REQUEST)
            finally:
                await model.aclose()

        assert asyncio.run(go()).text == "ok"
