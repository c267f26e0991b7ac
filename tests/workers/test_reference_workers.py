"""``oracle`` and ``noop`` (null) workers in the sandbox, and a whole market run with the oracle."""

from __future__ import annotations

import asyncio
import json

import numpy as np

from diagon.config import compose_config
from diagon.runner import _worker_kwargs
from diagon.tasks.catalogue import load_catalogue
from diagon.workers.base import ExecutionJob, create_worker


def _job(source: str, task_id: str) -> ExecutionJob:
    return ExecutionJob(
        listing_id=1, contractor=0, task=load_catalogue(source)[task_id], tier="sonnet",
        effort="medium", skills=(), skill_match=False, strategy="",
    )  # fmt: skip


def test_oracle_scores_one_and_null_scores_below_on_every_source_kind() -> None:
    cfg = compose_config(["worker=oracle"])
    oracle = create_worker("oracle", **_worker_kwargs(cfg))
    null = create_worker("noop", **_worker_kwargs(cfg))
    for source, task_id in (
        ("builtin", "code-lru-cache"), ("humaneval", "humaneval-007"), ("bfcl", "bfcl-multi-turn-base-3")
    ):  # fmt: skip
        good = asyncio.run(oracle.execute(_job(source, task_id), np.random.default_rng(0)))
        bad = asyncio.run(null.execute(_job(source, task_id), np.random.default_rng(0)))
        assert (good.q, good.cost, good.synthetic) == (1.0, 0, False), good.detail
        assert bad.q < 1.0 and not bad.synthetic
        assert good.preview.startswith("[oracle] reference solution applied\n--- ")
        assert bad.preview.startswith("[noop] nothing was done")


def test_market_runs_end_to_end_with_the_oracle_worker(run_market) -> None:
    run = run_market("worker=oracle", "population=small", "rounds=2")
    events = [json.loads(line) for line in (run.run_dir / "events.jsonl").read_text().splitlines()]
    finished = [e for e in events if e["type"] == "ExecutionFinished"]
    assert finished, "the oracle run executed no contract"
    assert all(e["q"] == 1.0 and not e["synthetic"] and e["cost"] == 0 for e in finished)
    assert all(e["detail"].startswith("oracle: ") for e in finished)
    run_json = json.loads((run.run_dir / "run.json").read_text())
    assert run_json["status"] == "completed"
    assert run_json["synthetic"]["synthetic_execution"] is False


def test_the_worker_that_does_nothing_is_selectable_as_noop(run_market) -> None:
    """`worker=null` was None to Hydra; the null worker is `worker=noop` (issue 11, item 9)."""
    assert compose_config(["worker=noop"]).worker.kind == "noop"
    run = run_market("worker=noop", "population=small", "rounds=1")
    events = [json.loads(line) for line in (run.run_dir / "events.jsonl").read_text().splitlines()]
    finished = [e for e in events if e["type"] == "ExecutionFinished"]
    assert finished and all(e["q"] < 1.0 and e["cost"] == 0 for e in finished)
    assert all(e["detail"].startswith("noop: ") for e in finished)
