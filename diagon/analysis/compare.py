"""Across-run comparison in the layout of the paper's Table D.1.

Rows are metrics (:func:`diagon.analysis.metrics.run_metrics`; definitions in
``docs/METRICS.md``), columns conditions. Each cell is the across-seed mean with its 95 % t
interval (:mod:`diagon.analysis.stats`). Each condition is compared with its *reference* —
``baseline`` against ``autarky`` (market vs no market), every other experiment against
``baseline`` — in two ways, each labelled with its unit and n:

* over **runs**: Cohen's d and Welch's p of the per-seed values (n = runs; with 3 seeds a
  large d says little about agents);
* **per unit**: Cohen's d over the pooled agents (mean wealth) or transactions (quality,
  success, disputes, cross-family) with a 95 % interval from a bootstrap over runs
  (:func:`diagon.analysis.stats.clustered_cohens_d`, seeded) — the scale of the paper's
  per-agent figures.

No test is made where it would compare unlike things or a structural zero: the dispute /
fail row when a market meets autarky (two quantities), and role specialisation against
autarky (0 by construction: nobody trades). The last row is seed stability: the coefficient
of variation across seeds of the mean final balance.

Only comparable runs are pooled (:func:`check_runs`): a run that did not complete, or a
condition whose runs differ in length, is refused with the runs named — unless the caller
asks to leave the unfinished out / accept mixed lengths, and then the table's notes say so.
Notes also carry each condition's labels and, with scripted traders, the effects the script
builds in (:mod:`diagon.analysis.labels`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from diagon.analysis.labels import built_in_effects
from diagon.analysis.load import RunData, find_run_dirs, group_runs, load_run, run_status
from diagon.analysis.metrics import UNITS, run_metrics, unit_values
from diagon.analysis.stats import (
    clustered_cohens_d,
    coefficient_of_variation,
    cohens_d,
    mean_ci,
    welch_p,
)

# (metric key, row label, format)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("mean_wealth", "Mean wealth ($)", "usd"),
    ("wealth_gini_all", "Wealth Gini, all agents (wealth_gini_all)", "f3"),
    ("wealth_gini_active", "Wealth Gini, active agents (wealth_gini_active)", "f3"),
    ("mean_quality", "Mean quality", "f3"),
    ("success_rate", "Task success rate", "pct"),
    ("contract_gini_all", "Contract Gini, all agents (contract_gini_all)", "f3"),
    ("contract_gini_active", "Contract Gini, active agents (contract_gini_active)", "f3"),
    ("dispute_or_fail_rate", "Dispute / fail rate", "pct"),
    ("role_specialisation", "Role specialisation", "f3"),
    ("cross_family_share", "Cross-family trade share", "pct"),
)
SEED_CV = "Seed CV of mean wealth"
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


class CompareError(ValueError):
    """The runs cannot be pooled as asked (the message names them)."""


def reference_of(condition: str, conditions: list[str]) -> str | None:
    """The condition this one is tested against (None when absent or for autarky itself)."""
    name, _, suffix = condition.partition("[")
    suffix = f"[{suffix}" if suffix else ""
    if name == "autarky":
        return None
    target = "autarky" if name == "baseline" else "baseline"
    for candidate in (target + suffix, target):
        if candidate in conditions and candidate != condition:
            return candidate
    return None


def load_for_compare(paths: list, *, skip_unfinished: bool = False) -> tuple[list[RunData], list[str]]:
    """(completed runs below ``paths``, the unfinished ones left out as ``"dir (status)"``).

    Raises :class:`CompareError` naming every run that did not complete, unless
    ``skip_unfinished``.
    """
    finished, unfinished = [], []
    for run_dir in find_run_dirs(paths):
        status = run_status(run_dir)
        (finished if status == "completed" else unfinished).append((run_dir, status))
    if unfinished and not skip_unfinished:
        names = "; ".join(f"{d} ({s})" for d, s in unfinished)
        raise CompareError(f"{len(unfinished)} run(s) did not complete: {names} — finish or resume them, "
                           "or pass --skip-unfinished to leave them out (the table then lists them)")
    return [load_run(d) for d, _ in finished], [f"{d} ({s})" for d, s in unfinished]


def check_runs(groups: dict[str, list[RunData]], *, allow_mixed_lengths: bool = False) -> list[str]:
    """Refuse (or, when allowed, return notes on) conditions whose runs differ in length."""
    notes = []
    for condition, members in groups.items():
        lengths = {r.last_round for r in members}
        if len(lengths) > 1:
            detail = ", ".join(f"{r.run_dir} ({r.last_round} rounds)" for r in members)
            if not allow_mixed_lengths:
                raise CompareError(f"condition {condition!r} pools runs of different lengths: {detail} — "
                                   "compare runs of one length, or pass --allow-mixed-lengths")
            notes.append(f"{condition}: runs of different lengths pooled: {detail}")
    return notes


@dataclass(frozen=True)
class Comparison:
    """Per-seed values, the summary table and the notes that go with it."""

    per_seed: pd.DataFrame  # condition, seed, run_dir, rounds, one column per metric
    table: pd.DataFrame  # numeric wide table: one row per metric label
    conditions: list[str]
    references: dict[str, str]
    specialised: dict[str, tuple[int, int]]  # condition -> (runs with both roles, runs)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        """Table D.1 as a Markdown table, then the notes (labels, built-in effects, flags)."""
        head = ["Metric", *[f"{c} (n={self._n(c)} runs)" for c in self.conditions]]
        for c, ref in self.references.items():
            head += [f"{c} vs {ref}: Cohen's d of run values (n={self._n(c)} vs {self._n(ref)} runs)",
                     "Welch p (runs)", "per-unit Cohen's d [95% CI, bootstrap over runs] (unit, n)"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for key, label, fmt in ROWS:
            row = self.table.loc[label]
            cells = [label]
            for c in self.conditions:
                cell = _cell(row[f"{c} mean"], row[f"{c} ci_low"], row[f"{c} ci_high"], fmt)
                if key == "role_specialisation":
                    yes, total = self.specialised[c]
                    cell += f" ({'Yes' if total and yes * 2 > total else 'No'} {yes}/{total})"
                cells.append(cell)
            for c, ref in self.references.items():
                d, p = row[f"{c} vs {ref} d"], row[f"{c} vs {ref} p"]
                cells += [_num(d, "{:+.2f}"), _p(p), self._unit_cell(key, row, f"{c} vs {ref}")]
            lines.append("| " + " | ".join(cells) + " |")
        cv = self.table.loc[SEED_CV]
        lines.append("| " + " | ".join([SEED_CV, *[_num(cv[f"{c} mean"], "{:.1%}") for c in self.conditions],
                                        *["", "", ""] * len(self.references)]) + " |")
        if self.notes:
            lines += ["", "Notes:", *[f"- {n}" for n in self.notes]]
        return "\n".join(lines) + "\n"

    def _unit_cell(self, key: str, row: pd.Series, pair: str) -> str:
        if key not in UNITS:
            return "run-level metric"
        d = row[f"{pair} unit_d"]
        if math.isnan(d):
            return "—"
        text = _num(d, "{:+.2f}")
        if not math.isnan(row[f"{pair} unit_low"]):
            text += f" [{row[f'{pair} unit_low']:+.2f}, {row[f'{pair} unit_high']:+.2f}]"
        return text + f" ({UNITS[key]}, n={int(row[f'{pair} unit_n_a'])} vs {int(row[f'{pair} unit_n_b'])})"

    def _n(self, condition: str) -> int:
        return int((self.per_seed["condition"] == condition).sum())


def _num(x: float, fmt: str) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _p(p: float) -> str:
    if p is None or math.isnan(p):
        return "—"
    stars = "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
    return ("<0.001" if p < 0.001 else f"{p:.3f}") + stars


def _cell(mean: float, low: float, high: float, fmt: str) -> str:
    f = {"usd": "{:.2f}", "f3": "{:.3f}", "pct": "{:.1%}"}[fmt]
    if math.isnan(mean):
        return "—"
    text = f.format(mean)
    if not math.isnan(low):
        text += f" [{f.format(low)}, {f.format(high)}]"
    return text


def _untestable(key: str, a_autarky: bool, b_autarky: bool) -> bool:
    """No test: two quantities in one row, or a structural zero (nobody trades in autarky)."""
    if key == "dispute_or_fail_rate":
        return a_autarky != b_autarky
    return key in ("role_specialisation", "cross_family_share") and (a_autarky or b_autarky)


def _condition_notes(condition: str, members: list[RunData]) -> list[str]:
    notes = []
    labels = sorted({label for r in members for label in r.labels if not label.startswith("execution REPLAYED")})
    notes += [f"{condition}: {label}" for label in labels]
    agents = pd.concat([r.agents for r in members], ignore_index=True)
    notes += [f"{condition}: built in by the script — {e}" for e in built_in_effects(members[0].meta, agents)]
    return notes


def compare(runs: list[RunData], *, allow_mixed_lengths: bool = False, skipped: list[str] | None = None,
            resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Comparison:
    """Build the comparison of every condition found among ``runs`` (all must be completed)."""
    unfinished = [f"{r.run_dir} ({r.status})" for r in runs if r.status != "completed"]
    if unfinished:
        raise CompareError(f"run(s) that did not complete cannot be compared: {'; '.join(unfinished)}")
    groups = group_runs(runs)
    notes = [f"left out, did not complete: {s}" for s in skipped or []]
    notes += check_runs(groups, allow_mixed_lengths=allow_mixed_lengths)
    records = []
    for condition, members in groups.items():
        for run in members:
            records.append({"condition": condition, "seed": run.seed, "run_dir": str(run.run_dir),
                            "rounds": run.last_round, "autarky": run.is_autarky, **run_metrics(run)})
        notes += _condition_notes(condition, members)
    per_seed = pd.DataFrame(records)
    # the paper's column order: the market baseline first, ablations, the no-market baseline last
    conditions = sorted(groups, key=lambda c: (c.startswith("autarky"), not c.startswith("baseline")))
    references = {c: r for c in conditions if (r := reference_of(c, conditions))}
    for c, ref in references.items():
        own, other = sorted({r.last_round for r in groups[c]}), sorted({r.last_round for r in groups[ref]})
        if own != other:
            notes.append(f"{c} ({'/'.join(map(str, own))} rounds) is compared with {ref} "
                         f"({'/'.join(map(str, other))} rounds): the lengths differ")
    table: dict[str, dict[str, float]] = {}
    for key, label, _ in ROWS:
        row: dict[str, float] = {}
        for c in conditions:
            ci = mean_ci(per_seed.loc[per_seed["condition"] == c, key].tolist())
            row |= {f"{c} mean": ci.mean, f"{c} ci_low": ci.low, f"{c} ci_high": ci.high, f"{c} n": ci.n}
        for c, ref in references.items():
            row |= _tests(key, per_seed, groups, c, ref, resamples=resamples, seed=seed)
        table[label] = row
    cv_row = {f"{c} mean": coefficient_of_variation(per_seed.loc[per_seed["condition"] == c, "mean_wealth"].tolist())
              for c in conditions}
    table[SEED_CV] = cv_row
    specialised = {c: (int(per_seed.loc[per_seed["condition"] == c, "specialised"].sum()),
                       int((per_seed["condition"] == c).sum())) for c in conditions}
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "metric"
    return Comparison(per_seed, frame, conditions, references, specialised, notes)


def _tests(key: str, per_seed: pd.DataFrame, groups: dict[str, list[RunData]], c: str, ref: str, *,
           resamples: int, seed: int) -> dict[str, float]:
    a = per_seed.loc[per_seed["condition"] == c]
    b = per_seed.loc[per_seed["condition"] == ref]
    pair = f"{c} vs {ref}"
    nan = math.nan
    out = {f"{pair} d": nan, f"{pair} p": nan, f"{pair} unit_d": nan, f"{pair} unit_low": nan,
           f"{pair} unit_high": nan, f"{pair} unit_n_a": nan, f"{pair} unit_n_b": nan}
    if _untestable(key, bool(a["autarky"].any()), bool(b["autarky"].any())):
        return out
    out[f"{pair} d"] = cohens_d(a[key].tolist(), b[key].tolist())
    out[f"{pair} p"] = welch_p(a[key].tolist(), b[key].tolist())
    if key in UNITS:
        effect = clustered_cohens_d([unit_values(r, key) for r in groups[c]], [unit_values(r, key) for r in groups[ref]],
                                    resamples=resamples, seed=seed)
        out |= {f"{pair} unit_d": effect.d, f"{pair} unit_low": effect.low, f"{pair} unit_high": effect.high,
                f"{pair} unit_n_a": effect.n_a, f"{pair} unit_n_b": effect.n_b}
    return out
