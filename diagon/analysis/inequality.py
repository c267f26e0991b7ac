"""Inequality metrics — the one definition of each Gini, shared by the run summary, the
report and ``diagon compare`` (glossary: ``docs/METRICS.md``).

They take the run-directory frames (``agents_rounds`` and ``transactions``), not a
:class:`~diagon.analysis.load.RunData`, so the end-of-run summary uses the very same code.

* :func:`gini` — ``G = Σ_i (2i − n − 1) x_(i) / (n Σ x)`` over the sorted vector of
  non-negative values; it refuses negative values instead of silently moving them.
* **Wealth** entering a Gini is ``max(balance, 0)``: an agent in debt holds no wealth (its
  debt is not negative wealth). The number of agents in debt is reported beside
  (:func:`agents_in_debt`), so clipping is never invisible.
* ``wealth_gini_all`` — over **every agent that was ever in the population** at the end of
  the round, deactivated agents included at their balance (``$0`` once evolution handed it
  to a child). This is the paper's statistic: deactivated agents "remain visible in aggregate
  metrics (Gini coefficient …) as inactive participants" (Appendix A.4).
* ``wealth_gini_active`` — over the agents active at the end of the round only.
* ``contract_gini_all`` — Gini of contracts won over the whole run (autarky: own tasks
  executed) per agent, over every agent ever in the population (agents without a contract
  count 0) — the paper's population, as for wealth.
* ``contract_gini_active`` — the same counts over the agents active in the last round.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "gini", "wealth_vector", "wealth_gini_all", "wealth_gini_active", "wealth_gini_by_round",
    "agents_in_debt", "contract_gini_all", "contract_gini_active",
]


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (NaN when empty, 0 when all are zero).

    Raises ``ValueError`` on a negative value: how debt enters a Gini is a definition
    (:func:`wealth_vector` clips it), not something this formula decides quietly.
    """
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0:
        return float("nan")
    if x[0] < 0:
        raise ValueError(f"gini() of a vector with negative values (min {x[0]}); clip or shift them first")
    total = x.sum()
    if total == 0:
        return 0.0
    n = x.size
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum()) / (n * total) - (n + 1) / n)


def _round_rows(agents: pd.DataFrame, round_: int | None) -> pd.DataFrame:
    if not len(agents):
        return agents
    r = int(agents["round"].max()) if round_ is None else round_
    return agents[agents["round"] == r]


def wealth_vector(agents: pd.DataFrame, *, active_only: bool, round_: int | None = None) -> np.ndarray:
    """Wealth (micro-dollars, debt clipped to 0) at the end of ``round_`` (default: last)."""
    rows = _round_rows(agents, round_)
    if active_only and len(rows):
        rows = rows[rows["active"].astype(bool)]
    if not len(rows):
        return np.zeros(0)
    return np.clip(rows["balance"].to_numpy(dtype=float), 0, None)


def wealth_gini_all(agents: pd.DataFrame, round_: int | None = None) -> float:
    """Wealth Gini over every agent ever in the population (the paper's, A.4)."""
    return gini(wealth_vector(agents, active_only=False, round_=round_))


def wealth_gini_active(agents: pd.DataFrame, round_: int | None = None) -> float:
    """Wealth Gini over the agents active at the end of the round."""
    return gini(wealth_vector(agents, active_only=True, round_=round_))


def wealth_gini_by_round(agents: pd.DataFrame) -> pd.DataFrame:
    """Per round: ``wealth_gini_all`` and ``wealth_gini_active`` (index: round)."""
    if not len(agents):
        return pd.DataFrame(columns=["wealth_gini_all", "wealth_gini_active"])
    rounds = sorted(int(r) for r in agents["round"].unique())
    return pd.DataFrame({"wealth_gini_all": [wealth_gini_all(agents, r) for r in rounds],
                         "wealth_gini_active": [wealth_gini_active(agents, r) for r in rounds]},
                        index=pd.Index(rounds, name="round"))


def agents_in_debt(agents: pd.DataFrame, round_: int | None = None) -> int:
    """Agents with a negative balance at the end of the round (clipped to 0 in the Ginis)."""
    rows = _round_rows(agents, round_)
    return int((rows["balance"] < 0).sum()) if len(rows) else 0


def _contracts(transactions: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    counts = transactions["contractor"].value_counts() if len(transactions) else pd.Series(dtype=int)
    return counts.reindex(ids, fill_value=0).to_numpy(dtype=float)


def contract_gini_all(agents: pd.DataFrame, transactions: pd.DataFrame) -> float:
    """Gini of contracts won per agent over every agent ever present (zero-filled)."""
    ids = np.unique(agents["agent_id"].to_numpy()) if len(agents) else np.zeros(0, dtype=int)
    return gini(_contracts(transactions, ids))


def contract_gini_active(agents: pd.DataFrame, transactions: pd.DataFrame) -> float:
    """Gini of contracts won over the run per agent active in the last round."""
    rows = _round_rows(agents, None)
    ids = np.unique(rows.loc[rows["active"].astype(bool), "agent_id"].to_numpy()) if len(rows) else np.zeros(0)
    return gini(_contracts(transactions, ids))
