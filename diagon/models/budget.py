"""`BudgetCappedModel`: cap ``max_output_tokens`` so a call's worst-case cost fits a budget."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

import msgspec

from diagon.models.errors import BudgetExceeded
from diagon.models.pricing import Price, estimate_input_tokens, to_decimal, usd_to_micro
from diagon.models.types import LanguageModel, ModelRequest, ModelResponse, Usage
from diagon.models.usage import clamp_to_budget, join_faults
from diagon.models.wrapper import ModelWrapper


class BudgetCappedModel(ModelWrapper):
    """Lowers each request's ``max_output_tokens`` to what ``budget_usd`` can pay for.

    Worst case = estimated input tokens x input price + max output tokens x output price;
    the cap is the largest integer keeping it <= the budget (exact ``Decimal`` arithmetic).
    A smaller ``max_output_tokens`` already on the request is kept. If the input alone (or
    input plus ``min_output_tokens``) exceeds the budget, :class:`BudgetExceeded` is raised
    before any model is called. The usage a reply reports is charged at most ``attempts`` x
    the budget (a server may report anything; :mod:`diagon.models.usage`).
    """

    def __init__(
        self,
        inner: LanguageModel,
        *,
        price: Price,
        budget_usd: Decimal | float | str = "0.05",
        estimate: Callable[[ModelRequest], int] = estimate_input_tokens,
        min_output_tokens: int = 1,
    ) -> None:
        super().__init__(inner)
        self.price = price
        self.budget_usd = to_decimal(budget_usd)
        self.estimate = estimate
        self.min_output_tokens = min_output_tokens

    def output_cap(self, request: ModelRequest) -> int | None:
        """The ``max_output_tokens`` this wrapper would send for ``request``."""
        budget_micro = usd_to_micro(self.budget_usd)
        input_tokens = self.estimate(request)
        input_micro = input_tokens * self.price.input_per_million
        left = budget_micro - input_micro
        if left <= 0:
            raise BudgetExceeded(
                f"request input (~{input_tokens} tokens, {input_micro} micro-USD) alone "
                f"exceeds the per-call budget of {self.budget_usd} USD"
            )
        if self.price.output_per_million <= 0:
            return request.max_output_tokens
        cap = int((left / self.price.output_per_million).to_integral_value(rounding=ROUND_FLOOR))
        if request.max_output_tokens is not None:
            cap = min(cap, request.max_output_tokens)
        if cap < self.min_output_tokens:
            raise BudgetExceeded(
                f"per-call budget of {self.budget_usd} USD leaves only {cap} output tokens "
                f"after ~{input_tokens} input tokens (minimum {self.min_output_tokens})"
            )
        return cap

    async def generate(self, request: ModelRequest) -> ModelResponse:
        """Call the inner model with the capped ``max_output_tokens``; the usage charged is
        then clamped to the budget (:func:`~diagon.models.usage.clamp_to_budget`)."""
        capped = msgspec.structs.replace(request, max_output_tokens=self.output_cap(request))
        budget_micro = usd_to_micro(self.budget_usd)
        try:
            response = await self.inner.generate(capped)
        except Exception as exc:
            billed = getattr(exc, "usage", None)  # rejected attempts are billed: clamp them too
            if isinstance(billed, Usage):
                exc.usage, _ = clamp_to_budget(billed, self.price, budget_micro, int(getattr(exc, "attempts", 1)))  # type: ignore[attr-defined]
            raise
        usage, fault = clamp_to_budget(response.usage, self.price, budget_micro, response.retries + 1)
        if fault is None:
            return response
        return msgspec.structs.replace(response, usage=usage, usage_fault=join_faults(response.usage_fault, fault))
