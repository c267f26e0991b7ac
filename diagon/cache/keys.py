"""Cache keys, entry records and their integrity digests.

A cache key is the sha256 of the canonical JSON (``sort_keys=True``, no whitespace) of
the execution's identity plus :data:`SCHEMA_VERSION`::

    {"v": 2, "worker": "llm", "task": "code-ini-parser", "task_version": <32 hex digits>,
     "tier": "sonnet", "executor": <canonical JSON string, e.g. of
     {"backend": "openrouter", "model": "anthropic/claude-sonnet-4.6"}>,
     "skill_match": true, "effort": "medium"}

``effort`` is ``null`` when ``cache.include_effort=false`` (the paper's key is the
triple task × tier × skill match). ``worker`` namespaces the cache by worker kind, so
outcomes of the synthetic or oracle worker are never replayed for an ``llm`` run.

``executor`` says what actually executed the tier and ``task_version`` which version of
the task and its verifier it ran (both defined in :mod:`diagon.cache.identity`): for
``llm`` the model backend and the tier's model id, so switching the configured model
never replays another model's outcomes; the content digest of the task (instruction,
input files, verifier, reference solution, environment;
:func:`diagon.tasks.digest.task_digest`), so editing a task or its tests never replays
an outcome of the old version. Both are stored in every entry, so a key can always be
recomputed from the entry's own columns (:meth:`CacheEntry.key_consistent`).

Version 1 keys (without ``executor`` and ``task_version``) cannot be mapped to version 2:
which model and which task version produced them is unknown. Stores and exports of
version 1 are therefore refused with the "other schema version" error.

Every stored entry carries a ``digest``: the sha256 of the canonical JSON of all its
other fields. It is checked whenever an entry is read for a replay, exported, imported
or verified, so a flipped byte inside a stored outcome is reported, never replayed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: Bump when the key material or the stored columns change; stores and portable files
#: of another version are refused with a clear message.
SCHEMA_VERSION = 2


def canonical_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 kept as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def cache_key(
    worker: str,
    task_id: str,
    tier: str,
    skill_match: bool,
    effort: str | None,
    *,
    task_version: str,
    executor: str,
) -> str:
    """The key of an execution (see the module docstring)."""
    return sha256_hex(
        {
            "v": SCHEMA_VERSION,
            "worker": worker,
            "task": task_id,
            "task_version": task_version,
            "tier": tier,
            "executor": executor,
            "skill_match": bool(skill_match),
            "effort": effort,
        }
    )


@dataclass(frozen=True)
class CacheEntry:
    """One stored execution outcome (a row of the store, a line of an export)."""

    entry_id: str  # stable id: dedupes merges/imports and orders a key's entries
    key: str
    worker: str
    task_id: str
    task_version: str  # the task's content digest when executed (diagon.cache.identity)
    task_source: str
    cluster: str
    difficulty: float
    tier: str
    executor: str  # what executed the tier, canonical JSON ("" for oracle/noop)
    effort: str
    skill_match: bool
    q: float
    tokens_in: int
    tokens_out: int
    cost: int  # micro-dollars as charged when stored (m · c_exec at `multiplier`)
    multiplier: float  # the task multiplier m of the storing run
    price_in: float  # the tier's USD per 1M tokens when stored
    price_out: float
    duration_s: float
    preview: str
    detail: str
    synthetic: bool
    source_run: str  # run id (or "warm:<id>", "import") that produced the outcome
    source_round: int  # round of the storing run (-1 outside a run)
    created_at: float
    digest: str = ""

    def payload(self) -> dict[str, Any]:
        """All fields except the digest (what the digest covers)."""
        data = asdict(self)
        data.pop("digest")
        return data

    def compute_digest(self) -> str:
        return sha256_hex(self.payload())

    def sealed(self) -> CacheEntry:
        """This entry with its digest filled in."""
        return replace(self, digest=self.compute_digest())

    def intact(self) -> bool:
        return bool(self.digest) and self.digest == self.compute_digest()

    def key_consistent(self) -> bool:
        """Whether ``key`` is the key of the entry's own columns (with or without effort)."""
        material = dict(task_version=self.task_version, executor=self.executor)
        args = (self.worker, self.task_id, self.tier, self.skill_match)
        return self.key in (cache_key(*args, self.effort, **material), cache_key(*args, None, **material))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> CacheEntry:
        """Rebuild an entry from a row or a decoded export line (types normalised)."""
        names = {f.name: f.type for f in fields(cls)}
        missing = [n for n in names if n not in data and n != "digest"]
        if missing:
            raise ValueError(f"cache entry lacks fields {missing}")
        values = {n: data[n] for n in names if n in data}
        for n in ("skill_match", "synthetic"):
            values[n] = bool(values[n])
        for n in ("tokens_in", "tokens_out", "cost", "source_round"):
            values[n] = int(values[n])
        for n in ("difficulty", "q", "multiplier", "price_in", "price_out", "duration_s", "created_at"):
            values[n] = float(values[n])
        return cls(**values)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(CacheEntry))
