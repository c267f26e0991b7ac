"""The README's recipe `run worker=oracle`, then `mode=fast`, replays (issue 11, item 10).

`worker` defaults to synthetic, so `mode=fast` alone used to look up synthetic keys in an
oracle cache (0 hits) and then stored synthetic outcomes despite `write_synthetic=false`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from diagon.cache import ExecutionStore
from diagon.runner import RunError


def _entries_by_worker(path) -> dict[str, int]:
    with ExecutionStore(path) as store:
        return {r[0]: r[1] for r in store.query("SELECT worker, COUNT(*) FROM entries GROUP BY worker")}


def test_fast_after_an_oracle_run_replays_it_and_never_stores_synthetic_outcomes(tmp_path, run_market):
    cache = tmp_path / "cache.sqlite"
    small = ("population=small", "rounds=1", f"cache.path={cache}")
    # an empty cache: a synthetic fast run is a full run and stores nothing (write_synthetic=false)
    run_market("mode=fast", *small)
    assert _entries_by_worker(cache) == {}
    full = run_market("worker=oracle", *small)
    written = _entries_by_worker(cache)
    assert set(written) == {"oracle"} and written["oracle"] == len(
        pd.read_parquet(full.run_dir / "tables" / "transactions.parquet")
    )
    with pytest.raises(RunError) as refused:
        run_market("mode=fast", *small)
    assert str(refused.value) == (
        f"mode=fast replays outcomes of worker=synthetic (the default), but the execution cache"
        f" {cache} holds none, only {written['oracle']} oracle outcomes: add worker=oracle to replay them"
    )
    fast = run_market("mode=fast", "worker=oracle", *small)
    tx = pd.read_parquet(fast.run_dir / "tables" / "transactions.parquet")
    assert len(tx) > 0 and set(tx["cache"]) == {"hit"}  # same seed, same contracts: all replayed
    assert _entries_by_worker(cache) == written
    # a synthetic fast run that opts in to synthetic entries is not refused and stores them
    run_market("mode=fast", "cache.write_synthetic=true", *small)
    assert _entries_by_worker(cache)["synthetic"] > 0
