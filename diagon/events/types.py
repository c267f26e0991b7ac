"""Typed, immutable market events (DESIGN §6).

Each event is a frozen ``msgspec.Struct`` tagged by its class name in the ``type``
field and carries ``run_id``, ``round`` and ``seq``. Events that move money carry
their ledger ``postings``; state (balances, reputation, active agents, surge pool,
trader memory) is rebuilt from the events alone by :mod:`diagon.market.state`.
Fields named in :data:`TIME_FIELDS` hold wall-clock facts and are the only fields
allowed to differ between two runs of the same config and seed.
"""

from __future__ import annotations

from typing import Any

import msgspec

from diagon.economy.ledger import Posting

SCHEMA_VERSION = 1
TIME_FIELDS = frozenset({"ts", "latency_s", "wall_s"})


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag=True):
    run_id: str
    round: int
    seq: int


class AgentInfo(msgspec.Struct, frozen=True):
    agent_id: int
    family: str
    cluster: str
    disposition: str
    parent: int | None = None


class RunStarted(Event, frozen=True, kw_only=True):
    ts: float
    schema_version: int
    seed: int
    mode: str
    experiment: str
    traders: str
    worker: str
    synthetic_execution: bool
    scripted_traders: bool
    agents: list[AgentInfo]
    postings: list[Posting]


class RoundStarted(Event, frozen=True, kw_only=True):
    ts: float
    active_agents: int


class TaskPosted(Event, frozen=True, kw_only=True):
    listing_id: int
    task_id: str
    poster: int
    cluster: str
    difficulty: float
    reference_cost: int
    pass_rate: float
    base_reward: int  # R_k
    reward: int  # R_k(n), what the listing pays now
    surge_level: int  # n: consecutive failures to match so far
    first_round: int


class BidSubmitted(Event, frozen=True, kw_only=True):
    listing_id: int
    bidder: int
    price: int
    proposal: str


class ProposalsRejected(Event, frozen=True, kw_only=True):
    listing_id: int
    poster: int
    proposals: int
    reason: str


class TaskSurged(Event, frozen=True, kw_only=True):
    listing_id: int
    poster: int
    cause: str  # no_bids | rejected | declined
    surge_level: int  # failures after this one
    next_reward: int
    withdrawn: bool  # surge.max_failures reached: the listing leaves the market


class ContractAwarded(Event, frozen=True, kw_only=True):
    listing_id: int
    poster: int
    contractor: int
    price: int
    proposals: int
    reason: str


class AutarkyDecided(Event, frozen=True, kw_only=True):
    listing_id: int
    agent: int
    accept: bool
    reason: str


class ExecutionPlanned(Event, frozen=True, kw_only=True):
    listing_id: int
    contractor: int
    tier: str
    effort: str
    skills: list[str]
    strategy: str


class ExecutionFinished(Event, frozen=True, kw_only=True):
    listing_id: int
    contractor: int
    task_id: str
    q: float
    q_bp: int
    skill_match: bool
    tokens_in: int
    tokens_out: int
    cost: int  # m · c_exec, charged to the contractor
    duration_s: float  # simulated for the synthetic worker
    preview: str
    synthetic: bool
    cache: str | None  # hit | miss (fast) | write (full, stored) | None (no cache in use)
    detail: str
    postings: list[Posting]
    # the verification itself failed (malformed or missing report, checker crash): q = 0 is
    # then no measurement of the work; such outcomes are never stored in the cache
    infra_error: bool = False


class PaymentDecided(Event, frozen=True, kw_only=True):
    listing_id: int
    poster: int
    contractor: int
    rho_bp: int
    reason: str
    requested_rho_bp: int  # what the trader asked for, before clamping to [floor, 1]


class Settled(Event, frozen=True, kw_only=True):
    listing_id: int
    poster: int
    contractor: int
    task_id: str
    q_bp: int
    rho_bp: int | None  # None in autarky (no payment ratio)
    price: int
    payment: int  # rho · b, paid by the poster
    fee: int  # f · rho · b, kept by the platform
    revenue: int  # q · R, paid by the client to the poster
    dispute: bool
    postings: list[Posting]


class BeliefUpdated(Event, frozen=True, kw_only=True):
    agent: int
    belief: str
    memory: dict[str, Any]


class ThinkingCharged(Event, frozen=True, kw_only=True):
    agent: int
    tokens_in: int
    tokens_out: int
    cost: int
    calls: int
    postings: list[Posting]


class LLMCall(Event, frozen=True, kw_only=True):
    agent: int
    decision: str
    model: str
    tokens_in: int
    tokens_out: int
    cost: int
    latency_s: float
    retries: int
    error: str | None
    # the server's reported usage was corrected before it was charged (diagon.models.usage)
    fault: str | None = None


class AgentDeactivated(Event, frozen=True, kw_only=True):
    agent: int
    balance: int
    rank: int
    withdrawn_listings: list[int]


class AgentReproduced(Event, frozen=True, kw_only=True):
    parent: int
    child: AgentInfo
    inherited_from: int
    balance: int
    postings: list[Posting]


class RoundEnded(Event, frozen=True, kw_only=True):
    ts: float
    contracts: int
    surged: int


class RunEnded(Event, frozen=True, kw_only=True):
    ts: float
    status: str
    rounds: int


AnyEvent = (
    RunStarted
    | RoundStarted
    | TaskPosted
    | BidSubmitted
    | ProposalsRejected
    | TaskSurged
    | ContractAwarded
    | AutarkyDecided
    | ExecutionPlanned
    | ExecutionFinished
    | PaymentDecided
    | Settled
    | BeliefUpdated
    | ThinkingCharged
    | LLMCall
    | AgentDeactivated
    | AgentReproduced
    | RoundEnded
    | RunEnded
)
EVENT_TYPES: tuple[type[Event], ...] = AnyEvent.__args__  # type: ignore[attr-defined]
