"""The docker backend against a real engine (skipped when none answers)."""

from __future__ import annotations

import io
import json
import posixpath
import secrets
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from diagon.sandboxes import (
    Sandbox,
    SandboxError,
    SandboxLimits,
    SandboxPathError,
    SandboxUnavailable,
    create_sandbox,
)
from diagon.sandboxes.docker_backend import DockerSandbox
from diagon.sandboxes.docker_support import REAPER, pump_socket


@pytest.fixture(scope="module")
def docker_box() -> Iterator[Sandbox]:
    try:
        box = create_sandbox("docker", limits=SandboxLimits(max_processes=64))
    except SandboxUnavailable as exc:
        reason = str(exc)
        pytest.skip(
            reason if reason.startswith("no Docker engine") else f"no Docker engine: {reason}"
        )
    with box:
        yield box


def _frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def test_attach_stream_is_demultiplexed_and_capped() -> None:
    ours, engine = socket.socketpair()
    data = _frame(1, b"hello ") + _frame(2, b"oops") + _frame(1, b"world" * 10)
    with ours, engine:
        # split mid-header to check reassembly
        sender = threading.Thread(
            target=lambda: (
                engine.sendall(data[:11]),
                time.sleep(0.05),
                engine.sendall(data[11:]),
                engine.close(),
            )
        )
        sender.start()
        out, err, timed_out = pump_socket(ours, None, time.monotonic() + 5, cap=20)
        sender.join()
    assert (bytes(out.data), out.truncated) == (b"hello worldworldworl", True)
    assert (bytes(err.data), err.truncated, timed_out) == (b"oops", False, False)


def test_attach_stream_times_out_and_sends_stdin() -> None:
    ours, engine = socket.socketpair()
    with ours, engine:
        start = time.monotonic()
        out, _, timed_out = pump_socket(ours, b"input", start + 0.3, cap=100)
        assert engine.recv(100) == b"input"
    assert timed_out and bytes(out.data) == b""
    assert 0.3 <= time.monotonic() - start < 2


@pytest.mark.docker
def test_runs_as_non_root_without_network(docker_box: Sandbox) -> None:
    docker_box.write_file(
        "probe.py",
        """
import json, os, socket
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    net = "connected"
except OSError as exc:
    net = type(exc).__name__
print(json.dumps({"uid": os.getuid(), "net": net, "env": sorted(os.environ)}))
""",
    )
    result = docker_box.exec(["python3", "probe.py"], timeout_s=60)
    assert result.exit_code == 0, result.stderr_text
    report = json.loads(result.stdout)
    assert report["uid"] != 0 and report["net"] == "OSError"
    assert "OPENAI_API_KEY" not in report["env"]


@pytest.mark.docker
def test_files_round_trip_and_path_escapes(docker_box: Sandbox) -> None:
    docker_box.write_file("d/x.txt", b"data")
    assert docker_box.exec(["cat", "d/x.txt"]).stdout == b"data"
    assert docker_box.read_file("d/x.txt") == b"data"
    assert docker_box.exec(["ln", "-sf", "/etc/passwd", "link"]).exit_code == 0
    for bad in ("../x", "/etc/passwd", "link"):
        with pytest.raises(SandboxPathError):
            docker_box.read_file(bad)


@pytest.mark.docker
def test_timeout_and_output_cap(docker_box: Sandbox) -> None:
    result = docker_box.exec(["sleep", "30"], timeout_s=1)
    assert result.timed_out and result.limit == "timeout"
    result = docker_box.exec(["head", "-c", "3000000", "/dev/zero"], timeout_s=60)
    assert result.stdout_truncated and len(result.stdout) == docker_box.limits.max_output_bytes


