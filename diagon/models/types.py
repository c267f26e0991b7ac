"""Request/response records of the `LanguageModel` layer and their canonical JSON form.

Every record is a frozen ``msgspec.Struct`` so it encodes to JSON (recordings, events) and
decodes back exactly. ``canonical_json`` / ``request_key`` give the hashing form used by
record/replay: sorted keys, no whitespace, plus :data:`SCHEMA_VERSION`.

Cache-key choice: ``metadata`` (agent id, decision type, round, ...) is *not* part of the
canonical request, because it does not change what the model sees. Callers that need
identical prompts from different agents to stay apart (e.g. exact replay under concurrency)
name the metadata fields to mix in via ``key_metadata`` (see :func:`request_key`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import msgspec

#: Bumped whenever the canonical request form or the recording format changes.
SCHEMA_VERSION = "diagon.models/1"

Role = Literal["system", "user", "assistant", "tool"]
#: Values allowed in request metadata (they may end up in events and cache keys).
MetaValue = str | int | float | bool | None


def _freeze_sequence(obj: msgspec.Struct, name: str) -> None:
    # Callers often pass lists; store tuples so equal requests encode (and hash) alike.
    value = getattr(obj, name)
    if not isinstance(value, tuple):
        msgspec.structs.force_setattr(obj, name, tuple(value))


class ToolCall(msgspec.Struct, frozen=True, kw_only=True):
    """A function call requested by the model: provider call id, tool name, parsed arguments."""

    id: str
    name: str
    arguments: dict[str, Any]


class Message(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One chat message.

    ``tool_calls`` is only set on assistant messages that called tools; ``tool_call_id`` (and
    optionally ``name``) only on ``tool`` messages carrying a tool's result.
    """

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        _freeze_sequence(self, "tool_calls")

    @classmethod
    def system(cls, content: str) -> Message:
        """A system message."""
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        """A user message."""
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str = "", tool_calls: Sequence[ToolCall] = ()) -> Message:
        """An assistant message (e.g. a previous model turn, possibly with tool calls)."""
        return cls(role="assistant", content=content, tool_calls=tuple(tool_calls))

    @classmethod
    def tool_result(cls, tool_call_id: str, content: str, name: str | None = None) -> Message:
        """The result of the tool call ``tool_call_id``, sent back to the model."""
        return cls(role="tool", content=content, tool_call_id=tool_call_id, name=name)


class ToolSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A function the model may call; ``parameters`` is a JSON schema of its arguments."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = msgspec.field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


class ModelRequest(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One generation request.

    ``response_schema`` asks for structured output: the reply text is JSON valid against it
    (how each backend enforces this is documented on the backend). ``metadata`` is carried
    through for accounting (agent id, decision type, ...) and is not sent to the provider.
    """

    model: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    response_schema: dict[str, Any] | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    metadata: dict[str, MetaValue] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze_sequence(self, "messages")
        _freeze_sequence(self, "tools")


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    """Tokens billed for a call."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


class ModelResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A model's answer.

    ``finish_reason`` is normalised to ``stop``, ``length``, ``tool_calls`` or
    ``content_filter`` where the provider's reason maps onto one, else the raw reason.
    ``model`` is the model id the provider reports. ``retries`` / ``last_error`` are filled
    in by :class:`~diagon.models.retry.RetryingModel`; ``usage`` then covers every attempt
    that produced a billable answer. ``usage_fault`` says how the reported usage was
    corrected (:mod:`diagon.models.usage`), when it had to be.
    """

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = msgspec.field(default_factory=Usage)
    finish_reason: str = "stop"
    model: str = ""
    retries: int = 0
    last_error: str | None = None
    usage_fault: str | None = None

    def __post_init__(self) -> None:
        _freeze_sequence(self, "tool_calls")

    def json(self) -> Any:
        """Parse ``text`` as JSON (raises ``ValueError`` if it is not)."""
        return json.loads(self.text)


@runtime_checkable
class LanguageModel(Protocol):
    """Anything that answers a :class:`ModelRequest`: backends, fakes and wrappers alike."""

    async def generate(self, request: ModelRequest) -> ModelResponse:
        """Generate one response for ``request``."""
        ...


def canonical_json(request: ModelRequest, key_metadata: Sequence[str] = ()) -> str:
    """Canonical JSON of ``request``: sorted keys, no whitespace, UTF-8 characters kept.

    ``metadata`` is left out except for the fields named in ``key_metadata`` (missing ones
    are skipped), so accounting metadata never splits a cache key unless asked to.
    """
    data = msgspec.to_builtins(request)
    meta = data.pop("metadata", {}) or {}
    chosen = {k: meta[k] for k in key_metadata if k in meta}
    if chosen:
        data["metadata"] = chosen
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(request: ModelRequest, key_metadata: Sequence[str] = ()) -> str:
    """sha256 (hex) of :data:`SCHEMA_VERSION` and the request's :func:`canonical_json`."""
    payload = SCHEMA_VERSION + "\n" + canonical_json(request, key_metadata)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
