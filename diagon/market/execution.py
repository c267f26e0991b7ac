"""Phases 4–5 — each contractor plans its contracts; workers execute them."""

from __future__ import annotations

from diagon.config.schema import EFFORTS, TIERS
from diagon.economy.ledger import COMPUTE, Posting, agent_account
from diagon.events import types as ev
from diagon.market.context import RoundContext, fan_out
from diagon.market.state import Contract
from diagon.money import ratio_to_bp
from diagon.traders.base import ContractView, Plan, PlanDecision, PlanRequest
from diagon.workers.base import ExecutionJob, ExecutionOutcome

DEFAULT_PLAN = ("sonnet", "medium")


async def plan_phase(ctx: RoundContext) -> None:
    by_contractor: dict[int, list[int]] = {}
    for listing_id, contract in sorted(ctx.state.contracts.items()):
        if contract.tier is None:
            by_contractor.setdefault(contract.contractor, []).append(listing_id)
    contractors = sorted(by_contractor)

    async def decide(agent_id: int) -> PlanDecision:
        me = ctx.self_view(agent_id)
        views = [
            ContractView(
                listing=ctx.listing_view(ctx.state.contracts[i].listing),
                price=ctx.state.contracts[i].price,
                skill_match=ctx.state.contracts[i].listing.cluster == me.cluster,
            )
            for i in by_contractor[agent_id]
        ]
        return await ctx.trader_for(agent_id).plan(PlanRequest(me, ctx.rules, views), ctx.agent_rng(agent_id))

    decisions = await fan_out(contractors, decide, ctx.concurrency, ctx.progress("plan"))
    for agent_id, decision in zip(contractors, decisions, strict=True):
        ctx.add_usage(agent_id, decision.usage)
        plans = {p.listing_id: p for p in decision.plans}
        for listing_id in by_contractor[agent_id]:
            emit_plan(ctx, listing_id, agent_id, plans.get(listing_id))


def emit_plan(ctx: RoundContext, listing_id: int, agent_id: int, plan: Plan | None) -> None:
    """Record a plan; a missing or invalid one falls back to sonnet/medium, no skills."""
    if plan is None or plan.tier not in TIERS or plan.effort not in EFFORTS:
        tier, effort = DEFAULT_PLAN
        skills: list[str] = []
        strategy = "fallback plan (the trader returned no valid plan)"
    else:
        tier, effort, skills, strategy = plan.tier, plan.effort, list(plan.skills), plan.strategy
    ctx.emit(
        ev.ExecutionPlanned,
        listing_id=listing_id,
        contractor=agent_id,
        tier=tier,
        effort=effort,
        skills=skills,
        strategy=strategy,
    )


async def execute_phase(ctx: RoundContext) -> None:
    contracts = sorted(ctx.state.contracts.items())
    def job_for(listing_id: int, contract: Contract) -> ExecutionJob:
        contractor = ctx.state.agents[contract.contractor]
        skill_match = contract.listing.cluster == contractor.cluster
        return ExecutionJob(
            listing_id=listing_id,
            contractor=contract.contractor,
            task=ctx.catalogue[contract.listing.task_id],
            tier=contract.tier or DEFAULT_PLAN[0],
            effort=contract.effort or DEFAULT_PLAN[1],
            skills=(contractor.cluster,) if skill_match else (),
            skill_match=skill_match,
            strategy="",
            round=ctx.round,
        )

    jobs = [job_for(i, c) for i, c in contracts]

    async def run(job: ExecutionJob) -> ExecutionOutcome:
        return await ctx.worker.execute(job, ctx.rng("execute", job.listing_id))

    outcomes = await fan_out(jobs, run, ctx.concurrency, ctx.progress("execute"))
    for job, out in zip(jobs, outcomes, strict=True):
        q = min(max(out.q, 0.0), 1.0)
        postings = []
        if out.cost > 0:
            postings.append(Posting(agent_account(job.contractor), COMPUTE, out.cost, "execution"))
        ctx.emit(
            ev.ExecutionFinished,
            listing_id=job.listing_id,
            contractor=job.contractor,
            task_id=job.task.id,
            q=q,
            q_bp=ratio_to_bp(q),
            skill_match=job.skill_match,
            tokens_in=out.tokens_in,
            tokens_out=out.tokens_out,
            cost=out.cost,
            duration_s=out.duration_s,
            preview=out.preview,
            synthetic=out.synthetic,
            cache=out.cache,
            detail=out.detail,
            postings=postings,
            infra_error=out.infra_error,
        )