# ------------------------------------------------- container options without an engine
class _FakeContainer:
    """Just enough of a container for the file API: ``realpath`` answers from ``links``."""

    id = "fake"

    def __init__(self) -> None:
        self.runs: list[tuple[list[str], str | None]] = []
        self.files: dict[str, bytes] = {}
        self.links: dict[str, str] = {}  # absolute path -> what realpath resolves it to

    def exec_run(self, cmd: list[str], user: str | None = None) -> tuple[int, bytes]:
        self.runs.append((cmd, user))
        if cmd[0] == "realpath":
            return 0, (self.links.get(cmd[-1], posixpath.normpath(cmd[-1])) + "\n").encode()
        if cmd == ["sh", "-c", "id -u; id -g"]:
            return 0, b"0\n0\n" if user == "0" else b"1000\n1000\n"
        return 0, b""

    def put_archive(self, path: str, data: bytes) -> bool:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                fh = tar.extractfile(member) if member.isreg() else None
                if fh is not None:
                    self.files[posixpath.normpath(posixpath.join(path, member.name))] = fh.read()
        return True

    def get_archive(self, path: str) -> tuple[Iterator[bytes], dict[str, Any]]:
        data, buf = self.files[path], io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(posixpath.basename(path))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        return iter([buf.getvalue()]), {}

    def remove(self, force: bool = False) -> None:
        pass


class _FakeClient:
    """A docker client whose image has ``config`` and whose engine records every call."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.images = SimpleNamespace(get=lambda name: SimpleNamespace(attrs={"Config": config}))
        self.containers = SimpleNamespace(run=self._run)
        self.api = SimpleNamespace(
            exec_create=self._exec_create,
            exec_start=self._exec_start,
            exec_inspect=lambda exec_id: {"ExitCode": 0},
        )
        self.started: list[tuple[str, list[str], dict[str, Any]]] = []
        self.execs: list[dict[str, Any]] = []
        self.container = _FakeContainer()

    def ping(self) -> bool:
        return True

    def _run(self, image: str, cmd: list[str], **options: Any) -> _FakeContainer:
        self.started.append((image, cmd, options))
        return self.container

    def _exec_create(self, container: str, cmd: list[str], **options: Any) -> dict[str, str]:
        self.execs.append({"cmd": cmd, **options})
        return {"Id": "exec"}

    def _exec_start(self, exec_id: str, **_: Any) -> socket.socket:
        ours, engine = socket.socketpair()
        engine.sendall(_frame(1, b"ok"))
        engine.close()
        return ours


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``fake_engine(config)``: the docker SDK talks to a :class:`_FakeClient` whose images
    all have ``config`` (``Config`` of ``docker image inspect``)."""
    docker = pytest.importorskip("docker")

    def install(config: dict[str, Any]) -> _FakeClient:
        client = _FakeClient(config)
        monkeypatch.setattr(docker, "from_env", lambda: client)
        return client

    return install


HARDENING = {
    "network_mode": "none",
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
    "privileged": False,
    "init": True,
}
# options that would widen a container: none of them is ever passed
WIDENING = {"cap_add", "devices", "group_add", "userns_mode", "pid_mode", "ipc_mode", "volumes"}
ROOT_IMAGE = {"User": "", "WorkingDir": "/root"}  # a SkillsBench image: no USER, WORKDIR /root
APP_IMAGE = {"User": "app", "WorkingDir": "/home/app"}


def test_read_only_mounts_become_read_only_binds(tmp_path: Path, fake_engine: Any) -> None:
    client = fake_engine(ROOT_IMAGE)
    box = DockerSandbox(ro_mounts={"corpus/flights/": tmp_path})
    (mount,) = client.started[0][2]["mounts"]
    assert dict(mount) == {
        "Target": "/workspace/corpus/flights",
        "Source": str(tmp_path.resolve()),
        "Type": "bind",
        "ReadOnly": True,
    }
    started = list(client.container.runs)  # asking the container for the user's ids
    assert started == [(["sh", "-c", "id -u; id -g"], "worker")]
    with pytest.raises(SandboxPathError, match=r"inside the read-only mount 'corpus/flights'"):
        box.write_file("corpus/flights/x.txt", b"x")  # refused before touching the container
    assert client.container.runs == started


