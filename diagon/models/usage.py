"""Sanity checks of the token usage a server reports, and the per-call budget clamp.

A server's ``usage`` is data from outside: it may be negative, absurd (``1e30``), not a
number at all (``"abc"``), or more output than the request allowed. Such a count would be
charged to an agent, or make a number the event log and tables cannot hold. Rules:

- A count must be an integer (or an integral float) in ``[0, MAX_CALL_TOKENS]``.
  Otherwise it is a *fault* and is replaced by the bound the request itself set: the
  estimated input tokens (:func:`~diagon.models.pricing.estimate_input_tokens`) for input,
  ``max_output_tokens`` (0 if unset) for output.
- Output above the request's ``max_output_tokens`` is a fault and is cut to it.
- :func:`clamp_to_budget`: the usage of one logical call is charged at most
  ``attempts`` x the per-call budget (each attempt is one request the budget capped);
  excess input tokens are cut, which is a fault too.

Faults travel on :attr:`ModelResponse.usage_fault` and end in ``LLMCall.error``.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from diagon.models.pricing import Price, estimate_input_tokens
from diagon.models.types import ModelRequest, Usage

#: No model reads or writes more tokens in one request; a larger count is a fault.
MAX_CALL_TOKENS = 10_000_000


def _count(value: Any) -> int | None:
    """``value`` as a token count, or None when it is no plausible count."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    count = int(value)
    return count if 0 <= count <= MAX_CALL_TOKENS else None


def reported_usage(
    raw_input: Any | list[Any], raw_output: Any, request: ModelRequest | None
) -> tuple[Usage, str | None]:
    """Checked usage from a server's raw counts (``raw_input`` may be parts to add up,
    e.g. Anthropic's cache tokens; ``None`` parts count 0) and the fault, if any."""
    parts = raw_input if isinstance(raw_input, list) else [raw_input]
    counts = [0 if part is None else _count(part) for part in parts]
    output = 0 if raw_output is None else _count(raw_output)
    faults = []
    input_tokens = sum(c for c in counts if c is not None)
    if None in counts or input_tokens > MAX_CALL_TOKENS:
        input_tokens = estimate_input_tokens(request) if request is not None else 0
        faults.append(f"input {_show(raw_input)} charged as {input_tokens}")
    cap = request.max_output_tokens if request is not None else None
    if output is None:
        output = cap or 0
        faults.append(f"output {_show(raw_output)} charged as {output}")
    elif cap is not None and output > cap:
        faults.append(f"output {output} above max_output_tokens {cap}, charged as {cap}")
        output = cap
    usage = Usage(input_tokens=input_tokens, output_tokens=output)
    return usage, (f"usage fault: the server reported {'; '.join(faults)}" if faults else None)


def clamp_to_budget(
    usage: Usage, price: Price, budget_micro: Decimal | int, attempts: int
) -> tuple[Usage, str | None]:
    """``usage`` cut so it costs at most ``attempts`` x ``budget_micro`` at ``price``."""
    allowance = budget_micro * max(1, attempts)
    if price.cost_micro(usage) <= allowance:
        return usage, None
    out_cost = usage.output_tokens * price.output_per_million
    output = usage.output_tokens
    if out_cost > allowance:  # only possible with a budget smaller than the output cap paid for
        output = int((Decimal(allowance) / price.output_per_million).to_integral_value(rounding=ROUND_FLOOR))
        out_cost = output * price.output_per_million
    left = Decimal(allowance) - out_cost
    input_tokens = usage.input_tokens
    if price.input_per_million > 0:
        fit = int((left / price.input_per_million).to_integral_value(rounding=ROUND_FLOOR))
        input_tokens = min(input_tokens, max(0, fit))
    clamped = Usage(input_tokens=input_tokens, output_tokens=output)
    return clamped, (
        f"usage fault: {usage.input_tokens} input + {usage.output_tokens} output tokens cost more than "
        f"{attempts} x the per-call budget; charged as {input_tokens} + {output}"
    )


def _show(value: Any) -> str:
    return repr(value)[:40]


def join_faults(*faults: str | None) -> str | None:
    """The non-empty faults joined by ``"; "`` (None when there are none)."""
    found = [f for f in faults if f]
    return "; ".join(found) if found else None
