"""End-to-end behaviour of the sealed-bid market and the autarky baseline."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import msgspec
import pandas as pd
import pytest

from diagon.config import compose_config
from diagon.economy.ledger import TREASURY
from diagon.events import comparable_lines, read_events
from diagon.events import types as ev
from diagon.market.state import MarketState
from diagon.money import ratio_to_bp
from diagon.runner import MarketRun


def events_of(run_dir: Path) -> list[ev.Event]:
    return list(read_events(run_dir / "events.jsonl"))


def types_of(run_dir: Path) -> Counter:
    return Counter(type(e).__name__ for e in events_of(run_dir))


class JitteryTrader:
    """Wraps a trader and sleeps a wall-clock-dependent time before every decision."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        method = getattr(self.inner, name)

        async def call(*args, **kwargs):
            await asyncio.sleep((time.perf_counter_ns() % 997) / 1e6)
            return await method(*args, **kwargs)

        return call


def play(cfg, run_dir: Path, jitter: bool = False) -> MarketRun:
    run = MarketRun(cfg, run_dir)
    if jitter:
        plain = run.trader_factory
        run.trader_factory = lambda agent_id: JitteryTrader(plain(agent_id))
    run.start()
    run.play(1)
    run.finish()
    return run


def test_default_run_writes_the_run_directory_contract(tmp_path, run_market):
    run = run_market("rounds=3", run_dir=tmp_path / "r")
    meta = json.loads((tmp_path / "r" / "run.json").read_text())
    assert meta["status"] == "completed" and meta["version"] == 1
    assert meta["synthetic"] == {"synthetic_execution": True, "scripted_traders": True}
    assert meta["config"]["economy"]["task_multiplier"] == 10 and meta["seed"] == 0
    assert {"numpy", "pandas", "python"} <= set(meta["packages"])
    assert sorted(p.name for p in (tmp_path / "r" / "checkpoints").iterdir()) == [
        f"round_{i:04d}.json" for i in range(4)
    ]
    for table in ("agents_rounds", "transactions", "bids", "texts"):
        assert (tmp_path / "r" / "tables" / f"{table}.parquet").is_file()
    agents = pd.read_parquet(tmp_path / "r" / "tables" / "agents_rounds.parquet")
    assert len(agents) == 3 * 25
    counts = types_of(run.run_dir)
    assert counts["RunStarted"] == counts["RunEnded"] == 1
    assert counts["RoundStarted"] == counts["RoundEnded"] == 3
    assert counts["TaskPosted"] >= 3 * 50 and counts["BidSubmitted"] > 0
    assert counts["Settled"] == counts["PaymentDecided"] == counts["ContractAwarded"] > 0
    seqs = [e.seq for e in events_of(run.run_dir)]
    assert seqs == list(range(len(seqs)))


def test_same_seed_gives_identical_events_also_with_a_concurrent_pool(tmp_path, make_config):
    sequential = play(make_config("rounds=4", "market.concurrency=1"), tmp_path / "a")
    concurrent = play(make_config("rounds=4", "market.concurrency=25"), tmp_path / "b", jitter=True)
    a, b = comparable_lines(sequential.run_dir / "events.jsonl"), comparable_lines(concurrent.run_dir / "events.jsonl")
    # run_id hashes the config, which differs in market.concurrency only
    for line in a + b:
        line.pop("run_id")
    assert a == b
    assert len(a) > 500


def test_different_seed_gives_different_events(tmp_path, make_config):
    a = play(make_config("rounds=2", "seed=1"), tmp_path / "a")
    b = play(make_config("rounds=2", "seed=2"), tmp_path / "b")
    strip = lambda lines: [{k: v for k, v in x.items() if k != "run_id"} for x in lines]  # noqa: E731
    assert strip(comparable_lines(a.run_dir / "events.jsonl")) != strip(comparable_lines(b.run_dir / "events.jsonl"))


