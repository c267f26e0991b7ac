"""The LLM trader: every decision of a round made by a language model.

Calls per agent-round (at most four decisions, one model call each plus at most
``trader.max_tool_rounds`` market-API tool rounds): browse-and-bid with the belief and
memory rewrite in one call, selection in one call per poster (all its listings), plan
and pay in one call each (batched over the agent's contracts / deliveries); autarky's
accept/decline is one call.

Flow of one decision: the prompt is rendered from the request only
(:mod:`diagon.traders.prompting`); the model answers JSON against the decision's schema
(:mod:`diagon.traders.decisions`), possibly after calling market-API tools
(:mod:`diagon.market.api`); the answer is checked item by item. Every model call is
reported by the cost-accounting wrapper and travels back in ``Usage.records``; the
arena emits them as ``LLMCall`` events, in agent-id order, when it applies the
decision, and charges the tokens as the agent's thinking cost. A call that fails after
all retries, or an answer whose items are rejected, never crashes the round: the
decision's documented fallback is used and the reason is the last call's ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from diagon.config.schema import DiagonConfig
from diagon.market.api import TOOLS, MarketAPI
from diagon.models import (
    CallRecord,
    InvalidOutput,
    Message,
    ModelRequest,
    ReplayMiss,
    ScriptExhausted,
    ToolSpec,
)
from diagon.models.validation import loads_strict
from diagon.traders import decisions as d
from diagon.traders.base import (
    AcceptDecision,
    AcceptRequest,
    BidDecision,
    BidRequest,
    CallInfo,
    ListingView,
    PayDecision,
    PayRequest,
    PlanDecision,
    PlanRequest,
    Rules,
    SelectDecision,
    SelectRequest,
    SelfView,
    Usage,
)
from diagon.traders.prompting import PromptBuilder
from diagon.traders.registry import trader
from diagon.traders.session import TraderSession

_T = TypeVar("_T")
MAX_TOOL_CALLS_PER_ROUND = 12  # tool calls answered per tool round; more are dropped
TOOL_SPECS = tuple(ToolSpec(name=n, description=desc, parameters=params) for n, (desc, params) in TOOLS.items())


def _ids(listings: Any) -> list[int]:
    return [x.listing_id for x in listings]


class _Outcome:
    """A decision's model answer (``value`` None when it failed) and its call records."""

    def __init__(self, value: dict[str, Any] | None, records: list[CallRecord], error: str | None) -> None:
        self.value = value
        self.records = records
        self.error = error

    def read(self, parse: Callable[[dict[str, Any]], _T]) -> _T | None:
        """``parse(value)``, or None (the decision falls back) when there is no answer or the
        answer cannot be read: a value the schema let through that the parser cannot use
        (e.g. an unexpected type in a replayed or unvalidated reply) must not crash a round."""
        if self.value is None:
            return None
        try:
            return parse(self.value)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            self.value, self.error = None, f"unreadable answer: {type(exc).__name__}: {exc}"[:500]
            return None

    def usage(self, decision: str, model: str, notes: list[str]) -> Usage:
        """The decision's usage, its records as ``CallInfo``; ``notes`` go on the last call."""
        infos = [
            CallInfo(decision, model, r.input_tokens, r.output_tokens, r.cost_micro, r.latency_s, r.retries, r.error,
                     r.fault)
            for r in self.records
        ]
        if notes and infos:
            last = infos[-1]
            text = "; ".join(([last.error] if last.error else []) + notes)
            infos[-1] = CallInfo(last.decision, last.model, last.tokens_in, last.tokens_out, last.cost,
                                 last.latency_s, last.retries, text[:2000], last.fault)
        return Usage(sum(i.tokens_in for i in infos), sum(i.tokens_out for i in infos), len(infos), tuple(infos))


