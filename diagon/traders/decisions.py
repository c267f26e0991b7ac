"""JSON schemas of the LLM trader's answers, their validation, and the fallbacks.

One schema per decision. Schemas are strict-mode compatible (every property required,
no additional properties); ``bounded=True`` adds length and count limits, which
grammar-constrained local decoding (llama.cpp) needs to stop, and which hosted strict
modes may reject, and restricts ids to the ones the request offers (``enum``: listings
the agent may bid on, its own listings, the agents that bid), so a small local model
cannot name a listing it was not shown. Parsing then checks what a schema cannot: each
item must refer to a listing of *this* request, a bid may not target the agent's own
task, exceed its balance or the bid limit, a winner must have bid. Such items are
dropped and named in the returned ``rejected`` list (the trader logs them in
``LLMCall.error``).

Numbers: a bid price must be a finite positive number within the balance, a payment
ratio ``rho`` a finite number in [0, 1] (a rho below the floor is raised to it by the
market; a negative one, or one above 1, is no ratio). A bid breaking this is dropped; a
payment breaking it is dropped and the market's neutral payment applies to that delivery.
``NaN``/``Infinity`` never get this far: the JSON reader refuses them as invalid output
(:func:`diagon.models.validation.loads_strict`), which is retried and then falls back.

Fallbacks when no valid answer is obtained (documented, never a crash): no bids (belief
and memory unchanged); reject every proposal; no plan (the arena's sonnet/medium default);
a neutral payment half-way between the floor and 1; decline every autarky task. An answer
that passed the schema but cannot be read (an unexpected value in it) gets the same
fallback, with the reason in ``LLMCall.error``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from diagon.config.schema import EFFORTS, TIERS, TraderConfig
from diagon.money import BP_SCALE, ratio_to_bp, to_decimal, to_usd, usd
from diagon.traders.base import (
    AcceptRequest,
    AutarkyChoice,
    Bid,
    BidRequest,
    Payment,
    PayRequest,
    Plan,
    PlanRequest,
    Selection,
    SelectRequest,
)

NEUTRAL_REASON = "fallback: neutral payment (no valid model answer)"


def _str(bounded: bool, limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit} if bounded else {"type": "string"}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def _arr(items: dict[str, Any], bounded: bool, limit: int) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": limit} if bounded else {"type": "array", "items": items}


def _belief_memory(cfg: TraderConfig, bounded: bool) -> dict[str, Any]:
    return {
        "belief": _str(bounded, cfg.belief_chars),
        "memory": _arr(_str(bounded, cfg.memory_note_chars), bounded, cfg.memory_notes),
    }


def _ids(bounded: bool, ids: Sequence[int] | None, nullable: bool = False) -> dict[str, Any]:
    """An id field: any integer, or (bounded, with ids known) one of ``ids``."""
    if bounded and ids:
        return {"enum": [*sorted(set(ids)), *([None] if nullable else [])]}
    return {"type": ["integer", "null"]} if nullable else {"type": "integer"}


def bid_schema(cfg: TraderConfig, max_bids: int, bounded: bool, listing_ids: Sequence[int] | None = None) -> dict[str, Any]:
    bid = _obj({"listing_id": _ids(bounded, listing_ids), "price_usd": {"type": "number"},
                "proposal": _str(bounded, cfg.proposal_chars)})
    return _obj({"bids": _arr(bid, bounded, max(1, max_bids)), **_belief_memory(cfg, bounded)})


def select_schema(n: int, bounded: bool, listing_ids: Sequence[int] | None = None,
                  bidders: Sequence[int] | None = None) -> dict[str, Any]:
    item = _obj({"listing_id": _ids(bounded, listing_ids), "winner": _ids(bounded, bidders, nullable=True),
                 "reason": _str(bounded, 200)})
    return _obj({"selections": _arr(item, bounded, max(1, n))})


def plan_schema(n: int, bounded: bool, listing_ids: Sequence[int] | None = None) -> dict[str, Any]:
    item = _obj({"listing_id": _ids(bounded, listing_ids), "tier": {"type": "string", "enum": list(TIERS)},
                 "effort": {"type": "string", "enum": list(EFFORTS)},
                 "skills": _arr(_str(bounded, 40), bounded, 3), "strategy": _str(bounded, 200)})
    return _obj({"plans": _arr(item, bounded, max(1, n))})


def pay_schema(n: int, bounded: bool, listing_ids: Sequence[int] | None = None) -> dict[str, Any]:
    item = _obj({"listing_id": _ids(bounded, listing_ids), "rho": {"type": "number"}, "reason": _str(bounded, 200)})
    return _obj({"payments": _arr(item, bounded, max(1, n))})


def accept_schema(cfg: TraderConfig, n: int, bounded: bool, listing_ids: Sequence[int] | None = None) -> dict[str, Any]:
    item = _obj({"listing_id": _ids(bounded, listing_ids), "accept": {"type": "boolean"},
                 "tier": {"type": "string", "enum": list(TIERS)},
                 "effort": {"type": "string", "enum": list(EFFORTS)}, "reason": _str(bounded, 200)})
    return _obj({"choices": _arr(item, bounded, max(1, n)), **_belief_memory(cfg, bounded)})


def _finite(value: Any) -> bool:
    """A real, finite JSON number (not a bool, NaN, ±Infinity or an int beyond float range)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def belief_and_memory(value: dict[str, Any], cfg: TraderConfig) -> tuple[str, dict[str, Any]]:
    """The rewritten belief and memory notes, truncated to their bounds."""
    notes = [str(n)[: cfg.memory_note_chars] for n in value.get("memory", [])][: cfg.memory_notes]
    return str(value.get("belief", ""))[: cfg.belief_chars], {"notes": notes}


