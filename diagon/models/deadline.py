"""A wall-clock deadline around one backend request (see :class:`CallTimeout`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from diagon.models.errors import CallTimeout

T = TypeVar("T")


async def within(timeout_s: float, call: Awaitable[T], backend: str) -> T:
    """Await ``call``, cancelling it (which closes its connection) after ``timeout_s``."""
    try:
        return await asyncio.wait_for(call, timeout_s)
    except TimeoutError:
        raise CallTimeout(
            f"the {backend!r} backend gave no complete reply within {timeout_s:g} s "
            "(model.timeout_s, wall clock for the whole request)"
        ) from None
