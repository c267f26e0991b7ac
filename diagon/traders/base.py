"""What a trader sees and what it decides (DESIGN §2–3).

A trader never touches market state: the arena builds a *view* holding only what the
agent may know (its own private state, public listings and reputations, proposals for
its own tasks, outputs of its own contracts) and receives a *decision* back. One method
per decision; every decision reports the tokens it used so thinking costs can be
charged. Prices are integer micro-dollars, ratios floats in [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from diagon.economy.reputation import ReputationSummary

if TYPE_CHECKING:
    from diagon.market.board import PublicBoard


@dataclass(frozen=True)
class Rules:
    """Public market rules and price menus."""

    task_multiplier: float
    value_premium: float
    platform_fee: float
    payment_floor: float
    dispute_threshold: float
    transparency: bool
    max_bids: int
    family_prices: dict[str, tuple[float, float]]
    tier_prices: dict[str, tuple[float, float]]
    tier_quality_shift: dict[str, float]


@dataclass(frozen=True)
class SelfView:
    """An agent's private state."""

    agent_id: int
    family: str
    cluster: str
    disposition: str
    round: int
    rounds_total: int
    balance: int
    last_thinking_cost: int
    last_execution_cost: int
    last_contracts_won: int
    reputation: ReputationSummary
    belief: str
    memory: dict[str, Any]
    # the public market board of this phase (leaderboard, aggregates, own trades), built
    # on demand for the market API; scripted traders never call it
    board: Callable[[], PublicBoard] | None = None


@dataclass(frozen=True)
class ListingView:
    listing_id: int
    task_id: str
    title: str
    cluster: str
    difficulty: float
    reference_cost: int
    pass_rate: float
    reward: int
    surge_level: int
    poster: int
    poster_reputation: ReputationSummary
    poster_family: str | None  # only under market.transparency


@dataclass(frozen=True)
class ProposalView:
    bidder: int
    price: int
    proposal: str
    bidder_reputation: ReputationSummary
    bidder_family: str | None  # only under market.transparency


@dataclass(frozen=True)
class ContractView:
    """A won contract, as its contractor sees it when planning."""

    listing: ListingView
    price: int
    skill_match: bool


@dataclass(frozen=True)
class DeliveryView:
    """A finished contract, as its poster sees it when paying (never the true q)."""

    listing: ListingView
    contractor: int
    price: int
    preview: str
    observed_quality: float  # the poster's noisy reading of the output
    contractor_reputation: ReputationSummary
    contractor_family: str | None


@dataclass(frozen=True)
class CallInfo:
    """One language-model call behind a decision; the arena emits it as an ``LLMCall``."""

    decision: str
    model: str
    tokens_in: int
    tokens_out: int
    cost: int  # micro-dollars at the agent family's prices
    latency_s: float
    retries: int
    error: str | None  # failure, rejected parts of the answer, or the fallback used
    fault: str | None = None  # the reported usage was corrected (diagon.models.usage)


@dataclass(frozen=True)
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    records: tuple[CallInfo, ...] = ()  # LLM traders only; emitted in agent-id order

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.tokens_in + other.tokens_in,
            self.tokens_out + other.tokens_out,
            self.calls + other.calls,
            self.records + other.records,
        )


@dataclass(frozen=True)
class Bid:
    listing_id: int
    price: int
    proposal: str


@dataclass(frozen=True)
class BidDecision:
    bids: list[Bid]
    belief: str
    memory: dict[str, Any]
    usage: Usage


@dataclass(frozen=True)
class Selection:
    listing_id: int
    winner: int | None  # None rejects every proposal
    reason: str


@dataclass(frozen=True)
class SelectDecision:
    selections: list[Selection]
    usage: Usage


@dataclass(frozen=True)
class Plan:
    listing_id: int
    tier: str
    effort: str
    skills: list[str]
    strategy: str


@dataclass(frozen=True)
class PlanDecision:
    plans: list[Plan]
    usage: Usage


@dataclass(frozen=True)
class Payment:
    listing_id: int
    rho: float
    reason: str


@dataclass(frozen=True)
class PayDecision:
    payments: list[Payment]
    usage: Usage


@dataclass(frozen=True)
class AutarkyChoice:
    listing_id: int
    accept: bool
    tier: str
    effort: str
    reason: str


@dataclass(frozen=True)
class AcceptDecision:
    choices: list[AutarkyChoice]
    belief: str
    memory: dict[str, Any]
    usage: Usage


@dataclass(frozen=True)
class BidRequest:
    me: SelfView
    rules: Rules
    listings: list[ListingView]


@dataclass(frozen=True)
class SelectRequest:
    me: SelfView
    rules: Rules
    # per own listing: the listing and its sealed proposals
    proposals: list[tuple[ListingView, list[ProposalView]]]


@dataclass(frozen=True)
class PlanRequest:
    me: SelfView
    rules: Rules
    contracts: list[ContractView]


@dataclass(frozen=True)
class PayRequest:
    me: SelfView
    rules: Rules
    deliveries: list[DeliveryView]


@dataclass(frozen=True)
class AcceptRequest:
    me: SelfView
    rules: Rules
    listings: list[ListingView]


class Trader(Protocol):
    """One agent's decision maker. ``rng`` is the agent's stream for this round."""

    async def bid(self, request: BidRequest, rng: np.random.Generator) -> BidDecision: ...

    async def select(self, request: SelectRequest, rng: np.random.Generator) -> SelectDecision: ...

    async def plan(self, request: PlanRequest, rng: np.random.Generator) -> PlanDecision: ...

    async def pay(self, request: PayRequest, rng: np.random.Generator) -> PayDecision: ...

    async def accept(self, request: AcceptRequest, rng: np.random.Generator) -> AcceptDecision: ...
