"""Phase 8 — evolutionary selection every E rounds (see :mod:`diagon.economy.evolution`)."""

from __future__ import annotations

from diagon.economy.evolution import select_replacements
from diagon.economy.ledger import Posting, agent_account
from diagon.events import types as ev
from diagon.market.context import RoundContext


def is_selection_round(ctx: RoundContext) -> bool:
    evo = ctx.cfg.evolution
    return evo.enabled and evo.replace > 0 and ctx.round % evo.period == 0


async def evolve_phase(ctx: RoundContext) -> None:
    if not is_selection_round(ctx):
        return
    state = ctx.state
    balances = {a: state.balance(a) for a in state.active_ids()}
    ranking = sorted(balances, key=lambda a: (balances[a], a))
    for culled, parent in select_replacements(balances, ctx.cfg.evolution.replace):
        balance = state.balance(culled)
        withdrawn = sorted(i for i, x in state.surge_pool.items() if x.poster == culled)
        ctx.emit(
            ev.AgentDeactivated,
            agent=culled,
            balance=balance,
            rank=ranking.index(culled) + 1,
            withdrawn_listings=withdrawn,
        )
        p = state.agents[parent]
        child = ev.AgentInfo(state.next_agent_id, p.family, p.cluster, p.disposition, parent)
        if balance < 0 and ctx.cfg.evolution.child_debt == "forgive":
            balance = 0  # the debt stays on the deactivated agent's account
        if balance >= 0:
            transfer = Posting(agent_account(culled), agent_account(child.agent_id), balance, "inheritance")
        else:  # evolution.child_debt=inherit: a debt is inherited too, so wealth stays conserved
            transfer = Posting(agent_account(child.agent_id), agent_account(culled), -balance, "inheritance")
        ctx.emit(
            ev.AgentReproduced,
            parent=parent,
            child=child,
            inherited_from=culled,
            balance=balance,  # what the child starts with
            postings=[transfer] if balance else [],
        )
