"""Per-run metrics on hand-built run directories with known answers."""

from __future__ import annotations

import math

import pytest

from diagon.analysis import inequality, load_run
from diagon.analysis import metrics as m
from tests.analysis.rundirs import agent, tx, write_run

M = 1_000_000


def test_gini_of_known_vectors() -> None:
    # G = sum_i (2i - n - 1) x_(i) / (n sum x): [1,2,3,4] -> (-3 - 2 + 3 + 12) / 40
    assert m.gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-12)
    assert m.gini([0, 0, 0, 10]) == pytest.approx(0.75, abs=1e-12)
    assert m.gini([5, 5, 5]) == 0.0
    # how debt enters is a definition of the wealth Gini, not of the formula: it refuses
    with pytest.raises(ValueError, match="negative"):
        m.gini([-1, 0, 1, 2])


@pytest.fixture
def run(tmp_path):
    agents = [
        # round 1: balances 1,2,3,4 USD (all active)
        agent(1, 0, "a", 1 * M, paid=3 * M), agent(1, 1, "a", 2 * M, received=1 * M),
        agent(1, 2, "b", 3 * M, received=2 * M), agent(1, 3, "b", 4 * M, paid=1 * M, thinking_cost=10, execution_cost=500),
        # round 2: agent 0 deactivated (balance handed on), child 4 of agent 3 appears
        agent(2, 0, "a", 0, active=False), agent(2, 1, "a", 2 * M, thinking_cost=20),
        agent(2, 2, "b", 3 * M), agent(2, 3, "b", 10 * M), agent(2, 4, "b", 1 * M, parent=3, born_round=2),
    ]
    # payment (gross, USD) and the fee the contractor bears: 1/.05, 2/.1, 1/.05, .5/.025, .5/.025
    transactions = [
        tx(1, 0, 1, 0.0, 0.5, poster_family="a", contractor_family="a", payment=M, fee=50_000),
        tx(1, 0, 2, 0.2, 0.9, payment=2 * M, fee=100_000),
        tx(1, 3, 2, 0.6, 0.6, poster_family="b", contractor_family="b", payment=M, fee=50_000),
        tx(2, 1, 2, 1.0, 1.0, payment=M // 2, fee=25_000),
        tx(2, 3, 2, 0.8, 0.69999, poster_family="b", payment=M // 2, fee=25_000),
    ]
    return load_run(write_run(tmp_path / "r", agents, transactions))


def test_wealth_and_gini(run) -> None:
    # final round: active agents 1..4 with 2, 3, 10, 1 USD; agent 0 deactivated at $0
    assert m.mean_wealth(run) == pytest.approx(4.0)
    # active, sorted [1,2,3,10]: (-3*1 - 1*2 + 1*3 + 3*10) / (4*16) = 28/64
    assert inequality.wealth_gini_active(run.agents) == pytest.approx(28 / 64)
    # all agents ever present, sorted [0,1,2,3,10]: (-4*0 - 2*1 + 0*2 + 2*3 + 4*10) / (5*16) = 44/80
    assert inequality.wealth_gini_all(run.agents) == pytest.approx(44 / 80)
    by_round = m.wealth_gini_by_round(run)
    assert by_round.loc[1].tolist() == pytest.approx([0.25, 0.25])  # round 1: nobody deactivated yet
    assert by_round.loc[2].tolist() == pytest.approx([44 / 80, 28 / 64])
    metrics = m.run_metrics(run)
    assert metrics["wealth_gini_all"] == pytest.approx(0.55) and metrics["wealth_gini_active"] == pytest.approx(0.4375)
    assert "wealth_gini" not in metrics and "contract_gini" not in metrics  # no name with two meanings


def test_debt_is_clipped_to_zero_and_counted(tmp_path) -> None:
    agents = [agent(1, 0, "a", -2 * M), agent(1, 1, "a", 0), agent(1, 2, "b", 2 * M), agent(1, 3, "b", 6 * M)]
    run = load_run(write_run(tmp_path / "r", agents, []))
    # clipped [0, 0, 2, 6]: (-3*0 - 1*0 + 1*2 + 3*6) / (4*8) = 20/32 (a shift by +2 would give 26/56)
    assert inequality.wealth_gini_all(run.agents) == pytest.approx(20 / 32)
    assert inequality.wealth_gini_active(run.agents) == pytest.approx(20 / 32)
    assert inequality.agents_in_debt(run.agents) == 1
    assert m.run_metrics(run)["agents_in_debt"] == 1.0


def test_contract_gini_all_and_active(run) -> None:
    # contracts won: agent 1 -> 1, agent 2 -> 4, agents 0, 3, 4 -> 0  => sorted [0, 0, 0, 1, 4]
    # sum (2i - n - 1) x_(i) = (2*4 - 6) * 1 + (2*5 - 6) * 4 = 18; n * sum x = 5 * 5
    assert inequality.contract_gini_all(run.agents, run.transactions) == pytest.approx(18 / 25)
    # active in the last round: agents 1..4 -> [0, 0, 1, 4]: (1*1 + 3*4) / (4*5) = 13/20
    assert inequality.contract_gini_active(run.agents, run.transactions) == pytest.approx(13 / 20)


def test_quality_success_and_disputes(run) -> None:
    assert m.mean_quality(run) == pytest.approx((0 + 0.2 + 0.6 + 1 + 0.8) / 5)
    assert m.success_rate(run) == pytest.approx(3 / 5)
    # rho < 0.7: 0.5, 0.6, 0.69999 -> 3 of 5
    assert m.dispute_rate(run) == pytest.approx(3 / 5)
    per_round = m.dispute_rate_by_round(run)
    assert per_round["n"].tolist() == [3, 2] and per_round["disputes"].tolist() == [2, 1]
    assert per_round["rate"].tolist() == pytest.approx([2 / 3, 1 / 2])
    # families (poster, contractor): (a,a) (a,b) (b,b) (a,b) (b,b) -> 2 of 5 cross-family
    assert m.cross_family_share(run) == pytest.approx(2 / 5)


def test_roles_mobility_composition_costs(run) -> None:
    roles = m.role_by_family(run)
    # gross on both sides: a paid 1 + 2 + 0.5 = 3.5 and received 1 -> share (1 - 3.5) / 4.5 = -5/9;
    # b paid 1 + 0.5 = 1.5 and received 2 + 1 + 0.5 + 0.5 = 4 -> (4 - 1.5) / 5.5 = 5/11
    assert roles.loc["a", ["paid", "received", "fee"]].tolist() == pytest.approx([3.5, 1.0, 0.05])
    assert roles.loc["b", ["paid", "received", "fee"]].tolist() == pytest.approx([1.5, 4.0, 0.2])
    assert roles.loc["a", "net_contractor_share"] == pytest.approx(-5 / 9)
    assert roles.loc["b", "net_contractor_share"] == pytest.approx(5 / 11)
    assert roles["net"].sum() == pytest.approx(0.0)  # the same money on both sides: no fee bias
    assert m.role_specialisation(run) == (pytest.approx(5 / 11 + 5 / 9), True)
    # bottom quartile at round 1 (ceil(4/4) = 1 agent): agent 0, deactivated by round 2 -> not escaped
    assert m.bottom_quartile_mobility(run, r1=1) == (0.0, 1)
    comp = m.composition_by_round(run)
    assert comp.loc[1].to_dict() == {"a": 2, "b": 2} and comp.loc[2].to_dict() == {"a": 1, "b": 3}
    costs = m.costs_by_round(run)
    assert costs.loc[1, "thinking_cost"] == pytest.approx(10 / M)
    assert costs.loc[1, "execution_cost"] == pytest.approx(500 / M)
    assert costs.loc[2, "thinking_cost"] == pytest.approx(20 / M)


def test_mobility_escape(tmp_path) -> None:
    agents = [agent(1, i, "a", b * M) for i, b in enumerate([1, 2, 3, 4, 5, 6, 7, 8])]
    # round 2: former poorest two (0, 1) -> 0 climbs to the top, 1 stays at the bottom
    agents += [agent(2, i, "a", b * M) for i, b in enumerate([9, 1, 3, 4, 5, 6, 7, 2])]
    run = load_run(write_run(tmp_path / "r", agents, [tx(1, 0, 1, 1.0, 1.0)]))
    # bottom quartile = 2 agents: {0, 1} at round 1, {1, 7} at round 2 -> 1 of 2 escaped
    assert m.bottom_quartile_mobility(run, r1=1, r2=2) == (0.5, 2)


def test_autarky_has_no_disputes_but_a_fail_rate(tmp_path) -> None:
    agents = [agent(1, 0, "a", M), agent(1, 1, "a", 2 * M)]
    rows = [tx(1, 0, 0, 1.0, None), tx(1, 1, 1, 0.3, None), tx(1, 1, 1, 0.0, None), tx(1, 0, 0, 0.5, None)]
    run = load_run(write_run(tmp_path / "r", agents, rows, experiment="autarky", mode="autarky"))
    assert math.isnan(m.dispute_rate(run))
    assert m.run_metrics(run)["dispute_or_fail_rate"] == pytest.approx(0.5)
    # contracts (self-executed tasks): 2 each -> equal
    assert m.run_metrics(run)["contract_gini_all"] == 0.0
    # nobody trades in autarky: no roles, specialisation 0 by construction
    assert m.role_specialisation(run) == (0.0, False)
