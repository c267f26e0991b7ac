"""What a run's numbers are made of — the labels shown by the run summary, the report and
``diagon compare`` (one source, so the three never disagree).

* :func:`run_labels` — how decisions and executions were produced (synthetic, oracle, null,
  scripted, replayed, one local model for every family), from ``run.json``.
* :func:`built_in_effects` — with scripted traders, which "findings" are parameters of the
  script (``diagon/traders/scripted.py``; each parameter documented in ``conf/model/scripted.yaml``),
  with the values this run used, so nobody reports them as emergent behaviour.
* :func:`economic_parameters` — the paper's Table 2 symbols with this run's values.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["run_labels", "built_in_effects", "economic_parameters", "thinking_cost_share"]

# the scripted poster's payment rule (diagon/traders/scripted.py `pay`): its sigmoid's centre and slope
PAY_SIGMOID_CENTRE = 0.5
PAY_SIGMOID_SLOPE = 12
# below this share of all costs, thinking costs cannot drive an effect (scripted runs: 0.1–0.6 %)
NEGLIGIBLE_THINKING_SHARE = 0.05


def _cfg(meta: dict[str, Any], *keys: str, default: Any = None) -> Any:
    node: Any = meta.get("config") or {}
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def _scripted(meta: dict[str, Any]) -> bool:
    return bool((meta.get("synthetic") or {}).get("scripted_traders"))


def run_labels(meta: dict[str, Any], cache_hits: int = 0) -> list[str]:
    """Labels for ``run.json`` ``meta`` (empty: live traders and real execution).

    ``cache_hits`` is the number of executions replayed from the cache (``transactions.cache``).
    """
    flags = meta.get("synthetic") or {}
    out = []
    if flags.get("synthetic_execution"):
        out.append("SYNTHETIC execution (quality sampled, no task executed)")
    worker = _cfg(meta, "worker", "kind")
    if worker == "oracle":
        out.append("ORACLE execution (the task's reference solution: q = 1 by construction, no agent solved anything)")
    elif worker == "null":
        out.append("NULL execution (workers submit nothing: q measures the verifier, not an agent)")
    if flags.get("scripted_traders"):
        out.append("SCRIPTED traders (no LLM)")
    backend = _cfg(meta, "model", "backend")
    families = _cfg(meta, "population", "families", default=[]) or []
    if backend and backend != "scripted" and not flags.get("scripted_traders") and families:
        ids = {str(_cfg(meta, "families", f, "models", backend)) for f in families}
        if len(ids) == 1:
            out.append(f"ONE MODEL for every family ({backend}: {ids.pop()}): families differ only in "
                       "their price menus, not in the model that decides")
    if cache_hits:
        out.append(f"execution REPLAYED from the cache for {cache_hits} contracts")
    return out


def thinking_cost_share(agents: pd.DataFrame) -> float:
    """Thinking cost / (thinking + execution cost) over the whole run (NaN without costs)."""
    if not len(agents):
        return float("nan")
    thinking, execution = int(agents["thinking_cost"].sum()), int(agents["execution_cost"].sum())
    return thinking / (thinking + execution) if thinking + execution else float("nan")


def built_in_effects(meta: dict[str, Any], agents: pd.DataFrame | None = None) -> list[str]:
    """With scripted traders: the effects that are set by the script's parameters (else [])."""
    if not _scripted(meta):
        return []
    floor = _cfg(meta, "economy", "payment_floor")
    out = []
    if meta.get("mode") != "autarky":  # autarky has no payments
        out.append(f"payment threshold: scripted posters pay ρ = ρ_min + (1 − ρ_min)·sigmoid({PAY_SIGMOID_SLOPE}(s − "
                   f"{PAY_SIGMOID_CENTRE})) with ρ_min = {floor}, so a payment threshold near q = "
                   f"{PAY_SIGMOID_CENTRE} is the script's sigmoid centre")
    if _cfg(meta, "market", "transparency"):
        bias = _cfg(meta, "market", "same_family_bias")
        out.append(f"transparency effect: scripted traders add market.same_family_bias = {bias} to a same-family "
                   f"bidder's selection score and {bias / 2 if bias is not None else '?'} to the ρ paid to a "
                   "same-family contractor, so same-family preference is this parameter")
    dispositions = set(_cfg(meta, "population", "dispositions", default=[]) or []) - {"neutral"}
    if dispositions:
        out.append(f"dispositions ({', '.join(sorted(dispositions))}): scripted payment offsets (honest pays "
                   "ρ ∝ s, adversarial −0.25, collaborative +0.10) and selection weights, not learnt behaviour")
    markups = {f: _cfg(meta, "families", f, "markup") for f in _cfg(meta, "population", "families", default=[]) or []}
    if markups:
        out.append("family differences in bids start from families.<f>.markup ("
                   + ", ".join(f"{f} {v}" for f, v in sorted(markups.items())) + ")")
    share = thinking_cost_share(agents) if agents is not None else float("nan")
    text = ("thinking costs are fixed token counts per decision (trader.scripted_tokens) times the family "
            "price")
    if share == share:  # not NaN
        text += f": {share:.2%} of all costs"
        if share < NEGLIGIBLE_THINKING_SHARE:
            text += ", so effects of the thinking-cost price (e.g. cost amplification) cannot show"
    out.append(text)
    return out


def economic_parameters(meta: dict[str, Any]) -> list[tuple[str, object]]:
    """(symbol and config key, value) of the paper's Table 2 parameters for this run."""
    rows = [
        ("B₀ initial balance, USD (economy.initial_balance)", ("economy", "initial_balance")),
        ("K tasks per agent and round (economy.tasks_per_agent)", ("economy", "tasks_per_agent")),
        ("m task multiplier (economy.task_multiplier)", ("economy", "task_multiplier")),
        ("f platform fee (economy.platform_fee)", ("economy", "platform_fee")),
        ("ρ_min payment floor (economy.payment_floor)", ("economy", "payment_floor")),
        ("θ_d dispute threshold (economy.dispute_threshold)", ("economy", "dispute_threshold")),
        ("E evolution period, rounds (evolution.period)", ("evolution", "period")),
        ("k agents replaced per event (evolution.replace)", ("evolution", "replace")),
        ("evolution enabled (evolution.enabled)", ("evolution", "enabled")),
        ("s surge increment (surge.increment)", ("surge", "increment")),
    ]
    return [(label, _cfg(meta, *keys, default="—")) for label, keys in rows]
