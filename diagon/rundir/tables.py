"""Parquet tables derived from ``events.jsonl`` (the events stay the source of truth).

* ``agents_rounds`` — one row per agent and round: balance at the end of the round,
  thinking and execution cost, revenue, payments made and received, contracts won.
* ``transactions`` — one row per settled task with the pre-payment features
  (reputations *before* this payment, experience, same family, round).
* ``bids`` — every sealed bid and whether it won.
* ``surges`` — every failure to match (TaskSurged): round, listing, cause, new surge level.
* ``texts`` — beliefs, proposals, selection and payment reasons.
* ``llm_calls`` — one row per language-model call (only when there were any).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from diagon.events import types as ev
from diagon.events.log import read_events
from diagon.files import atomic_writer, ensure_dir
from diagon.market.state import MarketState
from diagon.money import BP_SCALE, ratio_to_bp
from diagon.rundir.runjson import read_run_json


class _Table:
    """A table built column by column instead of as a list of row dicts.

    The first row fixes the columns and their order; every later row has the same keys.
    A column is an ``array('q')`` (8 bytes a value, no int objects) while every value is
    a plain int in the int64 range, else a list: given such values pandas infers int64,
    and from a list it infers a column's dtype exactly as from the row dicts, so the
    frame is the same. Equal strings are stored once (``strings``, shared by the tables
    of a replay): texts, causes, tiers and task ids repeat a lot.
    """

    def __init__(self, strings: dict[str, str] | None = None) -> None:
        self.columns: dict[str, array[int] | list[Any]] = {}
        self.rows = 0
        self._strings = {} if strings is None else strings

    def add(self, **row: Any) -> int:
        """Append a row; returns its index."""
        columns = self.columns
        if not columns:
            columns = self.columns = {name: array("q") if type(v) is int else [] for name, v in row.items()}
        elif len(row) != len(columns):
            raise ValueError(f"row keys {sorted(row)} differ from the columns {sorted(columns)}")
        strings = self._strings
        for name, column in columns.items():
            value = row[name]
            kind = type(value)
            if kind is str:
                value = strings.setdefault(value, value)
            if type(column) is array:
                if kind is int:
                    try:
                        column.append(value)
                        continue
                    except OverflowError:  # beyond int64: pandas decides on the whole list
                        pass
                column = columns[name] = list(column)
            column.append(value)
        self.rows += 1
        return self.rows - 1

    def pop_frame(self) -> pd.DataFrame:
        """The table as a DataFrame; the columns are released."""
        columns, self.columns, self.rows = self.columns, {}, 0
        if not columns:
            return pd.DataFrame([])  # no rows: no columns
        return pd.DataFrame({
            name: np.frombuffer(column, dtype=np.int64) if type(column) is array else column
            for name, column in columns.items()
        })


class _Posted(NamedTuple):
    """What the tables need of a TaskPosted (the latest one of its listing)."""

    poster: int
    reward: int
    cluster: str
    surge_level: int


class _Finished(NamedTuple):
    skill_match: bool
    cost: int
    cache: str | None
    synthetic: bool
    infra_error: bool


def _replay_tables(events_path: Path, dispute_threshold_bp: int) -> dict[str, _Table]:
    # Only what later rows read is kept per listing (not whole events), and a listing's
    # entries are dropped once it settles: nothing refers to a settled listing again.
    state: MarketState | None = None
    strings: dict[str, str] = {}
    tables: dict[str, _Table] = defaultdict(lambda: _Table(strings))
    bids, texts = tables["bids"], tables["texts"]
    per_round: dict[int, dict[str, int]] = {}
    planned: dict[int, tuple[str, str]] = {}  # listing -> (tier, effort)
    finished: dict[int, _Finished] = {}
    awarded: dict[int, int] = {}  # listing -> proposals
    posted: dict[int, _Posted] = {}
    bid_rows: dict[int, list[int]] = defaultdict(list)  # listing -> its rows in bids

    def tally(agent: int) -> dict[str, int]:
        return per_round.setdefault(agent, defaultdict(int))

    for e in read_events(events_path):
        if isinstance(e, ev.RunStarted):
            state = MarketState(dispute_threshold_bp)
        assert state is not None, "events.jsonl does not start with RunStarted"
        t = type(e)
        if t is ev.RoundStarted:
            per_round = {}
        elif t is ev.TaskPosted:
            posted[e.listing_id] = _Posted(e.poster, e.reward, e.cluster, e.surge_level)
            tally(e.poster)["tasks_posted"] += 1
        elif t is ev.BidSubmitted:
            listing = posted[e.listing_id]
            bid_rows[e.listing_id].append(
                bids.add(round=e.round, listing_id=e.listing_id, bidder=e.bidder, price=e.price,
                         poster=listing.poster, reward=listing.reward, won=False)
            )
            texts.add(round=e.round, agent=e.bidder, kind="proposal", listing_id=e.listing_id, text=e.proposal)
        elif t is ev.ContractAwarded:
            awarded[e.listing_id] = e.proposals
            bidder, won = bids.columns.get("bidder", []), bids.columns.get("won", [])
            for i in bid_rows.pop(e.listing_id, []):
                won[i] = bidder[i] == e.contractor
            tally(e.contractor)["contracts_won"] += 1
            texts.add(round=e.round, agent=e.poster, kind="selection_reason", listing_id=e.listing_id, text=e.reason)
        elif t is ev.ExecutionPlanned:
            planned[e.listing_id] = (e.tier, e.effort)
        elif t is ev.ExecutionFinished:
            finished[e.listing_id] = _Finished(e.skill_match, e.cost, e.cache, e.synthetic, e.infra_error)
            tally(e.contractor)["execution_cost"] += e.cost
        elif t is ev.PaymentDecided:
            texts.add(round=e.round, agent=e.poster, kind="payment_reason", listing_id=e.listing_id, text=e.reason)
        elif t is ev.Settled:
            tables["transactions"].add(**_transaction_row(
                e, state, posted.pop(e.listing_id), planned.pop(e.listing_id, None),
                finished.pop(e.listing_id, None), awarded.pop(e.listing_id, None),
            ))
            tally(e.poster)["revenue"] += e.revenue
            tally(e.poster)["paid"] += e.payment
            tally(e.contractor)["received"] += e.payment - e.fee
            tally(e.poster)["settled_as_poster"] += 1
        elif t is ev.TaskSurged:
            tables["surges"].add(round=e.round, listing_id=e.listing_id, poster=e.poster, cause=e.cause,
                                 surge_level=e.surge_level, next_reward=e.next_reward, withdrawn=e.withdrawn)
        elif t is ev.ThinkingCharged:
            tally(e.agent)["thinking_cost"] += e.cost
            tally(e.agent)["thinking_tokens_in"] += e.tokens_in
            tally(e.agent)["thinking_tokens_out"] += e.tokens_out
        elif t is ev.BeliefUpdated:
            texts.add(round=e.round, agent=e.agent, kind="belief", listing_id=None, text=e.belief)
        elif t is ev.LLMCall:
            tables["llm_calls"].add(**{k: getattr(e, k) for k in e.__struct_fields__})
        state.apply(e)
        if t is ev.RoundEnded:
            for agent_id, agent in sorted(state.agents.items()):
                counts = per_round.get(agent_id, {})
                tables["agents_rounds"].add(
                    round=e.round, agent_id=agent_id, family=agent.family,
                    cluster=agent.cluster, disposition=agent.disposition,
                    active=agent.active, parent=agent.parent, born_round=agent.born_round,
                    balance=state.balance(agent_id),
                    **{key: counts.get(key, 0) for key in (
                        "thinking_cost", "execution_cost", "revenue", "paid", "received",
                        "contracts_won", "tasks_posted", "thinking_tokens_in", "thinking_tokens_out")},
                )
    return tables


def _transaction_row(
    e: ev.Settled, state: MarketState, listing: _Posted, plan: tuple[str, str] | None,
    done: _Finished | None, proposals: int | None,
) -> dict[str, Any]:
    p_rep = state.reputation.summary(e.poster)
    c_rep = state.reputation.summary(e.contractor)
    poster_family = state.agents[e.poster].family
    contractor_family = state.agents[e.contractor].family
    return {
        "round": e.round, "listing_id": e.listing_id, "task_id": e.task_id, "cluster": listing.cluster,
        "poster": e.poster, "contractor": e.contractor,
        "poster_family": poster_family, "contractor_family": contractor_family,
        "same_family": poster_family == contractor_family,
        "reward": listing.reward, "surge_level": listing.surge_level, "price": e.price,
        "proposals": proposals if proposals is not None else 0,
        "q": e.q_bp / BP_SCALE, "rho": None if e.rho_bp is None else e.rho_bp / BP_SCALE,
        "payment": e.payment, "fee": e.fee, "revenue": e.revenue, "dispute": e.dispute,
        "tier": plan[0] if plan else None, "effort": plan[1] if plan else None,
        "skill_match": done.skill_match if done else None,
        "execution_cost": done.cost if done else 0,
        "cache": done.cache if done else None,
        "synthetic": done.synthetic if done else None,
        "infra_error": done.infra_error if done else None,
        "poster_rep_before": p_rep.avg_as_poster, "contractor_rep_before": c_rep.avg_as_contractor,
        "poster_experience": state.reputation.experience(e.poster),
        "contractor_experience": state.reputation.experience(e.contractor),
    }


def write_tables(run_dir: Path | str) -> dict[str, int]:
    """Write ``tables/*.parquet``; returns the row count of each table written."""
    run_dir = Path(run_dir)
    threshold = read_run_json(run_dir)["config"]["economy"]["dispute_threshold"]
    tables = _replay_tables(run_dir / "events.jsonl", ratio_to_bp(threshold))
    out = ensure_dir(run_dir / "tables")
    counts = {}
    for name in ("agents_rounds", "transactions", "bids", "surges", "texts", "llm_calls"):
        table = tables.pop(name, None) or _Table()
        if name in ("texts", "llm_calls") and not table.rows:
            continue  # written once they have content
        frame = table.pop_frame()  # one table in memory at a time, as a frame
        del table
        with atomic_writer(out / f"{name}.parquet") as fh:  # never through a planted link
            frame.to_parquet(fh, index=False)
        counts[name] = len(frame)
        del frame
    return counts


def replay_frames(run_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Every table as a frame, replayed from ``events.jsonl`` in memory (nothing written).

    For run directories whose ``tables/`` were never written (a run still going, or killed):
    the analysis reads them as they stand. A torn last line raises ``EventLogError``.
    """
    run_dir = Path(run_dir)
    threshold = read_run_json(run_dir)["config"]["economy"]["dispute_threshold"]
    tables = _replay_tables(run_dir / "events.jsonl", ratio_to_bp(threshold))
    return {name: (tables.pop(name, None) or _Table()).pop_frame()
            for name in ("agents_rounds", "transactions", "bids", "surges", "texts", "llm_calls")}
