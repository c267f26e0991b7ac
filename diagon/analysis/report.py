"""``report.html``: one self-contained page per run (PNG figures embedded as base64, inline CSS,
no network assets). Banners carry the run's labels (:mod:`diagon.analysis.labels`: synthetic,
oracle, scripted, one model for every family) and, with scripted traders, the effects the
script builds in. Runs with LLM traders (an ``llm_calls`` table) get a "Language-model
decisions" section.

Robustness: each section and figure is drawn on its own; one that cannot be drawn (a run that
failed in round 1, a damaged table) becomes a line saying what is missing and why, listed
again at the top of the page and in :attr:`ReportPage.not_drawn` — the rest of the report
still appears. A run whose ``tables/`` were never written (still running, killed) is read
from ``events.jsonl`` (``load_run(partial=True)``) and says so.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diagon.analysis import lemons, llm, metrics, plots
from diagon.analysis.disputes import dispute_model
from diagon.analysis.labels import built_in_effects, economic_parameters
from diagon.analysis.load import RunData, load_run
from diagon.analysis.network import reciprocity
from diagon.files import write_text
from diagon.money import fmt_usd

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1250px;color:#222}
h1{margin-bottom:4px} h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
.banner{background:#fff3cd;border:2px solid #e0a800;padding:10px 14px;margin:12px 0;font-weight:600}
.meta{color:#555;font-size:14px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}
figure{margin:0;border:1px solid #eee;padding:6px} figure img{width:100%} figcaption{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px} th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f5f5f5} td:first-child,th:first-child{text-align:left}
.note{font-size:12px;color:#555}
.missing{background:#f8d7da;border:1px solid #d9534f;padding:6px 10px}
"""

_FIGURE_CAPTIONS = {
    "wealth": "Thick: family mean of active agents; faint: each agent.",
    "gini": "Solid: every agent ever present, deactivated at $0 (the paper's); dashed: active agents. Debt counts $0.",
    "composition": "Evolution: deactivated agents leave, children of the richest join.",
    "costs": "Thinking = trader tokens × family price; execution = worker cost (m · c_exec).",
    "payment_quality": f"Squares: bin mean ± std of ρ (Table 4 bins); at most {plots.MAX_POINTS} points drawn.",
    "disputes": "Share of settled contracts with ρ below the dispute threshold.",
    "network": "Edges: poster → contractor pairs that traded at least once.",
    "surge": "Bars: TaskSurged events per round; lines: surge level reached.",
}


def _table(frame: pd.DataFrame, index: bool = True, digits: int = 3) -> str:
    def fmt(x: object) -> str:
        if isinstance(x, float):
            if math.isnan(x):
                return "—"
            # tiny values (p-values) would round to 0.000: show them in scientific notation
            return f"{x:.2e}" if 0 < abs(x) < 10**-digits else f"{x:.{digits}f}"
        return str(x)

    return frame.to_html(index=index, escape=True, na_rep="—", formatters={c: fmt for c in frame.columns},
                         border=0, index_names=False)


