"""Issue 10 item 5: ``verify_in_dir`` never runs worker code on the host.

It used to run the builtin task's pytest verifier as a host process with the work dir as
cwd, so the worker's module ran with the caller's rights. Now the work dir's regular files
are copied into a fresh bwrap sandbox and scored there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from diagon.tasks import load_task, prepare_work_dir, verify_in_dir
from diagon.tasks.builtin_pool import builtin_root

pytestmark = pytest.mark.usefixtures("bwrap_required")


def test_worker_code_in_the_work_dir_cannot_touch_the_host(tmp_path: Path) -> None:
    task = load_task(builtin_root() / "code-roman-numerals")
    work = prepare_work_dir(task, tmp_path / "work", with_solution=True)
    marker = tmp_path / "pwned"
    solution = (work / "solution.py").read_text()
    # the attack: imported by the verifier, the module writes outside the work dir
    (work / "solution.py").write_text(
        "import pathlib\ntry:\n"
        f"    pathlib.Path({str(marker)!r}).write_text('host write')\n"
        f"except OSError:\n    pass\n{solution}"
    )
    result = verify_in_dir(task, work)
    assert not marker.exists()  # the verifier ran it in the sandbox, where that path is not
    assert (result.q, result.passed) == (1.0, result.total)  # and still scored the solution


def test_a_symlink_to_the_host_answer_is_not_followed(tmp_path: Path) -> None:
    task = load_task(builtin_root() / "query-json-orders-filter")
    work = prepare_work_dir(task, tmp_path / "work")
    os.symlink(task.path / "expected.txt", work / "answer.txt")
    result = verify_in_dir(task, work)
    assert (result.q, result.detail) == (0.0, "answer.txt missing")
    (work / "answer.txt").unlink()
    (work / "answer.txt").write_bytes((task.path / "expected.txt").read_bytes())
    assert verify_in_dir(task, work).q == 1.0  # the same bytes as a real file do count


def test_the_unisolated_backend_is_refused(tmp_path: Path) -> None:
    task = load_task(builtin_root() / "query-json-orders-filter")
    with pytest.raises(ValueError, match="needs an isolating sandbox"):
        verify_in_dir(task, tmp_path, backend="subprocess")
