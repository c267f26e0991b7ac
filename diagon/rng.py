"""Seeded random streams.

One integer seed in, independent ``numpy.random.Generator`` streams out (Philox keyed by
a BLAKE2 hash of the address), addressed by a stream name and integer keys (round, agent id, listing id …). Because every stream is
derived from its address and never from the order in which threads or coroutines ask
for it, concurrency cannot change a run, and a resumed run needs no saved RNG state.
The global RNGs (``random``, ``numpy.random``) are never used (ruff bans them).
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

# Stable numeric ids of the streams. Append only: changing a number changes every run.
STREAMS: dict[str, int] = {
    "population": 1,
    "post": 2,
    "agent": 3,  # a trader's own decisions in one round
    "browse": 4,  # retired: browsing now draws from the agent stream
    "execute": 5,
    "observe": 6,  # retired: observation now draws from the poster stream
    "evolve": 7,
    "benchmark": 8,
    "cache": 9,  # `diagon cache warm` executions
    "window": 10,  # a bidder's browse window: which listings it sees, in which order
}


def rng_for(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """A generator for ``(seed, stream, *keys)``; identical addresses give identical draws."""
    if stream not in STREAMS:
        raise KeyError(f"unknown random stream {stream!r}; known: {sorted(STREAMS)}")
    if seed < 0 or any(k < 0 for k in keys):
        raise ValueError(f"seed and stream keys must be non-negative, got {seed}, {keys}")
    # Philox is a counter-based generator keyed directly by a 128-bit hash of the
    # address: as independent as spawned SeedSequences, and ~10x cheaper to create,
    # which matters with thousands of agents × rounds.
    material = struct.pack(f"<{2 + len(keys)}Q", seed, STREAMS[stream], *keys)
    key = int.from_bytes(hashlib.blake2b(material, digest_size=16).digest(), "little")
    return np.random.Generator(np.random.Philox(key=key))