@pytest.mark.parametrize(
    ("options", "config", "user", "workdir"),
    [
        ({}, ROOT_IMAGE, "worker", "/workspace"),  # our image's defaults, whatever the image says
        ({"user": "1000:1000", "workdir": "/srv//task/./"}, ROOT_IMAGE, "1000:1000", "/srv/task"),
        ({"user": "image", "workdir": "image"}, ROOT_IMAGE, "0", "/root"),  # empty User = root
        ({"user": "image", "workdir": "image"}, APP_IMAGE, "app", "/home/app"),
        ({"user": "image", "workdir": "/data"}, {"User": "", "WorkingDir": ""}, "0", "/data"),
        ({"workdir": "image"}, {"User": "root", "WorkingDir": "/app/"}, "worker", "/app"),
    ],
)
def test_user_and_workdir_options_reach_the_container(
    tmp_path: Path,
    fake_engine: Any,
    options: dict[str, str],
    config: dict[str, str],
    user: str,
    workdir: str,
) -> None:
    client = fake_engine(config)
    box = DockerSandbox(image="some/image:1", ro_mounts={"corpus/x": tmp_path}, **options)
    ((image, cmd, run),) = client.started
    assert (image, cmd) == ("some/image:1", ["sleep", "infinity"])
    assert (box.user, box.workdir) == (user, workdir)
    # the container's own processes run as the keeper uid, commands as the sandbox's user
    assert (run["user"], run["working_dir"]) == ("65534:65534", workdir)
    assert client.container.runs == [(["sh", "-c", "id -u; id -g"], user)]
    assert run["environment"]["HOME"] == run["environment"]["PWD"] == workdir
    assert [m["Target"] for m in run["mounts"]] == [f"{workdir}/corpus/x"]
    # the same hardening whoever runs, root included: nothing is ever added
    assert {k: run[k] for k in HARDENING} == HARDENING
    assert not WIDENING & set(run)
    limits = box.limits
    assert (run["pids_limit"], run["mem_limit"]) == (limits.max_processes, limits.memory_bytes)
    assert run["mem_limit"] == run["memswap_limit"]


def test_the_images_path_is_kept_only_when_running_as_the_images_user(fake_engine: Any) -> None:
    venv_path = "/opt/venv/bin:/root/.local/bin:/usr/local/bin:/usr/bin:/bin"
    fake_engine({**ROOT_IMAGE, "Env": ["LANG=C", f"PATH={venv_path}", "SECRET=x"]})
    assert DockerSandbox(image="sb:1", user="image", workdir="image")._env == {
        "PATH": venv_path, "HOME": "/root", "LANG": "C.UTF-8", "TMPDIR": "/tmp", "PWD": "/root",
    }  # only PATH is taken from the image; nothing else of its environment
    assert DockerSandbox(image="sb:1")._env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    fake_engine(ROOT_IMAGE)  # no Env at all: the fixed path
    assert DockerSandbox(image="sb:2", user="image")._env["PATH"] == "/usr/local/bin:/usr/bin:/bin"


def test_image_user_and_workdir_drive_exec_and_files(tmp_path: Path, fake_engine: Any) -> None:
    (tmp_path / "numbers.txt").write_text("1\n")
    client = fake_engine(ROOT_IMAGE)
    box = create_sandbox(
        "docker", files_dir=tmp_path, image="sb:env", user="image", workdir="image"
    )
    container = client.container
    assert container.files == {"/root/numbers.txt": b"1\n"}  # files_dir lands in the work dir

    container.runs.clear()
    assert box.exec(["pwd"]).stdout == b"ok"
    (created,) = client.execs
    assert (created["cmd"], created["workdir"], created["user"]) == (["pwd"], "/root", "0")
    assert created["environment"]["HOME"] == "/root"
    # then every process the command left is killed, by its own user (no CAP_KILL needed)
    assert container.runs == [(["sh", "-c", REAPER], "0")]

    container.runs.clear()
    box.write_file("out/report.json", b"{}")
    assert container.files["/root/out/report.json"] == b"{}"
    assert container.runs[:2] == [
        (["mkdir", "-p", "--", "/root/out"], "0"),
        (["realpath", "-e", "--", "/root/out"], "0"),
    ]
    assert box.read_file("out/report.json") == b"{}"
    assert container.runs[-1] == (["realpath", "-e", "--", "/root/out/report.json"], "0")

    # symlinks resolving outside /root (also to a sibling sharing the prefix) are refused
    container.links["/root/link"] = "/etc/passwd"
    container.links["/root/sibling"] = "/rootkit/x"
    for bad in ("link", "sibling", "../etc/passwd", "/root/out/report.json"):
        with pytest.raises(SandboxPathError):
            box.read_file(bad)


