"""Validate structured output: parse JSON and check it against a JSON schema.

Implements the subset of JSON Schema that decision schemas use (``type`` incl. lists,
``properties``, ``required``, ``additionalProperties: false``, ``enum``, ``const``,
``items``, ``minItems``/``maxItems``, ``minimum``/``maximum`` and exclusive forms,
``minLength``/``maxLength``, ``anyOf``/``oneOf``). Unknown keywords are ignored, so it never
rejects valid output; it may accept output a full validator would reject.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from diagon.models.errors import InvalidOutput
from diagon.models.types import ModelResponse

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


#: Integers longer than this (in digits) are no answer a decision can use, and beyond int64
#: they are unrepresentable in the event log and tables.
MAX_INT_DIGITS = 18


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (RFC 8259 has no NaN or Infinity)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} overflows a float")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"the integer {text[:40]}... has more than {MAX_INT_DIGITS} digits")
    return int(text)


def loads_strict(text: str | bytes) -> Any:
    """``json.loads`` that accepts only standard JSON with representable numbers.

    Python's ``json`` accepts the non-standard literals ``NaN``, ``Infinity`` and
    ``-Infinity`` and turns ``1e999`` into ``inf``; a model (or a hostile server) can send
    either, and a non-finite number cannot become micro-dollars or basis points. Raises
    ``ValueError`` naming the number.
    """
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_bounded_int)


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Human-readable violations of ``schema`` by ``value`` (empty list = valid)."""
    errors: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES.get(k, lambda _v: True)(value) for k in kinds):
            return [f"{path}: expected {' or '.join(kinds)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']!r}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    for key in ("anyOf", "oneOf"):
        if key in schema:
            passing = sum(not schema_errors(value, sub, path) for sub in schema[key])
            if passing == 0 or (key == "oneOf" and passing > 1):
                errors.append(f"{path}: does not match {key}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: missing required property {name!r}")
        for name, item in value.items():
            if name in properties:
                errors.extend(schema_errors(item, properties[name], f"{path}.{name}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected property {name!r}")
    if isinstance(value, list):
        if "items" in schema and isinstance(schema["items"], dict):
            for i, item in enumerate(value):
                errors.extend(schema_errors(item, schema["items"], f"{path}[{i}]"))
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']}")
    if _TYPES["number"](value):
        checks = (
            ("minimum", lambda b: value >= b), ("maximum", lambda b: value <= b),
            ("exclusiveMinimum", lambda b: value > b), ("exclusiveMaximum", lambda b: value < b),
        )
        for key, ok in checks:
            if key in schema and not ok(schema[key]):
                errors.append(f"{path}: {value!r} violates {key} {schema[key]!r}")
    return errors


def parse_json_output(text: str, schema: dict[str, Any] | None = None) -> Any:
    """Parse ``text`` as JSON and check it against ``schema``; raise :class:`InvalidOutput`."""
    try:
        value = loads_strict(text)
    except ValueError as exc:
        raise InvalidOutput(f"output is not valid JSON ({exc}): {text[:200]!r}") from exc
    if schema is not None:
        errors = schema_errors(value, schema)
        if errors:
            raise InvalidOutput("output violates the response schema: " + "; ".join(errors[:5]))
    return value


def json_validator(schema: dict[str, Any] | None = None) -> Callable[[ModelResponse], None]:
    """A ``validate`` callback for :class:`RetryingModel`: the reply text must be JSON valid
    against ``schema``. Replies that are tool calls (no text) pass."""

    def validate(response: ModelResponse) -> None:
        if response.tool_calls and not response.text:
            return
        parse_json_output(response.text, schema)

    return validate


def parse_tool_arguments(name: str, raw: str | None) -> dict[str, Any]:
    """Parse a tool call's JSON arguments; malformed or non-finite ones raise
    :class:`InvalidOutput` (retried like any unusable answer)."""
    try:
        value = loads_strict(raw or "{}")
    except ValueError as exc:
        raise InvalidOutput(f"tool call '{name}' has malformed JSON arguments ({exc}): {raw!r}"[:500]) from exc
    if not isinstance(value, dict):
        raise InvalidOutput(f"tool call '{name}' arguments are not a JSON object: {raw!r}"[:500])
    return value
