"""Shared fixtures: composed configs and small runs in temporary directories."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from diagon.config import DiagonConfig, compose_config
from diagon.runner import MarketRun, execute_run

pytest_plugins = ["pytester"]  # tests/sandboxes/test_docker_required.py runs a child suite


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """With ``DIAGON_REQUIRE_DOCKER=1`` (set by ``.ci/run``) a skipped ``docker`` test is a
    failure: in CI an engine runs, so a missing one must not pass unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("DIAGON_REQUIRE_DOCKER") == "1"
        and item.get_closest_marker("docker") is not None
    ):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"docker test skipped although DIAGON_REQUIRE_DOCKER=1: {reason}"


@pytest.fixture(autouse=True, scope="session")
def _private_execution_cache(tmp_path_factory: pytest.TempPathFactory):
    """Runs in tests never write the repository's cache/ (conf: DIAGON_CACHE_PATH)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DIAGON_CACHE_PATH", str(tmp_path_factory.mktemp("cache") / "executions.sqlite"))
    yield
    mp.undo()


@pytest.fixture
def make_config() -> Callable[..., DiagonConfig]:
    def make(*overrides: str) -> DiagonConfig:
        return compose_config(list(overrides))

    return make


@pytest.fixture
def run_market(tmp_path: Path) -> Callable[..., MarketRun]:
    """Run a market to completion in a fresh sub-directory of tmp_path."""
    counter = iter(range(10_000))

    def run(*overrides: str, run_dir: Path | None = None, **kwargs) -> MarketRun:
        cfg = compose_config(list(overrides))
        target = run_dir or tmp_path / f"run{next(counter)}"
        return execute_run(cfg, target, **kwargs)

    return run
