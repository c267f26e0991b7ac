"""Key material: what executed a tier and the task's version; stale replays are impossible."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest

from diagon.cache import (
    CacheCorruptError,
    CachedWorker,
    CacheVersionError,
    ExecutionStore,
    KeyMaterial,
)
from diagon.cache.calibration import rows_from_store
from diagon.cache.identity import executor_identity, worker_loop_version
from diagon.cache.keys import CacheEntry, canonical_json
from diagon.cache.portable import export_cache, import_cache
from diagon.cache.stats import cache_stats
from diagon.config import compose_config
from diagon.rng import rng_for
from diagon.run_checks import check_runnable
from diagon.runner import RunError
from diagon.tasks import digest
from diagon.tasks.builtin_pool import builtin_root
from diagon.tasks.catalogue import load_catalogue
from diagon.tasks.registry import TaskResolver
from diagon.workers.base import ExecutionJob, ExecutionOutcome

TASK = "code-ini-parser"


class FakeReal:
    """A non-synthetic worker that counts its executions."""

    synthetic = False

    def __init__(self) -> None:
        self.calls = 0

    async def execute(self, job, rng):
        self.calls += 1
        return ExecutionOutcome(q=1.0, tokens_in=100, tokens_out=10, cost=0, duration_s=1.0,
                                preview=f"did {job.task.id}", synthetic=False)


def _job(spec, i=1, tier="sonnet", match=False, round_=1):
    return ExecutionJob(i, 0, spec, tier, "medium", ("coding",) if match else (), match, "", round_)


def _execute(worker, job):
    return asyncio.run(worker.execute(job, rng_for(0, "execute", job.round, job.listing_id))).cache


def _llm(*extra):
    return compose_config(["worker=llm", "model=compatible", "worker.model_id=model-a", *extra])


# -- (a) what executed a tier ------------------------------------------------------------
def test_llm_executor_is_the_backend_and_the_tiers_model_id():
    base = _llm()
    loop = worker_loop_version(base)
    assert executor_identity(base, "sonnet") == canonical_json(
        {"backend": "compatible", "model": "model-a", "loop": loop, "sandbox": "bwrap"}
    )
    same = {t: executor_identity(base, t) for t in base.tiers}
    # endpoint details are not identity: the same model behind another URL or key variable
    moved = _llm("model.base_url=http://elsewhere:9/v1", "model.api_key_env=OTHER", "model.timeout_s=5")
    assert {t: executor_identity(moved, t) for t in moved.tiers} == same
    # another model id, for one tier or for all, changes exactly those tiers
    one = _llm("+tiers.opus.models.compatible=model-big")
    assert executor_identity(one, "opus") != same["opus"]
    assert {t: executor_identity(one, t) for t in ("haiku", "sonnet")} == {t: same[t] for t in ("haiku", "sonnet")}
    assert executor_identity(_llm("worker.model_id=model-b"), "sonnet") != same["sonnet"]
    # another backend with the tier's own model ids
    routed = compose_config(["worker=llm", "model=openrouter"])
    assert executor_identity(routed, "sonnet") == canonical_json(
        {"backend": "openrouter", "model": "anthropic/claude-sonnet-4.6", "loop": loop, "sandbox": "bwrap"}
    )
    assert executor_identity(
        compose_config(["worker=llm", "model=openrouter", "tiers.sonnet.models.openrouter=x/y"]), "sonnet"
    ) == canonical_json({"backend": "openrouter", "model": "x/y", "loop": loop, "sandbox": "bwrap"})


@pytest.mark.parametrize("override", [
    "worker.max_turns=5", "worker.timeout_s=60", "worker.effort_max_tokens.low=512",
    "worker.effort_token_budget.high=1000", "worker.tool_mode=json", "worker.skills=false",
    "model.temperature=0.7",
])
def test_settings_of_the_llm_workers_loop_are_part_of_its_identity(override):
    base, changed = _llm(), _llm(override)
    assert all(executor_identity(changed, t) != executor_identity(base, t) for t in base.tiers)
    # and a change the loop does not see keeps the identity
    assert executor_identity(_llm("model.max_attempts=2"), "sonnet") == executor_identity(base, "sonnet")


@pytest.mark.parametrize("kind", ["oracle", "synthetic"])
def test_synthetic_and_oracle_keys_ignore_llm_settings(kind):
    job = _job(load_catalogue("builtin")[TASK])
    keys = set()
    for extra in ([], ["model=openrouter"], ["model=compatible", "worker.model_id=z"],
                  ["+tiers.sonnet.models.compatible=q", "model.base_url=http://x/v1"]):
        cfg = compose_config([f"worker={kind}", *extra])
        w = CachedWorker(FakeReal(), None, worker_kind=kind, tiers=cfg.tiers, multiplier=10.0,  # type: ignore[arg-type]
                         keys=KeyMaterial.from_config(cfg))
        keys.add(w.key_for(job))
    assert len(keys) == 1
    if kind == "oracle":
        assert executor_identity(compose_config(["worker=oracle"]), "sonnet") == '{"sandbox":"bwrap"}'
    else:  # the synthetic worker's identity is its own quality model
        a = executor_identity(compose_config(["worker=synthetic"]), "sonnet")
        assert a != executor_identity(compose_config(["worker=synthetic", "worker.synthetic.skill_shift=1.1"]), "sonnet")
        assert a != executor_identity(compose_config(["worker=synthetic", "tiers.sonnet.quality_shift=0.2"]), "sonnet")


def test_llm_outcomes_are_never_replayed_for_another_model(store):
    spec = load_catalogue("builtin")[TASK]

    def worker(cfg):
        inner = FakeReal()
        return inner, CachedWorker(inner, store, worker_kind="llm", tiers=cfg.tiers, multiplier=10.0,
                                   keys=KeyMaterial.from_config(cfg))

    _, a = worker(_llm())
    assert _execute(a, _job(spec, 1)) == "miss"
    inner_b, b = worker(_llm("worker.model_id=model-b"))
    assert _execute(b, _job(spec, 2)) == "miss" and inner_b.calls == 1
    inner_a2, a2 = worker(_llm("model.base_url=http://other:1/v1"))
    assert _execute(a2, _job(spec, 3)) == "hit" and inner_a2.calls == 0
    entries = list(store.iter_entries())
    assert sorted(e.executor for e in entries) == [
        canonical_json({"backend": "compatible", "model": m, "loop": worker_loop_version(_llm()), "sandbox": "bwrap"})
        for m in ("model-a", "model-b")
    ]
    assert all(e.key_consistent() for e in entries)


# -- (b) the task's version ----------------------------------------------------------------
def _pool(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    for task in (TASK, "query-log-5xx-ips"):
        shutil.copytree(builtin_root() / task, root / task)
    return root


def _versions(root: Path, kind: str = "oracle") -> dict[str, str]:
    keys = KeyMaterial(kind, task_paths={"builtin": str(root)})
    specs = load_catalogue("builtin", str(root)).tasks
    return {s.id: keys.task_version(s) for s in specs}


@pytest.mark.parametrize(
    "edit, changes",
    [
        ("tests/test_task.py", True),  # the verifier
        ("instruction.md", True),  # the prompt
        ("inputs/example.ini", True),  # a fixture file
        ("solution/ini_parser.py", True),  # the reference solution (what the oracle runs)
        ("task.toml:difficulty", False),  # economic metadata: not what is executed
    ],
)
def test_editing_a_task_or_its_tests_changes_its_version(tmp_path, edit, changes):
    original = _versions(_pool(tmp_path, "a"))
    assert original == _versions(_pool(tmp_path, "b"))  # same content elsewhere: same version
    root = _pool(tmp_path, "c")
    if edit == "task.toml:difficulty":
        toml = root / TASK / "task.toml"
        toml.write_text(toml.read_text().replace("difficulty = 0.45", "difficulty = 0.5"))
    else:
        path = root / TASK / edit
        path.write_bytes(path.read_bytes() + b"\n# edited\n")
    edited = _versions(root)
    assert (edited[TASK] != original[TASK]) is changes
    assert edited["query-log-5xx-ips"] == original["query-log-5xx-ips"]


def test_an_edited_task_is_never_replayed(tmp_path, store):
    old_root, new_root = _pool(tmp_path, "old"), _pool(tmp_path, "new")
    tests = new_root / TASK / "tests" / "test_task.py"
    tests.write_text(tests.read_text() + "\n\ndef test_added():\n    assert True\n")
    old_specs = load_catalogue("builtin", str(old_root))
    new_specs = load_catalogue("builtin", str(new_root))

    def worker(root):
        inner = FakeReal()
        keys = KeyMaterial("oracle", task_paths={"builtin": str(root)})
        return inner, CachedWorker(inner, store, worker_kind="oracle", tiers=compose_config([]).tiers,
                                   multiplier=10.0, keys=keys)

    _, before = worker(old_root)
    for i, task in enumerate((TASK, "query-log-5xx-ips")):
        assert _execute(before, _job(old_specs[task], i)) == "miss"
    inner, after = worker(new_root)
    assert _execute(after, _job(new_specs["query-log-5xx-ips"], 10)) == "hit"
    assert _execute(after, _job(new_specs[TASK], 11)) == "miss" and inner.calls == 1


def test_skill_packages_are_part_of_an_llm_skill_match_version():
    spec = load_catalogue("builtin")[TASK]
    keys = KeyMaterial("llm")
    assert keys.task_version(spec, False) != keys.task_version(spec, True)
    assert KeyMaterial("oracle").task_version(spec, True) == KeyMaterial("oracle").task_version(spec, False)
    assert keys.task_version(spec, False) == digest.task_digest(TaskResolver().get("builtin", TASK))


def test_the_task_digest_is_computed_once_per_task_per_process(monkeypatch, store):
    calls: list[str] = []
    real = digest._compute

    def counting(task):
        calls.append(task.id)
        return real(task)

    monkeypatch.setattr(digest, "_compute", counting)
    digest.clear_memo()
    specs = load_catalogue("builtin").tasks[:4]
    cfg = compose_config(["worker=oracle"])
    for _ in range(2):  # two workers (e.g. a run and a warm-up) in one process
        w = CachedWorker(FakeReal(), store, worker_kind="oracle", tiers=cfg.tiers, multiplier=10.0,
                         keys=KeyMaterial.from_config(cfg))
        for i in range(50):
            w.key_for(_job(specs[i % 4], i, tier=("haiku", "sonnet", "opus")[i % 3], match=bool(i % 2)))
    assert sorted(calls) == sorted(s.id for s in specs)


# -- stores and files of version 1 -----------------------------------------------------
V1_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL, worker TEXT NOT NULL, task_id TEXT NOT NULL, task_source TEXT NOT NULL,
    cluster TEXT NOT NULL, difficulty REAL NOT NULL, tier TEXT NOT NULL, effort TEXT NOT NULL,
    skill_match INTEGER NOT NULL, q REAL NOT NULL, tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL, cost INTEGER NOT NULL, multiplier REAL NOT NULL,
    price_in REAL NOT NULL, price_out REAL NOT NULL, duration_s REAL NOT NULL,
    preview TEXT NOT NULL, detail TEXT NOT NULL, synthetic INTEGER NOT NULL,
    source_run TEXT NOT NULL, source_round INTEGER NOT NULL, created_at REAL NOT NULL,
    digest TEXT NOT NULL
);
CREATE INDEX entries_by_key ON entries(key, entry_id);
CREATE TABLE runs (
    run_uid TEXT PRIMARY KEY, run_id TEXT NOT NULL, run_dir TEXT NOT NULL, mode TEXT NOT NULL,
    worker TEXT NOT NULL, watermark INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0, writes INTEGER NOT NULL DEFAULT 0,
    started_at REAL NOT NULL, updated_at REAL NOT NULL
);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO entries (entry_id, key, worker, task_id, task_source, cluster, difficulty, tier, effort,
    skill_match, q, tokens_in, tokens_out, cost, multiplier, price_in, price_out, duration_s, preview,
    detail, synthetic, source_run, source_round, created_at, digest)
VALUES ('old', 'k', 'llm', 'code-ini-parser', 'builtin', 'coding', 0.45, 'sonnet', 'medium', 1, 1.0,
    1, 1, 1, 10.0, 3.0, 15.0, 1.0, 'p', 'd', 0, 'r', -1, 0.0, 'x');
"""


