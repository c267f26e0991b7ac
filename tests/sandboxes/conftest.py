"""Fixtures for the sandbox tests: a default bwrap sandbox, process inspection, a Docker
engine and a SkillsBench-like image."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest

from diagon.sandboxes import BwrapSandbox, SandboxUnavailable


@pytest.fixture
def box() -> Iterator[BwrapSandbox]:
    """A fresh sandbox of the default backend with default limits."""
    try:
        sandbox = BwrapSandbox()
    except SandboxUnavailable as exc:
        pytest.skip(f"bwrap unavailable: {exc}")
    with sandbox:
        yield sandbox


def _processes_matching(marker: str) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if marker in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(f"{proc.info['pid']}: {cmdline}")
    return found


@pytest.fixture
def processes_matching() -> Callable[[str], list[str]]:
    """Live (non-zombie) host processes whose command line contains a marker."""
    return _processes_matching


BASE_IMAGE = "diagon-base:bookworm"  # bootstrapped by sandboxes/build-image (no Docker Hub)


@pytest.fixture
def docker_client() -> Any:
    """A client of a running Docker engine (skip without one; CI turns that into a failure)."""
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        pytest.skip(f"no Docker engine: {exc}")
    return client


@pytest.fixture
def root_image(docker_client: Any) -> str:
    """A SkillsBench-like image (no USER, ``WORKDIR /root``, a file a RUN step left) built on
    the bootstrapped base; returns its tag."""
    tag = "diagon-test-root-workdir:1"
    dockerfile = f"FROM {BASE_IMAGE}\nWORKDIR /root\nRUN echo seed > /root/seed.txt\n"
    docker_client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True)
    return tag
