"""``DIAGON_REQUIRE_DOCKER=1`` (set by ``.ci/run``) turns a skipped ``docker`` test into a
failure, so CI cannot pass with the engine missing; other skips stay skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SUITE = '''
import pytest

@pytest.mark.docker
def test_needs_engine():
    pytest.skip("no Docker engine: nothing listens")

@pytest.mark.docker
def test_engine_fine():
    pass

def test_other_skip():
    pytest.skip("unrelated")
'''


def _run(tmp_path: Path, require: str | None) -> subprocess.CompletedProcess[str]:
    conftest = Path(__file__).resolve().parents[1] / "conftest.py"
    (tmp_path / "conftest.py").write_text(
        "import runpy\n"  # the repository's hooks and fixtures, not its module identity
        f"globals().update((k, v) for k, v in runpy.run_path({str(conftest)!r}).items() "
        "if not k.startswith('__'))\n"
    )
    (tmp_path / "test_suite.py").write_text(SUITE)
    env = {k: v for k, v in os.environ.items() if k != "DIAGON_REQUIRE_DOCKER"}
    if require is not None:
        env["DIAGON_REQUIRE_DOCKER"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_without_the_variable_a_missing_engine_skips(tmp_path: Path) -> None:
    run = _run(tmp_path, "0")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 2 skipped" in run.stdout


def test_with_it_a_skipped_docker_test_fails(tmp_path: Path) -> None:
    run = _run(tmp_path, "1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed, 1 skipped" in run.stdout
    assert "FAILED test_suite.py::test_needs_engine" in run.stdout
    assert (
        "docker test skipped although DIAGON_REQUIRE_DOCKER=1: "
        "Skipped: no Docker engine: nothing listens"
    ) in run.stdout
