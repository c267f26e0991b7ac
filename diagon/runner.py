"""Running a market: start a run directory, play rounds, checkpoint, finish, resume.

Run directory layout (DESIGN §6): ``run.json``, ``events.jsonl``, ``checkpoints/``,
``tables/``. After every round the round's events are flushed (fsync) and then a
checkpoint with the log's byte offset, last seq and sha256 is written atomically, so a
run killed at any moment resumes from the last completed round with an identical
outcome, and a log damaged since is refused. A run holds the directory's lock
(:mod:`diagon.rundir.lock`) from start to finish.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from diagon.config.schema import DiagonConfig, as_plain
from diagon.config.secrets import known_secrets, scrub, strip_secrets
from diagon.economy.ledger import TREASURY, Posting, agent_account
from diagon.events import types as ev
from diagon.events.log import EventLogError, EventWriter
from diagon.files import UnsafePathError, ensure_dir
from diagon.market.arena import phases_for, run_round
from diagon.market.context import ProgressCallback, RoundContext
from diagon.market.state import MarketState
from diagon.money import ratio_to_bp, usd
from diagon.rundir.checkpoints import Checkpoint, CheckpointError, resume_point, write_checkpoint
from diagon.rundir.lock import RunDirLockedError, run_dir_lock
from diagon.rundir.runjson import (
    finalise,
    holds_run,
    new_run_json,
    read_run_json,
    write_json_atomic,
)
from diagon.tasks.base import VerifierUnavailable
from diagon.tasks.catalogue import Catalogue, catalogue_for
from diagon.traders.base import Rules, Trader
from diagon.traders.registry import create_trader
from diagon.traders.session import TooManyFallbacks, TraderSession
from diagon.workers.base import Worker, WorkerUnavailable, create_worker

RoundCallback = Callable[[int, MarketState], None]
logger = logging.getLogger(__name__)


class RunError(RuntimeError):
    """A run cannot start or continue; the message says why."""


def public_config(cfg: DiagonConfig) -> tuple[dict[str, Any], list[str]]:
    """The resolved config as run.json stores it (no secrets), and the keys left out."""
    return strip_secrets(as_plain(cfg))


def run_id_for(cfg: DiagonConfig) -> str:
    """Deterministic id: experiment, seed and a hash of the resolved config without secrets
    (so a resumed run, which reads its keys from the environment, keeps its id)."""
    digest = hashlib.sha256(json.dumps(public_config(cfg)[0], sort_keys=True).encode()).hexdigest()
    return f"{cfg.experiment}-s{cfg.seed}-{digest[:10]}"


def check_fresh(run_dir: Path) -> None:
    """Refuse to start a run where one already is (its files are never touched)."""
    if holds_run(run_dir):
        raise RunError(f"{run_dir} already holds a run; use `diagon resume {run_dir}`")


def trader_name(cfg: DiagonConfig) -> str:
    """The registered trader: ``model.trader``, else scripted for backend scripted, else the backend's LLM trader."""
    return cfg.model.trader or cfg.model.backend


def _trader_kwargs(cfg: DiagonConfig, family: Any, disposition: str) -> dict[str, Any]:
    return dict(
        config=cfg,
        family=family,
        disposition=disposition,
        trader_cfg=cfg.trader,
        market=cfg.market,
        tiers=cfg.tiers,
        synthetic=cfg.worker.synthetic,
        multiplier=cfg.economy.task_multiplier,
    )


def _worker_kwargs(cfg: DiagonConfig) -> dict[str, Any]:
    # real workers also need the worker/sandbox/task/model config; synthetic ignores them
    return dict(
        tiers=cfg.tiers,
        multiplier=cfg.economy.task_multiplier,
        params=cfg.worker.synthetic,
        worker_cfg=cfg.worker,
        sandbox=cfg.sandbox.backend,
        tasks=cfg.tasks,
        model=cfg.model,
    )


def rules_for(cfg: DiagonConfig) -> Rules:
    e = cfg.economy
    return Rules(
        task_multiplier=e.task_multiplier,
        value_premium=e.value_premium,
        platform_fee=e.platform_fee,
        payment_floor=e.payment_floor,
        dispute_threshold=e.dispute_threshold,
        transparency=cfg.market.transparency,
        max_bids=cfg.market.max_bids_per_agent,
        family_prices={k: (f.price_in, f.price_out) for k, f in cfg.families.items()},
        tier_prices={k: (t.price_in, t.price_out) for k, t in cfg.tiers.items()},
        tier_quality_shift={k: t.quality_shift for k, t in cfg.tiers.items()},
    )


