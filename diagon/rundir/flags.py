"""Notes for the run summary when configurable economic edge cases happened (issue 11, item 5).

* **Surge in autarky**: a declined own task surges and may be accepted later at
  ``(1+s)^min(n, surge.max_level)`` times its reward, so declining is an arbitrage the
  paper's rules allow; the note counts such executions and the largest multiplier.
* **Debt at evolution**: a culled agent's negative balance passes to its child with
  ``evolution.child_debt=inherit`` (the child starts last and usually falls at the next
  event) or stays with the culled agent with ``forgive``; the note counts both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

_EVOLUTION = (b'"AgentDeactivated"', b'"AgentReproduced"')


def economy_notes(run_dir: Path, config: dict[str, Any], tx: pd.DataFrame) -> list[str]:
    """Summary notes (may be empty) for ``run_dir`` with its run.json ``config``."""
    notes = []
    surge = config.get("surge", {})
    if config.get("mode", {}).get("name") == "autarky" and len(tx) and "surge_level" in tx:
        surged = tx[tx["surge_level"] > 0]
        if len(surged):
            cap = surge.get("max_level")
            top = int(surged["surge_level"].max())
            factor = (1 + float(surge.get("increment", 0.0))) ** (top if cap is None else min(top, cap))
            notes.append(
                f"autarky: {len(surged)} own tasks were executed after their agent declined them,"
                f" at up to x{factor:.1f} the posted reward (surge.max_level={_yaml(cap)})"
            )
    debts, children, culled = _evolution(run_dir / "events.jsonl")
    if debts:
        mode = config.get("evolution", {}).get("child_debt", "inherit")
        if mode == "inherit":
            in_debt = [c for c, balance in children.items() if balance < 0]
            fell = sum(1 for c in in_debt if c in culled)
            notes.append(
                f"evolution: {len(in_debt)} children started in debt (a culled agent's negative"
                f" balance, evolution.child_debt=inherit); {fell} of them were culled later"
            )
        else:
            notes.append(
                f"evolution: {debts} culled agents' debts stayed with them and their children"
                f" started at 0 (evolution.child_debt={mode})"
            )
    return notes


def _evolution(events: Path) -> tuple[int, dict[int, int], set[int]]:
    """(culled agents with a negative balance, child -> starting balance, culled agent ids)."""
    debts, children, culled = 0, {}, set()
    with open(events, "rb") as fh:
        for line in fh:
            if not any(tag in line for tag in _EVOLUTION):
                continue
            e = json.loads(line)
            if e["type"] == "AgentDeactivated":
                culled.add(int(e["agent"]))
                debts += e["balance"] < 0
            elif e["type"] == "AgentReproduced":
                children[int(e["child"]["agent_id"])] = int(e["balance"])
    return debts, children, culled


def _yaml(value: object) -> str:
    return "null" if value is None else str(value)
