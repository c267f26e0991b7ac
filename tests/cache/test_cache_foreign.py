"""``cache.path`` pointed at a file that is not a Diagon cache: refused, not one byte changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from diagon.cache import CacheCorruptError, ExecutionStore
from diagon.cli import main as cli

FOREIGN = {
    "an app database": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');",
    "a meta table only": "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('v', '1');",
    "other columns": "CREATE TABLE meta (k TEXT, v TEXT); CREATE TABLE entries (x);",
}


def foreign_db(path: Path, sql: str) -> bytes:
    con = sqlite3.connect(path)  # rollback journal, as most applications' files
    con.executescript(sql)
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_foreign_sqlite_file_is_refused_before_it_is_modified(tmp_path, kind):
    path = tmp_path / "app.sqlite"
    before = foreign_db(path, FOREIGN[kind])
    with pytest.raises(CacheCorruptError) as err:
        ExecutionStore(path)
    assert str(err.value).startswith(f"{path} is an SQLite database but not a Diagon execution cache")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["app.sqlite"]  # no -wal / -shm / -journal


def test_diagon_run_refuses_a_foreign_cache_path_and_leaves_it(tmp_path, capsys):
    path = tmp_path / "app.sqlite"
    before = foreign_db(path, FOREIGN["an app database"])
    code = cli([
        "run", "population=small", "rounds=1", "cache.write_synthetic=true", f"cache.path={path}",
        f"hydra.run.dir={tmp_path / 'run'}",
    ])
    assert code == 2
    expected = f"{path} is an SQLite database but not a Diagon execution cache"
    assert "".join(expected.split()) in "".join(capsys.readouterr().out.split())  # rich wraps lines
    assert path.read_bytes() == before
