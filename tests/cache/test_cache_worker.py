"""CachedWorker: replay, write-through, seeded sampling, determinism of fast runs."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from dataclasses import replace

import pytest

from diagon.cache import CachedWorker, ExecutionStore
from diagon.cache.identity import spec_version
from diagon.cache.worker import replay_cost
from diagon.config import compose_config
from diagon.config.schema import ConfigError, SyntheticWorkerConfig, TierConfig
from diagon.economy.pricing import execution_cost
from diagon.events import comparable_lines
from diagon.rng import rng_for
from diagon.runner import MarketRun, execute_run
from diagon.workers.synthetic import SyntheticWorker

TIERS = {"haiku": TierConfig(1, 5, -0.9), "sonnet": TierConfig(3, 15, 0.0), "opus": TierConfig(5, 25, 0.6)}


def cached(store, **kw) -> CachedWorker:
    inner = SyntheticWorker(TIERS, 10.0, SyntheticWorkerConfig())
    return CachedWorker(inner, store, worker_kind="synthetic", tiers=TIERS, multiplier=10.0, **kw)


def run(coro):
    return asyncio.run(coro)


def test_a_miss_writes_through_and_the_next_identical_request_hits(store, job):
    w = cached(store)
    first = run(w.execute(job(1), rng_for(0, "execute", 1, 1)))
    again = run(w.execute(job(2), rng_for(0, "execute", 1, 2)))
    assert (first.cache, again.cache) == ("miss", "hit")
    assert (again.q, again.tokens_in, again.tokens_out, again.cost, again.preview) == (
        first.q, first.tokens_in, first.tokens_out, first.cost, first.preview
    )
    assert again.synthetic and "cache hit" in again.detail
    assert len(store) == 1 and w.counts == {"hits": 1, "misses": 1, "writes": 0}


def test_a_run_sees_its_own_writes_from_earlier_rounds_only(store, job):
    w = cached(store, watermark=store.watermark(), source="run-a")
    assert run(w.execute(job(1, round_=1), rng_for(0, "execute", 1, 1))).cache == "miss"
    # same round (another listing of the fan-out): still invisible, so timing cannot matter
    assert run(w.execute(job(2, round_=1), rng_for(0, "execute", 1, 2))).cache == "miss"
    assert run(w.execute(job(3, round_=2), rng_for(0, "execute", 2, 3))).cache == "hit"
    other = cached(store, watermark=0, source="run-b")  # started before those writes
    assert run(other.execute(job(4, round_=5), rng_for(0, "execute", 5, 4))).cache == "miss"


def test_hits_sample_uniformly_in_stable_entry_id_order(tmp_path, make_entry_fn, job, task):
    # the key material of a CachedWorker without a config: no executor, the spec's version
    entries = [make_entry_fn(i, worker="synthetic", q=i / 4, task_version=spec_version(task), executor="")
               for i in range(4)]
    a, b = ExecutionStore(tmp_path / "a.sqlite"), ExecutionStore(tmp_path / "b.sqlite")
    a.add(entries)
    b.add(entries[::-1])  # another insertion order: same draws
    wa, wb = cached(a), cached(b)
    draws = Counter()
    for i in range(800):
        qa = run(wa.execute(job(i), rng_for(7, "execute", 1, i))).q
        assert qa == run(wb.execute(job(i), rng_for(7, "execute", 1, i))).q
        draws[qa] += 1
    assert set(draws) == {0.0, 0.25, 0.5, 0.75}
    assert all(150 < n < 250 for n in draws.values()), draws


def test_replayed_cost_is_repriced_at_the_current_multiplier(make_entry_fn):
    e = make_entry_fn(0)
    assert replay_cost(e, TIERS["sonnet"], 1.0) == execution_cost(e.tokens_in, e.tokens_out, TIERS["sonnet"], 1.0)
    tokenless = replace(e, tokens_in=0, tokens_out=0, cost=400, multiplier=10.0)
    assert replay_cost(tokenless, TIERS["sonnet"], 2.5) == 100


def _cfg(cache, *extra):
    return compose_config(["population=small", "rounds=3", f"cache.path={cache}", *extra])


def test_full_mode_writes_every_execution_and_default_synthetic_runs_leave_no_cache(tmp_path):
    cache = tmp_path / "c.sqlite"
    execute_run(_cfg(cache), tmp_path / "plain")
    assert not cache.exists()  # synthetic outcomes are stored only on request
    r = execute_run(_cfg(cache, "cache.write_synthetic=true"), tmp_path / "full")
    finished = [e for e in comparable_lines(r.run_dir / "events.jsonl") if e["type"] == "ExecutionFinished"]
    assert finished and {e["cache"] for e in finished} == {"write"}
    with ExecutionStore(cache) as s:
        assert len(s) == len(finished)
        assert sorted(x.q for x in s.iter_entries()) == sorted(e["q"] for e in finished)


def test_same_seed_and_cache_give_identical_fast_runs(tmp_path):
    cache = tmp_path / "c.sqlite"
    execute_run(_cfg(cache, "cache.write_synthetic=true", "seed=1"), tmp_path / "warm")
    pristine = tmp_path / "pristine.sqlite"
    with ExecutionStore(cache) as s:
        s.query("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(cache, pristine)
    lines = []
    for name in ("a", "b"):
        shutil.copy(pristine, cache)
        r = execute_run(_cfg(cache, "mode=fast", "rounds=4"), tmp_path / name)
        lines.append(comparable_lines(r.run_dir / "events.jsonl"))
    assert lines[0] == lines[1]
    verdicts = Counter(e["cache"] for e in lines[0] if e["type"] == "ExecutionFinished")
    assert verdicts["hit"] > 0 and verdicts["miss"] > 0


class JitteryWorker:
    """Sleeps a wall-clock-dependent time before delegating (reorders the fan-out)."""

    def __init__(self, inner):
        self.inner, self.synthetic = inner, inner.synthetic

    async def execute(self, job, rng):
        await asyncio.sleep((time.perf_counter_ns() % 997) / 2e5)
        return await self.inner.execute(job, rng)


def test_concurrent_execution_cannot_change_which_entry_is_sampled(tmp_path):
    """Two jittered fan-outs (different completion orders) give identical fast runs."""
    cache = tmp_path / "c.sqlite"
    # synthetic misses are stored (and then hit in later rounds) only with write_synthetic
    cfg = _cfg(cache, "mode=fast", "cache.write_synthetic=true", "rounds=4", "population.agents=8",
               "market.concurrency=25")  # fmt: skip
    runs = []
    for name in ("a", "b"):
        for f in tmp_path.glob("c.sqlite*"):
            f.unlink()
        run_ = MarketRun(cfg, tmp_path / name)
        run_.worker.inner = JitteryWorker(run_.worker.inner)
        run_.start()
        run_.play(1)
        run_.finish()
        runs.append(comparable_lines(run_.run_dir / "events.jsonl"))
    assert runs[0] == runs[1]
    assert Counter(e.get("cache") for e in runs[0])["hit"] > 0


def test_fast_mode_with_an_empty_cache_equals_full_mode(tmp_path):
    def lines(mode):
        r = execute_run(_cfg(tmp_path / f"{mode}.sqlite", f"mode={mode}", "rounds=1"), tmp_path / mode)
        out = comparable_lines(r.run_dir / "events.jsonl")
        return [{k: v for k, v in e.items() if k not in ("run_id", "cache", "mode")} for e in out]

    assert lines("fast") == lines("full")


def test_runs_table_counts_hits_and_misses(tmp_path):
    cache = tmp_path / "c.sqlite"
    r = execute_run(_cfg(cache, "mode=fast", "rounds=4"), tmp_path / "r")
    verdicts = Counter(e["cache"] for e in comparable_lines(r.run_dir / "events.jsonl") if e["type"] == "ExecutionFinished")
    with ExecutionStore(cache) as s:
        row = s.query("SELECT hits, misses, mode FROM runs")[0]
    assert (row[0], row[1], row[2]) == (verdicts["hit"], verdicts["miss"], "fast")


def test_fast_mode_needs_the_cache_enabled():
    with pytest.raises(ConfigError, match="cache.enabled"):
        compose_config(["mode=fast", "cache.enabled=false"])


def test_autarky_can_replay(tmp_path):
    cache = tmp_path / "c.sqlite"
    r = execute_run(_cfg(cache, "experiment=autarky", "cache.autarky=replay", "rounds=4"), tmp_path / "a")
    verdicts = {e["cache"] for e in comparable_lines(r.run_dir / "events.jsonl") if e["type"] == "ExecutionFinished"}
    assert verdicts <= {"hit", "miss"} and "miss" in verdicts


def test_a_resumed_fast_run_equals_the_uninterrupted_one(tmp_path):
    cache, pristine = tmp_path / "c.sqlite", tmp_path / "pristine.sqlite"
    execute_run(_cfg(cache, "cache.write_synthetic=true", "seed=2"), tmp_path / "warm")
    with ExecutionStore(cache) as s:
        s.query("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(cache, pristine)
    cfg = _cfg(cache, "mode=fast", "rounds=6")
    whole = execute_run(cfg, tmp_path / "whole")
    shutil.copy(pristine, cache)
    for f in tmp_path.glob("c.sqlite-*"):
        f.unlink()
    killed = MarketRun(cfg, tmp_path / "killed")
    killed.start()
    killed.cfg = _cfg(cache, "mode=fast", "rounds=4")
    killed.play(1)  # round 4 executed (and wrote to the cache), then the process "died"
    killed.worker.close()
    (tmp_path / "killed" / "checkpoints" / "round_0004.json").unlink()
    resumed = execute_run(cfg, tmp_path / "killed", resume=True)
    a = comparable_lines(resumed.run_dir / "events.jsonl")
    assert a == comparable_lines(whole.run_dir / "events.jsonl")
    assert Counter(e.get("cache") for e in a)["hit"] > 0


def test_oracle_runs_populate_and_then_replay_real_executions(tmp_path):
    """Real execution (oracle in the default sandbox): full stores, fast replays the same q."""
    from diagon.sandboxes import BwrapSandbox, SandboxUnavailable

    try:
        BwrapSandbox().close()
    except SandboxUnavailable as exc:
        pytest.skip(f"bwrap unavailable: {exc}")
    cache = tmp_path / "c.sqlite"
    base = ["worker=oracle"]  # population=small, one round
    full = execute_run(_cfg(cache, *base, "rounds=1"), tmp_path / "full")
    stored = [e for e in comparable_lines(full.run_dir / "events.jsonl") if e["type"] == "ExecutionFinished"]
    assert stored and {e["cache"] for e in stored} == {"write"} and not any(e["synthetic"] for e in stored)
    fast = execute_run(_cfg(cache, *base, "rounds=1", "mode=fast"), tmp_path / "fast")
    replayed = [e for e in comparable_lines(fast.run_dir / "events.jsonl") if e["type"] == "ExecutionFinished"]
    assert [e["cache"] for e in replayed] == ["hit"] * len(stored)
    assert [(e["q"], e["preview"]) for e in replayed] == [(e["q"], e["preview"]) for e in stored]