def test_a_workdir_behind_a_symlink_still_reads_its_own_files(fake_engine: Any) -> None:
    client = fake_engine({"User": "", "WorkingDir": "/app"})
    box = DockerSandbox(image="sb:1", user="image", workdir="image")
    container = client.container
    container.links.update({"/app": "/srv/app", "/app/out.txt": "/srv/app/out.txt", "/app/evil": "/srv/other"})
    container.files["/srv/app/out.txt"] = b"42"
    assert box.read_file("out.txt") == b"42"
    with pytest.raises(SandboxPathError, match="leads outside the work dir"):
        box.read_file("evil")
    # the work dir's own target is asked for once, only when a path resolves outside /app
    assert [cmd for cmd, _ in container.runs].count(["realpath", "-e", "--", "/app"]) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workdir": "/"}, r"workdir='/'"),
        ({"workdir": "//"}, r"workdir='//'"),
        ({"workdir": "/./"}, r"workdir='/\./'"),
        ({"workdir": "workspace"}, r"workdir='workspace'"),
        ({"workdir": ""}, r"workdir=''"),
        ({"workdir": "/a/../b"}, r"workdir='/a/\.\./b'"),
        ({"user": ""}, r"user=''"),
        ({"user": "a b"}, r"user='a b'"),
        ({"user": None}, r"user=None"),
    ],
)
def test_bad_user_or_workdir_is_a_clear_error(options: dict[str, Any], message: str) -> None:
    # checked before any engine is contacted
    with pytest.raises(ValueError, match=rf"docker sandbox option {message}"):
        DockerSandbox(**options)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((126, b""), r"user 'ghost' is unusable in the image \(`id` exited 126: ''\); docker could not"),
        ((0, b"65534\n65534\n"), r"user 'ghost' has uid 65534, which the sandbox reserves"),
        ((0, b"oops\n"), r"user 'ghost' is unusable in the image \(`id` exited 0: 'oops'\)$"),
    ],
)
def test_an_unusable_user_is_refused_and_its_container_removed(
    fake_engine: Any, monkeypatch: pytest.MonkeyPatch, answer: tuple[int, bytes], message: str
) -> None:
    client = fake_engine(ROOT_IMAGE)
    removed: list[bool] = []
    monkeypatch.setattr(client.container, "exec_run", lambda cmd, user=None: answer)
    monkeypatch.setattr(client.container, "remove", lambda force=False: removed.append(force))
    with pytest.raises(SandboxError, match=message):
        DockerSandbox(user="ghost")
    assert removed == [True]


@pytest.mark.parametrize("working_dir", ["", "/", "relative/dir", None])
def test_image_without_a_usable_workdir_is_refused(
    fake_engine: Any, working_dir: str | None
) -> None:
    client = fake_engine({"User": "", "WorkingDir": working_dir})
    with pytest.raises(SandboxError, match=r"image 'sb:env' has no usable WORKDIR"):
        DockerSandbox(image="sb:env", user="image", workdir="image")
    assert client.started == []  # no container was started
    DockerSandbox(image="sb:env", user="image", workdir="/root")  # an explicit one still works


