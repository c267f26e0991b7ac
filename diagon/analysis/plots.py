"""Figures of one run (matplotlib), each returned as a ``Figure``.

The backend is left to matplotlib (and ``MPLBACKEND``) where figures can be shown — a
Jupyter kernel, or a terminal with a display; only a headless process (no ``DISPLAY`` /
``WAYLAND_DISPLAY``, not in a kernel, not macOS/Windows) gets ``Agg`` forced
(:func:`choose_backend`), so ``diagon report`` never needs a GUI and notebooks show plots.

:func:`to_data_uri` turns a figure into an embedded base64 PNG so reports stay
self-contained. Scatter plots with more than ``MAX_POINTS`` points draw a seeded uniform
sample (the caption says so); every statistic is still computed on all rows.
"""

from __future__ import annotations

import base64
import io
import os
import sys

import matplotlib


def choose_backend() -> str | None:
    """Force ``Agg`` only when nothing could show a figure; returns the forced backend."""
    if os.environ.get("MPLBACKEND") or "ipykernel" in sys.modules:
        return None  # the user's choice, or Jupyter's inline backend
    if sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    matplotlib.use("Agg")  # headless: a GUI backend would fail on first use
    return "Agg"


choose_backend()  # must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from diagon.analysis import lemons, llm, metrics  # noqa: E402
from diagon.analysis.load import RunData  # noqa: E402
from diagon.money import MICRO_PER_USD  # noqa: E402

MAX_POINTS = 5000
MAX_EDGES = 3000
_SIZE = (7.0, 3.6)


def to_data_uri(fig: Figure, dpi: int = 90) -> str:
    """PNG data URI of a figure (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _family_colors(families: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10")
    return {f: cmap(i % 10) for i, f in enumerate(sorted(families))}


def _fig(title: str) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=_SIZE)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    return fig, ax


def wealth_by_family(run: RunData) -> Figure:
    """Mean balance of active agents per family and round, with each agent's path faint."""
    a = run.agents[run.agents["active"]].copy()
    a["usd"] = a["balance"] / MICRO_PER_USD
    colors = _family_colors(a["family"].unique().tolist())
    fig, ax = _fig("Wealth trajectories by family (active agents, USD)")
    for _, g in a.groupby("agent_id"):
        ax.plot(g["round"], g["usd"], color=colors[g["family"].iloc[0]], alpha=0.15, lw=0.8)
    for family, g in a.groupby("family"):
        m = g.groupby("round")["usd"].mean()
        ax.plot(m.index, m.values, color=colors[family], lw=2.2, label=family)
    ax.set_xlabel("round")
    ax.set_ylabel("balance (USD)")
    ax.legend(fontsize=8, ncol=2)
    return fig


def gini_over_time(run: RunData) -> Figure:
    """Wealth Gini per round: ``wealth_gini_all`` (every agent) and ``wealth_gini_active``."""
    g = metrics.wealth_gini_by_round(run)
    fig, ax = _fig("Wealth Gini per round")
    ax.plot(g.index, g["wealth_gini_all"], marker="o", ms=3, label="all agents (wealth_gini_all)")
    ax.plot(g.index, g["wealth_gini_active"], marker="s", ms=3, ls="--", label="active agents (wealth_gini_active)")
    ax.set_xlabel("round")
    ax.set_ylabel("Gini")
    ax.set_ylim(0, max(0.05, float(g.to_numpy().max()) * 1.15) if len(g) else 1)
    ax.legend(fontsize=8)
    return fig


