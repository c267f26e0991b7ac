"""Surge pricing: a listing that fails to match comes back next round paying more."""

from __future__ import annotations

from diagon.economy.pricing import surged_reward
from diagon.events import types as ev
from diagon.market.context import RoundContext


def surge(ctx: RoundContext, listing_id: int, cause: str) -> None:
    """Send an open listing to the surge pool (or withdraw it at ``surge.max_failures``);
    its reward grows with each failure up to ``surge.max_level`` failures."""
    listing = ctx.state.open_listings[listing_id]
    level = listing.surge_level + 1
    limit = ctx.cfg.surge.max_failures
    cap = ctx.cfg.surge.max_level
    priced = level if cap is None else min(level, cap)
    ctx.emit(
        ev.TaskSurged,
        listing_id=listing_id,
        poster=listing.poster,
        cause=cause,
        surge_level=level,
        next_reward=surged_reward(listing.base_reward, priced, ctx.cfg.surge.increment),
        withdrawn=limit is not None and level >= limit,
    )
