"""``anthropic`` backend: the Messages API through the official SDK (``AsyncAnthropic``).

Mapping: system messages are joined into ``system``; ``tool`` messages become
``tool_result`` blocks in a user turn (consecutive same-role turns are merged, as the API
requires alternation); assistant tool calls become ``tool_use`` blocks.

Structured output uses a *forced tool*: ``response_schema`` becomes a tool named
:data:`RESPOND_TOOL` whose ``input_schema`` is the schema. Without other tools the model is
forced to call it (``tool_choice={"type": "tool"}``); with other tools it must call some tool
(``{"type": "any"}``) and answers by calling ``respond``. A ``respond`` call is returned as
JSON ``text`` (finish reason ``stop``), never as a tool call. This works on every Claude model
with tool use, unlike native structured outputs.

``timeout_s`` is a wall-clock deadline of one request, connect to last byte
(:class:`~diagon.models.errors.CallTimeout`); the SDK's timeout alone bounds each read.

``seed`` is not supported by the API and is ignored; ``temperature`` is sent when set.
Cache-creation and cache-read input tokens are counted as input tokens.
"""

from __future__ import annotations

import json
from typing import Any

from diagon.models.deadline import within
from diagon.models.registry import model_backend, read_api_key, require_sdk
from diagon.models.types import Message, ModelRequest, ModelResponse, ToolCall
from diagon.models.usage import reported_usage
from diagon.models.validation import parse_tool_arguments

#: Name of the forced tool carrying structured output.
RESPOND_TOOL = "respond"

_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def _blocks(message: Message) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [
            {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content,
            }
        ]
    blocks: list[dict[str, Any]] = []
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
    return blocks


def _messages(messages: tuple[Message, ...]) -> tuple[str, list[dict[str, Any]]]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return system, turns


@model_backend("anthropic")
class AnthropicModel:
    """Claude through the Messages API; key from ``ANTHROPIC_API_KEY`` by default."""

    backend_name = "anthropic"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_key_env: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 0,
        default_max_tokens: int = 4096,
    ) -> None:
        self._sdk = require_sdk(self.backend_name, "anthropic")
        self._client_kwargs: dict[str, Any] = {
            "api_key": read_api_key(self.backend_name, api_key, api_key_env),
            "base_url": base_url,
            "timeout": timeout_s,
            "max_retries": max_retries,
        }
        self.timeout_s = timeout_s
        self.default_max_tokens = default_max_tokens
        self._client: Any = None
        _ = self.client.messages  # import the SDK's lazy HTTP stack now, not in round 1

    @property
    def client(self) -> Any:
        """The ``AsyncAnthropic`` client (rebuilt on use after :meth:`aclose`)."""
        if self._client is None:
            self._client = self._sdk.AsyncAnthropic(**self._client_kwargs)
        return self._client

    def request_params(self, request: ModelRequest) -> dict[str, Any]:
        """Keyword arguments of ``messages.create`` for ``request``."""
        system, turns = _messages(request.messages)
        params: dict[str, Any] = {
            "model": request.model,
            "messages": turns,
            "max_tokens": request.max_output_tokens or self.default_max_tokens,
        }
        if system:
            params["system"] = system
        tools = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
        if request.response_schema is not None:
            tools.append(
                {
                    "name": RESPOND_TOOL,
                    "description": "Give your final answer by calling this tool.",
                    "input_schema": request.response_schema,
                }
            )
            params["tool_choice"] = (
                {"type": "tool", "name": RESPOND_TOOL} if not request.tools else {"type": "any"}
            )
        if tools:
            params["tools"] = tools
        if request.temperature is not None:
            # Not a named parameter of every SDK version; the API accepts it in the body.
            params["extra_body"] = {"temperature": request.temperature}
        return params

    async def generate(self, request: ModelRequest) -> ModelResponse:
        """Send ``request`` to the Messages endpoint and parse the reply."""
        create = self.client.messages.create(**self.request_params(request))
        message = await within(self.timeout_s, create, self.backend_name)
        return parse_message(message, structured=request.response_schema is not None, request=request)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.close()
            self._client = None


def parse_message(message: Any, structured: bool = False, request: ModelRequest | None = None) -> ModelResponse:
    """Turn an SDK ``Message`` into a :class:`ModelResponse` (usage checked against
    ``request``, see :mod:`diagon.models.usage`)."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    answer: str | None = None
    for block in message.content:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use":
            if structured and block.name == RESPOND_TOOL and answer is None:
                answer = json.dumps(block.input, sort_keys=True)
            else:
                # the SDK decoded the input with Python's lenient json: NaN must not pass
                arguments = parse_tool_arguments(block.name, json.dumps(block.input))
                calls.append(ToolCall(id=block.id, name=block.name, arguments=arguments))
    raw = message.usage
    inputs = [getattr(raw, name, None) for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")]
    usage, fault = reported_usage(inputs, getattr(raw, "output_tokens", None), request)
    reason = _FINISH.get(message.stop_reason or "end_turn", message.stop_reason)
    if answer is not None:
        # The structured answer replaces prose around it; other tool calls are dropped.
        return ModelResponse(
            text=answer,
            usage=usage,
            usage_fault=fault,
            finish_reason="stop" if reason == "tool_calls" else reason,
            model=message.model or "",
        )
    return ModelResponse(
        text="".join(texts),
        tool_calls=tuple(calls),
        usage=usage,
        usage_fault=fault,
        finish_reason=reason,
        model=message.model or "",
    )
