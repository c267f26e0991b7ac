"""Surge cap and debt at evolution: explicit, configurable, noted in the summary (issue 11, item 5)."""

from __future__ import annotations

import pytest

from diagon.config import ConfigError, compose_config
from diagon.economy.pricing import surged_reward
from diagon.events import read_events
from diagon.events import types as ev
from diagon.rundir.summary import summarise


def _events(run):
    return list(read_events(run.run_dir / "events.jsonl"))


def test_surge_rewards_grow_until_max_level_and_autarky_declines_are_noted(run_market):
    base = {}
    for cap in (None, 2):
        run = run_market("experiment=autarky", *([] if cap is None else [f"surge.max_level={cap}"]))
        events = _events(run)
        posted = {e.listing_id: e.base_reward for e in events if isinstance(e, ev.TaskPosted)}
        surges = [e for e in events if isinstance(e, ev.TaskSurged)]
        assert max(e.surge_level for e in surges) >= 3
        for e in surges:
            level = e.surge_level if cap is None else min(e.surge_level, cap)
            assert e.next_reward == surged_reward(posted[e.listing_id], level, 0.15)
        base[cap] = summarise(run.run_dir).edge_cases
    # declined own tasks executed later at a surged reward (the arbitrage) are noted
    uncapped = [n for n in base[None] if n.startswith("autarky:")]
    capped = [n for n in base[2] if n.startswith("autarky:")]
    assert len(uncapped) == 1 and uncapped[0].endswith("the posted reward (surge.max_level=null)")
    assert len(capped) == 1 and "at up to x1.3 the posted reward (surge.max_level=2)" in capped[0]
    with pytest.raises(ConfigError, match="surge.max_level"):
        compose_config(["surge.max_level=-1"])


def test_a_culled_agents_debt_is_inherited_or_forgiven_as_configured(run_market):
    # autarky seed 0 culls agents with negative balances (their declined-task costs)
    inherit = run_market("experiment=autarky")
    events = _events(inherit)
    culled = {e.agent: e.balance for e in events if isinstance(e, ev.AgentDeactivated)}
    born = [e for e in events if isinstance(e, ev.AgentReproduced)]
    in_debt = [e for e in born if e.balance < 0]
    assert in_debt, "the scenario needs a culled agent in debt"
    assert all(e.balance == culled[e.inherited_from] for e in born)  # Eq. 9, debt included
    notes = [n for n in summarise(inherit.run_dir).edge_cases if n.startswith("evolution:")]
    fell = sum(1 for e in in_debt if e.child.agent_id in culled)
    assert notes == [
        f"evolution: {len(in_debt)} children started in debt (a culled agent's negative balance,"
        f" evolution.child_debt=inherit); {fell} of them were culled later"
    ]

    forgive = run_market("experiment=autarky", "evolution.child_debt=forgive")
    events = _events(forgive)
    culled = {e.agent: e.balance for e in events if isinstance(e, ev.AgentDeactivated)}
    born = [e for e in events if isinstance(e, ev.AgentReproduced)]
    debts = [a for a, b in culled.items() if b < 0]
    assert debts and all(e.balance == max(culled[e.inherited_from], 0) for e in born)
    for e in born:  # a forgiven child starts at 0: no posting moves the debt
        assert (e.postings == []) == (culled[e.inherited_from] <= 0)
    assert all(forgive.state.balance(a) == culled[a] for a in debts)  # the debt stays with them
    assert forgive.state.ledger.total() == 0
    notes = [n for n in summarise(forgive.run_dir).edge_cases if n.startswith("evolution:")]
    assert notes == [
        f"evolution: {len(debts)} culled agents' debts stayed with them and their children started"
        " at 0 (evolution.child_debt=forgive)"
    ]
    with pytest.raises(ConfigError, match="evolution.child_debt"):
        compose_config(["evolution.child_debt=pay"])


def test_a_market_run_without_edge_cases_has_no_notes(run_market):
    run = run_market("population=small", "rounds=3")
    assert summarise(run.run_dir).edge_cases == []
