"""Per-run market metrics, each a documented function of a :class:`RunData`'s tables.

Definitions (chosen to match the paper's Table D.1 and §5 where its text allows):

* **Mean wealth** — mean ``balance`` (USD) at the end of the last round of the agents
  *active* then (a deactivated agent's balance went to a child, so its $0 would only count
  the evolution events).
* **Ginis** — :mod:`diagon.analysis.inequality` holds the one definition of each:
  ``wealth_gini_all`` (every agent ever present, deactivated ones included: the paper's,
  A.4), ``wealth_gini_active``, ``contract_gini_all`` (the paper's) and
  ``contract_gini_active``; debt is clipped to $0 and counted in ``agents_in_debt``.
* **Task success** — ``q ≥ 0.5`` (the paper's "adequate quality": 358 + 803 of 1,957
  transactions = 59.3 %, its task success rate). Rate over settled tasks.
* **Dispute** — ``ρ < θ_d`` (``economy.dispute_threshold``) over market transactions; in
  autarky there is no ρ and the Table D.1 row shows the *fail* rate ``1 − success``.
* **Role specialisation** — per family, from the market transactions between two different
  agents: ``paid`` = payments made as poster, ``received`` = payments received as contractor,
  both *gross* (before the platform fee, which the contractor bears; ``fee`` shows it), so
  the two sides are the same money and ``net`` sums to 0 across families. Net contractor
  share ``(received − paid) / (received + paid)`` (−1 pure poster, +1 pure contractor); the
  index is its range across families, and a run *specialises* when at least one family is a
  net contractor and another a net poster. In autarky nobody trades: the index is 0 by
  construction (a structural zero: never tested against).
* **Mobility** — the ⌈n/4⌉ poorest active agents at round ``r1`` (ties by agent id); the share
  of them that are active and outside the ⌈n/4⌉ poorest at ``r2``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from diagon.analysis import inequality
from diagon.analysis.inequality import gini
from diagon.analysis.load import RunData
from diagon.money import MICRO_PER_USD as MICRO

__all__ = [
    "SUCCESS_QUALITY", "gini", "wealth_gini_by_round", "final_wealth", "mean_wealth",
    "mean_quality", "success_rate", "dispute_rate", "dispute_rate_by_round",
    "role_by_family", "role_specialisation", "cross_family_share", "bottom_quartile_mobility",
    "composition_by_round", "costs_by_round", "costs_by_family", "run_metrics", "UNITS", "unit_values",
]

SUCCESS_QUALITY = 0.5


def _usd(micro: pd.Series | np.ndarray | int) -> pd.Series | np.ndarray | float:
    return micro / MICRO


def final_wealth(run: RunData, round_: int | None = None) -> pd.Series:
    """Balance (USD) of the active agents at the end of ``round_`` (default: last), by agent id."""
    a = run.agents
    r = run.last_round if round_ is None else round_
    rows = a[(a["round"] == r) & a["active"]]
    return pd.Series(_usd(rows["balance"].to_numpy(dtype=float)), index=rows["agent_id"].to_numpy(), name="wealth")


def mean_wealth(run: RunData) -> float:
    """Mean final balance (USD) of the active agents."""
    w = final_wealth(run)
    return float(w.mean()) if len(w) else math.nan


def wealth_gini_by_round(run: RunData) -> pd.DataFrame:
    """Per round (index): ``wealth_gini_all`` and ``wealth_gini_active``."""
    return inequality.wealth_gini_by_round(run.agents)


def mean_quality(run: RunData) -> float:
    """Mean verified quality q over settled tasks."""
    tx = run.transactions
    return float(tx["q"].mean()) if len(tx) else math.nan


def success_rate(run: RunData) -> float:
    """Share of settled tasks with q ≥ 0.5."""
    tx = run.transactions
    return float((tx["q"] >= SUCCESS_QUALITY).mean()) if len(tx) else math.nan


def _is_dispute(tx: pd.DataFrame, threshold: float) -> pd.Series:
    return tx["rho"] < threshold - 1e-12  # ρ is a multiple of 1e-4; guard float noise at the edge


def dispute_rate(run: RunData) -> float:
    """Share of market transactions with ρ < θ_d (NaN in autarky: no payment ratio)."""
    tx = run.market_transactions
    return float(_is_dispute(tx, run.dispute_threshold).mean()) if len(tx) else math.nan


def dispute_rate_by_round(run: RunData) -> pd.DataFrame:
    """Per round: market transactions ``n``, ``disputes`` and ``rate``."""
    tx = run.market_transactions
    if not len(tx):
        return pd.DataFrame(columns=["round", "n", "disputes", "rate"])
    d = tx.assign(d=_is_dispute(tx, run.dispute_threshold)).groupby("round")["d"].agg(["size", "sum"])
    out = d.rename(columns={"size": "n", "sum": "disputes"}).reset_index()
    out["disputes"] = out["disputes"].astype(int)
    out["rate"] = out["disputes"] / out["n"]
    return out


def role_by_family(run: RunData) -> pd.DataFrame:
    """Per family: USD paid as poster and received as contractor (both gross of the fee), the
    fee its contractors bore, net and net contractor share (module docstring)."""
    tx = run.market_transactions
    tx = tx[tx["poster"] != tx["contractor"]] if len(tx) else tx
    families = sorted(set(run.agents["family"].astype(str))) if len(run.agents) else []
    if len(tx):
        paid = tx.groupby("poster_family")["payment"].sum()
        received = tx.groupby("contractor_family")["payment"].sum()
        fee = tx.groupby("contractor_family")["fee"].sum()
    else:
        paid = received = fee = pd.Series(dtype="int64")
    idx = pd.Index(families, name="family")
    out = pd.DataFrame({name: _usd(col.reindex(idx, fill_value=0).astype(float))
                        for name, col in (("paid", paid), ("received", received), ("fee", fee))}, index=idx)
    out["net"] = out["received"] - out["paid"]
    volume = out["received"] + out["paid"]
    out["net_contractor_share"] = (out["net"] / volume).where(volume > 0)
    out["role"] = np.where(out["net"] > 0, "net contractor", np.where(out["net"] < 0, "net poster", "none"))
    return out


def role_specialisation(run: RunData) -> tuple[float, bool]:
    """(range of net contractor share across families, whether both roles occur)."""
    share = role_by_family(run)["net_contractor_share"].dropna()
    if share.empty:
        return 0.0, False
    return float(share.max() - share.min()), bool((share > 0).any() and (share < 0).any())


def cross_family_share(run: RunData) -> float:
    """Share of market transactions between agents of different families."""
    tx = run.market_transactions
    return float((~tx["same_family"].astype(bool)).mean()) if len(tx) else math.nan


def _bottom(balances: pd.DataFrame) -> set[int]:
    k = math.ceil(len(balances) / 4)
    ranked = balances.sort_values(["balance", "agent_id"], kind="mergesort")
    return set(ranked["agent_id"].head(k).astype(int))


def bottom_quartile_mobility(run: RunData, r1: int = 6, r2: int | None = None) -> tuple[float, int]:
    """(share of round-``r1`` bottom-quartile agents out of it at ``r2``, size of that group).

    ``r2`` defaults to the last round; ``r1`` is clamped into the run.
    """
    r2 = run.last_round if r2 is None else r2
    r1 = min(r1, r2)
    a = run.agents[run.agents["active"]]
    start = _bottom(a[a["round"] == r1])
    if not start:
        return math.nan, 0
    end_rows = a[a["round"] == r2]
    end_bottom, alive = _bottom(end_rows), set(end_rows["agent_id"].astype(int))
    escaped = {i for i in start if i in alive and i not in end_bottom}
    return len(escaped) / len(start), len(start)


def composition_by_round(run: RunData) -> pd.DataFrame:
    """Active agents per family (columns) and round (index) — the evolution of the population."""
    a = run.agents[run.agents["active"]]
    return a.groupby(["round", "family"]).size().unstack(fill_value=0)


def costs_by_round(run: RunData) -> pd.DataFrame:
    """Thinking and execution cost (USD) summed over agents, per round."""
    g = run.agents.groupby("round")[["thinking_cost", "execution_cost"]].sum().astype(float)
    return g / MICRO


def costs_by_family(run: RunData) -> pd.DataFrame:
    """Thinking and execution cost (USD) over the whole run, per family, with shares."""
    g = run.agents.groupby("family")[["thinking_cost", "execution_cost"]].sum().astype(float) / MICRO
    g["thinking_share"] = g["thinking_cost"] / (g["thinking_cost"] + g["execution_cost"])
    return g


def run_metrics(run: RunData) -> dict[str, float]:
    """The scalar metrics compared across runs (Table D.1 rows and more)."""
    spec, both_roles = role_specialisation(run)
    mobility, _ = bottom_quartile_mobility(run)
    success = success_rate(run)
    disputes = dispute_rate(run)
    costs = costs_by_round(run).sum()
    return {
        "mean_wealth": mean_wealth(run),
        "wealth_gini_all": inequality.wealth_gini_all(run.agents),
        "wealth_gini_active": inequality.wealth_gini_active(run.agents),
        "agents_in_debt": float(inequality.agents_in_debt(run.agents)),
        "mean_quality": mean_quality(run),
        "success_rate": success,
        "contract_gini_all": inequality.contract_gini_all(run.agents, run.transactions),
        "contract_gini_active": inequality.contract_gini_active(run.agents, run.transactions),
        # Table D.1's "dispute / fail rate": disputes in a market, failures in autarky
        "dispute_or_fail_rate": (1.0 - success) if run.is_autarky else disputes,
        "dispute_rate": disputes,
        "role_specialisation": spec,
        "specialised": float(both_roles),
        "cross_family_share": cross_family_share(run),
        "bottom_quartile_mobility": mobility,
        "transactions": float(len(run.transactions)),
        "thinking_cost": float(costs.get("thinking_cost", 0.0)),
        "execution_cost": float(costs.get("execution_cost", 0.0)),
    }


# the unit each per-unit effect is measured on (diagon compare's per-unit Cohen's d)
UNITS = {"mean_wealth": "agent", "mean_quality": "transaction", "success_rate": "transaction",
         "dispute_or_fail_rate": "transaction", "cross_family_share": "transaction"}


def unit_values(run: RunData, key: str) -> np.ndarray | None:
    """The per-unit observations whose mean is metric ``key`` (None: a run-level metric).

    Mean wealth: each active agent's final balance (USD); quality, success, dispute or fail
    and cross-family: one value per settled (market) transaction.
    """
    tx = run.transactions
    if key == "mean_wealth":
        return final_wealth(run).to_numpy(dtype=float)
    if key == "mean_quality":
        return tx["q"].to_numpy(dtype=float)
    if key == "success_rate" or (key == "dispute_or_fail_rate" and run.is_autarky):
        ok = (tx["q"].to_numpy(dtype=float) >= SUCCESS_QUALITY).astype(float)
        return ok if key == "success_rate" else 1.0 - ok
    market = run.market_transactions
    if key == "dispute_or_fail_rate":
        return _is_dispute(market, run.dispute_threshold).to_numpy(dtype=float)
    if key == "cross_family_share":
        return (~market["same_family"].astype(bool)).to_numpy(dtype=float)
    return None
