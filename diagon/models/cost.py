"""`CostAccountingModel`: one :class:`CallRecord` per call, costed in integer micro-dollars."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from diagon.models.pricing import Price
from diagon.models.record import describe_error
from diagon.models.types import LanguageModel, MetaValue, ModelRequest, ModelResponse, Usage
from diagon.models.wrapper import ModelWrapper


class CallRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What the market needs to emit an ``LLMCall`` event and charge the agent.

    ``error`` is set (and the exception re-raised after reporting) when the call failed;
    its tokens are then those billed for rejected attempts, if known. ``fault`` is set
    when the server's reported usage had to be corrected before it was charged.
    """

    model: str
    response_model: str
    input_tokens: int
    output_tokens: int
    cost_micro: int
    latency_s: float
    retries: int
    finish_reason: str | None
    error: str | None
    metadata: dict[str, MetaValue]
    fault: str | None = None  # the reported usage was corrected (diagon.models.usage)


Sink = Callable[[CallRecord], Awaitable[Any] | Any]


class CostAccountingModel(ModelWrapper):
    """Reports every call to ``sink`` with its exact cost; keeps integer running totals.

    ``price`` is a :class:`Price` or a function of the request (e.g. by agent family).
    Place it outside :class:`RetryingModel` so one logical call is one record whose
    ``retries`` and summed usage come from the retry wrapper.
    """

    def __init__(
        self,
        inner: LanguageModel,
        *,
        price: Price | Callable[[ModelRequest], Price],
        sink: Sink | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(inner)
        self.price = price
        self.sink = sink
        self.clock = clock
        self.total_cost_micro = 0
        self.calls = 0

    def price_for(self, request: ModelRequest) -> Price:
        """The price applying to ``request``."""
        return self.price if isinstance(self.price, Price) else self.price(request)

    async def generate(self, request: ModelRequest) -> ModelResponse:
        """Call the inner model, then report the call (also when it failed)."""
        price = self.price_for(request)
        start = self.clock()
        try:
            response = await self.inner.generate(request)
        except Exception as exc:
            usage = getattr(exc, "usage", None)
            usage = usage if isinstance(usage, Usage) else Usage()
            attempts = getattr(exc, "attempts", 1)
            await self._report(
                request, price, usage, self.clock() - start,
                retries=max(0, int(attempts) - 1), finish_reason=None,
                error=describe_error(exc), response_model="",
            )
            raise
        await self._report(
            request, price, response.usage, self.clock() - start,
            retries=response.retries, finish_reason=response.finish_reason,
            error=None, response_model=response.model, fault=response.usage_fault,
        )
        return response

    async def _report(
        self,
        request: ModelRequest,
        price: Price,
        usage: Usage,
        latency_s: float,
        *,
        retries: int,
        finish_reason: str | None,
        error: str | None,
        response_model: str,
        fault: str | None = None,
    ) -> None:
        cost = price.cost_micro(usage)
        self.total_cost_micro += cost
        self.calls += 1
        record = CallRecord(
            model=request.model,
            response_model=response_model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_micro=cost,
            latency_s=latency_s,
            retries=retries,
            finish_reason=finish_reason,
            error=error,
            metadata=dict(request.metadata),
            fault=fault,
        )
        if self.sink is not None:
            result = self.sink(record)
            if inspect.isawaitable(result):
                await result
