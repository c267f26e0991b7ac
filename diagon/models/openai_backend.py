"""OpenAI Chat Completions backends: ``openai``, ``openrouter`` and ``compatible``.

All three use the official ``openai`` SDK (``AsyncOpenAI``), imported lazily. The SDK's own
retries default to 0 here: retrying is :class:`~diagon.models.retry.RetryingModel`'s job.
``timeout_s`` is a wall-clock deadline of one request, connect to last byte
(:class:`~diagon.models.errors.CallTimeout`); the SDK's timeout alone bounds each read.

Structured output: ``response_schema`` becomes ``response_format={"type": "json_schema",
...}`` (OpenAI, OpenRouter, vLLM, ...) or, with ``response_format="json_object"``,
``{"type": "json_object", "schema": ...}`` as the llama.cpp server expects.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from diagon.models.deadline import within
from diagon.models.errors import ConfigurationError, InvalidOutput
from diagon.models.registry import model_backend, read_api_key, require_sdk
from diagon.models.types import Message, ModelRequest, ModelResponse, ToolCall
from diagon.models.usage import reported_usage
from diagon.models.validation import parse_tool_arguments

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"

_FINISH = {"function_call": "tool_calls"}


def _message_param(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content}
    param: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        param["content"] = message.content or None
        param["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    return param


class OpenAIChatModel:
    """Chat Completions over the ``openai`` SDK; base of the three registered backends."""

    backend_name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_key_env: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 0,
        max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = "max_completion_tokens",
        response_format: Literal["json_schema", "json_object"] = "json_schema",
        strict_schema: bool = True,
        default_headers: dict[str, str] | None = None,
    ) -> None:
        self._sdk = require_sdk(self.backend_name, "openai")
        key = read_api_key(self.backend_name, api_key, api_key_env)
        self._client_kwargs: dict[str, Any] = {
            # Keyless servers (vLLM, Ollama, llama.cpp) accept any bearer token.
            "api_key": key or "not-needed",
            "base_url": base_url,
            "timeout": timeout_s,
            "max_retries": max_retries,
            "default_headers": default_headers,
        }
        self.timeout_s = timeout_s
        self.max_tokens_param = max_tokens_param
        self.response_format = response_format
        self.strict_schema = strict_schema
        self._client: Any = None
        # The SDK imports its HTTP stack, chat resources and response types lazily, on the
        # first request (~0.2 s). Build the client and touch ``chat.completions`` now (no
        # connection is opened), so the market's round 1 is not slower than the others.
        _ = self.client.chat.completions

    @property
    def client(self) -> Any:
        """The ``AsyncOpenAI`` client (rebuilt on use after :meth:`aclose`)."""
        if self._client is None:
            self._client = self._sdk.AsyncOpenAI(**self._client_kwargs)
        return self._client

    def request_params(self, request: ModelRequest) -> dict[str, Any]:
        """Keyword arguments of ``chat.completions.create`` for ``request``."""
        params: dict[str, Any] = {
            "model": request.model,
            "messages": [_message_param(m) for m in request.messages],
        }
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        if request.response_schema is not None:
            if self.response_format == "json_object":
                params["response_format"] = {
                    "type": "json_object",
                    "schema": request.response_schema,
                }
            else:
                params["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "response",
                        "schema": request.response_schema,
                        "strict": self.strict_schema,
                    },
                }
        if request.max_output_tokens is not None:
            params[self.max_tokens_param] = request.max_output_tokens
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.seed is not None:
            params["seed"] = request.seed
        return params

    async def generate(self, request: ModelRequest) -> ModelResponse:
        """Send ``request`` to the Chat Completions endpoint and parse the first choice.

        ``tools`` and ``response_format`` are already in wire format; they travel as
        ``extra_body`` (merged into the same JSON body) because the SDK otherwise walks
        every nested schema value of every call to apply its TypedDict transforms, about
        1 ms per call with the ten market tools: with 25 agents deciding at once that
        delayed the last request of each phase by ~25 ms.
        """
        params = self.request_params(request)
        wire = {name: params.pop(name) for name in ("tools", "response_format") if name in params}
        create = self.client.chat.completions.create(**params, extra_body=wire or None)
        completion = await within(self.timeout_s, create, self.backend_name)
        return parse_completion(completion, request)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.close()
            self._client = None


def parse_completion(completion: Any, request: ModelRequest | None = None) -> ModelResponse:
    """Turn an SDK ``ChatCompletion`` into a :class:`ModelResponse` (usage checked against
    ``request``, see :mod:`diagon.models.usage`)."""
    if not completion.choices:
        raise InvalidOutput("chat completion has no choices")
    choice = completion.choices[0]
    message = choice.message
    calls = tuple(
        ToolCall(
            id=call.id,
            name=call.function.name,
            arguments=parse_tool_arguments(call.function.name, call.function.arguments),
        )
        for call in (message.tool_calls or ())
        if getattr(call, "function", None) is not None
    )
    usage, fault = reported_usage(
        getattr(completion.usage, "prompt_tokens", None), getattr(completion.usage, "completion_tokens", None), request
    )
    reason = choice.finish_reason or ("tool_calls" if calls else "stop")
    return ModelResponse(
        text=message.content or "",
        tool_calls=calls,
        usage=usage,
        usage_fault=fault,
        finish_reason=_FINISH.get(reason, reason),
        model=completion.model or "",
    )


@model_backend("openai")
class OpenAIModel(OpenAIChatModel):
    """OpenAI's API; key from ``OPENAI_API_KEY`` unless ``api_key_env`` names another."""

    backend_name = "openai"


@model_backend("openrouter")
class OpenRouterModel(OpenAIChatModel):
    """OpenRouter (OpenAI-compatible); key from ``OPENROUTER_API_KEY`` by default."""

    backend_name = "openrouter"

    def __init__(self, *, base_url: str = OPENROUTER_BASE_URL, **options: Any) -> None:
        options.setdefault("max_tokens_param", "max_tokens")
        super().__init__(base_url=base_url, **options)


@model_backend("compatible")
class CompatibleModel(OpenAIChatModel):
    """Any OpenAI-compatible server (vLLM, Ollama, LiteLLM, llama.cpp): ``base_url`` required.

    Needs no key unless ``api_key``/``api_key_env`` is given.
    """

    backend_name = "compatible"

    def __init__(self, *, base_url: str | None = None, **options: Any) -> None:
        if not base_url:
            raise ConfigurationError("the 'compatible' model backend requires a base_url")
        options.setdefault("max_tokens_param", "max_tokens")
        super().__init__(base_url=base_url, **options)
