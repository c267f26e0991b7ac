"""A damaged run directory is refused with a message naming the file; nothing is padded.

Attacks on ``events.jsonl`` (short, edited, garbage), on checkpoints (a corrupt newest
one falls back to the previous), on the log during a run, and planted symbolic links.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from diagon.cli import main as cli
from diagon.config import compose_config
from diagon.events import comparable_lines
from diagon.files import UnsafePathError, atomic_writer, open_nofollow
from diagon.rundir.checkpoints import CheckpointError, latest_checkpoint
from diagon.runner import MarketRun, RunError, execute_run
from tests.core.conftest import RUN_OVERRIDES as OVERRIDES


def resume(run_dir: Path) -> MarketRun:
    return execute_run(compose_config(OVERRIDES), run_dir, resume=True)


def offset_of(run_dir: Path, round_: int) -> int:
    data = json.loads((run_dir / "checkpoints" / f"round_{round_:04d}.json").read_bytes())
    return data["checkpoint"]["events_offset"]


# -- events.jsonl against the checkpoint -----------------------------------------------
def test_a_short_log_is_refused_and_never_padded(tmp_path, killed_run):
    killed_run(tmp_path)
    log = tmp_path / "events.jsonl"
    cut = offset_of(tmp_path, 4) - 100
    os.truncate(log, cut)
    with pytest.raises(RunError) as err:
        resume(tmp_path)
    assert str(log) in str(err.value)
    assert f"is {cut} bytes, shorter than the {cut + 100} bytes the checkpoint of round 4 records" in str(err.value)
    assert log.stat().st_size == cut  # not padded, not truncated further
    assert json.loads((tmp_path / "run.json").read_text())["resumes"] == []


def test_a_missing_log_is_refused(tmp_path, killed_run):
    killed_run(tmp_path)
    (tmp_path / "events.jsonl").unlink()
    with pytest.raises(RunError) as err:
        resume(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / 'events.jsonl'} is missing, the checkpoint of round 4 records"
        f" {offset_of(tmp_path, 4)} bytes of it; refusing to resume"
    )
    assert not (tmp_path / "events.jsonl").exists()


@pytest.mark.parametrize("edit", ["digit", "garbage_line", "swapped_lines"])
def test_an_edited_log_prefix_is_refused(tmp_path, killed_run, edit):
    killed_run(tmp_path)
    log = tmp_path / "events.jsonl"
    data = log.read_bytes()
    lines = data.split(b"\n")
    if edit == "digit":  # one bid's price changed, same length: only the digest sees it
        i = next(i for i, line in enumerate(lines) if b'"BidSubmitted"' in line)
        pos = lines[i].index(b'"price":') + len(b'"price":')
        digit = b"1" if lines[i][pos : pos + 1] != b"1" else b"2"
        lines[i] = lines[i][:pos] + digit + lines[i][pos + 1 :]
    elif edit == "garbage_line":
        lines[3] = b"x" * len(lines[3])
    else:
        lines[2], lines[3] = lines[3], lines[2]
    tampered = b"\n".join(lines)
    assert len(tampered) == len(data) and tampered != data
    log.write_bytes(tampered)
    with pytest.raises(RunError) as err:
        resume(tmp_path)
    assert str(err.value) == (
        f"{log}: its first {offset_of(tmp_path, 4)} bytes do not match the sha256 the checkpoint of"
        " round 4 records: the log was edited or damaged; refusing to resume"
    )
    assert log.read_bytes() == tampered  # the evidence is kept as it was


def test_a_log_replaced_by_a_symlink_is_refused(tmp_path, killed_run):
    killed_run(tmp_path)
    log = tmp_path / "events.jsonl"
    copy = tmp_path.parent / f"{tmp_path.name}-elsewhere.jsonl"
    copy.write_bytes(log.read_bytes())
    log.unlink()
    log.symlink_to(copy)
    with pytest.raises(RunError, match="it is a symbolic link"):
        resume(tmp_path)
    assert copy.read_bytes().endswith(b'{"ty')  # the target was not truncated


def test_a_partial_round_after_the_checkpoint_is_dropped(tmp_path, killed_run, full_run):
    killed_run(tmp_path)
    resumed = resume(tmp_path)
    assert comparable_lines(resumed.run_dir / "events.jsonl") == comparable_lines(full_run / "events.jsonl")


def test_bytes_appended_by_another_writer_during_a_run_stop_it(tmp_path):
    def intrude(round_: int, state: object) -> None:
        if round_ == 2:
            with open(tmp_path / "events.jsonl", "ab") as fh:
                fh.write(b'{"type":"RunEnded"}\n')

    with pytest.raises(RunError) as err:
        execute_run(compose_config(OVERRIDES), tmp_path, on_round=intrude)
    log = tmp_path / "events.jsonl"
    size = log.stat().st_size
    assert str(err.value) == (
        f"{log} is {size} bytes but this run left it at {size - 20}: another process or tool"
        " changed it during the run; stopping"
    )
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "failed"


# -- checkpoints ----------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "edited"])
def test_a_corrupt_newest_checkpoint_falls_back_to_the_previous(tmp_path, killed_run, full_run, damage):
    killed_run(tmp_path)
    newest = tmp_path / "checkpoints" / "round_0004.json"
    data = newest.read_bytes()
    if damage == "truncated":
        newest.write_bytes(data[: len(data) // 2])
    else:  # still valid JSON of the right shape: only the seal catches it
        newest.write_bytes(data.replace(b'"round":4', b'"round":3', 1))
    resumed = resume(tmp_path)
    meta = json.loads((tmp_path / "run.json").read_text())
    assert [r["from_round"] for r in meta["resumes"]] == [3]
    assert str(newest) in meta["resumes"][0]["skipped_checkpoints"][0]
    assert comparable_lines(resumed.run_dir / "events.jsonl") == comparable_lines(full_run / "events.jsonl")


def test_every_checkpoint_corrupt_is_refused_naming_each(tmp_path, killed_run):
    killed_run(tmp_path, done=1)
    for path in (tmp_path / "checkpoints").iterdir():
        path.write_bytes(b"{")
    with pytest.raises(RunError) as err:
        resume(tmp_path)
    assert str(err.value).startswith("no usable checkpoint: ")
    for name in ("round_0000.json", "round_0001.json"):
        assert str(tmp_path / "checkpoints" / name) in str(err.value)


def test_a_checkpoint_without_a_log_digest_is_named_as_such(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    old = tmp_path / "checkpoints" / "round_0000.json"
    old.write_bytes(b'{"round":0,"events_offset":10,"state":{}}')
    with pytest.raises(CheckpointError) as err:
        latest_checkpoint(tmp_path)
    assert f"{old}: written by an older Diagon without a log digest" in str(err.value)


# -- symbolic links ---------------------------------------------------------------------
def test_atomic_writer_refuses_a_link_and_leaves_its_target(tmp_path):
    target = tmp_path / "precious"
    target.write_text("keep me")
    link = tmp_path / "run.json"
    link.symlink_to(target)
    with pytest.raises(UnsafePathError, match=f"refusing to write {link}: it is a symbolic link"):
        with atomic_writer(link) as fh:
            fh.write(b"overwritten")
    with pytest.raises(UnsafePathError):
        open_nofollow(link, os.O_WRONLY | os.O_APPEND)
    assert target.read_text() == "keep me" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious", "run.json"]  # no temp left


def test_diagon_report_refuses_a_planted_report_link(full_run, tmp_path, capsys):
    target = tmp_path / "etc-passwd-like"
    target.write_text("root:x:0:0\n")
    link = full_run / "report.html"
    link.symlink_to(target)
    try:
        assert cli(["report", str(full_run)]) == 1  # a report that failed
    finally:
        link.unlink()
    assert f"refusing to write {link}: it is a symbolic link (to {target})" in capsys.readouterr().out
    assert target.read_text() == "root:x:0:0\n"


def test_diagon_compare_refuses_planted_output_links(full_run, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "bashrc-like"
    target.write_text("alias ls=ls\n")
    (out / "compare.csv").symlink_to(target)
    assert cli(["compare", str(full_run), "--out", str(out)]) == 2
    assert "it is a symbolic link" in capsys.readouterr().out
    assert target.read_text() == "alias ls=ls\n"


def test_a_planted_checkpoint_link_stops_the_resumed_run_without_writing_through_it(tmp_path, killed_run):
    killed_run(tmp_path)
    target = tmp_path.parent / f"{tmp_path.name}-target"
    target.write_text("unchanged")
    link = tmp_path / "checkpoints" / "round_0005.json"
    link.symlink_to(target)
    with pytest.raises(RunError) as err:
        resume(tmp_path)
    assert str(err.value).startswith(f"refusing to write {link}: it is a symbolic link (to {target})")
    assert target.read_text() == "unchanged" and link.is_symlink()
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["status"] == "failed" and "symbolic link" in meta["error"]


def test_a_planted_hydra_dir_link_is_refused(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".hydra").symlink_to(elsewhere)
    assert cli(["run", "population=small", "rounds=1", f"hydra.run.dir={run_dir}"]) == 2
    expected = f"refusing to write {run_dir / '.hydra'}: it is a symbolic link (to {elsewhere})"
    assert "".join(expected.split()) in "".join(capsys.readouterr().out.split())  # rich wraps lines
    assert list(elsewhere.iterdir()) == []
    assert not (run_dir / "run.json").exists()
