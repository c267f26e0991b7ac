"""``events.jsonl``: append-only, one JSON object per line, flushed per round."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from diagon.events.types import TIME_FIELDS, AnyEvent, Event
from diagon.files import open_nofollow

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


class EventLogError(RuntimeError):
    """events.jsonl is unreadable; the message names the file and line."""


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


@dataclass
class LogPosition:
    """Where a log ends: its size, the seq of its last event and a running sha256.

    The digest is updated with every flushed chunk, so a checkpoint records the digest
    of the whole log up to its offset at no extra cost (resume reads the log once).
    """

    offset: int = 0
    last_seq: int = -1
    hasher: Any = field(default_factory=hashlib.sha256)

    def sha256(self) -> str:
        return self.hasher.hexdigest()


class EventWriter:
    """Buffers the events of a round and writes them with one flush + fsync.

    The file is opened with ``O_NOFOLLOW`` (never written through a link) and must be
    exactly as long as this writer left it: bytes appended by anyone else stop the run
    instead of being folded into the checkpoint's digest.
    """

    def __init__(
        self, path: Path, position: LogPosition | None = None, scrub: Callable[[bytes], bytes] | None = None
    ) -> None:
        self.path = path
        self.position = position or LogPosition()
        self.scrub = scrub  # e.g. removes API keys an error message might echo
        self._buffer: list[bytes] = []
        self._last_seq = self.position.last_seq

    def append(self, event: Event) -> None:
        data = _encoder.encode(event)
        self._buffer.append(self.scrub(data) if self.scrub is not None else data)
        self._last_seq = event.seq

    def discard(self) -> None:
        """Drop buffered events (an unfinished round: resume replays it)."""
        self._buffer.clear()
        self._last_seq = self.position.last_seq

    def flush(self) -> int:
        """Write buffered events durably; returns the file size afterwards."""
        chunk = b"\n".join(self._buffer) + b"\n" if self._buffer else b""
        fd = open_nofollow(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(fd, "ab") as fh:
            size = os.fstat(fd).st_size
            if size != self.position.offset:
                raise EventLogError(
                    f"{self.path} is {size} bytes but this run left it at {self.position.offset}:"
                    " another process or tool changed it during the run; stopping"
                )
            fh.write(chunk)
            fh.flush()
            os.fsync(fd)
        self.position.hasher.update(chunk)
        self.position.offset += len(chunk)
        self.position.last_seq = self._last_seq
        self._buffer.clear()
        return self.position.offset


def read_events(path: Path | str) -> Iterator[Event]:
    """All events of a run, typed; a corrupt line raises :class:`EventLogError`."""
    path = Path(path)
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield _decoder.decode(line)
            except msgspec.DecodeError as exc:
                raise EventLogError(f"{path}:{lineno}: not a valid event ({exc})") from exc


def truncate_to(path: Path, size: int) -> None:
    """Drop everything after byte ``size`` (events of a round that did not complete).

    Never extends the file: a log shorter than ``size`` is an error, not something to pad.
    """
    fd = open_nofollow(path, os.O_RDWR)
    try:
        found = os.fstat(fd).st_size
        if found < size:
            raise EventLogError(f"{path} is {found} bytes, shorter than {size}; refusing to pad it")
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


def strip_time(record: dict) -> dict:
    """A plain event dict without its wall-clock fields (for comparing runs)."""
    return {k: v for k, v in record.items() if k not in TIME_FIELDS}


def comparable_lines(path: Path | str) -> list[dict]:
    """The event stream as dicts without time fields, for determinism checks."""
    return [strip_time(msgspec.to_builtins(e)) for e in read_events(path)]
