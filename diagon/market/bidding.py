"""Phases 2–3 — browse & bid (sealed), then each poster selects a winner or rejects all."""

from __future__ import annotations

import numpy as np

from diagon.events import types as ev
from diagon.market.context import RoundContext, fan_out
from diagon.market.state import Listing
from diagon.market.surge import surge
from diagon.traders.base import BidDecision, BidRequest, ProposalView, SelectDecision, SelectRequest


def browse_window(ctx: RoundContext, agent_id: int, surged: list[Listing], fresh: list[Listing]) -> list[Listing]:
    """The listings an agent sees this round: surge listings first (drain-first, paper
    A.5), then fresh ones, each class in an order of its own for this bidder and round.

    With at most ``market.browse_window`` foreign listings the agent sees all of them.
    Otherwise it sees a uniform sample: up to half the window from the surge pool, the
    rest from the fresh listings (more surge listings if fresh ones run short). Every
    listing thus reaches about N·W/L bidders, and the cost of bidding grows with N,
    not N². Neither the sample nor the order depends on poster or listing ids: both
    come from a permutation drawn from the ``window`` stream of (seed, round, bidder),
    so no poster is favoured (an LLM reads the first listings more closely) and the
    trader's own stream is left untouched.
    """
    window = ctx.cfg.market.browse_window
    rng = ctx.rng("window", agent_id)
    surge_order = _foreign_in_order(rng, surged, agent_id, window)
    fresh_order = _foreign_in_order(rng, fresh, agent_id, window)
    if len(surge_order) + len(fresh_order) <= window:
        return surge_order + fresh_order
    n_surge = min(len(surge_order), max(window // 2, window - len(fresh_order)))
    return surge_order[:n_surge] + fresh_order[: window - n_surge]


def _foreign_in_order(rng: np.random.Generator, pool: list[Listing], agent_id: int, limit: int) -> list[Listing]:
    """Up to ``limit`` listings of ``pool`` not posted by ``agent_id``, in a seeded order.

    ``pool`` comes sorted by listing id, so the permutation is a function of the seed,
    round, bidder and the set of open listings only. The walk stops at ``limit`` so a
    large market costs O(window) Python work per bidder.
    """
    picked: list[Listing] = []
    for i in rng.permutation(len(pool)):
        listing = pool[int(i)]
        if listing.poster != agent_id:
            picked.append(listing)
            if len(picked) == limit:
                break
    return picked


async def bid_phase(ctx: RoundContext) -> None:
    ordered = sorted(ctx.state.open_listings.values(), key=lambda x: x.listing_id)
    surged = [x for x in ordered if x.surge_level > 0]
    fresh = [x for x in ordered if x.surge_level == 0]
    bidders = [a for a in ctx.state.active_ids() if ctx.eligible_to_win(a)]
    max_bids = ctx.cfg.market.max_bids_per_agent

    async def decide(agent_id: int) -> tuple[list, BidDecision]:
        visible = browse_window(ctx, agent_id, surged, fresh)
        request = BidRequest(ctx.self_view(agent_id), ctx.rules, [ctx.listing_view(x) for x in visible])
        return visible, await ctx.trader_for(agent_id).bid(request, ctx.agent_rng(agent_id))

    results = await fan_out(bidders, decide, ctx.concurrency, ctx.progress("bid"))
    for agent_id, (visible, decision) in zip(bidders, results, strict=True):
        ctx.add_usage(agent_id, decision.usage)
        allowed = {x.listing_id: x for x in visible}
        seen: set[int] = set()
        for bid in decision.bids[:max_bids]:
            listing = allowed.get(bid.listing_id)
            # invalid bids are dropped: unseen or own listing, duplicate, non-positive price
            if listing is None or bid.listing_id in seen or bid.price <= 0:
                continue
            seen.add(bid.listing_id)
            event = ctx.emit(
                ev.BidSubmitted,
                listing_id=bid.listing_id,
                bidder=agent_id,
                price=int(bid.price),
                proposal=bid.proposal,
            )
            ctx.bids.setdefault(bid.listing_id, []).append(event)
        ctx.emit(ev.BeliefUpdated, agent=agent_id, belief=decision.belief, memory=decision.memory)


async def select_phase(ctx: RoundContext) -> None:
    open_ids = sorted(ctx.state.open_listings)
    by_poster: dict[int, list[int]] = {}
    for listing_id in open_ids:
        if ctx.bids.get(listing_id):
            by_poster.setdefault(ctx.state.open_listings[listing_id].poster, []).append(listing_id)
    posters = sorted(by_poster)

    async def decide(poster: int) -> SelectDecision:
        proposals = []
        for listing_id in by_poster[poster]:
            listing = ctx.listing_view(ctx.state.open_listings[listing_id])
            views = [
                ProposalView(
                    bidder=b.bidder,
                    price=b.price,
                    proposal=b.proposal,
                    bidder_reputation=ctx.reputation(b.bidder),
                    bidder_family=ctx.family_if_transparent(b.bidder),
                )
                for b in ctx.bids[listing_id]
            ]
            proposals.append((listing, views))
        request = SelectRequest(ctx.self_view(poster), ctx.rules, proposals)
        return await ctx.trader_for(poster).select(request, ctx.agent_rng(poster))

    results = await fan_out(posters, decide, ctx.concurrency, ctx.progress("select"))
    decisions = dict(zip(posters, results, strict=True))
    for poster, decision in decisions.items():
        ctx.add_usage(poster, decision.usage)
    choices = {s.listing_id: s for d in decisions.values() for s in d.selections}
    for listing_id in open_ids:
        bids = ctx.bids.get(listing_id, [])
        if not bids:
            surge(ctx, listing_id, "no_bids")
            continue
        poster = ctx.state.open_listings[listing_id].poster
        choice = choices.get(listing_id)
        winner = next((b for b in bids if choice and b.bidder == choice.winner), None)
        if winner is None:
            reason = choice.reason if choice else "no selection was returned"
            if choice is not None and choice.winner is not None:
                reason = f"invalid selection (agent {choice.winner} did not bid)"
            ctx.emit(ev.ProposalsRejected, listing_id=listing_id, poster=poster, proposals=len(bids), reason=reason)
            surge(ctx, listing_id, "rejected")
            continue
        ctx.emit(
            ev.ContractAwarded,
            listing_id=listing_id,
            poster=poster,
            contractor=winner.bidder,
            price=winner.price,
            proposals=len(bids),
            reason=choice.reason if choice else "",
        )
