"""Phases 6–7 — posters pay at their discretion; contracts settle on the ledger.

Money (DESIGN §1): the poster receives ``q·R`` from the client and pays ``ρ·b``; the
contractor receives ``ρ·b·(1−f)``; the platform keeps ``f·ρ·b``. Ratios are in basis
points and every amount is rounded half-even to the micro-dollar.
"""

from __future__ import annotations

from diagon.economy.ledger import CLIENT, COMPUTE, PLATFORM, Posting, agent_account
from diagon.economy.pricing import thinking_cost
from diagon.events import types as ev
from diagon.market.context import RoundContext, fan_out
from diagon.money import BP_SCALE, apply_bp, ratio_to_bp, scale
from diagon.traders.base import DeliveryView, PayDecision, PayRequest
from diagon.workers.observation import observe_quality


def fallback_rho_bp(floor_bp: int) -> int:
    """The neutral payment used when a trader returns no valid decision: mid-way floor–1."""
    return (floor_bp + BP_SCALE) // 2


async def pay_phase(ctx: RoundContext) -> None:
    by_poster: dict[int, list[int]] = {}
    for listing_id, contract in sorted(ctx.state.contracts.items()):
        by_poster.setdefault(contract.listing.poster, []).append(listing_id)
    posters = sorted(by_poster)

    async def decide(poster: int) -> PayDecision:
        deliveries = []
        # the poster's reading of each output comes from its own round stream, drawn
        # before its trader decides, in listing order
        rng = ctx.agent_rng(poster)
        for listing_id in by_poster[poster]:
            c = ctx.state.contracts[listing_id]
            observed = observe_quality((c.q_bp or 0) / BP_SCALE, rng)
            deliveries.append(
                DeliveryView(
                    listing=ctx.listing_view(c.listing),
                    contractor=c.contractor,
                    price=c.price,
                    preview=c.preview,
                    observed_quality=observed,
                    contractor_reputation=ctx.reputation(c.contractor),
                    contractor_family=ctx.family_if_transparent(c.contractor),
                )
            )
        request = PayRequest(ctx.self_view(poster), ctx.rules, deliveries)
        return await ctx.trader_for(poster).pay(request, ctx.agent_rng(poster))

    decisions = await fan_out(posters, decide, ctx.concurrency, ctx.progress("pay"))
    floor_bp = ctx.floor_bp
    for poster, decision in zip(posters, decisions, strict=True):
        ctx.add_usage(poster, decision.usage)
        payments = {p.listing_id: p for p in decision.payments}
        for listing_id in by_poster[poster]:
            payment = payments.get(listing_id)
            if payment is None:
                requested, reason = fallback_rho_bp(floor_bp), "fallback: no payment decision returned"
            else:
                requested, reason = ratio_to_bp(payment.rho), payment.reason
            ctx.emit(
                ev.PaymentDecided,
                listing_id=listing_id,
                poster=poster,
                contractor=ctx.state.contracts[listing_id].contractor,
                rho_bp=min(max(requested, floor_bp), BP_SCALE),
                reason=reason,
                requested_rho_bp=requested,
            )


def settle_phase_sync(ctx: RoundContext) -> None:
    fee_rate = ctx.cfg.economy.platform_fee
    threshold_bp = ratio_to_bp(ctx.cfg.economy.dispute_threshold)
    for listing_id, c in sorted(ctx.state.contracts.items()):
        poster, contractor = c.listing.poster, c.contractor
        q_bp = c.q_bp or 0
        revenue = apply_bp(c.listing.reward, q_bp)
        postings = []
        if revenue:
            postings.append(Posting(CLIENT, agent_account(poster), revenue, "revenue"))
        if c.rho_bp is None:  # autarky: no payment, no ratio, no reputation
            payment = fee = 0
        else:
            payment = apply_bp(c.price, c.rho_bp)
            fee = scale(payment, fee_rate)
            if payment - fee:
                postings.append(Posting(agent_account(poster), agent_account(contractor), payment - fee, "payment"))
            if fee:
                postings.append(Posting(agent_account(poster), PLATFORM, fee, "fee"))
        ctx.emit(
            ev.Settled,
            listing_id=listing_id,
            poster=poster,
            contractor=contractor,
            task_id=c.listing.task_id,
            q_bp=q_bp,
            rho_bp=c.rho_bp,
            price=c.price,
            payment=payment,
            fee=fee,
            revenue=revenue,
            dispute=c.rho_bp is not None and c.rho_bp < threshold_bp,
            postings=postings,
        )


async def settle_phase(ctx: RoundContext) -> None:
    settle_phase_sync(ctx)
    charge_thinking(ctx)


def charge_thinking(ctx: RoundContext) -> None:
    """Every agent pays for the tokens its trader used this round, at its family's prices."""
    for agent_id in sorted(ctx.usage):
        usage = ctx.usage[agent_id]
        if usage.calls == 0 and usage.tokens_in == 0 and usage.tokens_out == 0:
            continue
        family = ctx.cfg.families[ctx.state.agents[agent_id].family]
        cost = thinking_cost(usage.tokens_in, usage.tokens_out, family)
        postings = [Posting(agent_account(agent_id), COMPUTE, cost, "thinking")] if cost else []
        ctx.emit(
            ev.ThinkingCharged,
            agent=agent_id,
            tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out,
            cost=cost,
            calls=usage.calls,
            postings=postings,
        )
