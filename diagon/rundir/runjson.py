"""``run.json``: written first (status running), finalised last (completed | failed)."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from diagon.files import atomic_writer

RUN_JSON_VERSION = 1
_RUN_FILES = ("run.json", "events.jsonl", "checkpoints")
TRACKED_PACKAGES = ("diagon", "numpy", "pandas", "pyarrow", "hydra-core", "omegaconf", "msgspec")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit(path: Path | None = None) -> str | None:
    """The commit of the checkout Diagon runs from (``None`` outside git)."""
    where = path or Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON: a temp file renamed over it, never a link."""
    with atomic_writer(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")


def holds_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` already holds a run (started, finished or killed): any of
    run.json, events.jsonl, checkpoints/, even as a dangling link."""
    return any((run_dir / name).exists() or (run_dir / name).is_symlink() for name in _RUN_FILES)


def read_run_json(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "run.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: not a Diagon run directory (no run.json)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: corrupt run.json ({exc})") from exc


def new_run_json(
    *, run_id: str, config: dict[str, Any], seed: int, synthetic: dict[str, bool], redacted: Sequence[str] = ()
) -> dict[str, Any]:
    """``config`` is the resolved config without secrets; ``redacted`` lists the dotted keys
    left out (see :mod:`diagon.config.secrets`: a resume reads those from the environment)."""
    return {
        "version": RUN_JSON_VERSION,
        "run_id": run_id,
        "status": "running",
        "experiment": config.get("experiment"),
        "mode": config.get("mode", {}).get("name"),
        "seed": seed,
        "config": config,
        "redacted": list(redacted),
        "git_commit": git_commit(),
        "packages": package_versions(),
        "started": _now(),
        "ended": None,
        "synthetic": synthetic,
        "counts": {},
        "resumes": [],
        "error": None,
        "wall_s": None,
        "_t0": time.time(),
    }


def finalise(data: dict[str, Any], status: str, counts: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    data = dict(data)
    data["status"] = status
    data["ended"] = _now()
    data["counts"] = counts
    data["error"] = error
    t0 = data.pop("_t0", None)
    if t0 is not None:
        data["wall_s"] = round(time.time() - t0, 3)
    return data