def payment_vs_quality(run: RunData, seed: int = 0) -> Figure:
    """ρ against q (jittered scatter), bin means ± std, and the dispute threshold."""
    tx = run.market_transactions
    fig, ax = _fig("Payment ratio vs quality")
    if not len(tx):
        ax.text(0.5, 0.5, "no payment ratio (autarky)", ha="center", transform=ax.transAxes)
        return fig
    rng = np.random.default_rng(seed)
    shown = tx.iloc[np.sort(rng.choice(len(tx), MAX_POINTS, replace=False))] if len(tx) > MAX_POINTS else tx
    jitter = rng.uniform(-0.008, 0.008, size=(2, len(shown)))
    ax.scatter(shown["q"] + jitter[0], shown["rho"] + jitter[1], s=6, alpha=0.25, label="transactions")
    table = lemons.bin_table(tx, run.dispute_threshold)
    centres = {"0%": 0.0, "1-49%": 0.25, "50-99%": 0.75, "100%": 1.0}
    for label, row in table.iterrows():
        if row["n"]:
            ax.errorbar(centres[label], row["mean_rho"], yerr=0 if np.isnan(row["std_rho"]) else row["std_rho"],
                        fmt="s", color="black", ms=7, capsize=4)
            ax.annotate(f"{label}\nn={int(row['n'])}", (centres[label], row["mean_rho"]),
                        textcoords="offset points", xytext=(8, -22), fontsize=7)
    ax.axhline(run.dispute_threshold, color="red", ls="--", lw=1, label=f"dispute threshold {run.dispute_threshold}")
    ax.set_xlabel("verified quality q")
    ax.set_ylabel("payment ratio ρ")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def dispute_rate_per_round(run: RunData) -> Figure:
    """Share of transactions with ρ < θ_d per round."""
    d = metrics.dispute_rate_by_round(run)
    fig, ax = _fig("Dispute rate per round")
    if len(d):
        ax.plot(d["round"], d["rate"], marker="o", ms=3, color="tab:red")
        ax.set_ylim(0, 1)
    else:
        ax.text(0.5, 0.5, "no disputes possible (autarky)", ha="center", transform=ax.transAxes)
    ax.set_xlabel("round")
    ax.set_ylabel("dispute rate")
    return fig


def trade_network(run: RunData) -> Figure:
    """Who hired whom: nodes coloured by family, edge width by number of trades."""
    import networkx as nx

    from diagon.analysis.network import trade_edges

    e = trade_edges(run.transactions)
    fig, ax = plt.subplots(figsize=(7.0, 5.5))
    title = "Trade network (poster → contractor, width ∝ trades)"
    if len(e) > MAX_EDGES:  # draw the heaviest edges only; every node is still shown
        title += f"\n{MAX_EDGES:,} heaviest of {len(e):,} edges drawn"
        e = e.nlargest(MAX_EDGES, "trades", keep="first")
    ax.set_title(title, fontsize=11)
    ax.axis("off")
    if not len(e):
        ax.text(0.5, 0.5, "no trades between agents", ha="center", transform=ax.transAxes)
        return fig
    fam = run.agents.drop_duplicates("agent_id").set_index("agent_id")["family"]
    g = nx.DiGraph()
    g.add_nodes_from(int(i) for i in fam.index)
    for a, b, w in e.itertuples(index=False):
        g.add_edge(int(a), int(b), weight=int(w))
    colors = _family_colors(fam.unique().tolist())
    # a circle ordered by family: deterministic, and isolated agents cannot fly off the canvas
    order = sorted(g.nodes, key=lambda n: (fam[n], n))
    pos = nx.circular_layout(order)
    weights = np.array([d["weight"] for *_, d in g.edges(data=True)], dtype=float)
    # one LineCollection for the edges and one quiver for their heads: networkx's arrows are
    # a FancyArrowPatch each, which made this figure take ~7 s of a ~10 s report
    nx.draw_networkx_edges(g, pos, ax=ax, width=0.15 + 2.5 * weights / weights.max(), alpha=0.25, arrows=False)
    ends = np.array([(pos[a], pos[b]) for a, b in g.edges()], dtype=float)
    heads = ends[:, 0] + 0.85 * (ends[:, 1] - ends[:, 0])  # a head near the contractor's end
    step = 0.05 * (ends[:, 1] - ends[:, 0])
    ax.quiver(heads[:, 0], heads[:, 1], step[:, 0], step[:, 1], angles="xy", scale_units="xy", scale=1,
              width=0.002, headwidth=4, headlength=5, alpha=0.35, color="k")
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=60 if len(g) > 60 else 160,
                           node_color=[colors[fam[n]] for n in g.nodes])
    for family, c in colors.items():
        ax.scatter([], [], color=c, label=family)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return fig


