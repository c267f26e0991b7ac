"""Tolerant structured output: find the JSON in a reply, coerce it, check it, normalise it.

:func:`tolerant_parse` accepts what models commonly wrap JSON in (code fences, prose
before or after the object), coerces obvious type slips against the schema (``"0.4"`` for
a number, ``"3"`` for an integer, ``"true"`` for a boolean, a single object where an array
is expected) and then validates with :func:`~diagon.models.validation.schema_errors`.
Numbers must be representable: ``NaN``/``Infinity`` literals, ``1e999`` and their string
forms are invalid output (see :func:`~diagon.models.validation.loads_strict`), so they are
retried and, if the model insists, end in the decision's documented fallback.

:class:`SchemaValidatingModel` applies it to every reply of a request that carries a
``response_schema`` and replaces ``text`` with the canonical JSON of the parsed value, so
callers (and recordings) only ever see clean JSON. It raises
:class:`~diagon.models.errors.InvalidOutput`, which :class:`RetryingModel` retries: place it
*inside* the retry wrapper.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import msgspec

from diagon.models.errors import InvalidOutput
from diagon.models.types import ModelRequest, ModelResponse
from diagon.models.validation import loads_strict, schema_errors
from diagon.models.wrapper import ModelWrapper

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The JSON value in ``text``: whole text, a fenced block, or the outermost ``{...}``."""
    candidates = [text.strip()]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    why = ""
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return loads_strict(candidate)
        except ValueError as exc:
            # name the first reason that is not plain syntax (NaN, an overflowing number)
            if not why and not isinstance(exc, json.JSONDecodeError):
                why = f" ({exc})"
            continue
    raise InvalidOutput(f"output is not valid JSON{why}: {text[:200]!r}")


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Fix obvious type slips in ``value`` against ``schema`` (returns a new value)."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if isinstance(value, str) and ("number" in kinds or "integer" in kinds):
        try:
            number = float(value.strip().lstrip("$"))
            if not math.isfinite(number):  # "NaN", "inf", "1e999" stay strings: rejected
                return value
            if "integer" in kinds and number.is_integer():
                return int(number)
            if "number" in kinds:
                return number
        except ValueError:
            return value
    if isinstance(value, float) and "integer" in kinds and "number" not in kinds and value.is_integer():
        return int(value)
    if isinstance(value, str) and "boolean" in kinds and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, dict) and "array" in kinds and "object" not in kinds:
        value = [value]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: coerce(v, props[k]) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [coerce(v, schema["items"]) for v in value]
    return value


def tolerant_parse(text: str, schema: dict[str, Any]) -> Any:
    """Extract, coerce and validate; raise :class:`InvalidOutput` naming the violations."""
    value = coerce(extract_json(text), schema)
    errors = schema_errors(value, schema)
    if errors:
        raise InvalidOutput("output violates the response schema: " + "; ".join(errors[:5]))
    return value


class SchemaValidatingModel(ModelWrapper):
    """Validates replies against ``request.response_schema`` (see the module docstring).

    A reply with tool calls passes as is if the request offered tools; otherwise its text
    must hold the answer.
    """

    async def generate(self, request: ModelRequest) -> ModelResponse:
        response = await self.inner.generate(request)
        if response.tool_calls:
            if request.tools:
                return response
            if not response.text.strip():
                error = InvalidOutput("the model called a tool, but no tools were offered")
                error.usage = response.usage  # type: ignore[attr-defined]
                raise error
        if request.response_schema is None:
            return response
        try:
            value = tolerant_parse(response.text, request.response_schema)
        except InvalidOutput as exc:
            exc.usage = response.usage  # type: ignore[attr-defined] - billed by the retry wrapper
            raise
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return msgspec.structs.replace(response, text=text, tool_calls=())
