"""Registry, limits, backend availability errors and the unsafe-backend warning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from diagon.sandboxes import (
    DEFAULT_SANDBOX,
    ExecResult,
    Sandbox,
    SandboxLimits,
    SandboxUnavailable,
    SubprocessSandbox,
    UnsafeSandboxWarning,
    create_sandbox,
    registered_sandboxes,
    sandbox,
)
from diagon.sandboxes.registry import _REGISTRY


def test_default_limits() -> None:
    limits = SandboxLimits()
    assert dataclasses.astuple(limits) == (
        60.0, 2 * 2**30, 256, 256 * 2**20, 900.0, 2**20, 4 * 2**30, 2**30, 100_000, 64 * 2**20
    )  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.cpu_s = 1  # type: ignore[misc]
    assert SandboxLimits(cpu_s=1.2).cpu_rlimit_s == 2


@pytest.mark.parametrize(
    "field",
    [
        "cpu_s",
        "memory_bytes",
        "max_processes",
        "max_file_size_bytes",
        "wall_timeout_s",
        "max_output_bytes",
        "total_memory_bytes",
        "disk_bytes",
        "max_files",
        "max_read_bytes",
    ],
)
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        SandboxLimits(**{field: 0})


def test_exec_result_helpers() -> None:
    result = ExecResult(
        exit_code=0,
        stdout=b"caf\xc3\xa9 \xff",
        stderr=b"",
        duration_s=0.1,
        limit="output",
        stdout_truncated=True,
    )
    assert result.stdout_text == "café \ufffd"
    assert result.truncated and not result.ok
    assert ExecResult(0, b"", b"", 0.0).ok


def test_builtin_backends_are_registered() -> None:
    assert DEFAULT_SANDBOX == "bwrap"
    assert {"bwrap", "docker", "subprocess"} <= set(registered_sandboxes())


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown sandbox 'nope'; registered: .*bwrap"):
        create_sandbox("nope")


def test_custom_backend_via_decorator(tmp_path: Path) -> None:
    created: list[dict[str, object]] = []

    @sandbox("test-fake")
    def _fake() -> type:
        class Fake(SubprocessSandbox):
            def __init__(self, **kwargs: object) -> None:
                created.append(kwargs)
                super().__init__(kwargs["files_dir"], kwargs["limits"])  # type: ignore[arg-type]

        return Fake

    try:
        limits = SandboxLimits(max_output_bytes=10)
        with (
            pytest.warns(UnsafeSandboxWarning),
            create_sandbox("test-fake", files_dir=tmp_path, limits=limits) as box,
        ):
            assert isinstance(box, Sandbox)
        assert created == [{"files_dir": tmp_path, "limits": limits}]
        with pytest.raises(ValueError, match="already registered"):
            sandbox("test-fake")(lambda: SubprocessSandbox)
    finally:
        _REGISTRY.pop("test-fake")


def test_subprocess_backend_warns_that_it_is_unsafe() -> None:
    with pytest.warns(UnsafeSandboxWarning, match="does NOT isolate"):
        box = create_sandbox("subprocess")
    with box:
        assert box.exec(["true"]).ok


def test_missing_bwrap_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty dir: no bwrap anywhere
    with pytest.raises(SandboxUnavailable, match=r"apt-get install -y bubblewrap"):
        create_sandbox("bwrap")


def test_docker_backend_without_engine_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxUnavailable, match="no Docker engine"):
        create_sandbox("docker")
