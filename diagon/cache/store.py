"""The execution store: an embedded SQLite database in WAL mode.

Several processes (the jobs of a Hydra joblib sweep, ``diagon cache warm``) read and
write one file at once: every write is a short ``BEGIN IMMEDIATE`` transaction (SQLite
serialises writers; readers never block in WAL mode), ``busy_timeout`` makes a writer
wait instead of failing, and ``entry_id`` is ``UNIQUE`` so a re-delivered entry is
ignored rather than duplicated.

Tables: ``meta`` (schema version), ``entries`` (one row per stored outcome; ``seq`` is
the local insertion order, used for run watermarks; ``entry_id`` the portable stable
id), ``runs`` (one row per run that used the cache: its watermark and hit/miss/write
totals), ``run_rounds`` (a run's hit/miss/write counts per market round).

Counts are stored per round and *replaced*, not added: a process writes the complete
counts of each round it executed (at every round end through
:meth:`~diagon.cache.worker.CachedWorker.flush`, and on close), and ``runs`` holds their
sums. A killed run therefore keeps the counts of every finished round, and when it is
resumed, the round it re-executes overwrites any partial counts instead of counting twice.

Opening checks the file header, then, through a read-only connection, runs ``PRAGMA
quick_check``, checks that the file is a Diagon cache and reads its schema version, so
a damaged file, another version or a foreign SQLite database (``cache.path`` pointed at
the wrong file) is left byte-for-byte untouched; anything wrong raises
:class:`CacheCorruptError` / :class:`CacheVersionError` naming the file.
Every SQLite error later on is re-raised as :class:`CacheError` naming the file.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from diagon.cache.keys import COLUMNS, SCHEMA_VERSION, CacheEntry

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 120_000

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL, worker TEXT NOT NULL, task_id TEXT NOT NULL, task_version TEXT NOT NULL,
    task_source TEXT NOT NULL, cluster TEXT NOT NULL, difficulty REAL NOT NULL, tier TEXT NOT NULL,
    executor TEXT NOT NULL, effort TEXT NOT NULL,
    skill_match INTEGER NOT NULL, q REAL NOT NULL, tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL, cost INTEGER NOT NULL, multiplier REAL NOT NULL,
    price_in REAL NOT NULL, price_out REAL NOT NULL, duration_s REAL NOT NULL,
    preview TEXT NOT NULL, detail TEXT NOT NULL, synthetic INTEGER NOT NULL,
    source_run TEXT NOT NULL, source_round INTEGER NOT NULL, created_at REAL NOT NULL,
    digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_key ON entries(key, entry_id);
CREATE TABLE IF NOT EXISTS runs (
    run_uid TEXT PRIMARY KEY, run_id TEXT NOT NULL, run_dir TEXT NOT NULL, mode TEXT NOT NULL,
    worker TEXT NOT NULL, watermark INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0, writes INTEGER NOT NULL DEFAULT 0,
    started_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run_rounds (
    run_uid TEXT NOT NULL, round INTEGER NOT NULL, hits INTEGER NOT NULL, misses INTEGER NOT NULL,
    writes INTEGER NOT NULL, PRIMARY KEY (run_uid, round)
);
INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
"""

_INSERT = f"INSERT OR {{verb}} INTO entries ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


class CacheError(RuntimeError):
    """The execution cache cannot be used; the message names the file."""


class CacheCorruptError(CacheError):
    """The cache file is damaged (truncated, overwritten, a digest mismatch)."""


class CacheVersionError(CacheError):
    """The cache was written with another schema version."""


def _row_values(entry: CacheEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, c) for c in COLUMNS)


