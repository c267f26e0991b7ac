"""Evolutionary selection (paper A.4).

Every E rounds the active agents are ranked by wealth; the bottom k are deactivated
and each of the top k spawns a child that inherits family, skill cluster and
disposition, starts with an empty reputation and receives the whole balance of one
deactivated agent, so total wealth is conserved exactly. A negative balance is a debt:
with ``evolution.child_debt=inherit`` (the default, Eq. 9 as written) the child takes it
on, starts last and is usually culled at the next event; with ``forgive`` the child
starts at 0 and the debt stays with the deactivated agent. Ties break by agent id
(lower id ranks first among equals on both ends).
"""

from __future__ import annotations

from collections.abc import Mapping


def select_replacements(balances: Mapping[int, int], replace: int) -> list[tuple[int, int]]:
    """Pairs ``(deactivated, parent)`` for one selection event.

    ``balances`` maps each *active* agent to its wealth. The bottom ``replace`` agents
    (ascending balance, then id) are paired in order with the top ``replace`` agents
    (descending balance, then id). When fewer than ``2 × replace`` agents are active,
    as many pairs as fit are made, so nobody is both culled and a parent.
    """
    if replace < 0:
        raise ValueError("replace must be >= 0")
    n_pairs = min(replace, len(balances) // 2)
    if n_pairs == 0:
        return []
    bottom = sorted(balances, key=lambda a: (balances[a], a))[:n_pairs]
    top = sorted(balances, key=lambda a: (-balances[a], a))[:n_pairs]
    return list(zip(bottom, top, strict=True))
