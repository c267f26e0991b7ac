"""The SQLite store: keys, entries, dedupe, version and corruption checks."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from diagon.cache import CacheCorruptError, CacheError, CacheVersionError, ExecutionStore, cache_key
from diagon.cache.keys import SCHEMA_VERSION, canonical_json, sha256_hex


def test_keys_are_sha256_of_canonical_json_with_the_schema_version():
    m = dict(task_version="v1", executor="x")

    def key(*args, **kw):
        return cache_key(*args, **{**m, **kw})

    k = key("llm", "code-a", "sonnet", True, "medium")
    assert len(k) == 64 and k == key("llm", "code-a", "sonnet", True, "medium")
    assert k != key("llm", "code-a", "sonnet", False, "medium")
    assert k != key("llm", "code-a", "sonnet", True, None)
    assert k != key("oracle", "code-a", "sonnet", True, "medium")
    assert k != key("llm", "code-a", "sonnet", True, "medium", task_version="v2")
    assert k != key("llm", "code-a", "sonnet", True, "medium", executor="y")
    assert k == sha256_hex(
        {"v": SCHEMA_VERSION, "worker": "llm", "task": "code-a", "task_version": "v1", "tier": "sonnet",
         "executor": "x", "skill_match": True, "effort": "medium"}
    )  # fmt: skip
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_add_get_and_dedupe_by_entry_id(store, make_entry_fn):
    entries = [make_entry_fn(i) for i in range(5)]
    assert store.add(entries) == 5
    assert store.add(entries[:3]) == 0  # same ids: ignored, never duplicated
    assert len(store) == 5
    assert store.get("e00000003") == entries[3]
    assert store.candidates(entries[0].key) == [e.entry_id for e in entries]
    assert list(store.iter_entries()) == entries


def test_the_store_runs_in_wal_mode(store):
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"


def test_watermark_hides_later_writes_except_own_earlier_rounds(store, make_entry_fn):
    store.add([make_entry_fn(0)])
    mark = store.watermark()
    key = make_entry_fn(0).key
    later = make_entry_fn(1)
    own = replace(make_entry_fn(2), source_run="me", source_round=3).sealed()
    store.add([later, own])
    assert store.candidates(key, watermark=mark, source="me", before_round=3) == ["e00000000"]
    assert store.candidates(key, watermark=mark, source="me", before_round=4) == ["e00000000", "e00000002"]
    assert store.candidates(key) == ["e00000000", "e00000001", "e00000002"]


def test_missing_file_when_not_creating(tmp_path):
    with pytest.raises(CacheError, match="does not exist"):
        ExecutionStore(tmp_path / "nope.sqlite", create=False)


def _filled(tmp_path, make_entry_fn, n=300):
    path = tmp_path / "c.sqlite"
    with ExecutionStore(path) as s:
        s.add([make_entry_fn(i) for i in range(n)])
        s.query("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def test_truncated_file_gives_a_clear_error_naming_the_file(tmp_path, make_entry_fn):
    path = _filled(tmp_path, make_entry_fn)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CacheCorruptError, match=str(path)):
        s = ExecutionStore(path)
        list(s.iter_entries())


def test_garbage_file_gives_a_clear_error_naming_the_file(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(CacheCorruptError, match=f"{path}.*corrupted"):
        ExecutionStore(path)


def test_altered_outcome_fails_its_digest(tmp_path, make_entry_fn):
    path = _filled(tmp_path, make_entry_fn, n=3)
    con = sqlite3.connect(path)
    con.execute("UPDATE entries SET q=0.0 WHERE entry_id='e00000001'")
    con.commit()
    con.close()
    with ExecutionStore(path) as s:
        assert s.get("e00000000").q == 1.0
        with pytest.raises(CacheCorruptError, match=f"{path}.*e00000001.*digest"):
            s.get("e00000001")
        with pytest.raises(CacheCorruptError, match="digest"):
            list(s.iter_entries())


def test_flipped_bytes_inside_the_file_are_detected(tmp_path, make_entry_fn):
    path = _filled(tmp_path, make_entry_fn, n=200)
    data = bytearray(path.read_bytes())
    start = 4096 * 2  # inside the b-tree pages, past the header page
    data[start : start + 3000] = bytes(b ^ 0x5A for b in data[start : start + 3000])
    path.write_bytes(bytes(data))
    with pytest.raises(CacheCorruptError, match=str(path)):
        with ExecutionStore(path) as s:
            list(s.iter_entries())


def test_other_schema_version_is_refused(tmp_path):
    path = tmp_path / "c.sqlite"
    ExecutionStore(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value='999' WHERE name='schema_version'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(CacheVersionError, match=f"{path}.*schema version 999"):
        ExecutionStore(path)
    assert path.read_bytes() == before  # checked read-only: left byte for byte


def test_a_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE things (x)")
    con.commit()
    con.close()
    with pytest.raises(CacheCorruptError, match="not a Diagon execution cache"):
        ExecutionStore(path)