def test_state_rebuilt_from_events_equals_live_state(tmp_path, make_config):
    run = play(make_config("rounds=7", "experiment=fierce_selection"), tmp_path / "r")
    rebuilt = MarketState(ratio_to_bp(0.7))
    for event in read_events(run.run_dir / "events.jsonl"):
        rebuilt.apply(event)
    live, again = run.state.snapshot(), rebuilt.snapshot()
    assert msgspec.to_builtins(again) == msgspec.to_builtins(live)
    assert again.balances == live.balances
    assert [a.active for a in again.agents] == [a.active for a in live.agents]
    assert sum(not a.active for a in live.agents) == 6  # two selection events x 3


def test_ledger_is_balanced_and_endowments_come_from_the_treasury(tmp_path, make_config):
    run = play(make_config("rounds=3"), tmp_path / "r")
    balances = run.state.ledger.snapshot()
    assert sum(balances.values()) == 0
    assert balances[TREASURY] == -25 * 1_000_000


def test_settlement_amounts_follow_the_rules(tmp_path, make_config):
    run = play(make_config("rounds=3"), tmp_path / "r")
    settled = [e for e in events_of(run.run_dir) if isinstance(e, ev.Settled)]
    posted = {e.listing_id: e for e in events_of(run.run_dir) if isinstance(e, ev.TaskPosted)}
    assert settled
    for s in settled:
        assert 5_000 <= s.rho_bp <= 10_000  # floor <= rho <= 1
        assert s.payment == round(s.price * s.rho_bp / 10_000) or abs(s.payment * 10_000 - s.price * s.rho_bp) <= 5_000
        assert abs(s.fee - s.payment * 0.05) <= 0.5
        assert abs(s.revenue - posted[s.listing_id].reward * s.q_bp / 10_000) <= 0.5
        assert s.dispute == (s.rho_bp < 7_000)
        amounts = {(p.kind): p.amount for p in s.postings}
        assert amounts.get("payment", 0) + amounts.get("fee", 0) == s.payment


def test_surge_grows_rewards_and_drains_first(tmp_path, make_config):
    run = play(make_config("rounds=6", "market.max_bids_per_agent=1"), tmp_path / "r")
    events = events_of(run.run_dir)
    surged = [e for e in events if isinstance(e, ev.TaskSurged)]
    assert surged, "with one bid per agent some listings must go unmatched"
    base = {e.listing_id: e.base_reward for e in events if isinstance(e, ev.TaskPosted)}
    for s in surged:
        assert s.next_reward == round(base[s.listing_id] * 1.15**s.surge_level) or abs(
            s.next_reward - base[s.listing_id] * 1.15**s.surge_level
        ) <= 1
    for r in range(2, 7):
        posted = [e for e in events if isinstance(e, ev.TaskPosted) and e.round == r]
        levels = [p.surge_level for p in posted]
        assert levels == sorted(levels, reverse=True), "surge listings must be listed before fresh ones"
        assert any(level > 0 for level in levels)
    relisted = [e for e in events if isinstance(e, ev.TaskPosted) and e.surge_level > 0]
    matched = {e.listing_id for e in events if isinstance(e, ev.ContractAwarded)}
    assert matched & {e.listing_id for e in relisted}, "some surge listings get matched"


def test_evolution_conserves_wealth_and_replaces_the_poorest(tmp_path, make_config):
    cfg = make_config("rounds=6", "evolution.period=3", "evolution.replace=2")
    run = MarketRun(cfg, tmp_path / "r")
    run.start()
    seen = []

    def check(round_: int, state: MarketState) -> None:
        seen.append(round_)

    run.play(1, on_round=check)
    run.finish()
    events = events_of(run.run_dir)
    for selection_round in (3, 6):
        deactivated = [e for e in events if isinstance(e, ev.AgentDeactivated) and e.round == selection_round]
        reproduced = [e for e in events if isinstance(e, ev.AgentReproduced) and e.round == selection_round]
        assert len(deactivated) == len(reproduced) == 2
        # state just before the selection event: replay up to the first AgentDeactivated
        state = MarketState(ratio_to_bp(0.7))
        for e in events:
            if e is deactivated[0]:
                break
            state.apply(e)
        balances = {a: state.balance(a) for a in state.active_ids()}
        poorest = sorted(balances, key=lambda a: (balances[a], a))[:2]
        richest = sorted(balances, key=lambda a: (-balances[a], a))[:2]
        assert [d.agent for d in deactivated] == poorest
        assert [r.parent for r in reproduced] == richest
        total_before = sum(balances.values())
        for d, r in zip(deactivated, reproduced, strict=True):
            assert r.inherited_from == d.agent and r.balance == d.balance
            parent = state.agents[r.parent]
            assert (r.child.family, r.child.cluster, r.child.disposition) == (
                parent.family, parent.cluster, parent.disposition,
            )
            state.apply(d)
            state.apply(r)
        assert sum(state.balance(a) for a in state.active_ids()) == total_before
        for r in reproduced:
            assert state.reputation.summary(r.child.agent_id).transactions == 0
            assert state.balance(r.child.agent_id) == r.balance
    assert seen == [1, 2, 3, 4, 5, 6]
    assert sum(not a.active for a in run.state.agents.values()) == 4


