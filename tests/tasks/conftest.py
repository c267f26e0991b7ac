"""Fixtures for the task tests."""

from __future__ import annotations

import pytest

from diagon.sandboxes import BwrapSandbox, SandboxUnavailable


@pytest.fixture
def bwrap_required() -> None:
    """Skip (naming why) where the default sandbox cannot run."""
    try:
        BwrapSandbox().close()
    except SandboxUnavailable as exc:
        pytest.skip(f"bwrap unavailable: {exc}")
