"""Benchmark: wall time of the full `diagon report` on a run with 100,000 transactions.

The run directory is written directly (tables + run.json, generated with a seeded numpy
Generator) rather than by running a large market, which would take minutes:
200 agents (5 families) x 100 rounds, 1,000 settled contracts per round.

    .venv/bin/python benchmarks/analysis.py [--transactions 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FAMILIES = ["deepseek-v3.2", "glm-4.7-flash", "gpt-5.4-nano", "gemini-3.1-flash-lite", "claude-haiku-4.5"]


def write_big_run(run_dir: Path, transactions: int = 100_000, agents: int = 200, rounds: int = 100,
                  seed: int = 0) -> Path:
    """A synthetic but well-formed run directory of the given size."""
    rng = np.random.default_rng(seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    family = np.array(FAMILIES)[np.arange(agents) % len(FAMILIES)]
    per_round = transactions // rounds
    n = per_round * rounds
    rnd = np.repeat(np.arange(1, rounds + 1), per_round)
    poster = rng.integers(0, agents, n)
    contractor = (poster + rng.integers(1, agents, n)) % agents
    # quality: 30 % complete failures, 45 % passes, 25 % partial (uniform) — like Table 4's shape
    kind = rng.choice(3, n, p=[0.30, 0.45, 0.25])
    q = np.where(kind == 0, 0.0, np.where(kind == 1, 1.0, np.round(rng.uniform(0, 1, n), 4)))
    rho = np.clip(np.where(q >= 0.5, 0.9 + 0.1 * rng.random(n), 0.5 + 0.2 * rng.random(n)) + rng.normal(0, 0.05, n), 0.5, 1)
    rho = np.round(rho, 4)
    price = rng.integers(100_000, 3_000_000, n)
    payment = (rho * price).astype(np.int64)
    experience = np.arange(n) // agents
    rep = np.where(rnd == 1, np.nan, rng.uniform(0.6, 1.0, n))
    tx = pd.DataFrame({
        "round": rnd, "listing_id": np.arange(n), "task_id": "bench", "cluster": "coding",
        "poster": poster, "contractor": contractor, "poster_family": family[poster],
        "contractor_family": family[contractor], "same_family": family[poster] == family[contractor],
        "reward": price * 2, "surge_level": 0, "price": price, "proposals": 3, "q": q, "rho": rho,
        "payment": payment, "fee": payment // 20, "revenue": (q * price * 2).astype(np.int64), "dispute": rho < 0.7,
        "tier": "haiku", "effort": "low", "skill_match": True, "execution_cost": price // 3, "synthetic": True,
        "poster_rep_before": rep, "contractor_rep_before": np.where(rnd == 1, np.nan, rng.uniform(0.6, 1, n)),
        "poster_experience": experience, "contractor_experience": experience,
    })
    ids = np.tile(np.arange(agents), rounds)
    ar = pd.DataFrame({
        "round": np.repeat(np.arange(1, rounds + 1), agents), "agent_id": ids, "family": family[ids],
        "cluster": "coding", "disposition": "neutral", "active": True, "parent": None, "born_round": 0,
        "balance": (1_000_000 + np.cumsum(rng.integers(-50_000, 150_000, (rounds, agents)), axis=0)).ravel(),
        "thinking_cost": rng.integers(100, 5_000, rounds * agents),
        "execution_cost": rng.integers(10_000, 500_000, rounds * agents), "revenue": 0,
        "paid": rng.integers(0, 2_000_000, rounds * agents), "received": rng.integers(0, 2_000_000, rounds * agents),
        "contracts_won": 0, "tasks_posted": 2,
    })
    surges = pd.DataFrame({"round": np.repeat(np.arange(1, rounds + 1), 30), "listing_id": np.arange(rounds * 30),
                           "poster": rng.integers(0, agents, rounds * 30), "cause": "no_bids",
                           "surge_level": rng.integers(1, 6, rounds * 30), "next_reward": 1, "withdrawn": False})
    tables = run_dir / "tables"
    tables.mkdir(exist_ok=True)
    tx.to_parquet(tables / "transactions.parquet", index=False)
    ar.to_parquet(tables / "agents_rounds.parquet", index=False)
    surges.to_parquet(tables / "surges.parquet", index=False)
    pd.DataFrame(columns=["round", "agent", "kind", "listing_id", "text"]).to_parquet(tables / "texts.parquet", index=False)
    meta = {"version": 1, "run_id": "bench", "status": "completed", "experiment": "benchmark", "mode": "full",
            "seed": seed, "config": {"economy": {"dispute_threshold": 0.7}},
            "synthetic": {"synthetic_execution": True, "scripted_traders": True}}
    (run_dir / "run.json").write_text(json.dumps(meta))
    (run_dir / "events.jsonl").write_text("")
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the run here and keep it")
    args = parser.parse_args()
    from diagon.analysis.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = write_big_run(args.keep or Path(tmp) / "run", args.transactions)
        t0, c0 = time.perf_counter(), time.process_time()
        path = write_report(run_dir).path
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        load = os.getloadavg()[0]
        print(f"report of {args.transactions:,} transactions: wall {wall:.1f} s (target < 30 s), "
              f"CPU {cpu:.1f} s, load average {load:.1f} on {os.cpu_count()} cores, "
              f"{path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