def test_autarky_has_no_bids_no_payments_and_earns_q_times_r(tmp_path, run_market):
    run = run_market("experiment=autarky", "rounds=4")
    counts = types_of(run.run_dir)
    for forbidden in ("BidSubmitted", "ContractAwarded", "PaymentDecided", "ProposalsRejected"):
        assert counts[forbidden] == 0
    assert counts["AutarkyDecided"] > 0 and counts["Settled"] > 0
    events = events_of(run.run_dir)
    posted = {e.listing_id: e for e in events if isinstance(e, ev.TaskPosted)}
    for s in (e for e in events if isinstance(e, ev.Settled)):
        assert s.poster == s.contractor and s.rho_bp is None and s.payment == 0 and not s.dispute
        assert abs(s.revenue - posted[s.listing_id].reward * s.q_bp / 10_000) <= 0.5
    declined = [e for e in events if isinstance(e, ev.AutarkyDecided) and not e.accept]
    surged = {e.listing_id for e in events if isinstance(e, ev.TaskSurged)}
    assert {d.listing_id for d in declined} == surged
    assert run.state.reputation.summary(0).transactions == 0


def _mean_rho(run: MarketRun) -> float:
    tx = pd.read_parquet(run.run_dir / "tables" / "transactions.parquet")
    return float(tx["rho"].mean())


def test_dispositions_change_payments_measurably(run_market):
    # 12 rounds: the collaborative-baseline gap is ~0.03-0.045 over seeds 0-2 (6 rounds
    # is too noisy for a fixed margin once the browse window changed who trades with whom)
    rhos = {d: _mean_rho(run_market(f"experiment={d}", "rounds=12")) for d in ("adversarial", "baseline", "collaborative")}
    assert rhos["adversarial"] + 0.08 < rhos["baseline"] < rhos["collaborative"] - 0.025, rhos


def test_transparency_favours_the_own_family(run_market):
    share = {}
    for exp in ("baseline", "transparency"):
        tx = pd.read_parquet(run_market(f"experiment={exp}", "rounds=8").run_dir / "tables" / "transactions.parquet")
        share[exp] = float(tx["same_family"].mean())
    assert share["transparency"] > share["baseline"] + 0.1, share


def test_bankrupt_agents_cannot_win(tmp_path, make_config):
    run = play(make_config("rounds=2", "economy.initial_balance=0"), tmp_path / "r")
    assert types_of(run.run_dir)["ContractAwarded"] == 0
    assert types_of(run.run_dir)["BidSubmitted"] == 0
    run2 = play(make_config("rounds=2", "economy.initial_balance=0", "economy.bankrupt_can_win=true"), tmp_path / "r2")
    assert types_of(run2.run_dir)["ContractAwarded"] == 0  # they still cannot afford execution


def test_fast_mode_fails_clearly_before_any_work_on_a_corrupted_cache(tmp_path):
    from diagon.runner import RunError, execute_run

    bad = tmp_path / "executions.sqlite"
    bad.write_bytes(b"not a cache" * 100)
    with pytest.raises(RunError, match=f"{bad}.*corrupted"):
        execute_run(compose_config(["mode=fast", f"cache.path={bad}"]), tmp_path / "r")
    assert not (tmp_path / "r" / "run.json").exists()
