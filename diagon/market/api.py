"""The market API (paper Table 3): ten read-only queries, offered to LLM traders as tools.

A :class:`MarketAPI` is built per decision from the agent's own view only: its
:class:`~diagon.traders.base.SelfView`, the public rules, the listings of the request and
the public board. It answers with JSON-able dicts; a bad query answers ``{"error": ...}``
rather than raising. Per-agent facts it can reveal are public ones (balances on the
leaderboard, reputation summaries); an agent's own trades are shown only to that agent,
and a counterparty's family only under ``market.transparency``.

Money is reported in USD (floats rounded to the micro-dollar); execution-cost estimates
scale the listing's reference cost (a Sonnet-class worker, no skills) by the tier's price
relative to Sonnet, the effort's token factor and the task multiplier m.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from diagon.economy.reputation import ReputationSummary
from diagon.market.board import PublicBoard
from diagon.money import MICRO_PER_USD
from diagon.traders.base import ListingView, Rules, SelfView

DEFAULT_EFFORT_TOKENS = {"low": 0.6, "medium": 1.0, "high": 1.7}
PRIOR_RHO = 0.8  # assumed payment ratio of a poster without history


def usd(micro: int | float) -> float:
    """Micro-dollars as USD, rounded to the micro-dollar (for display only)."""
    return round(micro / MICRO_PER_USD, 6)


def reputation_json(rep: ReputationSummary) -> dict[str, Any]:
    """A reputation summary as prompts and tools show it."""
    if not rep.has_history:
        return {"history": "no history"}
    return {
        "avg_rho_as_poster": None if rep.avg_as_poster is None else round(rep.avg_as_poster, 3),
        "avg_rho_as_contractor": None if rep.avg_as_contractor is None else round(rep.avg_as_contractor, 3),
        "dispute_rate": round(rep.dispute_rate or 0.0, 3),
        "transactions": rep.transactions,
    }


def _obj(properties: dict[str, Any] | None = None, required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties or {}, "required": list(required)}


_INT = {"type": "integer"}
_NUM = {"type": "number"}
_STR = {"type": "string"}

#: name -> (description, JSON schema of the arguments)
TOOLS: dict[str, tuple[str, dict[str, Any]]] = {
    "check_balance": ("Your balance, last round's costs (thinking vs execution), profit and dispute rate.", _obj()),
    "estimate_cost": (
        "USD cost of a token count for a model family or worker tier (haiku|sonnet|opus).",
        _obj({"model": _STR, "tokens_in": _INT, "tokens_out": _INT}, ["model", "tokens_in", "tokens_out"]),
    ),
    "query_reputation": ("An agent's bilateral reputation and history size.", _obj({"agent_id": _INT}, ["agent_id"])),
    "get_prices": ("The price menu: model families and worker tiers, USD per 1M tokens.", _obj()),
    "calculate_profit": (
        "Projected profit of winning a listing at a price with a worker tier and effort.",
        _obj(
            {"listing_id": _INT, "price_usd": _NUM, "tier": _STR, "effort": _STR, "rho": _NUM},
            ["listing_id", "price_usd"],
        ),
    ),
    "preview_task": ("A listing's task, reward and estimated execution cost per tier.", _obj({"listing_id": _INT}, ["listing_id"])),
    "leaderboard": ("Active agents ranked by balance.", _obj({"top": _INT})),
    "market_summary": ("Aggregate market statistics by model family.", _obj()),
    "round_history": ("Per-round market aggregates (contracts, prices, payment ratios).", _obj({"rounds": _INT})),
    "transaction_log": ("Your own recent trades with their outcomes.", _obj({"limit": _INT})),
}


class MarketAPI:
    """The ten queries for one agent and one decision (see the module docstring)."""

    def __init__(
        self,
        me: SelfView,
        rules: Rules,
        listings: Sequence[ListingView] = (),
        *,
        effort_tokens: dict[str, float] | None = None,
    ) -> None:
        self.me = me
        self.rules = rules
        self.listings = {x.listing_id: x for x in listings}
        self.effort_tokens = effort_tokens or DEFAULT_EFFORT_TOKENS
        self._board: PublicBoard | None = None

    @staticmethod
    def names() -> list[str]:
        return list(TOOLS)

    @property
    def board(self) -> PublicBoard | None:
        if self._board is None and self.me.board is not None:
            self._board = self.me.board()
        return self._board

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Answer one query; unknown tools and bad arguments answer ``{"error": ...}``."""
        handler: Callable[..., dict[str, Any]] | None = getattr(self, f"_q_{name}", None)
        if name not in TOOLS or handler is None:
            return {"error": f"unknown tool {name!r}; available: {', '.join(TOOLS)}"}
        try:
            result = handler(**(arguments or {}))
            json.dumps(result, allow_nan=False)  # e.g. 1e308 × 1e308 = inf: no JSON answer
            return result
        except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
            return {"error": f"bad arguments for {name}: {exc}"}

    # -- helpers ----------------------------------------------------------------------
    def execution_estimate(self, listing: ListingView, tier: str, effort: str) -> int:
        """Expected execution cost (micro-dollars, incl. m) of a listing at a tier/effort."""
        if tier not in self.rules.tier_prices:
            raise ValueError(f"unknown tier {tier!r}")
        if effort not in self.effort_tokens:
            raise ValueError(f"unknown effort {effort!r}")
        base_in, base_out = self.rules.tier_prices.get("sonnet", self.rules.tier_prices[tier])
        t_in, t_out = self.rules.tier_prices[tier]
        ratio = (t_in + t_out) / (base_in + base_out) if base_in + base_out else 1.0
        return round(listing.reference_cost * ratio * self.effort_tokens[effort] * self.rules.task_multiplier)

    def _listing(self, listing_id: int) -> ListingView:
        listing = self.listings.get(int(listing_id))
        if listing is None:
            raise ValueError(f"listing {listing_id} is not in your view; known: {sorted(self.listings)}")
        return listing

    # -- the ten queries --------------------------------------------------------------
    def _q_check_balance(self) -> dict[str, Any]:
        me = self.me
        own = self._own_trades()
        return {
            "balance_usd": usd(me.balance),
            "last_round": {
                "thinking_cost_usd": usd(me.last_thinking_cost),
                "execution_cost_usd": usd(me.last_execution_cost),
                "contracts_won": me.last_contracts_won,
            },
            "recent_contracts": len(own),
            "dispute_rate": (me.reputation.dispute_rate if me.reputation.has_history else None),
        }

    def _q_estimate_cost(self, model: str, tokens_in: int, tokens_out: int) -> dict[str, Any]:
        if model in self.rules.tier_prices:
            p_in, p_out = self.rules.tier_prices[model]
            raw = int(tokens_in) * p_in + int(tokens_out) * p_out
            return {"model": model, "kind": "worker tier", "cost_usd": usd(raw),
                    "execution_cost_usd_with_multiplier": usd(raw * self.rules.task_multiplier)}
        if model in self.rules.family_prices:
            p_in, p_out = self.rules.family_prices[model]
            return {"model": model, "kind": "trader family", "cost_usd": usd(int(tokens_in) * p_in + int(tokens_out) * p_out)}
        raise ValueError(f"unknown model {model!r}")

    def _q_query_reputation(self, agent_id: int) -> dict[str, Any]:
        agent_id = int(agent_id)
        board = self.board
        entry = board.agent(agent_id) if board else None
        if entry is None:
            if agent_id == self.me.agent_id:
                return {"agent_id": agent_id, **reputation_json(self.me.reputation)}
            raise ValueError(f"no agent {agent_id}")
        out: dict[str, Any] = {"agent_id": agent_id, "active": entry.active, **reputation_json(entry.reputation)}
        if self.rules.transparency or agent_id == self.me.agent_id:
            out["family"] = entry.family
        return out

    def _q_get_prices(self) -> dict[str, Any]:
        return {
            "unit": "USD per 1M tokens (input, output)",
            "families": {k: list(v) for k, v in sorted(self.rules.family_prices.items())},
            "worker_tiers": {k: list(v) for k, v in sorted(self.rules.tier_prices.items())},
            "task_multiplier": self.rules.task_multiplier,
        }

    def _q_calculate_profit(
        self, listing_id: int, price_usd: float, tier: str = "sonnet", effort: str = "medium",
        rho: float | None = None,
    ) -> dict[str, Any]:
        listing = self._listing(listing_id)
        history = listing.poster_reputation.avg_as_poster
        expected_rho = float(rho) if rho is not None else (PRIOR_RHO if history is None else history)
        price = float(price_usd) * MICRO_PER_USD
        income = price * expected_rho * (1 - self.rules.platform_fee)
        cost = self.execution_estimate(listing, tier, effort)
        return {
            "listing_id": listing.listing_id, "price_usd": float(price_usd), "tier": tier, "effort": effort,
            "expected_rho": round(expected_rho, 3), "expected_income_usd": usd(income),
            "expected_execution_cost_usd": usd(cost), "expected_profit_usd": usd(income - cost),
        }

    def _q_preview_task(self, listing_id: int) -> dict[str, Any]:
        x = self._listing(listing_id)
        return {
            "listing_id": x.listing_id, "task": x.title, "cluster": x.cluster, "difficulty": x.difficulty,
            "reward_usd": usd(x.reward), "surge_level": x.surge_level, "pass_rate": x.pass_rate,
            "reference_cost_usd": usd(x.reference_cost),
            "execution_cost_estimate_usd": {t: usd(self.execution_estimate(x, t, "medium")) for t in sorted(self.rules.tier_prices)},
            "skill_match": x.cluster == self.me.cluster,
        }

    def _q_leaderboard(self, top: int = 10) -> dict[str, Any]:
        board = self.board
        if board is None:
            return {"error": "the leaderboard is not available"}
        active = sorted((a for a in board.agents if a.active), key=lambda a: (-a.balance, a.agent_id))
        rows = []
        for rank, a in enumerate(active, start=1):
            if rank <= max(1, int(top)) or a.agent_id == self.me.agent_id:
                row: dict[str, Any] = {"rank": rank, "agent_id": a.agent_id, "balance_usd": usd(a.balance)}
                if self.rules.transparency or a.agent_id == self.me.agent_id:
                    row["family"] = a.family
                rows.append(row)
        return {"agents": len(active), "ranking": rows}

    def _q_market_summary(self) -> dict[str, Any]:
        board = self.board
        if board is None:
            return {"error": "the market summary is not available"}
        by_family: dict[str, list[int]] = {}
        for a in board.agents:
            if a.active:
                by_family.setdefault(a.family, []).append(a.balance)
        rhos = [s["rho_bp"] for s in board.settlements if s.get("rho_bp") is not None]
        return {
            "round": board.round,
            "by_family": {f: {"agents": len(b), "mean_balance_usd": usd(sum(b) / len(b))} for f, b in sorted(by_family.items())},
            "open_listings": board.open_listings,
            "surge_pool": board.surge_pool,
            "recent_contracts": len(board.settlements),
            "mean_rho": round(sum(rhos) / len(rhos) / 10_000, 3) if rhos else None,
            "dispute_rate": round(sum(1 for s in board.settlements if s.get("dispute")) / len(rhos), 3) if rhos else None,
        }

    def _q_round_history(self, rounds: int = 5) -> dict[str, Any]:
        board = self.board
        if board is None:
            return {"error": "the round history is not available"}
        per: dict[int, list[dict[str, Any]]] = {}
        for s in board.settlements:
            per.setdefault(s["round"], []).append(s)
        out = []
        for r in sorted(per)[-max(1, int(rounds)):]:
            rows = per[r]
            rhos = [s["rho_bp"] for s in rows if s.get("rho_bp") is not None]
            out.append({
                "round": r, "contracts": len(rows),
                "mean_price_usd": usd(sum(s["price"] for s in rows) / len(rows)),
                "mean_rho": round(sum(rhos) / len(rhos) / 10_000, 3) if rhos else None,
                "disputes": sum(1 for s in rows if s.get("dispute")),
            })
        return {"rounds": out}

    def _q_transaction_log(self, limit: int = 10) -> dict[str, Any]:
        trades = self._own_trades()[-max(1, int(limit)):]
        return {"trades": trades}

    def _own_trades(self) -> list[dict[str, Any]]:
        board, me = self.board, self.me.agent_id
        if board is None:
            return []
        out = []
        for s in board.settlements:
            if me not in (s["poster"], s["contractor"]):
                continue
            role = "poster" if s["poster"] == me else "contractor"
            out.append({
                "round": s["round"], "listing_id": s["listing_id"], "role": role,
                "counterparty": s["contractor"] if role == "poster" else s["poster"],
                "price_usd": usd(s["price"]),
                "rho": None if s.get("rho_bp") is None else s["rho_bp"] / 10_000,
                "dispute": bool(s.get("dispute")),
            })
        return out
