"""Run labels, scripted built-in effects and economic parameters; the summary uses them and the
metric definitions the report and compare use (seed-0-like small runs)."""

from __future__ import annotations

import pandas as pd
import pytest

from diagon.analysis import inequality, load_run
from diagon.analysis.labels import (
    built_in_effects,
    economic_parameters,
    run_labels,
    thinking_cost_share,
)
from diagon.config import compose_config
from diagon.rundir.summary import SUMMARY_FILE, summarise, write_summary
from diagon.runner import execute_run


def _meta(scripted: bool = True, **config) -> dict:
    return {"mode": config.pop("mode", "full"), "synthetic": {"synthetic_execution": False, "scripted_traders": scripted},
            "config": config}


def test_labels_name_how_numbers_were_made() -> None:
    assert run_labels(_meta(False)) == []
    assert run_labels(_meta(True)) == ["SCRIPTED traders (no LLM)"]
    oracle = run_labels(_meta(False, worker={"kind": "oracle"}))
    assert oracle == ["ORACLE execution (the task's reference solution: q = 1 by construction, no agent solved anything)"]
    assert run_labels(_meta(False, worker={"kind": "null"}))[0].startswith("NULL execution")
    families = {"a": {"models": {"local": "smollm2-135m-instruct", "openai": "x"}},
                "b": {"models": {"local": "smollm2-135m-instruct", "openai": "y"}}}
    local = run_labels(_meta(False, model={"backend": "local"}, population={"families": ["a", "b"]}, families=families))
    assert local == ["ONE MODEL for every family (local: smollm2-135m-instruct): families differ only in their "
                     "price menus, not in the model that decides"]
    # two model ids: no such label
    assert run_labels(_meta(False, model={"backend": "openai"}, population={"families": ["a", "b"]},
                            families=families)) == []
    assert run_labels(_meta(False), cache_hits=7) == ["execution REPLAYED from the cache for 7 contracts"]


def test_built_in_effects_of_scripted_runs() -> None:
    assert built_in_effects(_meta(False, market={"transparency": True, "same_family_bias": 0.15})) == []
    agents = pd.DataFrame({"thinking_cost": [1, 4], "execution_cost": [500, 495]})
    assert thinking_cost_share(agents) == pytest.approx(5 / 1000)
    effects = built_in_effects(_meta(True, economy={"payment_floor": 0.5},
                                     market={"transparency": True, "same_family_bias": 0.2},
                                     population={"families": ["a"], "dispositions": ["neutral", "honest"]},
                                     families={"a": {"markup": 0.3}}), agents)
    assert effects[0] == ("payment threshold: scripted posters pay ρ = ρ_min + (1 − ρ_min)·sigmoid(12(s − 0.5)) with "
                          "ρ_min = 0.5, so a payment threshold near q = 0.5 is the script's sigmoid centre")
    assert effects[1] == ("transparency effect: scripted traders add market.same_family_bias = 0.2 to a same-family "
                          "bidder's selection score and 0.1 to the ρ paid to a same-family contractor, so "
                          "same-family preference is this parameter")
    assert effects[2].startswith("dispositions (honest): scripted payment offsets")
    assert effects[3] == "family differences in bids start from families.<f>.markup (a 0.3)"
    assert effects[4].endswith(": 0.50% of all costs, so effects of the thinking-cost price (e.g. cost "
                               "amplification) cannot show")
    # an oracle worker costs nothing: thinking is all of the cost, and nothing is called negligible
    free = pd.DataFrame({"thinking_cost": [3], "execution_cost": [0]})
    assert built_in_effects(_meta(True, mode="autarky"), free)[-1].endswith("times the family price: 100.00% of all costs")
    # autarky has no payments: no payment-threshold line; no transparency: no bias line
    autarky = built_in_effects(_meta(True, mode="autarky"))
    assert len(autarky) == 1 and autarky[0].startswith("thinking costs are fixed token counts")


def test_economic_parameters_of_the_default_config(tmp_path) -> None:
    cfg = compose_config(["population=small", "rounds=1"])
    run_dir = tmp_path / "r"
    execute_run(cfg, run_dir)
    rows = dict(economic_parameters(load_run(run_dir).meta))
    assert rows["m task multiplier (economy.task_multiplier)"] == 10
    assert rows["f platform fee (economy.platform_fee)"] == 0.05
    assert rows["ρ_min payment floor (economy.payment_floor)"] == 0.5
    assert rows["θ_d dispute threshold (economy.dispute_threshold)"] == 0.7
    assert rows["E evolution period, rounds (evolution.period)"] == 6
    assert rows["k agents replaced per event (evolution.replace)"] == 1


def test_summary_uses_the_shared_definitions_and_is_saved(tmp_path) -> None:
    cfg = compose_config(["population=small", "rounds=7", "seed=0"])
    run_dir = tmp_path / "r"
    execute_run(cfg, run_dir)
    run = load_run(run_dir)
    s = summarise(run_dir)
    assert s.wealth_gini_all == inequality.wealth_gini_all(run.agents)
    assert s.wealth_gini_active == inequality.wealth_gini_active(run.agents)
    assert s.contract_gini_all == inequality.contract_gini_all(run.agents, run.transactions)
    assert s.deactivated == 1 and s.wealth_gini_all > s.wealth_gini_active  # one agent culled at round 6
    rows = dict(s.rows())
    assert rows["wealth Gini, all agents (wealth_gini_all)"] == f"{s.wealth_gini_all:.3f}"
    assert rows["wealth Gini, active agents (wealth_gini_active)"] == f"{s.wealth_gini_active:.3f}"
    assert s.notes()[:2] == ["SYNTHETIC execution (quality sampled, no task executed)", "SCRIPTED traders (no LLM)"]
    assert any(n.startswith("built in by the script: payment threshold") for n in s.notes())
    path = write_summary(run_dir, s)
    assert path == run_dir / SUMMARY_FILE and path.read_text() == s.text()
    assert f"wealth Gini, all agents (wealth_gini_all)        {s.wealth_gini_all:.3f}" in path.read_text()


def test_model_local_is_labelled_one_model_for_every_family() -> None:
    from diagon.config.schema import as_plain

    def labels(model: str) -> list[str]:
        meta = {"config": as_plain(compose_config([f"model={model}"])),
                "synthetic": {"synthetic_execution": False, "scripted_traders": False}}
        return run_labels(meta)

    assert labels("local") == ["ONE MODEL for every family (local: smollm2-135m-instruct): families differ only in "
                               "their price menus, not in the model that decides"]
    assert labels("openrouter") == []  # five model ids
