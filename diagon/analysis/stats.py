"""Across-seed statistics: mean with a t confidence interval, Cohen's d, Welch's t-test.

* 95 % CI of a mean over n seeds: ``x̄ ± t_{0.975, n−1} · s / √n`` (s with ddof = 1); the
  interval is NaN for a single seed.
* Cohen's d: ``(x̄₁ − x̄₂) / s_p`` with the pooled ``s_p = √(((n₁−1)s₁² + (n₂−1)s₂²) / (n₁+n₂−2))``.
* Welch's t-test: ``scipy.stats.ttest_ind(equal_var=False)``, two-sided.
* Coefficient of variation: ``s / x̄`` (ddof = 1).

These three treat each *run* (seed) as one observation: with 3 seeds, a d of 7.6 is a
statement about 3 run means, not comparable with the paper's per-agent figures.
:func:`clustered_cohens_d` gives the per-unit effect (each agent, each transaction) with an
interval from a bootstrap over runs (units of one run are not independent). Whoever shows
an effect labels its unit and n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float
    low: float
    high: float


def _clean(values: Sequence[float]) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[~np.isnan(x)]


def mean_ci(values: Sequence[float], level: float = 0.95) -> MeanCI:
    """Mean and two-sided t interval of the non-NaN values."""
    x = _clean(values)
    if x.size == 0:
        return MeanCI(0, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size < 2:
        return MeanCI(1, mean, math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return MeanCI(int(x.size), mean, mean - half, mean + half)


def cohens_d(a: Sequence[float], b: Sequence[float]) -> float:
    """Cohen's d of a against b with the pooled standard deviation (NaN if undefined)."""
    x, y = _clean(a), _clean(b)
    if x.size < 2 or y.size < 2:
        return math.nan
    pooled = math.sqrt(((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2))
    diff = float(x.mean() - y.mean())
    if pooled == 0:
        return math.nan if diff == 0 else math.copysign(math.inf, diff)
    return diff / pooled


def welch_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of Welch's unequal-variance t-test (NaN if undefined)."""
    x, y = _clean(a), _clean(b)
    if x.size < 2 or y.size < 2 or (x.var() == 0 and y.var() == 0):
        return math.nan
    return float(stats.ttest_ind(x, y, equal_var=False).pvalue)


def coefficient_of_variation(values: Sequence[float]) -> float:
    """Sample std / mean of the non-NaN values (NaN for fewer than two)."""
    x = _clean(values)
    if x.size < 2 or x.mean() == 0:
        return math.nan
    return float(x.std(ddof=1) / x.mean())


@dataclass(frozen=True)
class ClusteredEffect:
    """Per-unit Cohen's d with a percentile interval from a bootstrap over runs."""

    d: float
    low: float
    high: float
    n_a: int  # units (agents, transactions) in a
    n_b: int
    runs_a: int
    runs_b: int
    resamples: int


def _pooled_d(n_a: np.ndarray, s_a: np.ndarray, ss_a: np.ndarray,
              n_b: np.ndarray, s_b: np.ndarray, ss_b: np.ndarray) -> np.ndarray:
    """Cohen's d (pooled sd, ddof = 1) from unit counts, sums and sums of squares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        var_a = (ss_a - s_a**2 / n_a) / (n_a - 1)
        var_b = (ss_b - s_b**2 / n_b) / (n_b - 1)
        pooled = np.sqrt(np.maximum(((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2), 0.0))
        return np.where(pooled > 0, (s_a / n_a - s_b / n_b) / pooled, np.nan)


def clustered_cohens_d(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]], *, resamples: int = 2000,
                       seed: int = 0, level: float = 0.95) -> ClusteredEffect:
    """Cohen's d of the pooled units of ``a`` against those of ``b`` (one array per run), with
    a run-clustered bootstrap interval.

    Each bootstrap replicate draws, with replacement, as many runs as each side has (units
    stay with their run: a run is the independent unit) and recomputes d over the drawn
    runs' units; the interval is the percentile one. The generator is
    ``numpy.random.default_rng(seed)``, so the interval is reproducible. The interval is NaN
    with fewer than two runs on a side (nothing to resample between).
    """
    runs_a = [_clean(x) for x in a if len(_clean(x))]
    runs_b = [_clean(x) for x in b if len(_clean(x))]
    stats_a = np.array([(x.size, x.sum(), (x**2).sum()) for x in runs_a], dtype=float).reshape(-1, 3)
    stats_b = np.array([(x.size, x.sum(), (x**2).sum()) for x in runs_b], dtype=float).reshape(-1, 3)
    n_a, n_b = int(stats_a[:, 0].sum()), int(stats_b[:, 0].sum())
    if n_a < 2 or n_b < 2:
        return ClusteredEffect(math.nan, math.nan, math.nan, n_a, n_b, len(runs_a), len(runs_b), 0)
    ta, tb = stats_a.sum(axis=0), stats_b.sum(axis=0)
    d = float(_pooled_d(ta[0], ta[1], ta[2], tb[0], tb[1], tb[2]))
    if len(runs_a) < 2 or len(runs_b) < 2:
        return ClusteredEffect(d, math.nan, math.nan, n_a, n_b, len(runs_a), len(runs_b), 0)
    rng = np.random.default_rng(seed)
    pick_a = rng.integers(0, len(runs_a), size=(resamples, len(runs_a)))
    pick_b = rng.integers(0, len(runs_b), size=(resamples, len(runs_b)))
    ra, rb = stats_a[pick_a].sum(axis=1), stats_b[pick_b].sum(axis=1)
    reps = _pooled_d(ra[:, 0], ra[:, 1], ra[:, 2], rb[:, 0], rb[:, 1], rb[:, 2])
    reps = reps[np.isfinite(reps)]
    if not reps.size:
        return ClusteredEffect(d, math.nan, math.nan, n_a, n_b, len(runs_a), len(runs_b), resamples)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return ClusteredEffect(d, float(low), float(high), n_a, n_b, len(runs_a), len(runs_b), resamples)
