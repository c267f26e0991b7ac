"""``DIAGON_REQUIRE_DOCKER=1`` (set by ``.ci/run``) turns a skipped ``docker`` test into a
failure, so CI cannot pass with the engine missing; other skips stay skips."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, require: str) -> pytest.RunResult:
    """The suite above under this repository's ``tests/conftest.py`` (its hooks, in process)."""
    conftest = Path(__file__).resolve().parents[1] / "conftest.py"
    pytester.makeconftest(
        "import runpy\n"
        f"globals().update((k, v) for k, v in runpy.run_path({str(conftest)!r}).items() "
        "if not k.startswith('__'))\n"
    )
    pytester.makepyfile(test_suite=SUITE)
    monkeypatch.setenv("DIAGON_REQUIRE_DOCKER", require)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-W", "ignore::pytest.PytestUnknownMarkWarning")


def test_without_the_variable_a_missing_engine_skips(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(pytester, monkeypatch, "0").assert_outcomes(passed=1, skipped=2)


def test_with_it_a_skipped_docker_test_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run(pytester, monkeypatch, "1")
    run.assert_outcomes(passed=1, skipped=1, errors=0, failed=1)
    run.stdout.fnmatch_lines(
        ["*docker test skipped although DIAGON_REQUIRE_DOCKER=1: "
         "Skipped: no Docker engine: nothing listens*"]
    )  # fmt: skip