def surge_levels(run: RunData) -> Figure:
    """Failures to match per round and the mean / max surge level they reached."""
    s = run.surges
    fig, ax = _fig("Surge: unmatched listings per round")
    if not len(s):
        ax.text(0.5, 0.5, "no listing surged", ha="center", transform=ax.transAxes)
        return fig
    g = s.groupby("round")["surge_level"].agg(["size", "mean", "max"])
    ax.bar(g.index, g["size"], color="tab:orange", alpha=0.6, label="listings surged")
    ax.set_xlabel("round")
    ax.set_ylabel("listings surged")
    ax2 = ax.twinx()
    ax2.plot(g.index, g["mean"], color="tab:purple", marker="o", ms=3, label="mean surge level")
    ax2.plot(g.index, g["max"], color="tab:purple", ls="--", label="max surge level")
    ax2.set_ylabel("surge level n")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
    return fig


def population_composition(run: RunData) -> Figure:
    """Active agents per family per round (stacked)."""
    comp = metrics.composition_by_round(run)
    colors = _family_colors(list(comp.columns))
    fig, ax = _fig("Population composition by family (active agents)")
    ax.stackplot(comp.index, comp.T.values, labels=comp.columns, colors=[colors[c] for c in comp.columns], alpha=0.85)
    ax.set_xlabel("round")
    ax.set_ylabel("active agents")
    ax.legend(fontsize=8, ncol=2, loc="lower left")
    return fig


def costs(run: RunData) -> Figure:
    """Thinking vs execution cost per round (USD, stacked)."""
    c = metrics.costs_by_round(run)
    total = float(c.to_numpy().sum())
    share = float(c["thinking_cost"].sum()) / total if total else 0.0
    fig, ax = _fig(f"Costs per round: thinking ({share:.1%} of all) vs execution (USD)")
    ax.bar(c.index, c["execution_cost"], label="execution", color="tab:gray")
    ax.bar(c.index, c["thinking_cost"], bottom=c["execution_cost"], label="thinking", color="tab:cyan")
    ax.set_xlabel("round")
    ax.set_ylabel("USD")
    ax.legend(fontsize=8)
    return fig


def llm_outcomes(run: RunData) -> Figure:
    """Share of LLM decisions per decision kind and family that ended in the documented
    fallback (solid) or had items rejected (hatched, stacked); not in :data:`FIGURES`: only
    runs with an ``llm_calls`` table have it."""
    t = llm.llm_by_family(run, totals=False)
    fig, ax = _fig("Language-model decisions: fallback and rejected items")
    ax.set_ylabel("share of decisions")
    if not len(t):
        ax.text(0.5, 0.5, "no language-model calls", ha="center", transform=ax.transAxes)
        return fig
    families = sorted(t.index.get_level_values("family").unique())
    kinds = [k for k in llm.DECISIONS if k in set(t.index.get_level_values("decision"))]
    kinds += sorted(set(t.index.get_level_values("decision")) - set(kinds))
    colors = _family_colors(families)
    width = 0.8 / len(families)
    top = 0.0
    for i, family in enumerate(families):
        rows = t.reindex([(family, k) for k in kinds]).fillna({"fallback_share": 0.0, "rejected_share": 0.0})
        fallback, rejected = rows["fallback_share"].to_numpy(float), rows["rejected_share"].to_numpy(float)
        x = np.arange(len(kinds)) + (i - (len(families) - 1) / 2) * width
        ax.bar(x, fallback, width, color=colors[family], label=family)
        ax.bar(x, rejected, width, bottom=fallback, color=colors[family], alpha=0.45, hatch="//")
        top = max(top, float((fallback + rejected).max()))
    ax.set_xticks(np.arange(len(kinds)), kinds)
    ax.set_ylim(0, max(0.05, min(1.05, top * 1.15)))
    if top == 0:
        ax.text(0.5, 0.5, "every decision valid: no fallback, no rejected item", ha="center",
                transform=ax.transAxes)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Patch(facecolor="gray", label="fallback"),
                Patch(facecolor="white", edgecolor="gray", hatch="//", label="items rejected")]
    ax.legend(handles=handles, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return fig


FIGURES = {
    "wealth": wealth_by_family, "gini": gini_over_time, "payment_quality": payment_vs_quality,
    "disputes": dispute_rate_per_round, "network": trade_network, "surge": surge_levels,
    "composition": population_composition, "costs": costs,
}


def all_figures(run: RunData) -> dict[str, str]:
    """Every figure of a run as a PNG data URI, keyed as in :data:`FIGURES`."""
    return {name: to_data_uri(make(run)) for name, make in FIGURES.items()}
