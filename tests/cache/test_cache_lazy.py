"""``mode=fast worker=llm``: the worker is built on the first miss, never for a warm cache."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter

import pytest

from diagon.cache import CachedWorker, ExecutionStore, KeyMaterial
from diagon.cache.worker import coverage
from diagon.config import compose_config
from diagon.config.schema import EFFORTS
from diagon.events import comparable_lines
from diagon.rng import rng_for
from diagon.run_checks import check_runnable
from diagon.rundir.checkpoints import latest_checkpoint
from diagon.runner import MarketRun, RunError, execute_run
from diagon.tasks.catalogue import catalogue_for
from diagon.workers.base import ExecutionJob, ExecutionOutcome

pytestmark = pytest.mark.filterwarnings("ignore:the `subprocess` sandbox does NOT isolate")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on exit: connections are refused


class FakeLLM:
    """Stands in for the llm worker when filling the cache."""

    synthetic = False

    async def execute(self, job, rng):
        return ExecutionOutcome(q=1.0, tokens_in=1000, tokens_out=100, cost=1, duration_s=3.0,
                                preview=f"stored {job.task.id}", synthetic=False, detail="fake llm")


def _cfg(cache, *extra):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    return compose_config([
        "mode=fast", "worker=llm", "model=openrouter", "model.trader=scripted", f"model.base_url={url}",
        "model.max_attempts=1", "model.timeout_s=5", "population=small", "rounds=2", "tasks.limit=1",
        "sandbox=subprocess", f"cache.path={cache}", *extra,
    ])  # fmt: skip


def _fill(cfg, keep=lambda tier, match: True) -> int:
    """Store one outcome for every key of the run's catalogue that ``keep`` selects."""
    combos = [
        (task, tier, effort, m)
        for task in catalogue_for(cfg.tasks).tasks
        for tier in cfg.tiers
        for effort in EFFORTS
        for m in (False, True)
        if keep(tier, m)
    ]
    jobs = [
        ExecutionJob(i, 0, task, tier, effort, (task.cluster,) if m else (), m, "", 0)
        for i, (task, tier, effort, m) in enumerate(combos)
    ]
    with ExecutionStore(cfg.cache.path) as store:
        w = CachedWorker(FakeLLM(), store, worker_kind="llm", tiers=cfg.tiers, multiplier=10.0, policy="write",
                         source="warm", keys=KeyMaterial.from_config(cfg))

        async def go():
            for j in jobs:
                await w.execute(j, rng_for(0, "cache", j.listing_id))

        asyncio.run(go())
        return len(store)


def _verdicts(run_dir):
    return Counter(e["cache"] for e in comparable_lines(run_dir / "events.jsonl") if e["type"] == "ExecutionFinished")


def test_a_fully_warm_fast_llm_run_needs_neither_the_model_nor_its_key(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    cfg = _cfg(tmp_path / "c.sqlite")
    _fill(cfg)
    assert coverage(cfg, catalogue_for(cfg.tasks)) == (90, 90)  # 5 tasks x 3 tiers x 3 efforts x 2
    run = execute_run(cfg, tmp_path / "fast")  # the server is unreachable, the key unset
    verdicts = _verdicts(run.run_dir)
    assert verdicts["hit"] > 0 and set(verdicts) == {"hit"}
    assert not run.worker.built  # the llm worker was never constructed
    assert json.loads((run.run_dir / "run.json").read_text())["status"] == "completed"


def test_a_missing_key_fails_before_the_run_when_the_cache_cannot_cover_it(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    cfg = _cfg(tmp_path / "c.sqlite")
    _fill(cfg, keep=lambda tier, match: not (tier == "opus" and match))
    with pytest.raises(RunError, match=r"OPENROUTER_API_KEY.*holds 75 of the 90 keys"):
        check_runnable(cfg)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-test")
    check_runnable(cfg)  # the key is there: the run may start (and execute on misses)


def test_an_unreachable_model_stops_the_run_at_the_first_miss_and_it_stays_resumable(tmp_path):
    cfg = _cfg(tmp_path / "c.sqlite", "model=compatible", "worker.model_id=m", "rounds=3")
    filled = _fill(cfg, keep=lambda tier, match: tier == "haiku")  # warm, but not for sonnet/opus
    run_dir = tmp_path / "fast"
    with pytest.raises(RunError) as failed:
        execute_run(cfg, run_dir)
    message = str(failed.value)
    assert "worker=llm cannot use its model (compatible m at http://127.0.0.1:" in message
    assert "APIConnectionError" in message and f"diagon resume {run_dir}" in message
    # nothing was lost or invented: the run dir is at its last completed round, the cache
    # holds exactly what it held (no q = 0 outcome of a model that never answered)
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "failed" and "WorkerUnavailable" in meta["error"]
    done = latest_checkpoint(run_dir)
    assert done is not None and (run_dir / "events.jsonl").stat().st_size == done.events_offset
    with ExecutionStore(cfg.cache.path) as store:
        assert len(store) == filled
    # once the worker works again (here: a stand-in), the run resumes and completes
    check_runnable(cfg)
    resumed = MarketRun(cfg, run_dir)
    resumed.worker.inner = FakeLLM()
    resumed.play(resumed.resume())
    resumed.finish()
    verdicts = _verdicts(run_dir)
    assert verdicts["miss"] > 0
    assert json.loads((run_dir / "run.json").read_text())["status"] == "completed"
