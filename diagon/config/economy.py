"""The economic parts of the configuration (``economy.*``, ``evolution.*``, ``surge.*``;
the paper's Table 2): registered with the rest in :mod:`diagon.config.schema`."""

from __future__ import annotations

from dataclasses import dataclass

from diagon.config.errors import _check


@dataclass
class EconomyConfig:
    initial_balance: float = 1.00
    tasks_per_agent: int = 2
    task_multiplier: float = 10.0
    value_premium: float = 1.5
    platform_fee: float = 0.05
    payment_floor: float = 0.50
    dispute_threshold: float = 0.70
    # bankruptcy rule: an agent with balance <= 0 may not win new contracts
    bankrupt_can_win: bool = False

    def validate(self) -> None:
        _check(self.initial_balance >= 0, "economy.initial_balance", "must be >= 0")
        _check(self.tasks_per_agent >= 0, "economy.tasks_per_agent", "must be >= 0")
        _check(self.task_multiplier > 0, "economy.task_multiplier", "must be > 0")
        _check(self.value_premium > 0, "economy.value_premium", "must be > 0")
        _check(0 <= self.platform_fee < 1, "economy.platform_fee", "must be in [0, 1)")
        _check(0 <= self.payment_floor <= 1, "economy.payment_floor", "must be in [0, 1]")
        _check(0 <= self.dispute_threshold <= 1, "economy.dispute_threshold", "must be in [0, 1]")


CHILD_DEBT: tuple[str, ...] = ("inherit", "forgive")


@dataclass
class EvolutionConfig:
    enabled: bool = True
    period: int = 6
    replace: int = 1
    # a culled agent's negative balance: `inherit` (paper Eq. 9: the child receives the
    # residual balance, debt included, so total wealth is conserved; the child then starts
    # last and is usually culled at the next event) or `forgive` (the child starts at 0,
    # the debt stays on the deactivated agent's account)
    child_debt: str = "inherit"

    def validate(self) -> None:
        _check(self.period >= 1, "evolution.period", "must be >= 1")
        _check(self.replace >= 0, "evolution.replace", "must be >= 0")
        _check(self.child_debt in CHILD_DEBT, "evolution.child_debt", f"must be one of {CHILD_DEBT}")


@dataclass
class SurgeConfig:
    increment: float = 0.15
    # a listing that failed to match this many times in a row is withdrawn (null = never)
    max_failures: int | None = None
    # the reward stops growing after this many failures, R·(1+s)^max_level (null = never:
    # the paper's geometric surge "until accepted"; in autarky an agent that declines its
    # own task can then take it later at up to (1+s)^n times the reward)
    max_level: int | None = None

    def validate(self) -> None:
        _check(self.increment >= 0, "surge.increment", "must be >= 0")
        _check(self.max_level is None or self.max_level >= 0, "surge.max_level", "must be >= 0 or null")
        _check(
            self.max_failures is None or self.max_failures >= 1,
            "surge.max_failures",
            "must be >= 1 or null",
        )
