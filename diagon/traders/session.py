"""Per-run model resources shared by a run's LLM traders.

Composition (outside in)::

    per agent:  CostAccounting( BudgetCapped( ──┐            at the family's prices
    shared:     Recording?( Retrying( ConcurrencyLimited( SchemaValidating( backend ))))
    replay:     ReplayingModel(recording)       (no backend, no retry, no network)

- one backend client and one concurrency limit (``market.concurrency``) for the whole run;
- retries (``model.max_attempts``, exponential backoff from ``model.backoff_s``) cover
  timeouts, 408/429/5xx and unparseable or schema-violating output (the validator sits
  inside the retry loop); a failed call is retried as a whole;
- the recording sees one logical call (after retries), keyed by sha256 of the canonical
  request plus the agent id; a replay reproduces responses, failures, usage and retries;
- the budget cap lowers ``max_output_tokens`` so a call's worst case stays within
  ``trader.budget_per_call`` at the family's prices; cost accounting reports each call.

A session is created by the runner, which builds the stack (SDK imports, HTTP client;
no connection is opened) when play starts, before round 1, and closes it at the end of
:meth:`MarketRun.play`. Used alone, the stack is built on the first call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diagon.config.schema import DiagonConfig
from diagon.models import (
    BudgetCappedModel,
    CallRecord,
    ConcurrencyLimitedModel,
    CostAccountingModel,
    LanguageModel,
    ModelError,
    Price,
    RecordingModel,
    ReplayingModel,
    RetryingModel,
    ScriptedModel,
    aclose_model,
    check_credentials,
    create_model,
)
from diagon.models.structured import SchemaValidatingModel


class TraderSetupError(ValueError):
    """LLM traders cannot be set up (missing key, SDK or model id); the message says why."""


class TooManyFallbacks(RuntimeError):
    """More than ``model.max_fallback_share`` of a round's decisions fell back."""


class TraderSession:
    """Shared model stack of one run (see the module docstring).

    ``backend`` replaces the configured backend (tests, benchmarks); it is still wrapped
    by validation, retry, the concurrency limit and recording.
    """

    def __init__(self, cfg: DiagonConfig, backend: LanguageModel | None = None) -> None:
        self.cfg = cfg
        self.backend = backend
        self._core: LanguageModel | None = None
        self._decisions = 0
        self._fallbacks = 0
        self._last_reason: str | None = None

    # -- checks -----------------------------------------------------------------------
    def model_id(self, family: str) -> str:
        """The model id of ``family`` on the configured backend (``families.<f>.models``)."""
        backend = self.cfg.model.backend
        models = self.cfg.families[family].models
        if backend in models:
            return models[backend]
        if backend == "scripted" or self.cfg.model.replay or self.backend is not None:
            return f"{backend}/{family}"
        raise TraderSetupError(
            f"no model id for family {family!r} on backend {backend!r}: set "
            f"families.{family}.models.{backend}"
        )

    def check(self) -> None:
        """Fail before the run: model ids of the population, API key, backend options."""
        for family in self.cfg.population.families:
            self.model_id(family)
        if self.cfg.model.replay or self.backend is not None or self.cfg.model.backend == "scripted":
            return
        try:
            check_credentials(self.cfg.model.backend, api_key_env=self.cfg.model.api_key_env)
        except ModelError as exc:
            raise TraderSetupError(f"{exc} (model={self.cfg.model.backend})") from exc

    # -- health -----------------------------------------------------------------------
    def tally(self, fell_back: bool, reason: str | None) -> None:
        """Count one decision of the current round (``fell_back``: no usable answer)."""
        self._decisions += 1
        if fell_back:
            self._fallbacks += 1
            self._last_reason = reason

    def check_round(self, round_: int) -> None:
        """End a round's tally; raise :class:`TooManyFallbacks` (one line, with the last
        failure) when its fallback share exceeds ``model.max_fallback_share``.

        Per round, so a model that is unreachable from the start, or goes away mid-run,
        stops the run at the end of the first such round, before it is checkpointed."""
        decisions, fallbacks, reason = self._decisions, self._fallbacks, self._last_reason
        self._decisions = self._fallbacks = 0
        self._last_reason = None
        limit = self.cfg.model.max_fallback_share
        if limit is None or not decisions or fallbacks / decisions <= limit:
            return
        why = " ".join((reason or "no reason recorded").split())[:400]
        raise TooManyFallbacks(
            f"the model failed: {fallbacks} of {decisions} LLM decisions in round {round_} fell back "
            f"(more than model.max_fallback_share={limit:g}; model={self.cfg.model.backend}"
            f"{' at ' + self.cfg.model.base_url if self.cfg.model.base_url else ''}); last: {why}"
        )

    # -- models -----------------------------------------------------------------------
    def backend_options(self) -> dict[str, Any]:
        m = self.cfg.model
        options: dict[str, Any] = {}
        if m.backend in ("openai", "openrouter", "compatible", "anthropic"):
            options["timeout_s"] = m.timeout_s
            if m.api_key_env is not None:
                options["api_key_env"] = m.api_key_env
            if m.base_url:
                options["base_url"] = m.base_url
        if m.backend == "local":
            options["request_timeout_s"] = m.timeout_s
        options.update(m.options)
        return options

    def _make_backend(self) -> LanguageModel:
        if self.backend is not None:
            return self.backend
        if self.cfg.model.backend == "scripted":
            from diagon.traders.fake_model import fake_policy

            return ScriptedModel(fake_policy, model_id="scripted-policy")
        try:
            return create_model(self.cfg.model.backend, **self.backend_options())
        except (ModelError, ImportError) as exc:
            raise TraderSetupError(str(exc)) from exc

    def core(self) -> LanguageModel:
        """The shared inner stack, built on first use."""
        if self._core is None:
            m = self.cfg.model
            if m.replay:
                self._core = ReplayingModel(m.replay)
            else:
                model: LanguageModel = SchemaValidatingModel(self._make_backend())
                model = ConcurrencyLimitedModel(model, self.cfg.market.concurrency)
                model = RetryingModel(model, max_attempts=m.max_attempts, backoff_base_s=m.backoff_s, seed=self.cfg.seed)
                self._core = RecordingModel(model, m.record) if m.record else model
        return self._core

    def model_for(self, family: str, sink: Callable[[CallRecord], Any]) -> LanguageModel:
        """An agent's model: budget cap and cost accounting at ``family``'s prices."""
        fam = self.cfg.families[family]
        price = Price.of(fam.price_in, fam.price_out)
        return CostAccountingModel(
            BudgetCappedModel(_Lazy(self), price=price, budget_usd=self.cfg.trader.budget_per_call),
            price=price,
            sink=sink,
        )

    async def aclose(self) -> None:
        """Close the backend (HTTP clients, the local server); a later call rebuilds it."""
        core, self._core = self._core, None
        if core is not None:
            await aclose_model(core)


class _Lazy:
    """Defers building the shared stack to the first call (so setup never connects)."""

    def __init__(self, session: TraderSession) -> None:
        self.session = session

    async def generate(self, request: Any) -> Any:
        return await self.session.core().generate(request)
