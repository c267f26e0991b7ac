"""The no-market baseline (paper C.3): accept or decline one's own tasks.

Each agent sees only its own listings (fresh and surged), accepts or declines each;
declined ones surge, accepted ones are executed by the agent itself with the tier
and effort it chose, and it earns ``q·R``. No bids, no payment ratio, no reputation.
"""

from __future__ import annotations

from diagon.events import types as ev
from diagon.market.context import RoundContext, fan_out
from diagon.market.execution import emit_plan
from diagon.market.surge import surge
from diagon.traders.base import AcceptDecision, AcceptRequest, Plan


async def accept_phase(ctx: RoundContext) -> None:
    own: dict[int, list[int]] = {}
    for listing_id, listing in sorted(ctx.state.open_listings.items()):
        own.setdefault(listing.poster, []).append(listing_id)
    agents = [a for a in ctx.state.active_ids() if a in own]

    async def decide(agent_id: int) -> AcceptDecision:
        listings = [ctx.listing_view(ctx.state.open_listings[i]) for i in own[agent_id]]
        request = AcceptRequest(ctx.self_view(agent_id), ctx.rules, listings)
        return await ctx.trader_for(agent_id).accept(request, ctx.agent_rng(agent_id))

    decisions = await fan_out(agents, decide, ctx.concurrency, ctx.progress("accept"))
    for agent_id, decision in zip(agents, decisions, strict=True):
        ctx.add_usage(agent_id, decision.usage)
        choices = {c.listing_id: c for c in decision.choices}
        me = ctx.state.agents[agent_id]
        for listing_id in own[agent_id]:
            choice = choices.get(listing_id)
            accept = choice is not None and choice.accept
            reason = choice.reason if choice else "fallback: no decision returned (declined)"
            ctx.emit(ev.AutarkyDecided, listing_id=listing_id, agent=agent_id, accept=accept, reason=reason)
            if not accept:
                surge(ctx, listing_id, "declined")
                continue
            cluster = ctx.state.contracts[listing_id].listing.cluster
            skills = [me.cluster] if cluster == me.cluster else []
            emit_plan(ctx, listing_id, agent_id, Plan(listing_id, choice.tier, choice.effort, skills, "self-execution"))
        ctx.emit(ev.BeliefUpdated, agent=agent_id, belief=decision.belief, memory=decision.memory)