def _fmt_value(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "—"
        return f"{v:.2e}" if 0 < abs(v) < 1e-4 else f"{v:.4f}"
    return str(v)


def _kv(rows: list[tuple[str, object]]) -> str:
    """A two-column table of (label, value); values formatted one by one (ints stay ints)."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt_value(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


# headline metrics: key -> (label, formatter)
_HEADLINE = {
    "mean_wealth": ("mean final wealth of active agents", lambda v: f"${v:,.2f}"),
    "wealth_gini_all": ("wealth Gini, all agents incl. deactivated (wealth_gini_all)", lambda v: f"{v:.3f}"),
    "wealth_gini_active": ("wealth Gini, active agents (wealth_gini_active)", lambda v: f"{v:.3f}"),
    "agents_in_debt": ("agents in debt (counted as $0 in the Ginis)", lambda v: f"{int(v):,}"),
    "mean_quality": ("mean quality q", lambda v: f"{v:.3f}"),
    "success_rate": ("task success rate (q ≥ 0.5)", lambda v: f"{v:.1%}"),
    "contract_gini_all": ("contract Gini, all agents (contract_gini_all)", lambda v: f"{v:.3f}"),
    "contract_gini_active": ("contract Gini, active agents (contract_gini_active)", lambda v: f"{v:.3f}"),
    "dispute_rate": ("dispute rate (ρ < θ_d)", lambda v: f"{v:.1%}"),
    "role_specialisation": ("role specialisation (range of net contractor share, gross payments)",
                            lambda v: f"{v:.3f}"),
    "specialised": ("families split into net posters and net contractors", lambda v: "yes" if v else "no"),
    "cross_family_share": ("cross-family trade share", lambda v: f"{v:.1%}"),
    "bottom_quartile_mobility": ("bottom-quartile mobility (round 6 → last)", lambda v: f"{v:.1%}"),
    "transactions": ("settled tasks", lambda v: f"{int(v):,}"),
    "thinking_cost": ("thinking cost, all agents", lambda v: f"${v:,.4f}"),
    "execution_cost": ("execution cost, all agents", lambda v: f"${v:,.2f}"),
}


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{body}\n"


def _header(run: RunData) -> str:
    m = run.meta
    banner = "".join(f'<div class="banner">⚠ {html.escape(label)}</div>' for label in run.labels)
    if run.status != "completed":
        error = f" ({m.get('error')})" if m.get("error") else ""
        banner += (f'<div class="banner">⚠ run status {html.escape(run.status)}{html.escape(error)}: this report '
                   f"covers rounds 0–{run.last_round} only</div>")
    if run.source != "tables":
        banner += ('<div class="banner">⚠ tables/ was never written: the tables were replayed from events.jsonl '
                   f"for this report ({html.escape(run.source)})</div>")
    return (f"<h1>Diagon run report — {html.escape(run.condition)} (seed {run.seed})</h1>\n"
            f'<div class="meta">{html.escape(str(run.run_dir))} · mode {html.escape(run.mode)} · '
            f"status {html.escape(str(m.get('status')))} · {run.last_round} rounds · "
            f"run id {html.escape(str(m.get('run_id')))} · commit {html.escape(str(m.get('git_commit')))}</div>\n{banner}")


def _parameters(run: RunData) -> str:
    body = _kv(economic_parameters(run.meta))
    effects = built_in_effects(run.meta, run.agents)
    if effects:
        body += ('<div class="banner">⚠ Built in by the script (scripted traders) — these are parameters, '
                 "not findings:<ul>" + "".join(f"<li>{html.escape(e)}</li>" for e in effects) + "</ul></div>")
    return _section("Economic parameters (paper Table 2)", body)


@dataclass
class _Guard:
    """Draws sections one by one; what fails is named on the page instead of aborting it."""

    not_drawn: list[str] = field(default_factory=list)

    def __call__(self, what: str, make: Callable[[], str]) -> str:
        try:
            return make()
        except Exception as exc:  # noqa: BLE001 - one broken section must not lose the whole report
            reason = f"{type(exc).__name__}: {exc}"
            return self.skip(what, reason)

    def skip(self, what: str, reason: str) -> str:
        self.not_drawn.append(f"{what}: {reason}")
        return f'<p class="missing">Not drawn — {html.escape(what)}: {html.escape(reason)}</p>'


def _figures(run: RunData, guard: _Guard) -> str:
    cells = []
    for name, make in plots.FIGURES.items():
        def draw(make: Callable = make, name: str = name) -> str:
            return (f'<figure><img alt="{name}" src="{plots.to_data_uri(make(run))}"><figcaption>'
                    f"{html.escape(_FIGURE_CAPTIONS[name])}</figcaption></figure>")
        cells.append(guard(f"figure {name}", draw))
    return '<div class="grid">' + "".join(cells) + "</div>"


def _market_tables(run: RunData, reciprocity_samples: int) -> str:
    tx, theta = run.market_transactions, run.dispute_threshold
    out = []
    bins = lemons.bin_table(tx, theta)
    halves = lemons.halves_correlation(tx)
    out.append(_section("Payment ratio by quality bin (Table 4) and the lemons analysis",
                        _table(bins) + _kv([("corr(q, ρ) for q < 0.5", halves["below_0.5"]),
                                            ("corr(q, ρ) for q ≥ 0.5", halves["at_or_above_0.5"])])))
    th = lemons.payment_threshold(tx)
    out.append(_section("Payment threshold", _kv([
        ("q cut-point of the best step function", th.threshold), ("mean ρ below", th.mean_below),
        ("mean ρ above", th.mean_above), ("R² step function", th.r2_step), ("R² linear ρ ~ q", th.r2_linear)])))
    fd = lemons.false_disputes(tx, theta)
    out.append(_section("False disputes (q ≥ 0.5 paid ρ < θ_d)", _kv([
        ("adequate-quality transactions", fd.adequate), ("false disputes", fd.false_disputes), ("rate", fd.rate)])
        + "<p>Committed, by poster family</p>" + _table(fd.by_poster_family)
        + "<p>Suffered, by contractor family</p>" + _table(fd.by_contractor_family)
        + "<p>Reputation before payment: false-disputed vs fairly paid (Welch t-test)</p>" + _table(fd.reputation)))
    model = dispute_model(tx, theta)
    note = f'<p class="note">statsmodels: {html.escape(model.error)}</p>' if model.error else ""
    out.append(_section("Dispute prediction (7 pre-payment features)", _kv([
        ("transactions", model.n), ("disputes", model.disputes), ("missing reputations", model.missing),
        ("5-fold CV AUC (mean)", model.auc_mean), ("5-fold CV AUC (std)", model.auc_std)])
        + "<p>Logit on standardised features (missing reputation: mean + indicator), by |coef|</p>"
        + _table(model.coefficients) + note))
    rec = reciprocity(tx, samples=reciprocity_samples, seed=run.seed)
    out.append(_section("Reciprocity vs degree-preserving random networks", _kv([
        ("trading pairs (unordered)", rec.pairs), ("directed edges", rec.edges),
        ("share of reciprocal pairs", rec.observed), ("random baseline mean", rec.baseline_mean),
        ("random baseline std", rec.baseline_std), ("z", rec.z),
        (f"share of {rec.samples} random graphs ≥ observed", rec.p_at_least)])))
    return "".join(out)


def _run_tables(run: RunData) -> str:
    m = metrics.run_metrics(run)
    _, n_bottom = metrics.bottom_quartile_mobility(run)
    rows: list[tuple[str, object]] = [
        (label, "—" if isinstance(m[k], float) and math.isnan(m[k]) else fmt(m[k]))
        for k, (label, fmt) in _HEADLINE.items()]
    rows.append((f"bottom-quartile agents at round {min(6, run.last_round)}", n_bottom))
    out = [_section("Headline metrics", _kv(rows))]
    out.append(_section("Roles by family (USD, payments gross of the fee on both sides; net > 0 = net contractor)", _table(metrics.role_by_family(run))))
    out.append(_section("Costs by family (USD)", _table(metrics.costs_by_family(run), digits=4)))
    comp = metrics.composition_by_round(run)
    out.append(_section("Population composition (first and last round)", _table(comp.iloc[[0, -1]])))
    return "".join(out)


def _llm_decisions(run: RunData) -> str:
    """The language-model section (definitions: :mod:`diagon.analysis.llm`)."""
    out = []
    if (run.meta.get("synthetic") or {}).get("scripted_traders"):
        out.append('<div class="banner">⚠ SCRIPTED traders: these calls were answered by the offline fake '
                   "model (model.backend=scripted), not a language model; tokens, cost and latency "
                   "describe the stand-in.</div>")
    s = llm.llm_summary(run)
    out.append(_kv([
        ("language-model calls", s["calls"]), ("decisions", s["decisions"]),
        ("decisions ok", s["ok"]), ("decisions with items rejected", s["rejected"]),
        ("decisions ended in the fallback", s["fallback"]), ("calls that failed", s["call_errors"]),
        ("cost of the calls", fmt_usd(s["cost_micro"], 6))]))
    if not s["calls"]:
        out.append("<p>tables/llm_calls.parquet has no rows.</p>")
        return _section("Language-model decisions", "".join(out))
    table = llm.llm_by_family(run)
    table["cost_usd"] = [fmt_usd(int(c), 6) for c in table.pop("cost_micro")]  # exact, from the integers
    out.append("<p>Per family and decision (<code>all</code>: every decision of the family); shares of "
               "calls (error) or of decisions (rejected, fallback); latency in seconds</p>"
               + _table(table, digits=3))
    out.append(f'<div class="grid"><figure><img alt="llm_outcomes" src="{plots.to_data_uri(plots.llm_outcomes(run))}">'
               "<figcaption>Solid: share of decisions that ended in the documented fallback; hatched: "
               "answers used with some items rejected.</figcaption></figure></div>")
    return _section("Language-model decisions", "".join(out))


def _language(run: RunData) -> str:
    from diagon.analysis import text

    res = text.language_summary(run)
    return _section("Language (sentence-transformer embeddings)", res)


@dataclass(frozen=True)
class ReportPage:
    """A rendered report and what it could not draw (``"what: why"`` lines)."""

    html: str
    not_drawn: list[str]
    path: Path | None = None  # where write_report wrote it


def render_report(run: RunData, *, reciprocity_samples: int = 100, language: bool = False) -> ReportPage:
    """The report page of one run, each section drawn on its own (module docstring)."""
    guard = _Guard()
    parts = [_header(run), guard("economic parameters", lambda: _parameters(run))]
    if not len(run.agents):
        parts.append(guard.skip("headline metrics, tables and figures",
                                "the run recorded no completed round (tables/agents_rounds has no row)"))
    else:
        parts.append(guard("headline metrics and tables", lambda: _run_tables(run)))
        parts.append(_section("Figures", _figures(run, guard)))
    if len(run.market_transactions):
        parts.append(guard("market analyses", lambda: _market_tables(run, reciprocity_samples)))
    elif run.is_autarky:
        parts.append(_section("Market analyses", "<p>No payment ratios: this is the no-market (autarky) baseline, "
                                                  "so disputes, reputation and reciprocity do not apply.</p>"))
    else:
        parts.append(guard.skip("market analyses", "no market transaction settled in this run"))
    if run.llm_calls is not None:
        parts.append(guard("language-model decisions", lambda: _llm_decisions(run)))
    if language:
        parts.append(guard("language analysis", lambda: _language(run)))
    if guard.not_drawn:
        listing = "".join(f"<li>{html.escape(x)}</li>" for x in guard.not_drawn)
        parts.insert(1, f'<div class="missing"><b>Not drawn ({len(guard.not_drawn)}):</b><ul>{listing}</ul></div>')
    parts.append(f'<p class="note">Generated by diagon report at {time.strftime("%Y-%m-%d %H:%M:%S")}. '
                 "Definitions: docs/METRICS.md and the docstrings of diagon.analysis.*.</p>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Diagon report</title>"
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")
    return ReportPage(page, guard.not_drawn)


def build_report(run: RunData, *, reciprocity_samples: int = 100, language: bool = False) -> str:
    """The report page of one run as an HTML string (:func:`render_report`)."""
    return render_report(run, reciprocity_samples=reciprocity_samples, language=language).html


def write_report(run_dir: Path | str, *, language: bool = False, out: Path | None = None,
                 log: Callable[[str], None] | None = None) -> ReportPage:
    """Write the report of one run to ``out`` (default ``<run_dir>/report.html``).

    A run that is not finished is read from its events (``load_run(partial=True)``).
    """
    run = load_run(run_dir, partial=True)
    page = render_report(run, language=language)
    path = Path(out) if out is not None else Path(run_dir) / "report.html"
    write_text(path, page.html)  # atomic, never through a planted link
    if log:
        log(f"wrote {path} ({len(page.html) / 1e6:.1f} MB)")
        for item in page.not_drawn:
            log(f"  not drawn — {item}")
    return ReportPage(page.html, page.not_drawn, path)