def initial_agents(cfg: DiagonConfig) -> list[ev.AgentInfo]:
    """Agent i gets family i mod F, cluster (i div F) mod C, disposition i mod D."""
    pop = cfg.population
    return [
        ev.AgentInfo(
            i,
            pop.families[i % len(pop.families)],
            pop.clusters[(i // len(pop.families)) % len(pop.clusters)],
            pop.dispositions[i % len(pop.dispositions)],
        )
        for i in range(pop.agents)
    ]


class MarketRun:
    """One run in one run directory."""

    def __init__(self, cfg: DiagonConfig, run_dir: Path, catalogue: Catalogue | None = None) -> None:
        if cfg.worker.synthetic.calibrate_from_cache:
            from diagon.cache.calibration import calibrated_config

            cfg = calibrated_config(cfg)  # run.json records the fitted values
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.run_id = run_id_for(cfg)
        self.catalogue = catalogue or catalogue_for(cfg.tasks)
        self.state = MarketState(ratio_to_bp(cfg.economy.dispute_threshold))
        secrets = known_secrets(as_plain(cfg))
        self._scrub: Callable[[bytes], bytes] | None = partial(scrub, secrets=secrets) if secrets else None
        self.writer = EventWriter(self.run_dir / "events.jsonl", scrub=self._scrub)
        from diagon.cache import wrap_worker

        # the cache builds the worker on its first miss (a fully warm fast run never does)
        self.worker: Worker = wrap_worker(
            lambda: create_worker(cfg.worker.kind, **_worker_kwargs(cfg)), cfg, run_id=self.run_id, run_dir=self.run_dir
        )
        self.rules = rules_for(cfg)
        self._traders: dict[int, Trader] = {}
        self.trader_session = TraderSession(cfg)  # shared model stack of LLM traders
        self.trader_factory: Callable[[int], Trader] = self._make_trader
        self.on_progress: ProgressCallback | None = None  # decisions done within a phase

    @property
    def synthetic_flags(self) -> dict[str, bool]:
        return {
            "synthetic_execution": bool(getattr(self.worker, "synthetic", False)),
            # no real language model decides: scripted heuristics, or LLM traders on the fake model
            "scripted_traders": trader_name(self.cfg) == "scripted" or self.cfg.model.backend == "scripted",
        }

    def _make_trader(self, agent_id: int) -> Trader:
        agent = self.state.agents[agent_id]
        kwargs = _trader_kwargs(self.cfg, self.cfg.families[agent.family], agent.disposition)
        kwargs.update(agent_id=agent_id, family_name=agent.family, session=self.trader_session)
        return create_trader(trader_name(self.cfg), **kwargs)

    def trader_for(self, agent_id: int) -> Trader:
        if agent_id not in self._traders:
            self._traders[agent_id] = self.trader_factory(agent_id)
        return self._traders[agent_id]

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Create run.json (running), emit RunStarted with the endowments, checkpoint 0."""
        ensure_dir(self.run_dir)
        check_fresh(self.run_dir)
        config, redacted = public_config(self.cfg)
        self._run_json = new_run_json(
            run_id=self.run_id, config=config, seed=self.cfg.seed, synthetic=self.synthetic_flags, redacted=redacted
        )
        write_json_atomic(self.run_dir / "run.json", self._run_json)
        agents = initial_agents(self.cfg)
        endowment = usd(self.cfg.economy.initial_balance)
        ctx = self._context(0)
        ctx.emit(
            ev.RunStarted,
            ts=time.time(),
            schema_version=ev.SCHEMA_VERSION,
            seed=self.cfg.seed,
            mode=self.cfg.mode.name,
            experiment=self.cfg.experiment,
            traders=self.cfg.model.backend,
            worker=self.cfg.worker.kind,
            synthetic_execution=self.synthetic_flags["synthetic_execution"],
            scripted_traders=self.synthetic_flags["scripted_traders"],
            agents=agents,
            postings=[Posting(TREASURY, agent_account(a.agent_id), endowment, "endowment") for a in agents if endowment],
        )
        self._end_round(0)

    def resume(self) -> int:
        """Restore the newest intact checkpoint, verify the log up to it and drop the events
        after it (a round that did not complete); returns the next round."""
        self._run_json = read_run_json(self.run_dir)
        if self._run_json.get("status") == "completed":
            raise RunError(f"{self.run_dir} is already completed; nothing to resume")
        try:
            checkpoint, position, skipped = resume_point(self.run_dir)
        except (CheckpointError, EventLogError) as exc:
            raise RunError(str(exc)) from exc
        for problem in skipped:  # a damaged newer checkpoint: that round is played again
            logger.warning("%s; resuming from round %d", problem, checkpoint.round)
        self.writer = EventWriter(self.run_dir / "events.jsonl", position, self._scrub)
        self.state = MarketState.restore(checkpoint.state, ratio_to_bp(self.cfg.economy.dispute_threshold))
        self._run_json["status"] = "running"
        entry: dict[str, Any] = {"from_round": checkpoint.round}
        if skipped:
            entry["skipped_checkpoints"] = skipped
        self._run_json["resumes"] = [*self._run_json.get("resumes", []), entry]
        self._run_json["_t0"] = time.time()
        write_json_atomic(self.run_dir / "run.json", self._run_json)
        return checkpoint.round + 1

    def _context(self, round_: int) -> RoundContext:
        return RoundContext(
            cfg=self.cfg,
            run_id=self.run_id,
            round=round_,
            state=self.state,
            catalogue=self.catalogue,
            writer=self.writer,
            trader_for=self.trader_for,
            worker=self.worker,
            rules=self.rules,
            on_progress=self.on_progress,
        )

    def _end_round(self, round_: int) -> None:
        offset = self.writer.flush()
        flush = getattr(self.worker, "flush", None)
        if flush is not None:  # the execution cache stores the round's hit/miss counts
            flush()
        log = self.writer.position
        checkpoint = Checkpoint(
            round=round_, events_offset=offset, events_seq=log.last_seq, events_sha256=log.sha256(),
            state=self.state.snapshot(),
        )
        write_checkpoint(self.run_dir, checkpoint)

    def play(self, first_round: int, on_round: RoundCallback | None = None) -> None:
        """Play rounds ``first_round..cfg.rounds`` (each flushed and checkpointed)."""
        asyncio.run(self._play(first_round, on_round))

    async def _play(self, first_round: int, on_round: RoundCallback | None) -> None:
        # one event loop for the whole run: model clients and limits live across rounds
        phases = phases_for(self.cfg.mode.name)
        if trader_name(self.cfg) != "scripted":
            # import the SDK, build the client and the agents' traders (prompt templates,
            # schemas) now: that is run setup, and round 1 should cost what the others do
            self.trader_session.core()
            for agent_id in self.state.active_ids():
                self.trader_for(agent_id)
        try:
            for round_ in range(first_round, self.cfg.rounds + 1):
                await run_round(self._context(round_), phases)
                self.trader_session.check_round(round_)  # an unreachable model fails here
                self._end_round(round_)
                if on_round is not None:
                    on_round(round_, self.state)
        finally:
            await self.trader_session.aclose()

    def finish(self, status: str = "completed", error: str | None = None) -> dict[str, Any]:
        """Emit RunEnded (on success), write tables and finalise run.json."""
        from diagon.rundir.tables import write_tables

        if status == "completed":
            ctx = self._context(self.cfg.rounds)
            ctx.emit(ev.RunEnded, ts=time.time(), status=status, rounds=self.cfg.rounds)
            self.writer.flush()
        counts: dict[str, Any] = {}
        try:
            counts = write_tables(self.run_dir)
        except Exception as exc:  # tables are derived data; never lose the run over them
            counts = {"tables_error": str(exc)}
            if status == "completed":  # ... but a run without its tables is not completed
                status, error = "failed", f"tables could not be written: {type(exc).__name__}: {exc}"
        close = getattr(self.worker, "close", None)
        if close is not None:  # e.g. the execution cache flushes its hit/miss counts
            close()
        if error is not None and self._scrub is not None:
            error = self._scrub(error.encode()).decode()
        data = finalise(self._run_json, status, counts, error)
        write_json_atomic(self.run_dir / "run.json", data)
        return data


def execute_run(
    cfg: DiagonConfig,
    run_dir: Path,
    *,
    resume: bool = False,
    on_round: RoundCallback | None = None,
    catalogue: Catalogue | None = None,
    checked: bool = False,
    on_progress: ProgressCallback | None = None,
) -> MarketRun:
    """Start (or resume) a run and play it to the end; marks run.json failed on error.

    The run directory is locked for the whole run: a second process is refused before it
    writes anything (:class:`RunError`). ``checked``: the caller already ran
    :func:`check_runnable` on ``cfg``.
    """
    if not checked:
        from diagon.run_checks import check_runnable  # it imports this module's helpers

        check_runnable(cfg)
    try:
        with run_dir_lock(run_dir):
            if not resume:  # before the cache registers the run (MarketRun's worker)
                check_fresh(Path(run_dir))
            return _execute_locked(cfg, run_dir, resume, on_round, catalogue, on_progress)
    except (RunDirLockedError, UnsafePathError, EventLogError) as exc:
        raise RunError(str(exc)) from exc


def _execute_locked(
    cfg: DiagonConfig,
    run_dir: Path,
    resume: bool,
    on_round: RoundCallback | None,
    catalogue: Catalogue | None,
    on_progress: ProgressCallback | None,
) -> MarketRun:
    run = MarketRun(cfg, run_dir, catalogue)
    run.on_progress = on_progress
    first = run.resume() if resume else (run.start() or 1)
    try:
        run.play(first, on_round)
    except BaseException as exc:
        run.writer.discard()
        run.finish("failed", f"{type(exc).__name__}: {exc}")
        if isinstance(exc, TooManyFallbacks):
            raise RunError(
                f"{exc}. {run_dir} keeps every completed round: fix the model and continue with"
                f" `diagon resume {run_dir}`"
            ) from exc
        if isinstance(exc, WorkerUnavailable | VerifierUnavailable):
            what = "the worker's model (reachable server, API key)"
            if isinstance(exc, VerifierUnavailable):
                what = "the sandbox the task verifiers run in"
            raise RunError(
                f"{exc}. {run_dir} keeps every completed round and the cache every stored"
                f" execution: fix {what} and continue with `diagon resume {run_dir}`"
            ) from exc
        raise
    data = run.finish("completed")
    if data["status"] != "completed":
        raise RunError(f"{run_dir}: {data.get('error')}; events.jsonl is complete")
    return run