class ExecutionStore:
    """A handle on one cache file (one connection; use it from one thread)."""

    def __init__(self, path: str | Path, *, create: bool = True, check: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise CacheError(f"execution cache {self.path} does not exist")
        self._check_header()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._inspect(check)  # read-only: refuse a foreign/damaged file before writing to it
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    # -- opening --------------------------------------------------------------------
    def _check_header(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
        if head != SQLITE_HEADER:
            raise CacheCorruptError(
                f"execution cache {self.path} is corrupted or not a cache file (no SQLite header);"
                " move it aside (or restore it from a `diagon cache export`) and retry"
            )

    def _inspect(self, check: bool) -> None:
        """Check an existing file through a read-only connection, so nothing in a file that
        is not a Diagon cache (of this version) changes: opening read-write would switch
        it to WAL mode and create the cache's tables in it."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return  # a new cache
        conn = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            if check:
                self._quick_check(conn)
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not names:
                return  # an empty database: it becomes a cache
            meta = {r[1] for r in conn.execute("PRAGMA table_info(meta)")}
            if not {"meta", "entries"} <= names or not {"name", "value"} <= meta:
                raise CacheCorruptError(
                    f"{self.path} is an SQLite database but not a Diagon execution cache (tables:"
                    f" {', '.join(sorted(names)[:5])}); it was not modified. Point cache.path at"
                    " a new file or an existing Diagon cache."
                )
            self._check_version(conn)
        finally:
            conn.close()

    def _quick_check(self, conn: sqlite3.Connection) -> None:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        if rows != ["ok"]:
            raise CacheCorruptError(
                f"execution cache {self.path} is corrupted (sqlite quick_check: {'; '.join(rows[:3])});"
                " move it aside (or restore it from a `diagon cache export`) and retry"
            )

    def _init_schema(self) -> None:
        for attempt in range(50):  # WAL switch and schema creation race on a fresh file
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                with self._write():
                    found = self._conn.execute(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    ).fetchall()
                    names = {r[0] for r in found}
                    if names and "meta" not in names:
                        raise CacheCorruptError(
                            f"{self.path} is an SQLite database but not a Diagon execution cache"
                        )
                    if names:  # refuse another version before creating anything in it
                        self._check_version()
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        self._conn.execute(statement)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.05)
        self._check_version()

    def _check_version(self, conn: sqlite3.Connection | None = None) -> None:
        conn = conn or self._conn
        version = conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        if version is None or str(version[0]) != str(SCHEMA_VERSION):
            found_v = None if version is None else version[0]
            raise CacheVersionError(
                f"execution cache {self.path} has schema version {found_v}; this Diagon reads"
                f" version {SCHEMA_VERSION}. Use a new cache.path (or export/import with a matching Diagon)."
            )

    def _error(self, exc: sqlite3.Error) -> CacheError:
        text = str(exc)
        if isinstance(exc, sqlite3.DatabaseError) and (
            "malformed" in text or "not a database" in text or "corrupt" in text
        ):
            return CacheCorruptError(
                f"execution cache {self.path} is corrupted ({text}); move it aside (or restore it"
                " from a `diagon cache export`) and retry"
            )
        return CacheError(f"execution cache {self.path}: {text}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A short immediate write transaction (takes the write lock up front)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ExecutionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entries --------------------------------------------------------------------
    def add(self, entries: Iterable[CacheEntry], *, replace: bool = False) -> int:
        """Store sealed entries in one transaction; returns how many rows were written.

        An ``entry_id`` already present is ignored (``replace=False``) or overwritten.
        """
        rows = [_row_values(e if e.digest else e.sealed()) for e in entries]
        if not rows:
            return 0
        with self._guard(), self._write() as conn:
            before = conn.total_changes
            conn.executemany(_INSERT.format(verb="REPLACE" if replace else "IGNORE"), rows)
            return conn.total_changes - before

    def watermark(self) -> int:
        """The highest ``seq`` committed so far (0 when empty)."""
        with self._guard():
            return int(self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0])

    def candidates(
        self, key: str, *, watermark: int | None = None, source: str = "", before_round: int = 0
    ) -> list[str]:
        """Entry ids of ``key`` a run may replay, in stable ``entry_id`` order.

        Visible: entries committed up to ``watermark`` (the store when the run started)
        and the run's own entries (``source_run == source``) from rounds before
        ``before_round``. Entries written
        concurrently (by other processes, or by this round's fan-out) stay invisible, so
        timing never changes which entry a seeded draw selects.
        """
        with self._guard():
            if watermark is None:
                rows = self._conn.execute(
                    "SELECT entry_id FROM entries WHERE key=? ORDER BY entry_id", (key,)
                ).fetchall()
            else:
                rows = self._conn.execute(
                    "SELECT entry_id FROM entries WHERE key=? AND (seq<=? OR"
                    " (source_run=? AND source_round<?)) ORDER BY entry_id",
                    (key, watermark, source, before_round),
                ).fetchall()
        return [r[0] for r in rows]

    def get(self, entry_id: str) -> CacheEntry:
        """One entry, digest-checked."""
        with self._guard():
            row = self._conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM entries WHERE entry_id=?", (entry_id,)
            ).fetchone()
        if row is None:
            raise CacheError(f"execution cache {self.path}: no entry {entry_id!r}")
        return self._checked(dict(row))

    def _checked(self, row: dict[str, Any]) -> CacheEntry:
        entry = CacheEntry.from_mapping(row)
        if not entry.intact():
            raise CacheCorruptError(
                f"execution cache {self.path} is corrupted: entry {entry.entry_id} fails its digest"
                " check (its stored outcome was altered); run `diagon cache verify` and restore"
                " the cache from an export"
            )
        return entry

    def iter_entries(self, batch: int = 2000) -> Iterator[CacheEntry]:
        """Every entry in ``entry_id`` order, digest-checked."""
        last = ""
        while True:
            with self._guard():
                rows = self._conn.execute(
                    f"SELECT {', '.join(COLUMNS)} FROM entries WHERE entry_id>? ORDER BY entry_id LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield self._checked(dict(row))
            last = rows[-1]["entry_id"]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """A read-only query (for stats)."""
        with self._guard():
            return self._conn.execute(sql, params).fetchall()

    def __len__(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM entries")[0][0])

    # -- runs -----------------------------------------------------------------------
    def register_run(self, run_uid: str, *, run_id: str, run_dir: str, mode: str, worker: str) -> int:
        """Record a run; returns its watermark (kept from the first start on resume)."""
        now = time.time()
        with self._guard(), self._write() as conn:
            row = conn.execute("SELECT watermark FROM runs WHERE run_uid=?", (run_uid,)).fetchone()
            if row is not None:
                return int(row[0])
            mark = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0])
            conn.execute(
                "INSERT INTO runs(run_uid, run_id, run_dir, mode, worker, watermark, started_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_uid, run_id, run_dir, mode, worker, mark, now, now),
            )
            return mark

    def set_round_counts(self, run_uid: str, counts: dict[int, dict[str, int]]) -> None:
        """Store the complete hit/miss/write counts of some rounds of a run (replacing what
        an earlier, interrupted execution of those rounds stored) and update its totals."""
        if not counts:
            return
        rows = [
            (run_uid, int(r), int(c.get("hits", 0)), int(c.get("misses", 0)), int(c.get("writes", 0)))
            for r, c in sorted(counts.items())
        ]
        with self._guard(), self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO run_rounds(run_uid, round, hits, misses, writes) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute(
                "UPDATE runs SET (hits, misses, writes) = (SELECT COALESCE(SUM(hits), 0),"
                " COALESCE(SUM(misses), 0), COALESCE(SUM(writes), 0) FROM run_rounds WHERE run_uid=?),"
                " updated_at=? WHERE run_uid=?",
                (run_uid, time.time(), run_uid),
            )
