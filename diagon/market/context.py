"""What every phase of a round works with: config, state, traders, emission, views."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from diagon.config.schema import DiagonConfig
from diagon.economy.reputation import ReputationSummary
from diagon.events import types as ev
from diagon.events.log import EventWriter
from diagon.market.board import PublicBoard, build_board
from diagon.market.state import Costs, Listing, MarketState
from diagon.money import ratio_to_bp
from diagon.rng import rng_for
from diagon.tasks.catalogue import Catalogue
from diagon.traders.base import ListingView, Rules, SelfView, Trader, Usage
from diagon.workers.base import Worker

T = TypeVar("T")
R = TypeVar("R")


ProgressCallback = Callable[[str, int, int], None]  # (phase, decisions done, decisions in phase)


async def fan_out(
    items: Sequence[T],
    fn: Callable[[T], Awaitable[R]],
    limit: int,
    on_done: Callable[[int, int], None] | None = None,
) -> list[R]:
    """Run ``fn`` over ``items`` with at most ``limit`` in flight; results in item order.

    With ``limit == 1`` the calls run one after another without creating tasks.
    ``on_done(done, total)`` is told after each call finishes (progress display only:
    it never sees results, so it cannot change the run).
    """
    total, done = len(items), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if on_done is not None:
            on_done(done, total)

    if limit <= 1 or len(items) <= 1:
        results = []
        for item in items:
            results.append(await fn(item))
            tick()
        return results
    semaphore = asyncio.Semaphore(limit)

    async def bounded(item: T) -> R:
        async with semaphore:
            result = await fn(item)
        tick()
        return result

    return list(await asyncio.gather(*(bounded(item) for item in items)))


@dataclass
class RoundContext:
    """Shared by the phases of one round; phases talk to each other only through it."""

    cfg: DiagonConfig
    run_id: str
    round: int
    state: MarketState
    catalogue: Catalogue
    writer: EventWriter
    trader_for: Callable[[int], Trader]
    worker: Worker
    rules: Rules
    bids: dict[int, list[ev.BidSubmitted]] = field(default_factory=dict)
    usage: dict[int, Usage] = field(default_factory=dict)
    event_counts: dict[str, int] = field(default_factory=dict)
    _listing_views: dict[int, ListingView] = field(default_factory=dict)
    _agent_rngs: dict[int, np.random.Generator] = field(default_factory=dict)
    _board: PublicBoard | None = None
    on_progress: ProgressCallback | None = None  # e.g. the CLI's progress bar

    def progress(self, phase: str) -> Callable[[int, int], None] | None:
        """``fan_out``'s ``on_done`` for ``phase`` (None without a progress display)."""
        report = self.on_progress
        if report is None:
            return None
        return lambda done, total: report(phase, done, total)

    # -- events -----------------------------------------------------------------------
    def emit(self, cls: type[ev.Event], **fields: Any) -> ev.Event:
        """Create the next event, log it and fold it into the state."""
        event = cls(run_id=self.run_id, round=self.round, seq=self.state.next_seq, **fields)
        self.writer.append(event)
        self.state.apply(event)
        self.event_counts[cls.__name__] = self.event_counts.get(cls.__name__, 0) + 1
        return event

    # -- randomness -------------------------------------------------------------------
    def agent_rng(self, agent_id: int) -> np.random.Generator:
        """The agent's own stream for this round (its decisions draw from nothing else)."""
        rng = self._agent_rngs.get(agent_id)
        if rng is None:
            rng = self._agent_rngs[agent_id] = rng_for(self.cfg.seed, "agent", self.round, agent_id)
        return rng

    def rng(self, stream: str, *keys: int) -> np.random.Generator:
        return rng_for(self.cfg.seed, stream, self.round, *keys)

    # -- bookkeeping ------------------------------------------------------------------
    def add_usage(self, agent_id: int, usage: Usage) -> None:
        """Tally a decision's tokens and emit one ``LLMCall`` per model call behind it.

        Phases call this while applying decisions in agent-id order, so the calls of
        concurrent decisions are logged deterministically.
        """
        for call in usage.records:
            self.emit(
                ev.LLMCall,
                agent=agent_id,
                decision=call.decision,
                model=call.model,
                tokens_in=call.tokens_in,
                tokens_out=call.tokens_out,
                cost=call.cost,
                latency_s=call.latency_s,
                retries=call.retries,
                error=call.error,
                fault=call.fault,
            )
        if usage.records:
            usage = Usage(usage.tokens_in, usage.tokens_out, usage.calls)
        self.usage[agent_id] = self.usage.get(agent_id, Usage()) + usage

    @property
    def concurrency(self) -> int:
        return self.cfg.market.concurrency

    @property
    def floor_bp(self) -> int:
        return ratio_to_bp(self.cfg.economy.payment_floor)

    def eligible_to_win(self, agent_id: int) -> bool:
        """The bankruptcy rule: balance <= 0 cannot win new contracts (configurable)."""
        return self.cfg.economy.bankrupt_can_win or self.state.balance(agent_id) > 0

    # -- views ------------------------------------------------------------------------
    def reputation(self, agent_id: int) -> ReputationSummary:
        return self.state.reputation.summary(agent_id)

    def family_if_transparent(self, agent_id: int) -> str | None:
        return self.state.agents[agent_id].family if self.cfg.market.transparency else None

    def self_view(self, agent_id: int) -> SelfView:
        agent = self.state.agents[agent_id]
        memory = self.state.memories.get(agent_id)
        last = self.state.last_costs.get(agent_id, Costs())
        return SelfView(
            agent_id=agent_id,
            family=agent.family,
            cluster=agent.cluster,
            disposition=agent.disposition,
            round=self.round,
            rounds_total=self.cfg.rounds,
            balance=self.state.balance(agent_id),
            last_thinking_cost=last.thinking,
            last_execution_cost=last.execution,
            last_contracts_won=last.won,
            reputation=self.reputation(agent_id),
            belief=memory.belief if memory else "",
            memory=dict(memory.notes) if memory else {},
            board=self.public_board,
        )

    def public_board(self) -> PublicBoard:
        """The public market board as of now (cached until the next event is emitted)."""
        if self._board is None or self._board.seq != self.state.next_seq:
            self._board = build_board(self.state, self.cfg, self.round)
        return self._board

    def listing_view(self, listing: Listing) -> ListingView:
        """The public view of a listing (cached while it does not change within a phase)."""
        cached = self._listing_views.get(listing.listing_id)
        if (
            cached is not None
            and cached.reward == listing.reward
            and cached.poster_reputation is self.reputation(listing.poster)
        ):
            return cached
        view = self._listing_views[listing.listing_id] = self._build_listing_view(listing)
        return view

    def _build_listing_view(self, listing: Listing) -> ListingView:
        return ListingView(
            listing_id=listing.listing_id,
            task_id=listing.task_id,
            title=self.catalogue[listing.task_id].title,
            cluster=listing.cluster,
            difficulty=listing.difficulty,
            reference_cost=listing.reference_cost,
            pass_rate=listing.pass_rate,
            reward=listing.reward,
            surge_level=listing.surge_level,
            poster=listing.poster,
            poster_reputation=self.reputation(listing.poster),
            poster_family=self.family_if_transparent(listing.poster),
        )


def in_id_order(items: Iterable[int]) -> list[int]:
    return sorted(set(items))