def parse_bids(value: dict[str, Any], request: BidRequest, own: set[int], cfg: TraderConfig) -> tuple[list[Bid], list[str]]:
    """Valid bids of an answer, and why the others were rejected."""
    visible = {x.listing_id for x in request.listings}
    bids: list[Bid] = []
    rejected: list[str] = []
    for item in value.get("bids", []):
        listing_id, raw = int(item["listing_id"]), item["price_usd"]
        why = None
        if not _finite(raw):
            why = f"price {raw!r} is not a finite number"
        elif listing_id in own:
            why = "own task"
        elif listing_id not in visible:
            why = "not a listing offered to this agent"
        elif any(b.listing_id == listing_id for b in bids):
            why = "duplicate bid"
        elif raw <= 0:
            why = "price must be positive"
        elif to_decimal(raw) > to_usd(request.me.balance):  # compared before 1e308 meets micro-dollars
            why = f"price {item['price_usd']} USD above the balance"
        elif usd(raw) <= 0:
            why = "price must be positive"  # rounds to zero micro-dollars
        elif len(bids) >= request.rules.max_bids:
            why = f"more than {request.rules.max_bids} bids"
        if why:
            rejected.append(f"bid on listing {listing_id} rejected: {why}")
            continue
        bids.append(Bid(listing_id, usd(raw), str(item["proposal"])[: cfg.proposal_chars]))
    return bids, rejected


def parse_selections(value: dict[str, Any], request: SelectRequest) -> tuple[list[Selection], list[str]]:
    bidders = {listing.listing_id: {p.bidder for p in props} for listing, props in request.proposals}
    out: list[Selection] = []
    rejected: list[str] = []
    for item in value.get("selections", []):
        listing_id, winner = int(item["listing_id"]), item["winner"]
        if listing_id not in bidders or any(s.listing_id == listing_id for s in out):
            rejected.append(f"selection for listing {listing_id} ignored: not one of this agent's listings or repeated")
            continue
        reason = str(item["reason"])[:400]
        if winner is not None and int(winner) not in bidders[listing_id]:
            rejected.append(f"selection for listing {listing_id}: agent {winner} did not bid; all rejected")
            out.append(Selection(listing_id, None, f"invalid selection (agent {winner} did not bid)"))
            continue
        out.append(Selection(listing_id, None if winner is None else int(winner), reason))
    return out, rejected


def parse_plans(value: dict[str, Any], request: PlanRequest) -> tuple[list[Plan], list[str]]:
    ids = {c.listing.listing_id for c in request.contracts}
    out: list[Plan] = []
    rejected: list[str] = []
    for item in value.get("plans", []):
        listing_id = int(item["listing_id"])
        if listing_id not in ids or any(p.listing_id == listing_id for p in out):
            rejected.append(f"plan for listing {listing_id} ignored: not a contract of this agent or repeated")
            continue
        out.append(Plan(listing_id, item["tier"], item["effort"], [str(s)[:40] for s in item["skills"]][:3],
                        str(item["strategy"])[:400]))
    return out, rejected


def parse_payments(value: dict[str, Any], request: PayRequest) -> tuple[list[Payment], list[str]]:
    ids = {d.listing.listing_id for d in request.deliveries}
    out: list[Payment] = []
    rejected: list[str] = []
    for item in value.get("payments", []):
        listing_id = int(item["listing_id"])
        if listing_id not in ids or any(p.listing_id == listing_id for p in out):
            rejected.append(f"payment for listing {listing_id} ignored: not a delivery to this agent or repeated")
            continue
        rho = item["rho"]
        if not (_finite(rho) and 0 <= rho <= 1):
            rejected.append(f"payment for listing {listing_id} rejected: rho {rho!r} is not a ratio in [0, 1];"
                            " the neutral fallback applies")
            continue
        out.append(Payment(listing_id, float(rho), str(item["reason"])[:400]))
    return out, rejected


def parse_choices(value: dict[str, Any], request: AcceptRequest) -> tuple[list[AutarkyChoice], list[str]]:
    ids = {x.listing_id for x in request.listings}
    out: list[AutarkyChoice] = []
    rejected: list[str] = []
    for item in value.get("choices", []):
        listing_id = int(item["listing_id"])
        if listing_id not in ids or any(c.listing_id == listing_id for c in out):
            rejected.append(f"choice for listing {listing_id} ignored: not this agent's task or repeated")
            continue
        out.append(AutarkyChoice(listing_id, bool(item["accept"]), item["tier"], item["effort"], str(item["reason"])[:400]))
    return out, rejected


def neutral_payments(request: PayRequest) -> list[Payment]:
    """The fallback: half-way between the payment floor and 1, for every delivery."""
    floor_bp = ratio_to_bp(request.rules.payment_floor)
    rho = ((floor_bp + BP_SCALE) // 2) / BP_SCALE
    return [Payment(d.listing.listing_id, rho, NEUTRAL_REASON) for d in request.deliveries]


def reject_all(request: SelectRequest, why: str) -> list[Selection]:
    return [Selection(listing.listing_id, None, f"fallback: all rejected ({why})") for listing, _ in request.proposals]


def decline_all(request: AcceptRequest, why: str) -> list[AutarkyChoice]:
    return [AutarkyChoice(x.listing_id, False, "sonnet", "medium", f"fallback: declined ({why})") for x in request.listings]
