"""The end-of-run summary printed by ``diagon run`` (computed from the run directory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diagon.analysis.inequality import (
    agents_in_debt,
    contract_gini_active,
    contract_gini_all,
    wealth_gini_active,
    wealth_gini_all,
)
from diagon.analysis.labels import built_in_effects, run_labels
from diagon.files import write_text
from diagon.money import fmt_usd
from diagon.rundir.flags import economy_notes
from diagon.rundir.runjson import read_run_json


@dataclass(frozen=True)
class RunSummary:
    run_dir: Path
    experiment: str
    mode: str
    seed: int
    rounds: int
    status: str
    labels: list[str]
    contracts: int
    disputes: int
    dispute_rate: float
    mean_quality: float
    listings_surged: int
    max_surge_level: int
    deactivated: int
    reproduced: int
    # definitions: diagon/analysis/inequality.py and docs/METRICS.md
    wealth_gini_all: float
    wealth_gini_active: float
    contract_gini_all: float
    contract_gini_active: float
    agents_in_debt: int
    wealth_by_family: dict[str, tuple[int, int, int]]  # family -> (active agents, mean, total)
    cache_counts: dict[str, int] = field(default_factory=dict)  # hit|miss|write -> executions
    # LLM traders: (decisions that fell back, decisions), as in diagon.analysis.llm; None without
    llm_fallbacks: tuple[int, int] | None = None
    built_in: list[str] = field(default_factory=list)  # scripted traders: effects set by parameters
    edge_cases: list[str] = field(default_factory=list)  # economic edge cases (diagon.rundir.flags)
    infra_errors: int = 0  # executions whose verification failed (q = 0 is no measurement)

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("run directory", str(self.run_dir)),
            ("experiment / mode / seed", f"{self.experiment} / {self.mode} / {self.seed}"),
            ("status", f"{self.status} after {self.rounds} rounds"),
            ("labels", ", ".join(self.labels) or "live"),
            *(
                [("own tasks executed (autarky)", str(self.contracts)), ("disputes", "n/a (no payment ratio in autarky)")]
                if self.mode == "autarky"
                else [
                    ("contracts settled", str(self.contracts)),
                    ("disputes (rho < threshold)", f"{self.disputes} ({self.dispute_rate:.1%})"),
                ]
            ),
            ("mean quality", f"{self.mean_quality:.3f}"),
            ("surge events / max level", f"{self.listings_surged} / {self.max_surge_level}"),
            ("evolution", f"{self.deactivated} deactivated, {self.reproduced} reproduced"),
            ("wealth Gini, all agents (wealth_gini_all)", f"{self.wealth_gini_all:.3f}"),
            ("wealth Gini, active agents (wealth_gini_active)", f"{self.wealth_gini_active:.3f}"),
            ("contract Gini, all / active agents", f"{self.contract_gini_all:.3f} / {self.contract_gini_active:.3f}"),
            ("agents in debt (counted as $0 in the Ginis)", str(self.agents_in_debt)),
        ]
        if self.infra_errors:
            rows.append(("verification failures (scored q = 0, not cached)", str(self.infra_errors)))
        if self.llm_fallbacks is not None:
            fell, total = self.llm_fallbacks
            rows.append(("LLM decisions fell back", f"{fell} of {total} ({fell / total:.1%})" if total else "0 of 0"))
        if self.cache_counts:
            c = self.cache_counts
            rows.append(("execution cache", ", ".join(f"{c[k]} {k}" for k in ("hit", "miss", "write") if k in c)))
        for family, (n, mean, total) in sorted(self.wealth_by_family.items()):
            rows.append((f"mean wealth {family}", f"{fmt_usd(mean)} ({n} active, total {fmt_usd(total)})"))
        return rows

    def notes(self) -> list[str]:
        """The labels, (scripted traders) each effect the script builds in, then the
        economic edge cases that happened (:mod:`diagon.rundir.flags`)."""
        return [*self.labels, *(f"built in by the script: {e}" for e in self.built_in), *self.edge_cases]

    def text(self) -> str:
        """The summary as plain text (``summary.txt`` in the run directory)."""
        width = max(len(k) for k, _ in self.rows())
        lines = [f"{k.ljust(width)}  {v}" for k, v in self.rows()]
        return "\n".join([f"Diagon run summary — {self.experiment}", *lines, *(f"NOTE: {x}" for x in self.notes())]) + "\n"


SUMMARY_FILE = "summary.txt"


def write_summary(run_dir: Path | str, summary: RunSummary | None = None) -> Path:
    """Save the summary as ``<run_dir>/summary.txt`` (what ``diagon run`` printed)."""
    summary = summary or summarise(run_dir)
    path = Path(run_dir) / SUMMARY_FILE
    write_text(path, summary.text())  # atomic, never through a planted link
    return path


def summarise(run_dir: Path | str) -> RunSummary:
    run_dir = Path(run_dir)
    meta = read_run_json(run_dir)
    tables = run_dir / "tables"
    agents = pd.read_parquet(tables / "agents_rounds.parquet")
    tx = pd.read_parquet(tables / "transactions.parquet")
    last_round = int(agents["round"].max())
    final = agents[agents["round"] == last_round]
    surges = pd.read_parquet(tables / "surges.parquet")
    surge_events = len(surges)
    max_level = int(surges["surge_level"].max()) if len(surges) else 0
    # evolution from the agent table: children have a parent; the culled end inactive
    deactivated = int((~final["active"]).sum())
    reproduced = int(final["parent"].notna().sum())
    cache_counts = tx["cache"].value_counts().to_dict() if "cache" in tx else {}
    market_tx = tx[tx["rho"].notna()] if len(tx) else tx
    disputes = int(market_tx["dispute"].sum()) if len(market_tx) else 0
    by_family: dict[str, tuple[int, int, int]] = {}
    for family, group in final[final["active"]].groupby("family"):
        by_family[str(family)] = (len(group), int(group["balance"].mean()), int(group["balance"].sum()))
    hits = int(cache_counts.get("hit", 0))
    labels = run_labels(meta, hits)
    infra_errors = int(tx["infra_error"].fillna(False).sum()) if "infra_error" in tx else 0
    if infra_errors:
        labels.insert(0, f"{infra_errors} executions had a FAILED VERIFICATION (q = 0 is no measurement)")
    fallbacks = _llm_fallbacks(run_dir)
    if fallbacks is not None and fallbacks[0]:  # before the REPLAYED label, which run_labels puts last
        labels.insert(len(labels) - bool(hits),
                      f"{fallbacks[0]} of {fallbacks[1]} LLM decisions FELL BACK (model call failed or answer unusable)")
    return RunSummary(
        run_dir=run_dir,
        experiment=meta["experiment"],
        mode=meta["mode"],
        seed=meta["seed"],
        rounds=last_round,
        status=meta["status"],
        labels=labels,
        contracts=len(tx),
        disputes=disputes,
        dispute_rate=disputes / len(market_tx) if len(market_tx) else 0.0,
        mean_quality=float(tx["q"].mean()) if len(tx) else 0.0,
        listings_surged=surge_events,
        max_surge_level=max_level,
        deactivated=deactivated,
        reproduced=reproduced,
        wealth_gini_all=wealth_gini_all(agents),
        wealth_gini_active=wealth_gini_active(agents),
        contract_gini_all=contract_gini_all(agents, tx),
        contract_gini_active=contract_gini_active(agents, tx),
        agents_in_debt=agents_in_debt(agents),
        wealth_by_family=by_family,
        cache_counts=cache_counts,
        llm_fallbacks=fallbacks,
        infra_errors=infra_errors,
        built_in=built_in_effects(meta, agents),
        edge_cases=economy_notes(run_dir, meta["config"], tx),
    )


def _llm_fallbacks(run_dir: Path) -> tuple[int, int] | None:
    """(fallback decisions, decisions) by :func:`diagon.analysis.llm.decision_outcomes`."""
    if not (run_dir / "tables" / "llm_calls.parquet").exists():
        return None
    from diagon.analysis.llm import decision_outcomes
    from diagon.analysis.load import load_run

    outcomes = decision_outcomes(load_run(run_dir))
    return int((outcomes["outcome"] == "fallback").sum()), len(outcomes)