def test_a_version_1_store_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "v1.sqlite"
    con = sqlite3.connect(path)
    con.executescript(V1_SCHEMA)
    con.close()
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    with pytest.raises(CacheVersionError, match=f"{path} has schema version 1; this Diagon reads version 2"):
        ExecutionStore(path)
    after = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert after == tables  # nothing created in a foreign-version file
    with pytest.raises(RunError, match="schema version 1"):  # a fast run stops before any work
        check_runnable(compose_config(["mode=fast", f"cache.path={path}"]))


def test_a_version_1_export_is_refused(tmp_path, store):
    old = tmp_path / "old.jsonl.gz"
    with gzip.open(old, "wt") as fh:
        fh.write('{"entries":0,"format":"diagon-execution-cache","schema_version":1}\n')
    with pytest.raises(CacheVersionError, match="schema version 1; this Diagon reads version 2"):
        import_cache(store, old)


def test_an_entry_whose_key_does_not_match_its_columns_is_reported(tmp_path, store, make_entry_fn):
    good = make_entry_fn(0)
    forged = CacheEntry.from_mapping({**good.payload(), "entry_id": "forged", "executor": "other"}).sealed()
    assert good.key_consistent() and not forged.key_consistent()
    store.add([good, forged])
    out = tmp_path / "x.jsonl"
    export_cache(store, out)
    with ExecutionStore(tmp_path / "t.sqlite") as target, pytest.raises(CacheCorruptError, match="key does not match"):
        import_cache(target, out)
    from diagon.cli import main

    assert main(["cache", "verify", "--cache", str(store.path)]) == 2


