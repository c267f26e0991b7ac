"""The Sandbox interface: files, paths, env, lifecycle, timeouts. ``any_box`` tests also run on
the docker backend (marked ``docker``: a real engine); ``host_box`` ones need a host work dir."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from diagon.sandboxes import (
    BwrapSandbox,
    Sandbox,
    SandboxError,
    SandboxLimits,
    SandboxPathError,
    SandboxUnavailable,
    SubprocessSandbox,
    UnsafeSandboxWarning,
    create_sandbox,
)

BACKENDS = ("bwrap", "subprocess")  # the host-workdir backends
DOCKER = pytest.param("docker", marks=pytest.mark.docker)


def make_sandbox(
    backend: str, files_dir: Path | None = None, limits: SandboxLimits | None = None
) -> Sandbox:
    if backend == "docker":
        try:
            return create_sandbox("docker", files_dir=files_dir, limits=limits)
        except SandboxUnavailable as exc:
            pytest.skip(f"no Docker engine: {exc}")
    if backend == "subprocess":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnsafeSandboxWarning)
            return SubprocessSandbox(files_dir, limits)
    try:
        return BwrapSandbox(files_dir, limits)
    except SandboxUnavailable as exc:
        pytest.skip(f"bwrap unavailable: {exc}")


@pytest.fixture(params=(*BACKENDS, DOCKER))
def any_box(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with make_sandbox(request.param) as sandbox:
        yield sandbox


@pytest.fixture(params=BACKENDS)
def host_box(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """Tests that look at the host (its files or processes) around the sandbox."""
    with make_sandbox(request.param) as sandbox:
        yield sandbox


def test_both_backends_satisfy_the_protocol(any_box: Sandbox) -> None:
    assert isinstance(any_box, Sandbox)


def test_files_round_trip_between_host_and_commands(any_box: Sandbox) -> None:
    any_box.write_file("a/b/in.txt", "héllo")
    result = any_box.exec(["sh", "-c", "cat a/b/in.txt; printf out > made.txt"])
    assert result.exit_code == 0 and result.stdout == "héllo".encode()
    assert any_box.read_file("made.txt") == b"out"
    any_box.write_file("a/b/in.txt", b"\x00\xff")  # replaces
    assert any_box.read_file(Path("a") / "b" / "in.txt") == b"\x00\xff"


def test_files_dir_is_copied_into_the_workdir(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.txt").write_text("42")
    for backend in BACKENDS:
        with make_sandbox(backend, files_dir=tmp_path) as box:
            result = box.exec(["sh", "-c", "cat sub/data.txt && echo more >> sub/data.txt"])
            assert (result.exit_code, result.stdout) == (0, b"42")
            assert box.read_file("sub/data.txt") == b"42more\n"
        assert (tmp_path / "sub" / "data.txt").read_text() == "42"  # the original is untouched


def test_stdin_is_passed_to_the_command(any_box: Sandbox) -> None:
    payload = os.urandom(300_000)  # larger than a pipe buffer
    result = any_box.exec(["cat"], stdin=payload)
    assert result.exit_code == 0 and result.stdout == payload[: any_box.limits.max_output_bytes]


@pytest.mark.parametrize("bad", ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "", "."])
def test_paths_leaving_the_workdir_are_refused(any_box: Sandbox, bad: str) -> None:
    with pytest.raises(SandboxPathError):
        any_box.read_file(bad)
    with pytest.raises(SandboxPathError):
        any_box.write_file(bad, b"x")


def test_symlinks_out_of_the_workdir_are_refused(host_box: Sandbox, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("host secret")
    result = host_box.exec(
        ["sh", "-c", f"ln -s {outside} file_link && ln -s {tmp_path} dir_link && ln -s / root_link"]
    )
    assert result.exit_code == 0, result.stderr_text
    for path in ("file_link", "dir_link/outside.txt", "root_link/etc/passwd"):
        with pytest.raises(SandboxPathError):
            host_box.read_file(path)
    for path in ("file_link", "dir_link/new.txt", "root_link/tmp/new.txt"):
        with pytest.raises(SandboxPathError):
            host_box.write_file(path, b"pwned")
    assert outside.read_text() == "host secret"
    assert not (tmp_path / "new.txt").exists()


def test_symlinks_inside_the_workdir_are_followed(any_box: Sandbox) -> None:
    any_box.write_file("real/data.txt", b"ok")
    assert any_box.exec(["ln", "-s", "real", "alias"]).exit_code == 0
    assert any_box.read_file("alias/data.txt") == b"ok"


def test_a_fifo_is_refused_instead_of_blocking(any_box: Sandbox) -> None:
    assert any_box.exec(["mkfifo", "pipe"]).exit_code == 0
    with pytest.raises(SandboxPathError, match="not a regular file"):
        any_box.read_file("pipe")


def test_environment_is_exactly_the_whitelist(
    any_box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sentinel-env")
    monkeypatch.setenv("LD_PRELOAD", "/nonexistent.so")
    result = any_box.exec(["env"])
    env = dict(line.split("=", 1) for line in result.stdout_text.splitlines())
    expected = {"HOME", "LANG", "PATH", "PWD", "TMPDIR"}
    if any_box.name == "docker":  # Docker adds HOSTNAME and the image's own ENV lines
        image = any_box._client.images.get(any_box._container.image.id)  # type: ignore[attr-defined]
        expected |= {"HOSTNAME", *(e.split("=", 1)[0] for e in image.attrs["Config"]["Env"])}
    assert sorted(env) == sorted(expected)
    assert env["HOME"] == env["PWD"] == any_box.workdir
    # bwrap puts its own Python environment first (diagon.sandboxes.python_env)
    own = "/opt/diagon-python/bin:" if any_box.name == "bwrap" else ""
    assert env["PATH"] == f"{own}/usr/local/bin:/usr/bin:/bin" and env["LANG"] == "C.UTF-8"
    assert b"sentinel-env" not in result.stdout


def test_timeout_kills_background_grandchildren(
    host_box: Sandbox, processes_matching: Callable[[str], list[str]]
) -> None:
    marker = f"98{os.getpid() % 10000:04d}1"
    result = host_box.exec(["sh", "-c", f"sleep {marker} & sleep {marker}"], timeout_s=0.5)
    assert result.timed_out and result.limit == "timeout" and result.exit_code == 137
    assert result.duration_s < 3
    assert processes_matching(f"sleep {marker}") == []


def test_background_children_do_not_outlive_a_finished_command(
    host_box: Sandbox, processes_matching: Callable[[str], list[str]]
) -> None:
    marker = f"97{os.getpid() % 10000:04d}2"
    result = host_box.exec(["sh", "-c", f"sleep {marker} & echo started"], timeout_s=20)
    assert (result.exit_code, result.stdout, result.limit) == (0, b"started\n", None)
    assert result.duration_s < 3
    assert processes_matching(f"sleep {marker}") == []


def test_a_command_that_closes_its_output_is_still_awaited(any_box: Sandbox) -> None:
    result = any_box.exec(["sh", "-c", "exec >/dev/null 2>&1; sleep 0.3; exit 4"], timeout_s=10)
    assert (result.exit_code, result.limit, result.timed_out) == (4, None, False)
    assert result.duration_s >= 0.3


@pytest.mark.parametrize("backend", (*BACKENDS, DOCKER))
def test_output_cap_is_exact_for_both_streams(backend: str) -> None:
    with make_sandbox(backend, limits=SandboxLimits(max_output_bytes=1000)) as box:
        result = box.exec(["sh", "-c", "head -c 5000 /dev/zero; head -c 999 /dev/zero >&2"])
        assert (len(result.stdout), result.stdout_truncated) == (1000, True)
        assert (len(result.stderr), result.stderr_truncated) == (999, False)
        assert result.limit == "output" and result.exit_code == 0


@pytest.mark.parametrize("backend", (*BACKENDS, DOCKER))
def test_file_size_limit(backend: str) -> None:
    with make_sandbox(backend, limits=SandboxLimits(max_file_size_bytes=1 << 20)) as box:
        result = box.exec(["dd", "if=/dev/zero", "of=big", "bs=4096", "count=1024"])
        assert result.exit_code == 128 + 25 and result.limit == "file_size"  # SIGXFSZ
        result = box.exec(["dd", "if=/dev/zero", "of=big", "bs=4096", "count=256"])
        assert result.ok and len(box.read_file("big")) == 1 << 20


def test_exec_argument_validation(any_box: Sandbox) -> None:
    with pytest.raises(ValueError):
        any_box.exec([])
    with pytest.raises(ValueError):
        any_box.exec(["true"], timeout_s=0)
    with pytest.raises(ValueError):
        any_box.exec("true")  # type: ignore[arg-type]


def test_missing_program_reports_127(any_box: Sandbox) -> None:
    result = any_box.exec(["definitely-not-a-program-xyz"])
    assert result.exit_code in (126, 127) and result.limit is None


def test_close_removes_the_workdir_and_is_idempotent() -> None:
    for backend in BACKENDS:
        box = make_sandbox(backend)
        host_dir = box.host_workdir
        box.write_file("f.txt", b"x")
        assert host_dir.is_dir()
        with box:
            pass
        assert not host_dir.exists()
        box.close()
        with pytest.raises(SandboxError, match="closed"):
            box.exec(["true"])
        with pytest.raises(SandboxError, match="closed"):
            box.read_file("f.txt")


def test_multiprocessing_works_inside(any_box: Sandbox) -> None:
    script = (
        "import multiprocessing as mp\nwith mp.Pool(2) as pool:\n    print(pool.map(abs, [-1, -2]))"
    )
    result = any_box.exec(["python3", "-c", script], timeout_s=30)
    assert (result.exit_code, result.stdout) == (0, b"[1, 2]\n"), result.stderr_text


def test_sandboxes_are_independent() -> None:
    from diagon.sandboxes.bwrap_profile import python_roots

    # a Python environment under /tmp (e.g. a CI clone's venv) is bound into the private /tmp
    expected = "".join(
        sorted({r.split("/")[2] + "\n" for r in python_roots() if r.startswith("/tmp/")})
    ).encode()
    with make_sandbox("bwrap") as one, make_sandbox("bwrap") as two:
        one.write_file("mine.txt", b"1")
        assert two.exec(["ls", "-A"]).stdout == b""
        assert one.exec(["ls", "/tmp"]).stdout == expected
        one.exec(["touch", "/tmp/only-here"])
        assert two.exec(["ls", "/tmp"]).stdout == expected