def test_skillsbench_task_runs_as_the_image_says(tmp_path: Path, fake_engine: Any) -> None:
    from dataclasses import replace

    from diagon.tasks.run import open_task_sandbox
    from diagon.tasks.sources.skillsbench import load_task_dir

    task_dir = tmp_path / "tasks" / "t1"
    (task_dir / "environment").mkdir(parents=True)
    (task_dir / "tests").mkdir()
    (task_dir / "instruction.md").write_text("# Write /root/output.json\n")
    (task_dir / "task.toml").write_text('[metadata]\ndifficulty = "easy"\n')
    (task_dir / "environment" / "Dockerfile").write_text("FROM python:3.11-slim\nWORKDIR /root\n")
    (task_dir / "environment" / "data.csv").write_text("a\n")
    (task_dir / "tests" / "test_outputs.py").write_text("def test_x():\n    pass\n")
    task = replace(load_task_dir(task_dir), docker_image=lambda: "diagon-skillsbench-t1:env-x")
    client = fake_engine(ROOT_IMAGE)
    with open_task_sandbox(task, "bwrap") as box:  # the task itself requires docker
        assert (box.user, box.workdir) == ("0", "/root")
    ((image, _, run),) = client.started
    assert (image, run["working_dir"]) == ("diagon-skillsbench-t1:env-x", "/root")
    assert {k: run[k] for k in HARDENING} == HARDENING
    # the image holds what its Dockerfile copied; the build context is not written over it
    assert client.container.files == {}


@pytest.mark.docker
def test_image_root_and_workdir_against_an_engine(root_image: str) -> None:
    """A SkillsBench-like image (no USER, ``WORKDIR /root``) runs as root in /root, still
    without capabilities or network."""
    with create_sandbox("docker", image=root_image, user="image", workdir="image") as box:
        assert (box.workdir, box.user) == ("/root", "0")
        assert box.exec(["pwd"]).stdout == b"/root\n"
        assert box.exec(["id", "-u"]).stdout == b"0\n"
        assert box.exec(["sh", "-c", "echo $HOME"]).stdout == b"/root\n"
        assert box.read_file("seed.txt") == b"seed\n"  # what the Dockerfile put there
        box.write_file("out/output.json", b'{"ok": 1}')
        assert box.exec(["cat", "/root/out/output.json"]).stdout == b'{"ok": 1}'
        assert box.exec(["sh", "-c", "echo hi > /root/made.txt"]).exit_code == 0
        assert box.read_file("made.txt") == b"hi\n"
        status = box.exec(["grep", "-E", "^Cap(Eff|Prm|Bnd)", "/proc/self/status"]).stdout_text
        assert all(line.split()[1] == "0000000000000000" for line in status.splitlines()), status
        connect = "import socket; socket.create_connection(('1.1.1.1', 80), 2)"
        net = box.exec(["python3", "-c", connect])
        assert net.exit_code != 0
        with pytest.raises(SandboxPathError):
            box.read_file("../etc/passwd")
        assert box.exec(["ln", "-sf", "/etc/passwd", "link"]).exit_code == 0
        with pytest.raises(SandboxPathError):
            box.read_file("link")


@pytest.mark.docker
def test_read_only_mount_against_an_engine(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n")
    tmp_path.chmod(0o755)
    try:
        box = create_sandbox("docker", ro_mounts={"corpus/x": tmp_path})
    except SandboxUnavailable as exc:
        reason = str(exc)
        pytest.skip(reason if reason.startswith("no Docker engine") else f"no Docker engine: {reason}")
    with box:
        assert box.exec(["cat", "corpus/x/data.csv"]).stdout == b"a,b\n"
        assert box.read_file("corpus/x/data.csv") == b"a,b\n"
        assert box.exec(["sh", "-c", "echo x > corpus/x/new"]).exit_code != 0
        with pytest.raises(SandboxPathError):
            box.write_file("corpus/x/new", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


@pytest.mark.docker
def test_unknown_user_against_an_engine_leaves_no_container(docker_client: Any) -> None:
    workdir = f"/ghost-{secrets.token_hex(4)}"  # marks this test's container among others'
    with pytest.raises(SandboxError, match=r"user 'ghost' is unusable in the image \(`id` exited 126"):
        create_sandbox("docker", user="ghost", workdir=workdir)
    left = docker_client.containers.list(all=True, filters={"label": "diagon.sandbox=docker"})
    assert [c.id for c in left if c.attrs["Config"]["WorkingDir"] == workdir] == []
