"""Load run directories (and Hydra sweep directories) into pandas frames.

Analysis reads run directories only — never live arena objects. A :class:`RunData` holds one
run's ``run.json`` and its Parquet tables (schema: :mod:`diagon.rundir.tables`):

* ``agents`` (``agents_rounds``) — round, agent_id, family, cluster, disposition, active,
  parent, born_round, balance, thinking_cost, execution_cost, revenue, paid, received,
  contracts_won, tasks_posted (money columns in integer micro-dollars).
* ``transactions`` — one row per settled task; ``rho`` is missing in autarky; the
  reputations before payment are missing for agents without history.
* ``bids``, ``texts`` (kind ∈ belief | proposal | selection_reason | payment_reason),
  ``surges`` (one row per TaskSurged; derived from ``events.jsonl`` for run directories
  written before that table existed).
* ``llm_calls`` — one row per language-model call of an LLM trader (round, seq, agent,
  decision, model, tokens_in, tokens_out, cost in micro-dollars, latency_s, retries, error);
  ``None`` when the run has no such table (scripted traders: the table is only written when
  there were calls). Analysed in :mod:`diagon.analysis.llm`.

A run directory whose tables were never written (``status`` running — still going or killed —
or a run that failed before writing them) is read with ``load_run(..., partial=True)``: the
tables are replayed from ``events.jsonl`` in memory and :attr:`RunData.source` says so. Empty
tables get their columns, so a run that failed in round 1 loads as zero rows, not a KeyError.

Runs are grouped by *condition* — the ``experiment`` name from ``run.json``, extended with
any non-seed Hydra overrides (``baseline[economy.platform_fee=0.1]``) so that a sweep over
another key does not collapse into one condition — and by ``seed``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd

from diagon.analysis.labels import run_labels
from diagon.rundir.runjson import read_run_json

_TABLES = ("agents_rounds", "transactions", "bids", "texts", "surges", "llm_calls")
# columns of the tables (diagon/rundir/tables.py), given to a table that has no rows
_AGENT_COLUMNS = ["round", "agent_id", "family", "cluster", "disposition", "active", "parent", "born_round",
                  "balance", "thinking_cost", "execution_cost", "revenue", "paid", "received", "contracts_won",
                  "tasks_posted", "thinking_tokens_in", "thinking_tokens_out"]
_TX_COLUMNS = ["round", "listing_id", "task_id", "cluster", "poster", "contractor", "poster_family",
               "contractor_family", "same_family", "reward", "surge_level", "price", "proposals", "q", "rho",
               "payment", "fee", "revenue", "dispute", "tier", "effort", "skill_match", "execution_cost", "cache",
               "synthetic", "poster_rep_before", "contractor_rep_before", "poster_experience",
               "contractor_experience"]
_SURGE_COLUMNS = ["round", "listing_id", "poster", "cause", "surge_level", "next_reward", "withdrawn"]
_TEXT_COLUMNS = ["round", "agent", "kind", "listing_id", "text"]
# overrides that never define a condition
_IGNORED_OVERRIDE_KEYS = ("seed", "experiment", "hydra", "rounds")


@dataclass
class RunData:
    """One run directory, read once."""

    run_dir: Path
    meta: dict[str, Any]
    agents: pd.DataFrame
    transactions: pd.DataFrame
    bids: pd.DataFrame
    texts: pd.DataFrame
    surges: pd.DataFrame
    overrides: list[str] = field(default_factory=list)
    llm_calls: pd.DataFrame | None = None  # None: no tables/llm_calls.parquet (no LLM traders)
    source: str = "tables"  # or "events…": tables replayed from events.jsonl (partial=True)

    @property
    def experiment(self) -> str:
        return str(self.meta.get("experiment"))

    @property
    def seed(self) -> int:
        return int(self.meta.get("seed", 0))

    @property
    def mode(self) -> str:
        return str(self.meta.get("mode"))

    @property
    def is_autarky(self) -> bool:
        """True for the no-market baseline (no payment ratio, no reputation)."""
        return self.mode == "autarky"

    @property
    def condition(self) -> str:
        extra = [o for o in self.overrides if o.split("=", 1)[0].lstrip("+~") not in _IGNORED_OVERRIDE_KEYS
                 and not o.startswith("hydra")]
        return self.experiment + (f"[{','.join(sorted(extra))}]" if extra else "")

    @property
    def dispute_threshold(self) -> float:
        return float(self.meta["config"]["economy"]["dispute_threshold"])

    @property
    def status(self) -> str:
        return str(self.meta.get("status"))

    @property
    def labels(self) -> list[str]:
        """The labels a report must show (:func:`diagon.analysis.labels.run_labels`)."""
        tx = self.transactions
        hits = int((tx["cache"] == "hit").sum()) if len(tx) and "cache" in tx else 0
        return run_labels(self.meta, hits)

    @cached_property
    def market_transactions(self) -> pd.DataFrame:
        """Transactions with a payment ratio (empty in autarky)."""
        tx = self.transactions
        return tx[tx["rho"].notna()] if len(tx) else tx

    @property
    def last_round(self) -> int:
        return int(self.agents["round"].max()) if len(self.agents) else 0


def _read_table(run_dir: Path, name: str) -> pd.DataFrame | None:
    path = run_dir / "tables" / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _surges_from_events(run_dir: Path) -> pd.DataFrame:
    rows = []
    path = run_dir / "events.jsonl"
    if path.exists():
        with path.open("rb") as fh:
            for line in fh:
                if b'"TaskSurged"' in line:
                    e = msgspec.json.decode(line)
                    rows.append({k: e[k] for k in _SURGE_COLUMNS})
    return pd.DataFrame(rows, columns=_SURGE_COLUMNS)


def _overrides(run_dir: Path) -> list[str]:
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.exists():
        return []
    # the file is a YAML list of strings ("- key=value"); no YAML parser needed
    return [line[2:].strip() for line in path.read_text().splitlines() if line.startswith("- ")]


def _with_columns(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if frame is None or (not len(frame) and not len(frame.columns)):
        return pd.DataFrame(columns=columns)
    return frame


def _complete_size(events: Path) -> int:
    """Bytes of ``events`` up to and including its last newline (a killed writer can tear a line)."""
    size = events.stat().st_size
    with events.open("rb") as fh:
        end = size
        while end > 0:
            start = max(0, end - (1 << 20))
            fh.seek(start)
            at = fh.read(end - start).rfind(b"\n")
            if at >= 0:
                return start + at + 1
            end = start
    return 0


def _replay(run_dir: Path) -> tuple[dict[str, pd.DataFrame], bool]:
    """(tables replayed from the events, whether a torn last line was left out)."""
    from diagon.rundir.tables import replay_frames

    events = run_dir / "events.jsonl"
    keep = _complete_size(events) if events.exists() else 0
    if not events.exists() or keep == events.stat().st_size:
        return replay_frames(run_dir), False
    with tempfile.TemporaryDirectory() as tmp, events.open("rb") as src:  # never touch the run dir
        shutil.copyfile(run_dir / "run.json", Path(tmp) / "run.json")
        with open(Path(tmp) / "events.jsonl", "wb") as dst:
            while keep > 0:
                chunk = src.read(min(keep, 1 << 20))
                dst.write(chunk)
                keep -= len(chunk)
        return replay_frames(tmp), True


def load_run(run_dir: Path | str, *, partial: bool = False) -> RunData:
    """Read one run directory (``run.json`` + ``tables/*.parquet``).

    Without its tables the run is refused, unless ``partial``: then they are replayed from
    ``events.jsonl`` (the run's state so far; :attr:`RunData.source` is ``"events"``); a
    torn last line (the writer was killed mid-line) is left out and ``source`` says so.
    """
    run_dir = Path(run_dir)
    meta = read_run_json(run_dir)
    frames: dict[str, pd.DataFrame | None] = {name: _read_table(run_dir, name) for name in _TABLES}
    source = "tables"
    if frames["agents_rounds"] is None or frames["transactions"] is None:
        if not partial:
            raise FileNotFoundError(f"{run_dir}: tables/agents_rounds.parquet or tables/transactions.parquet "
                                    f"missing (run.json status {meta.get('status')!r}: not finished?)")
        replayed, torn = _replay(run_dir)
        frames = {name: replayed.get(name) for name in _TABLES}
        if frames["llm_calls"] is not None and not len(frames["llm_calls"]):
            frames["llm_calls"] = None
        source = "events (torn last line ignored)" if torn else "events"
    surges = frames["surges"]
    if surges is None or (len(surges) == 0 and not len(surges.columns)):
        surges = _surges_from_events(run_dir) if surges is None else pd.DataFrame(columns=_SURGE_COLUMNS)
    texts = _with_columns(frames["texts"], _TEXT_COLUMNS)
    bids = frames["bids"] if frames["bids"] is not None else pd.DataFrame()
    tx = _with_columns(frames["transactions"], _TX_COLUMNS)
    if len(tx) and "rho" in tx:
        tx["rho"] = pd.to_numeric(tx["rho"], errors="coerce")  # None (autarky) -> NaN
        for col in ("poster_rep_before", "contractor_rep_before"):
            tx[col] = pd.to_numeric(tx[col], errors="coerce")
    return RunData(run_dir=run_dir, meta=meta, agents=_with_columns(frames["agents_rounds"], _AGENT_COLUMNS),
                   transactions=tx, bids=bids, texts=texts, surges=surges, overrides=_overrides(run_dir),
                   llm_calls=frames["llm_calls"], source=source)


def find_run_dirs(paths: list[Path | str]) -> list[Path]:
    """Expand each path: a run directory itself, or a (sweep) directory holding run directories.

    Sweep job directories are found at any depth; the result is sorted and de-duplicated.
    """
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if (path / "run.json").exists():
            found.add(path.resolve())
            continue
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: neither a run directory nor a directory of runs")
        below = {p.parent.resolve() for p in path.rglob("run.json")}
        if not below:
            raise FileNotFoundError(f"{path}: no run.json found below it")
        found |= below
    return sorted(found)


def run_status(run_dir: Path) -> str:
    """``status`` of a run directory's ``run.json`` ("corrupt run.json" when unreadable)."""
    try:
        return str(read_run_json(run_dir).get("status"))
    except ValueError:
        return "corrupt run.json"


def load_runs(paths: list[Path | str], *, completed_only: bool = True) -> list[RunData]:
    """Load every run directory below ``paths``.

    With ``completed_only`` the runs whose status is not ``completed`` are left out — with a
    warning naming each, never silently (``diagon compare`` refuses them instead).
    """
    runs, skipped = [], []
    for run_dir in find_run_dirs(paths):
        status = run_status(run_dir)
        if completed_only and status != "completed":
            skipped.append(f"{run_dir} ({status})")
            continue
        runs.append(load_run(run_dir))
    if skipped:
        warnings.warn(f"left out {len(skipped)} run(s) that did not complete: {'; '.join(skipped)}", stacklevel=2)
    return runs


def project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: the current one) holding
    ``conf/config.yaml`` — where ``diagon run`` writes ``runs/`` — else ``start`` itself."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "conf" / "config.yaml").is_file():
            return candidate
    return here


def notebook_run_dirs(env: str = "DIAGON_RUN_DIRS", default: str = "runs") -> list[Path]:
    """The run or sweep directories a notebook reads: ``$DIAGON_RUN_DIRS`` (separated by
    ``os.pathsep``) or ``runs``. A relative path is taken from the project root
    (:func:`project_root`), not from the kernel's directory: Jupyter starts a notebook's
    kernel in ``analysis/``, where ``runs`` would not be found."""
    root = project_root()
    raw = os.environ.get(env) or default
    return [p if p.is_absolute() else root / p for p in (Path(x) for x in raw.split(os.pathsep) if x)]


def group_runs(runs: list[RunData]) -> dict[str, list[RunData]]:
    """Runs by condition (insertion order = first appearance), each sorted by seed."""
    groups: dict[str, list[RunData]] = {}
    for run in runs:
        groups.setdefault(run.condition, []).append(run)
    return {k: sorted(v, key=lambda r: r.seed) for k, v in groups.items()}
