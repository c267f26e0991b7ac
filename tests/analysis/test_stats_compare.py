"""Across-seed statistics with known answers, and the Table D.1 comparison of hand-built runs."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from scipy import stats as sps

from diagon.analysis import load_run, load_runs, stats
from diagon.analysis.compare import SEED_CV, CompareError, compare, reference_of
from tests.analysis.rundirs import agent, tx, write_run

M = 1_000_000


def test_cohens_d_of_known_samples() -> None:
    # means 2 and 5, both sample variances 1 -> pooled sd 1 -> d = -3
    assert stats.cohens_d([1, 2, 3], [4, 5, 6]) == pytest.approx(-3.0)
    # variances 1 and 4 (n = 3 each): pooled sd = sqrt((2*1 + 2*4) / 4) = sqrt(2.5)
    assert stats.cohens_d([1, 2, 3], [2, 4, 6]) == pytest.approx((2 - 4) / math.sqrt(2.5))
    assert math.isnan(stats.cohens_d([1], [2, 3]))


def test_welch_p_of_known_samples() -> None:
    # t = -3 / sqrt(1/3 + 1/3); Welch df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4
    t = -3 / math.sqrt(2 / 3)
    assert stats.welch_p([1, 2, 3], [4, 5, 6]) == pytest.approx(2 * sps.t.sf(abs(t), 4))
    assert stats.welch_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.021311641128756, rel=1e-9)


def test_mean_ci_and_cv() -> None:
    ci = stats.mean_ci([1, 2, 3])
    half = sps.t.ppf(0.975, 2) * 1 / math.sqrt(3)  # 4.302653 * 0.57735 = 2.484138
    assert (ci.n, ci.mean) == (3, 2.0) and (ci.low, ci.high) == pytest.approx((2 - half, 2 + half))
    assert half == pytest.approx(2.4841377118, rel=1e-9)
    one = stats.mean_ci([5.0])
    assert one.mean == 5.0 and math.isnan(one.low)
    assert stats.coefficient_of_variation([1, 2, 3]) == pytest.approx(0.5)


def test_reference_rules() -> None:
    conds = ["baseline", "autarky", "honest", "baseline[x=1]"]
    assert reference_of("baseline", conds) == "autarky"
    assert reference_of("honest", conds) == "baseline"
    assert reference_of("autarky", conds) is None
    assert reference_of("baseline[x=1]", conds) == "autarky"
    assert reference_of("honest", ["honest", "autarky"]) is None


def _run(tmp_path, name: str, seed: int, wealth: list[int], q: list[float], rho: list[float | None]):
    agents = [agent(1, i, "a" if i % 2 else "b", w * M) for i, w in enumerate(wealth)]
    mode = "autarky" if name == "autarky" else "full"
    rows = [tx(1, i % 2, i % 2 if mode == "autarky" else 1 - i % 2, qi, r) for i, (qi, r) in enumerate(zip(q, rho, strict=True))]
    return write_run(tmp_path / f"{name}_{seed}", agents, rows, experiment=name, seed=seed, mode=mode)


def _three_seeds_each(tmp_path) -> None:
    """baseline seeds: mean wealth 2, 3, 4; autarky seeds: 1, 1, 1.5 (each run two agents)."""
    _run(tmp_path, "baseline", 0, [1, 3], [1.0, 0.0], [1.0, 0.5])
    _run(tmp_path, "baseline", 1, [2, 4], [1.0, 1.0], [1.0, 0.6])
    _run(tmp_path, "baseline", 2, [4, 4], [0.6, 0.0], [0.9, 0.9])
    _run(tmp_path, "autarky", 0, [1, 1], [1.0, 0.0], [None, None])
    _run(tmp_path, "autarky", 1, [0, 2], [0.0, 0.0], [None, None])
    _run(tmp_path, "autarky", 2, [1, 2], [1.0, 0.2], [None, None])


def test_compare_table_known_values(tmp_path) -> None:
    _three_seeds_each(tmp_path)
    result = compare(load_runs([tmp_path]))
    assert result.conditions == ["baseline", "autarky"] and result.references == {"baseline": "autarky"}
    t = result.table
    wealth_b, wealth_a = [2, 3, 4], [1, 1, 1.5]
    row = t.loc["Mean wealth ($)"]
    assert row["baseline mean"] == pytest.approx(3.0) and row["autarky mean"] == pytest.approx(7 / 6)
    assert row["baseline ci_low"] == pytest.approx(3 - sps.t.ppf(0.975, 2) / math.sqrt(3))
    assert row["baseline vs autarky d"] == pytest.approx(stats.cohens_d(wealth_b, wealth_a))
    assert row["baseline vs autarky p"] == pytest.approx(sps.ttest_ind(wealth_b, wealth_a, equal_var=False).pvalue)
    # dispute rate (baseline: 1/2, 1/2, 0) vs fail rate (autarky: 1/2, 1, 1/2): no test across the two
    d = t.loc["Dispute / fail rate"]
    assert d["baseline mean"] == pytest.approx(1 / 3) and d["autarky mean"] == pytest.approx(2 / 3)
    assert math.isnan(d["baseline vs autarky d"])
    assert t.loc["Task success rate", "baseline mean"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert t.loc[SEED_CV, "baseline mean"] == pytest.approx(1 / 3)  # sd 1 / mean 3
    md = result.markdown()
    assert "| Mean wealth ($) | 3.00 [" in md and "baseline vs autarky: Cohen's d" in md


def test_clustered_cohens_d_exact_interval() -> None:
    a, b = [[1, 2, 3], [2, 3, 4]], [[0, 1, 2], [1, 2, 3]]
    e = stats.clustered_cohens_d(a, b, resamples=2000, seed=0)
    # pooled units: means 2.5 and 1.5, both sample variances 5.5 / 5 = 1.1 -> d = 1 / sqrt(1.1)
    assert e.d == pytest.approx(1 / math.sqrt(1.1)) == pytest.approx(stats.cohens_d([1, 2, 3, 2, 3, 4], [0, 1, 2, 1, 2, 3]))
    assert (e.n_a, e.n_b, e.runs_a, e.runs_b, e.resamples) == (6, 6, 2, 2, 2000)
    # each extreme resample (a = run 1 twice, b = run 2 twice and the reverse) has probability
    # 1/16 > 2.5 %: the percentile interval is exactly [0, 2 / sqrt(0.8)]
    assert (e.low, e.high) == (pytest.approx(0.0, abs=1e-12), pytest.approx(2 / math.sqrt(0.8)))
    assert stats.clustered_cohens_d(a, b, seed=0) == e  # seeded: reproducible
    one = stats.clustered_cohens_d([[1, 2, 3]], [[0, 1, 2], [1, 2, 3]])
    assert one.d == pytest.approx(stats.cohens_d([1, 2, 3], [0, 1, 2, 1, 2, 3])) and math.isnan(one.low)


def test_compare_per_unit_effects_and_structural_zeros(tmp_path) -> None:
    _three_seeds_each(tmp_path)
    result = compare(load_runs([tmp_path]))
    row = result.table.loc["Mean wealth ($)"]
    # per agent: pooled final balances of the three runs of each condition
    assert row["baseline vs autarky unit_d"] == pytest.approx(stats.cohens_d([1, 3, 2, 4, 4, 4], [1, 1, 0, 2, 1, 2]))
    assert (row["baseline vs autarky unit_n_a"], row["baseline vs autarky unit_n_b"]) == (6, 6)
    q = result.table.loc["Mean quality"]
    assert q["baseline vs autarky unit_d"] == pytest.approx(
        stats.cohens_d([1.0, 0.0, 1.0, 1.0, 0.6, 0.0], [1.0, 0.0, 0.0, 0.0, 1.0, 0.2]))
    # role specialisation is 0 by construction in autarky: no test against it
    spec = result.table.loc["Role specialisation"]
    assert spec["autarky mean"] == 0.0 and math.isnan(spec["baseline vs autarky d"])
    assert math.isnan(spec["baseline vs autarky p"])
    md = result.markdown()
    d_a = row["baseline vs autarky unit_d"]
    assert f"| {d_a:+.2f} [" in md and "(agent, n=6 vs 6) |" in md
    assert "Cohen's d of run values (n=3 vs 3 runs)" in md
    assert "| Role specialisation | " in md and "run-level metric" in md
    # scripted runs (the hand-built ones say so): their built-in effects are in the notes
    assert "- baseline: built in by the script — payment threshold: scripted posters pay" in md
    assert "- autarky: built in by the script — payment threshold" not in md
    assert "- baseline: SCRIPTED traders (no LLM)" in md


def _set_status(run_dir, status: str) -> None:
    path = run_dir / "run.json"
    meta = json.loads(path.read_text())
    meta["status"] = status
    path.write_text(json.dumps(meta))


def test_compare_refuses_unfinished_and_mixed_lengths_naming_them(tmp_path, capsys) -> None:
    from diagon.cli import main

    _run(tmp_path, "baseline", 0, [1, 3], [1.0, 0.0], [1.0, 0.5])
    _run(tmp_path, "baseline", 1, [2, 4], [1.0, 1.0], [1.0, 0.6])
    failed = _run(tmp_path, "baseline", 2, [4, 4], [0.6, 0.0], [0.9, 0.9])
    _set_status(failed, "failed")
    assert main(["compare", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert f"error: 1 run(s) did not complete: {failed.resolve()} (failed)" in out
    assert main(["compare", str(tmp_path), "--skip-unfinished"]) == 0
    md = (tmp_path / "compare.md").read_text()
    assert "baseline (n=2 runs)" in md and f"- left out, did not complete: {failed.resolve()} (failed)" in md
    with pytest.raises(CompareError, match="did not complete"):
        compare([load_run(failed)])
    # a longer run in the same condition: refused, then flagged when allowed
    longer = tmp_path / "baseline_3"
    agents = [agent(r, i, "a", (i + 1) * M) for r in (1, 2) for i in range(2)]
    write_run(longer, agents, [tx(1, 0, 1, 1.0, 1.0)], experiment="baseline", seed=3)
    assert main(["compare", str(tmp_path), "--skip-unfinished"]) == 2
    out = capsys.readouterr().out
    assert "condition 'baseline' pools runs of different lengths:" in out and f"{longer.resolve()} (2 rounds)" in out
    assert main(["compare", str(tmp_path), "--skip-unfinished", "--allow-mixed-lengths"]) == 0
    md = (tmp_path / "compare.md").read_text()
    assert "- baseline: runs of different lengths pooled:" in md and f"{longer.resolve()} (2 rounds)" in md
    per_seed = pd.read_csv(tmp_path / "compare_seeds.csv")
    assert sorted(per_seed["rounds"]) == [1, 1, 2]
    # a condition compared with a reference of another length is flagged
    agents = [agent(r, i, "a", (i + 1) * M) for r in (1, 2, 3) for i in range(2)]
    write_run(tmp_path / "honest_0", agents, [tx(1, 0, 1, 1.0, 1.0)], experiment="honest", seed=0)
    assert main(["compare", str(tmp_path), "--skip-unfinished", "--allow-mixed-lengths"]) == 0
    md = (tmp_path / "compare.md").read_text()
    assert "- honest (3 rounds) is compared with baseline (1/2 rounds): the lengths differ" in md


def test_load_runs_names_the_runs_it_leaves_out(tmp_path) -> None:
    _run(tmp_path, "baseline", 0, [1, 3], [1.0, 0.0], [1.0, 0.5])
    failed = _run(tmp_path, "baseline", 1, [2, 4], [1.0, 1.0], [1.0, 0.6])
    _set_status(failed, "running")
    with pytest.warns(UserWarning, match=rf"left out 1 run\(s\) that did not complete: {failed.resolve()} \(running\)"):
        runs = load_runs([tmp_path])
    assert [r.seed for r in runs] == [0]