class LLMTrader:
    """One agent's trader backed by a language model (see the module docstring)."""

    def __init__(self, *, agent_id: int, family_name: str, config: DiagonConfig, session: TraderSession) -> None:
        self.agent_id = agent_id
        self.cfg = config
        self.model_id = session.model_id(family_name)
        self.session = session
        self._records: list[CallRecord] = []
        self.model = session.model_for(family_name, self._records.append)
        self.prompts = PromptBuilder(config)
        self.tool_rounds = config.trader.max_tool_rounds if config.model.tools else 0
        self.bounded = config.model.backend == "local"
        self.effort_tokens = dict(config.worker.synthetic.effort_tokens)

    # -- the model conversation ---------------------------------------------------------
    async def _ask(self, decision: str, me: SelfView, rules: Rules, user: str, schema: dict[str, Any],
                   listings: list[ListingView], rng: np.random.Generator) -> _Outcome:
        """System + user prompt, up to ``tool_rounds`` tool rounds, then the JSON answer."""
        self._records.clear()  # an agent's decisions never overlap
        api = MarketAPI(me, rules, listings, effort_tokens=self.effort_tokens)
        messages = [Message.system(self.prompts.system(me)), Message.user(user)]
        seed = int(rng.integers(0, 2**31 - 1))
        try:
            for step in range(self.tool_rounds + 1):
                offer = step < self.tool_rounds
                request = ModelRequest(
                    model=self.model_id, messages=tuple(messages), tools=TOOL_SPECS if offer else (),
                    response_schema=schema, max_output_tokens=self.cfg.trader.max_output_tokens,
                    temperature=self.cfg.model.temperature, seed=seed,
                    metadata={"agent_id": self.agent_id, "decision": decision, "round": me.round, "step": step},
                )
                response = await self.model.generate(request)
                if offer and response.tool_calls:
                    calls = response.tool_calls[:MAX_TOOL_CALLS_PER_ROUND]
                    messages.append(Message.assistant(response.text, calls))
                    for call in calls:
                        result = api.call(call.name, call.arguments)
                        messages.append(Message.tool_result(call.id, json.dumps(result, sort_keys=True), call.name))
                    continue
                value = loads_strict(response.text)
                if not isinstance(value, dict):
                    raise InvalidOutput(f"the answer is not a JSON object: {response.text[:200]!r}")
                return _Outcome(value, list(self._records), None)
            raise AssertionError("unreachable: the last step offers no tools")
        except (ReplayMiss, ScriptExhausted):
            raise  # a replay that diverges, or a test script that ran out, must fail loudly
        except Exception as exc:  # noqa: BLE001 - any model failure becomes the fallback
            return _Outcome(None, list(self._records), f"{type(exc).__name__}: {exc}"[:500])

    def _usage(self, decision: str, outcome: _Outcome, fallback: str, rejected: list[str]) -> Usage:
        last_error = outcome.records[-1].error if outcome.records else None
        self.session.tally(outcome.value is None, last_error or outcome.error)
        notes = list(rejected)
        if outcome.value is None:
            notes.append(f"fallback: {fallback}")
            if not outcome.records:  # failed before any call was reported
                outcome.records.append(CallRecord(
                    model=self.model_id, response_model="", input_tokens=0, output_tokens=0, cost_micro=0,
                    latency_s=0.0, retries=0, finish_reason=None, error=None, metadata={},
                ))
            if outcome.records[-1].error is None:  # the call went through; say what failed after it
                notes.insert(0, outcome.error or "no model answer")
        return outcome.usage(decision, self.model_id, notes)

    # -- decisions ----------------------------------------------------------------------
    async def bid(self, request: BidRequest, rng: np.random.Generator) -> BidDecision:
        me = request.me
        board = me.board() if me.board is not None else None
        own = sorted(i for i, p in board.listing_posters.items() if p == me.agent_id) if board else []
        biddable = [x.listing_id for x in request.listings if x.listing_id not in own]
        schema = d.bid_schema(self.cfg.trader, request.rules.max_bids, self.bounded, biddable)
        out = await self._ask("bid", me, request.rules, self.prompts.bid(request, own), schema, request.listings, rng)
        parsed = out.read(lambda v: (d.parse_bids(v, request, set(own), self.cfg.trader),
                                     d.belief_and_memory(v, self.cfg.trader)))
        if parsed is None:
            return BidDecision([], me.belief, dict(me.memory), self._usage("bid", out, "no bids; belief kept", []))
        (bids, rejected), (belief, memory) = parsed
        return BidDecision(bids, belief, memory, self._usage("bid", out, "", rejected))

    async def select(self, request: SelectRequest, rng: np.random.Generator) -> SelectDecision:
        n = len(request.proposals)
        listings = [listing for listing, _ in request.proposals]
        bidders = [p.bidder for _, props in request.proposals for p in props]
        schema = d.select_schema(n, self.bounded, _ids(listings), bidders)
        out = await self._ask("select", request.me, request.rules, self.prompts.select(request), schema, listings, rng)
        parsed = out.read(lambda v: d.parse_selections(v, request))
        if parsed is None:
            return SelectDecision(d.reject_all(request, "no valid model answer"),
                                  self._usage("select", out, "all proposals rejected", []))
        selections, rejected = parsed
        return SelectDecision(selections, self._usage("select", out, "", rejected))

    async def plan(self, request: PlanRequest, rng: np.random.Generator) -> PlanDecision:
        listings = [c.listing for c in request.contracts]
        out = await self._ask("plan", request.me, request.rules, self.prompts.plan(request),
                              d.plan_schema(len(listings), self.bounded, _ids(listings)), listings, rng)
        parsed = out.read(lambda v: d.parse_plans(v, request))
        if parsed is None:
            return PlanDecision([], self._usage("plan", out, "default plan (sonnet, medium)", []))
        plans, rejected = parsed
        return PlanDecision(plans, self._usage("plan", out, "", rejected))

    async def pay(self, request: PayRequest, rng: np.random.Generator) -> PayDecision:
        listings = [x.listing for x in request.deliveries]
        out = await self._ask("pay", request.me, request.rules, self.prompts.pay(request),
                              d.pay_schema(len(listings), self.bounded, _ids(listings)), listings, rng)
        parsed = out.read(lambda v: d.parse_payments(v, request))
        if parsed is None:
            return PayDecision(d.neutral_payments(request), self._usage("pay", out, "neutral payment", []))
        payments, rejected = parsed
        return PayDecision(payments, self._usage("pay", out, "", rejected))

    async def accept(self, request: AcceptRequest, rng: np.random.Generator) -> AcceptDecision:
        me = request.me
        out = await self._ask("accept", me, request.rules, self.prompts.accept(request),
                              d.accept_schema(self.cfg.trader, len(request.listings), self.bounded, _ids(request.listings)),
                              list(request.listings), rng)
        parsed = out.read(lambda v: (d.parse_choices(v, request), d.belief_and_memory(v, self.cfg.trader)))
        if parsed is None:
            return AcceptDecision(d.decline_all(request, "no valid model answer"), me.belief, dict(me.memory),
                                  self._usage("accept", out, "all tasks declined", []))
        (choices, rejected), (belief, memory) = parsed
        return AcceptDecision(choices, belief, memory, self._usage("accept", out, "", rejected))


def _factory(**kwargs: Any) -> LLMTrader:
    """``create_trader`` factory: needs ``config``, ``session``, ``agent_id``, ``family_name``."""
    config: DiagonConfig = kwargs["config"]
    session: TraderSession = kwargs.get("session") or TraderSession(config)
    session.check()
    family_name = kwargs.get("family_name") or config.population.families[0]
    return LLMTrader(agent_id=kwargs.get("agent_id", 0), family_name=family_name, config=config, session=session)


register: Callable[[str], Any] = trader
for _name in ("llm", "openai", "anthropic", "openrouter", "compatible", "local"):
    register(_name)(_factory)
