"""Checkpoints: the market state after each completed round, plus where the log ended.

A checkpoint records the byte offset of ``events.jsonl`` after its round, the seq of the
last event before that offset and the sha256 of the log up to it (kept incrementally
by :class:`~diagon.events.log.EventWriter`). Resume checks the log against all three
(:func:`verify_log`) and refuses a log that is shorter or whose prefix differs; it never
pads a log or continues over garbage. Bytes *after* the offset are the events of a
round that did not complete (a kill mid-round) and are dropped, as designed.

Each file is sealed: ``{"format": 2, "sha256": …, "checkpoint": {…}}`` with the digest
of the exact checkpoint bytes, so a truncated or edited checkpoint is detected even when
it still parses; :func:`latest_checkpoint` then falls back to the previous good one.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import BinaryIO

import msgspec

from diagon.events.log import EventLogError, LogPosition, truncate_to
from diagon.files import atomic_writer, ensure_dir, open_nofollow
from diagon.market.state import Snapshot

_NAME = re.compile(r"^round_(\d{4,})\.json$")
FORMAT = 2
_CHUNK = 1 << 20


class CheckpointError(ValueError):
    """No checkpoint can be used; the message names each file and what is wrong."""


class Checkpoint(msgspec.Struct):
    round: int
    events_offset: int  # size of events.jsonl when this round was complete
    events_seq: int  # seq of the last event before that offset
    events_sha256: str  # sha256 of events.jsonl[:events_offset]
    state: Snapshot


class _Sealed(msgspec.Struct):
    format: int
    sha256: str
    checkpoint: msgspec.Raw


class _Seq(msgspec.Struct):
    seq: int


def write_checkpoint(run_dir: Path, checkpoint: Checkpoint) -> Path:
    folder = ensure_dir(run_dir / "checkpoints")
    path = folder / f"round_{checkpoint.round:04d}.json"
    body = msgspec.json.encode(checkpoint)
    sealed = _Sealed(FORMAT, hashlib.sha256(body).hexdigest(), msgspec.Raw(body))
    with atomic_writer(path) as fh:
        fh.write(msgspec.json.encode(sealed))
    return path


def read_checkpoint(path: Path) -> Checkpoint:
    """One checkpoint, seal-checked; :class:`CheckpointError` names what is wrong."""
    try:
        data = path.read_bytes()
        if data.startswith(b'{"round":'):  # format 1: no seal, no log digest
            raise CheckpointError(
                f"{path}: written by an older Diagon without a log digest, so the log cannot be"
                " verified against it; start the run again"
            )
        sealed = msgspec.json.decode(data, type=_Sealed)
        body = bytes(sealed.checkpoint)
        if sealed.format != FORMAT or hashlib.sha256(body).hexdigest() != sealed.sha256:
            raise CheckpointError(f"{path}: corrupt checkpoint (its content does not match its sha256)")
        return msgspec.json.decode(body, type=Checkpoint)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CheckpointError(f"{path}: corrupt checkpoint ({exc})") from exc


def latest_checkpoint(run_dir: Path, skipped: list[str] | None = None) -> Checkpoint | None:
    """The newest checkpoint that reads back intact (``None`` when there is none).

    A damaged newer checkpoint is passed over (its problem is appended to ``skipped``);
    when every checkpoint is damaged, :class:`CheckpointError` lists them all.
    """
    folder = run_dir / "checkpoints"
    if not folder.is_dir():
        return None
    rounds = sorted(
        ((int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))), reverse=True
    )
    problems: list[str] = []
    for _, path in rounds:
        try:
            checkpoint = read_checkpoint(path)
        except CheckpointError as exc:
            problems.append(str(exc))
            continue
        if skipped is not None:
            skipped.extend(problems)
        return checkpoint
    if problems:
        raise CheckpointError("no usable checkpoint: " + "; ".join(problems))
    return None


def resume_point(run_dir: Path) -> tuple[Checkpoint, LogPosition, list[str]]:
    """Where a run continues: the newest intact checkpoint, the log verified up to it with
    the events after it (a round that did not complete) dropped, and the problems of any
    newer checkpoints passed over. Raises :class:`CheckpointError` or
    :class:`~diagon.events.log.EventLogError` naming the file and what is wrong."""
    skipped: list[str] = []
    checkpoint = latest_checkpoint(run_dir, skipped)
    if checkpoint is None:
        raise CheckpointError(f"{run_dir}: no checkpoint to resume from")
    log = run_dir / "events.jsonl"
    position = verify_log(log, checkpoint)
    truncate_to(log, checkpoint.events_offset)
    return checkpoint, position, skipped


def verify_log(path: Path, checkpoint: Checkpoint) -> LogPosition:
    """Check that ``events.jsonl`` up to the checkpoint's offset is the log it recorded.

    Returns the position (with the running digest) to continue writing from; raises
    :class:`~diagon.events.log.EventLogError` naming the file and what is wrong.
    """
    source = f"the checkpoint of round {checkpoint.round}"
    offset = checkpoint.events_offset
    try:
        fd = open_nofollow(path, os.O_RDONLY)
    except FileNotFoundError:
        raise EventLogError(f"{path} is missing, {source} records {offset} bytes of it; refusing to resume") from None
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < offset:
            raise EventLogError(
                f"{path} is {size} bytes, shorter than the {offset} bytes {source} records: the log"
                " was truncated or replaced; refusing to resume (a log is never padded)"
            )
        hasher = hashlib.sha256()
        done = 0
        while done < offset:
            chunk = fh.read(min(_CHUNK, offset - done))
            hasher.update(chunk)
            done += len(chunk)
        if hasher.hexdigest() != checkpoint.events_sha256:
            raise EventLogError(
                f"{path}: its first {offset} bytes do not match the sha256 {source} records: the"
                " log was edited or damaged; refusing to resume"
            )
        fh.seek(max(offset - 1, 0))
        if offset and fh.read(1) != b"\n":
            raise EventLogError(f"{path}: the offset {offset} {source} records is not the end of a line")
        last = _last_line(fh, offset)
    try:
        seq = msgspec.json.decode(last, type=_Seq).seq if offset else -1
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise EventLogError(f"{path}: the line before byte {offset} is not an event ({exc})") from exc
    if seq != checkpoint.events_seq:
        raise EventLogError(
            f"{path}: the last event before byte {offset} has seq {seq}, {source} expects"
            f" {checkpoint.events_seq}; refusing to resume"
        )
    return LogPosition(offset=offset, last_seq=seq, hasher=hasher)


def _last_line(fh: BinaryIO, end: int) -> bytes:
    """The complete line that ends with the newline at byte ``end - 1``."""
    buf, pos = b"", end - 1
    while pos > 0:
        step = min(1 << 16, pos)
        pos -= step
        fh.seek(pos)
        buf = fh.read(step) + buf
        cut = buf.rfind(b"\n")
        if cut >= 0:
            return buf[cut + 1 :]
    return buf