def test_stats_count_entries_of_edited_tasks_as_stale(store, make_entry_fn):
    version = KeyMaterial("oracle").task_version(load_catalogue("builtin")[TASK])
    current = make_entry_fn(0, task_id=TASK, worker="oracle", executor="", task_version=version)
    old = make_entry_fn(1, task_id=TASK, worker="oracle", executor="", task_version="f" * 32)
    store.add([current, old])
    (cov,) = cache_stats(store).coverage
    assert (cov.worker, cov.executor, cov.tasks, cov.entries, cov.stale) == ("oracle", "", 1, 2, 1)
    store.add([make_entry_fn(2, task_id="code-topo-sort-deps", worker="oracle", executor="", task_version="f" * 32)])
    (cov,) = cache_stats(store).coverage
    assert (cov.tasks, cov.entries, cov.stale) == (1, 3, 2)  # only current versions cover a task


def test_calibration_fits_only_outcomes_of_the_current_task_version(tmp_path, store):
    old_root, new_root = _pool(tmp_path, "old"), _pool(tmp_path, "new")
    tests = new_root / TASK / "tests" / "test_task.py"
    tests.write_text(tests.read_text() + "\n\ndef test_added():\n    assert True\n")
    old_specs = load_catalogue("builtin", str(old_root))
    keys = KeyMaterial("oracle", task_paths={"builtin": str(old_root)})
    worker = CachedWorker(FakeReal(), store, worker_kind="oracle", tiers=compose_config([]).tiers,
                          multiplier=10.0, keys=keys)
    for i, task in enumerate((TASK, "query-log-5xx-ips")):
        assert _execute(worker, _job(old_specs[task], i)) == "miss"

    def fitted(root):
        material = KeyMaterial("oracle", task_paths={"builtin": str(root)})
        return sorted(row[0] for row in rows_from_store(store, load_catalogue("builtin", str(root)), material))

    assert fitted(old_root) == sorted([old_specs[TASK].pass_rate, old_specs["query-log-5xx-ips"].pass_rate])
    assert fitted(new_root) == [old_specs["query-log-5xx-ips"].pass_rate]  # the edited task's outcome is stale
